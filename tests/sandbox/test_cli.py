"""``decidim-bridge sandbox`` as a process: starts, serves the API, stops on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from decidim_bridge.cli.sandbox import sandbox as sandbox_command
from decidim_bridge.sandbox.settings import DEFAULT_API_KEY, DEFAULT_API_SECRET

CLI = [sys.executable, "-c", "from decidim_bridge.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[str]) -> None:
    for _ in range(200):
        assert process.poll() is None, process.communicate()[0]
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} never answered")


@pytest.mark.slow
def test_sandbox_command_serves_and_stops_on_sigterm(tmp_path):
    port = _free_port()
    state_file = tmp_path / "state.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECIDIM_BRIDGE_")}
    process = subprocess.Popen(
        [*CLI, "sandbox", "--port", str(port), "--state-file", str(state_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/_sandbox/health", process)
        signed_in = requests.post(
            f"{base}/api/sign_in",
            data={"api_user[key]": DEFAULT_API_KEY, "api_user[secret]": DEFAULT_API_SECRET},
            timeout=5,
        )
        token = signed_in.json()["jwt_token"]
        answer = requests.post(
            f"{base}/api",
            json={"query": '{ participatoryProcess(slug: "wijkinitiatieven") { id } }'},
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert answer.json() == {"data": {"participatoryProcess": {"id": "1"}}}
        requests.post(f"{base}/_sandbox/proposals/114/publish", timeout=5).raise_for_status()
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=20)[0]
    assert process.returncode == 0, output
    assert f"API key:    {DEFAULT_API_KEY}" in output
    assert f"http://localhost:{port}/api/graphiql" in output
    saved = json.loads(state_file.read_text())
    [draft] = [p for p in saved["proposals"] if p["id"] == 114]
    assert draft["published_at"] is not None


def test_webhook_url_needs_a_secret():
    result = CliRunner().invoke(sandbox_command, ["--webhook-url", "http://127.0.0.1:1/x"])
    assert result.exit_code == 2
    assert "--webhook-url and --webhook-secret go together" in result.output


@pytest.mark.parametrize(("flag", "served"), [([], True), (["--no-bridge-module"], False)])
def test_the_bridge_module_can_be_switched_off(monkeypatch, flag, served):
    started = []
    monkeypatch.setattr(
        "decidim_bridge.sandbox.server.serve_forever",
        lambda app, host, port, quiet: started.append(app),
    )
    result = CliRunner().invoke(sandbox_command, ["--port", str(_free_port()), *flag])
    assert result.exit_code == 0, result.output
    sandbox = started[0].extensions["sandbox"]
    assert sandbox.config.bridge_module is served
    assert ("proposalAdmin" in sandbox.schema.query_type.fields) is served
