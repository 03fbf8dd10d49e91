"""A worker process for crash and concurrency tests.

Runs the real ``Worker`` against the given database with a handler that records each
handling in a ``handled`` table inside the same transaction that finishes the inbox row,
so the table shows exactly which events were handled and how often.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from sqlalchemy import text

from decidim_bridge.config import load_settings
from decidim_bridge.store import Database
from decidim_bridge.worker import Worker

EVENT = "decidim.events.proposals.proposal_published"


def ensure_handled_table(db: Database) -> None:
    """Create the ``handled`` table (tests that start several workers call it first)."""
    identity = "AUTOINCREMENT" if db.dialect == "sqlite" else "GENERATED ALWAYS AS IDENTITY"
    with db.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS handled (seq INTEGER PRIMARY KEY {identity}, "
                "inbox_id INTEGER NOT NULL, subject TEXT NOT NULL, worker TEXT NOT NULL)"
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--started-marker", type=Path)
    parser.add_argument("--hang", action="store_true", help="block inside the handler")
    parser.add_argument("--handle-sleep", type=float, default=0.0)
    parser.add_argument("--exit-when-idle", type=float, default=3.0)
    args = parser.parse_args()

    db = Database(args.db)
    ensure_handled_table(db)
    settings = load_settings(environ={}, worker_lease_seconds=args.lease, worker_poll_interval=0.05)

    def handler(event, ctx):
        if args.started_marker:
            args.started_marker.write_text(f"{os.getpid()} {ctx.row.id}\n")
        if args.hang:
            time.sleep(3600)
        if args.handle_sleep:
            time.sleep(args.handle_sleep)
        with ctx.db.begin() as conn:
            conn.execute(
                text("INSERT INTO handled (inbox_id, subject, worker) VALUES (:i, :s, :w)"),
                {"i": ctx.row.id, "s": ctx.row.subject, "w": str(os.getpid())},
            )
            ctx.finish(conn, "recorded")
        return "recorded"

    worker = Worker(db, settings, {EVENT: handler})
    worker.install_signal_handlers()
    idle_since = time.monotonic()
    while not worker.stop_event.is_set():
        if worker.run_once():
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > args.exit_when_idle:
            break
        else:
            time.sleep(0.05)


if __name__ == "__main__":
    main()
