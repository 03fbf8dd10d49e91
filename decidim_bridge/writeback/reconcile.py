"""Reading Decidim back after an ambiguous write (pure comparisons).

A comment appends, so writing it again after a timeout could post it twice: the writer
first lists the proposal's comments and looks for its own (marker or reference code).
An answer sets values, so it converges; it is compared anyway so that an answer that is
already there is not sent again, and the comparison ignores the HTML Decidim rewrites.

A private note appends too: the writer reads the proposal's notes (the decidim-bridge
module) and looks for one that is the bridge's (its marker at the start) and carries the
reference code. Evaluator assignments converge; the writer only checks whether Decidim
already shows what was asked (``evaluators_match``).

The same comparison tells whether the answer Decidim shows is the bridge's own
``evaluating`` answer or one a person wrote (``shows_own_answer``): the plan and the
reminders count only the latter as the municipality's response.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from decidim_bridge.plan.note_commands import is_bridge_note
from decidim_bridge.writeback.keys import body_carries

_TAG = re.compile(r"<[^>]+>")


def find_comment(comments: Iterable[Any], key: str, ref: str) -> Any | None:
    """The comment written for ``key`` among ``comments`` (objects with ``.body``), if any."""
    for comment in comments:
        body = comment.get("body") if isinstance(comment, Mapping) else comment.body
        if body_carries(str(body or ""), key, ref):
            return comment
    return None


def find_note(notes: Iterable[Any], key: str, ref: str) -> Any | None:
    """The bridge's note written for ``key`` among ``notes`` (objects with ``.body``): it
    starts with the bridge's marker and carries the reference code. A person's note that
    quotes the code does not count."""
    for note in notes:
        body = str(note.body or "")
        if is_bridge_note(body) and body_carries(body, key, ref):
            return note
    return None


def evaluators_match(
    current: Iterable[str], assign: Iterable[str], unassign: Iterable[str]
) -> bool:
    """Whether the evaluators Decidim shows (nicknames) already are as asked: everyone in
    ``assign`` assigned, nobody in ``unassign`` (case does not matter)."""
    shown = {n.lower() for n in current}
    return {n.lower() for n in assign} <= shown and not shown & {n.lower() for n in unassign}


def text_key(rich_text: str) -> str:
    """What survives Decidim's rewriting of rich text: the letters and digits, case-folded.

    Decidim sanitizes and reformats answers (paragraphs wrapped or merged, tags and
    entities rewritten or dropped, e-mail addresses turned into links, spaces and line
    breaks changed). None of that changes the words, so equal keys mean the same text.
    """
    text = unicodedata.normalize("NFKC", html.unescape(_TAG.sub(" ", rich_text or "")))
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def same_answer_text(shown: Mapping[str, str] | None, written: Mapping[str, str] | None) -> bool:
    """Whether every text Decidim shows (per locale, machine translations aside) is the
    text of ``written`` in that locale; False when Decidim shows no text at all."""
    keys = {
        locale: text_key(text)
        for locale, text in (shown or {}).items()
        if not str(locale).startswith("machine_translations")
    }
    keys = {locale: key for locale, key in keys.items() if key}
    if not keys:
        return False
    written = written or {}
    return all(text_key(written.get(locale, "")) == key for locale, key in keys.items())


def answer_matches(
    current_state: str | None,
    current_answer: Mapping[str, str] | None,
    state: str,
    content: Mapping[str, str],
) -> bool:
    """Whether Decidim already shows this answer (state and text in every locale)."""
    if current_state != state or not current_answer:
        return False
    return all(
        text_key(current_answer.get(loc, "")) == text_key(text) for loc, text in content.items()
    )


def shows_own_answer(
    state: str | None,
    answer: Mapping[str, str] | None,
    written: Iterable[tuple[str, Mapping[str, str]]],
) -> bool:
    """Whether the answer Decidim shows (``state`` and ``answer``) is one the bridge wrote.

    ``written``: (state, content) of the bridge's answer writes for this proposal. A
    different state (an advisor accepted, rejected or chose another state) or a different
    text (an advisor rewrote it) makes the answer a person's.
    """
    if not state:
        return False
    return any(state == own_state and same_answer_text(answer, own) for own_state, own in written)
