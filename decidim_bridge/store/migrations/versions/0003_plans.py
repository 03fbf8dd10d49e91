"""Support plans: versions per proposal, holds on stock and budgets, advisor loads.

Revision ID: 0003_plans
Revises: 0001_foundation
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_plans"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "plan_heads",
        sa.Column("tenant", sa.String(253), primary_key=True),
        sa.Column("proposal_id", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("fingerprint", sa.String(64)),
        sa.Column("stage", sa.String(16)),
        sa.Column("lead_advisor_id", sa.String(100)),
        sa.Column("counts_load", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "plan_versions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(253), nullable=False),
        sa.Column("proposal_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("event_type", sa.String(200)),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.UniqueConstraint("tenant", "proposal_id", "version", name="uq_plan_versions_version"),
    )
    op.create_table(
        "plan_holds",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(253), nullable=False),
        sa.Column("proposal_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("held_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_plan_holds_proposal", "plan_holds", ["tenant", "proposal_id", "status"])
    op.create_index("ix_plan_holds_expiry", "plan_holds", ["tenant", "status", "expires_at"])
    op.create_table(
        "plan_stock",
        sa.Column("tenant", sa.String(253), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("item_id", sa.String(100), primary_key=True),
        sa.Column("capacity", sa.BigInteger, nullable=False),
        sa.Column("reserved", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "advisor_loads",
        sa.Column("tenant", sa.String(253), primary_key=True),
        sa.Column("advisor_id", sa.String(100), primary_key=True),
        sa.Column("open_count", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("advisor_loads")
    op.drop_table("plan_stock")
    op.drop_index("ix_plan_holds_expiry", table_name="plan_holds")
    op.drop_index("ix_plan_holds_proposal", table_name="plan_holds")
    op.drop_table("plan_holds")
    op.drop_table("plan_versions")
    op.drop_table("plan_heads")
