"""Shared per-Decidim-host request budget (one counter per one-minute window).

Revision ID: 0002_request_budget
Revises: 0001_foundation
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_request_budget"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decidim_request_budget",
        sa.Column("host", sa.String(300), nullable=False),
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("tenant", sa.String(253), nullable=False),
        sa.Column("used", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("host", "window_start", name="pk_decidim_request_budget"),
    )


def downgrade() -> None:
    op.drop_table("decidim_request_budget")
