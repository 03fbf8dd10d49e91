"""The demo's printed account: what happened, from the sandbox's and the bridge's records.

Pure text rendering over plain data (``AccountData``), so it is easy to test and to extend:
each section is a function in ``SECTIONS`` that returns a ``Section`` or ``None`` (nothing to
say). A new part of the pipeline adds its own section function to the list.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

WIDTH = 100
_SHORT_TYPE = re.compile(r"^decidim\.events\.(proposals|comments)\.")
_MARKER = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass
class AccountData:
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    inbox: list[dict[str, Any]] = field(default_factory=list)
    journal: list[dict[str, Any]] = field(default_factory=list)
    proposals: list[dict[str, Any]] = field(default_factory=list)
    api_comments: list[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    #: Mails the bridge handed to its file backend: ``to``, ``subject``, ``file``.
    mails: list[dict[str, Any]] = field(default_factory=list)
    mail_dir: str = ""
    urls: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    #: What people did in Decidim's admin and the proposal afterwards: ``proposal_id``,
    #: ``did``, ``evaluators``, ``bridge_notes``, ``version``, ``lead``, ``item``, ``hold``.
    steering: list[dict[str, Any]] = field(default_factory=list)

    def title(self, proposal_id: Any) -> str:
        for proposal in self.proposals:
            if str(proposal["id"]) == str(proposal_id):
                titles = proposal.get("title") or {}
                return str(titles.get("nl") or next(iter(titles.values()), ""))
        return ""


@dataclass
class Section:
    title: str
    lines: list[str]


def short_type(event_type: str) -> str:
    return _SHORT_TYPE.sub("", event_type)


def clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def webhooks_section(data: AccountData) -> Section | None:
    if not data.deliveries:
        return Section("Events Decidim sent (sandbox webhooks)", ["(none)"])
    counts = Counter(short_type(d["event_type"]) for d in data.deliveries)
    lines = ["  ".join(f"{name}: {count}" for name, count in sorted(counts.items()))]
    for d in data.deliveries:
        envelope = d.get("body") or {}
        proposal = _proposal_of(envelope)
        answer = f"HTTP {d['response_status']}" if d.get("response_status") else "no answer"
        tries = f"{d['attempts']} attempt{'s' if d['attempts'] != 1 else ''}"
        label = f"#{proposal}" if proposal else "-"
        lines.append(
            f"  {label:>5} {short_type(d['event_type']):26} {d['status']:9} {answer} ({tries})  "
            + clip(data.title(proposal), 40)
        )
    return Section("Events Decidim sent (sandbox webhooks)", lines)


def _proposal_of(envelope: dict[str, Any]) -> str:
    resource = envelope.get("resource") or {}
    if resource.get("type") == "Decidim::Proposals::Proposal":
        return str(resource.get("id", ""))
    commentable = (envelope.get("extra") or {}).get("commentable") or {}
    return str(commentable.get("id", ""))


def inbox_section(data: AccountData) -> Section | None:
    counts = Counter(row["status"] for row in data.inbox)
    lines = ["  ".join(f"{s}: {n}" for s, n in sorted(counts.items())) or "(empty)"]
    for row in sorted(data.inbox, key=lambda r: r["id"]):
        outcome = row.get("outcome") or ""
        if row["status"] in ("pending", "dead") and row.get("last_error"):
            outcome = "error: " + str(row["last_error"]).splitlines()[0]
        lines.append(
            f"  {row['id']:>4} {row['status']:8} {short_type(row['event_type']):26} "
            f"{row['subject']:16} {clip(outcome, 52)}"
        )
    return Section("What the bridge received (its inbox)", lines)


def api_section(data: AccountData) -> Section | None:
    entries = data.journal
    if not entries:
        return Section("What the bridge asked Decidim (API requests)", ["(no requests)"])
    sign_ins = sum(1 for e in entries if e["target"] == "sign_in" and e["status"] == 200)
    lines = [f"sign-ins: {sign_ins}   requests: {len(entries)}"]
    economy = request_economy(entries, data.inbox)
    if economy.planned:
        lines.append(
            f"per planned initiative: {economy.per_initiative:.1f} requests, "
            f"{economy.reads / economy.planned:.1f} reads, "
            f"{economy.writes / economy.planned:.1f} writes ({economy.planned} planned: "
            f"{economy.reads} reads, {economy.writes} writes, {economy.other} other)"
        )
    for target in ("query", "mutation"):
        names = Counter(
            e.get("operation_name") or ",".join(e.get("root_fields") or []) or "(anonymous)"
            for e in entries
            if e["target"] == target
        )
        for name, count in sorted(names.items()):
            lines.append(f"  {target:8} {name:40} x{count}")
    refused = Counter(
        f"HTTP {e['status']} {e['outcome']}" for e in entries if e["outcome"] not in ("ok",)
    )
    for label, count in sorted(refused.items()):
        lines.append(f"  refused/failed: {label} x{count}")
    return Section("What the bridge asked Decidim (API requests)", lines)


@dataclass(frozen=True)
class RequestEconomy:
    """API requests against planned initiatives: what Decidim's rate limit feels."""

    planned: int
    reads: int
    writes: int
    other: int

    @property
    def per_initiative(self) -> float:
        return (self.reads + self.writes + self.other) / self.planned if self.planned else 0.0


