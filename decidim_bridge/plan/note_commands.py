"""Commands in a private note on a proposal: how advisors steer a plan from Decidim.

The body is read as a person reads it in Decidim's admin (mentions as ``@nickname``). Decidim
runs only its mention parser over private notes (``ProposalNotesMethods#parsed_body`` uses the
``:user`` processor) and shows them with ``simple_format``: no Markdown, no slash commands of
its own, so a ``/`` at the start of a line reaches us unchanged, and ``@nickname`` stays a
mention (Decidim notifies that person). Hashtags (``#x``) are not commands.

One command per line, in Dutch or English, any casing and spacing:

==========================================  ===============================================
``/bevestig partytent``                     ``/confirm partytent`` — confirm an offer
``/zeg af zaal-de-linde``, ``/geef vrij …``  ``/release …``, ``/cancel …`` — release an offer
``/contact gehad [op 21-4-2027]``            ``/contacted [on 2027-04-21]`` — first contact
``/uitstel 10 werkdagen: <reden>``           ``/postpone 10 working days: <reason>``
``/trekker @nickname``                       ``/lead @nickname`` — choose the lead
``/initiatief``                             ``/initiative`` — an initiative after all
``/nodig op 26-6-2027``                     ``/needed on 2027-06-26`` — the day the items
                                            are needed (in place of a date in the text)
==========================================  ===============================================

- A line starting with ``/`` is always meant as a command: one that is not understood gets
  an error and the help in the reply.
- A line without ``/`` counts only when it is exactly a command about something the bridge
  knows: a catalogue item or the budget (``wijkbudget``, ``budget``), an ``@nickname``, a
  valid date. So "Contact gehad met de buurt op dinsdag" or "Confirm with the neighbours
  first" stay ordinary text. A postponement without ``/`` counts (and without a reason gets
  the error asking for one): no prose starts with "uitstel 10 werkdagen".
- Any other line is ordinary text; a note without commands is left alone, and so is the
  bridge's own reply (``note_reply.MARKER``).

The needed day holds for every catalogue item of the plan (an initiative needs its
things on its one day, as with a date in its text): the holds count from each item's lead
time before it to the end of that day, and a later ``/nodig`` replaces the day. It cannot
lie in the past; ``op``/``on`` may be left out.

Items are the catalogue's ids and names in every language (``partytent``, ``zaal de
linde``, "Party tent"), a group (``zaal``: whatever room the plan offers) or the budget.
Which one is meant is settled against the plan's offers in ``apply_commands``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from decidim_bridge.plan.calendar import calendar_for
from decidim_bridge.plan.model import CLOSED_STAGES, Plan, Reason
from decidim_bridge.plan.steering import (
    BUDGET,
    CONFIRMED_BY_HAND,
    FROM_NOTE,
    RELEASED_BY_HAND,
    RESOURCE,
    FirstContact,
    InitiativeChoice,
    LeadChoice,
    NeededDay,
    OfferChoice,
    Postponement,
    Steering,
)
from decidim_bridge.plan.texts import make_reason
from decidim_bridge.rules.keywords import fold
from decidim_bridge.rules.model import Mappings

CONFIRM, RELEASE, CONTACT, POSTPONE, LEAD, INITIATIVE, NEEDED, UNKNOWN = (
    "confirm",
    "release",
    "contact",
    "postpone",
    "lead",
    "initiative",
    "needed",
    "unknown",
)
#: The first characters of every note the bridge writes (its replies).
MARKER = "[decidim-bridge]"
#: The most working days one postponement may add (about half a year).
MAX_POSTPONE_DAYS = 120
#: Roles (API.md ``roles``) that may steer any initiative of the space.
STEERING_ROLES = ("organization_admin", "admin")
#: Words for "the budget of this plan", folded.
BUDGET_WORDS = ("budget", "wijkbudget", "het budget", "het wijkbudget", "geld", "money")
_ARTICLES = ("de ", "het ", "een ", "the ", "a ", "an ")

_NICK = r"(?P<at>@)?(?P<nick>[a-z0-9][a-z0-9_-]*)"
_DATE = r"(?P<date>\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{4})"
_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (kind, locale, re.compile(pattern, re.IGNORECASE))
    for kind, locale, pattern in (
        (CONFIRM, "nl", r"^bevestig\s+(?P<item>.+)$"),
        (CONFIRM, "en", r"^confirm\s+(?P<item>.+)$"),
        (RELEASE, "nl", r"^(?:zeg\s+af|geef\s+vrij)\s+(?P<item>.+)$"),
        (RELEASE, "en", r"^(?:release|cancel)\s+(?P<item>.+)$"),
        (CONTACT, "nl", r"^contact\s+gehad(?:\s+(?:op\s+)?(?P<rest>.+))?$"),
        (CONTACT, "en", r"^contacted(?:\s+(?:on\s+)?(?P<rest>.+))?$"),
        (
            POSTPONE,
            "nl",
            r"^uitstel\s+(?P<days>\d+)\s+werkdag(?:en)?\s*(?::\s*(?P<reason>.*))?$",
        ),
        (
            POSTPONE,
            "en",
            r"^postpone\s+(?P<days>\d+)\s+working\s+days?\s*(?::\s*(?P<reason>.*))?$",
        ),
        (LEAD, "nl", rf"^trekker\s+{_NICK}$"),
        (LEAD, "en", rf"^lead\s+{_NICK}$"),
        (INITIATIVE, "nl", r"^(?:toch\s+een\s+|wel\s+een\s+)?initiatief$"),
        (INITIATIVE, "en", r"^(?:an\s+)?initiative(?:\s+after\s+all)?$"),
        (NEEDED, "nl", r"^nodig\s+(?:op\s+)?(?P<rest>.+)$"),
        (NEEDED, "en", r"^needed\s+(?:on\s+)?(?P<rest>.+)$"),
    )
)
_DATE_ONLY = re.compile(rf"^{_DATE}$")


@dataclass(frozen=True)
class Command:
    """One command line, as far as the note alone can tell (the plan settles the rest)."""

    kind: str  # confirm | release | contact | postpone | lead | initiative | needed | unknown
    line: str  # the line as written, without the leading "/"
    locale: str  # the language of the verb (nl | en)
    explicit: bool  # written with "/"
    item: str = ""  # confirm/release: the words naming the item
    candidates: tuple[tuple[str, str], ...] = ()  # (kind, id) the words may name
    nickname: str | None = None  # lead
    days: int | None = None  # postpone
    reason: str = ""  # postpone: the reason residents read
    on: str | None = None  # contact: the day (ISO), None for "today"; needed: the day
    problem: str | None = None  # a reason code (note.*) when the line itself is wrong
    problem_args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CommandResult:
    command: Command
    ok: bool
    reason: Reason  # a ``note.*`` reason: what was done, or why not


# --- parsing ---------------------------------------------------------------------------


def normalize(text: str) -> str:
    """``Zaal-De_Linde (één avond)`` -> ``zaal de linde een avond``: for comparing names."""
    folded = fold(text).replace("-", " ").replace("_", " ")
    words = re.sub(r"[^\w\s]", " ", folded).split()
    return " ".join(words)


def _strip_article(text: str) -> str:
    for article in _ARTICLES:
        if text.startswith(article):
            return text[len(article) :]
    return text


def item_candidates(words: str, mappings: Mappings) -> tuple[tuple[str, str], ...]:
    """What ``words`` may name: the budget, an item by id or name, a group, or word matches."""
    query = _strip_article(normalize(words))
    if not query:
        return ()
    if query in BUDGET_WORDS or query in {normalize(w) for w in BUDGET_WORDS}:
        return ((BUDGET, ""),)
    named: list[tuple[tuple[str, str], list[str]]] = [
        ((RESOURCE, r.id), [normalize(r.id), *(normalize(n) for n in r.name.values())])
        for r in mappings.resources
    ] + [
        ((BUDGET, b.id), [normalize(b.id), *(normalize(n) for n in b.name.values())])
        for b in mappings.budgets
    ]
    exact = [key for key, names in named if query in names]
    if exact:
        return tuple(dict.fromkeys(exact))
    group = [(RESOURCE, r.id) for r in mappings.resources if normalize(r.group) == query]
    if group:
        return tuple(group)
    wanted = set(query.split())
    loose = [key for key, names in named if any(wanted <= set(name.split()) for name in names)]
    return tuple(dict.fromkeys(loose))


def _parse_date(text: str) -> str | None:
    match = _DATE_ONLY.match(text.strip())
    if not match:
        return None
    parts = [int(p) for p in match.group("date").split("-")]
    year, month, day = parts if parts[0] > 31 else (parts[2], parts[1], parts[0])
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_line(raw: str, mappings: Mappings) -> Command | None:
    """The command on one line, or None when the line is ordinary text."""
    line = " ".join(raw.split())
    explicit = line.startswith("/")
    if explicit:
        line = line[1:].strip()
    if not line:
        return None
    for kind, locale, pattern in _PATTERNS:
        text = line if kind == POSTPONE else line.rstrip(".!")
        match = pattern.match(text)
        if match is None:
            continue
        if kind == INITIATIVE:
            # One word alone is too easily ordinary text: only with "/".
            return Command(kind, line, locale, explicit) if explicit else None
        command = _command(kind, locale, match, line, explicit, mappings)
        if not explicit and command.problem in _BARE_IS_TEXT:
            return None
        return command
    if explicit:
        shown = line if len(line) <= 60 else line[:57] + "..."
        return Command(
            UNKNOWN, line, "nl", True, problem="note.not_understood", problem_args={"line": shown}
        )
    return None


#: Problems that make a line without "/" ordinary text rather than a failed command.
_BARE_IS_TEXT = ("note.unknown_item", "note.not_understood", "bare_nickname")


def _command(
    kind: str,
    locale: str,
    match: re.Match[str],
    line: str,
    explicit: bool,
    mappings: Mappings,
) -> Command:
    base = Command(kind, line, locale, explicit)
    if kind in (CONFIRM, RELEASE):
        item = match.group("item").strip()
        candidates = item_candidates(item, mappings)
        if not candidates:
            return _with_problem(base, "note.unknown_item", item=item)
        return Command(kind, line, locale, explicit, item=item, candidates=candidates)
    if kind == NEEDED:
        day = _parse_date(match.group("rest"))
        if day is None:
            return _with_problem(base, "note.not_understood", line=line)
        return Command(kind, line, locale, explicit, on=day)
    if kind == CONTACT:
        rest = match.group("rest")
        if rest is None:
            return base
        day = _parse_date(rest)
        if day is None:
            return _with_problem(base, "note.not_understood", line=line)
        return Command(kind, line, locale, explicit, on=day)
    if kind == POSTPONE:
        days = int(match.group("days"))
        reason = (match.group("reason") or "").strip()
        command = Command(kind, line, locale, explicit, days=days, reason=reason)
        if not 1 <= days <= MAX_POSTPONE_DAYS:
            return _with_problem(command, "note.bad_days", days=days, max_days=MAX_POSTPONE_DAYS)
        if not reason:
            return _with_problem(command, "note.no_reason")
        return command
    nickname = match.group("nick").lower()
    if not explicit and not match.group("at"):
        return _with_problem(base, "bare_nickname")
    return Command(kind, line, locale, explicit, nickname=nickname)


def _with_problem(command: Command, code: str, **args: Any) -> Command:
    return replace(command, problem=code, problem_args=args)


def is_bridge_note(body: str) -> bool:
    """Whether the note is one the bridge wrote (its reply starts with ``MARKER``)."""
    return body.lstrip().startswith(MARKER)


def parse_note(body: str, mappings: Mappings) -> tuple[Command, ...]:
    """Every command in a note body, in order; () for a note without commands or the
    bridge's own reply."""
    if is_bridge_note(body):
        return ()
    commands = (parse_line(line, mappings) for line in body.splitlines())
    return tuple(c for c in commands if c is not None)


