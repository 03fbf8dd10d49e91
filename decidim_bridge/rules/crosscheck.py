"""Checks across rule files: every name one file uses must be defined in another.

Each check gets the loaded objects of the files it needs and the parsed documents (for
line numbers), and returns problems. A file with schema errors takes part with the items
that did load (``Loaded.partial``), so a misspelt field in one advisor does not hide an
unknown theme in another; items that failed count only by their id, and checks that need
a whole file (every theme has an advisor) wait until it loads. Unknown names come with the
closest known one.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from decidim_bridge.rules import model
from decidim_bridge.rules.yamlsource import Problem, SourceDocument


@dataclass
class Loaded:
    """A file's document (for lines) and its validated content (None when invalid)."""

    doc: SourceDocument
    value: Any
    #: What did load when the file has schema errors: items that failed are plain dicts.
    partial: Any = None


Files = dict[str, Loaded]


def _items(values: Iterable[Any]) -> Iterator[tuple[int, Any]]:
    """(index, item) of the items that loaded; the index is the item's place in the file."""
    for index, item in enumerate(values):
        if not isinstance(item, dict):
            yield index, item


def suggestion(name: str, known: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` for the closest known name ('' when none is close)."""
    choices = list(known)
    folded = {k.casefold(): k for k in choices}
    close = folded.get(name.casefold()) or next(
        iter(difflib.get_close_matches(name, choices, n=1, cutoff=0.6)), None
    )
    return f" Did you mean '{close}'?" if close else ""


def _names(
    loaded: Loaded,
    path: tuple[str | int, ...],
    used: Iterable[str],
    known: set[str],
    what: str,
) -> list[Problem]:
    problems = []
    for index, name in enumerate(used):
        if name not in known:
            choices = ", ".join(sorted(known)) or "none defined"
            problems.append(
                loaded.doc.problem(
                    (*path, index),
                    f"Unknown {what} '{name}'.{suggestion(name, known)} (known: {choices}).",
                )
            )
    return problems


def _value(files: Files, name: str) -> Any:
    """The file's content, or what of it loaded (None: nothing usable)."""
    loaded = files.get(name)
    if loaded is None:
        return None
    return loaded.value if loaded.value is not None else loaded.partial


def _whole(files: Files, name: str) -> Any:
    """The file's content only when all of it loaded."""
    loaded = files.get(name)
    return None if loaded is None else loaded.value


def _ids(files: Files, name: str, key: str) -> set[str] | None:
    """The ids defined in file ``name`` (None when it failed to load: nothing to check);
    an item with errors still defines its id."""
    value = _value(files, name)
    if not value or not isinstance(value.get(key), list | tuple):
        return None
    return {
        str(item.get("id")) if isinstance(item, dict) else item.id
        for item in value[key]
        if not isinstance(item, dict) or item.get("id")
    }


def check_advisors(files: Files) -> list[Problem]:
    advisors, themes = _value(files, "advisors.yaml"), _value(files, "themes.yaml")
    if advisors is None:
        return []
    loaded = files["advisors.yaml"]
    problems: list[Problem] = []
    theme_ids = _ids(files, "themes.yaml", "themes")
    district_ids = _ids(files, "districts.yaml", "districts")
    for i, advisor in _items(advisors["advisors"]):
        if theme_ids is not None:
            problems += _names(
                loaded, ("advisors", i, "themes"), advisor.themes, theme_ids, "theme"
            )
        if district_ids is not None:
            problems += _names(
                loaded, ("advisors", i, "districts"), advisor.districts, district_ids, "district"
            )
    if themes and _whole(files, "advisors.yaml") is not None:
        covered = {t for _, a in _items(advisors["advisors"]) for t in a.themes}
        for i, theme in _items(themes["themes"]):
            if theme.id not in covered:
                problems.append(
                    files["themes.yaml"].doc.problem(
                        ("themes", i, "id"),
                        f"No advisor in advisors.yaml works on theme '{theme.id}'.",
                    )
                )
    return problems


def _departments(files: Files) -> set[str] | None:
    stakeholders = _value(files, "stakeholders.yaml")
    if stakeholders is None:
        return None
    return {
        str(s["id"]) if isinstance(s, dict) else s.id
        for s in stakeholders["stakeholders"]
        if (s.get("kind") if isinstance(s, dict) else s.kind) == "department"
    }


def _references(
    files: Files, name: str, key: str, departments: set[str] | None = None
) -> list[Problem]:
    """The wijken, themes and department each item of ``name`` names must be defined."""
    loaded = files[name]
    districts = _ids(files, "districts.yaml", "districts")
    themes = _ids(files, "themes.yaml", "themes")
    problems: list[Problem] = []
    for i, item in _items(_value(files, name)[key]):
        if districts is not None:
            problems += _names(loaded, (key, i, "districts"), item.districts, districts, "district")
        if themes is not None:
            problems += _names(loaded, (key, i, "themes"), item.themes or (), themes, "theme")
        department = getattr(item, "department", None)
        if departments is not None and department is not None and department not in departments:
            problems.append(
                loaded.doc.problem(
                    (key, i, "department"),
                    f"'{department}' is not a stakeholder of kind 'department'.",
                )
            )
    return problems


def check_resources(files: Files) -> list[Problem]:
    if _value(files, "resources.yaml") is None:
        return []
    return _references(files, "resources.yaml", "resources", _departments(files))


def check_budgets(files: Files) -> list[Problem]:
    if _value(files, "budgets.yaml") is None:
        return []
    return _references(files, "budgets.yaml", "budgets", _departments(files))


def check_stakeholders(files: Files) -> list[Problem]:
    stakeholders = _value(files, "stakeholders.yaml")
    if stakeholders is None:
        return []
    problems = _references(files, "stakeholders.yaml", "stakeholders")
    themes = _value(files, "themes.yaml")
    if themes and _whole(files, "stakeholders.yaml") is not None:
        portfolios = {
            t
            for _, s in _items(stakeholders["stakeholders"])
            if s.kind == "wethouder"
            for t in s.themes or ()
        }
        for i, theme in _items(themes["themes"]):
            if theme.id not in portfolios:
                problems.append(
                    files["themes.yaml"].doc.problem(
                        ("themes", i, "id"),
                        f"No wethouder in stakeholders.yaml has theme '{theme.id}' in their "
                        "portfolio.",
                    )
                )
    return problems


def check_taxonomy_names(files: Files) -> list[Problem]:
    themes, districts = _value(files, "themes.yaml"), _value(files, "districts.yaml")
    if not themes or not districts:
        return []
    owner: dict[str, str] = {}
    problems: list[Problem] = []
    for _, district in _items(districts["districts"]):
        for name in district.taxonomy_names:
            owner[name] = f"district '{district.id}'"
    for i, theme in _items(themes["themes"]):
        for name in theme.taxonomy_names:
            if name in owner:
                problems.append(
                    files["themes.yaml"].doc.problem(
                        ("themes", i, "taxonomy"),
                        f"Taxonomy name '{name}' also means {owner[name]} in districts.yaml.",
                    )
                )
    return problems


def check_expectations(files: Files, today: date) -> list[Problem]:
    expectations, scope = _value(files, "expectations.yaml"), _value(files, "scope.yaml")
    if expectations is None:
        return []
    loaded = files["expectations.yaml"]
    problems: list[Problem] = []
    if scope is not None:
        keys = {rule.key for rule in scope["act_on"]}
        for key in expectations.processes:
            if key not in keys:
                problems.append(
                    loaded.doc.problem(
                        ("processes", key),
                        f"'{key}' is not a space in scope.yaml 'act_on' (known: "
                        f"{', '.join(sorted(keys))}).",
                    )
                )
    calendar = expectations.calendar
    try:
        ZoneInfo(calendar.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            loaded.doc.problem(
                ("calendar", "timezone"), f"Unknown time zone '{calendar.timezone}'."
            )
        )
    try:
        this_year = today.year
        known = set(
            holidays.country_holidays(
                calendar.country,
                subdiv=calendar.subdivision,
                years=range(this_year - 1, this_year + 3),
                language="nl" if calendar.country == "NL" else None,
            ).values()
        )
    except (NotImplementedError, KeyError) as exc:
        problems.append(
            loaded.doc.problem(("calendar", "country"), f"No public holidays known: {exc}.")
        )
        return problems
    for index, name in enumerate(calendar.ignore_holidays):
        if name not in known:
            problems.append(
                loaded.doc.problem(
                    ("calendar", "ignore_holidays", index),
                    f"'{name}' is not a public holiday name (known: {', '.join(sorted(known))}).",
                )
            )
    return problems


def check_organization(files: Files) -> list[Problem]:
    scope = _value(files, "scope.yaml")
    if scope is None:
        return []
    organization: model.Organization = scope["organization"]
    try:
        ZoneInfo(organization.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return [
            files["scope.yaml"].doc.problem(
                ("organization", "timezone"), f"Unknown time zone '{organization.timezone}'."
            )
        ]
    return []


CHECKS: tuple[Callable[[Files], list[Problem]], ...] = (
    check_organization,
    check_advisors,
    check_resources,
    check_budgets,
    check_stakeholders,
    check_taxonomy_names,
)


def run_all(files: Files, today: date) -> list[Problem]:
    """Every cross-file problem; ``today`` is the year holiday names are looked up around.

    A check that cannot read what loaded of a broken file is left out: that file's own
    errors are reported, and the check runs once they are fixed.
    """

    def expectations(checked: Files) -> list[Problem]:
        return check_expectations(checked, today)

    problems: list[Problem] = []
    for check in (*CHECKS, expectations):
        try:
            problems += check(files)
        except (KeyError, AttributeError, TypeError):
            continue
    return problems
