"""Tests for decidim_bridge.pipeline: proposal events through the worker into stored plans."""

from __future__ import annotations

import json
import re
from copy import deepcopy
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from conftest import dumps, envelope, store_event
from plan_support import PLAN_DATA, at, example_mappings

from decidim_bridge import admin_events, pipeline, plan_versions
from decidim_bridge.handler_table import default_handlers
from decidim_bridge.handlers import ADMIN_EVENT_TYPES, IGNORED_EVENT_TYPES, PROPOSAL_EVENT_TYPES
from decidim_bridge.intake.proposal_json import proposal_from_json
from decidim_bridge.proposals import Taxonomy
from decidim_bridge.services import Services
from decidim_bridge.store import inbox
from decidim_bridge.store import outbox as outbox_store
from decidim_bridge.store import plans as plans_store
from decidim_bridge.worker import Worker

PUBLISHED = "decidim.events.proposals.proposal_published"
ACCEPTED = "decidim.events.proposals.proposal_accepted"
STATE_CHANGED = "decidim.events.proposals.proposal_state_changed"
NOW = at("2027-04-20T11:00:00+02:00")


def payload(name: str = "moestuin-noord") -> dict:
    return json.loads((PLAN_DATA / "proposals" / f"{name}.json").read_text(encoding="utf-8"))


def put(
    db,
    key,
    *,
    event_type=PUBLISHED,
    proposal=None,
    component=11,
    space=None,
    state=None,
    now=NOW,
    more=None,
):
    data = proposal or payload()
    extra = {"proposal": data} if state is None else {"proposal": data, "state": state}
    extra.update(more or {})
    body = envelope(event_type=event_type, proposal_id=data["id"], extra=extra)
    body["component"] = None if component is None else {"id": component, "manifest": "proposals"}
    body["participatory_space"] = space or {
        "type": "Decidim::ParticipatoryProcess",
        "id": 1,
        "slug": "wijkinitiatieven",
    }
    return store(db, key, body, now=now)


def store(db, key, body, *, now=NOW):
    """Store an event body in the inbox as intake would; the new row's id."""
    return store_event(
        db,
        key,
        event_type=body["type"],
        subject=f"proposal:{body['resource']['id']}",
        body=dumps(body).decode(),
        now=now,
    )


def row(db, row_id):
    with db.read() as conn:
        return inbox.get(conn, row_id)


class FakeDecidim:
    def __init__(self, proposals):
        self.proposals = proposals
        self.calls = []

    def capabilities(self):
        return None  # what this Decidim can write: unknown, comments only

    def fetch_proposal(self, proposal_id, component_id):
        self.calls.append((str(proposal_id), str(component_id)))
        return self.proposals.get(str(proposal_id))


@pytest.fixture
def worker(db, settings):
    def make(decidim=None, now=NOW):
        services = Services(settings=settings, db=db, decidim=decidim, mappings=example_mappings())
        return Worker(db, settings, default_handlers(), services=services, clock=lambda: now)

    return make


def test_published_event_is_planned_and_finished_in_one_go(db, worker):
    row_id = put(db, "a")
    assert worker().run_once()
    done = row(db, row_id)
    assert done.status == "done"
    assert done.outcome.startswith("planned: version 1, open, lead a-de-vries")
    with db.read() as conn:
        current = plan_versions.current_version(conn, "localhost", "1042")
        held = plans_store.holds(conn, "localhost", "1042", "held")
    assert current.event_type == PUBLISHED and current.plan.budget.amount_cents == 75_000
    assert len(held) == len(current.plan.holds) > 0


def test_same_proposal_again_is_unchanged(db, worker):
    put(db, "a")
    runner = worker()
    runner.run_once()
    second = put(db, "b", event_type="decidim.events.proposals.proposal_updated")
    runner.run_once()
    assert row(db, second).outcome == "unchanged: plan version 1"


def test_accepted_event_confirms_the_holds(db, worker):
    put(db, "a")
    accepted = payload()
    accepted.update(state="accepted", answered_at="2027-05-10T10:00:00+02:00")
    put(db, "b", event_type=ACCEPTED, proposal=accepted)
    runner = worker()
    runner.run_once()
    runner.run_once()
    with db.read() as conn:
        statuses = {h.status for h in plans_store.holds(conn, "localhost", "1042")}
        current = plan_versions.current_version(conn, "localhost", "1042")
    assert statuses == {"confirmed"}
    assert current.version == 2 and current.plan.expectations.tracking == "on_time"


def test_out_of_scope_event_is_ignored_with_the_reason(db, worker):
    before = _samples("out_of_scope")
    row_id = put(
        db,
        "a",
        proposal=payload("begroting-idee"),
        component=21,
        space={"type": "Decidim::ParticipatoryProcess", "id": 2, "slug": "begroting-2027"},
    )
    worker().run_once()
    ignored = row(db, row_id)
    assert ignored.status == "ignored"
    assert "Begroting 2027" in ignored.outcome and "geen burgerinitiatieven" in ignored.outcome
    with db.read() as conn:
        assert plan_versions.current_version(conn, "localhost", "2107") is None
    assert _samples("out_of_scope") == before + 1


