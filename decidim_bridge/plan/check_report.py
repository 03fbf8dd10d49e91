"""The lines ``check-mappings`` prints around the problems, in the rules' language.

The problems themselves (``file:line: field: message``) stay as the checker words them;
the count, the warnings and the summary of rules that passed come from ``labels.check``
in the texts files. When the rules are too broken to know their language, the count is
said in English (``rules.notices.ENGLISH``). ``notices`` gathers the warnings of rules
that loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from decidim_bridge.plan.coverage import uncovered_warnings
from decidim_bridge.plan.texts import label, render_pattern, texts_for
from decidim_bridge.rules.model import LocaleTexts, Mappings
from decidim_bridge.rules.nicknames import missing_nickname_warnings
from decidim_bridge.rules.notices import ENGLISH, Notice


def notices(mappings: Mappings, deprecated: Iterable[Notice] = ()) -> list[Notice]:
    """Everything ``check-mappings`` warns about in rules that loaded, in the order it
    prints them: advisors without a nickname, combinations only the coordinator would
    lead, then ``deprecated`` (``policy.resolve``: the settings are the caller's to read)."""
    return [*missing_nickname_warnings(mappings), *uncovered_warnings(mappings), *deprecated]


def problems_line(count: int, directory: Path, texts: LocaleTexts | None) -> str:
    pattern = label(texts, "check", "problems") if texts else "problems"
    if pattern == "problems":  # no texts, or the label is missing or broken
        pattern = ENGLISH["problems"]
    return pattern.format(count=count, directory=directory)


def notice_line(notice: Notice, mappings: Mappings, locale: str | None = None) -> str:
    """``waarschuwing: advisors.yaml: t-smit (Tom Smit) heeft geen bijnaam ...``"""
    texts = texts_for(mappings, locale or mappings.organization.default_locale)
    text = render_pattern(label(texts, "check", notice.key), notice.args, mappings, texts)
    return f"{label(texts, 'check', 'warning')}: {text}"


def ok_line(directory: Path, mappings: Mappings, locale: str | None = None) -> str:
    """``mappings: in orde (5 wijken, 6 thema's, ...)``: what the rules hold."""
    texts = texts_for(mappings, locale or mappings.organization.default_locale)
    summary = label(texts, "check", "summary").format(
        districts=len(mappings.districts),
        themes=len(mappings.themes),
        advisors=len(mappings.advisors.advisors),
        resources=len(mappings.resources),
        budgets=len(mappings.budgets),
        stakeholders=len(mappings.stakeholders),
        keywords=mappings.keyword_index.size,
        languages=", ".join(sorted(mappings.texts)),
    )
    return label(texts, "check", "ok").format(directory=directory, summary=summary)
