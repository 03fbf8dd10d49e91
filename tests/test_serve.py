"""The real processes: `decidim-bridge serve` (gunicorn), gunicorn on the factory, `worker`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import SECRET, dumps, envelope, standard_headers

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, timeout: float = 30) -> requests.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = requests.get(url, timeout=2)
            if response.status_code == 200:
                return response
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never became ready")


@pytest.fixture
def env(instance_dir):
    return {
        **os.environ,
        "DECIDIM_BRIDGE_INSTANCE_DIR": str(instance_dir),
        "DECIDIM_BRIDGE_WEBHOOK_SECRETS": SECRET,
        "DECIDIM_BRIDGE_LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(instance_dir / "prometheus"),
    }


def test_serve_accepts_webhooks_and_worker_handles_them(env):
    port = free_port()
    server = subprocess.Popen(
        [BIN / "decidim-bridge", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        ready = wait_ready(f"http://127.0.0.1:{port}/readyz")
        assert ready.json()["checks"] == {"database": "ok", "migrations": "ok"}
        # An initiative of a space the rules ignore: work for the worker, which finishes
        # it as ignored without asking Decidim.
        body = dumps(
            envelope(
                participatory_space={
                    "type": "Decidim::Assembly",
                    "id": 3,
                    "slug": "wijkraad-noord",
                },
                extra={"note": "BODY-ONLY-9f3e"},
            )
        )
        response = requests.post(
            f"http://127.0.0.1:{port}/webhooks/decidim",
            data=body,
            headers=standard_headers(body, msg_id="msg_serve"),
            timeout=5,
        )
        assert response.status_code == 202
        worker = subprocess.run(
            [BIN / "decidim-bridge", "worker", "--once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert worker.returncode == 0, worker.stderr
        listing = subprocess.run(
            [BIN / "decidim-bridge", "inbox"], env=env, capture_output=True, text=True, timeout=60
        )
        assert "ignored: 1" in listing.stdout
        metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'bridge_webhook_deliveries_total{outcome="accepted",source="decidim"} 1.0' in metrics
        # The worker is another process: its metrics reach /metrics through the shared dir.
        assert 'bridge_events_processed_total{outcome="ignored"} 1.0' in metrics
        assert "bridge_event_processing_seconds_count 1.0" in metrics
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    # JSON log lines carry the delivery id and never the body or the signature.
    assert "msg_serve" in output
    assert "BODY-ONLY-9f3e" not in output
    assert "v1," not in output
    assert SECRET not in output and SECRET.removeprefix("whsec_") not in output


def test_gunicorn_runs_the_factory(env):
    port = free_port()
    subprocess.run([BIN / "decidim-bridge", "db", "upgrade"], env=env, check=True, timeout=60)
    server = subprocess.Popen(
        [
            BIN / "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "decidim_bridge.app:create_app()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_ready(f"http://127.0.0.1:{port}/readyz").json()["status"] == "ready"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def test_worker_stops_gracefully_on_sigterm(env):
    subprocess.run([BIN / "decidim-bridge", "db", "upgrade"], env=env, check=True, timeout=60)
    worker = subprocess.Popen(
        [BIN / "decidim-bridge", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Signal only once the worker says it runs (its SIGTERM handler is installed by then).
    lines = []
    for line in worker.stdout:
        lines.append(line)
        if "worker started" in line:
            break
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0
    assert "worker stopped" in "".join(lines) + output
