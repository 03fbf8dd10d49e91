"""Resident texts are scored for reading ease; check-mappings names the worst line."""

from __future__ import annotations

import shutil

from conftest import REPO

from decidim_bridge.mappings_check import check_folder
from decidim_bridge.writeback.readability import readability, sentences, syllables

HARD_NL = (
    "Teneinde de gemeentelijke ondersteuningsmogelijkheden optimaal te kunnen "
    "operationaliseren verzoeken wij u vriendelijk om uitgebreide aanvullende "
    "documentatie betreffende de beoogde maatschappelijke meerwaarde van uw "
    "burgerinitiatief aan te leveren, zodat een weloverwogen integrale afweging "
    "gerealiseerd kan worden."
)


def test_plain_dutch_scores_higher_than_officialese():
    plain = readability(
        "Bedankt voor uw plan. We bellen u deze week. Dan maken we een afspraak.", "nl"
    )
    hard = readability(HARD_NL, "nl")
    assert plain.score >= 60 > hard.score
    assert hard.longest_sentence == len(HARD_NL.split()) and plain.sentences == 3


def test_markdown_links_and_lists_are_not_prose():
    text = "**Uw contactpersoon:** Anouk, anouk@lindeburg.example.\n- Partytent\n- Zie https://x.example/a"
    assert sentences(text) == ["Uw contactpersoon:", "Anouk,  .", "Partytent", "Zie"]
    assert readability(text, "nl").words == 5


def test_syllables_come_from_the_hyphenation_dictionaries():
    assert syllables("gemeente", "nl") == 3
    assert syllables("municipality", "en") == 6


def test_a_hard_resident_text_is_a_problem_with_file_line_and_score(tmp_path):
    folder = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", folder)
    comment = folder / "texts" / "nl" / "comment.md"
    hard = [
        "Geachte initiatiefnemer, hartelijk dank voor de indiening van uw voorstel.",
        "",
        HARD_NL,
        "",
        "Contactpersoon: {{ contact.name }}, uiterlijk {{ expect.first_contact_by | date }}.",
    ]
    comment.write_text("\n".join(hard) + "\n", encoding="utf-8")
    _, problems = check_folder(folder)
    found = [p for p in problems if p.file == "texts/nl/comment.md"]
    assert found, problems
    assert {p.line for p in found} == {3}
    assert any("reading ease" in p.message and "below 60" in p.message for p in found)
    assert any("a sentence of" in p.message for p in found)


def test_the_shipped_texts_pass():
    _, problems = check_folder(REPO / "mappings")
    assert [p for p in problems if p.field == "readability"] == []