# --- who may steer ---------------------------------------------------------------------


def is_bridge(actor: Mapping[str, Any] | None) -> bool:
    """An API user is the bridge itself (API.md): its notes are never commands."""
    return bool(actor and actor.get("api_user"))


def may_steer(actor: Mapping[str, Any] | None, mappings: Mappings) -> bool:
    """Advisors (by nickname in advisors.yaml) and organization or space admins may steer."""
    if not actor or is_bridge(actor):
        return False
    roles = actor.get("roles") or ()
    if any(role in STEERING_ROLES for role in roles):
        return True
    return mappings.advisor_by_nickname(actor.get("nickname")) is not None


def actor_label(actor: Mapping[str, Any] | None) -> str:
    """How reasons name the person: their name, else nickname, else id."""
    if not actor:
        return "?"
    return str(actor.get("name") or actor.get("nickname") or actor.get("id") or "?")


# --- applying --------------------------------------------------------------------------


def apply_commands(
    steering: Steering,
    commands: tuple[Command, ...],
    plan: Plan,
    mappings: Mappings,
    actor: Mapping[str, Any] | None,
    now: float,
) -> tuple[Steering, tuple[CommandResult, ...]]:
    """The steering after the commands, and per command what was done or why not.

    Authorisation is the caller's (``may_steer``): this applies what it is given. Commands
    are applied in order against the plan they were written on.
    """
    by = actor_label(actor)
    results: list[CommandResult] = []
    for command in commands:
        steering, result = _apply_one(steering, command, plan, mappings, by, now)
        results.append(result)
    return steering, tuple(results)


