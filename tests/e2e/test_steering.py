"""Advisors see and steer the plan inside Decidim: the whole loop against the sandbox.

Sandbox with the decidim-bridge module -> the bridge assigns the lead as evaluator and writes
the plan in a private note; people act in Decidim's admin (re-assign, write a note with a
command, comment publicly) -> the module's events -> the bridge's worker -> a new plan
version, a reply note, mails -> the writer -> Decidim.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from writeback_support import remind, text_of, writeback_stack

from decidim_bridge.sandbox.model import PROPOSAL_CLASS

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
INITIATIVE = 114  # "Jeu de boulesbaan" (West): lead Lotte Mulder, € 500 from the wijkbudget
ADMIN = "marieke_kok"
LEAD = "lotte_mulder"


def bridge_notes(stack, proposal_id: int = INITIATIVE) -> list[str]:
    return [n.body for n in stack.sandbox.state.notes_on(proposal_id) if n.author_is_api_user]


def evaluators(stack, proposal_id: int = INITIATIVE) -> list[str]:
    return [u.nickname for u in stack.sandbox.state.evaluators_of(proposal_id)]


def test_a_published_initiative_gets_its_evaluator_and_one_private_note(tmp_path: Path) -> None:
    with writeback_stack(tmp_path) as stack:
        stack.publish(INITIATIVE)
        stack.settle()
        stack.settle()  # the module's events about the bridge's own writes change nothing

        assert evaluators(stack) == [LEAD]
        (note,) = bridge_notes(stack)
        assert note.startswith("[decidim-bridge] Steunplan versie 1.")
        assert "Trekker: Lotte Mulder" in note
        assert "Wijkbudget West" in note
        assert stack.current_plan(INITIATIVE).version == 1
        assert len(stack.bridge_comments(INITIATIVE)) == 1


def test_a_person_re_assigning_makes_a_new_lead_who_is_mailed(tmp_path: Path) -> None:
    with writeback_stack(tmp_path) as stack:
        stack.publish(INITIATIVE)
        stack.settle()
        state = stack.sandbox.state
        before = len(stack.journal())

        state.unassign_evaluators(INITIATIVE, [LEAD], by=ADMIN)
        state.assign_evaluators(INITIATIVE, ["pieter_deboer"], by=ADMIN)
        stack.settle()

        current = stack.current_plan(INITIATIVE)
        assert current.version == 2
        assert current.plan.assignment.lead.advisor_id == "p-de-boer"
        assert current.plan.assignment.lead.reason.code == "lead.steered"
        # Decidim keeps the person's choice: the bridge never assigned Lotte again.
        assert evaluators(stack) == ["pieter_deboer"]
        writes = [e for e in stack.journal(since=before) if e.operation_name == "AssignEvaluators"]
        assert all(LEAD not in str(e.variables) for e in writes)
        # The new lead gets the lead's mail; the plan note of version 2 says who leads.
        pieter = [m for m in stack.mails() if m["To"].addresses[0].addr_spec.startswith("pieter")]
        assert any("U bent de **vaste contactpersoon**" in text_of(m) for m in pieter)
        notes = bridge_notes(stack)
        assert len(notes) == 2 and "Trekker: Pieter de Boer" in notes[1]


def test_a_confirm_command_in_a_note_confirms_the_hold_and_the_bridge_replies(
    tmp_path: Path,
) -> None:
    with writeback_stack(tmp_path) as stack:
        stack.publish(INITIATIVE)
        stack.settle()
        assert {h.kind: h.status for h in stack.holds(INITIATIVE)}["budget"] == "held"

        stack.sandbox.state.create_note(INITIATIVE, "/bevestig wijkbudget", by=LEAD)
        stack.settle()

        statuses = {(h.kind, h.item_id): h.status for h in stack.holds(INITIATIVE)}
        assert [s for (kind, _), s in statuses.items() if kind == "budget"] == ["confirmed"]
        # Only what the command named: any other offer stays held until the decision.
        assert {s for (kind, _), s in statuses.items() if kind != "budget"} <= {"held"}
        replies = [n for n in bridge_notes(stack) if "Uw notitie is verwerkt" in n]
        assert len(replies) == 1
        assert "Wijkbudget West" in replies[0]


def test_contact_recorded_in_a_note_stops_the_first_contact_reminder(tmp_path: Path) -> None:
    with writeback_stack(tmp_path) as stack:
        stack.publish(INITIATIVE)
        stack.settle()
        plan = stack.current_plan(INITIATIVE).plan
        promised = date.fromisoformat(plan.expectations.first_contact_by)
        after_promise = datetime.combine(promised + timedelta(days=2), time(12), AMSTERDAM)

        stack.sandbox.state.create_note(INITIATIVE, "/contact gehad", by=LEAD)
        stack.settle()

        assert stack.current_plan(INITIATIVE).plan.expectations.first_contact_on is not None
        mappings = stack.worker.services.mappings
        run = remind(
            stack.db,
            stack.settings,
            mappings,
            decidim=stack.writer_client,
            now=after_promise.timestamp(),
        )
        assert run.planned == 0
        reminders = [r for r in stack.outbox() if r.purpose.startswith("reminder")]
        assert reminders == []


def test_an_unknown_command_gets_the_valid_forms(tmp_path: Path) -> None:
    with writeback_stack(tmp_path) as stack:
        stack.publish(INITIATIVE)
        stack.settle()

        stack.sandbox.state.create_note(INITIATIVE, "/verhuis naar oost", by=LEAD)
        stack.settle()

        (reply,) = [n for n in bridge_notes(stack) if "versie" not in n.splitlines()[0]]
        assert reply.startswith("[decidim-bridge]")
        for form in ("/bevestig", "/zeg af", "/contact gehad", "/uitstel", "/trekker"):
            assert form in reply
        assert stack.current_plan(INITIATIVE).version == 1


def test_a_residents_public_comment_that_looks_like_a_command_changes_nothing(
    tmp_path: Path,
) -> None:
    with writeback_stack(tmp_path) as stack:
        stack.publish(INITIATIVE)
        stack.settle()
        state = stack.sandbox.state
        resident = next(iter(state.users.values()))
        notes_before = bridge_notes(stack)

        state.add_comment(PROPOSAL_CLASS, INITIATIVE, "/bevestig wijkbudget", author=resident)
        stack.settle()

        assert stack.current_plan(INITIATIVE).version == 1
        assert {h.status for h in stack.holds(INITIATIVE)} == {"held"}
        assert bridge_notes(stack) == notes_before