def test_scope_decided_on_the_proposal_when_the_event_does_not_say(db, worker):
    data = payload("begroting-idee")
    row_id = put(db, "a", proposal=data, component=None, space={"type": None})
    decidim = FakeDecidim({"2107": proposal_from_json(data)})
    worker(decidim).run_once()
    assert row(db, row_id).status == "ignored"
    assert decidim.calls == [("2107", "21")]


def test_proposal_is_fetched_from_decidim_when_a_client_is_configured(db, worker):
    fetched = proposal_from_json(payload())
    fetched = replace(fetched, title={"nl": "Moestuin (zoals Decidim hem nu kent)"})
    decidim = FakeDecidim({"1042": fetched})
    row_id = put(db, "a")
    worker(decidim).run_once()
    assert row(db, row_id).status == "done"
    assert decidim.calls == [("1042", "11")]
    with db.read() as conn:
        assert plan_versions.current_version(conn, "localhost", "1042").plan.title.startswith(
            "Moestuin (zoals"
        )


def test_proposal_no_longer_visible_is_ignored(db, worker):
    row_id = put(db, "a")
    worker(FakeDecidim({})).run_once()
    assert row(db, row_id).status == "ignored"
    assert "not found" in row(db, row_id).outcome


def test_without_client_or_payload_the_event_is_retried(db, worker):
    data = payload()
    row_id = put(db, "a", proposal=data)
    with db.begin() as conn:  # strip the payload from the stored body
        stored = inbox.get(conn, row_id)
        body = json.loads(stored.body)
        body["extra"] = {}
        conn.execute(
            inbox.inbox.update().where(inbox.inbox.c.id == row_id).values(body=json.dumps(body))
        )
    worker().run_once()
    failed = row(db, row_id)
    assert failed.status == "pending" and "DecidimUnavailable" in failed.last_error


def test_lapsed_holds_are_released_before_planning(db, worker):
    put(db, "a")
    worker().run_once()
    with db.read() as conn:
        expiry = max(h.expires_at for h in plans_store.holds(conn, "localhost", "1042"))
    other = deepcopy(payload())
    other["id"] = "1043"
    put(db, "b", proposal=other)
    worker(now=expiry + 1).run_once()
    with db.read() as conn:
        first = {h.status for h in plans_store.holds(conn, "localhost", "1042")}
        second = plan_versions.current_version(conn, "localhost", "1043").plan
    assert first == {"expired"}
    plot = next(o for o in second.resources if o.resource_id == "perceel-kievitlaan")
    assert plot.status == "held"


def _samples(result: str) -> float:
    value = pipeline.PLANS.labels(result=result)._value.get()
    return float(value)


# --- the bridge's own answer comes back from Decidim -----------------------------------------


class AnsweringDecidim(FakeDecidim):
    """A Decidim whose API lets the bridge answer proposals."""

    def capabilities(self):
        return SimpleNamespace(can_comment=True, can_answer=True)


def decidim_rewrites(rich_text: str) -> str:
    """Decidim's sanitizer and editor reformat what they store: other tags and entities,
    addresses as links, other line breaks."""
    text = rich_text.replace("<strong>", "<b>").replace("</strong>", "</b>")
    text = re.sub(r"([\w.]+@[\w.]+\w)", r'<a href="mailto:\1">\1</a>', text)
    return text.replace("×", "&times;").replace("\n", "").replace("<p>", '<p class="answer">\n')


def claim(db, kind):
    with db.begin() as conn:
        (claimed,) = outbox_store.claim(
            conn, owner="writer", now=NOW, lease_seconds=60, kinds=(kind,)
        )
    return claimed


def claim_answer(db):
    """The writer's turn: the comment written, the answer taken (its outcome not recorded)."""
    comment = claim(db, "decidim_comment")
    with db.begin() as conn:
        outbox_store.mark_done(conn, comment.id, owner="writer", now=NOW)
    return claim(db, "decidim_answer")


def show_answer(decidim, proposal_id, state, answer):
    """Decidim now shows this answer on the proposal."""
    decidim.proposals[proposal_id] = replace(
        decidim.proposals[proposal_id],
        state=state,
        answer=answer,
        answered_at=datetime.fromisoformat("2027-04-20T11:05:00+02:00"),
    )


def second_contact_items(db):
    with db.read() as conn:
        current = plan_versions.current_version(conn, "localhost", "1042")
    return current.version, {i.key: i.status for i in current.plan.checklist if i.practice == 2}


@pytest.fixture
def answering(db, worker):
    """A planned proposal whose answer the bridge has recorded, and a worker."""
    decidim = AnsweringDecidim({"1042": proposal_from_json(payload())})
    runner = worker(decidim)
    put(db, "published")
    runner.run_once()
    return decidim, runner