def _result(
    command: Command, ok: bool, mappings: Mappings, code: str, **args: Any
) -> CommandResult:
    return CommandResult(command, ok, make_reason(mappings, code, **args))


def _apply_one(
    steering: Steering,
    command: Command,
    plan: Plan,
    mappings: Mappings,
    by: str,
    now: float,
) -> tuple[Steering, CommandResult]:
    if command.problem is not None:
        return steering, _result(command, False, mappings, command.problem, **command.problem_args)
    if plan.stage in CLOSED_STAGES and command.kind != CONTACT:
        return steering, _result(command, False, mappings, "note.closed", stage=plan.stage)
    if command.kind in (CONFIRM, RELEASE):
        return _apply_offer(steering, command, plan, mappings, by, now)
    if command.kind == INITIATIVE:
        if plan.classification.is_initiative:
            return steering, _result(command, True, mappings, "note.initiative_already")
        after = steering.with_initiative(InitiativeChoice(by, now))
        return after, _result(command, True, mappings, "note.initiative")
    if command.kind == CONTACT:
        today = calendar_for(mappings).local_date(now).isoformat()
        day = command.on or today
        if day > today:
            return steering, _result(command, False, mappings, "note.future_date", contact_date=day)
        after = steering.with_first_contact(FirstContact(day, by, now, FROM_NOTE))
        if after is steering and steering.first_contact is not None:
            return steering, _result(
                command,
                True,
                mappings,
                "note.contact_earlier",
                contact_date=steering.first_contact.on,
            )
        return after, _result(command, True, mappings, "note.contact", contact_date=day)
    if command.kind == NEEDED:
        return _apply_needed(steering, command, plan, mappings, by, now)
    if command.kind == POSTPONE:
        days = command.days or 0
        calendar = calendar_for(mappings)
        due = calendar.add_working_days(date.fromisoformat(plan.expectations.decision_by), days)
        after = steering.with_postponement(Postponement(days, command.reason, by, now))
        return after, _result(
            command,
            True,
            mappings,
            "note.postponed",
            days=days,
            due_date=due.isoformat(),
            reason=command.reason,
        )
    advisor = mappings.advisor_by_nickname(command.nickname)
    if advisor is None:
        return steering, _result(
            command, False, mappings, "note.unknown_advisor", nickname=command.nickname or ""
        )
    after = steering.with_lead(LeadChoice(advisor.id, by, now, FROM_NOTE))
    code = "note.lead_same" if plan.assignment.lead.advisor_id == advisor.id else "note.lead"
    return after, _result(command, True, mappings, code, advisor=advisor.id)