def request_economy(journal: list[dict[str, Any]], inbox: list[dict[str, Any]]) -> RequestEconomy:
    """Queries are reads, mutations writes, sign-ins and the rest other; an initiative is
    planned when one of its inbox rows says so."""
    planned = {
        row["subject"] for row in inbox if str(row.get("outcome") or "").startswith("planned:")
    }
    targets = Counter(str(e["target"]) for e in journal)
    reads, writes = targets.pop("query", 0), targets.pop("mutation", 0)
    return RequestEconomy(len(planned), reads, writes, sum(targets.values()))


def tables_section(data: AccountData) -> Section | None:
    if not data.tables:
        return None
    lines = [
        f"  {name:28} {count:>5} row{'s' if count != 1 else ''}"
        for name, count in sorted(data.tables.items())
    ]
    return Section("What the bridge recorded (database tables)", lines)


def outbox_section(data: AccountData) -> Section | None:
    """Counts per kind of write and status; only writes that are not done are listed."""
    if not data.outbox:
        return None
    counts = Counter(str(r.get("status")) for r in data.outbox)
    lines = ["  ".join(f"{s}: {n}" for s, n in sorted(counts.items()))]
    kinds = Counter(
        (str(r.get("kind", "")), str(r.get("purpose", "")), str(r.get("status", "")))
        for r in data.outbox
    )
    for (kind, purpose, status), count in sorted(kinds.items()):
        lines.append(f"  {kind:16} {purpose:22} {status:10} x{count}")
    for r in data.outbox:
        if r.get("status") in ("done", "superseded"):
            continue
        error = str(r.get("last_error") or "").splitlines()[:1]
        lines.append(
            f"  {r.get('id', ''):>4} {r.get('status', '')!s:10} {r.get('kind', '')!s:16} "
            f"proposal {r.get('proposal_id', '')}  {clip(error[0], 50) if error else ''}".rstrip()
        )
    return Section("What the bridge planned to write (its outbox)", lines)


def written_back_section(data: AccountData) -> Section | None:
    """Per proposal its answer and comments; the first comment in full, as residents see it."""
    lines: list[str] = []
    answered = 0
    for proposal in data.proposals:
        if proposal.get("answered_by_api_user") is None:
            continue
        if proposal.get("internal_state") in (None, "not_answered"):
            continue
        answered += 1
        answer = (proposal.get("answer") or {}).get("nl", "")
        lines.append(
            f"  #{proposal['id']} answer: {proposal['internal_state']}"
            f" (shown: {proposal.get('state') or 'not published'})  {clip(answer, 60)}"
        )
    commented = {str(c["proposal_id"]) for c in data.api_comments}
    for index, comment in enumerate(data.api_comments):
        body = comment.get("body") or {}
        text = _MARKER.sub("", str(body.get("nl") or next(iter(body.values()), ""))).strip()
        paragraphs = [p for p in text.split("\n") if p.strip()]
        title = clip(data.title(comment["proposal_id"]), 50)
        if index > 0:
            first = paragraphs[0] if paragraphs else ""
            lines.append(f"  #{comment['proposal_id']} comment {comment['id']}: {clip(first, 70)}")
            continue
        lines.append(f"  #{comment['proposal_id']} comment {comment['id']}: ({title})")
        for paragraph in paragraphs:
            lines.extend(
                textwrap.wrap(
                    paragraph, WIDTH - 8, initial_indent="      ", subsequent_indent="      "
                )
            )
    if not lines:
        return Section(
            "What the bridge wrote back to Decidim", ["  (nothing written back to Decidim yet)"]
        )
    summary = (
        f"{len(data.api_comments)} comment(s) on {len(commented)} proposal(s), {answered} answer(s)"
    )
    return Section("What the bridge wrote back to Decidim", [summary, *lines])


