"""Keyword matching: folding, word forms and compounds, with evidence for every hit.

Keywords may carry their language (``lang``); a text in a known language is matched only
against keywords of that language and language-neutral ones.

Rules are written by municipal staff as a word plus its declared forms (``hek``: ``hekken``,
``hekje``). Nothing is guessed: Dutch inflection is irregular and guessing turns ``hek`` into
``heks``. Compounds are matched on the *head*, because Dutch compounds are right-headed: a
``dranghek`` is a kind of ``hek``, a ``buurtmoestuin`` a kind of ``moestuin``. A word may
also be allowed at the *start* of a compound (``moestuinproject``) when that is unambiguous;
``hek`` is not (``hekel``, ``heksen``). Each part left over must be at least
``min_part`` letters long, and words listed under ``exclude`` never match (``transport`` is
not about ``sport``). Text and keywords are compared lower-cased with accents folded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

COMPOUND_MODES = ("end", "both", "none")

#: What a keyword is evidence for; the index only compares and hashes it.
Owner = TypeVar("Owner", bound=Hashable)

_APOSTROPHES = re.compile(r"(?<=\w)['’`](?=\w)")
_WORD = re.compile(r"[a-z0-9]+")
_HYPHENATED = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")


def _latin_table() -> dict[int, str]:
    """Accented Latin letters -> their base letters (the common case, without NFKD)."""
    table = {}
    for code in range(0x80, 0x250):
        decomposed = unicodedata.normalize("NFKD", chr(code))
        base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        if base != chr(code):
            table[code] = base
    return table


_LATIN = _latin_table()
_BEYOND_LATIN = re.compile("[^\x00-\u024f]")


def fold(text: str) -> str:
    """Lower-case, strip accents (``café`` -> ``cafe``, ``geïnteresseerd``) and apostrophes."""
    lowered = text.casefold()
    if not lowered.isascii():
        lowered = lowered.translate(_LATIN)
        if any(ch.isalpha() for ch in _BEYOND_LATIN.findall(lowered)):
            decomposed = unicodedata.normalize("NFKD", lowered)
            lowered = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if "'" in lowered or "`" in lowered or "’" in lowered:
        return _APOSTROPHES.sub("", lowered)
    return lowered


def tokenize(text: str) -> list[str]:
    """The folded words of ``text`` in order. ``speel-tuin`` gives ``speel``, ``tuin``."""
    return _WORD.findall(fold(text))


def hyphen_joins(text: str) -> list[str]:
    """Hyphenated words written together (``buurt-moestuin`` -> ``buurtmoestuin``)."""
    return [m.replace("-", "") for m in _HYPHENATED.findall(fold(text))]


@dataclass(frozen=True)
class Keyword:
    """One keyword as the rule files declare it (all words already folded)."""

    label: str
    forms: tuple[str, ...]  # the word itself first, then its declared forms
    compounds: str = "end"
    exclude: tuple[str, ...] = ()
    #: The language the word belongs to (``nl``, ``en``); None: any language.
    lang: str | None = None

    @property
    def is_phrase(self) -> bool:
        return " " in self.label.strip()


@dataclass(frozen=True)
class Hit(Generic[Owner]):
    """Evidence that a keyword occurs: which owner, which keyword, the word, where, how."""

    owner: Owner
    keyword: str
    word: str
    where: str
    how: str  # "word" | "form" | "compound" | "phrase"


class KeywordIndex(Generic[Owner]):
    """All keywords of all rule files in one index, so a text is scanned once.

    ``rivalry`` groups owners that compete for a word (e.g. themes): within a group, a
    keyword contained in a longer keyword matched by the same word loses, so
    ``speeltuin`` is evidence for the ``speeltuin`` theme and not for ``tuin``.
    """

    def __init__(
        self, min_part: int = 3, rivalry: Callable[[Owner], Hashable | None] | None = None
    ) -> None:
        self.min_part = min_part
        self.rivalry = rivalry
        self._exact: dict[str, list[tuple[Owner, Keyword, str]]] = {}
        self._heads: dict[str, list[tuple[Owner, Keyword]]] = {}
        self._starts: dict[str, list[tuple[Owner, Keyword]]] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], Owner, Keyword]]] = {}
        self._head_lengths: list[int] = []
        self._start_lengths: list[int] = []
        self.size = 0

    def add(self, owner: Owner, keyword: Keyword) -> None:
        self.size += 1
        for position, form in enumerate(keyword.forms):
            words = tuple(form.split())
            if len(words) > 1:
                self._phrases.setdefault(words[0], []).append((words, owner, keyword))
                continue
            how = "word" if position == 0 else "form"
            self._exact.setdefault(form, []).append((owner, keyword, how))
            if len(form) < self.min_part or keyword.compounds == "none":
                continue
            self._heads.setdefault(form, []).append((owner, keyword))
            if len(form) not in self._head_lengths:
                self._head_lengths = sorted([*self._head_lengths, len(form)])
            if keyword.compounds == "both":
                self._starts.setdefault(form, []).append((owner, keyword))
                if len(form) not in self._start_lengths:
                    self._start_lengths = sorted([*self._start_lengths, len(form)])

    def match_word(
        self,
        word: str,
        where: str,
        out: list[Hit[Owner]],
        seen: set[tuple[Owner, str]],
        lang: str | None = None,
    ) -> None:
        """Append the hits of one folded word.

        Per owner only the most specific keyword counts (``buurtmoestuin`` is evidence for
        ``moestuin``, not also for ``tuin``), and each owner/keyword pair counts once.
        """
        found: dict[Owner, tuple[Keyword, str]] = {}

        def consider(owner: Owner, keyword: Keyword, how: str) -> None:
            if word in keyword.exclude:
                return
            if lang is not None and keyword.lang is not None and keyword.lang != lang:
                return
            best = found.get(owner)
            if best is None or len(keyword.label) > len(best[0].label):
                found[owner] = (keyword, how)

        for owner, keyword, how in self._exact.get(word, ()):
            consider(owner, keyword, how)
        length = len(word)
        limit = length - self.min_part
        for size in self._head_lengths:
            if size > limit:
                break
            for owner, keyword in self._heads.get(word[length - size :], ()):
                consider(owner, keyword, "compound")
        for size in self._start_lengths:
            if size > limit:
                break
            for owner, keyword in self._starts.get(word[:size], ()):
                consider(owner, keyword, "compound")
        if self.rivalry is not None and len(found) > 1:
            self._drop_contained(found)
        for owner, (keyword, how) in found.items():
            key = (owner, keyword.label)
            if key not in seen:
                seen.add(key)
                out.append(Hit(owner, keyword.label, word, where, how))

    def _drop_contained(self, found: dict[Owner, tuple[Keyword, str]]) -> None:
        assert self.rivalry is not None
        losers = [
            owner
            for owner, (keyword, _) in found.items()
            if self.rivalry(owner) is not None
            and any(
                other != owner
                and self.rivalry(other) == self.rivalry(owner)
                and len(rival.label) > len(keyword.label)
                and keyword.label in rival.label
                for other, (rival, _) in found.items()
            )
        ]
        for owner in losers:
            del found[owner]

    def find(self, text: str, where: str, lang: str | None = None) -> list[Hit[Owner]]:
        """Every keyword hit in ``text``, in reading order, labelled with ``where``.

        ``lang``: the text's language; keywords of another language do not count (None:
        the language is unknown, every keyword counts)."""
        words = tokenize(text)
        out: list[Hit[Owner]] = []
        seen: set[tuple[Owner, str]] = set()
        done: set[str] = set()
        for index, word in enumerate(words):
            for phrase, owner, keyword in self._phrases.get(word, ()):
                if lang is not None and keyword.lang is not None and keyword.lang != lang:
                    continue
                if tuple(words[index : index + len(phrase)]) == phrase:
                    key = (owner, keyword.label)
                    if key not in seen:
                        seen.add(key)
                        out.append(Hit(owner, keyword.label, " ".join(phrase), where, "phrase"))
            if word in done:
                continue
            done.add(word)
            self.match_word(word, where, out, seen, lang)
        for joined in hyphen_joins(text):
            if joined not in done:
                done.add(joined)
                self.match_word(joined, where, out, seen, lang)
        if self.rivalry is not None:
            out = self._drop_inside_phrases(out)
        return out

    def _drop_inside_phrases(self, hits: list[Hit[Owner]]) -> list[Hit[Owner]]:
        """Among rivals a phrase wins over a single word inside it: in "skate park" the
        ``park`` of another theme does not count (as ``speeltuin`` beats ``tuin``)."""
        phrases = [h for h in hits if h.how == "phrase" and self.rivalry is not None]
        if not phrases:
            return hits
        assert self.rivalry is not None
        kept = []
        for hit in hits:
            group = self.rivalry(hit.owner)
            inside = (
                hit.how != "phrase"
                and group is not None
                and any(
                    p.owner != hit.owner
                    and self.rivalry(p.owner) == group
                    and hit.word in p.word.split()
                    for p in phrases
                )
            )
            if not inside:
                kept.append(hit)
        return kept


def build_index(
    entries: Iterable[tuple[Owner, Keyword]],
    min_part: int = 3,
    rivalry: Callable[[Owner], Hashable | None] | None = None,
) -> KeywordIndex[Owner]:
    index = KeywordIndex(min_part=min_part, rivalry=rivalry)
    for owner, keyword in entries:
        index.add(owner, keyword)
    return index
