"""Foundation: the durable, deduplicating inbox of events.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(253), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("delivery_key", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(200)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("lease_owner", sa.String(100)),
        sa.Column("lease_until", sa.Float),
        sa.Column("last_error", sa.Text),
        sa.Column("finished_at", sa.Float),
        sa.UniqueConstraint("tenant", "source", "delivery_key", name="uq_inbox_delivery"),
    )
    op.create_index("ix_inbox_claim", "inbox", ["status", "next_attempt_at"])
    op.create_index("ix_inbox_subject", "inbox", ["tenant", "subject", "id"])


def downgrade() -> None:
    op.drop_index("ix_inbox_subject", table_name="inbox")
    op.drop_index("ix_inbox_claim", table_name="inbox")
    op.drop_table("inbox")
