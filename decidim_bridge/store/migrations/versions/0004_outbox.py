"""Outbox (effect ledger of writes to Decidim and mail) and approval records.

Revision ID: 0004_outbox
Revises: 0001_foundation
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_outbox"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(253), nullable=False),
        sa.Column("effect_key", sa.String(64), nullable=False),
        sa.Column("ref", sa.String(16), nullable=False),
        sa.Column("proposal_id", sa.String(64), nullable=False),
        sa.Column("plan_version", sa.Integer),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False, server_default=""),
        sa.Column("lane", sa.String(300), nullable=False),
        sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("lease_owner", sa.String(100)),
        sa.Column("lease_until", sa.Float),
        sa.Column("sending_at", sa.Float),
        sa.Column("last_error", sa.Text),
        sa.Column("remote_id", sa.String(100)),
        sa.Column("outcome", sa.String(200)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("done_at", sa.Float),
        sa.UniqueConstraint("tenant", "effect_key", name="uq_outbox_effect"),
    )
    op.create_index("ix_outbox_claim", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_lane", "outbox", ["tenant", "lane", "id"])
    op.create_index("ix_outbox_proposal", "outbox", ["tenant", "proposal_id", "id"])
    op.create_table(
        "approvals",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(253), nullable=False),
        sa.Column("link_id", sa.String(64), nullable=False),
        sa.Column("proposal_id", sa.String(64), nullable=False),
        sa.Column("plan_version", sa.Integer, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(320), nullable=False),
        sa.Column("decided_at", sa.Float, nullable=False),
        sa.Column("released", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("tenant", "link_id", name="uq_approvals_link"),
    )
    op.create_index("ix_approvals_proposal", "approvals", ["tenant", "proposal_id", "plan_version"])


def downgrade() -> None:
    op.drop_index("ix_approvals_proposal", table_name="approvals")
    op.drop_table("approvals")
    op.drop_index("ix_outbox_proposal", table_name="outbox")
    op.drop_index("ix_outbox_lane", table_name="outbox")
    op.drop_index("ix_outbox_claim", table_name="outbox")
    op.drop_table("outbox")
