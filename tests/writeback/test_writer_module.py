"""The writer's evaluator and note writes, and a plan version's Decidim writes in one
request (``CombinedWrite``), against Decidim's HTTP API (``responses``).

The real client and transport run against recorded answers (``tests/data/decidim``), so an
HTTP 500 on a mutation is the transport's ``AmbiguousWrite`` and a refusal is Decidim's
``VALIDATION_ERROR``, as in production. Every request must be registered: a write the
writer should not make fails the test.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import responses
from click.testing import CliRunner
from writeback.samples import garden

from decidim_bridge.cli import cli
from decidim_bridge.cli import writeback as writeback_commands
from decidim_bridge.decidim.breaker import CircuitBreaker
from decidim_bridge.decidim.client import DecidimClient
from decidim_bridge.errors import LeaseLost, StoreUnavailable
from decidim_bridge.mail import FileBackend
from decidim_bridge.rules.model import Mappings
from decidim_bridge.store import outbox as store
from decidim_bridge.store import writer_turns
from decidim_bridge.writeback.effects import (
    ANSWER,
    COMMENT,
    DECIDIM_LANES,
    EVALUATORS,
    MAIL_LANES,
    NOTE,
    Options,
)
from decidim_bridge.writeback.hook import WriteBack
from decidim_bridge.writeback.ledger import record_writes
from decidim_bridge.writeback.writer import DECIDIM, MAIL_ONLY, Writer

if "outbox" not in cli.commands:
    writeback_commands.register(cli)

DATA = Path(__file__).resolve().parent.parent / "data" / "decidim"
BASE_URL = "http://decidim.test:3000"
API = f"{BASE_URL}/api"


def recorded(name: str) -> Any:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def _operation(name: str, variables: dict[str, Any] | None = None) -> Any:
    def match(request: Any) -> tuple[bool, str]:
        body = json.loads(request.body or b"{}")
        if body.get("operationName") != name:
            return False, f"operationName {body.get('operationName')!r} != {name!r}"
        if variables is not None and body.get("variables") != variables:
            return False, f"variables {body.get('variables')!r} != {variables!r}"
        return True, ""

    return match


class Decidim:
    """Recorded answers, registered in the order the writer will ask."""

    def __init__(
        self,
        mock: responses.RequestsMock,
        clock: Any,
        capabilities: str = "capabilities_module-200",
    ) -> None:
        self.mock = mock
        token = jwt.encode(
            {"sub": "7", "scp": "api_user", "exp": int(clock() + 7200), "jti": "t"},
            "test-signing-secret-of-32-bytes!",
            algorithm="HS256",
        )
        body = {**recorded("sign_in-200"), "jwt_token": token}
        mock.add(
            responses.POST,
            f"{BASE_URL}/api/sign_in",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        self.answer("DecidimVersion", "decidim_version-200")
        self.answer("Capabilities", capabilities)

    def answer(self, name: str, recording: str | dict[str, Any], **variables: Any) -> None:
        body = recorded(recording) if isinstance(recording, str) else recording
        self.mock.add(responses.POST, API, json=body, match=[_operation(name, variables or None)])

    def status(self, name: str, status: int) -> None:
        self.mock.add(responses.POST, API, body="", status=status, match=[_operation(name)])

    def sent(self, name: str) -> list[dict[str, Any]]:
        bodies = [json.loads(c.request.body) for c in self.mock.calls if c.request.url == API]
        return [b["variables"] for b in bodies if b.get("operationName") == name]


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def http_settings(settings):
    return dataclasses.replace(
        settings,
        decidim_url=BASE_URL,
        tenant="localhost",
        decidim_api_key="lindeburg-bridge-key-0123456789ab",
        decidim_api_secret="s3cret-of-the-api-user",
    )


@pytest.fixture
def decidim(mock, clock) -> Decidim:
    return Decidim(mock, clock)


@pytest.fixture
def http_writer(db, http_settings, clock) -> Writer:
    client = DecidimClient.from_settings(
        http_settings,
        db,
        clock=clock,
        sleep=clock.advance,
        breaker=CircuitBreaker("decidim.test:3000", clock=clock),
    )
    return Writer(
        db,
        http_settings,
        decidim=client.limited(wait=False),
        mailer=FileBackend(http_settings.mail_dir),  # type: ignore[arg-type]
        owner="test-writer",
        clock=clock,
    )


def _nicknamed(mappings: Mappings, lead: str, co: str) -> Mappings:
    names = {"a-devries": lead, "b-jansen": co}
    team = mappings.advisors
    advisors = tuple(dataclasses.replace(a, nickname=names.get(a.id)) for a in team.advisors)
    return dataclasses.replace(mappings, advisors=dataclasses.replace(team, advisors=advisors))


def _record(
    db, mappings, templates, clock, *, comment=False, evaluators=False, notes=False
) -> None:
    """The garden's first version with the module's writes asked for (and the mails);
    with ``comment`` also the comment and the answer."""
    options = Options(
        decidim_url=BASE_URL,
        can_comment=comment,
        can_answer=comment,
        can_assign_evaluators=evaluators,
        can_write_notes=notes,
    )
    sample = garden()
    with db.begin() as conn:
        record_writes(
            conn,
            sample.plan,
            sample.subject,
            mappings,
            previous=None,
            options=options,
            templates=templates,
            now=clock(),
        )


def _row(db, kind):
    with db.read() as conn:
        (row,) = [r for r in store.list_rows(conn, limit=100) if r.kind == kind]
    return row


def _settle(writer, clock, settings, rounds=3):
    for _ in range(rounds):
        writer.drain()
        clock.advance(settings.reconcile_delay + 1)


# --- notes ----------------------------------------------------------------------------------


def test_a_note_written_before_a_500_is_read_back_and_not_written_again(
    db, sample_mappings, templates, clock, decidim, http_writer, http_settings
):
    _record(db, sample_mappings, templates, clock, notes=True)
    note = _row(db, NOTE)
    decidim.status("CreateProposalNote", 500)  # Decidim wrote it; the answer was lost
    admin = recorded("proposal_admin-200")
    written = {
        "id": "304",
        "body": note.data["body"],
        "createdAt": "2026-11-30T09:02:14+01:00",
        "author": {"id": "2", "nickname": "lindeburg_bridge", "name": "Initiatievenbrug"},
    }
    admin["data"]["proposalAdmin"]["notes"].append(written)
    decidim.answer("ProposalAdmin", admin, id="101")

    _settle(http_writer, clock, http_settings)

    row = _row(db, NOTE)
    assert (row.status, row.remote_id) == ("done", "304")
    assert row.outcome == "found in Decidim after an unknown outcome"
    assert len(decidim.sent("CreateProposalNote")) == 1  # written once, never again


def test_a_persons_note_quoting_the_code_is_not_taken_for_the_bridges(
    db, sample_mappings, templates, clock, decidim, http_writer, http_settings
):
    _record(db, sample_mappings, templates, clock, notes=True)
    note = _row(db, NOTE)
    decidim.status("CreateProposalNote", 500)  # this time Decidim did not write it
    admin = recorded("proposal_admin-200")
    admin["data"]["proposalAdmin"]["notes"].append(
        {
            "id": "305",
            "body": f"Zie Ref. {note.ref}, ik bel ze morgen.",
            "createdAt": "2026-11-30T10:00:00+01:00",
            "author": {"id": "21", "nickname": "anouk_devries", "name": "Anouk de Vries"},
        }
    )
    decidim.answer("ProposalAdmin", admin, id="101")
    decidim.answer("CreateProposalNote", "create_proposal_note-200")

    _settle(http_writer, clock, http_settings)

    row = _row(db, NOTE)
    assert (row.status, row.outcome, row.remote_id) == ("done", "note written", "303")
    sent = decidim.sent("CreateProposalNote")
    assert len(sent) == 2 and sent[0] == sent[1] == {"id": "101", "body": note.data["body"]}


# --- evaluators -----------------------------------------------------------------------------


def test_assignments_applied_before_a_500_are_read_back_and_finished(
    db, sample_mappings, templates, clock, decidim, http_writer, http_settings
):
    rules = _nicknamed(sample_mappings, "anouk_devries", "sanne_visser")
    _record(db, rules, templates, clock, evaluators=True)
    assert _row(db, EVALUATORS).data == {
        "assign": ["anouk_devries", "sanne_visser"],
        "unassign": [],
    }
    decidim.status("AssignEvaluators", 500)
    decidim.answer("ProposalAdmin", "proposal_admin_evaluators-200", id="101")

    _settle(http_writer, clock, http_settings)

    row = _row(db, EVALUATORS)
    assert (row.status, row.outcome) == ("done", "evaluators already as asked in Decidim")
    assert len(decidim.sent("AssignEvaluators")) == 1


def test_a_user_without_the_evaluator_role_does_not_cost_the_others_their_assignment(
    db, sample_mappings, templates, clock, decidim, http_writer, http_settings, instance_dir
):
    rules = _nicknamed(sample_mappings, "anouk_devries", "tom_smit")
    _record(db, rules, templates, clock, evaluators=True)
    both = {"id": "101", "nicknames": ["anouk_devries", "tom_smit"]}
    decidim.answer("AssignEvaluators", "assign_evaluators_refused-200", **both)
    decidim.answer(
        "AssignEvaluators", "assign_evaluators-200", id="101", nicknames=["anouk_devries"]
    )
    decidim.answer(
        "AssignEvaluators", "assign_evaluators_refused-200", id="101", nicknames=["tom_smit"]
    )

    _settle(http_writer, clock, http_settings)

    row = _row(db, EVALUATORS)
    assert row.status == "done"
    assert row.outcome == (
        "evaluators assigned @anouk_devries; refused @tom_smit (no evaluator role in this space)"
    )
    listed = CliRunner().invoke(
        cli, ["outbox"], env={"DECIDIM_BRIDGE_INSTANCE_DIR": str(instance_dir)}
    )
    assert "refused @tom_smit (no evaluator role in this space)" in listed.output


def test_when_nobody_can_be_assigned_the_row_is_dead_naming_them(
    db, sample_mappings, templates, clock, decidim, http_writer, http_settings
):
    rules = _nicknamed(sample_mappings, "tom_smit", "oud_account")
    _record(db, rules, templates, clock, evaluators=True)
    decidim.answer("AssignEvaluators", "assign_evaluators_refused-200")
    decidim.answer(
        "AssignEvaluators", "assign_evaluators_refused-200", nicknames=["tom_smit"], id="101"
    )
    decidim.answer(
        "AssignEvaluators", "assign_evaluators_not_found-200", nicknames=["oud_account"], id="101"
    )

    _settle(http_writer, clock, http_settings)

    row = _row(db, EVALUATORS)
    assert row.status == "dead"
    assert "@tom_smit (no evaluator role in this space)" in row.last_error
    assert "@oud_account (not found in Decidim)" in row.last_error


def test_unassigning_the_previous_lead_after_assigning_the_new_one(
    db, sample_mappings, templates, clock, decidim, http_writer, http_settings
):
    rules = _nicknamed(sample_mappings, "anouk_devries", "sanne_visser")
    options = Options(decidim_url=BASE_URL, can_comment=False, can_assign_evaluators=True)
    old = garden(1)
    co = old.plan.assignment.co_advisors[0]
    new = garden(2)
    swapped = dataclasses.replace(
        new.plan.assignment,
        lead=dataclasses.replace(co, role="lead"),
        co_advisors=(),
    )
    new = new._replace(plan=dataclasses.replace(new.plan, assignment=swapped))
    with db.begin() as conn:
        for sample, previous in ((old, None), (new, old)):
            record_writes(
                conn,
                sample.plan,
                sample.subject,
                rules,
                previous=previous.plan if previous else None,
                options=options,
                templates=templates,
                now=clock(),
            )
    with db.read() as conn:
        rows = [r for r in store.list_rows(conn, limit=100) if r.kind == EVALUATORS]
    assert [r.data for r in reversed(rows)] == [
        {"assign": ["anouk_devries", "sanne_visser"], "unassign": []},
        {"assign": ["sanne_visser"], "unassign": ["anouk_devries"]},
    ]
    decidim.answer(
        "AssignEvaluators",
        "assign_evaluators-200",
        id="101",
        nicknames=["anouk_devries", "sanne_visser"],
    )
    decidim.answer(
        "AssignEvaluators", "assign_evaluators-200", id="101", nicknames=["sanne_visser"]
    )
    decidim.answer(
        "UnassignEvaluators", "unassign_evaluators-200", id="101", nicknames=["anouk_devries"]
    )

    _settle(http_writer, clock, http_settings)

    with db.read() as conn:
        done = [r for r in store.list_rows(conn, limit=100) if r.kind == EVALUATORS]
    assert [r.outcome for r in reversed(done)] == [
        "evaluators assigned @anouk_devries, @sanne_visser",
        "evaluators assigned @sanne_visser; unassigned @anouk_devries",
    ]


# --- the reply to a note with commands ------------------------------------------------------


def test_a_reply_is_recorded_once_per_note_and_only_with_the_module(
    db, sample_mappings, templates, clock
):
    def writeback(notes: bool) -> WriteBack:
        options = Options(decidim_url=BASE_URL, can_write_notes=notes)
        return WriteBack(mappings=sample_mappings, options=options, templates=templates)

    body = "[decidim-bridge] Verwerkt:\n- partytent bevestigd"
    args = dict(tenant="localhost", proposal_id="101", component_id="11", body=body, now=clock())
    with db.begin() as conn:
        first = writeback(True).record_reply(conn, note_id="302", **args)
        again = writeback(True).record_reply(conn, note_id="302", **args)
        other = writeback(True).record_reply(conn, note_id="306", **args)
        none = writeback(False).record_reply(conn, note_id="307", **args)
    assert len(first) == 1 and again == [] and len(other) == 1 and none == []
    with db.read() as conn:
        rows = {r.id: r for r in store.list_rows(conn, limit=10)}
    reply = rows[first[0]]
    assert (reply.kind, reply.purpose, reply.lane, reply.public) == (
        NOTE,
        "reply",
        "decidim:101",
        False,
    )
    assert reply.plan_version is None and reply.status == "planned"
    assert reply.data["body"] == f"{body}\n\nRef. {reply.ref}"
    assert reply.data["reply_to"] == "302"
    assert rows[other[0]].effect_key != reply.effect_key


# --- one request for a plan version's writes (the module's guarded answer) ------------------

KINDS = (COMMENT, ANSWER, EVALUATORS, NOTE)


def _first_plan(db, mappings, templates, clock) -> None:
    """The garden's first version with every write the module allows."""
    _record(db, mappings, templates, clock, comment=True, evaluators=True, notes=True)