@pytest.mark.parametrize("recorded", ["done", "in_flight"])
def test_the_bridges_own_answer_coming_back_makes_no_new_version(db, answering, recorded):
    decidim, runner = answering
    claimed = claim_answer(db)
    data = claimed.data
    assert data["state"] == "evaluating"
    shown = {locale: decidim_rewrites(text) for locale, text in data["answer_content"].items()}
    assert shown != data["answer_content"]
    show_answer(decidim, "1042", "evaluating", shown)
    if recorded == "done":
        with db.begin() as conn:
            outbox_store.mark_done(conn, claimed.id, owner="writer", now=NOW)
    # else: Decidim's event arrives before the writer recorded its answer as done.
    row_id = put(db, "state-changed", event_type=STATE_CHANGED)
    runner.run_once()
    assert row(db, row_id).outcome == "unchanged: plan version 1"
    version, items = second_contact_items(db)
    assert version == 1 and set(items.values()) == {"todo"}


def test_an_answer_an_advisor_wrote_counts_as_first_contact(db, answering):
    decidim, runner = answering
    claimed = claim_answer(db)
    with db.begin() as conn:
        outbox_store.mark_done(conn, claimed.id, owner="writer", now=NOW)
    # The advisor replaced the bridge's text in Decidim's admin, keeping the state.
    show_answer(decidim, "1042", "evaluating", {"nl": "<p>We hebben u gebeld.</p>"})
    row_id = put(db, "state-changed", event_type=STATE_CHANGED)
    runner.run_once()
    assert row(db, row_id).outcome.startswith("planned: version 2")
    version, items = second_contact_items(db)
    assert version == 2
    assert items == {"p2.say": "done", "p2.first_contact": "done", "p2.decision": "todo"}


def test_a_decision_on_the_bridges_text_counts(db, answering):
    decidim, runner = answering
    claimed = claim_answer(db)
    with db.begin() as conn:
        outbox_store.mark_done(conn, claimed.id, owner="writer", now=NOW)
    show_answer(decidim, "1042", "accepted", claimed.data["answer_content"])
    put(db, "accepted", event_type=ACCEPTED)
    runner.run_once()
    version, items = second_contact_items(db)
    assert version == 2 and set(items.values()) == {"done"}


def test_an_answer_the_bridge_never_sent_is_a_persons(db, answering):
    decidim, runner = answering
    with db.read() as conn:
        (planned,) = [
            r
            for r in outbox_store.rows_for_proposal(conn, tenant="localhost", proposal_id="1042")
            if r.kind == "decidim_answer"
        ]
    assert planned.attempts == 0
    show_answer(decidim, "1042", "evaluating", planned.data["answer_content"])
    put(db, "state-changed", event_type=STATE_CHANGED)
    runner.run_once()
    assert second_contact_items(db)[0] == 2


def test_every_proposal_event_type_is_planned_and_admin_events_steer():
    table = default_handlers()
    assert set(table) == set(PROPOSAL_EVENT_TYPES) | set(ADMIN_EVENT_TYPES)
    assert {table[t] for t in PROPOSAL_EVENT_TYPES} == {pipeline.handle_proposal_event}
    assert {table[t] for t in ADMIN_EVENT_TYPES} == {admin_events.handle_admin_event}
    assert not set(table) & set(IGNORED_EVENT_TYPES)


# --- reads of Decidim: one per burst, none for the bridge's own echo --------------------------


def answered_by_the_bridge(db, decidim):
    """The writer wrote the comment and the answer; Decidim shows the answer."""
    claimed = claim_answer(db)
    show_answer(decidim, "1042", "evaluating", claimed.data["answer_content"])
    with db.begin() as conn:
        outbox_store.mark_done(conn, claimed.id, owner="writer", now=NOW)


def test_the_state_change_the_bridges_answer_caused_needs_no_read(db, answering):
    decidim, runner = answering
    answered_by_the_bridge(db, decidim)
    reads = len(decidim.calls)
    row_id = put(db, "echo", event_type=STATE_CHANGED, state="evaluating")
    assert runner.run_once()
    assert len(decidim.calls) == reads
    echo = row(db, row_id)
    assert echo.status == "ignored" and "own answer" in echo.outcome
    assert second_contact_items(db)[0] == 1


def test_a_state_change_to_another_state_is_read(db, answering):
    decidim, runner = answering
    answered_by_the_bridge(db, decidim)
    reads = len(decidim.calls)
    show_answer(decidim, "1042", "accepted", {"nl": "<p>Akkoord.</p>"})
    put(db, "accepted", event_type=STATE_CHANGED, state="accepted")
    runner.run_once()
    assert len(decidim.calls) == reads + 1
    assert second_contact_items(db)[0] == 2


def test_the_same_state_again_after_another_change_is_read(db, answering):
    decidim, runner = answering
    answered_by_the_bridge(db, decidim)
    put(db, "echo", event_type=STATE_CHANGED, state="evaluating")
    put(db, "accepted", event_type=STATE_CHANGED, state="accepted")
    put(db, "back", event_type=STATE_CHANGED, state="evaluating")
    reads = len(decidim.calls)
    runner.run_once()  # the echo: no read
    assert len(decidim.calls) == reads
    runner.run_once()  # accepted: read, and covers the event queued after it
    assert len(decidim.calls) == reads + 1


