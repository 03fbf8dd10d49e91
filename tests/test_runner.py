"""``decidim-bridge run``: every loop of the bridge as a thread of one process."""

from __future__ import annotations

import threading

import pytest

from decidim_bridge.errors import LoopFailed
from decidim_bridge.runner import Bridge
from decidim_bridge.worker import Worker


def test_run_starts_the_decidim_writer_and_the_mail_sender_apart(settings) -> None:
    bridge = Bridge(settings, host="127.0.0.1", port=0)
    bridge.start()
    try:
        names = {thread.name for thread in threading.enumerate()}
        assert {"web", "worker", "writer", "mailer", "scheduler"} <= names
        assert [w.lanes for w in bridge.writers] == ["decidim", "mail"]
    finally:
        bridge.stop()
        bridge._shutdown()
    assert not any(t.is_alive() for t in bridge.loops.threads)


@pytest.mark.timeout(60)
def test_a_component_that_dies_stops_the_bridge_with_a_failure(settings, monkeypatch) -> None:
    def broken(self, **_: object) -> int:
        raise RuntimeError("worker broke")

    monkeypatch.setattr(Worker, "run", broken)
    bridge = Bridge(settings, host="127.0.0.1", port=0)
    bridge.start()
    with pytest.raises(LoopFailed, match="worker failed"):
        bridge.wait()
    assert bridge.loops.failed == ["worker"]
    assert not any(t.is_alive() for t in bridge.loops.threads)
