"""Tests for decidim_bridge.admin_events: what people do in Decidim's admin steers the plan.

The worker handles the Decidim module's events (``webhooks/decidim/API.md``) against a fake
Decidim with the module: proposals as the events carry them, evaluators as set per test.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from conftest import REPO
from plan_support import example_mappings
from test_pipeline import NOW, payload, put, row, store

from decidim_bridge import plan_versions
from decidim_bridge.admin_events import steer
from decidim_bridge.decidim.capabilities import Capabilities
from decidim_bridge.decidim.models import DecidimUser, ProposalAdmin
from decidim_bridge.handler_table import default_handlers
from decidim_bridge.intake.admin_actions import AdminAction
from decidim_bridge.plan.steering import NO_STEERING, steering_from_json
from decidim_bridge.services import Services
from decidim_bridge.store import outbox as outbox_store
from decidim_bridge.store import plans as plans_store
from decidim_bridge.worker import Worker

SAMPLES = REPO / "webhooks" / "samples" / "decidim"
ANOUK = {"id": "21", "nickname": "anouk_devries", "name": "Anouk de Vries"}
PIETER = {"id": "26", "nickname": "pieter_deboer", "name": "Pieter de Boer"}
ADMIN = {
    "id": "20",
    "nickname": "marieke_kok",
    "name": "Marieke Kok",
    "api_user": False,
    "roles": ["organization_admin"],
}
RESIDENT = {"id": "3", "nickname": "buurman_bram", "name": "Bram", "api_user": False, "roles": []}
BRIDGE = {"id": "2", "nickname": None, "name": "Brug", "api_user": True, "roles": []}


def advisor(person: dict[str, str]) -> dict[str, Any]:
    return {**person, "api_user": False, "roles": ["evaluator"]}


def put_admin(db: Any, key: str, event_type: str, extra: dict[str, Any]) -> int:
    """An admin event of the module, carrying the proposal (no Decidim client here)."""
    data = payload()
    body = json.loads((SAMPLES / f"{event_type}__{_variant(event_type)}.json").read_text())
    body["resource"]["id"] = data["id"]
    body["extra"] = {**extra, "proposal": data}
    return store(db, key, body)


def _variant(event_type: str) -> str:
    return {
        "decidim.bridge.proposal_note_created": "confirm-command",
        "decidim.bridge.proposal_evaluators_assigned": "reassigned-by-admin",
        "decidim.bridge.proposal_evaluators_unassigned": "reassigned-by-admin",
        "decidim.bridge.proposal_answer_saved": "internal",
    }[event_type]


NOTE = "decidim.bridge.proposal_note_created"
ASSIGNED = "decidim.bridge.proposal_evaluators_assigned"
UNASSIGNED = "decidim.bridge.proposal_evaluators_unassigned"
ANSWER = "decidim.bridge.proposal_answer_saved"


class FakeDecidim:
    """A Decidim with the module: the proposal's evaluators as the admin left them."""

    def __init__(self, evaluators: list[dict[str, str]] | None = None) -> None:
        self.evaluators = evaluators or [ANOUK]

    def capabilities(self) -> Capabilities:
        return Capabilities(
            version="0.32.1",
            answer_form="input",
            can_comment=True,
            introspected=True,
            can_assign_evaluators=True,
            can_write_notes=True,
        )

    def proposal_admin(self, proposal_id: str) -> ProposalAdmin:
        users = tuple(DecidimUser(e["id"], e["nickname"], e["name"]) for e in self.evaluators)
        return ProposalAdmin(proposal_id, users)

    def fetch_proposal(self, proposal_id: str, component_id: str) -> Any:
        from decidim_bridge.intake.proposal_json import proposal_from_json

        return proposal_from_json(payload())


@pytest.fixture
def run(db: Any, settings: Any) -> Any:
    def step(decidim: Any = None) -> None:
        services = Services(
            settings=settings, db=db, decidim=decidim or FakeDecidim(), mappings=example_mappings()
        )
        worker = Worker(db, settings, default_handlers(), services=services, clock=lambda: NOW)
        while worker.run_once():
            pass

    return step


