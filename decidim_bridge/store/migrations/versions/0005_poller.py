"""Poller: the last seen copy of each swept proposal, and each component's sweeps.

Revision ID: 0005_poller
Revises: 0001_foundation
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_poller"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "poller_seen",
        sa.Column("tenant", sa.String(253), nullable=False),
        sa.Column("component_id", sa.String(100), nullable=False),
        sa.Column("proposal_id", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.String(40)),
        sa.Column("state", sa.String(100)),
        sa.Column("answered_at", sa.String(40)),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("content", sa.String(64), nullable=False),
        sa.Column("seen_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("tenant", "component_id", "proposal_id", name="pk_poller_seen"),
    )
    op.create_table(
        "poller_components",
        sa.Column("tenant", sa.String(253), nullable=False),
        sa.Column("component_id", sa.String(100), nullable=False),
        sa.Column("baseline_at", sa.Float),
        sa.Column("sweep_started_at", sa.Float),
        sa.Column("sweep_finished_at", sa.Float),
        sa.Column("proposals", sa.Integer),
        sa.Column("events", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.PrimaryKeyConstraint("tenant", "component_id", name="pk_poller_components"),
    )


def downgrade() -> None:
    op.drop_table("poller_components")
    op.drop_table("poller_seen")
