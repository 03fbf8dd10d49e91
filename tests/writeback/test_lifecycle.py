"""Lifecycle writes: accepted confirms and tells residents and stakeholders once;
rejected/withdrawn tell advisors what was released and write nothing public."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from writeback.samples import garden

from decidim_bridge.store import outbox as store
from decidim_bridge.writeback.reminders import due_milestones


def _rows(db):
    with db.read() as conn:
        return store.list_rows(conn, limit=100)


def test_accepted_confirms_reservations_in_a_comment_and_informs_the_wethouder(
    db, plan, writer, fake
):
    v1 = garden()
    plan(v1)
    writer.drain()
    confirmed = tuple(replace(r, status="confirmed") for r in v1.plan.resources)
    v2 = garden(version=2, state="accepted", resources=confirmed)
    for _ in range(3):
        plan(v2, v1)
    writer.drain()
    bodies = [c.body for c in fake.comments["101"]]
    assert len(bodies) == 2 and bodies[1].startswith("Goed nieuws")
    assert "stuk grond" in bodies[1]
    purposes = sorted(r.purpose for r in _rows(db) if r.plan_version == 2)
    assert purposes == ["accepted", "notice-accepted", "status-accepted", "status-accepted"]
    notice = next(r for r in _rows(db) if r.purpose == "notice-accepted")
    assert notice.recipient == "wethouder.groen@lindeburg.example"
    assert fake.count("answer_proposal") == 1  # the decision's answer is not overwritten


def test_withdrawn_writes_nothing_public_and_lists_what_was_released(db, plan, writer, fake):
    v1 = garden()
    plan(v1)
    writer.drain()
    released = tuple(replace(r, status="released") for r in v1.plan.resources)
    budget = replace(v1.plan.budget, status="released")
    v2 = garden(version=2, state="withdrawn", resources=released, budget=budget)
    plan(v2, v1)
    writer.drain()
    assert len(fake.comments["101"]) == 1
    status_mail = next(r for r in _rows(db) if r.purpose == "status-withdrawn")
    text = status_mail.data["text"]
    assert "ingetrokken" in text and "stuk grond" in text and "wijkbudget Noord" in text


def test_reminders_fall_due_once_a_promised_date_passes_without_an_answer():
    plan = garden().plan
    assert (
        due_milestones(plan, state=None, answer=None, our_answers=(), today=date(2026, 12, 8)) == []
    )
    due = due_milestones(plan, state=None, answer=None, our_answers=(), today=date(2026, 12, 9))
    assert due == [("first_contact", date(2026, 12, 8))]
    ours = {"nl": "<p>ons antwoord</p>"}
    assert due_milestones(
        plan,
        state="evaluating",
        answer=ours,
        our_answers=[("evaluating", ours)],
        today=date(2026, 12, 9),
    ) == [("first_contact", date(2026, 12, 8))]
    human = {"nl": "We hebben u gebeld."}
    assert (
        due_milestones(
            plan,
            state="evaluating",
            answer=human,
            our_answers=[("evaluating", ours)],
            today=date(2026, 12, 9),
        )
        == []
    )
    assert (
        due_milestones(plan, state="accepted", answer=human, our_answers=[], today=date(2027, 2, 1))
        == []
    )
    assert [
        m
        for m, _ in due_milestones(
            plan, state="evaluating", answer=human, our_answers=[], today=date(2027, 1, 23)
        )
    ] == ["decision"]