def current(db: Any) -> plan_versions.PlanVersion:
    with db.read() as conn:
        found = plan_versions.current_version(conn, "localhost", "1042")
    assert found is not None
    return found


def steering(db: Any) -> Any:
    with db.read() as conn:
        return steering_from_json(plans_store.lock_head(conn, "localhost", "1042", NOW).steering)


def replies(db: Any) -> list[str]:
    """The bodies of the reply notes the bridge planned."""
    with db.read() as conn:
        rows = outbox_store.rows_for_proposal(conn, tenant="localhost", proposal_id="1042")
    return [json.loads(r.payload)["body"] for r in rows if r.purpose == "reply"]


def test_a_confirm_command_confirms_the_hold_and_gets_a_reply(db: Any, run: Any) -> None:
    put(db, "p")
    run()
    note = put_admin(
        db,
        "n",
        NOTE,
        {"note_id": "301", "body": "/bevestig bouwhekken", "author": advisor(ANOUK)},
    )
    run()

    done = row(db, note)
    assert done.status == "done", done.outcome
    assert done.outcome.startswith("1 of 1 command(s) applied; planned: version 2")
    assert steering(db).confirmed("resource", "bouwhekken")
    with db.read() as conn:
        holds = {h.item_id: h.status for h in plans_store.holds(conn, "localhost", "1042")}
    assert holds["bouwhekken"] == "confirmed"
    assert holds["tuingereedschap"] == "held"
    (reply,) = replies(db)
    assert reply.startswith("[decidim-bridge]")
    assert "Bouwhekken" in reply and "vastgelegd" in reply


def test_a_needed_day_moves_the_holds_in_the_database_and_gets_a_reply(db: Any, run: Any) -> None:
    put(db, "p")
    run()
    with db.read() as conn:
        before = {h.item_id: h for h in plans_store.holds(conn, "localhost", "1042")}
    assert before["bouwhekken"].starts_at is None  # no date in the text: from planning on
    note = put_admin(
        db, "n", NOTE, {"note_id": "305", "body": "/nodig op 26-6-2027", "author": advisor(ANOUK)}
    )
    run()

    assert row(db, note).status == "done"
    assert steering(db).needed.on == "2027-06-26"
    with db.read() as conn:
        after = {
            h.item_id: h for h in plans_store.holds(conn, "localhost", "1042") if h.status == "held"
        }
    fences = after["bouwhekken"]
    assert fences.starts_at is not None and fences.starts_at > NOW + 30 * 86400
    assert date.fromtimestamp(fences.expires_at) == date(2027, 6, 26)
    offer = next(o for o in current(db).plan.resources if o.resource_id == "bouwhekken")
    assert "de datum die Anouk de Vries opgaf" in offer.reasons[-1].text
    (reply,) = replies(db)
    assert "nodig op zaterdag 26 juni 2027" in reply


def test_the_same_note_delivered_twice_gets_one_reply(db: Any, run: Any) -> None:
    put(db, "p")
    run()
    extra = {"note_id": "301", "body": "/bevestig bouwhekken", "author": advisor(ANOUK)}
    put_admin(db, "n1", NOTE, extra)
    put_admin(db, "n2", NOTE, extra)  # the module resent it under another id
    run()

    assert len(replies(db)) == 1
    assert current(db).version == 2


def test_a_note_without_a_command_is_left_alone(db: Any, run: Any) -> None:
    put(db, "p")
    run()
    note = put_admin(
        db,
        "n",
        NOTE,
        {
            "note_id": "302",
            "body": "Contact gehad met de buurt op dinsdag.",
            "author": advisor(ANOUK),
        },
    )
    run()

    assert row(db, note).status == "ignored"
    assert "without commands" in row(db, note).outcome
    assert current(db).version == 1 and replies(db) == []