def _rows(db) -> dict[str, store.OutboxRow]:
    with db.read() as conn:
        rows = [r for r in store.list_rows(conn, limit=100) if r.kind in KINDS]
    return {r.kind: r for r in rows}


def _requests(mock) -> list[str]:
    return [json.loads(c.request.body)["operationName"] for c in mock.calls if c.request.url == API]


@pytest.fixture
def guarded(mock, clock) -> Decidim:
    """A Decidim whose module offers the guarded answer."""
    return Decidim(mock, clock, capabilities="capabilities_module_guarded-200")


@pytest.fixture
def rules(sample_mappings):
    return _nicknamed(sample_mappings, "anouk_devries", "sanne_visser")


def test_a_first_plan_is_one_write_request_and_no_read(
    db, rules, templates, clock, guarded, http_writer, mock
):
    _first_plan(db, rules, templates, clock)
    assert [r.kind for r in sorted(_rows(db).values(), key=lambda r: r.id)] == list(KINDS)
    guarded.answer("CombinedWrite", "combined_write-200")

    http_writer.drain()

    rows = _rows(db)
    assert {k: (r.status, r.outcome) for k, r in rows.items()} == {
        COMMENT: ("done", "comment added"),
        ANSWER: ("done", "answer set"),
        EVALUATORS: ("done", "evaluators assigned @anouk_devries, @sanne_visser"),
        NOTE: ("done", "note written"),
    }
    assert (rows[COMMENT].remote_id, rows[NOTE].remote_id) == ("903", "303")
    assert _requests(mock) == ["DecidimVersion", "Capabilities", "CombinedWrite"]
    (sent,) = guarded.sent("CombinedWrite")
    assert sent["w0_body"] == rows[COMMENT].data["body"]
    assert sent["w1_state"] == "evaluating"
    assert sent["w1_unlessStates"] == ["accepted", "rejected", "withdrawn"]
    assert sent["w2_nicknames"] == ["anouk_devries", "sanne_visser"]
    assert sent["w3_body"] == rows[NOTE].data["body"]


