"""Dates, amounts and lists the way residents read them, per locale (template filters).

Only the organization locales the bridge ships texts for are spelled out (nl, en); any
other locale falls back to ISO dates and plain numbers rather than guessing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_MONTHS = {
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
_WEEKDAYS = {
    "nl": ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
_AND = {"nl": "en", "en": "and"}


def as_date(value: date | datetime | str | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def format_date(value: date | datetime | str | None, locale: str, *, weekday: bool = True) -> str:
    """``dinsdag 8 december 2026`` / ``Tuesday 8 December 2026``."""
    day = as_date(value)
    if day is None:
        return ""
    lang = locale.split("-")[0]
    if lang not in _MONTHS:
        return day.isoformat()
    text = f"{day.day} {_MONTHS[lang][day.month - 1]} {day.year}"
    if weekday:
        text = f"{_WEEKDAYS[lang][day.weekday()]} {text}"
    return text


def format_money(value: Any, locale: str) -> str:
    """``€ 1.500`` / ``€ 1.250,50`` in Dutch; ``€1,500`` / ``€1,250.50`` in English."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole = int(amount)
    cents = int((amount - whole) * 100)
    lang = locale.split("-")[0]
    if lang == "nl":
        text = f"{whole:,}".replace(",", ".")
        return f"€ {text}" + (f",{cents:02d}" if cents else "")
    text = f"{whole:,}"
    return f"€{text}" + (f".{cents:02d}" if cents else "")


def join_words(items: Any, locale: str) -> str:
    """``a, b en c`` / ``a, b and c``."""
    words = [str(i) for i in items if str(i)]
    if len(words) <= 1:
        return "".join(words)
    conj = _AND.get(locale.split("-")[0], "&")
    return f"{', '.join(words[:-1])} {conj} {words[-1]}"


def localized(value: Any, locale: str, default_locale: str = "nl") -> str:
    """Text from a ``{locale: text}`` map (or a plain string), falling back sensibly."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in (locale, locale.split("-")[0], default_locale):
            if value.get(key):
                return str(value[key])
        for key in sorted(value):
            if value[key] and not str(key).startswith("machine_translations"):
                return str(value[key])
        return ""
    return str(value)
