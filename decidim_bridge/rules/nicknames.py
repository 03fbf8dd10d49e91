"""Advisors as Decidim knows them: which advisors the bridge cannot recognise there.

An advisor without a ``nickname`` in ``advisors.yaml`` still gets plans, but their private
notes are not read as commands and evaluator changes naming them are not understood.
That is worth a warning from ``check-mappings``, not an error: the rules still work.
"""

from __future__ import annotations

from decidim_bridge.rules.model import Mappings
from decidim_bridge.rules.notices import Notice


def missing_nickname_warnings(mappings: Mappings) -> list[Notice]:
    """One notice per advisor without a Decidim nickname, in file order."""
    return [
        Notice("no_nickname", {"advisor_id": advisor.id, "advisor": advisor.id})
        for advisor in mappings.advisors.advisors
        if not advisor.nickname
    ]