def test_an_error_on_one_field_fails_only_its_row(
    db, rules, templates, clock, guarded, http_writer
):
    _first_plan(db, rules, templates, clock)
    guarded.answer("CombinedWrite", "combined_write_note_refused-200")

    http_writer.drain()

    rows = _rows(db)
    assert [rows[k].status for k in (COMMENT, ANSWER, EVALUATORS)] == ["done"] * 3
    assert rows[NOTE].status == "dead"
    assert "participant accounts only" in rows[NOTE].last_error


def _transactions_after(db, mock, operation: str, monkeypatch) -> list[int]:
    """Counts write transactions begun after ``operation`` was sent (filled while the
    writer runs)."""
    begun: list[int] = []
    begin = db.begin

    def counting_begin():
        if operation in _requests(mock):
            begun.append(1)
        return begin()

    monkeypatch.setattr(db, "begin", counting_begin)
    return begun


def test_a_combined_writes_rows_are_settled_in_one_transaction(
    db, rules, templates, clock, guarded, http_writer, mock, monkeypatch
):
    """On SQLite every transaction waits for its turn behind the worker's: four rows
    settled one by one took four."""
    _first_plan(db, rules, templates, clock)
    guarded.answer("CombinedWrite", "combined_write_note_refused-200")
    begun = _transactions_after(db, mock, "CombinedWrite", monkeypatch)

    assert http_writer.run_once()

    rows = _rows(db)
    assert [rows[k].status for k in KINDS] == ["done", "done", "done", "dead"]
    assert len(begun) == 1


