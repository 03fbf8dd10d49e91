"""Turns across participatory spaces: each inbox and outbox row names its space, and when it
was last claimed, so the claims serve spaces in turn (``store.inbox``, ``store.outbox``).

Rows written before this revision get the empty space (one space of their own, claimed like
any other) and no claim time.

Revision ID: 0007_space_turns
Revises: 0004_outbox
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_space_turns"
down_revision = "0004_outbox"
branch_labels = None
depends_on = None

TABLES = ("inbox", "outbox")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("space", sa.String(200), nullable=False, server_default=""))
            batch.add_column(sa.Column("claimed_at", sa.Float))
        op.create_index(f"ix_{table}_space", table, ["tenant", "space", "claimed_at"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_space", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("claimed_at")
            batch.drop_column("space")
