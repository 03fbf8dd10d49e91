"""The contract between the words files (``mappings/texts/<locale>.yaml``) and their readers.

Every decision in a plan carries a *reason code* with arguments; every advisor checklist
item has a *checklist key*; the approval page (``web.approvals``) has a line per state. The
text files say how each reads in their language, as ``str.format`` patterns
(``"thema {theme}: trefwoord '{keyword}' in {where}"``). This module lists what must exist
and which placeholders each pattern may use, so the checker can report a missing or
misspelled one.
Argument values are turned into readable words by naming convention (see ``plan.texts``):
``theme``, ``district``, ``advisor``, ``resource``, ``budget``, ``stakeholder`` are ids
(``other_advisors``, ``other_districts``: lists of ids),
``*date`` are ISO dates, ``*amount`` are euro cents, ``where``, ``stage``, ``moment``, ``say``
are label keys.
"""

from __future__ import annotations

REASONS: dict[str, tuple[str, ...]] = {
    # classification
    "district.taxonomy": ("district", "taxonomy"),
    "district.postcode": ("district", "postcode", "where"),
    "district.place": ("district", "keyword", "word", "where"),
    "district.conflict": ("district", "other_districts"),
    "district.unknown": (),
    "theme.taxonomy": ("theme", "taxonomy"),
    "theme.keyword": ("theme", "keyword", "where"),
    "theme.compound": ("theme", "keyword", "word", "where"),
    "theme.primary": ("theme", "score"),
    "theme.further": ("theme", "score"),
    "theme.weak": ("theme", "score", "min_score"),
    "theme.none": (),
    "kind.match": ("kind", "score", "words"),
    "kind.unless": ("kind", "keyword", "where"),
    "kind.overruled": ("by",),
    "language.detected": ("language", "confidence"),
    "language.unsure": ("language", "confidence"),
    "language.reply": ("language",),
    "language.no_texts": ("language", "default"),
    # advisors
    "lead.chosen": ("advisor", "district", "theme", "open", "capacity"),
    "lead.chosen_any_district": ("advisor", "theme", "open", "capacity"),
    "lead.tie": ("advisor", "other_advisors"),
    "lead.absent": ("advisor", "until_date"),
    "lead.full": ("advisor", "open", "capacity"),
    "lead.fallback": ("advisor", "absent", "full"),
    "lead.fallback_nobody": ("advisor", "theme", "district"),
    "lead.fallback_no_theme": ("advisor",),
    "lead.released": ("advisor", "stage"),
    "lead.steered": ("advisor", "by"),
    "lead.steered_gone": ("advisor",),
    "lead.not_initiative": ("advisor", "kind"),
    "co.chosen": ("advisor", "theme", "open", "capacity"),
    "co.lead_covers": ("advisor", "theme"),
    "co.none": ("theme",),
    # resources and budgets
    "resource.match": ("resource", "keyword", "where"),
    "resource.held": ("resource", "quantity", "until_date"),
    "resource.confirmed": ("resource", "quantity"),
    "resource.unavailable": ("resource", "needed", "available"),
    "resource.released": ("resource", "stage"),
    "resource.confirmed_by": ("resource", "quantity", "by"),
    "resource.released_by": ("resource", "by"),
    "resource.not_in_district": ("resource", "district"),
    "budget.match": ("budget", "year"),
    "budget.requested": ("budget", "amount"),
    "budget.default": ("budget", "amount"),
    "budget.capped": ("budget", "amount", "max_amount"),
    "budget.partial": ("budget", "amount", "available_amount"),
    "budget.held": ("budget", "amount", "until_date"),
    "budget.confirmed": ("budget", "amount"),
    "budget.unavailable": ("budget",),
    "budget.released": ("budget", "stage"),
    "budget.confirmed_by": ("budget", "amount", "by"),
    "budget.released_by": ("budget", "by"),
    "budget.none": ("district", "year"),
    "budget.not_for": ("budget", "keyword", "where"),
    # stakeholders
    "stakeholder.district": ("stakeholder", "district"),
    "stakeholder.theme": ("stakeholder", "theme"),
    "stakeholder.district_theme": ("stakeholder", "district", "theme"),
    "stakeholder.everywhere": ("stakeholder",),
    "stakeholder.resource": ("stakeholder", "resource"),
    "stakeholder.budget": ("stakeholder", "budget"),
    # expectations
    "expect.rule": ("process",),
    "expect.default": (),
    "expect.first_contact": ("days", "start_date", "due_date"),
    "expect.decision": ("days", "start_date", "due_date"),
    "expect.days_off": ("days_off",),
    "expect.decided_on_time": ("answered_date", "due_date"),
    "expect.decided_late": ("answered_date", "due_date", "late"),
    "expect.overdue": ("due_date",),
    "expect.postponed": ("days", "due_date", "reason"),
    "expect.contacted_on_time": ("contact_date", "due_date", "by"),
    "expect.contacted_late": ("contact_date", "due_date", "late", "by"),
    "expect.rebased": ("published_date", "start_date", "late"),
    # service purchase (Right to Challenge)
    "service.signals": ("signals",),
    "service.too_few": ("signals", "needed"),
    "service.excluded": ("keyword", "where"),
    # proposals that existed before the bridge saw them (plan.existing)
    "existing.answered": (),
    "existing.old": ("days", "max_days"),
    "existing.write": (),
    # a person must look at this
    "flag.coordinator": (),
    "flag.no_district": (),
    "flag.no_theme": (),
    "flag.unavailable": ("resource",),
    "flag.late_intake": ("published_date", "late"),
    "flag.not_initiative": ("kind",),
    # the bridge's reply to a private note with commands (plan.note_reply)
    "note.done": (),
    "note.partly": (),
    "note.failed": (),
    "note.lead": ("advisor",),
    "note.lead_same": ("advisor",),
    "note.confirmed_resource": ("resource",),
    "note.confirmed_budget": ("budget", "amount"),
    "note.released_resource": ("resource",),
    "note.released_budget": ("budget",),
    "note.contact": ("contact_date",),
    "note.contact_earlier": ("contact_date",),
    "note.postponed": ("days", "due_date", "reason"),
    "note.not_offered_resource": ("resource",),
    "note.not_offered_budget": ("budget",),
    "note.no_budget": (),
    "note.unavailable": ("resource",),
    "note.unknown_item": ("item",),
    "note.ambiguous_item": ("item", "resources"),
    "note.unknown_advisor": ("nickname",),
    "note.closed": ("stage",),
    "note.bad_days": ("days", "max_days"),
    "note.no_reason": (),
    "note.future_date": ("contact_date",),
    "note.not_understood": ("line",),
    "note.refused": (),
    "note.help": (),
    "note.help_confirm": (),
    "note.help_release": (),
    "note.help_contact": (),
    "note.help_postpone": (),
    "note.help_lead": (),
    "note.initiative": (),
    "note.initiative_already": (),
    "note.help_initiative": (),
}

