"""Write-back against a failing Decidim (the sandbox's faults): never twice, never lost.

The writer and its Decidim client run on a fake clock shared with the sandbox, so budget
windows, backoff and the reconcile delay pass without waiting.
"""

from __future__ import annotations

import socket
from collections import Counter

from writeback_support import ahead_clock, writeback_stack

from decidim_bridge.decidim.budget import window_start
from decidim_bridge.decidim.client import DecidimClient

NOORD, GROEN = 3, 11


def _comment_row(stack, proposal_id: int):
    (row,) = [
        r
        for r in stack.outbox()
        if r.kind == "decidim_comment" and r.proposal_id == str(proposal_id)
    ]
    return row


def test_a_comment_applied_before_a_read_timeout_is_found_not_posted_again(tmp_path):
    clock = ahead_clock()
    with writeback_stack(tmp_path, clock=clock, http_read_timeout=0.5) as stack:
        stack.publish(114)
        stack.plan()
        stack.sandbox.state.faults.stall_after_apply(1, seconds=1.5, only="mutation")
        writer = stack.make_writer()
        writer.drain()

        assert len(stack.bridge_comments(114)) == 1  # Decidim applied it; we saw a timeout
        row = _comment_row(stack, 114)
        assert row.status == "in_flight" and "AmbiguousWrite" in row.last_error
        mark = stack.journal()[-1].seq

        clock.advance(stack.settings.reconcile_delay + 1)
        writer.drain()

        assert len(stack.bridge_comments(114)) == 1
        row = _comment_row(stack, 114)
        assert (row.status, row.outcome) == ("done", "found in Decidim after an unknown outcome")
        assert row.remote_id == str(stack.bridge_comments(114)[0].id)
        later = [e.operation_name for e in stack.journal(since=mark) if e.target != "sign_in"]
        assert "AddComment" not in later and later[0] == "ProposalComments"
        assert {r.status for r in stack.outbox()} == {"done"}


def test_a_500_before_applying_is_written_once_after_reading_back(tmp_path):
    clock = ahead_clock()
    with writeback_stack(tmp_path, clock=clock) as stack:
        stack.publish(114)
        stack.plan()
        stack.sandbox.state.faults.fail_next(1, status=500, only="mutation")
        writer = stack.make_writer()
        writer.drain()
        assert stack.bridge_comments(114) == []
        assert _comment_row(stack, 114).status == "in_flight"  # 500 on a mutation: unknown

        clock.advance(stack.settings.reconcile_delay + 1)
        writer.drain()

        assert len(stack.bridge_comments(114)) == 1
        operations = [e.operation_name for e in stack.journal() if e.target != "sign_in"]
        # The plan version's writes went as one request; after its 500 the comment is
        # looked for alone, then written alone.
        first = operations.index("CombinedWrite")
        assert operations[first:].count("AddComment") == 1
        assert "ProposalComments" in operations[first + 1 : operations.index("AddComment")]
        assert {r.status for r in stack.outbox()} == {"done"}


def test_a_429_storm_ends_with_every_write_done_within_the_budget(tmp_path):
    clock = ahead_clock()
    budget = 5
    with writeback_stack(
        tmp_path,
        clock=clock,
        decidim_requests_per_minute=budget,
        sandbox_options={"rate_limit": 4},  # below the bridge's budget: real 429s too
    ) as stack:
        state = stack.sandbox.state
        created = [
            state.create_proposal(
                component_id=11,
                title={"nl": title},
                body={"nl": "Wij willen dit samen met de buren doen. " + title},
                taxonomy_ids=[NOORD, GROEN],
            ).id
            for title in (
                "Moestuin op het grasveld aan de Kievitlaan",
                "Bloembakken in de Merelhof",
                "Opschoondag in de Vogelwijk",
                "Boomspiegels vergroenen in De Horst",
            )
        ]
        stack.plan()
        clock.now = (window_start(clock.now) + 60) * 1.0  # writes start in a fresh window
        mark = stack.journal()[-1].seq
        state.faults.throttle_next(3, only="mutation")

        writer = stack.make_writer()
        for _ in range(40):
            writer.drain()
            if all(r.status == "done" for r in stack.outbox()):
                break
            clock.advance(15)

        assert {r.status for r in stack.outbox()} == {"done"}
        for proposal_id in created:
            assert len(stack.bridge_comments(proposal_id)) == 1
            assert state.proposal(proposal_id).internal_state == "evaluating"
        entries = stack.journal(since=mark)
        assert sum(1 for e in entries if e.status == 429) >= 3
        per_window = Counter(window_start(e.at) for e in entries)
        assert max(per_window.values()) <= budget  # the bridge's own budget held
        assert len(per_window) >= 4  # 12+ requests at most 5 a minute: several windows
        for window in per_window:  # after a 429 nothing more in that window
            in_window = [e for e in entries if window_start(e.at) == window]
            refused = [i for i, e in enumerate(in_window) if e.status == 429]
            if refused:
                assert len(in_window) == refused[0] + 1


def _dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_decidim_down_for_a_while_makes_writes_wait_then_all_are_done(tmp_path):
    clock = ahead_clock()
    with writeback_stack(tmp_path, clock=clock) as stack:
        stack.publish(114)
        stack.plan()
        writer = stack.make_writer()
        healthy = writer.decidim
        # First nobody answers at all (connection refused), then Decidim answers 503.
        from dataclasses import replace

        unreachable = replace(stack.settings, decidim_url=f"http://127.0.0.1:{_dead_port()}")
        writer.decidim = DecidimClient.from_settings(
            unreachable, stack.db, clock=clock, sleep=clock.advance
        ).limited(wait=False)
        for _ in range(6):
            writer.drain()
            clock.advance(120)
        writer.decidim = healthy
        stack.sandbox.state.faults.set_down(True)
        for _ in range(6):
            writer.drain()
            clock.advance(120)

        rows = stack.outbox()
        assert not [r for r in rows if r.status == "dead"]
        assert stack.bridge_comments(114) == []
        assert {r.status for r in rows if r.kind == "mail"} == {"done"}  # mail went on
        assert {r.status for r in rows if r.kind != "mail"} <= {"planned", "in_flight"}
        assert max(r.attempts for r in rows if r.kind != "mail") >= 2

        stack.sandbox.state.faults.set_down(False)
        for _ in range(10):
            clock.advance(600)
            writer.drain()
            if all(r.status == "done" for r in stack.outbox()):
                break

        assert {r.status for r in stack.outbox()} == {"done"}
        assert len(stack.bridge_comments(114)) == 1
        assert stack.sandbox.state.proposal(114).internal_state == "evaluating"
