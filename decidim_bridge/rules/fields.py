"""marshmallow fields for the value types the rule files share.

Each field accepts what a person naturally writes in YAML (``2500`` or ``"€ 2.500"`` for
money, ``7411-7413`` for postcodes, a plain word or a mapping for a keyword) and answers a
short English message when it cannot.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError, fields

from decidim_bridge.rules.keywords import COMPOUND_MODES, Keyword, fold
from decidim_bridge.rules.model import PostcodeRange

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
LOCALE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
_MONEY = re.compile(r"^\s*(?:€|eur(?:o)?)?\s*(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2})|,-)?\s*$", re.I)
_WORDS = re.compile(r"^[a-z0-9]+( [a-z0-9]+)*$")


class Id(fields.Field[str]):
    """A short name other files refer to: lower-case letters, digits, ``-`` and ``_``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValidationError("Must be a short name such as 'noord' or 'a-de-vries'.")
        text = str(value)
        if not ID_PATTERN.match(text):
            fixed = re.sub(r"[^a-z0-9_-]+", "-", text.strip().lower()).strip("-")
            hint = f" Did you mean '{fixed}'?" if fixed and ID_PATTERN.match(fixed) else ""
            raise ValidationError(
                f"'{text}' is not a valid name: use lower-case letters, digits, '-' or '_'." + hint
            )
        return text


class Localized(fields.Field[dict[str, str]]):
    """Text per locale (``{nl: ..., en: ...}``); a plain string is the same in every locale."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> dict[str, str]:
        if isinstance(value, str):
            if not value.strip():
                raise ValidationError("Must not be empty.")
            return {"*": value.strip()}
        if not isinstance(value, dict) or not value:
            raise ValidationError(
                "Must be a text, or a text per language such as {nl: ..., en: ...}."
            )
        out: dict[str, str] = {}
        problems: dict[str, list[str]] = {}
        for key, text in value.items():
            if not isinstance(key, str) or not LOCALE_PATTERN.match(key):
                problems[str(key)] = [f"'{key}' is not a language code such as 'nl' or 'en'."]
            elif not isinstance(text, str) or not text.strip():
                problems[str(key)] = ["Must be a non-empty text."]
            else:
                out[key] = text.strip()
        if problems:
            raise ValidationError(problems)
        return out


class Day(fields.Field[date]):
    """A calendar date: ``2026-04-27`` (YAML date) or the same as a quoted string."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValidationError("Must be a date written as YYYY-MM-DD, e.g. 2026-04-27.")


class Money(fields.Field[int]):
    """An amount in euros (``2500``, ``12.50``, ``"€ 2.500"``, ``"€ 12,50"``) -> cents."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise ValidationError("Must be an amount in euros, e.g. 2500.")
        if isinstance(value, int):
            cents = value * 100
        elif isinstance(value, float):
            written = getattr(value, "written", "") or repr(value)
            if re.fullmatch(r"\d+\.\d{3,}", written.strip()):
                raise ValidationError(
                    f"'{written}' is ambiguous: a dot groups thousands in Dutch but is a "
                    f"decimal point here. Write {written.replace('.', '')} or "
                    f"'EUR {written},00' (in quotes)."
                )
            cents = round(value * 100)
        elif isinstance(value, str) and (match := _MONEY.match(value)):
            cents = int(match.group(1).replace(".", "")) * 100 + int(
                (match.group(2) or "0").ljust(2, "0")
            )
        else:
            raise ValidationError("Must be an amount in euros, e.g. 2500 or '€ 2.500'.")
        if cents < 0:
            raise ValidationError("Must not be negative.")
        return cents


class Postcodes(fields.Field[PostcodeRange]):
    """Dutch postcode digits: ``7411``, ``7411-7413``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> PostcodeRange:
        text = str(value).strip() if isinstance(value, (str, int)) else ""
        match = re.fullmatch(r"(\d{4})(?:\s*-\s*(\d{4}))?", text)
        if not match:
            raise ValidationError("Must be 4 postcode digits or a range such as 7411-7413.")
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if low < 1000 or high < low:
            raise ValidationError(f"'{text}' is not a valid range (from 1000 up, low to high).")
        return PostcodeRange(low, high)