CHECKLIST: dict[str, tuple[str, ...]] = {
    "p1.lead": ("advisor",),
    "p1.coadvisor": ("advisor", "theme"),
    "p1.find_coadvisor": ("theme",),
    "p1.coordinator": ("advisor",),
    "p1.not_initiative": ("kind",),
    "p1.service_purchase": ("contact", "due_date"),
    "p2.first_contact": ("due_date",),
    "p2.decision": ("due_date",),
    "p2.say": ("say",),
    "p3.resource": ("resource", "quantity", "until_date"),
    "p3.resource_confirmed": ("resource", "quantity"),
    "p3.unavailable": ("resource",),
    "p3.budget": ("budget", "amount", "until_date"),
    "p3.budget_confirmed": ("budget", "amount"),
    "p3.nothing": (),
    "p4.introduce": ("stakeholder",),
    "p4.inform": ("stakeholder", "moment"),
    "p4.digest": ("stakeholder",),
}

#: The page behind the lead advisor's approval links (``/approvals/<token>``): a line per
#: what the link does (``approve``, ``hold``), its button (``confirm_*``) and each outcome.
APPROVAL: dict[str, tuple[str, ...]] = {
    "title": ("proposal",),
    "approve": ("proposal", "version"),
    "hold": ("proposal", "version"),
    "confirm_approve": (),
    "confirm_hold": (),
    "newer": ("version",),
    "used": ("when", "who"),
    "invalid": (),
    "released": ("count",),
    "withheld": (),
    "nothing-held": (),
    "superseded": (),
    "already-used": (),
}

#: Label groups and the keys each must have.
LABELS: dict[str, tuple[str, ...]] = {
    "where": ("title", "body", "address", "taxonomies"),
    "stage": ("open", "accepted", "rejected", "withdrawn"),
    "say": ("inform", "consult", "advise", "co-create", "co-decide", "decide"),
    "moment": ("published", "accepted", "rejected", "withdrawn", "digest"),
    "practice": ("1", "2", "3", "4"),
    "status": ("todo", "done", "overdue", "n/a"),
    "kind": ("land", "room", "tool", "fencing", "printer", "material", "equipment"),
    "words": ("and", "none", "unknown_district"),
}
