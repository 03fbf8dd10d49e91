"""Retention, ``export`` and ``forget`` on a real flow (sandbox -> plan -> writes), on SQLite
and on PostgreSQL."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select
from writeback_support import writeback_stack

from decidim_bridge import plan_versions
from decidim_bridge.digest.audience import Period
from decidim_bridge.digest.build import build_digest
from decidim_bridge.privacy.retention import DAY, MONTH, apply
from decidim_bridge.privacy.subject import export, forget
from decidim_bridge.store import plans as plans_store
from decidim_bridge.store.schema import PROPOSAL_TABLES, inbox, outbox

PROPOSAL = 114  # a draft in Wijkinitiatieven: publishing it sends the webhook


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bridge.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def stack(tmp_path, database_url):
    with writeback_stack(tmp_path, database_url=database_url) as running:
        running.publish(PROPOSAL)
        running.settle()
        yield running


def test_export_shows_what_is_held_and_nothing_after_forget(stack):
    held = export(stack.db, stack.settings, str(PROPOSAL))
    assert {"inbox", "plan_versions", "plan_heads", "outbox"} <= set(held["tables"])
    events = held["tables"]["inbox"]
    assert str(events[0]["body"]["resource"]["id"]) == str(PROPOSAL)  # the body, decoded
    plan = held["tables"]["plan_versions"][0]["plan"]
    assert plan["proposal_id"] == str(PROPOSAL) and plan["title"]
    assert held["mail_files"], "the advisor's mail is part of what the bridge holds"
    json.dumps(held, default=str)  # printable as the command prints it

    with stack.db.read() as conn:
        lead = plans_store.current_version(conn, stack.tenant, str(PROPOSAL))
        loads_before = plans_store.loads(conn, stack.tenant)
        holds_before = plans_store.active_holds(conn, stack.tenant, str(PROPOSAL))
    assert lead is not None

    removed = forget(stack.db, stack.settings, str(PROPOSAL), time.time())

    assert removed.rows["inbox"] == len(events) and removed.rows["plan_versions"] >= 1
    assert removed.rows["outbox"] >= 2 and removed.rows["plan_heads"] == 1
    assert sorted(removed.mail_files) == sorted(held["mail_files"])
    assert removed.holds_released == len(holds_before)
    assert not {p.name for p in stack.mail_dir.glob("*.eml")} & set(removed.mail_files)
    after = export(stack.db, stack.settings, str(PROPOSAL))
    assert after["tables"] == {} and after["mail_files"] == {}
    with stack.db.read() as conn:
        for spec in PROPOSAL_TABLES:
            column = spec.table.c[spec.column]
            value = spec.spelling.format(id=PROPOSAL)
            assert conn.execute(select(spec.table).where(column == value)).first() is None
        loads_after = plans_store.loads(conn, stack.tenant)
        stock = plans_store.stock(conn, stack.tenant)
    assert sum(loads_after.values()) == sum(loads_before.values()) - 1
    assert all(reserved == 0 for _capacity, reserved in stock.values())
    # Forgetting again finds nothing.
    assert not forget(stack.db, stack.settings, str(PROPOSAL), time.time()).anything


def test_retention_removes_bodies_payloads_and_mail_files_after_their_periods(stack):
    now = time.time()
    first = apply(stack.db, stack.settings, now)
    assert (first.webhook_bodies, first.write_payloads, first.mail_files) == (0, 0, 0)

    month = apply(stack.db, stack.settings, now + 31 * DAY)
    assert month.webhook_bodies >= 1 and month.write_payloads == 0
    with stack.db.read() as conn:
        bodies = conn.execute(select(inbox.c.body, inbox.c.status)).all()
        payloads = conn.execute(select(outbox.c.payload, outbox.c.status)).all()
    assert all(body == "" for body, status in bodies if status in ("done", "ignored"))
    assert all(payload != "{}" for payload, _ in payloads)

    mails = list(stack.mail_dir.glob("*.eml"))
    assert mails
    later = apply(stack.db, stack.settings, now + 91 * DAY)
    assert later.mail_files == len(mails) and not list(stack.mail_dir.glob("*.eml"))
    with stack.db.read() as conn:
        done = conn.execute(
            select(outbox.c.payload, outbox.c.recipient).where(outbox.c.status == "done")
        ).all()
    assert done and all(row == ("{}", "") for row in done)
    # Applying again finds nothing more to do.
    again = apply(stack.db, stack.settings, now + 92 * DAY)
    assert (again.webhook_bodies, again.write_payloads, again.mail_files) == (0, 0, 0)


def test_finished_plans_are_reduced_to_what_the_digest_counts(stack):
    stack.sandbox.state.withdraw_proposal(PROPOSAL)
    stack.settle()
    with stack.db.read() as conn:
        [current] = plan_versions.current_versions(conn, stack.tenant)
        versions_before = len(plans_store.versions(conn, stack.tenant, str(PROPOSAL)))
    assert current.plan.stage == "withdrawn" and versions_before >= 2
    period = Period(_day(current.plan.expectations.start_date), _day("2099-12-31"))
    mappings = stack.worker.services.mappings
    digest_before = build_digest([current.plan], mappings, period, time.time(), locale="nl")

    # Not yet: the plan changed less than the retention period ago.
    assert apply(stack.db, stack.settings, time.time() + 11 * MONTH).plans_reduced == 0
    result = apply(stack.db, stack.settings, time.time() + 13 * MONTH)

    assert result.plans_reduced == 1 and result.plan_versions_deleted == versions_before - 1
    with stack.db.read() as conn:
        [reduced] = plan_versions.current_versions(conn, stack.tenant)
    plan = reduced.plan
    assert plan.title == "" and plan.assignment.lead.email == "" and plan.stage == "withdrawn"
    assert plan.expectations.start_date == current.plan.expectations.start_date
    text = json.dumps(plan_versions_json(stack), ensure_ascii=False)
    assert current.plan.title not in text
    digest_after = build_digest([plan], mappings, period, time.time(), locale="nl")
    assert digest_after.totals == digest_before.totals


def plan_versions_json(stack):
    with stack.db.read() as conn:
        return [v.plan for v in plans_store.versions(conn, stack.tenant, str(PROPOSAL))]


def _day(text: str):
    from datetime import date

    return date.fromisoformat(text)
