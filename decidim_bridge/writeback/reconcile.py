"""Reading Decidim back after an ambiguous write (pure comparisons).

A comment appends, so writing it again after a timeout could post it twice: the writer
first lists the proposal's comments and looks for its own (marker or reference code).
An answer sets values, so it converges; it is compared anyway so that an answer that is
already there is not sent again, and the comparison ignores the HTML Decidim rewrites.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from decidim_bridge.writeback.keys import body_carries

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def find_comment(comments: Iterable[Any], key: str, ref: str) -> Any | None:
    """The comment written for ``key`` among ``comments`` (objects with ``.body``), if any."""
    for comment in comments:
        body = comment.get("body") if isinstance(comment, Mapping) else comment.body
        if body_carries(str(body or ""), key, ref):
            return comment
    return None


def plain(rich_text: str) -> str:
    """Text of an HTML fragment with tags removed and white space collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", rich_text or ""))).strip()


def answer_matches(
    current_state: str | None,
    current_answer: Mapping[str, str] | None,
    state: str,
    content: Mapping[str, str],
) -> bool:
    """Whether Decidim already shows this answer (state and text in every locale)."""
    if current_state != state or not current_answer:
        return False
    return all(plain(current_answer.get(loc, "")) == plain(text) for loc, text in content.items())
