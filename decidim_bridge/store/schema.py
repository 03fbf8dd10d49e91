"""Every table of the bridge, declared in one place: used by the store modules and by the
Alembic migrations (``migrations/versions`` create them; this is what they must match).

Every table carries a ``tenant`` column: the host of the Decidim organization the row
belongs to, so that one bridge can serve several organizations. Times are epoch seconds
(floats) so that the same comparisons work on SQLite and PostgreSQL and tests can use a
fake clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
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
    # The participatory space the event concerns (``events.space_of``; "" when unknown):
    # claims take spaces in turn, the one served longest ago first (``claimed_at``).
    Column("space", String(200), nullable=False, server_default=""),
    Column("claimed_at", Float),  # when the row was last claimed
    UniqueConstraint("tenant", "source", "delivery_key", name="uq_inbox_delivery"),
    Index("ix_inbox_claim", "status", "next_attempt_at"),
    Index("ix_inbox_subject", "tenant", "subject", "id"),
    Index("ix_inbox_space", "tenant", "space", "claimed_at"),
)

# --- the Decidim request budget (store.budget) ---------------------------------------------

request_budget = Table(
    "decidim_request_budget",
    metadata,
    # The Decidim server (host[:port] of its URL): Decidim's limit is per server, not per
    # organization, so organizations served by one Decidim share a budget.
    Column("host", String(300), nullable=False),
    Column("window_start", BigInteger, nullable=False),
    # The organization whose client opened the window (for operators reading the table).
    Column("tenant", String(253), nullable=False),
    Column("used", Integer, nullable=False),
    Column("updated_at", Float, nullable=False),
    PrimaryKeyConstraint("host", "window_start", name="pk_decidim_request_budget"),
)


# --- support plans (store.plans) ---------------------------------------------------------

plan_heads = Table(
    "plan_heads",
    metadata,
    Column("tenant", String(253), primary_key=True),
    Column("proposal_id", String(100), primary_key=True),
    Column("version", Integer, nullable=False),  # 0 until the first plan is stored
    Column("fingerprint", String(64)),
    Column("stage", String(16)),
    Column("lead_advisor_id", String(100)),
    Column("counts_load", Integer, nullable=False),  # 1 when the lead's load includes it
    Column("updated_at", Float, nullable=False),
    Column("steering", Text),  # what people decided in Decidim (plan.steering, JSON)
)


plan_versions = Table(
    "plan_versions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant", String(253), nullable=False),
    Column("proposal_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("event_type", String(200)),
    Column("plan", Text, nullable=False),
    Column("changes", Text, nullable=False),
    UniqueConstraint("tenant", "proposal_id", "version", name="uq_plan_versions_version"),
)


plan_holds = Table(
    "plan_holds",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant", String(253), nullable=False),
    Column("proposal_id", String(100), nullable=False),
    Column("kind", String(16), nullable=False),  # resource | budget
    Column("item_id", String(100), nullable=False),
    Column("quantity", BigInteger, nullable=False),  # units, or cents for budgets
    Column("status", String(16), nullable=False),  # held | confirmed | released | expired
    Column("held_at", Float, nullable=False),
    # A held hold lapses then; any hold stops using stock then (None: confirmed, no end).
    Column("expires_at", Float),
    Column("updated_at", Float, nullable=False),
    # When the hold starts to use stock (the lead time before the day the item is needed);
    # None: from held_at (``hold_periods``).
    Column("starts_at", Float),
    Index("ix_plan_holds_proposal", "tenant", "proposal_id", "status"),
    Index("ix_plan_holds_expiry", "tenant", "status", "expires_at"),
)


plan_stock = Table(
    "plan_stock",
    metadata,
    Column("tenant", String(253), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("item_id", String(100), primary_key=True),
    Column("capacity", BigInteger, nullable=False),  # from the mappings: units or cents
    # Held + confirmed, whatever their periods. For budgets this is what a new hold is
    # checked against; for catalogue items it is a total to read, and the row is the lock
    # that orders holds on the item: availability counts periods (``store.plans``).
    Column("reserved", BigInteger, nullable=False),
)


advisor_loads = Table(
    "advisor_loads",
    metadata,
    Column("tenant", String(253), primary_key=True),
    Column("advisor_id", String(100), primary_key=True),
    Column("open_count", Integer, nullable=False),
)


# --- the outbox and approval decisions (store.outbox) ------------------------------------

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant", String(253), nullable=False),
    Column("effect_key", String(64), nullable=False),
    # The short code residents and staff see ("Ref. LB-7F3A2C"); also the read-back marker.
    Column("ref", String(16), nullable=False),
    Column("proposal_id", String(64), nullable=False),
    Column("plan_version", Integer),
    # decidim_comment | decidim_answer | mail
    Column("kind", String(32), nullable=False),
    # initiators | update | accepted | advisor | introduction | notice | reminder | ...
    Column("purpose", String(40), nullable=False),
    Column("recipient", String(320), nullable=False, default=""),
    Column("lane", String(300), nullable=False),
    Column("public", Boolean, nullable=False, default=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_owner", String(100)),
    Column("lease_until", Float),
    Column("sending_at", Float),
    Column("last_error", Text),
    Column("remote_id", String(100)),
    Column("outcome", String(200)),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("done_at", Float),
    # The participatory space of the proposal ("" when unknown) and when the row was last
    # claimed: the writer serves spaces in turn (see store.outbox).
    Column("space", String(200), nullable=False, server_default=""),
    Column("claimed_at", Float),
    UniqueConstraint("tenant", "effect_key", name="uq_outbox_effect"),
    Index("ix_outbox_claim", "status", "next_attempt_at"),
    Index("ix_outbox_lane", "tenant", "lane", "id"),
    Index("ix_outbox_proposal", "tenant", "proposal_id", "id"),
    Index("ix_outbox_space", "tenant", "space", "claimed_at"),
)


approvals = Table(
    "approvals",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant", String(253), nullable=False),
    # The signed link's own id: a link is usable once.
    Column("link_id", String(64), nullable=False),
    Column("proposal_id", String(64), nullable=False),
    Column("plan_version", Integer, nullable=False),
    # approve | hold
    Column("decision", String(16), nullable=False),
    Column("decided_by", String(320), nullable=False),
    Column("decided_at", Float, nullable=False),
    Column("released", Integer, nullable=False, default=0),
    UniqueConstraint("tenant", "link_id", name="uq_approvals_link"),
    Index("ix_approvals_proposal", "tenant", "proposal_id", "plan_version"),
)


# --- the poller's memory (store.poller) --------------------------------------------------

poller_seen = Table(
    "poller_seen",
    metadata,
    Column("tenant", String(253), nullable=False),
    Column("component_id", String(100), nullable=False),
    Column("proposal_id", String(100), nullable=False),
    Column("updated_at", String(40)),
    Column("state", String(100)),
    Column("answered_at", String(40)),
    Column("withdrawn", Boolean, nullable=False),
    Column("content", String(64), nullable=False),
    Column("seen_at", Float, nullable=False),
    PrimaryKeyConstraint("tenant", "component_id", "proposal_id", name="pk_poller_seen"),
)


poller_components = Table(
    "poller_components",
    metadata,
    Column("tenant", String(253), nullable=False),
    Column("component_id", String(100), nullable=False),
    # Set by the first complete sweep (or a backfill): from then on, new proposals are news.
    Column("baseline_at", Float),
    Column("sweep_started_at", Float),
    Column("sweep_finished_at", Float),
    Column("proposals", Integer),
    Column("events", Integer),
    Column("last_error", Text),
    PrimaryKeyConstraint("tenant", "component_id", name="pk_poller_components"),
)


# --- periodic jobs (store.jobs) ----------------------------------------------------------

job_runs = Table(
    "job_runs",
    metadata,
    Column("tenant", String(253), nullable=False),
    Column("job", String(40), nullable=False),
    # idle (never ran) | running | ok | failed
    Column("status", String(16), nullable=False),
    # The period (its start, epoch seconds) the current or last run was for.
    Column("period", Float),
    # The last period that finished well: the job is due again once a later one begins.
    Column("done_period", Float),
    Column("lease_owner", String(100)),
    Column("lease_until", Float),
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("retry_at", Float),
    Column("last_success_at", Float),
    Column("summary", String(500)),
    Column("last_error", Text),
    Column("runs", Integer, nullable=False, default=0),
    Column("failures", Integer, nullable=False, default=0),
    PrimaryKeyConstraint("tenant", "job", name="pk_job_runs"),
)


# --- personal data per proposal (store.personal: forget, export) --------------------------


@dataclass(frozen=True)
class ProposalRows:
    """A table holding rows about one proposal: which column names it, and how."""

    table: Table
    column: str
    #: How the column spells proposal ``{id}`` (the inbox keys events by subject).
    spelling: str = "{id}"
    #: The personal data these rows can hold (``docs/privacy.md``).
    holds: str = ""


#: Every table with rows about a proposal. ``decidim-bridge forget`` deletes these rows and
#: ``export`` prints them: a new table with a ``proposal_id`` is one more line here.
PROPOSAL_TABLES: tuple[ProposalRows, ...] = (
    ProposalRows(inbox, "subject", "proposal:{id}", "webhook bodies: titles, texts, authors"),
    ProposalRows(plan_versions, "proposal_id", holds="title, matched words and addresses"),
    ProposalRows(plan_holds, "proposal_id"),
    ProposalRows(outbox, "proposal_id", holds="comments and mails: names, addresses, texts"),
    ProposalRows(approvals, "proposal_id", holds="the deciding advisor's address"),
    ProposalRows(poller_seen, "proposal_id"),
    ProposalRows(plan_heads, "proposal_id", holds="steering: who decided what in Decidim"),
)
