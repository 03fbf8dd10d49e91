"""Long-running commands started before the database is migrated wait for it, visibly.

``serve`` migrates at start-up; compose and systemd start ``worker`` and ``writer`` at the
same time, so those must wait for the migrations instead of exiting. ``--once`` runs
still refuse at once (a person ran them and wants to know).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO

from decidim_bridge.store import Database

WAITING = "waiting for the database migrations"


def _start(command: str, database_url: str, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECIDIM_BRIDGE_")}
    env.update(
        DECIDIM_BRIDGE_INSTANCE_DIR=str(tmp_path),
        DECIDIM_BRIDGE_DATABASE_URL=database_url,
        DECIDIM_BRIDGE_LOG_FORMAT="text",
        DECIDIM_BRIDGE_WORKER_POLL_INTERVAL="0.1",
        DECIDIM_BRIDGE_MIGRATION_WAIT_INTERVAL="0.2",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / f"{command}.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-c", "from decidim_bridge.cli import main; main()", command],
            cwd=REPO,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    return process, log


def _wait_for_text(log: Path, text: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} (exit {process.poll()}):\n{log.read_text()}")


def _waits_then_starts(command: str, database_url: str, tmp_path: Path) -> None:
    process, log = _start(command, database_url, tmp_path)
    try:
        _wait_for_text(log, WAITING, process, 30)
        time.sleep(0.5)
        assert process.poll() is None, log.read_text()
        Database(database_url).upgrade()  # what `serve` does when it starts
        _wait_for_text(log, f"{command} started", process, 30)
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


@pytest.mark.slow
@pytest.mark.postgres
def test_worker_on_a_fresh_postgres_database_waits_for_serve_to_migrate(pg_url, tmp_path):
    _waits_then_starts("worker", pg_url, tmp_path)


@pytest.mark.slow
def test_writer_on_a_fresh_sqlite_database_waits_too(tmp_path):
    _waits_then_starts("writer", f"sqlite:///{tmp_path}/bridge.sqlite3", tmp_path)
