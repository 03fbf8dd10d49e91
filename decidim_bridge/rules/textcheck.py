"""Checks for ``texts/<locale>.yaml``: every label, reason, checklist and approval page line.

Patterns (reasons, checklist, approval) are ``str.format`` strings and may only use the placeholders
``textspec`` lists for them.
"""

from __future__ import annotations

import string
from dataclasses import replace

from decidim_bridge.rules import textspec
from decidim_bridge.rules.model import LocaleTexts
from decidim_bridge.rules.yamlsource import Problem, SourceDocument


def placeholders(pattern: str) -> set[str]:
    """The named fields of a ``str.format`` pattern; raises ``ValueError`` when malformed."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(pattern):
        if name is None:
            continue
        if not name or not name.isidentifier():
            raise ValueError(f"placeholder '{{{name}}}' must be a name such as {{theme}}")
        names.add(name)
    return names


def _patterns(
    doc: SourceDocument,
    section: str,
    given: dict[str, str],
    spec: dict[str, tuple[str, ...]],
) -> list[Problem]:
    problems = []
    for key in spec:
        if key not in given:
            problems.append(doc.problem((section,), f"Missing '{key}'."))
    for key, pattern in given.items():
        if key not in spec:
            problems.append(doc.problem((section, key), "Unknown key (not used by the bridge)."))
            continue
        try:
            used = placeholders(pattern)
        except ValueError as exc:
            problems.append(doc.problem((section, key), f"Bad pattern: {exc}."))
            continue
        for name in sorted(used - set(spec[key])):
            allowed = ", ".join("{" + a + "}" for a in spec[key]) or "none"
            problems.append(
                doc.problem((section, key), f"Unknown placeholder {{{name}}} (allowed: {allowed}).")
            )
    return problems


def _label_pattern(doc: SourceDocument, group: str, key: str, text: str) -> list[Problem]:
    """A label uses only the placeholders ``textspec.LABEL_PLACEHOLDERS`` gives it."""
    allowed = textspec.LABEL_PLACEHOLDERS.get((group, key), ())
    try:
        used = placeholders(text)
    except ValueError as exc:
        return [doc.problem(("labels", group, key), f"Bad pattern: {exc}.")]
    shown = ", ".join("{" + a + "}" for a in allowed) or "none"
    return [
        doc.problem(("labels", group, key), f"Unknown placeholder {{{name}}} (allowed: {shown}).")
        for name in sorted(used - set(allowed))
    ]


def check_texts(doc: SourceDocument, texts: LocaleTexts, expected_locale: str) -> list[Problem]:
    problems: list[Problem] = []
    if texts.locale != expected_locale:
        problems.append(
            doc.problem(
                ("locale",), f"Says '{texts.locale}' but the file is for '{expected_locale}'."
            )
        )
    for group, keys in textspec.LABELS.items():
        given = texts.labels.get(group)
        if given is None:
            problems.append(doc.problem(("labels",), f"Missing label group '{group}'."))
            continue
        for key in keys:
            if key not in given:
                problems.append(doc.problem(("labels", group), f"Missing label '{key}'."))
                continue
            problems += _label_pattern(doc, group, key, given[key])
    problems += _patterns(doc, "reasons", texts.reasons, textspec.REASONS)
    problems += _patterns(doc, "checklist", texts.checklist, textspec.CHECKLIST)
    problems += _patterns(doc, "approval", texts.approval, textspec.APPROVAL)
    return problems


def _usable_patterns(given: dict[str, str], spec: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out = dict(given)
    for key, allowed in spec.items():
        pattern = out.get(key)
        try:
            ok = pattern is not None and placeholders(pattern) <= set(allowed)
        except ValueError:
            ok = False
        if not ok:
            out[key] = key
    return out


def _label_ok(group: str, key: str, text: str) -> bool:
    try:
        return placeholders(text) <= set(textspec.LABEL_PLACEHOLDERS.get((group, key), ()))
    except ValueError:
        return False


def usable(texts: LocaleTexts) -> LocaleTexts:
    """``texts`` with every missing or broken line replaced by its key, so that the other
    checks can still render with them (the broken lines are reported on their own)."""
    labels = {
        group: {key: text if _label_ok(group, key, text) else key for key, text in given.items()}
        for group, given in texts.labels.items()
    }
    return replace(
        texts,
        labels=labels,
        reasons=_usable_patterns(texts.reasons, textspec.REASONS),
        checklist=_usable_patterns(texts.checklist, textspec.CHECKLIST),
        approval=_usable_patterns(texts.approval, textspec.APPROVAL),
    )
