"""The ``writer`` command's two loops: the Decidim writer and the mail sender stop together."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from decidim_bridge import services
from decidim_bridge.cli.writeback import writer
from decidim_bridge.store import Database


@pytest.fixture
def env(instance_dir) -> Iterator[dict[str, str]]:
    Database(f"sqlite:///{instance_dir}/bridge.sqlite3").upgrade()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield {"DECIDIM_BRIDGE_INSTANCE_DIR": str(instance_dir), "DECIDIM_BRIDGE_LOG_FORMAT": "text"}
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


@pytest.mark.timeout(30)
def test_a_mail_sender_that_dies_stops_the_decidim_writer(env, monkeypatch) -> None:
    built: list[Any] = []
    seen: dict[str, Any] = {}
    build_writers = services.build_writers

    def writers_with_a_broken_mailer(*args: Any, **kwargs: Any) -> list[Any]:
        decidim_writer, mailer = build_writers(*args, **kwargs)

        def broken() -> None:
            seen["thread"] = threading.current_thread().name
            seen["writer running"] = any(t.name == "writer" for t in threading.enumerate())
            raise RuntimeError("SMTP gone")

        mailer.run = broken
        built.extend([decidim_writer, mailer])
        return [decidim_writer, mailer]

    monkeypatch.setattr(services, "build_writers", writers_with_a_broken_mailer)
    result = CliRunner().invoke(writer, [], env=env, catch_exceptions=False)
    assert result.exit_code == 1
    assert "error: mailer failed; every loop was stopped" in result.output
    assert seen == {"thread": "mailer", "writer running": True}
    decidim_writer, _ = built
    assert decidim_writer.stop_event.is_set()
    assert not any(t.name in ("writer", "mailer") for t in threading.enumerate())


@pytest.mark.timeout(30)
def test_sigterm_stops_both_loops_with_status_0(env, monkeypatch) -> None:
    build_writers = services.build_writers

    def writers_then_sigterm(*args: Any, **kwargs: Any) -> list[Any]:
        found = build_writers(*args, **kwargs)
        threading.Timer(0.3, signal.raise_signal, (signal.SIGTERM,)).start()
        return found

    monkeypatch.setattr(services, "build_writers", writers_then_sigterm)
    result = CliRunner().invoke(writer, [], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not any(t.name in ("writer", "mailer") for t in threading.enumerate())
