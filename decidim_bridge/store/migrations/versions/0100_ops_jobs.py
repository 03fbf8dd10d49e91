"""Periodic jobs: one row per job with its lease, last period and outcome.

Revision ID: 0100_ops_jobs
Revises: 0001_foundation
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0100_ops_jobs"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("tenant", sa.String(253), nullable=False),
        sa.Column("job", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("period", sa.Float),
        sa.Column("done_period", sa.Float),
        sa.Column("lease_owner", sa.String(100)),
        sa.Column("lease_until", sa.Float),
        sa.Column("started_at", sa.Float),
        sa.Column("finished_at", sa.Float),
        sa.Column("retry_at", sa.Float),
        sa.Column("last_success_at", sa.Float),
        sa.Column("summary", sa.String(500)),
        sa.Column("last_error", sa.Text),
        sa.Column("runs", sa.Integer, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("tenant", "job", name="pk_job_runs"),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
