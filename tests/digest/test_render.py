"""Tests for decidim_bridge.digest.render and the digest.md templates: Dutch headings and
numbers, English, HTML and plain text, escaping of residents' titles."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from plan_support import at

from decidim_bridge.digest import Period, build_digest, render_digest
from decidim_bridge.digest.render import plain_text

SPRING = Period(date(2027, 4, 1), date(2027, 5, 31))
LATER = at("2027-06-10T12:00:00+02:00")


@pytest.fixture
def digest(spring_plans, mappings):
    return build_digest(spring_plans, mappings, SPRING, LATER)


def test_dutch_markdown_has_the_headings_numbers_and_promises(digest, mappings, templates):
    text = render_digest(digest, mappings, "markdown", templates)
    assert text.startswith("# Raadsinformatiebrief: burgerinitiatieven\n")
    for heading in (
        "## Samenvatting",
        "## Per wijk",
        "### Wijk Noord",
        "### Wijk Zuid",
        "## Per portefeuille",
        "### Wethouder Marieke van Dijk (Openbare ruimte, groen en verkeer)",
        "### Wethouder Johan Kramer (Cultuur en sport)",
    ):
        assert f"\n{heading}\n" in text
    assert "Wijk Centrum" not in text  # its only initiative closed before the period
    assert "**Periode:** 1 april 2027 tot en met 31 mei 2027" in text
    assert "- Aantal initiatieven: 3, waarvan 3 nieuw in deze periode" in text
    assert "- Lopend: 1, aangenomen: 1, afgewezen: 0, ingetrokken: 1" in text
    assert "- Wijkbudget Noord 2027: € 750 gereserveerd, € 0 vastgelegd" in text
    assert "- Wijkbudget Zuid 2027: € 0 gereserveerd, € 500 vastgelegd" in text
    assert "**Buurtmoestuin aan de Kievitlaan** (LB-1, nieuw)" in text
    assert "  - Trekker bij de gemeente: Anouk de Vries" in text
    assert "€ 750 uit Wijkbudget Noord 2027 (gereserveerd)" in text
    assert "  - Besluit beloofd uiterlijk 25 mei 2027: verlopen, nog geen antwoord" in text
    assert "  - Besluit beloofd uiterlijk 27 mei 2027: gehaald (antwoord op 18 mei 2027)" in text
    assert "  - Eerste contact beloofd uiterlijk 30 april 2027: te laat" in text
    assert "- Muurschildering bij de brug (nr. 4): wijk Zuid, ingetrokken" in text
    assert "{{" not in text and "{%" not in text


def test_filters_are_named_and_an_empty_period_says_so(spring_plans, mappings, templates):
    empty = build_digest(
        spring_plans,
        mappings,
        Period(date(2026, 1, 1), date(2026, 1, 31)),
        LATER,
        district="oost",
        theme="groen",
    )
    text = render_digest(empty, mappings, "markdown", templates)
    assert "**Alleen wijk:** Oost" in text and "**Alleen thema:** Groen" in text
    assert "Er liepen in deze periode geen burgerinitiatieven." in text
    assert "## Per wijk" not in text


def test_english(spring_plans, mappings, templates):
    digest = build_digest(spring_plans, mappings, SPRING, LATER, locale="en")
    text = render_digest(digest, mappings, "markdown", templates)
    assert text.startswith("# Council information letter: citizen initiatives\n")
    assert "### District Noord" in text and "## Per portfolio" in text
    assert "€750 from District budget Noord 2027 (reserved)" in text
    assert "Decision promised by 27 May 2027: kept (answered on 18 May 2027)" in text


def test_right_to_challenge_and_no_portfolio(digest, mappings, templates):
    item = digest.initiatives[0]
    flagged = replace(item, right_to_challenge=True, theme_ids=(), themes=())
    totals = replace(digest.totals, right_to_challenge=1)
    group = replace(digest.districts[0], initiatives=(flagged,))
    orphan = replace(
        digest.portfolios[0], key="", name="", role=None, themes=(), initiatives=(flagged,)
    )
    changed = replace(digest, totals=totals, districts=(group,), portfolios=(orphan,))
    text = render_digest(changed, mappings, "markdown", templates)
    assert "- Mogelijk uitdaagrecht (Right to Challenge): 1" in text
    assert "  - Mogelijk uitdaagrecht (Right to Challenge): ja" in text
    assert "  - Thema: geen thema herkend" in text
    assert "### Zonder portefeuille" in text


def test_markdown_in_titles_is_escaped_and_html_is_a_document(digest, mappings, templates):
    item = replace(digest.initiatives[0], title="<script>x</script> *groot* [link](javascript:x)")
    group = replace(digest.districts[0], initiatives=(item,))
    changed = replace(digest, districts=(group,))
    markdown = render_digest(changed, mappings, "markdown", templates)
    assert r"\<script\>x\</script\> \*groot\* \[link\](javascript:x)" in markdown
    page = render_digest(changed, mappings, "html", templates)
    assert page.startswith('<!DOCTYPE html>\n<html lang="nl">')
    assert (
        "<title>Raadsinformatiebrief burgerinitiatieven 1 april 2027 tot en met 31 mei 2027</title>"
        in page
    )
    assert "<h2>Per wijk</h2>" in page and "<script>" not in page and "<em>" not in page
    assert "&lt;script&gt;x&lt;/script&gt; *groot*" in page
    text = render_digest(changed, mappings, "text", templates)
    assert "<script>x</script> *groot* [link](javascript:x)" in text  # plain: as written


def test_plain_text_underlines_headings_and_drops_emphasis(digest, mappings, templates):
    text = render_digest(digest, mappings, "text", templates)
    assert text.startswith(
        "Raadsinformatiebrief: burgerinitiatieven\n========================================\n"
    )
    assert "\nPer wijk\n========\n" in text and "\nWijk Noord\n----------\n" in text
    assert "**" not in text and "Periode: 1 april 2027" in text
    assert plain_text("### A **b**") == "A b\n---"


def test_unknown_format(digest, mappings, templates):
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        render_digest(digest, mappings, "pdf", templates)