def test_once_decidims_offer_is_known_the_following_rows_are_claimed_with_the_first(
    db, rules, templates, clock, guarded, http_writer, mock, monkeypatch
):
    """One write turn less per request: the rows that follow are claimed in the claim's
    own transaction (the first request still learns what Decidim offers first)."""
    _first_plan(db, rules, templates, clock)
    http_writer.decidim.capabilities()
    guarded.answer("CombinedWrite", "combined_write-200")
    claimed_in: dict[str, Any] = {}
    claim, claim_following = store.claim, store.claim_following

    def record(name, real):
        def wrapped(conn, *args, **kwargs):
            claimed_in[name] = conn
            return real(conn, *args, **kwargs)

        return wrapped

    monkeypatch.setattr(store, "claim", record("first", claim))
    monkeypatch.setattr(store, "claim_following", record("following", claim_following))

    assert http_writer.run_once()

    assert claimed_in["following"] is claimed_in["first"]
    assert {k: r.status for k, r in _rows(db).items()} == dict.fromkeys(KINDS, "done")
    assert _requests(mock) == ["DecidimVersion", "Capabilities", "CombinedWrite"]


def test_decidims_writes_take_their_database_turns_first_and_mails_do_not(
    db, rules, templates, clock, guarded, http_writer, mock, monkeypatch
):
    _first_plan(db, rules, templates, clock)
    guarded.answer("CombinedWrite", "combined_write-200")
    first: dict[str, bool] = {}
    claim = store.claim

    def looking(conn, *args, **kwargs):
        first[kwargs.get("lane_prefix") or "every"] = writer_turns.in_line_first()
        return claim(conn, *args, **kwargs)

    monkeypatch.setattr(store, "claim", looking)
    settings, decidim, mailer = http_writer.settings, http_writer.decidim, http_writer.mailer
    for lanes in (DECIDIM, MAIL_ONLY):
        Writer(db, settings, decidim=decidim, mailer=mailer, lanes=lanes).run_once()

    assert first == {DECIDIM_LANES: True, MAIL_LANES: False}
    assert not writer_turns.in_line_first()  # only while the step runs


