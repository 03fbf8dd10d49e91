"""Table definitions shared by every store module, and by the Alembic migrations.

Every table carries a ``tenant`` column: the host of the Decidim organization the row
belongs to, so that one bridge can serve several organizations. Times are epoch seconds
(floats) so that the same comparisons work on SQLite and PostgreSQL and tests can use a
fake clock.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: Auto-increment primary key type: BIGINT on PostgreSQL, INTEGER (rowid) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

inbox = Table(
    "inbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant", String(253), nullable=False),
    Column("source", String(32), nullable=False),
    Column("delivery_key", String(200), nullable=False),
    Column("event_type", String(200), nullable=False),
    # Events with the same subject (e.g. "proposal:42") are handled one at a time, in order.
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("body_sha256", String(64), nullable=False),
    Column("received_at", Float, nullable=False),
    # pending -> running -> done | ignored | dead ; a failed attempt goes back to pending.
    Column("status", String(16), nullable=False),
    Column("outcome", String(200)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_owner", String(100)),
    Column("lease_until", Float),
    Column("last_error", Text),
    Column("finished_at", Float),
    UniqueConstraint("tenant", "source", "delivery_key", name="uq_inbox_delivery"),
    Index("ix_inbox_claim", "status", "next_attempt_at"),
    Index("ix_inbox_subject", "tenant", "subject", "id"),
)
