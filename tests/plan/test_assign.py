"""Tests for decidim_bridge.plan.assign: eligibility, absence, capacity, ties, fallback,
co-advisors for further themes, and stability across versions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from decidim_bridge.plan.assign import assign
from decidim_bridge.plan.model import Classification, ThemeResult

TODAY = date(2027, 4, 20)
FIRST_CONTACT = date(2027, 4, 28)


def classified(district: str | None, *themes: str) -> Classification:
    return Classification(
        district_id=district,
        district_evidence=(),
        themes=tuple(ThemeResult(t, 10 - i) for i, t in enumerate(themes)),
        weak_themes=(),
        reasons=(),
    )


def lead_of(mappings, district, *themes, loads=None, today=TODAY, first=FIRST_CONTACT):
    return assign(classified(district, *themes), mappings, loads or {}, today, first, "open")


def codes(assignment) -> list[str]:
    return [r.code for r in assignment.reasons]


class TestLead:
    def test_the_only_advisor_for_district_and_theme(self, mappings):
        result = lead_of(mappings, "noord", "groen")
        assert result.lead.advisor_id == "a-de-vries"
        assert not result.fallback and result.counts_load
        assert result.lead.reason.code == "lead.chosen"
        assert result.lead.reason.text == (
            "trekker: Anouk de Vries — wijk Noord, thema Groen, 0 van 8 initiatieven open"
        )

    def test_tie_is_broken_by_name_and_reported(self, mappings):
        result = lead_of(mappings, "oost", "groen")
        assert result.lead.advisor_id == "a-de-vries"
        tie = next(r for r in result.reasons if r.code == "lead.tie")
        assert tie.args["other_advisors"] == ["r-hoekstra"]

    def test_least_loaded_relative_to_capacity(self, mappings):
        loads = {"a-de-vries": 4, "r-hoekstra": 3}
        assert lead_of(mappings, "oost", "groen", loads=loads).lead.advisor_id == "r-hoekstra"
        # 2 of 6 is busier than 2 of 8
        loads = {"s-visser": 2, "f-yilmaz": 2}
        assert lead_of(mappings, "centrum", "sociaal", loads=loads).lead.advisor_id == "f-yilmaz"

    def test_equal_share_prefers_fewer_open(self, mappings):
        loads = {"s-visser": 3, "f-yilmaz": 4}  # both half full
        assert lead_of(mappings, "centrum", "sociaal", loads=loads).lead.advisor_id == "s-visser"

    def test_absent_advisor_is_skipped_with_reason(self, mappings):
        result = lead_of(
            mappings, "centrum", "cultuur", today=date(2026, 12, 22), first=date(2026, 12, 31)
        )
        assert result.lead.advisor_id == "r-hoekstra"
        absent = next(r for r in result.reasons if r.code == "lead.absent")
        assert absent.args == {"advisor": "s-visser", "until_date": "2027-01-08"}

    def test_absence_starting_before_first_contact_counts(self, mappings):
        result = lead_of(
            mappings, "centrum", "cultuur", today=date(2026, 12, 17), first=date(2026, 12, 24)
        )
        assert result.lead.advisor_id == "r-hoekstra"
        result = lead_of(
            mappings, "centrum", "cultuur", today=date(2026, 12, 10), first=date(2026, 12, 17)
        )
        assert result.lead.advisor_id == "r-hoekstra"  # tie by name: R. Hoekstra < S. Visser
        loads = {"r-hoekstra": 5}
        result = assign(
            classified("centrum", "cultuur"),
            mappings,
            loads,
            date(2026, 12, 10),
            date(2026, 12, 17),
            "open",
        )
        assert result.lead.advisor_id == "s-visser"

    def test_full_advisor_leads_to_flagged_coordinator(self, mappings):
        result = lead_of(mappings, "noord", "groen", loads={"a-de-vries": 8})
        assert result.lead.advisor_id == "c-bakker" and result.fallback
        assert result.lead.reason.code == "lead.fallback"
        assert result.lead.reason.args == {"advisor": "c-bakker", "absent": 0, "full": 1}
        assert "lead.full" in codes(result)

    def test_nobody_covers_the_theme_in_the_district(self, mappings):
        result = lead_of(mappings, "noord", "cultuur")
        assert result.fallback and result.lead.reason.code == "lead.fallback_nobody"

    def test_no_theme(self, mappings):
        result = lead_of(mappings, "noord")
        assert result.fallback and result.lead.reason.code == "lead.fallback_no_theme"

    def test_unknown_district_any_district_will_do(self, mappings):
        result = lead_of(mappings, None, "groen", loads={"a-de-vries": 1, "r-hoekstra": 1})
        assert result.lead.advisor_id == "p-de-boer"
        assert result.lead.reason.code == "lead.chosen_any_district"

    def test_coordinator_is_not_a_regular_candidate(self, mappings):
        result = lead_of(mappings, "noord", "groen", loads={"a-de-vries": 7})
        assert result.lead.advisor_id == "a-de-vries"


class TestCoAdvisors:
    def test_one_co_advisor_per_further_theme(self, mappings):
        result = lead_of(mappings, "noord", "groen", "verkeer", "sociaal")
        assert result.lead.advisor_id == "a-de-vries"
        assert [(r.theme_id, r.advisor_id) for r in result.co_advisors] == [
            ("verkeer", "j-jansen"),
            ("sociaal", "m-el-amrani"),
        ]
        assert all(r.role == "co" and r.reason.code == "co.chosen" for r in result.co_advisors)

    def test_co_advisor_balances_load(self, mappings):
        june = {"today": date(2027, 6, 1), "first": date(2027, 6, 8)}
        result = lead_of(mappings, "noord", "groen", "verkeer", loads={"j-jansen": 5}, **june)
        assert result.co_advisors[0].advisor_id == "t-smit"

    def test_absent_co_advisor_is_skipped(self, mappings):
        # Tom Smit is on holiday from 26 April 2027; Joost Jansen is busier but present.
        result = lead_of(mappings, "noord", "groen", "verkeer", loads={"j-jansen": 5})
        assert result.co_advisors[0].advisor_id == "j-jansen"

    def test_co_advisor_from_another_district_when_needed(self, mappings):
        result = lead_of(mappings, "noord", "groen", "cultuur")
        assert result.co_advisors[0].advisor_id == "r-hoekstra"

    def test_lead_covering_the_further_theme(self, mappings):
        result = lead_of(mappings, "noord", "groen", "spelen-en-sport")
        assert result.co_advisors == ()
        assert "co.lead_covers" in codes(result)

    def test_no_co_advisor_available(self, mappings):
        without_hoekstra = tuple(a for a in mappings.advisors.advisors if a.id != "r-hoekstra")
        reduced = replace(mappings, advisors=replace(mappings.advisors, advisors=without_hoekstra))
        # Sanne Visser (the only other cultuur advisor) is on leave at Christmas.
        result = lead_of(
            reduced,
            "centrum",
            "verkeer",
            "cultuur",
            today=date(2026, 12, 22),
            first=date(2026, 12, 31),
        )
        assert result.co_advisors == ()
        none = next(r for r in result.reasons if r.code == "co.none")
        assert none.args == {"theme": "cultuur"}


class TestStability:
    def test_lead_and_co_advisors_are_kept_while_they_fit(self, mappings):
        first = lead_of(mappings, "noord", "groen", "verkeer")
        again = assign(
            classified("noord", "groen", "verkeer"),
            mappings,
            {"a-de-vries": 7, "j-jansen": 9, "t-smit": 0},
            TODAY,
            FIRST_CONTACT,
            "open",
            first,
        )
        assert again == first

    def test_lead_who_became_absent_is_replaced(self, mappings):
        december = {"today": date(2026, 12, 1), "first": date(2026, 12, 8)}
        first = lead_of(mappings, "centrum", "cultuur", loads={"r-hoekstra": 3}, **december)
        assert first.lead.advisor_id == "s-visser"
        later = assign(
            classified("centrum", "cultuur"),
            mappings,
            {"r-hoekstra": 3, "s-visser": 1},
            date(2026, 12, 22),
            date(2026, 12, 31),
            "open",
            first,
        )
        assert later.lead.advisor_id == "r-hoekstra"

    def test_district_change_moves_the_lead(self, mappings):
        first = lead_of(mappings, "noord", "groen")
        moved = assign(
            classified("zuid", "groen"), mappings, {}, TODAY, FIRST_CONTACT, "open", first
        )
        assert moved.lead.advisor_id == "p-de-boer"

    @pytest.mark.parametrize("stage", ["rejected", "withdrawn"])
    def test_closing_releases_the_load_once(self, mappings, stage):
        first = lead_of(mappings, "noord", "groen")
        closed = assign(
            classified("noord", "groen"), mappings, {}, TODAY, FIRST_CONTACT, stage, first
        )
        assert closed.lead == first.lead and not closed.counts_load
        assert codes(closed)[-1] == "lead.released"
        again = assign(
            classified("noord", "groen"), mappings, {}, TODAY, FIRST_CONTACT, stage, closed
        )
        assert again == closed
