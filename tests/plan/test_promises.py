"""No promise in the past: late first plans count from the day they are written."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time

import pytest
from plan_support import example_mappings, make_proposal

from decidim_bridge.plan import build_plan
from decidim_bridge.plan.calendar import calendar_for
from decidim_bridge.plan.state import PlanningState
from decidim_bridge.writeback.reminders import due_milestones
from decidim_bridge.writeback.render import Links, context, render_answer, render_comment
from decidim_bridge.writeback.subject import subject_of
from decidim_bridge.writeback.templates import message_templates

PUBLISHED = "2027-04-20T10:00:00+02:00"
SPACE_KEY = "wijkinitiatieven"
PARTY = ("Straatfeest in de Vogelwijk", "We willen een straatfeest met een partytent en muziek.")


@pytest.fixture(scope="module")
def mappings():
    return example_mappings()


def moment(mappings, day: date) -> float:
    zone = calendar_for(mappings).zone
    return datetime.combine(day, time(11, 0), tzinfo=zone).timestamp()


def dates_in(text: str, months: tuple[str, ...]) -> list[date]:
    pattern = re.compile(rf"\b(\d{{1,2}}) ({'|'.join(months)}) (\d{{4}})\b", re.IGNORECASE)
    lowered = [m.lower() for m in months]
    return [
        date(int(m.group(3)), lowered.index(m.group(2).lower()) + 1, int(m.group(1)))
        for m in pattern.finditer(text)
    ]


def resident_texts(plan, mappings, locale: str) -> list[str]:
    templates = message_templates(mappings)
    subject = subject_of(plan, mappings, tenant="t.example", version=1)
    values = context(plan, subject, mappings, Links("https://decidim.example"))
    comment = render_comment(
        templates, "comment", values, locale=locale, ref="LB-1", key="k", max_length=5000
    )
    answer = render_answer(templates, values, locales=(locale,))[locale]
    return [comment, answer]


def test_ten_working_days_late_counts_from_today_and_says_so(mappings):
    calendar = calendar_for(mappings)
    published = date(2027, 4, 20)
    today = calendar.add_working_days(published, 10)
    plan = build_plan(
        make_proposal(*PARTY, published=PUBLISHED),
        mappings,
        moment(mappings, today),
        space_key=SPACE_KEY,
    )
    e = plan.expectations
    assert e.rebased_from == "2027-04-20" and e.start_date == today.isoformat()
    assert date.fromisoformat(e.first_contact_by) == calendar.add_working_days(today, 5)
    rebased = next(r for r in e.reasons if r.code == "expect.rebased")
    assert rebased.args["late"] == 10
    assert [f.code for f in plan.flags if f.code == "flag.late_intake"] == ["flag.late_intake"]
    assert all(date.fromisoformat(o.ready_by) >= today for o in plan.resources)
    comment, answer = resident_texts(plan, mappings, "nl")
    assert "later dan normaal" in comment and "later dan normaal" in answer
    en_comment, _ = resident_texts(plan, mappings, "en")
    assert "later than usual" in en_comment


def test_a_short_delay_keeps_the_usual_dates(mappings):
    calendar = calendar_for(mappings)
    today = calendar.add_working_days(date(2027, 4, 20), 1)
    plan = build_plan(
        make_proposal(*PARTY, published=PUBLISHED),
        mappings,
        moment(mappings, today),
        space_key=SPACE_KEY,
    )
    assert plan.expectations.rebased_from is None
    assert plan.expectations.start_date == "2027-04-20"
    assert not any(f.code == "flag.late_intake" for f in plan.flags)
    comment, _ = resident_texts(plan, mappings, "nl")
    assert "later dan normaal" not in comment


def test_a_later_plan_keeps_the_rebased_start(mappings):
    calendar = calendar_for(mappings)
    first_day = calendar.add_working_days(date(2027, 4, 20), 10)
    proposal = make_proposal(*PARTY, published=PUBLISHED)
    first = build_plan(proposal, mappings, moment(mappings, first_day), space_key=SPACE_KEY)
    edited = replace(proposal, body={"nl": PARTY[1] + " Ook een springkussen."})
    later = build_plan(
        edited,
        mappings,
        moment(mappings, calendar.add_working_days(first_day, 3)),
        PlanningState(previous=first),
        space_key=SPACE_KEY,
    )
    assert later.expectations.start_date == first.expectations.start_date
    assert later.expectations.first_contact_by == first.expectations.first_contact_by
    assert later.expectations.rebased_from == "2027-04-20"


@pytest.mark.parametrize("days_late", [0, 1, 3, 4, 10, 60, 400])
@pytest.mark.parametrize("locale", ["nl", "en"])
def test_no_resident_text_names_a_day_before_today(mappings, days_late, locale):
    calendar = calendar_for(mappings)
    published = date(2026, 11, 20)
    today = calendar.add_working_days(published, days_late)
    proposal = make_proposal(*PARTY, published="2026-11-20T10:00:00+01:00")
    plan = build_plan(proposal, mappings, moment(mappings, today), space_key=SPACE_KEY)
    months = mappings.texts[locale].months
    for text in resident_texts(plan, mappings, locale):
        found = dates_in(text, months)
        assert found, text
        assert all(day >= today for day in found), (today, found)


def test_the_lead_is_reminded_before_a_promised_date(mappings):
    calendar = calendar_for(mappings)
    published = date(2027, 4, 20)
    plan = build_plan(
        make_proposal(*PARTY, published=PUBLISHED),
        mappings,
        moment(mappings, published),
        space_key=SPACE_KEY,
    )
    first_contact = date.fromisoformat(plan.expectations.first_contact_by)
    before = mappings.expectations.remind_before_days
    assert before == 1

    def reminders(today, ahead=True):
        horizon = calendar.add_working_days(today, before) if ahead else None
        return due_milestones(
            plan, state=None, answer=None, our_answers=(), today=today, horizon=horizon
        )

    working_day_before = max(
        date.fromordinal(first_contact.toordinal() - n)
        for n in range(1, 6)
        if calendar.is_working_day(date.fromordinal(first_contact.toordinal() - n))
    )
    assert reminders(working_day_before) == [("first_contact", first_contact)]
    assert reminders(published) == []  # too early
    after = calendar.add_working_days(first_contact, 1)
    assert reminders(after) == []  # passed: only the usual overdue reminder
    assert reminders(after, ahead=False) == [("first_contact", first_contact)]