def _apply_needed(
    steering: Steering,
    command: Command,
    plan: Plan,
    mappings: Mappings,
    by: str,
    now: float,
) -> tuple[Steering, CommandResult]:
    """Record the day the items are needed; the reply says whether the plan has any."""
    day = str(command.on)
    if day < calendar_for(mappings).local_date(now).isoformat():
        return steering, _result(command, False, mappings, "note.needed_past", needed_date=day)
    after = steering.with_needed(NeededDay(day, by, now))
    code = "note.needed" if plan.resources else "note.needed_nothing_yet"
    return after, _result(command, True, mappings, code, needed_date=day)


def _apply_offer(
    steering: Steering,
    command: Command,
    plan: Plan,
    mappings: Mappings,
    by: str,
    now: float,
) -> tuple[Steering, CommandResult]:
    """Settle which offer of the plan the words name, then record the decision."""
    status = CONFIRMED_BY_HAND if command.kind == CONFIRM else RELEASED_BY_HAND
    budgets = [item_id for kind, item_id in command.candidates if kind == BUDGET]
    resources = [item_id for kind, item_id in command.candidates if kind == RESOURCE]
    offered = {offer.resource_id: offer for offer in plan.resources}
    chosen = [r for r in resources if r in offered]
    budget = plan.budget
    has_budget = budget.budget_id is not None and budget.status != "none"
    budget_meant = has_budget and ("" in budgets or budget.budget_id in budgets)
    if len(chosen) + (1 if budget_meant else 0) > 1:
        return steering, _result(
            command, False, mappings, "note.ambiguous_item", item=command.item, resources=chosen
        )
    if chosen:
        offer = offered[chosen[0]]
        if command.kind == CONFIRM and offer.status == "unavailable":
            return steering, _result(
                command, False, mappings, "note.unavailable", resource=offer.resource_id
            )
        after = steering.with_offer(OfferChoice(RESOURCE, offer.resource_id, status, by, now))
        code = (
            "note.confirmed_resource" if status == CONFIRMED_BY_HAND else "note.released_resource"
        )
        return after, _result(command, True, mappings, code, resource=offer.resource_id)
    if budget_meant:
        budget_id = str(budget.budget_id)
        if command.kind == CONFIRM and budget.status == "unavailable":
            return steering, _result(
                command, False, mappings, "note.not_offered_budget", budget=budget_id
            )
        after = steering.with_offer(OfferChoice(BUDGET, budget_id, status, by, now))
        if status == CONFIRMED_BY_HAND:
            return after, _result(
                command,
                True,
                mappings,
                "note.confirmed_budget",
                budget=budget_id,
                amount=budget.amount_cents,
            )
        return after, _result(command, True, mappings, "note.released_budget", budget=budget_id)
    if budgets and not resources:
        if not has_budget:
            return steering, _result(command, False, mappings, "note.no_budget")
        return steering, _result(
            command, False, mappings, "note.not_offered_budget", budget=budgets[0]
        )
    missing = resources[0] if len(resources) == 1 else command.item
    return steering, _result(
        command, False, mappings, "note.not_offered_resource", resource=missing
    )
