"""Starting ``decidim-bridge`` commands as real processes (``run``, the README's commands,
the installed wheel) and waiting for them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import requests

CLI = [sys.executable, "-c", "from decidim_bridge.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bridge_env(instance_dir: Path, **settings: str) -> dict[str, str]:
    """The environment without inherited bridge settings, plus ``settings`` (names without
    the prefix, e.g. ``WEBHOOK_SECRETS``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECIDIM_BRIDGE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        {
            "DECIDIM_BRIDGE_INSTANCE_DIR": str(instance_dir),
            "DECIDIM_BRIDGE_LOG_FORMAT": "text",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({f"DECIDIM_BRIDGE_{k}": v for k, v in settings.items()})
    return env


def start(
    args: Sequence[str], env: Mapping[str, str], log: Path, *, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    try:
        return subprocess.Popen(
            list(args),
            env=dict(env),
            cwd=cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    finally:
        handle.close()


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} not ready:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes], timeout: float = 60) -> int:
    """SIGTERM, then wait for the graceful stop; returns the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
        raise
