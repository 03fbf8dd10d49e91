"""Hold periods: a hold uses stock from its start (the lead time before the day the item
is needed) to its end, not from the day it was made.

Rows without a start (every row before this revision) count from ``held_at``, as before.

Revision ID: 0008_hold_periods
Revises: 0006_steering
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_hold_periods"
down_revision = "0006_steering"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_holds") as batch:
        batch.add_column(sa.Column("starts_at", sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("plan_holds") as batch:
        batch.drop_column("starts_at")
