"""Tests for decidim_bridge.plan.texts: dates, money and reason lines per language."""

from __future__ import annotations

from datetime import date

import pytest

from decidim_bridge.plan.texts import format_date, format_money, reason_text, texts_for


@pytest.mark.parametrize(
    ("locale", "cents", "text"),
    [
        ("nl", 150_000, "€ 1.500"),
        ("nl", 1_250, "€ 12,50"),
        ("nl", 123_456_789, "€ 1.234.567,89"),
        ("en", 150_000, "€1,500"),
        ("en", 1_250, "€12.50"),
    ],
)
def test_money(mappings, locale, cents, text):
    assert format_money(cents, texts_for(mappings, locale)) == text


def test_dates_written_out(mappings):
    assert format_date("2027-04-27", texts_for(mappings, "nl")) == "dinsdag 27 april 2027"
    assert format_date(date(2027, 4, 27), texts_for(mappings, "en")) == "Tuesday 27 April 2027"


def test_unknown_locale_falls_back_to_the_default(mappings):
    assert texts_for(mappings, "fy").locale == "nl"


def test_reason_arguments_become_words(mappings):
    args = {"advisor": "a-de-vries", "other_advisors": ["r-hoekstra", "p-de-boer"]}
    assert reason_text("lead.tie", args, mappings, "nl") == (
        "Anouk de Vries was even druk als Rik Hoekstra en Pieter de Boer; gekozen op naam"
    )
    args = {"budget": "wijkbudget-noord-2027", "amount": 400_000, "max_amount": 250_000}
    assert reason_text("budget.capped", args, mappings, "en") == (
        "District budget Noord 2027: €4,000 asked, at most €2,500 per initiative"
    )
    args = {"district": "", "year": 2028}
    assert reason_text("budget.none", args, mappings, "nl") == (
        "geen budget voor 2028 (wijk: onbekend)"
    )
    args = {"days_off": [["2027-04-27", "Koningsdag"]]}
    assert reason_text("expect.days_off", args, mappings, "nl") == (
        "niet meegeteld: Koningsdag (dinsdag 27 april 2027)"
    )