def test_when_the_groups_outcomes_cannot_be_stored_every_row_stays_in_flight(
    db, rules, templates, clock, guarded, http_writer, mock, monkeypatch
):
    """Nothing of the group is stored half: the rows are read back before anything is
    written again, as after a crash."""
    _first_plan(db, rules, templates, clock)
    guarded.answer("CombinedWrite", "combined_write-200")
    mark_done = store.mark_done
    calls = []

    def fails_at_the_second(conn, row_id, **kwargs):
        calls.append(row_id)
        if len(calls) == 2:
            raise StoreUnavailable("database is locked")
        return mark_done(conn, row_id, **kwargs)

    monkeypatch.setattr(store, "mark_done", fails_at_the_second)

    with pytest.raises(StoreUnavailable):
        http_writer.run_once()

    assert len(calls) == 2
    assert {k: r.status for k, r in _rows(db).items()} == dict.fromkeys(KINDS, "in_flight")
    assert _requests(mock).count("CombinedWrite") == 1


def test_a_refused_evaluator_in_a_combined_write_falls_back_to_one_by_one(
    db, sample_mappings, templates, clock, guarded, http_writer
):
    _first_plan(db, _nicknamed(sample_mappings, "anouk_devries", "tom_smit"), templates, clock)
    guarded.answer("CombinedWrite", "combined_write_evaluator_refused-200")
    guarded.answer(
        "AssignEvaluators", "assign_evaluators-200", id="101", nicknames=["anouk_devries"]
    )
    guarded.answer(
        "AssignEvaluators", "assign_evaluators_refused-200", id="101", nicknames=["tom_smit"]
    )

    http_writer.drain()

    rows = _rows(db)
    assert rows[EVALUATORS].outcome == (
        "evaluators assigned @anouk_devries; refused @tom_smit (no evaluator role in this space)"
    )
    assert [rows[k].status for k in KINDS] == ["done"] * 4


