"""Advisors as Decidim knows them: which advisors the bridge cannot recognise there.

An advisor without a ``nickname`` in ``advisors.yaml`` still gets plans, but their private
notes are not read as commands and evaluator changes naming them are not understood.
That is worth a warning from ``check-mappings``, not an error: the rules still work.
"""

from __future__ import annotations

from decidim_bridge.rules.model import Mappings


def missing_nickname_warnings(mappings: Mappings) -> list[str]:
    """One line per advisor without a Decidim nickname, in file order."""
    return [
        f"advisors.yaml: {advisor.id} ({advisor.name}) has no Decidim nickname: "
        "their notes are not read as commands and evaluator changes do not name them."
        for advisor in mappings.advisors.advisors
        if not advisor.nickname
    ]
