"""The README's production commands work as written: the test reads the ``sh production``
and ``sh split`` blocks and starts each ``decidim-bridge`` command (port and host moved to a
free loopback port), then sends a signed webhook and waits for the plan."""

from __future__ import annotations

import base64
import dataclasses
import os
import re
import shlex
import subprocess
import time
from pathlib import Path

import pytest
import requests
from conftest import REPO, dumps, envelope, standard_headers
from run_support import CLI, bridge_env, free_port, start, stop, wait_ready
from sandbox_support import running_sandbox
from sqlalchemy import select

from decidim_bridge.sandbox.settings import SandboxConfig
from decidim_bridge.store import Database
from decidim_bridge.store.schema import plan_heads

pytestmark = pytest.mark.slow

COMPONENT = {"id": "11", "manifest": "proposals"}
SPACE = {"type": "Decidim::ParticipatoryProcess", "id": "1", "slug": "wijkinitiatieven"}


def readme_block(tag: str) -> list[list[str]]:
    """The commands of the README's ```sh <tag> block, comments removed."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"```sh {tag}\n(.*?)```", text, re.S)
    assert match, f"README.md has no ```sh {tag} block"
    commands = []
    for line in match.group(1).splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(words)
    return commands


def _localised(words: list[str], port: int) -> list[str]:
    out = list(words)
    for flag, value in (("--host", "127.0.0.1"), ("--port", str(port)), ("--workers", "1")):
        if flag in out:
            out[out.index(flag) + 1] = value
    return out


@pytest.fixture
def environment(tmp_path):
    key = base64.b64encode(os.urandom(32)).decode()
    config = SandboxConfig(api_key="k" * 32, api_secret="s" * 48)
    with running_sandbox(config) as sandbox:
        env = bridge_env(
            tmp_path / "instance",
            WEBHOOK_SECRETS="whsec_" + key,
            DECIDIM_URL=sandbox.url,
            DECIDIM_API_KEY=sandbox.api_key,
            DECIDIM_API_SECRET=sandbox.api_secret,
            TENANT="localhost",
            MAPPINGS_DIR=str(REPO / "mappings"),
            WORKER_POLL_INTERVAL="0.2",
        )
        yield env, base64.b64decode(key), tmp_path


def _post(url: str, key: bytes, proposal_id: str) -> None:
    body = dumps(envelope(proposal_id=proposal_id, component=COMPONENT, participatory_space=SPACE))
    response = requests.post(
        f"{url}/webhooks/decidim", data=body, headers=standard_headers(body, key=key), timeout=10
    )
    assert response.status_code == 202, response.text


def _wait_planned(env: dict[str, str], proposal_id: str, timeout: float = 30) -> None:
    database = Database(f"sqlite:///{Path(env['DECIDIM_BRIDGE_INSTANCE_DIR']) / 'bridge.sqlite3'}")
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with database.read() as conn:
                version = conn.execute(
                    select(plan_heads.c.version).where(plan_heads.c.proposal_id == proposal_id)
                ).scalar_one_or_none()
            if version:
                return
            time.sleep(0.2)
    finally:
        database.dispose()
    raise AssertionError(f"proposal {proposal_id} was not planned")


def _start_block(tag, env, tmp_path, port):
    processes = []
    for words in readme_block(tag):
        if words[:2] == ["pip", "install"]:
            continue  # this environment is the installed package
        assert words[0] == "decidim-bridge", words
        args = [*CLI, *_localised(words, port)[1:]]
        log = tmp_path / f"{words[1]}.log"
        if words[1] in ("doctor", "db"):
            result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
            assert result.returncode == 0, result.stdout + result.stderr
            continue
        processes.append((start(args, env, log), log))
    return processes


def test_the_one_process_block(environment):
    env, key, tmp_path = environment
    port = free_port()
    assert readme_block("production")[0][:2] == ["pip", "install"]
    processes = _start_block("production", env, tmp_path, port)
    assert len(processes) == 1
    [(process, log)] = processes
    try:
        wait_ready(f"http://127.0.0.1:{port}", process, log)
        _post(f"http://127.0.0.1:{port}", key, "101")
        _wait_planned(env, "101")
    finally:
        assert stop(process) == 0


def test_the_split_block(environment):
    env, key, tmp_path = environment
    port = free_port()
    processes = _start_block("split", env, tmp_path, port)
    assert len(processes) == 3
    try:
        wait_ready(f"http://127.0.0.1:{port}", *processes[0])
        _post(f"http://127.0.0.1:{port}", key, "102")
        _wait_planned(env, "102")
        assert all(p.poll() is None for p, _ in processes)
    finally:
        assert [stop(p) for p, _ in processes] == [0, 0, 0]


def test_doctor_fails_on_published_secrets(environment):
    env, _, _ = environment
    published = dataclasses.replace(SandboxConfig())
    env = {**env, "DECIDIM_BRIDGE_DECIDIM_API_KEY": published.api_key}
    result = subprocess.run([*CLI, "doctor"], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "FAIL  secrets       published example values" in result.stdout