def test_an_ambiguous_combined_write_leaves_every_row_unknown(
    db, rules, templates, clock, guarded, http_writer, mock
):
    _first_plan(db, rules, templates, clock)
    guarded.status("CombinedWrite", 500)

    http_writer.drain()

    rows = _rows(db)
    assert {k: r.status for k, r in rows.items()} == dict.fromkeys(KINDS, "in_flight")
    assert all("may have applied" in r.last_error for r in rows.values())
    assert _requests(mock).count("CombinedWrite") == 1


def test_a_429_delays_every_row_of_the_combined_write_without_an_unknown_outcome(
    db, rules, templates, clock, guarded, http_writer
):
    _first_plan(db, rules, templates, clock)
    guarded.status("CombinedWrite", 429)

    http_writer.drain()

    rows = _rows(db)
    assert {(r.status, r.attempts) for r in rows.values()} == {("planned", 0)}
    assert all(r.next_attempt_at > clock() for r in rows.values())


def test_without_the_guarded_answer_the_answer_is_read_first_and_goes_alone(
    db, rules, templates, clock, decidim, http_writer, mock
):
    _first_plan(db, rules, templates, clock)
    decidim.answer("AddComment", "add_comment-200")
    decidim.answer("ProposalById", "proposal-200")
    decidim.answer("AnswerProposal", "answer_proposal-200")
    decidim.answer("CombinedWrite", "combined_write_evaluators_note-200")

    http_writer.drain()

    rows = _rows(db)
    assert [rows[k].status for k in KINDS] == ["done"] * 4
    assert _requests(mock)[2:] == ["AddComment", "ProposalById", "AnswerProposal", "CombinedWrite"]
    (sent,) = decidim.sent("CombinedWrite")
    assert sorted(sent) == ["w0_id", "w0_nicknames", "w1_body", "w1_id"]


