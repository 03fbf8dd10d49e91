"""The module's writes against the sandbox: one note per plan version, no assignment twice.

The rows are recorded by ``WriteBack.record`` on stored plans (the first version by the
worker on the published proposal, a later one by hand with the steering people did in
Decidim), then the writer runs against the sandbox's faults on createNote and
assignEvaluators: a timeout after Decidim applied the write, a 500 after and before
applying, and a writer process killed between sending and recording.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import replace

import pytest
from writeback_support import (
    ahead_clock,
    start_writer,
    wait_for,
    writeback_stack,
    writer_environment,
)

from decidim_bridge.plan.diff import Change
from decidim_bridge.plan.model import AdvisorRole, Reason
from decidim_bridge.plan.note_commands import MARKER
from decidim_bridge.plan.steering import NO_STEERING, EvaluatorChoice, Steering
from decidim_bridge.plan_versions import StoredPlan
from decidim_bridge.rules.loader import load as load_mappings
from decidim_bridge.writeback.hook import prepare_writeback

PROPOSAL = 114  # in the sandbox's neighbourhood process, where the advisors are evaluators
WRITES = {"createNote": "CreateProposalNote", "assignEvaluators": "AssignEvaluators"}


def _bridge_notes(stack):
    return [n for n in stack.sandbox.state.notes_on(PROPOSAL) if n.author_is_api_user]


def _evaluators(stack):
    return [u.nickname for u in stack.sandbox.state.evaluators_of(PROPOSAL)]


def _row(stack, kind, version=1):
    (row,) = [r for r in stack.outbox() if r.kind == kind and r.plan_version == version]
    return row


def _mutations(stack, name):
    """Requests that carried this write: alone (``name``) or with the other writes of its
    plan version in one ``CombinedWrite`` (the first attempt of a version's writes)."""
    names = (name, "CombinedWrite")
    return [e for e in stack.journal(target="mutation") if e.operation_name in names]


def _bridge_comments(stack):
    return [c for c in stack.sandbox.state.comments_on(PROPOSAL) if c.author_is_api_user]


def _record(stack, stored, steering=NO_STEERING):
    """What the pipeline does with a stored plan: ``WriteBack.record`` in a transaction."""
    mappings = load_mappings(stack.settings.mappings_dir)
    writeback = prepare_writeback(
        stack.settings, mappings, decidim=stack.writer_client, now=stack.clock()
    )
    proposal = stack.writer_client.fetch_proposal(PROPOSAL, 11)
    with stack.db.begin() as conn:
        return writeback.record(
            conn,
            stored,
            tenant=stack.tenant,
            proposal=proposal,
            now=stack.clock(),
            steering=steering,
        )


def _stored(stack, version=1, plan=None, previous=None, changes=()):
    current = stack.current_plan(PROPOSAL)
    return StoredPlan(
        proposal_id=str(PROPOSAL),
        version=version,
        created=True,
        plan=plan or current.plan,
        previous=previous,
        changes=changes,
        attempts=1,
    )


def _published(stack):
    stack.publish(PROPOSAL)
    stack.plan()
    assert {r.kind for r in stack.outbox()} >= {"decidim_evaluators", "decidim_note"}


def test_the_first_version_makes_the_lead_evaluator_and_writes_one_note(tmp_path):
    clock = ahead_clock()
    with writeback_stack(tmp_path, clock=clock) as stack:
        _published(stack)
        stack.write()

        lead = stack.current_plan(PROPOSAL).plan.assignment.lead
        assert _evaluators(stack) == ["lotte_mulder"] and lead.name == "Lotte Mulder"
        (note,) = _bridge_notes(stack)
        row = _row(stack, "decidim_note")
        assert note.body.startswith(f"{MARKER} Steunplan versie 1.")
        assert f"Ref. {row.ref}" in note.body and "Trekker: Lotte Mulder" in note.body
        assert (row.status, row.remote_id) == ("done", str(note.id))
        assert {r.status for r in stack.outbox()} == {"done"}

        # The same version recorded again plans nothing: its writes exist.
        assert _record(stack, _stored(stack)) == []


@pytest.mark.parametrize("steered", [False, True], ids=["rules", "person-kept-the-old-lead"])
def test_a_new_lead_in_a_later_version(tmp_path, steered):
    clock = ahead_clock()
    with writeback_stack(tmp_path, clock=clock) as stack:
        _published(stack)
        stack.write()
        first = stack.current_plan(PROPOSAL).plan
        carla = AdvisorRole(
            "c-bakker",
            "Carla Bakker",
            "carla.bakker@lindeburg.example",
            "lead",
            None,
            Reason("lead.steered", {"advisor": "c-bakker", "by": "Marieke Kok"}),
        )
        second = replace(first, assignment=replace(first.assignment, lead=carla))
        steering = NO_STEERING
        if steered:  # a person assigned the old lead in Decidim: the bridge keeps them
            choice = EvaluatorChoice("lotte_mulder", True, "marieke_kok", clock())
            steering = Steering().with_evaluator(choice)
        lead_changed = (Change("lead", "changed", "", "l-mulder", "c-bakker"),)
        new = _record(stack, _stored(stack, 2, second, first, lead_changed), steering)
        assert new
        stack.write()

        expected = ["lotte_mulder", "carla_bakker"] if steered else ["carla_bakker"]
        assert _evaluators(stack) == expected
        notes = _bridge_notes(stack)
        assert len(notes) == 2 and notes[1].body.startswith(f"{MARKER} Steunplan versie 2")
        assert "Trekker: Carla Bakker" in notes[1].body
        mail = _row(stack, "mail", 2)
        assert (mail.recipient, mail.purpose) == ("carla.bakker@lindeburg.example", "advisor")
        assert "vaste contactpersoon" in mail.data["text"]
        assert {r.status for r in stack.outbox()} == {"done"}


def _sent(stack, field, at_least=1):
    """The requests of one write the sandbox journaled (a stalled one is journaled when
    its stall ends, in real time: wait for it)."""
    deadline = time.monotonic() + 10
    while len(_mutations(stack, WRITES[field])) < at_least and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(_mutations(stack, WRITES[field]))


def _assert_once(stack, field):
    """Exactly one comment and one note for the version, the lead assigned by one request,
    all done."""
    assert len(_bridge_comments(stack)) == 1
    assert len(_bridge_notes(stack)) == 1
    assert _evaluators(stack) == ["lotte_mulder"]
    assert _sent(stack, field) == 1
    assert {r.status for r in stack.outbox()} == {"done"}


@pytest.mark.parametrize("field", ["createNote", "assignEvaluators"])
def test_a_write_applied_before_a_read_timeout_is_found_not_made_again(tmp_path, field):
    clock = ahead_clock()
    with writeback_stack(tmp_path, clock=clock, http_read_timeout=0.5) as stack:
        _published(stack)
        stack.sandbox.state.faults.stall_after_apply(1, seconds=1.5, field=field)
        writer = stack.make_writer()
        writer.drain()

        kind = "decidim_note" if field == "createNote" else "decidim_evaluators"
        row = _row(stack, kind)
        assert row.status == "in_flight" and "AmbiguousWrite" in row.last_error
        clock.advance(stack.settings.reconcile_delay + 1)
        writer.drain()

        row = _row(stack, kind)
        assert row.status == "done"
        assert row.outcome in (
            "found in Decidim after an unknown outcome",
            "evaluators already as asked in Decidim",
        )
        _assert_once(stack, field)


@pytest.mark.parametrize("field", ["createNote", "assignEvaluators"])
@pytest.mark.parametrize("applied", [True, False], ids=["500-after-apply", "500-before-apply"])
def test_a_500_leaves_one_note_and_one_assignment(tmp_path, field, applied):
    clock = ahead_clock()
    with writeback_stack(tmp_path, clock=clock) as stack:
        _published(stack)
        faults = stack.sandbox.state.faults
        if applied:
            faults.fail_after_apply(1, status=500, field=field)
        else:
            faults.fail_next(1, status=500, only="mutation", field=field)
        writer = stack.make_writer()
        writer.drain()
        clock.advance(stack.settings.reconcile_delay + 1)
        writer.drain()

        assert len(_bridge_notes(stack)) == 1
        assert _evaluators(stack) == ["lotte_mulder"]
        # Applied: read back and finished. Not applied: read back, then written once more
        # (the journal shows the refused request and the one that took).
        assert _sent(stack, field) == (1 if applied else 2)
        reads = [e for e in stack.journal(target="query") if e.operation_name == "ProposalAdmin"]
        assert reads
        assert {r.status for r in stack.outbox()} == {"done"}


@pytest.mark.slow
@pytest.mark.parametrize("field", ["createNote", "assignEvaluators"])
def test_a_writer_killed_between_sending_and_recording_writes_once(tmp_path, field):
    with writeback_stack(tmp_path) as stack:
        _published(stack)
        stack.sandbox.state.faults.stall_after_apply(1, seconds=4, field=field)
        env = writer_environment(stack.settings)
        log = tmp_path / "writer.log"
        applied = (
            (lambda: len(_bridge_notes(stack)) == 1)
            if field == "createNote"
            else (lambda: _evaluators(stack) == ["lotte_mulder"])
        )

        first = start_writer(env, log)
        try:
            wait_for(applied, 20, f"the {field} write", log)
            os.kill(first.pid, signal.SIGKILL)  # Decidim has it; the writer never heard back
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        kind = "decidim_note" if field == "createNote" else "decidim_evaluators"
        assert _row(stack, kind).status == "in_flight"

        second = start_writer(env, log)
        try:
            wait_for(lambda: {r.status for r in stack.outbox()} == {"done"}, 20, "all writes", log)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(10) == 0
        assert _row(stack, kind).outcome in (
            "found in Decidim after an unknown outcome",
            "evaluators already as asked in Decidim",
        )
        _assert_once(stack, field)
