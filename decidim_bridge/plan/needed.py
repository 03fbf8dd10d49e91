"""When the initiative needs what it is offered: a date named in its text.

"Straatfeest op zaterdag 6 juni" needs the fencing on 6 June, not from the day it was
published. The day and month names come from the texts files (every language), a year
is optional (the first such day on or after publication), and ``6-6-2027`` counts too.
The earliest date on or after publication wins. Pure.
"""

from __future__ import annotations

import re
from datetime import date

from decidim_bridge.plan.classify import ProposalText
from decidim_bridge.plan.model import Evidence
from decidim_bridge.rules.keywords import fold
from decidim_bridge.rules.model import Mappings

_NUMERIC = re.compile(r"\b(\d{1,2})[-/](\d{1,2})[-/](\d{4})\b")


def _months(mappings: Mappings) -> dict[str, int]:
    found: dict[str, int] = {}
    for texts in mappings.texts.values():
        for number, name in enumerate(texts.months, start=1):
            found[fold(name)] = number
    return found


def _pattern(mappings: Mappings) -> re.Pattern[str]:
    cached = mappings.derived.get("needed_pattern")
    if cached is None:
        names = sorted(_months(mappings), key=len, reverse=True)
        cached = re.compile(
            r"\b(\d{1,2})\s+(" + "|".join(map(re.escape, names)) + r")\b(?:\s+(\d{4}))?"
        )
        mappings.derived["needed_pattern"] = cached
    return cached


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def needed_date(
    text: ProposalText, mappings: Mappings, start: date
) -> tuple[date, Evidence] | None:
    """The earliest date named in the title or text on or after ``start``."""
    months = _months(mappings)
    best: tuple[date, Evidence] | None = None
    for where, source in (("title", text.title), ("body", text.body)):
        folded = fold(source)
        candidates: list[tuple[date | None, str]] = []
        for match in _pattern(mappings).finditer(folded):
            day, month = int(match.group(1)), months[match.group(2)]
            if match.group(3):
                candidates.append((_day(int(match.group(3)), month, day), match.group(0)))
            else:
                found = _day(start.year, month, day)
                if found is not None and found < start:
                    found = _day(start.year + 1, month, day)
                candidates.append((found, match.group(0)))
        for match in _NUMERIC.finditer(folded):
            day, month, year = (int(g) for g in match.groups())
            candidates.append((_day(year, month, day), match.group(0)))
        for found, written in candidates:
            if found is None or found < start:
                continue
            if best is None or found < best[0]:
                best = (found, Evidence("date", where, written, found.isoformat()))
    return best