def test_a_state_change_long_after_the_answer_is_read(db, answering, worker):
    decidim, _ = answering
    answered_by_the_bridge(db, decidim)
    later = NOW + 3600
    put(db, "late", event_type=STATE_CHANGED, state="evaluating", now=later)
    reads = len(decidim.calls)
    worker(decidim, now=later).run_once()
    assert len(decidim.calls) == reads + 1


def test_queued_events_of_one_proposal_are_handled_with_one_read(db, worker):
    decidim = FakeDecidim({"1042": proposal_from_json(payload())})
    first = put(db, "published")
    second = put(db, "updated", event_type="decidim.events.proposals.proposal_updated")
    third = put(db, "changed", event_type=STATE_CHANGED, state="accepted")
    runner = worker(decidim)
    assert runner.run_once()
    assert decidim.calls == [("1042", "11")]
    assert [row(db, i).status for i in (first, second, third)] == ["done"] * 3
    assert row(db, third).outcome == f"covered by the read for inbox row {first}"
    assert not runner.run_once()
    assert len(decidim.calls) == 1


def test_an_admin_event_between_stops_the_covering(db, worker):
    decidim = FakeDecidim({"1042": proposal_from_json(payload())})
    put(db, "published")
    put(db, "note", event_type="decidim.bridge.proposal_note_created")
    after = put(db, "updated", event_type="decidim.events.proposals.proposal_updated")
    worker(decidim).run_once()
    assert row(db, after).status == "pending"


def test_events_of_another_proposal_are_not_covered(db, worker):
    decidim = FakeDecidim({"1042": proposal_from_json(payload())})
    put(db, "published")
    other = payload()
    other["id"] = 1043
    other_id = put(db, "other", proposal=other)
    worker(decidim).run_once()
    assert row(db, other_id).status == "pending"


def test_without_read_economy_every_event_is_read(db, settings, worker):
    decidim = FakeDecidim({"1042": proposal_from_json(payload())})
    put(db, "published")
    put(db, "updated", event_type="decidim.events.proposals.proposal_updated")
    services = Services(settings=settings, db=db, decidim=decidim, mappings=example_mappings())
    naive = replace(settings, read_economy=False)
    runner = Worker(db, naive, default_handlers(), services=services, clock=lambda: NOW)
    while runner.run_once():
        pass
    assert len(decidim.calls) == 2


ANSWER_SAVED = "decidim.bridge.proposal_answer_saved"
ADMIN = {"id": 9, "nickname": "beheerder", "name": "Beheerder", "roles": ["admin"]}


def test_a_persons_answer_is_read_once_for_both_its_events(db, worker):
    decidim = FakeDecidim({"1042": proposal_from_json(payload())})
    runner = worker(decidim)
    put(db, "published")
    runner.run_once()
    show_answer(decidim, "1042", "accepted", {"nl": "<p>Akkoord.</p>"})
    changed = put(db, "changed", event_type=STATE_CHANGED, state="accepted")
    saved = put(
        db,
        "saved",
        event_type=ANSWER_SAVED,
        more={"state": "accepted", "published": True, "by": ADMIN},
    )
    while runner.run_once():
        pass
    assert len(decidim.calls) == 2  # the publication, then one read for the answer
    assert row(db, changed).outcome == f"covered by the read for inbox row {saved}"
    assert row(db, saved).status == "done"
    assert second_contact_items(db)[0] == 2


def test_the_bridges_own_admin_event_does_not_take_over_the_read(db, worker):
    decidim = FakeDecidim({"1042": proposal_from_json(payload())})
    runner = worker(decidim)
    put(db, "published")
    runner.run_once()
    bridge = {**ADMIN, "api_user": True}
    changed = put(db, "changed", event_type=STATE_CHANGED, state="accepted")
    put(db, "saved", event_type=ANSWER_SAVED, more={"published": True, "by": bridge})
    while runner.run_once():
        pass
    assert len(decidim.calls) == 2
    assert row(db, changed).outcome.startswith(("planned", "unchanged"))


def test_an_admin_event_before_the_first_plan_does_not_take_over_the_read(db, worker):
    decidim = FakeDecidim({"1042": proposal_from_json(payload())})
    first = put(db, "published")
    put(db, "saved", event_type=ANSWER_SAVED, more={"published": False, "by": ADMIN})
    worker(decidim).run_once()
    assert row(db, first).outcome.startswith("planned: version 1")


# --- proposals of rows claimed together: one request ------------------------------------------


class BatchDecidim(FakeDecidim):
    def __init__(self, proposals):
        super().__init__(proposals)
        self.batches = []

    def fetch_proposals(self, proposal_ids, component_id):
        self.batches.append((tuple(proposal_ids), str(component_id)))
        return {str(i): self.proposals.get(str(i)) for i in proposal_ids}


