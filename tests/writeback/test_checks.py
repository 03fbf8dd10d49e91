"""check-mappings renders every message in every language: typos are found, with lines."""

from __future__ import annotations

import shutil

from conftest import REPO

from decidim_bridge.rules.loader import load as load_mappings
from decidim_bridge.writeback.checks import message_problems


def _copy(tmp_path):
    target = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", target)
    return target


def _break(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_the_shipped_messages_render_in_every_language():
    assert message_problems(REPO / "mappings", load_mappings(REPO / "mappings")) == []


def test_a_typo_in_a_rarely_used_branch_is_found_with_file_and_line(tmp_path):
    directory = _copy(tmp_path)
    texts = directory / "texts"
    line = _break(
        texts / "nl" / "comment_update.md", "{{ c.name }} kunnen we", "{{ c.nmae }} kunnen we"
    )
    en_line = _break(
        texts / "en" / "advisor_status.md",
        "{{ b.amount_cents | cents }}",
        "{{ b.amuont_cents | cents }}",
    )
    problems = message_problems(directory, load_mappings(directory))
    found = {(p.file, p.line) for p in problems}
    assert ("texts/nl/comment_update.md", line) in found
    assert ("texts/en/advisor_status.md", en_line) in found
    assert len(problems) == 2


def test_a_syntax_error_is_reported_without_rendering(tmp_path):
    directory = _copy(tmp_path)
    line = _break(directory / "texts" / "nl" / "notice.md", "{% endif %}", "{% endiff %}")
    (problem,) = message_problems(directory, load_mappings(directory))
    assert (problem.file, problem.line) == ("texts/nl/notice.md", line)


def test_the_note_and_the_postponement_branches_are_checked_too(tmp_path):
    directory = _copy(tmp_path)
    texts = directory / "texts"
    note = _break(texts / "nl" / "note.md", "{{ h.until | date(false) }}", "{{ h.untl | date }}")
    reason = _break(texts / "en" / "comment_update.md", "Why: {{ c.name }}", "Why: {{ c.nmae }}")
    found = {(p.file, p.line) for p in message_problems(directory, load_mappings(directory))}
    assert found == {("texts/nl/note.md", note), ("texts/en/comment_update.md", reason)}


def test_a_postponement_in_the_answer_is_checked(tmp_path):
    directory = _copy(tmp_path)
    line = _break(directory / "texts" / "nl" / "answer.md", "{{ p.reason }}", "{{ p.reden }}")
    found = {(p.file, p.line) for p in message_problems(directory, load_mappings(directory))}
    assert found == {("texts/nl/answer.md", line)}
