"""Chaos: a failing, throttling Decidim and a writer killed twice; the outbox converges.

Not only "no duplicate": within ``CONVERGE_SECONDS`` after the last fault every outbox row
is done, each proposal has exactly one comment and one answer of the bridge, and nothing is
dead. The sandbox applies two comments and then answers 500, applies an answer and then
answers 500, stalls one applied write past the writer's read timeout, and answers a storm
of fifteen 429s ("Retry later", no Retry-After, as Rack::Attack does); the writer — a real
``decidim-bridge writer`` process — is killed with SIGKILL twice, once while a write it sent
is stalled (applied, not yet answered). Decidim's throttle window is one second here
(``DECIDIM_RATE_WINDOW``), so the test sees many windows in a few seconds; the defaults are
one minute, as in Decidim.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections import Counter

import pytest
from writeback_support import (
    Stack,
    start_writer,
    wait_for,
    writeback_stack,
    writer_environment,
)

from decidim_bridge.config import Settings

PROPOSALS = (110, 111, 112, 114)
#: Fifteen 429s, each answered at most once per one-second window.
STORM_SECONDS = 20.0
#: Longest time from the last fault (the last 429 answered, the last kill) until every
#: outbox row is done.
CONVERGE_SECONDS = 10.0
#: Long enough that waiting for a dead writer's lease to lapse would miss the bound: the
#: writer must notice that the process holding it is gone.
LEASE_SECONDS = 30


def _environment(settings: Settings) -> dict[str, str]:
    """A writer on Decidim's rate limit in one-second windows, with a lease long enough that
    only noticing the dead writer meets the bound."""
    return writer_environment(
        settings,
        DECIDIM_RATE_WINDOW=1,
        DECIDIM_REQUESTS_PER_MINUTE=50,
        WORKER_LEASE_SECONDS=LEASE_SECONDS,
        WORKER_BACKOFF_BASE=0.2,
        WORKER_BACKOFF_MAX=2,
        RECONCILE_DELAY=0.5,
        HTTP_CONNECT_TIMEOUT=1,
        HTTP_READ_TIMEOUT=1.5,
    )


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


class Planner:
    """The worker in a thread: the bridge's own comments come back as webhooks."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.2):
            self.stack.plan()

    def __enter__(self) -> Planner:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(10)


def _applied_answers(stack: Stack) -> Counter[str]:
    """Answers Decidim applied (also those answered with a fault), per proposal: alone
    (``AnswerProposal``, ``AnswerProposalGuarded``) or as a field of a ``CombinedWrite``."""
    applied: Counter[str] = Counter()
    for entry in stack.journal(target="mutation"):
        name = entry.operation_name or ""
        if not (entry.status == 200 and entry.outcome == "ok") and not (entry.fault or "").endswith(
            ":after_apply"
        ):
            continue
        variables = entry.variables or {}
        if name.startswith("AnswerProposal"):
            applied[str(variables.get("proposalId") or variables.get("id"))] += 1
        elif name == "CombinedWrite":
            for key in variables:
                if key.endswith("_unlessStates"):  # the guarded answer's field
                    applied[str(variables[key.removesuffix("_unlessStates") + "_id"])] += 1
    return applied


@pytest.mark.slow
def test_the_outbox_converges_after_faults_a_429_storm_and_two_writer_kills(tmp_path):
    with writeback_stack(
        tmp_path,
        sandbox_options={"staged": True, "rate_period": 1.0, "rate_limit": 1000},
        decidim_rate_window=1,
    ) as stack:
        for proposal_id in PROPOSALS:
            stack.publish(proposal_id)
        stack.plan()
        planned = stack.outbox()
        assert {r.proposal_id for r in planned if r.kind == "decidim_comment"} == {
            str(p) for p in PROPOSALS
        }
        faults = stack.sandbox.state.faults
        faults.stall_after_apply(1, seconds=3, only="mutation", field="addComment")
        faults.fail_after_apply(2, status=500, only="mutation", field="addComment")
        faults.fail_after_apply(1, status=500, only="mutation", field="answer")
        env = _environment(stack.settings)
        log = tmp_path / "writer.log"

        with Planner(stack):
            writer = start_writer(env, log)
            try:
                # Kill 1: Decidim applied the first comment and stalls its answer.
                applied = stack.sandbox.state.comments_by_api_users
                wait_for(lambda: len(applied()) >= 1, 20, "a comment", log)
                _kill(writer)
                writer = start_writer(env, log)
                faults.throttle_next(15, only="any")
                # Kill 2: in the middle of the 429 storm.
                time.sleep(2.0)
                _kill(writer)
                writer = start_writer(env, log)
                last_kill = time.time()

                def converged() -> bool:
                    rows = stack.outbox()
                    return bool(rows) and {r.status for r in rows} == {"done"}

                wait_for(converged, STORM_SECONDS + CONVERGE_SECONDS, "every row done", log)
                converged_at = time.time()
            finally:
                writer.send_signal(signal.SIGTERM)
                writer.wait(10)
        assert not faults.pending(), "every fault was used"
        storm = [e.at for e in stack.journal() if e.status == 429]
        assert len(storm) == 15
        took = converged_at - max(last_kill, *storm)
        rows = stack.outbox()
        print(f"{len(rows)} outbox rows converged {took:.1f} s after the last fault")
        assert took < CONVERGE_SECONDS
        assert [r for r in rows if r.status == "dead"] == []
        versions = Counter(
            (r.proposal_id, r.plan_version) for r in rows if r.kind == "decidim_comment"
        )
        assert all(n == 1 for n in versions.values())
        for proposal_id in PROPOSALS:
            comments = stack.bridge_comments(proposal_id)
            assert len(comments) == 1, (proposal_id, [c.body for c in comments])
        answers = _applied_answers(stack)
        assert answers == Counter({str(p): 1 for p in PROPOSALS}), answers