class PageDecidim(BatchDecidim):
    """Also lists pages of a component's proposals: ``listed[component]`` newest first."""

    def __init__(self, proposals, listed):
        super().__init__(proposals)
        self.listed = listed
        self.pages = []

    def fetch_proposals_page(self, component_id, *, order, published_since, page_size, after):
        from decidim_bridge.decidim.models import ProposalPage

        self.pages.append((str(component_id), dict(order), published_since, page_size, after))
        ids = self.listed.get(str(component_id), [])
        start = int(after or 0)
        chunk = ids[start : start + page_size]
        more = start + page_size < len(ids)
        proposals = tuple(self.proposals[str(i)] for i in chunk)
        return ProposalPage(proposals, str(start + page_size) if more else None)


def numbered(number):
    data = payload()
    data["id"] = number
    return data


def answered_by_an_admin(db, decidim, ids):
    """Each of ``ids`` accepted and its answer published by an admin in Decidim: Decidim
    shows the answers; the ids of the answer_saved events' rows."""
    for i in ids:
        show_answer(decidim, str(i), "accepted", {"nl": "<p>Akkoord.</p>"})
    return [
        put(
            db,
            f"saved{i}",
            event_type=ANSWER_SAVED,
            proposal=numbered(i),
            more={"state": "accepted", "published": True, "by": ADMIN},
        )
        for i in ids
    ]


@pytest.fixture
def batching(db, settings):
    from decidim_bridge.handler_table import DEFAULT_BATCH, default_prefetch

    def make(decidim, now=NOW):
        services = Services(settings=settings, db=db, decidim=decidim, mappings=example_mappings())
        return Worker(
            db,
            settings,
            default_handlers(),
            services=services,
            clock=lambda: now,
            prefetch=default_prefetch(),
            batch=DEFAULT_BATCH,
        )

    return make


def test_proposals_claimed_together_are_read_in_one_request(db, batching):
    ids = [1042, 1043, 1044]
    decidim = BatchDecidim({str(i): proposal_from_json(numbered(i)) for i in ids})
    rows = [put(db, f"p{i}", proposal=numbered(i)) for i in ids]
    assert batching(decidim).run_once()
    assert decidim.batches == [(("1042", "1043", "1044"), "11")]
    assert decidim.calls == []
    assert all(row(db, r).outcome.startswith("planned: version 1") for r in rows)


def test_a_read_ahead_covers_only_events_received_before_it(db, batching):
    decidim = BatchDecidim({str(i): proposal_from_json(numbered(i)) for i in (1042, 1043)})
    put(db, "a", proposal=numbered(1042), now=NOW - 10)
    put(db, "b", proposal=numbered(1043), now=NOW - 10)
    before = put(db, "a2", event_type=STATE_CHANGED, proposal=numbered(1042), now=NOW - 5)
    after = put(db, "a3", event_type=STATE_CHANGED, proposal=numbered(1042), now=NOW)
    batching(decidim).run_once()  # reads ahead at NOW
    assert row(db, before).outcome.startswith("covered by the read")
    assert row(db, after).status == "pending"


def test_a_lone_proposal_is_read_by_its_handler(db, batching):
    decidim = BatchDecidim({"1042": proposal_from_json(payload())})
    put(db, "a")
    batching(decidim).run_once()
    assert decidim.batches == [] and decidim.calls == [("1042", "11")]


def test_the_echo_of_the_bridges_answer_is_not_read_ahead(db, batching, worker):
    decidim = BatchDecidim({"1042": proposal_from_json(payload())})
    decidim.capabilities = lambda: SimpleNamespace(can_comment=True, can_answer=True)
    put(db, "published")
    worker(decidim).run_once()
    answered_by_the_bridge(db, decidim)
    put(db, "echo", event_type=STATE_CHANGED, state="evaluating")
    other = put(db, "other", proposal=numbered(1043))
    decidim.proposals["1043"] = proposal_from_json(numbered(1043))
    reads = len(decidim.calls)
    batching(decidim).run_once()
    assert decidim.batches == []  # one proposal needed a read: its handler read it alone
    assert len(decidim.calls) == reads + 1
    assert row(db, other).outcome.startswith("planned")


def test_an_admin_event_that_failed_before_does_not_take_over_the_read(db, worker):
    from sqlalchemy import update

    from decidim_bridge.store.schema import inbox as inbox_table

    decidim = FakeDecidim({"1042": proposal_from_json(payload())})
    runner = worker(decidim)
    put(db, "published")
    runner.run_once()
    changed = put(db, "changed", event_type=STATE_CHANGED, state="accepted")
    saved = put(db, "saved", event_type=ANSWER_SAVED, more={"published": True, "by": ADMIN})
    with db.begin() as conn:
        conn.execute(update(inbox_table).where(inbox_table.c.id == saved).values(attempts=1))
    runner.run_once()
    assert row(db, changed).outcome.startswith(("planned", "unchanged"))
    assert len(decidim.calls) == 2


