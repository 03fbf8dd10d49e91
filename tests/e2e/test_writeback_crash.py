"""The writer process killed (SIGKILL) after Decidim applied a comment, before it recorded
the result: the restarted writer reads Decidim first and the comment stays single.

The sandbox applies the comment and then stalls its answer (a fault), so the kill lands
exactly between sending and recording; the writer is a real ``decidim-bridge writer``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from conftest import REPO
from writeback_support import writeback_stack

from decidim_bridge.config import Settings


def _environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECIDIM_BRIDGE_")}
    values = {
        "INSTANCE_DIR": settings.instance_dir,
        "DATABASE_URL": settings.database_url,
        "MAPPINGS_DIR": settings.mappings_dir,
        "MAIL_DIR": settings.mail_dir,
        "TENANT": settings.tenant,
        "DECIDIM_URL": settings.decidim_url,
        "DECIDIM_API_KEY": settings.decidim_api_key,
        "DECIDIM_API_SECRET": settings.decidim_api_secret,
        "WORKER_LEASE_SECONDS": 1,
        "WORKER_POLL_INTERVAL": 0.1,
        "RECONCILE_DELAY": 0.2,
        "HTTP_READ_TIMEOUT": 20,  # longer than the stall: the writer is still waiting
        "LOG_FORMAT": "text",
    }
    env.update({f"DECIDIM_BRIDGE_{k}": str(v) for k, v in values.items()})
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def _start_writer(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:
        return subprocess.Popen(
            [sys.executable, "-c", "from decidim_bridge.cli import main; main()", "writer"],
            cwd=REPO,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def _wait_for(condition: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}\n{log.read_text(errors='replace')}")


def test_a_writer_killed_between_sending_and_recording_leaves_one_comment(tmp_path):
    with writeback_stack(tmp_path) as stack:
        stack.publish(114)
        stack.plan()
        stack.sandbox.state.faults.stall_after_apply(1, seconds=4, only="mutation")
        env = _environment(stack.settings)
        log = tmp_path / "writer.log"

        first = _start_writer(env, log)
        try:
            _wait_for(lambda: len(stack.bridge_comments(114)) == 1, 20, "the comment", log)
            os.kill(first.pid, signal.SIGKILL)  # Decidim has it; the writer never heard back
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        comment = next(r for r in stack.outbox() if r.kind == "decidim_comment")
        assert comment.status == "in_flight" and comment.remote_id is None

        second = _start_writer(env, log)
        try:
            _wait_for(lambda: {r.status for r in stack.outbox()} == {"done"}, 20, "all writes", log)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(10) == 0

        assert len(stack.bridge_comments(114)) == 1
        comment = next(r for r in stack.outbox() if r.kind == "decidim_comment")
        assert comment.outcome == "found in Decidim after an unknown outcome"
        assert comment.remote_id == str(stack.bridge_comments(114)[0].id)
        assert len(stack.sandbox.state.comments_by_api_users()) == 1
        # (The stalled AddComment is journaled only when its stall ends; answers are not.)
        mutations = [e.operation_name for e in stack.journal(target="mutation")]
        assert mutations.count("AnswerProposal") == 1
