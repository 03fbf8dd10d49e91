"""The writer: executes outbox rows — comments, answers, evaluators and private notes in
Decidim, mails — once.

For each claimed row the ledger already says ``in_flight`` (committed before anything is
sent). If the row was ``in_flight`` before this claim, an earlier attempt's outcome is
unknown (a crash, a timeout, a 5xx on the mutation): the writer reads Decidim first and
writes only when its write is not there. Mails cannot be read back: a mail whose hand-over
had started (``sending_at``) is not sent again by itself unless the backend makes a resend
harmless (files); it is parked as ``dead`` with the reason, for a person to decide.

Evaluator assignments converge (assigning or unassigning twice changes nothing); after an
unknown outcome the writer reads the evaluators back and finishes when they are as asked.
Decidim refuses a whole assignment when one user holds no evaluator role in the space; the
writer then assigns the users one by one and finishes with an outcome naming who was
refused, so the others are not lost (only when nobody could be assigned and nothing was
unassigned is the row ``dead``). A private note appends: after an unknown outcome the notes
are read back and the note is written only when none carries its reference code.

What a failure leads to is decided by ``writeback.failures.classify_failure`` from the
exception alone: Decidim being down, over budget (429) or behind an open circuit breaker
only delays writes (a later ``next_attempt_at``, Decidim writes pause, mail continues);
permanent refusals (validation, permissions, capability missing) are ``dead`` and listed by
``decidim-bridge outbox``; ``outbox retry`` puts them back.

One request for a plan version's writes: with the decidim-bridge module the writer claims,
with a Decidim row whose outcome is not unknown, the rows of the same proposal and plan
version that follow it in its lane (``store.outbox.claim_following``, within Decidim's alias
limit) and sends their writes as one ``CombinedWrite`` document (``decidim.combine``). Each
row settles from its own field; an error naming a field's alias is that row's failure,
decided as if it had been sent alone; a failure of the whole request is every row's (after
an ambiguous one each is read back alone). An answer joins only as the module's guarded
answer, which Decidim writes only when the proposal's state is not final (checked and
written under one lock), so no read comes before it; without the module the writer reads
the proposal before answering, alone, so that it never overwrites a final answer a person
published meanwhile.

Convergence after a crash or a storm: rows whose outcome is unknown are claimed first (one
read settles them and unblocks their lane), and the leases of writers that died on this
host end at once instead of running out (``loop.dead_local_owners``). A 429 pauses Decidim
requests until Decidim's next throttle window (``DECIDIM_BRIDGE_DECIDIM_RATE_WINDOW``).

Two loops in production (``services.build_writers``): one executes the Decidim writes
(``DECIDIM``), one sends the mails (``MAIL_ONLY``, several claimed at a time). A plan
version records several mails for each Decidim request; sent by one loop, they delayed the
Decidim writes behind them while Decidim's budget had room, and the writes a slow mail
server behind Decidim's rate limit. The mail loop also lets the live work go first
(``defer_to``: ``live_work.queued``, at most ``defer_max`` seconds in a row): building
mails takes the process's time that a burst's comments wait for, and a mail to an advisor
a minute later costs nobody anything. One loop of ``EVERY`` lane (tests, ``writer
--once``) sends mail while Decidim writes are paused.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from prometheus_client import Counter
from sqlalchemy.engine import Connection

from decidim_bridge.config import Settings
from decidim_bridge.decidim import error_codes
from decidim_bridge.decidim.limits import MAX_ALIASES
from decidim_bridge.errors import (
    BridgeError,
    GraphQLError,
    LeaseLost,
    MailOutcomeUnknown,
    StoreUnavailable,
)
from decidim_bridge.live_work import Deferral
from decidim_bridge.loop import ClaimLoop, LeaseKeeper, dead_local_owners
from decidim_bridge.mail.backends import MailBackend
from decidim_bridge.mail.message import OutgoingMail, build_message
from decidim_bridge.store import Database
from decidim_bridge.store import outbox as store
from decidim_bridge.store.outbox import OutboxRow
from decidim_bridge.store.writer_turns import first_in_line
from decidim_bridge.worker import default_owner
from decidim_bridge.writeback.effects import (
    ANSWER,
    COMMENT,
    DECIDIM_LANES,
    EVALUATORS,
    MAIL,
    MAIL_LANES,
    NOTE,
)
from decidim_bridge.writeback.failures import RetryPolicy, classify_failure
from decidim_bridge.writeback.reconcile import (
    answer_matches,
    evaluators_match,
    find_comment,
    find_note,
)
from decidim_bridge.writeback.subject import FINAL_STATES

log = logging.getLogger(__name__)

#: The Decidim kinds that can share a request, in the order a plan version records them.
COMBINED_ORDER = (COMMENT, ANSWER, EVALUATORS, NOTE)
#: States in which the guarded answer is not written (a person's final answer, withdrawn).
UNLESS_STATES = sorted(FINAL_STATES)

WRITES = Counter(
    "bridge_writes",
    "Outbox rows executed, by kind and outcome (done, found, skipped, retry, dead).",
    ["kind", "outcome"],
)

Checkpoint = Callable[[str, OutboxRow], None]

#: Seconds between looks for leases held by writers that died on this host.
DEAD_LEASE_CHECK_SECONDS = 1.0

#: Which lanes a writer executes: every lane, a proposal's Decidim writes, or the mails.
EVERY, DECIDIM, MAIL_ONLY = "every", "decidim", "mail"
_LANE_PREFIXES = {EVERY: None, DECIDIM: DECIDIM_LANES, MAIL_ONLY: MAIL_LANES}
#: Mails claimed at once by the mail loop (each still sent and settled on its own).
MAIL_BATCH = 20


def _no_checkpoint(_name: str, _row: OutboxRow) -> None:
    return None


class Writer(ClaimLoop):
    """Claims due outbox rows of one tenant and executes them until stopped."""

    loop_name = "writer"

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        decidim: Any,
        mailer: MailBackend,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
        checkpoint: Checkpoint = _no_checkpoint,
        lanes: str = EVERY,
        defer_to: Callable[[], bool] | None = None,
        defer_max: float = 0.0,
    ) -> None:
        if lanes not in _LANE_PREFIXES:
            raise ValueError(f"lanes must be one of {sorted(_LANE_PREFIXES)}")
        self.lanes = lanes
        # The mail loop: while ``defer_to`` says live work is queued, wait (at most
        # ``defer_max`` seconds in a row, then send anyway until it has drained).
        self.deferral = None if defer_to is None else Deferral(defer_to, defer_max)
        self.loop_name = "mailer" if lanes == MAIL_ONLY else "writer"
        self.db = db
        self.settings = settings
        self.decidim = decidim
        self.mailer = mailer
        self.owner = owner or default_owner()
        self.clock = clock
        self.checkpoint = checkpoint
        self.poll_interval = settings.worker_poll_interval
        self.stop_event = threading.Event()
        self.decidim_paused_until = 0.0
        self._leases_checked_at = float("-inf")
        #: While a combined write's rows are settled: the transaction they are stored in.
        self._settling: Connection | None = None
        # The lease is renewed while a write runs (``LeaseKeeper``), so a slow request never
        # lets another writer take the row over; after a crash it lapses within this time.
        self.lease_seconds = settings.worker_lease_seconds

    # --- one step ----------------------------------------------------------------------

    def _renew_leases(self, row_ids: list[int]) -> None:
        """Renew the leases of a group's rows that are still in flight, each on its own: a
        row settled meanwhile is no longer leased, and must not end the others' renewal.
        ``LeaseLost`` only when none is held any more (the keeper stops then)."""
        held = 0
        for row_id in row_ids:
            try:
                with self.db.begin() as conn:
                    store.extend_lease(
                        conn, row_id, owner=self.owner, until=self.clock() + self.lease_seconds
                    )
                held += 1
            except LeaseLost:
                continue
        if not held:
            raise LeaseLost(f"no lease held on outbox rows {row_ids}")

    def _release_dead_leases(self, now: float) -> None:
        if now - self._leases_checked_at < DEAD_LEASE_CHECK_SECONDS:
            return
        self._leases_checked_at = now
        with self.db.begin() as conn:
            dead = dead_local_owners(store.leased_owners(conn, now=now), host=socket.gethostname())
            if dead and store.expire_leases(conn, owners=dead, now=now):
                log.warning(
                    "outbox leases of stopped writers ended", extra={"owners": sorted(dead)}
                )

    def run_once(self) -> bool:
        """Claim and execute at most one due row (the mail loop: up to ``MAIL_BATCH``
        mails); returns whether there was one. Decidim's writes take their database turns
        before the worker's and the mails' (``writer_turns.first_in_line``)."""
        if self.lanes == MAIL_ONLY:
            return self._step()
        with first_in_line():
            return self._step()

    def _step(self) -> bool:
        now = self.clock()
        self._release_dead_leases(now)
        paused = now < self.decidim_paused_until
        if paused and self.lanes == DECIDIM:
            return False  # nothing else to do until Decidim may be asked again
        if self.deferral is not None and self.deferral.defer(now):
            return False
        with self.db.begin() as conn:
            rows = store.claim(
                conn,
                owner=self.owner,
                now=now,
                lease_seconds=self.lease_seconds,
                kinds=(MAIL,) if paused else None,
                tenant=self.settings.tenant,
                lane_prefix=_LANE_PREFIXES[self.lanes],
                limit=MAIL_BATCH if self.lanes == MAIL_ONLY else 1,
            )
            group = self._claimed_with_following(conn, rows, now)
        if not rows:
            return False
        if self.lanes == MAIL_ONLY:
            self._send_mails(rows)
            return True
        row = rows[0]
        if group is None:
            try:
                group = self._with_following(row, now)
            except (StoreUnavailable, LeaseLost):
                raise
            except Exception as exc:
                # What this Decidim offers could not be learnt: the row's own attempt would
                # meet the same failure (and ask again), so it is that attempt's failure.
                self._failed(row, exc, _extra(row))
                return True
        try:
            with LeaseKeeper(
                lambda: self._renew_leases([r.id for r in group]),
                self.lease_seconds,
                name=f"outbox-lease-{row.id}",
            ):
                if len(group) > 1:
                    self._execute_combined(group)
                else:
                    self._execute(row)
        except LeaseLost:
            log.warning("outbox lease lost", extra={"outbox_id": row.id})
        return True

    def _send_mails(self, rows: list[OutboxRow]) -> None:
        """Send mails claimed together one by one; the leases of those waiting are kept."""
        waiting = list(rows)
        with LeaseKeeper(
            lambda: self._renew_leases([r.id for r in waiting]),
            self.lease_seconds,
            name=f"outbox-lease-mails-{rows[0].id}",
        ):
            while waiting:
                try:
                    self._execute(waiting[0])
                except LeaseLost:
                    log.warning("outbox lease lost", extra={"outbox_id": waiting[0].id})
                waiting.pop(0)

    def drain(self, *, max_rows: int = 10_000) -> int:
        """Execute every row that is due now (tests, ``--once``); returns how many."""
        count = 0
        while count < max_rows and self.run_once():
            count += 1
        return count

    def _execute(self, row: OutboxRow) -> None:
        self._record(row, _extra(row), lambda: self._write(row))

    def _write(self, row: OutboxRow) -> tuple[str, str | None]:
        unknown = row.status == "in_flight"
        if row.kind == COMMENT:
            return self._comment(row, unknown)
        if row.kind == ANSWER:
            return self._answer(row, unknown)
        if row.kind == EVALUATORS:
            return self._evaluators(row, unknown)
        if row.kind == NOTE:
            return self._note(row, unknown)
        if row.kind == MAIL:
            return self._mail(row)
        raise BridgeError(f"unknown outbox kind {row.kind!r}")

    def _record(
        self, row: OutboxRow, extra: dict[str, Any], step: Callable[[], tuple[str, str | None]]
    ) -> None:
        """Run ``step`` for ``row``: count and log its outcome, or decide on its failure
        (``_failed``). The store being down and a lost lease are not the row's failure."""
        try:
            outcome, remote = step()
        except (StoreUnavailable, LeaseLost):
            raise
        except Exception as exc:
            self._failed(row, exc, extra)
            return
        WRITES.labels(kind=row.kind, outcome=outcome).inc()
        log.info("write %s", outcome, extra={**extra, "outcome": outcome, "remote_id": remote})

    # --- several rows in one request ---------------------------------------------------

    def _capabilities(self) -> Any:
        """What this Decidim offers (None: a client that cannot say, e.g. in tests)."""
        detect = getattr(self.decidim, "capabilities", None)
        return detect() if detect is not None else None

    def _can_answer_guarded(self) -> bool:
        if not self.settings.write_economy:
            return False
        return bool(getattr(self._capabilities(), "can_answer_guarded", False))

    def _alone(self, row: OutboxRow) -> bool:
        """Whether ``row`` goes alone whatever Decidim offers (its outcome is unknown: it
        is read back alone)."""
        return (
            not self.settings.write_economy
            or row.kind not in COMBINED_ORDER
            or row.status == "in_flight"
        )

    def _claimed_with_following(
        self, conn: Connection, rows: list[OutboxRow], now: float
    ) -> list[OutboxRow] | None:
        """In the claim's transaction: the claimed row and those that follow it (one
        write turn less per request); None when what Decidim offers is not learnt yet."""
        if self.lanes == MAIL_ONLY or not rows:
            return None
        if self._alone(rows[0]):
            return rows[:1]
        known = getattr(self.decidim, "known_capabilities", None)
        found = known() if known is not None else None
        if found is None:
            return None
        return [rows[0], *self._following(conn, rows[0], now, combinable_kinds(found))]

    def _with_following(self, row: OutboxRow, now: float) -> list[OutboxRow]:
        """``row`` and the rows of its plan version that follow it in its lane and can go
        in the same request (none when ``row``'s outcome is unknown: it is read back alone)."""
        if self._alone(row):
            return [row]
        kinds = combinable_kinds(self._capabilities())
        with self.db.begin() as conn:
            return [row, *self._following(conn, row, now, kinds)]

    def _following(
        self, conn: Connection, row: OutboxRow, now: float, kinds: tuple[str, ...]
    ) -> list[OutboxRow]:
        if row.kind not in kinds:
            return []
        return store.claim_following(
            conn,
            row,
            owner=self.owner,
            now=now,
            lease_seconds=self.lease_seconds,
            kinds=kinds,
            slots=_fields,
            max_slots=MAX_ALIASES,
        )

    def _writes(self, row: OutboxRow) -> list[Any]:
        """The client's writes (fields of the combined document) for one row."""
        data = row.data
        if row.kind == COMMENT:
            return [self.decidim.comment_write(row.proposal_id, data["body"], data["locale"])]
        if row.kind == ANSWER:
            return [
                self.decidim.guarded_answer_write(
                    row.proposal_id,
                    data["state"],
                    data["answer_content"],
                    unless_states=UNLESS_STATES,
                )
            ]
        if row.kind == NOTE:
            return [self.decidim.note_write(row.proposal_id, data["body"])]
        assign, unassign = _evaluator_lists(data)
        writes = []
        if assign:
            writes.append(self.decidim.evaluators_write(row.proposal_id, assign))
        if unassign:
            writes.append(self.decidim.evaluators_write(row.proposal_id, unassign, unassign=True))
        return writes

    def _execute_combined(self, group: list[OutboxRow]) -> None:
        """Send the rows' writes as one document; each row gets the outcome of its fields.

        A failure of the whole request is each row's failure (an ambiguous one leaves every
        row unknown: each is read back alone later); a field's error is its row's failure.
        """
        try:
            writes = [self._writes(row) for row in group]
        except (StoreUnavailable, LeaseLost):
            raise
        except Exception:
            # A row the client will not build (a blank body, an empty state, a capability
            # that went away): each row goes alone, where its own failure is recorded.
            for row in group:
                self._execute(row)
            return
        for row in group:
            self.checkpoint("before_send", row)
        try:
            results = self.decidim.write_combined([w for row_writes in writes for w in row_writes])
        except (StoreUnavailable, LeaseLost):
            raise
        except Exception as exc:
            for row in group:
                self._failed(row, exc, _extra(row, combined=len(group)))
            return
        settled = []
        at = 0
        for row, row_writes in zip(group, writes, strict=True):
            settled.append((row, results[at : at + len(row_writes)]))
            at += len(row_writes)
        if any(_asks_again(row, mine) for row, mine in settled):
            self._settle_rows(settled)  # requests between the rows: no transaction held
            return
        # One transaction for the group's outcomes: on SQLite every transaction waits for
        # its turn behind the worker's. Should it fail, every row stays in flight and is
        # read back before it is written again, as after a crash.
        with self.db.begin() as conn:
            self._settling = conn
            try:
                self._settle_rows(settled)
            finally:
                self._settling = None

    def _settle_rows(self, settled: list[tuple[OutboxRow, list[Any]]]) -> None:
        for row, mine in settled:
            self.checkpoint("after_send", row)
            try:
                self._record(
                    row,
                    _extra(row, combined=len(settled)),
                    partial(self._settle, row, mine),
                )
            except LeaseLost:  # this row only: the others of the group are settled still
                log.warning("outbox lease lost", extra={"outbox_id": row.id})

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """Where a row's outcome is stored: the transaction of its group while a combined
        write is settled, else one of its own."""
        if self._settling is not None:
            yield self._settling
            return
        with self.db.begin() as conn:
            yield conn

    def _settle(self, row: OutboxRow, results: list[Any]) -> tuple[str, str | None]:
        """Finish one row of a combined write from its fields' results (an exception among
        them is raised, as if the row had been written alone)."""
        if row.kind == EVALUATORS:
            return self._evaluators_settled(row, results)
        (result,) = results
        if isinstance(result, BaseException):
            raise result
        if row.kind == COMMENT:
            self._finish(row, str(result), "comment added")
            return "done", str(result)
        if row.kind == ANSWER:
            return self._answered(row, result)
        self._finish(row, str(result.id), "note written")
        return "done", str(result.id)

    def _evaluators_settled(self, row: OutboxRow, results: list[Any]) -> tuple[str, str | None]:
        assign, unassign = _evaluator_lists(row.data)
        pending = list(results)
        refused: dict[str, str] = {}
        if assign:
            result = pending.pop(0)
            if isinstance(result, GraphQLError) and _refused_user(result) is not None:
                refused = self._assign_each(row.proposal_id, assign, result)
            elif isinstance(result, BaseException):
                raise result
        if unassign:
            result = pending.pop(0)
            if isinstance(result, BaseException):
                raise result
        return self._evaluators_done(row, assign, unassign, refused)

    def _finish(self, row: OutboxRow, remote_id: str | None, outcome: str) -> None:
        with self._transaction() as conn:
            store.mark_done(
                conn,
                row.id,
                owner=self.owner,
                now=self.clock(),
                remote_id=remote_id,
                outcome=outcome[:200],
            )

    # --- Decidim -----------------------------------------------------------------------

    def _comment(self, row: OutboxRow, unknown: bool) -> tuple[str, str | None]:
        data = row.data
        if unknown:
            self.checkpoint("reconcile", row)
            comments = self.decidim.list_comments(row.proposal_id, data["component_id"])
            found = find_comment(comments, row.effect_key, row.ref)
            if found is not None:
                self._finish(row, str(found.id), "found in Decidim after an unknown outcome")
                return "found", str(found.id)
        self.checkpoint("before_send", row)
        comment_id = self.decidim.add_comment(row.proposal_id, data["body"], data["locale"])
        self.checkpoint("after_send", row)
        self._finish(row, comment_id, "comment added")
        return "done", comment_id

    def _answer(self, row: OutboxRow, unknown: bool) -> tuple[str, str | None]:
        data = row.data
        guarded = self._can_answer_guarded()
        if unknown or not guarded:
            # Without the module's guarded answer, the proposal is read first so that a final
            # answer a person published meanwhile is not overwritten; after an unknown
            # outcome it is read anyway (the answer may be there).
            proposal = self.decidim.fetch_proposal(row.proposal_id, data["component_id"])
            if proposal is None:
                raise _Permanent(f"proposal {row.proposal_id} is not visible in Decidim")
            state = "withdrawn" if getattr(proposal, "withdrawn", False) else proposal.state
            if state in FINAL_STATES:
                self._skip(row, state)
                return "skipped", None
            if answer_matches(
                proposal.state, proposal.answer, data["state"], data["answer_content"]
            ):
                self._finish(row, row.proposal_id, "answer already in Decidim")
                return "found", row.proposal_id
        self.checkpoint("before_send", row)
        if guarded:
            answered = self.decidim.answer_guarded(
                row.proposal_id, data["state"], data["answer_content"], unless_states=UNLESS_STATES
            )
            self.checkpoint("after_send", row)
            return self._answered(row, answered)
        result = self.decidim.answer_proposal(
            data["component_id"], row.proposal_id, data["state"], data["answer_content"]
        )
        self.checkpoint("after_send", row)
        self._finish(row, str(getattr(result, "proposal_id", row.proposal_id)), "answer set")
        return "done", row.proposal_id

    def _answered(self, row: OutboxRow, answered: Any) -> tuple[str, str | None]:
        """Finish an answer row from the module's guarded answer."""
        if not answered.written:
            self._skip(row, answered.state)
            return "skipped", None
        self._finish(row, str(answered.proposal_id), "answer set")
        return "done", row.proposal_id

    def _skip(self, row: OutboxRow, state: str | None) -> None:
        with self._transaction() as conn:
            store.mark_skipped(
                conn,
                row.id,
                owner=self.owner,
                now=self.clock(),
                reason=f"not written: Decidim already shows '{state}'",
            )

    def _evaluators(self, row: OutboxRow, unknown: bool) -> tuple[str, str | None]:
        assign, unassign = _evaluator_lists(row.data)
        if unknown:
            self.checkpoint("reconcile", row)
            shown = self.decidim.proposal_admin(row.proposal_id).evaluator_nicknames
            if evaluators_match(shown, assign, unassign):
                self._finish(row, row.proposal_id, "evaluators already as asked in Decidim")
                return "found", row.proposal_id
        self.checkpoint("before_send", row)
        refused = self._assign(row.proposal_id, assign) if assign else {}
        if unassign:
            self.decidim.unassign_evaluators(row.proposal_id, unassign)
        self.checkpoint("after_send", row)
        return self._evaluators_done(row, assign, unassign, refused)

    def _evaluators_done(
        self, row: OutboxRow, assign: list[str], unassign: list[str], refused: dict[str, str]
    ) -> tuple[str, str | None]:
        assigned = [n for n in assign if n not in refused]
        refusals = ", ".join(f"@{n} ({why})" for n, why in refused.items())
        if refused and not assigned and not unassign:
            raise _Permanent(f"no evaluator assigned; Decidim refused {refusals}")
        parts = []
        if assigned:
            parts.append("assigned " + ", ".join(f"@{n}" for n in assigned))
        if unassign:
            parts.append("unassigned " + ", ".join(f"@{n}" for n in unassign))
        if refused:
            parts.append(f"refused {refusals}")
        self._finish(row, row.proposal_id, "evaluators " + "; ".join(parts))
        return "done", row.proposal_id

    def _assign(self, proposal_id: str, nicknames: list[str]) -> dict[str, str]:
        """Assign ``nicknames``; who Decidim refused and why (empty: everyone assigned).

        Decidim refuses the whole request when one user cannot be an evaluator here, so after
        such a refusal each user is assigned on their own."""
        try:
            self.decidim.assign_evaluators(proposal_id, nicknames)
            return {}
        except GraphQLError as exc:
            if _refused_user(exc) is None:
                raise
            return self._assign_each(proposal_id, nicknames, exc)

    def _assign_each(
        self, proposal_id: str, nicknames: list[str], refusal: GraphQLError
    ) -> dict[str, str]:
        """After Decidim refused assigning ``nicknames`` together (``refusal``): each on
        their own; who was refused and why."""
        if len(nicknames) == 1:
            return {nicknames[0]: _refused_user(refusal) or ""}
        refused: dict[str, str] = {}
        for nickname in nicknames:
            try:
                self.decidim.assign_evaluators(proposal_id, [nickname])
            except GraphQLError as exc:
                why = _refused_user(exc)
                if why is None:
                    raise
                refused[nickname] = why
        return refused

    def _note(self, row: OutboxRow, unknown: bool) -> tuple[str, str | None]:
        data = row.data
        if unknown:
            self.checkpoint("reconcile", row)
            notes = self.decidim.proposal_admin(row.proposal_id).notes
            found = find_note(notes, row.effect_key, row.ref)
            if found is not None:
                self._finish(row, str(found.id), "found in Decidim after an unknown outcome")
                return "found", str(found.id)
        self.checkpoint("before_send", row)
        note = self.decidim.create_note(row.proposal_id, data["body"])
        self.checkpoint("after_send", row)
        self._finish(row, str(note.id), "note written")
        return "done", str(note.id)

    # --- mail --------------------------------------------------------------------------

    def _mail(self, row: OutboxRow) -> tuple[str, str | None]:
        data = row.data
        if row.sending_at is not None and not self.mailer.resend_is_safe:
            raise MailOutcomeUnknown(
                f"the hand-over of {data['message_id']} started but was not confirmed; "
                "not sent again (check the mail server log, then `decidim-bridge outbox "
                f"retry {row.id}` to send it anyway)"
            )
        mail = OutgoingMail(
            to=tuple(data["to"]),
            to_name=data.get("to_name", ""),
            cc=tuple(data.get("cc", ())),
            subject=data["subject"],
            text=data["text"],
            html=data["html"],
            message_id=data["message_id"],
            sender=data.get("from") or self.settings.mail_from,
            reply_to=data.get("reply_to"),
            locale=data.get("locale", "nl"),
            date=row.created_at,
            headers={"X-Decidim-Bridge-Ref": row.ref},
        )
        message = build_message(mail)

        def handover() -> None:
            # The mark is only ever read when sending again is not safe (SMTP).
            if not self.mailer.resend_is_safe:
                with self.db.begin() as conn:
                    store.mark_sending(conn, row.id, owner=self.owner, now=self.clock())
            self.checkpoint("before_send", row)

        remote = self.mailer.send(message, mail.recipients, handover)
        self.checkpoint("after_send", row)
        self._finish(row, remote[:100], "mail handed over")
        return "done", remote

    # --- failures ----------------------------------------------------------------------

    def _failed(self, row: OutboxRow, exc: BaseException, extra: dict[str, Any]) -> None:
        now = self.clock()
        summary = f"{type(exc).__name__}: {exc}"
        failure = classify_failure(exc, row, RetryPolicy.from_settings(self.settings))
        if failure.unexpected:
            log.exception("unexpected error in the writer", extra=extra)
        if failure.pause_decidim:
            self.decidim_paused_until = max(self.decidim_paused_until, now + failure.pause_decidim)
        with self._transaction() as conn:
            if failure.dead:
                store.mark_dead(conn, row.id, owner=self.owner, now=now, error=summary)
            else:
                store.reschedule(
                    conn,
                    row.id,
                    owner=self.owner,
                    now=now,
                    at=now + failure.delay,
                    error=summary,
                    applied_unknown=failure.applied_unknown,
                    undo_attempt=failure.undo_attempt,
                )
        WRITES.labels(kind=row.kind, outcome=failure.action).inc()
        level = logging.ERROR if failure.dead else logging.WARNING
        log.log(
            level,
            "write %s",
            failure.action,
            extra={**extra, "error": summary[:300], "decision": failure.reason},
        )