def inside_decidim_section(data: AccountData) -> Section | None:
    """What advisors find on the proposal in Decidim's admin: evaluators and private notes."""
    with_notes = [p for p in data.proposals if p.get("bridge_notes")]
    if not with_notes and not data.steering:
        return None
    lines = []
    for proposal in with_notes:
        evaluators = ", ".join(f"@{n}" for n in proposal.get("evaluators") or []) or "-"
        notes = proposal["bridge_notes"]
        lines.append(
            f"  #{proposal['id']} evaluator(s): {evaluators}; {len(notes)} private note(s) "
            f"from the bridge ({clip(data.title(proposal['id']), 40)})"
        )
    if with_notes:
        first = with_notes[0]["bridge_notes"][0]
        lines.append(f"  the first private note on #{with_notes[0]['id']}, as advisors read it:")
        for paragraph in [p for p in first.split("\n") if p.strip()][:14]:
            lines.append(f"      {clip(paragraph, WIDTH - 8)}")
    return Section("What advisors find inside Decidim (evaluators, private notes)", lines)


def steering_section(data: AccountData) -> Section | None:
    """People steering in Decidim's admin, and what the bridge did with it."""
    if not data.steering:
        return None
    lines = []
    for act in data.steering:
        lines.append(f"  #{act['proposal_id']}: {act['did']}")
        evaluators = ", ".join(f"@{n}" for n in act.get("evaluators") or []) or "-"
        lines.append(
            f"      -> plan version {act.get('version')}, lead {act.get('lead')}; "
            f"evaluators in Decidim: {evaluators}"
        )
        if act.get("item"):
            lines.append(f"      -> hold on {act['item']}: {act.get('hold')}")
        replies = [n for n in act.get("bridge_notes") or [] if "versie" not in n.split("\n")[0]]
        if replies:
            reply = [line for line in replies[-1].split("\n") if line.strip()]
            lines.append(f"      -> the bridge's reply note: {clip(' / '.join(reply), 80)}")
    return Section("Advisors steering from Decidim", lines)


def _mail_kind(mail: dict[str, Any]) -> str:
    return str(mail.get("subject", "")).split(":")[0].strip()


def mail_section(data: AccountData, per_kind: int = 3) -> Section | None:
    """The mails in the file backend: how many of each kind, a few of each, where they are."""
    if not data.mails:
        return None
    kinds = Counter(_mail_kind(m) for m in data.mails)
    addresses = {str(m.get("to", "")) for m in data.mails}
    lines = [
        f"{len(data.mails)} mail(s) to {len(addresses)} address(es): "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    ]
    for kind, count in sorted(kinds.items()):
        of_kind = [m for m in data.mails if _mail_kind(m) == kind]
        for mail in of_kind[:per_kind]:
            to, subject = str(mail.get("to", "")), str(mail.get("subject", ""))
            lines.append(f"  {clip(to, 36):36} {clip(subject, 60)}")
        if count > per_kind:
            lines.append(f"  {'':36} ... and {count - per_kind} more like this")
    if data.mail_dir:
        lines.append(f"  (.eml files in {data.mail_dir}: open them with any mail program)")
    return Section("What the bridge mailed (advisors, stakeholders)", lines)


SECTIONS: list[Callable[[AccountData], Section | None]] = [
    webhooks_section,
    inbox_section,
    api_section,
    tables_section,
    outbox_section,
    written_back_section,
    inside_decidim_section,
    steering_section,
    mail_section,
]


def render(
    data: AccountData, sections: list[Callable[[AccountData], Section | None]] | None = None
) -> str:
    """The whole account as text (numbered sections, notes, then the URLs)."""
    out: list[str] = []
    number = 0
    for make in sections if sections is not None else SECTIONS:
        section = make(data)
        if section is None:
            continue
        number += 1
        out.append("")
        heading = f"{number}. {section.title}"
        out.append(heading)
        out.append("-" * min(WIDTH, len(heading)))
        out.extend(section.lines)
    if data.notes:
        out.append("")
        out.extend(f"note: {note}" for note in data.notes)
    if data.urls:
        out.append("")
        width = max(len(k) for k in data.urls)
        out.extend(f"{name:>{width}}  {url}" for name, url in data.urls.items())
    return "\n".join(out)