def test_persons_answers_on_several_proposals_are_read_in_one_request(db, batching):
    ids = [1042, 1043, 1044]
    decidim = BatchDecidim({str(i): proposal_from_json(numbered(i)) for i in ids})
    for i in ids:
        put(db, f"p{i}", proposal=numbered(i))
    runner = batching(decidim)
    runner.run_once()
    decidim.batches.clear()
    saved = answered_by_an_admin(db, decidim, ids)
    bridge = {**ADMIN, "api_user": True}
    own = put(
        db,
        "own",
        event_type=ANSWER_SAVED,
        proposal=numbered(1045),
        more={"state": "evaluating", "published": True, "by": bridge},
    )
    reads = len(decidim.calls)
    assert runner.run_once()
    assert decidim.batches == [(("1042", "1043", "1044"), "11")]
    assert len(decidim.calls) == reads  # no read of its own for any of them
    assert all(row(db, r).outcome.startswith("published answer saved") for r in saved)
    assert row(db, own).outcome.startswith("ignored: the bridge's own change")


BURST = list(range(1042, 1054))  # twelve initiatives published one after another


def test_a_burst_of_publications_is_read_with_one_page_request(db, batching):
    decidim = PageDecidim(
        {str(i): proposal_from_json(numbered(i)) for i in [*BURST, 999]},
        {"11": [*reversed(BURST), 999]},  # 999: published earlier that day, not wanted
    )
    rows = [put(db, f"p{i}", proposal=numbered(i)) for i in BURST]
    assert batching(decidim).run_once()
    # occurred_at 2026-11-28T10:15+01:00: the day before its UTC day, in any time zone
    assert decidim.pages == [("11", {"publishedAt": "DESC"}, "2026-11-27", 50, None)]
    assert decidim.batches == [] and decidim.calls == []
    assert all(row(db, r).outcome.startswith("planned: version 1") for r in rows)


def test_a_publication_not_on_the_page_is_read_by_id(db, batching):
    decidim = PageDecidim(
        {str(i): proposal_from_json(numbered(i)) for i in BURST},
        {"11": list(reversed(BURST[1:]))},
    )
    rows = [put(db, f"p{i}", proposal=numbered(i)) for i in BURST]
    batching(decidim).run_once()
    assert len(decidim.pages) == 1
    assert decidim.calls == [("1042", "11")]  # alone: its handler's own read by id
    assert all(row(db, r).outcome.startswith("planned: version 1") for r in rows)


def test_publications_missing_from_the_page_are_read_in_batches(db, batching):
    decidim = PageDecidim(
        {str(i): proposal_from_json(numbered(i)) for i in BURST},
        {"11": list(reversed(BURST[3:]))},
    )
    rows = [put(db, f"p{i}", proposal=numbered(i)) for i in BURST]
    batching(decidim).run_once()
    assert len(decidim.pages) == 1
    assert decidim.batches == [(("1042", "1043", "1044"), "11")]
    assert decidim.calls == []
    assert all(row(db, r).outcome.startswith("planned: version 1") for r in rows)


def test_publications_of_two_components(db, settings):
    from decidim_bridge.store.inbox import claim

    base = example_mappings()
    rule = replace(base.scope.act_on[0], components=("11", "12"))
    mappings = replace(base, scope=replace(base.scope, act_on=(rule,)))
    many, few = BURST[:7], [2001, 2002, 2003]
    decidim = PageDecidim(
        {str(i): proposal_from_json(numbered(i)) for i in [*many, *few]},
        {"11": list(reversed(many)), "12": list(reversed(few))},
    )
    for i in many:
        put(db, f"p{i}", proposal=numbered(i), component=11)
    for i in few:
        put(db, f"p{i}", proposal=numbered(i), component=12)
    with db.begin() as conn:
        rows = claim(conn, owner="w", now=NOW, lease_seconds=60, limit=50, tenant=None)
    services = Services(settings=settings, db=db, decidim=decidim, mappings=mappings)
    found = pipeline.prefetch_proposals(rows, db, settings, services, lambda: NOW)
    assert [page[0] for page in decidim.pages] == ["11"]  # three of 12: by id
    assert decidim.batches == [(("2001", "2002", "2003"), "12")]
    assert set(found) == {str(i) for i in [*many, *few]}
    assert all(found[str(i)].proposal is decidim.proposals[str(i)] for i in [*many, *few])


def test_the_worker_claims_a_page_of_events_per_turn(db, batching):
    ids = list(range(1042, 1042 + 60))
    decidim = PageDecidim(
        {str(i): proposal_from_json(numbered(i)) for i in ids}, {"11": list(reversed(ids))}
    )
    rows = [put(db, f"p{i}", proposal=numbered(i)) for i in ids]
    batching(decidim).run_once()
    done = [r for r in rows if row(db, r).status == "done"]
    assert done == rows[:50]
    assert [page[4] for page in decidim.pages] == [None, "50"]  # 40 claimed, then the 10 oldest


