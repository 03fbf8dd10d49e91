"""The Ruby forwarder (webhooks/decidim/lib/) against a real bridge on a loopback port.

A Ruby process loads the forwarder with plain ActiveSupport and publishes notifications the
way Decidim::EventsManager does; the deliveries are signed by Ruby's OpenSSL and verified by
the bridge. Needs Debian's ``ruby`` and ``ruby-activesupport``; skipped when ``ruby`` is
missing unless DECIDIM_BRIDGE_REQUIRE_RUBY=1 (set by ``.ci/run``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SECRET

from decidim_bridge.app import create_app
from decidim_bridge.config import Settings
from decidim_bridge.intake.delivery import parse_stored
from decidim_bridge.sandbox.server import ServerThread
from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store

pytestmark = [pytest.mark.ruby, pytest.mark.slow]

FORWARDER = REPO / "webhooks" / "decidim" / "lib" / "decidim_bridge_forwarder.rb"
DRIVER = Path(__file__).parent / "forwarder_driver.rb"


@pytest.fixture(scope="module")
def ruby() -> str:
    path = shutil.which("ruby")
    problem = None
    if path is None:
        problem = "ruby is not installed (Debian: apt-get install ruby ruby-activesupport)"
    else:
        check = subprocess.run(
            [path, "-e", 'require "active_support"; require "active_support/notifications"'],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            problem = f"ActiveSupport is not available to ruby: {check.stderr.strip()}"
    if problem:
        if os.environ.get("DECIDIM_BRIDGE_REQUIRE_RUBY") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    assert path is not None
    return path


class LateBridge:
    """The bridge's web app on a port chosen now but served only from ``start()``: until
    then connections are refused, which is how a stopped bridge looks to the forwarder."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/webhooks/decidim"
        self.server: ServerThread | None = None

    def start(self) -> None:
        self.server = ServerThread(self.app, "127.0.0.1", self.port).start()


@pytest.fixture
def bridge(settings: Settings, db: Database) -> Iterator[LateBridge]:
    late = LateBridge(settings)
    yield late
    if late.server is not None:
        late.server.stop()


def ruby_env(bridge: LateBridge, schedule: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECIDIM_BRIDGE_")}
    env.update(
        DECIDIM_BRIDGE_FORWARDER_URL=bridge.url,
        DECIDIM_BRIDGE_FORWARDER_SECRET=SECRET,
        DECIDIM_BRIDGE_FORWARDER_TIMEOUT="5",
        DECIDIM_BRIDGE_FORWARDER_RETRY_SCHEDULE=schedule,
    )
    return env


def steps(stdout: str) -> dict[str, dict[str, Any]]:
    parsed = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return {entry["step"]: entry for entry in parsed}


def stored(db: Database) -> list[inbox_store.InboxRow]:
    with db.read() as conn:
        return sorted(inbox_store.list_rows(conn, limit=100), key=lambda r: r.id)


def test_notifications_are_signed_by_ruby_verified_and_stored_once(ruby, bridge, db, settings):
    bridge.start()
    result = subprocess.run(
        [ruby, str(DRIVER), str(FORWARDER), "publish", "30"],
        env=ruby_env(bridge, "0.2,0.5"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = steps(result.stdout)
    assert report["installed"]["queue"] == "DecidimBridgeForwarder::ThreadQueue"
    assert "publish_raised" not in report, result.stdout
    assert report["published"]["all_returned"] is True
    assert report["drained"] == {"step": "drained", "drained": True, "left": 0}
    assert "not forwarded decidim.events.proposals.proposal_state_changed" in result.stderr

    rows = stored(db)
    # Published twice by Decidim, forwarded once; plus the comment on the proposal.
    assert [r.event_type for r in rows] == [
        "decidim.events.proposals.proposal_published",
        "decidim.events.comments.comment_created",
    ]
    assert all(r.source == "decidim" and r.delivery_key.startswith("fwd_") for r in rows)
    assert result.stderr.count("delivered fwd_") == 2
    assert "failed" not in result.stderr

    published = parse_stored("decidim", rows[0].body, tenant=settings.tenant)
    assert published.organization_host == "localhost"
    assert (published.proposal_id, published.component_id) == ("1042", "11")
    assert (published.space_type, published.space_id, published.space_slug) == (
        "Decidim::ParticipatoryProcess",
        "1",
        "wijkinitiatieven",
    )
    assert published.extra == {"event_class": "Decidim::Proposals::PublishProposalEvent"}
    comment = parse_stored("decidim", rows[1].body, tenant=settings.tenant)
    assert comment.proposal_id == "1042"
    assert comment.extra["comment_id"] == "5531"


def test_a_stopped_bridge_means_retries_then_exactly_one_delivery(ruby, bridge, db):
    process = subprocess.Popen(
        [ruby, str(DRIVER), str(FORWARDER), "single", "60"],
        env=ruby_env(bridge, "0.3,0.5,0.5,1,1,1,2,2,2,3,3,3"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        log: list[str] = []
        for line in process.stderr:
            log.append(line)
            if "attempt 2 for" in line and "failed" in line:
                break  # two refused connections: the bridge is down and the forwarder retries
        assert stored(db) == []
        bridge.start()
        stdout, rest = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log.append(rest)
    text = "".join(log)
    assert process.returncode == 0, text
    assert steps(stdout)["drained"]["drained"] is True
    assert "Errno::ECONNREFUSED" in text
    assert text.count("delivered fwd_") == 1
    (row,) = stored(db)
    assert row.event_type == "decidim.events.proposals.proposal_state_changed"
    # The same webhook-id on every attempt: that is what makes the retries safe.
    assert f"attempt 1 for {row.delivery_key} failed" in text
    assert f"delivered {row.delivery_key}" in text
    assert json.loads(row.body)["extra"]["state"] == "accepted"


def test_with_activejob_retries_are_jobs_with_the_same_id_and_a_delay(ruby, bridge, db):
    if subprocess.run([ruby, "-e", 'require "active_job"'], capture_output=True).returncode:
        if os.environ.get("DECIDIM_BRIDGE_REQUIRE_RUBY") == "1":
            pytest.fail("ActiveJob is not available to ruby (Debian: ruby-activejob)")
        pytest.skip("ActiveJob is not available to ruby (Debian: ruby-activejob)")
    process = subprocess.Popen(
        [ruby, str(DRIVER), str(FORWARDER), "activejob", "0"],
        env=ruby_env(bridge, "30,60"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdin is not None
        report: dict[str, dict[str, Any]] = {}
        for line in process.stdout:
            entry = json.loads(line)
            report[entry["step"]] = entry
            if entry["step"] == "first_attempt":
                break
        assert report["installed"]["queue"] == "DecidimBridgeForwarder::ActiveJobQueue"
        (job,) = report["enqueued"]["jobs"]
        assert job["job"] == "DecidimBridgeForwarder::DeliveryJob"
        assert job["queue"] == "default" and job["at"] is None
        msg_id, body, attempt = job["args"]
        assert attempt == 1
        # The bridge is down: the first attempt fails and enqueues attempt 2, later.
        (retry,) = report["first_attempt"]["jobs"]
        assert retry["args"] == [msg_id, body, 2]
        assert retry["at"] is not None
        assert stored(db) == []
        bridge.start()
        process.stdin.write("go\n")
        process.stdin.flush()
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert steps(stdout)["drained"]["performed"] == 2
    (row,) = stored(db)
    assert (row.delivery_key, row.body) == (msg_id, body)
