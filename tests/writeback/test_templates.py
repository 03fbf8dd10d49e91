"""Messages take their words (dates, amounts, "and") from the words files: one place."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from decidim_bridge.errors import MappingError
from decidim_bridge.writeback.templates import MessageTemplates

SOURCE = "{{ d | date }} | {{ d | date(false) }} | {{ a | money }} | {{ l | words }}"
VALUES = {"d": date(2026, 12, 8), "a": Decimal("1500"), "l": ["a", "b", "c"]}


def _templates(mappings, sources, texts=None):
    return MessageTemplates(
        sources, default_locale="nl", words=texts if texts is not None else mappings.texts
    )


def test_dates_amounts_and_lists_are_written_with_the_words_files(mappings):
    templates = _templates(mappings, {("nl", "x"): SOURCE, ("en", "x"): SOURCE})
    nl = templates.render("x", "nl", VALUES).text
    assert nl == "dinsdag 8 december 2026 | 8 december 2026 | € 1.500 | a, b en c"
    en = templates.render("x", "en", {**VALUES, "a": "12.50"}).text
    assert en == "Tuesday 8 December 2026 | 8 December 2026 | €12.50 | a, b and c"


def test_a_changed_word_changes_every_message(mappings):
    nl = mappings.texts["nl"]
    months = list(nl.months)
    months[11] = "wintermaand"
    edited = {**mappings.texts, "nl": replace(nl, months=tuple(months))}
    templates = _templates(mappings, {("nl", "x"): SOURCE}, edited)
    assert templates.render("x", "nl", VALUES).text.startswith("dinsdag 8 wintermaand 2026")


def test_a_subject_ending_in_a_block_tag_keeps_the_first_line_of_the_body(mappings):
    source = "Subject: Bericht{% if ok %} aangenomen{% endif %}\nBeste {{ name }},\n\nTekst."
    rendered = _templates(mappings, {("nl", "m"): source}).render(
        "m", "nl", {"ok": True, "name": "Joke"}
    )
    assert rendered.subject == "Bericht aangenomen"
    assert rendered.text == "Beste Joke,\n\nTekst."
    assert "<p>Beste Joke,</p>" in rendered.html


def test_a_misspelled_placeholder_is_an_error_with_file_and_line(mappings):
    source = "Subject: Hallo\nBeste {{ name }},\n\n{{ contatc.name }}\n"
    templates = _templates(mappings, {("nl", "m"): source})
    with pytest.raises(MappingError) as raised:
        templates.render("m", "nl", {"name": "Joke", "contact": {"name": "An"}})
    (problem,) = raised.value.errors
    assert (problem["file"], problem["line"]) == ("texts/nl/m.md", 4)
    assert "contatc" in problem["message"]


def test_raw_html_in_a_template_is_escaped(mappings):
    templates = _templates(mappings, {("nl", "x"): "Hallo <script>x</script> [link](javascript:x)"})
    html = templates.render("x", "nl", {}).html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
