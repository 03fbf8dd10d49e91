"""The bridge's own answer in Decidim is its promise, not the municipality's response.

The writer answers each new initiative with state ``evaluating`` and the expectation
contract; Decidim reports that state change back (``proposal_state_changed``). The plan must
stay as it was, and the promised first contact must still be checked: the lead is reminded
once when its date passes, unless an advisor answered in Decidim meanwhile.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import requests
from writeback_support import remind, text_of, writeback_stack

from decidim_bridge import plan_versions
from decidim_bridge.rules.loader import load as load_mappings
from decidim_bridge.store import inbox

NOORD, GROEN = 3, 11
STATE_CHANGED = "decidim.events.proposals.proposal_state_changed"


def _create(stack, title: str, body: str) -> int:
    created = stack.sandbox.state.create_proposal(
        component_id=11, title={"nl": title}, body={"nl": body}, taxonomy_ids=[NOORD, GROEN]
    )
    stack.settle()
    return int(created.id)


def _state_changes(stack, proposal_id: int) -> list[str]:
    """The outcome of every state change Decidim reported for the proposal."""
    with stack.db.read() as conn:
        rows = inbox.list_rows(conn, limit=1000)
    return [
        str(r.outcome)
        for r in rows
        if r.event_type == STATE_CHANGED and r.subject == f"proposal:{proposal_id}"
    ]


def _morning_after(iso_day: str) -> float:
    day = datetime.fromisoformat(iso_day).date()
    return datetime.combine(day, time(9), ZoneInfo("Europe/Amsterdam")).timestamp() + 86400


def test_the_bridges_answer_keeps_the_plan_and_the_reminder_an_advisors_answer_counts(tmp_path):
    with writeback_stack(tmp_path) as stack:
        ours = _create(stack, "Moestuin aan de Kievitlaan", "Een moestuin voor de buurt.")
        theirs = _create(stack, "Geveltuintjes in de Vogelwijk", "Bloemen langs de gevels.")
        for proposal in (ours, theirs):
            record = stack.sandbox.state.proposal(proposal)
            assert record.internal_state == "evaluating" and record.answered_by_api_user
            # Decidim reported the bridge's answer back: recognised from the outbox, without
            # reading the proposal again; the plan did not change.
            assert _state_changes(stack, proposal) == [
                "ignored: the state the bridge's own answer set, reported back"
            ]
            reads = [e for e in stack.journal(target="query") if e.operation_name == "ProposalById"]
            read_ids = [str(e.variables.get("proposalId")) for e in reads]
            # The plan's read only: the module's guarded answer needs no read before it.
            assert read_ids.count(str(proposal)) == 1
            current = stack.current_plan(proposal)
            assert current.version == 1
            first_contact = next(i for i in current.plan.checklist if i.key == "p2.first_contact")
            assert first_contact.status == "todo"

        # An advisor answers one of them in Decidim's admin, in their own words. The state
        # stays "evaluating", so Decidim reports no state change.
        response = requests.post(
            f"{stack.sandbox.url}/_sandbox/proposals/{theirs}/answer",
            json={"state": "evaluating", "answer": {"nl": "<p>We hebben u gebeld.</p>"}},
            timeout=5,
        )
        assert response.status_code == 200, response.text
        stack.settle()
        assert len(_state_changes(stack, theirs)) == 1

        # The first-contact date of both passes; the decision date is weeks away.
        plan = stack.current_plan(ours).plan
        other = stack.current_plan(theirs).plan
        assert plan.expectations.first_contact_by == other.expectations.first_contact_by
        due = _morning_after(plan.expectations.first_contact_by)
        assert due < _morning_after(plan.expectations.decision_by) - 86400
        mappings = load_mappings(stack.settings.mappings_dir)
        check = remind(stack.db, stack.settings, mappings, decidim=stack.writer_client, now=due)
        assert (check.checked, check.planned, check.skipped) == (2, 1, 0)
        again = remind(
            stack.db, stack.settings, mappings, decidim=stack.writer_client, now=due + 3600
        )
        assert again.planned == 0
        reminders = [r for r in stack.outbox() if r.purpose.startswith("reminder-")]
        assert [(r.proposal_id, r.purpose) for r in reminders] == [
            (str(ours), "reminder-first_contact")
        ]

        # The decidim-bridge module reported the advisor's answer (proposal_answer_saved), so
        # the plan followed at once: the advisor's answer counts as the first contact.
        stack.sandbox.state.update_proposal(
            theirs, body={"nl": "Bloemen en planten langs de gevels."}
        )
        stack.settle()
        with stack.db.read() as conn:
            history = plan_versions.versions(conn, stack.tenant, str(theirs))
        answered = history[1]
        assert answered.event_type == "decidim.bridge.proposal_answer_saved"
        assert "checklist p2.first_contact: todo -> done" in [c.text for c in answered.changes]

        writer = stack.make_writer()
        writer.clock = lambda: due + 3600  # the reminder was planned on that (fake) day
        assert writer.drain() == 1
        lead = plan.assignment.lead.email
        subjects = [(m, str(m["Subject"]).strip()) for m in stack.mails()]
        ((mail, subject),) = [(m, s) for m, s in subjects if s.startswith("Herinnering")]
        assert mail["To"].addresses[0].addr_spec == lead
        assert (
            subject
            == "Herinnering: eerste contact over Moestuin aan de Kievitlaan is over de datum"
        )
        assert f"/manage/proposals/{ours}" in text_of(mail)
