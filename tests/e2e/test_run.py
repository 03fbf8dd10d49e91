"""``decidim-bridge run`` as a real process: SIGTERM during a burst of webhooks loses
nothing; after a restart every acknowledged event is planned and written exactly once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import REPO, SECRET, dumps, envelope, standard_headers
from run_support import CLI, bridge_env, free_port, start, stop, wait_ready
from sandbox_support import running_sandbox
from sqlalchemy import select

from decidim_bridge.store import Database
from decidim_bridge.store.schema import inbox, outbox, plan_heads

pytestmark = pytest.mark.slow

PROPOSALS = [str(n) for n in (*range(101, 113), 116)]  # published, not withdrawn
COMPONENT = {"id": "11", "manifest": "proposals"}
SPACE = {"type": "Decidim::ParticipatoryProcess", "id": "1", "slug": "wijkinitiatieven"}


def _delivery(proposal_id: str, n: int) -> tuple[str, bytes, dict[str, str]]:
    event = "proposal_published" if n % 2 == 0 else "proposal_updated"
    body = dumps(
        envelope(
            f"decidim.events.proposals.{event}",
            proposal_id,
            component=COMPONENT,
            participatory_space=SPACE,
        )
    )
    msg_id = f"msg_burst_{n:03d}"
    return msg_id, body, standard_headers(body, msg_id=msg_id)


def test_sigterm_during_a_burst_loses_nothing_and_a_restart_writes_each_once(tmp_path):
    with running_sandbox(rate_limit=2000) as sandbox:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = bridge_env(
            tmp_path / "instance",
            WEBHOOK_SECRETS=SECRET,
            DECIDIM_URL=sandbox.url,
            DECIDIM_API_KEY=sandbox.api_key,
            DECIDIM_API_SECRET=sandbox.api_secret,
            TENANT="localhost",
            MAPPINGS_DIR=str(REPO / "mappings"),
            DECIDIM_REQUESTS_PER_MINUTE="3000",
            WORKER_POLL_INTERVAL="0.1",
            RECONCILE_DELAY="1",
        )
        log = tmp_path / "run.log"
        command = [*CLI, "run", "--port", str(port)]
        process = start(command, env, log)
        wait_ready(url, process, log)

        deliveries = [_delivery(PROPOSALS[n % len(PROPOSALS)], n) for n in range(60)]
        acknowledged: list[str] = []
        lock = threading.Lock()
        sent = threading.Semaphore(0)

        def send(delivery: tuple[str, bytes, dict[str, str]]) -> None:
            msg_id, body, headers = delivery
            try:
                response = requests.post(
                    f"{url}/webhooks/decidim", data=body, headers=headers, timeout=10
                )
            except requests.RequestException:
                return  # not acknowledged: the sender would send it again
            finally:
                sent.release()
            if response.status_code in (200, 202):
                with lock:
                    acknowledged.append(msg_id)

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(send, d) for d in deliveries]
            for _ in range(20):
                sent.acquire(timeout=30)
            assert stop(process) == 0  # SIGTERM while deliveries are still coming in
            for future in futures:
                future.result()

        assert len(acknowledged) >= 20
        database = Database(f"sqlite:///{tmp_path / 'instance' / 'bridge.sqlite3'}")
        with database.read() as conn:
            stored = {r.delivery_key for r in conn.execute(select(inbox.c.delivery_key))}
        assert set(acknowledged) <= stored  # every acknowledged event was kept

        process = start(command, env, log)
        try:
            wait_ready(url, process, log)
            _wait_settled(database, set(acknowledged))
        finally:
            assert stop(process) == 0
        with database.read() as conn:
            heads = conn.execute(select(plan_heads.c.proposal_id).where(plan_heads.c.version > 0))
            planned = {r.proposal_id for r in heads}
            writes = conn.execute(select(outbox)).all()
        database.dispose()
        comments = [c for c in sandbox.state.comments_by_api_users() if not c.deleted]

    acked = {PROPOSALS[int(m.rsplit("_", 1)[1]) % len(PROPOSALS)] for m in acknowledged}
    assert acked <= planned
    assert all(w.status in ("done", "superseded") for w in writes)
    done_comments = [w for w in writes if w.kind == "decidim_comment" and w.status == "done"]
    assert {w.proposal_id for w in done_comments} >= acked
    for write in done_comments:  # each written comment is in Decidim exactly once
        carrying = [c for c in comments if write.ref in " ".join(c.body.values())]
        assert len(carrying) == 1, write.ref
    assert len(comments) == len(done_comments)
    assert "Traceback" not in log.read_text()


def _wait_settled(database: Database, acknowledged: set[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    rows: list = []
    open_writes: list = []
    while time.monotonic() < deadline:
        with database.read() as conn:
            rows = list(conn.execute(select(inbox.c.delivery_key, inbox.c.status)).all())
            open_writes = list(
                conn.execute(
                    select(outbox.c.id).where(outbox.c.status.in_(("planned", "in_flight")))
                ).all()
            )
        finished = {r.delivery_key for r in rows if r.status in ("done", "ignored")}
        if acknowledged <= finished and not open_writes and len(finished) == len(rows):
            return
        time.sleep(0.3)
    raise AssertionError(f"not settled: {rows}, open writes {open_writes}")
