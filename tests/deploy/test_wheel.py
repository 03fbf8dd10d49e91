"""What the image runs works: the wheel alone, installed in a fresh virtual environment, run
from an empty folder with only a ``mappings/`` volume, turns a signed webhook from Decidim
into a planned proposal."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, SECRET
from run_support import bridge_env, free_port, start, stop, wait_ready
from sandbox_support import running_sandbox

pytestmark = pytest.mark.slow


def _run(*args: str, cwd: Path | None = None, timeout: float = 300) -> str:
    result = subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def test_the_wheel_in_a_fresh_environment_plans_a_signed_webhook(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(
        REPO / "decidim_bridge",
        source / "decidim_bridge",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "-w",
        str(tmp_path / "dist"),
        str(source),
    )
    [wheel] = (tmp_path / "dist").glob("decidim_bridge-*.whl")
    shutil.rmtree(source)

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", str(venv))
    _run(str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel))
    app = tmp_path / "app"  # the image's working folder: nothing but the mappings volume
    shutil.copytree(REPO / "mappings", app / "mappings")
    where = _run(
        str(venv / "bin" / "python"),
        "-c",
        "import decidim_bridge; print(decidim_bridge.__file__)",
        cwd=app,
    )
    assert where.startswith(str(venv))

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running_sandbox(webhook_url=f"{url}/webhooks/decidim", webhook_secret=SECRET) as sandbox:
        env = bridge_env(
            tmp_path / "state",
            WEBHOOK_SECRETS=SECRET,
            DECIDIM_URL=sandbox.url,
            DECIDIM_API_KEY=sandbox.api_key,
            DECIDIM_API_SECRET=sandbox.api_secret,
            TENANT="localhost",
        )
        env.pop("PYTHONPATH", None)
        entry = str(venv / "bin" / "decidim-bridge")
        log = tmp_path / "run.log"
        process = start([entry, "run", "--port", str(port)], env, log, cwd=app)
        try:
            wait_ready(url, process, log)
            sandbox.state.publish_proposal(114)
            assert sandbox.flush_webhooks()
            plan = _planned(entry, env, app)
        finally:
            assert stop(process) == 0
    assert plan["proposal_id"] == "114" and plan["assignment"]["lead"]["advisor_id"]
    assert sorted(p.name for p in app.iterdir()) == ["mappings"]  # state went to the volume
    assert (tmp_path / "state" / "bridge.sqlite3").exists()


def _planned(entry: str, env: dict[str, str], cwd: Path, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = subprocess.run(
            [entry, "plan", "show", "114", "--json"],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            return json.loads(result.stdout)
        time.sleep(0.5)
    raise AssertionError(f"proposal 114 was not planned: {result.stderr}")
