"""Recognising the bridge's own writes read back from Decidim, however Decidim reformatted them."""

from __future__ import annotations

import pytest

from decidim_bridge.writeback.reconcile import (
    answer_matches,
    same_answer_text,
    shows_own_answer,
    text_key,
)

OURS = {
    "nl": "<p>Bedankt voor uw initiatief.</p>\n<p><strong>Uw contactpersoon:</strong> "
    "Anouk de Vries, anouk.devries@lindeburg.example.</p>\n<ul><li>1 × Tuingereedschap</li></ul>",
    "en": "<p>Thank you for your initiative.</p>",
}
#: The same answer as Decidim's editor and sanitizer store it.
REWRITTEN = {
    "nl": '<p class="answer">Bedankt voor uw initiatief.</p><p><b>Uw contactpersoon:</b>&nbsp;'
    'Anouk de Vries, <a href="mailto:anouk.devries@lindeburg.example">'
    "anouk.devries@lindeburg.example</a>.</p><ul>\n<li>1 &times; Tuingereedschap</li>\n</ul>",
    "en": "<div>Thank you for your initiative.</div>",
    "machine_translations.de": "<p>Danke für Ihre Initiative.</p>",
}


def test_text_key_keeps_the_words_only():
    assert text_key("<p>Uw  contact&shy;persoon</p>") == text_key("uw contactpersoon")
    assert text_key("<p>a</p><p>b</p>") == "ab"
    assert text_key("") == ""


@pytest.mark.parametrize(
    ("shown", "same"),
    [
        (REWRITTEN, True),
        ({"nl": REWRITTEN["nl"]}, True),  # a locale left out
        ({}, False),  # nothing shown is nobody's answer
        ({"nl": "<p></p>"}, False),
        ({**REWRITTEN, "en": "<p>We called you.</p>"}, False),  # one locale rewritten
        ({"nl": REWRITTEN["nl"], "fr": "<p>Merci</p>"}, False),  # a locale added
        ({"nl": OURS["nl"].replace("Anouk de Vries", "Bram Smit")}, False),
    ],
)
def test_same_answer_text(shown, same):
    assert same_answer_text(shown, OURS) is same


def test_shows_own_answer_needs_the_state_and_the_text_the_bridge_wrote():
    written = [("evaluating", {"nl": "<p>Een oudere versie.</p>"}), ("evaluating", OURS)]
    assert shows_own_answer("evaluating", REWRITTEN, written)
    assert not shows_own_answer("accepted", REWRITTEN, written)  # an advisor decided
    assert not shows_own_answer("evaluating", {"nl": "<p>We belden u.</p>"}, written)
    assert not shows_own_answer("evaluating", REWRITTEN, [])
    assert not shows_own_answer(None, REWRITTEN, written)


def test_answer_matches_ignores_decidims_rewriting():
    assert answer_matches("evaluating", REWRITTEN, "evaluating", OURS)
    assert not answer_matches("evaluating", {"nl": REWRITTEN["nl"]}, "evaluating", OURS)
    assert not answer_matches("accepted", REWRITTEN, "evaluating", OURS)
