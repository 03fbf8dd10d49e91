"""Steering: what people decided in Decidim about a plan, kept with the proposal's head row.

Revision ID: 0006_steering
Revises: 0003_plans
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_steering"
down_revision = "0003_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_heads") as batch:
        batch.add_column(sa.Column("steering", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("plan_heads") as batch:
        batch.drop_column("steering")