@pytest.fixture
def answered_burst(db, batching):
    """The burst planned (its page read forgotten), then each of its initiatives answered
    by an admin in Decidim: the page-listing Decidim, the worker and the answers' rows."""
    decidim = PageDecidim(
        {str(i): proposal_from_json(numbered(i)) for i in [*BURST, 999]},
        {"11": [*reversed(BURST), 999]},  # 999: published earlier that day, not wanted
    )
    for i in BURST:
        put(db, f"p{i}", proposal=numbered(i))
    runner = batching(decidim)
    while runner.run_once():
        pass
    decidim.pages.clear()
    return decidim, runner, answered_by_an_admin(db, decidim, BURST)


def test_a_bulk_publication_of_answers_is_read_by_page(db, answered_burst):
    """Answers on the planned initiatives of one round: their plans say when they were
    published, so a page of the component's publications since that day holds them."""
    decidim, runner, saved = answered_burst
    while runner.run_once():
        pass
    (page,) = decidim.pages
    # The plans' publication day, 2027-04-20: two days earlier covers its start everywhere.
    assert page == ("11", {"publishedAt": "DESC"}, "2027-04-18", 50, None)
    assert decidim.batches == [] and decidim.calls == []
    assert all(row(db, r).status == "done" for r in saved)
    with db.read() as conn:
        stages = {plan_versions.current_version(conn, "localhost", str(i)).stage for i in BURST}
    assert stages == {"accepted"}


def test_answers_not_on_the_pages_are_read_by_id(db, answered_burst):
    decidim, runner, saved = answered_burst
    decidim.listed = {"11": []}  # e.g. published long before the pages reach back to
    while runner.run_once():
        pass
    assert len(decidim.pages) == 1
    assert [len(ids) for ids, _ in decidim.batches] == [5, 5, 2]
    assert all(row(db, r).status == "done" for r in saved)


# --- read_by_page: the pages page_read decides on, one request each ---------------------------

PAGES_NEWEST = datetime(2026, 11, 28, 10, 15, tzinfo=timezone(timedelta(hours=1)))


class NewestPages:
    """Proposals newest first, one minute apart, in pages of 50 (the cursor is an offset)."""

    def __init__(self, count, newest):
        self.proposals = [
            SimpleNamespace(id=str(1000 + count - n), published_at=newest - timedelta(minutes=n))
            for n in range(count)
        ]
        self.asked = []

    def fetch_proposals_page(self, component_id, *, order, published_since, page_size, after):
        from decidim_bridge.decidim.models import ProposalPage

        self.asked.append(after)
        start = int(after or 0)
        more = start + page_size < len(self.proposals)
        chunk = tuple(self.proposals[start : start + page_size])
        return ProposalPage(chunk, str(start + page_size) if more else None)


def test_pages_are_walked_back_to_the_earliest_wanted_publication():
    client = NewestPages(300, PAGES_NEWEST + timedelta(hours=5))
    wanted = [str(i) for i in range(1101, 1141)]  # on the fourth page
    earliest = client.proposals[199].published_at
    found = pipeline.read_by_page(client, "11", wanted, earliest, lambda: 7.0)
    assert set(found) == set(wanted) and {f.read_at for f in found.values()} == {7.0}
    assert client.asked == [None, "50", "100", "150"]


def test_at_most_four_pages_are_walked():
    client = NewestPages(300, PAGES_NEWEST + timedelta(hours=5))
    wanted = [str(i) for i in range(1001, 1041)]  # on the sixth page
    earliest = client.proposals[-1].published_at
    assert pipeline.read_by_page(client, "11", wanted, earliest, lambda: 0.0) == {}
    assert len(client.asked) == 4


def test_the_walk_stops_when_few_are_missing():
    client = NewestPages(120, PAGES_NEWEST)
    wanted = [str(i) for i in range(1066, 1076)]  # five on the first page, five on the second
    earliest = PAGES_NEWEST - timedelta(hours=2)
    found = pipeline.read_by_page(client, "11", wanted, earliest, lambda: 0.0)
    assert client.asked == [None]  # five missing: one read by id is as cheap as a page
    assert len(found) == 5


def test_the_walk_stops_at_a_page_older_than_the_earliest_publication():
    client = NewestPages(200, PAGES_NEWEST)
    wanted = [str(i) for i in range(1150, 1200)] + ["9999", "9998", "9997", "9996", "9995", "9994"]
    earliest = PAGES_NEWEST - timedelta(minutes=10)
    found = pipeline.read_by_page(client, "11", wanted, earliest, lambda: 0.0)
    assert client.asked == [None, "50"]  # the second page reaches back past the margin
    assert len(found) == 50


def test_six_wanted_are_looked_for_on_one_page_only():
    client = NewestPages(300, PAGES_NEWEST)
    wanted = [str(i) for i in range(1001, 1007)]  # six, on the last page
    earliest = PAGES_NEWEST - timedelta(days=1)
    assert pipeline.read_by_page(client, "11", wanted, earliest, lambda: 0.0) == {}
    assert client.asked == [None]