class Everywhere(fields.Field[tuple[str, ...]]):
    """A list of ids, or the word ``all`` (stored as an empty tuple: no restriction)."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> tuple[str, ...]:
        if value == "all":
            return ()
        if not isinstance(value, list) or not value:
            raise ValidationError("Must be 'all' or a list of names, e.g. [noord, oost].")
        problems: dict[int, list[str]] = {}
        out: list[str] = []
        for index, item in enumerate(value):
            try:
                out.append(Id()._deserialize(item, attr, data))
            except ValidationError as exc:
                problems[index] = _texts(exc)
        if problems:
            raise ValidationError(problems)
        return tuple(out)


class ThemesOrAll(fields.Field[tuple[str, ...] | None]):
    """``all`` (None: every theme) or a list of ids, which may be empty (no theme at all)."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> tuple[str, ...] | None:
        if value == "all":
            return None
        if value == []:
            return ()
        return Everywhere()._deserialize(value, attr, data)


def _texts(exc: ValidationError) -> list[str]:
    """The messages of a check that fails with a text (``Id``, words): marshmallow keeps
    them as a list, and types ``messages`` as ``list | dict`` for nested data."""
    messages = exc.messages
    return messages if isinstance(messages, list) else [str(messages)]


def _folded_words(value: Any) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValidationError("Must be a word.")
    folded = " ".join(fold(str(value)).replace("-", " ").split())
    if not _WORDS.match(folded):
        raise ValidationError(f"'{value}' must consist of letters and digits only.")
    return folded


class KeywordField(fields.Field[Keyword]):
    """A keyword: ``moestuin``, or ``{word: hek, forms: [hekken], compounds: end, exclude: []}``.

    ``compounds``: ``end`` (default; ``dranghek`` matches ``hek``), ``both`` (also at the
    start: ``moestuinproject``) or ``none`` (whole words only).
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Keyword:
        if not isinstance(value, dict):
            word = _folded_words(value)
            return Keyword(label=word, forms=(word,))
        allowed = {"word", "forms", "compounds", "exclude", "lang"}
        problems: dict[str, list[str]] = {}
        for key in value:
            if key not in allowed:
                problems[str(key)] = ["Unknown field."]
        word = ""
        if "word" not in value:
            problems["word"] = ["Missing data for required field."]
        else:
            try:
                word = _folded_words(value["word"])
            except ValidationError as exc:
                problems["word"] = _texts(exc)
        lists: dict[str, tuple[str, ...]] = {}
        for name in ("forms", "exclude"):
            items = value.get(name, [])
            if not isinstance(items, list):
                problems[name] = ["Must be a list of words."]
                continue
            folded: list[str] = []
            for item in items:
                try:
                    folded.append(_folded_words(item))
                except ValidationError as exc:
                    problems.setdefault(name, []).extend(_texts(exc))
            lists[name] = tuple(folded)
        compounds = value.get("compounds", "end")
        if compounds is False:
            compounds = "none"
        if compounds not in COMPOUND_MODES:
            problems["compounds"] = [f"Must be one of: {', '.join(COMPOUND_MODES)}."]
        lang = value.get("lang")
        if lang is not None and not (isinstance(lang, str) and LOCALE_PATTERN.match(lang)):
            problems["lang"] = ["Must be a language code such as 'nl' or 'en'."]
        if problems:
            raise ValidationError(problems)
        forms = (word, *(f for f in lists.get("forms", ()) if f != word))
        return Keyword(
            label=word,
            forms=forms,
            compounds=compounds,
            exclude=lists.get("exclude", ()),
            lang=lang,
        )


class KeywordList(fields.Field[tuple[Keyword, ...]]):
    """Keywords as a list (any language) or per language: ``{nl: [hek], en: [fence]}``.

    Per language, each keyword carries its language, so a text is matched only against
    the words of its own language (and the language-neutral ones)."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> tuple[Keyword, ...]:
        single = KeywordField()
        if isinstance(value, list):
            groups: list[tuple[str | None, Any, list[Any]]] = [(None, None, value)]
        elif isinstance(value, dict) and value:
            groups = []
            for lang, items in value.items():
                if not isinstance(lang, str) or not LOCALE_PATTERN.match(lang):
                    raise ValidationError({str(lang): ["Must be a language code such as 'en'."]})
                if not isinstance(items, list):
                    raise ValidationError({lang: ["Must be a list of keywords."]})
                groups.append((lang, lang, items))
        else:
            raise ValidationError("Must be a list of keywords, or a list per language.")
        out: list[Keyword] = []
        problems: dict[Any, Any] = {}
        for lang, key, items in groups:
            for index, item in enumerate(items):
                try:
                    keyword = single.deserialize(item)
                except ValidationError as exc:
                    if key is None:
                        problems[index] = exc.messages
                    else:
                        problems.setdefault(key, {})[index] = exc.messages
                    continue
                if lang is not None and keyword.lang is None:
                    keyword = replace(keyword, lang=lang)
                out.append(keyword)
        if problems:
            raise ValidationError(problems)
        return tuple(out)