def test_rows_of_another_plan_version_are_not_combined(db, rules, templates, clock):
    _first_plan(db, rules, templates, clock)
    with db.begin() as conn:
        (first,) = store.claim(conn, owner="w", now=clock(), lease_seconds=30)
        older = dataclasses.replace(first, plan_version=(first.plan_version or 0) + 1)
        assert (
            store.claim_following(
                conn,
                older,
                owner="w",
                now=clock(),
                lease_seconds=30,
                kinds=KINDS,
                slots=lambda r: 1,
                max_slots=5,
            )
            == []
        )
        taken = store.claim_following(
            conn,
            first,
            owner="w",
            now=clock(),
            lease_seconds=30,
            kinds=KINDS,
            slots=lambda r: 1,
            max_slots=3,
        )
    assert [r.kind for r in taken] == [ANSWER, EVALUATORS]
    assert all(r.status == "planned" and r.attempts == 1 for r in taken)


def test_without_write_economy_each_write_is_its_own_request_and_the_answer_read_first(
    db, rules, templates, clock, guarded, http_writer, mock
):
    http_writer.settings = dataclasses.replace(http_writer.settings, write_economy=False)
    _first_plan(db, rules, templates, clock)
    guarded.answer("AddComment", "add_comment-200")
    guarded.answer("ProposalById", "proposal-200")
    guarded.answer("AnswerProposal", "answer_proposal-200")
    guarded.answer("AssignEvaluators", "assign_evaluators-200")
    guarded.answer("CreateProposalNote", "create_proposal_note-200")

    http_writer.drain()

    rows = _rows(db)
    assert [rows[k].status for k in KINDS] == ["done"] * 4
    assert _requests(mock)[2:] == [
        "AddComment",
        "ProposalById",
        "AnswerProposal",
        "AssignEvaluators",
        "CreateProposalNote",
    ]


def test_a_settled_row_does_not_end_the_lease_renewal_of_the_rest_of_its_group(
    db, rules, templates, clock, http_writer
):
    _first_plan(db, rules, templates, clock)
    owner = http_writer.owner
    with db.begin() as conn:
        (first,) = store.claim(conn, owner=owner, now=clock(), lease_seconds=30)
        rest = store.claim_following(
            conn,
            first,
            owner=owner,
            now=clock(),
            lease_seconds=30,
            kinds=KINDS,
            slots=lambda r: 1,
            max_slots=5,
        )
        store.mark_done(conn, first.id, owner=owner, now=clock(), outcome="comment added")
    group = [first.id, *(r.id for r in rest)]
    assert len(group) == 4
    clock.advance(20)

    http_writer._renew_leases(group)

    with db.read() as conn:
        leased = {r.id: r.lease_until for r in store.list_rows(conn, limit=100) if r.id in group}
    assert all(leased[r.id] == clock() + http_writer.lease_seconds for r in rest)
    with db.begin() as conn:
        for row in rest:
            store.mark_done(conn, row.id, owner=owner, now=clock(), outcome="done")
    with pytest.raises(LeaseLost):
        http_writer._renew_leases(group)