# --- events of the poller: the proposal as its sweep read it ------------------------------


def put_swept(db, key, proposal, *, kind="state_changed", received_at=NOW, before=None):
    """A poller event for ``proposal`` as a sweep stores it (its page asked at ``received_at``),
    the sweep before having seen ``before`` (default: the proposal unanswered)."""
    from decidim_bridge.sources.sweep import decide, seen_copy

    before = seen_copy(before or replace(proposal, state=None, answered_at=None))
    (event,) = decide(proposal, before, tenant="localhost", mode="poll").events
    assert event.kind == kind
    return store_event(
        db,
        key,
        event_type=event.event_type,
        subject=event.subject,
        body=event.body,
        now=received_at,
        source="poller",
        body_sha256=event.body_sha256,
    )


def test_a_poller_event_is_planned_from_the_proposal_its_sweep_read(db, worker):
    planned = proposal_from_json(payload())
    decidim = FakeDecidim({"1042": planned})
    put(db, "published")
    worker(decidim, now=NOW).run_once()
    assert len(decidim.calls) == 1

    answered = replace(
        planned,
        state="accepted",
        answer={"nl": "<p>Akkoord.</p>"},
        answered_at=datetime.fromisoformat("2027-04-21T09:00:00+02:00"),
    )
    swept_row = put_swept(db, "poll:1", answered, received_at=NOW + 60)
    worker(decidim, now=NOW + 61).run_once()
    assert len(decidim.calls) == 1  # no read: the sweep's is newer than the plan
    assert row(db, swept_row).outcome.startswith("planned: version 2")
    with db.read() as conn:
        assert plan_versions.current_version(conn, "localhost", "1042").stage == "accepted"


def test_a_poller_event_older_than_the_plan_is_read_again(db, worker):
    planned = proposal_from_json(payload())
    decidim = FakeDecidim({"1042": planned})
    answered = replace(
        planned,
        state="accepted",
        answered_at=datetime.fromisoformat("2027-04-21T09:00:00+02:00"),
    )
    put(db, "published")
    worker(decidim, now=NOW).run_once()
    # The sweep asked for its page before that plan was stored and its row came in after:
    # the plan may come from a newer read, so the sweep's copy is not planned from.
    swept_row = put_swept(db, "poll:1", answered, received_at=NOW - 5)
    worker(decidim, now=NOW + 1).run_once()
    assert decidim.calls == [("1042", "11"), ("1042", "11")]
    assert row(db, swept_row).status == "done"


def test_a_poller_event_of_an_unchanged_proposal_makes_no_new_version(db, worker):
    green = Taxonomy(id="77", name={"nl": "Groen", "en": "Green spaces"})  # Decidim's order
    planned = replace(proposal_from_json(payload()), taxonomies=(green,))
    decidim = FakeDecidim({"1042": planned})
    put(db, "published")
    worker(decidim, now=NOW).run_once()
    earlier = replace(planned, title={"nl": "Een eerdere titel"})
    swept_row = put_swept(
        db, "poll:1", planned, kind="updated", received_at=NOW + 60, before=earlier
    )
    worker(decidim, now=NOW + 61).run_once()
    assert len(decidim.calls) == 1
    assert row(db, swept_row).outcome == "unchanged: plan version 1"


def test_without_the_read_economy_a_poller_event_is_read(db, settings):
    planned = proposal_from_json(payload())
    decidim = FakeDecidim({"1042": planned})
    naive = replace(settings, read_economy=False)

    def make(now):
        services = Services(settings=naive, db=db, decidim=decidim, mappings=example_mappings())
        return Worker(db, naive, default_handlers(), services=services, clock=lambda: now)

    put(db, "published")
    make(NOW).run_once()
    answered = replace(
        planned, state="accepted", answered_at=datetime.fromisoformat("2027-04-21T09:00:00+02:00")
    )
    put_swept(db, "poll:1", answered, received_at=NOW + 60)
    make(NOW + 61).run_once()
    assert len(decidim.calls) == 2


def test_the_read_ahead_hands_a_poller_event_its_sweeps_copy(db, settings, worker):
    from decidim_bridge.store.inbox import claim

    planned = proposal_from_json(payload())
    decidim = BatchDecidim({"1042": planned})
    put(db, "published")
    worker(decidim, now=NOW).run_once()
    answered = replace(
        planned, state="accepted", answered_at=datetime.fromisoformat("2027-04-21T09:00:00+02:00")
    )
    put_swept(db, "poll:1", answered, received_at=NOW + 60)
    with db.begin() as conn:
        rows = claim(conn, owner="w", now=NOW + 61, lease_seconds=60, limit=50, tenant=None)
    services = Services(settings=settings, db=db, decidim=decidim, mappings=example_mappings())
    found = pipeline.prefetch_proposals(rows, db, settings, services, lambda: NOW + 61)
    assert found["1042"].read_at == NOW + 60 and found["1042"].proposal == answered
    assert decidim.batches == [] and len(decidim.calls) == 1  # only the publication's read