def test_a_command_by_a_resident_is_refused_in_the_reply(db: Any, run: Any) -> None:
    put(db, "p")
    run()
    put_admin(db, "n", NOTE, {"note_id": "303", "body": "/bevestig bouwhekken", "author": RESIDENT})
    run()

    assert steering(db) == NO_STEERING
    assert current(db).version == 1
    (reply,) = replies(db)
    assert reply.startswith("[decidim-bridge]")
    assert "adviseur" in reply or "beheerder" in reply


def test_the_bridges_own_note_is_not_read(db: Any, run: Any) -> None:
    put(db, "p")
    run()
    note = put_admin(
        db, "n", NOTE, {"note_id": "304", "body": "/bevestig bouwhekken", "author": BRIDGE}
    )
    run()

    assert row(db, note).status == "ignored" and "own change" in row(db, note).outcome
    assert replies(db) == []


def test_a_person_re_assigning_the_evaluator_changes_the_lead(db: Any, run: Any) -> None:
    put(db, "p")
    run()
    assert current(db).plan.assignment.lead.advisor_id == "a-de-vries"
    put_admin(db, "u", UNASSIGNED, {"evaluators": [ANOUK], "by": ADMIN})
    put_admin(db, "a", ASSIGNED, {"evaluators": [PIETER], "by": ADMIN})
    run(FakeDecidim([PIETER]))

    plan = current(db).plan
    assert plan.assignment.lead.advisor_id == "p-de-boer"
    assert plan.assignment.lead.reason.code == "lead.steered"
    assert steering(db).removed_by_people == {"anouk_devries"}
    assert steering(db).assigned_by_people == {"pieter_deboer"}
    with db.read() as conn:
        loads = plans_store.loads(conn, "localhost")
    assert loads["p-de-boer"] == 1 and loads["a-de-vries"] == 0


def test_the_bridges_own_assignment_reported_back_changes_nothing(db: Any, run: Any) -> None:
    put(db, "p")
    run()
    event = put_admin(db, "a", ASSIGNED, {"evaluators": [ANOUK], "by": BRIDGE})
    run(FakeDecidim([ANOUK]))

    assert row(db, event).status == "ignored"
    assert steering(db) == NO_STEERING


def test_an_internal_answer_is_first_contact(db: Any, run: Any) -> None:
    put(db, "p")
    run()
    put_admin(db, "i", ANSWER, {"state": "evaluating", "published": False, "by": advisor(ANOUK)})
    run()

    plan = current(db).plan
    assert plan.expectations.first_contact_on == "2027-04-20"
    first_contact = [c for c in plan.checklist if c.key == "p2.first_contact"]
    assert first_contact and first_contact[0].status == "done"


def test_the_current_plan_is_parsed_once_per_admin_event(
    db: Any, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handler reads the plan before asking Decidim and again under the head's lock;
    the same version is not parsed twice (nor again for planning)."""
    put(db, "p")
    run()
    parsed = {"plans": 0}
    parse = plan_versions.plan_from_json

    def counting(text: str) -> Any:
        parsed["plans"] += 1
        return parse(text)

    monkeypatch.setattr(plan_versions, "plan_from_json", counting)
    saved = put_admin(
        db, "i", ANSWER, {"state": "evaluating", "published": False, "by": advisor(ANOUK)}
    )
    run()
    assert row(db, saved).outcome.startswith("internal answer saved; planned: version 2")
    assert parsed == {"plans": 1}


def test_steer_is_a_pure_function_of_the_action() -> None:
    mappings = example_mappings()
    from decidim_bridge.intake.proposal_json import proposal_from_json
    from decidim_bridge.pipeline import preview_plan

    plan = preview_plan(proposal_from_json(payload()), mappings, NOW)
    note = AdminAction(NOTE, advisor(ANOUK), note_id="1", body="/contact gehad")

    steered = steer(note, NO_STEERING, plan, mappings, None, NOW)

    assert steered.steering.first_contact is not None
    assert steered.reply is not None and steered.reply.startswith("[decidim-bridge]")
    assert steered.account == "1 of 1 command(s) applied"
    assert steer(note, NO_STEERING, plan, mappings, None, NOW) == steered
