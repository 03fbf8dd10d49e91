"""Words for people: dates, money, labels and reason lines in the reader's language.

Reason and checklist patterns come from ``mappings/texts/<locale>.yaml``. Their arguments
are stored raw in the plan (ids, ISO dates, cents) and turned into words here by name:
``theme``, ``district``, ``advisor``, ``resource``, ``budget``, ``stakeholder`` -> names;
``*date`` -> "dinsdag 5 mei 2026"; ``*amount`` -> "€ 1.500"; ``where``, ``stage``,
``moment``, ``say`` -> labels; lists -> "a, b en c".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from decidim_bridge.locales import localized
from decidim_bridge.plan.model import Reason
from decidim_bridge.rules.model import LocaleTexts, Mappings

#: Thousands and decimal separators per language (Dutch style for anything not listed).
_SEPARATORS = {"en": (",", ".")}
_LABEL_ARGS = ("where", "stage", "moment", "say")
_RENDER_CACHE_LIMIT = 100_000
_ID_KINDS = ("theme", "district", "advisor", "resource", "budget", "stakeholder")


def _kind(name: str) -> str:
    """``other_advisors`` -> ``advisor``: the kind of id an argument holds."""
    base = name.removeprefix("other_")
    return base[:-1] if base.endswith("s") and base[:-1] in _ID_KINDS else base


def join_and(items: list[str], last: str) -> str:
    """``[a, b, c]`` -> ``a, b en c`` (the word for "and" comes from the texts file)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def texts_for(mappings: Mappings, locale: str) -> LocaleTexts:
    return mappings.texts.get(locale) or mappings.texts[mappings.organization.default_locale]


def format_date(value: str | date | None, texts: LocaleTexts) -> str:
    """``2026-05-05`` -> ``dinsdag 5 mei 2026`` (names from the texts file)."""
    if value is None:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    weekday = texts.weekdays[day.weekday()]
    return f"{weekday} {day.day} {texts.months[day.month - 1]} {day.year}"


def format_money(cents: int | None, texts: LocaleTexts) -> str:
    """``150000`` -> ``€ 1.500``; ``1250`` -> ``€ 12,50`` (English: ``€ 1,500``, ``€ 12.50``)."""
    if cents is None:
        return ""
    thousands, decimal = _SEPARATORS.get(texts.locale, (".", ","))
    euros, rest = divmod(abs(int(cents)), 100)
    whole = f"{euros:,}".replace(",", thousands)
    amount = whole if rest == 0 else f"{whole}{decimal}{rest:02d}"
    return texts.money_format.format(amount=("-" if cents < 0 else "") + amount)


def label(texts: LocaleTexts, group: str, key: str) -> str:
    return texts.labels.get(group, {}).get(str(key), str(key))


def name_of(kind: str, item_id: str, mappings: Mappings, locale: str) -> str:
    """The readable name of an id from the rule files, in ``locale``."""
    fallback = mappings.organization.default_locale
    if kind == "theme":
        theme = mappings.derived["themes"].get(item_id)
        return localized(theme.name, locale, fallback) if theme else item_id
    if kind == "district":
        district = mappings.district(item_id)
        return district.name if district else item_id
    if kind == "advisor":
        advisor = mappings.advisor(item_id)
        return advisor.name if advisor else item_id
    if kind == "resource":
        resource = mappings.resource(item_id)
        return localized(resource.name, locale, fallback) if resource else item_id
    if kind == "budget":
        budget = mappings.budget(item_id)
        return localized(budget.name, locale, fallback) if budget else item_id
    if kind == "stakeholder":
        stakeholder = mappings.stakeholder(item_id)
        return stakeholder.name if stakeholder else item_id
    return item_id


def _word(name: str, value: Any, mappings: Mappings, texts: LocaleTexts) -> str:
    if value is None:
        return label(texts, "words", "none")
    if isinstance(value, list):
        if name == "days_off":
            parts = [f"{n} ({format_date(d, texts)})" for d, n in value]
        else:
            parts = [_word(_kind(name), v, mappings, texts) for v in value]
        return join_and(parts, label(texts, "words", "and"))
    if name.endswith("date"):
        return format_date(str(value), texts)
    if name.endswith("amount"):
        return format_money(int(value), texts)
    if name in _LABEL_ARGS:
        return label(texts, name, str(value))
    if name == "district" and value == "":
        return label(texts, "words", "unknown_district")
    if name in ("theme", "district", "advisor", "resource", "budget", "stakeholder"):
        return name_of(name, str(value), mappings, texts.locale)
    return str(value)


def render_pattern(
    pattern: str, args: dict[str, Any], mappings: Mappings, texts: LocaleTexts
) -> str:
    words = {name: _word(name, value, mappings, texts) for name, value in args.items()}
    return pattern.format(**words)


def _frozen(value: Any) -> Any:
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value


def _cached(section: str, key: str, args: dict[str, Any], mappings: Mappings, locale: str) -> str:
    """Rendered patterns are remembered per rules object: plans repeat the same lines."""
    cache: dict[Any, str] = mappings.derived.setdefault("rendered", {})
    try:
        memo_key: Any = (section, locale, key, *args.items())
        text = cache.get(memo_key)
    except TypeError:  # a list argument: not hashable as it is
        memo_key = (section, locale, key, *((k, _frozen(v)) for k, v in args.items()))
        text = cache.get(memo_key)
    if text is None:
        texts = texts_for(mappings, locale)
        pattern = texts.reasons[key] if section == "reasons" else texts.checklist[key]
        if len(cache) >= _RENDER_CACHE_LIMIT:
            cache.clear()
        text = cache[memo_key] = render_pattern(pattern, args, mappings, texts)
    return text


def reason_text(code: str, args: dict[str, Any], mappings: Mappings, locale: str) -> str:
    return _cached("reasons", code, args, mappings, locale)


def checklist_text(key: str, args: dict[str, Any], mappings: Mappings, locale: str) -> str:
    return _cached("checklist", key, args, mappings, locale)


def make_reason(mappings: Mappings, code: str, **args: Any) -> Reason:
    """A reason with its text in the organization's default language.

    Plans repeat the same lines (the same advisor, item, date), so texts are remembered
    per rules object under the call's own argument order.
    """
    cache: dict[Any, str] = mappings.derived.setdefault("reason_texts", {})
    try:
        key: Any = (code, *args.items())
        text = cache.get(key)
    except TypeError:  # a list argument: not hashable as it is
        key = (code, *((k, _frozen(v)) for k, v in args.items()))
        text = cache.get(key)
    if text is None:
        if len(cache) >= _RENDER_CACHE_LIMIT:
            cache.clear()
        locale = mappings.organization.default_locale
        texts = texts_for(mappings, locale)
        text = cache[key] = render_pattern(texts.reasons[code], args, mappings, texts)
    return Reason(code, args, text)
