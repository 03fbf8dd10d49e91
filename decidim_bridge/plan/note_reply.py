"""The bridge's reply to a private note with commands: short, plain, in the note's language.

The reply is itself a private note, written by the bridge's API user. Its first line starts
with ``MARKER`` (``note_commands``) so the bridge recognises its own notes whatever their
author, and every other line starts with ``- ``, is empty or is the help's intro, so no line
of a reply reads as a command (no ``/`` at the start, never exactly a command). The words
are the ``note.*`` lines of ``mappings/texts/<locale>.yaml``. Decidim turns ``@nickname``
after a space into a mention (and notifies that person); the reply writes a non-breaking
space before ``@``, which Decidim's mention pattern does not take, so a reply notifies
nobody.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from decidim_bridge.plan.note_commands import (
    MARKER,
    UNKNOWN,
    Command,
    CommandResult,
    is_bridge_note,
)
from decidim_bridge.plan.texts import reason_text
from decidim_bridge.rules.model import Mappings

#: Failures that mean "write it differently": the reply then lists the valid forms.
HELP_CODES = (
    "note.not_understood",
    "note.unknown_item",
    "note.ambiguous_item",
    "note.unknown_advisor",
    "note.no_reason",
    "note.bad_days",
)
__all__ = ["MARKER", "is_bridge_note", "render_refusal", "render_reply", "reply_locale"]

HELP_LINES = (
    "note.help_confirm",
    "note.help_release",
    "note.help_contact",
    "note.help_postpone",
    "note.help_lead",
    "note.help_initiative",
    "note.help_needed",
)


def reply_locale(commands: Iterable[Command], mappings: Mappings) -> str:
    """The language of the first understood command, when the texts exist for it."""
    for command in commands:
        if command.kind != UNKNOWN and command.locale in mappings.texts:
            return command.locale
    return mappings.organization.default_locale


_MENTION = re.compile(r"\s@(?=[A-Za-z0-9])")


def _line(text: str) -> str:
    """One line of the reply, never read as a command (a list item), mentioning nobody."""
    return _MENTION.sub("\u00a0@", "- " + " ".join(text.split()))


def _help(mappings: Mappings, locale: str) -> list[str]:
    return [
        "",
        reason_text("note.help", {}, mappings, locale),
        *(_line(reason_text(key, {}, mappings, locale)) for key in HELP_LINES),
    ]


def render_reply(results: Iterable[CommandResult], mappings: Mappings, locale: str) -> str:
    """What was done per command, and the valid forms when something was not understood."""
    done = list(results)
    succeeded = sum(1 for r in done if r.ok)
    if succeeded == len(done):
        header = "note.done"
    elif succeeded:
        header = "note.partly"
    else:
        header = "note.failed"
    lines = [f"{MARKER} {reason_text(header, {}, mappings, locale)}"]
    for result in done:
        reason = result.reason
        lines.append(_line(reason_text(reason.code, reason.args, mappings, locale)))
    if any(r.reason.code in HELP_CODES for r in done):
        lines += _help(mappings, locale)
    return "\n".join(lines)


def render_refusal(mappings: Mappings, locale: str) -> str:
    """The reply to commands from someone who may not steer this plan."""
    text = reason_text("note.refused", {}, mappings, locale)
    return f"{MARKER} {reason_text('note.failed', {}, mappings, locale)}\n{_line(text)}"