def _extra(row: OutboxRow, *, combined: int = 1) -> dict[str, Any]:
    """What the writer's log lines say about a row."""
    extra: dict[str, Any] = {
        "outbox_id": row.id,
        "kind": row.kind,
        "purpose": row.purpose,
        "ref": row.ref,
        "proposal_id": row.proposal_id,
        "attempt": row.attempts,
        "reconcile": row.status == "in_flight",
    }
    if combined > 1:
        extra["combined"] = combined
    return extra


def _evaluator_lists(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    return [str(n) for n in data.get("assign") or ()], [str(n) for n in data.get("unassign") or ()]


def _fields(row: OutboxRow) -> int:
    """How many fields (aliases) a row takes in a combined document."""
    if row.kind != EVALUATORS:
        return 1
    assign, unassign = _evaluator_lists(row.data)
    return max(1, bool(assign) + bool(unassign))


class _Permanent(BridgeError):
    """A write that cannot succeed by trying again (e.g. the proposal is gone)."""


def combinable_kinds(capabilities: Any) -> tuple[str, ...]:
    """The kinds that can be a field of a combined document on a Decidim that offers
    ``capabilities``: an answer only as the module's guarded answer (else it needs a read
    first, so it goes alone)."""
    offered = {
        COMMENT: bool(getattr(capabilities, "can_comment", False)),
        ANSWER: bool(getattr(capabilities, "can_answer_guarded", False)),
        EVALUATORS: bool(getattr(capabilities, "can_assign_evaluators", False)),
        NOTE: bool(getattr(capabilities, "can_write_notes", False)),
    }
    return tuple(kind for kind in COMBINED_ORDER if offered[kind])


def _asks_again(row: OutboxRow, results: list[Any]) -> bool:
    """Whether settling the row makes more requests: Decidim refused one of the
    evaluators assigned together, and each is then assigned alone."""
    return row.kind == EVALUATORS and any(
        isinstance(r, GraphQLError) and _refused_user(r) is not None for r in results
    )


def _refused_user(exc: GraphQLError) -> str | None:
    """Why Decidim refused a user as evaluator (None: the refusal is about something else):
    no evaluator role in the space (``VALIDATION_ERROR``) or no such user (``NOT_FOUND``)."""
    if error_codes.VALIDATION in exc.codes:
        return "no evaluator role in this space"
    if error_codes.NOT_FOUND in exc.codes:
        return "not found in Decidim"
    return None
