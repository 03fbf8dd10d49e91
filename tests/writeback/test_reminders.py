"""The periodic check on stored plans: a passed promise reminds the lead once."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from plan_support import at, make_proposal
from writeback.fakes import FakeDecidim
from writeback.samples import garden_plan
from writeback_support import remind, store_plan_version

from decidim_bridge.mail import FileBackend
from decidim_bridge.store import outbox as outbox_store
from decidim_bridge.writeback.reminders import due_milestones
from decidim_bridge.writeback.writer import Writer

NOW = at("2027-04-20T11:00:00+02:00")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class _Answering:
    """What a Decidim that lets the bridge answer proposals offers."""

    can_comment = True
    can_answer = True

    def capabilities(self):
        return self


def _plan(db, settings, mappings, proposal, decidim=None):
    return store_plan_version(db, settings, mappings, proposal, now=NOW, decidim=decidim)


def _day_after(iso: str) -> float:
    day = datetime.fromisoformat(iso).date()
    return datetime.combine(day, time(9), AMSTERDAM).timestamp() + 86400


def _reminders(db):
    with db.read() as conn:
        rows = outbox_store.list_rows(conn, limit=1000)
    return [r for r in rows if r.purpose.startswith("reminder-")]


def test_a_passed_first_contact_date_reminds_the_lead_once(db, settings, mappings):
    stored = _plan(db, settings, mappings, make_proposal(taxonomies=("Noord", "Groen")))
    _plan(db, settings, mappings, make_proposal("Straatfeest", proposal_id="43", withdrawn=True))
    decidim = FakeDecidim()
    due = _day_after(stored.plan.expectations.first_contact_by)

    early = remind(db, settings, mappings, decidim=decidim, now=due - 2 * 86400)
    # the withdrawn one is not checked; a working day ahead the lead hears it is coming up
    assert (early.checked, early.planned) == (1, 1)
    (ahead,) = _reminders(db)
    assert ahead.purpose == "reminder-first_contact-ahead"
    assert "komt eraan" in ahead.data["subject"]
    assert remind(db, settings, mappings, decidim=decidim, now=due - 2 * 86400).planned == 0

    result = remind(db, settings, mappings, decidim=decidim, now=due)
    assert (result.checked, result.planned) == (1, 1)
    (reminder,) = [r for r in _reminders(db) if not r.purpose.endswith("-ahead")]
    lead = stored.plan.assignment.lead
    assert (reminder.recipient, reminder.purpose) == (lead.email, "reminder-first_contact")
    assert reminder.data["subject"].startswith("Herinnering: eerste contact over")
    assert (
        "/admin/participatory_processes/wijkinitiatieven/components/11/manage/proposals/42"
        in (reminder.data["text"])
    )
    assert remind(db, settings, mappings, decidim=decidim, now=due + 86400).planned == 0
    assert len(_reminders(db)) == 2


def test_an_answer_by_a_person_keeps_the_first_contact_promise(db, settings, mappings):
    stored = _plan(db, settings, mappings, make_proposal(taxonomies=("Noord", "Groen")))
    decidim = FakeDecidim()
    decidim.proposal("42").state = "evaluating"
    decidim.proposal("42").answer = {"nl": "We hebben u gebeld en spreken volgende week af."}
    due = _day_after(stored.plan.expectations.first_contact_by)
    assert remind(db, settings, mappings, decidim=decidim, now=due).planned == 0


def test_the_bridges_own_answer_does_not_keep_the_promise(db, settings, mappings):
    stored = _plan(
        db, settings, mappings, make_proposal(taxonomies=("Noord", "Groen")), decidim=_Answering()
    )
    decidim = FakeDecidim()
    writer = Writer(
        db, settings, decidim=decidim, mailer=FileBackend(settings.mail_dir), clock=lambda: NOW
    )
    writer.drain()
    shown = decidim.proposal("42")
    assert shown.state == "evaluating" and shown.answer["nl"].startswith("<p>Bedankt")
    # As Decidim's editor stores it: other tags, addresses as links, other line breaks.
    shown.answer = {
        locale: re.sub(r"([\w.]+@[\w.]+\w)", r'<a href="mailto:\1">\1</a>', text)
        .replace("<strong>", "<b>")
        .replace("</strong>", "</b>")
        .replace("\n", "")
        for locale, text in shown.answer.items()
    }
    due = _day_after(stored.plan.expectations.first_contact_by)
    assert remind(db, settings, mappings, decidim=decidim, now=due).planned == 1
    assert [r.purpose for r in _reminders(db)] == ["reminder-first_contact"]


def test_first_contact_an_advisor_recorded_needs_no_reminder():
    plan = garden_plan()  # first contact due 8 December 2026, decision 22 January 2027
    after_both = date(2027, 2, 1)
    due = due_milestones(plan, state=None, answer=None, our_answers=(), today=after_both)
    assert [m for m, _ in due] == ["first_contact", "decision"]

    contacted = replace(
        plan, expectations=replace(plan.expectations, first_contact_on="2026-12-10")
    )
    due = due_milestones(contacted, state=None, answer=None, our_answers=(), today=after_both)
    assert [m for m, _ in due] == ["decision"]  # contact is no decision
