"""``decidim-bridge run``: every loop of the bridge as a thread of one process."""

from __future__ import annotations

import threading

from decidim_bridge.runner import Bridge


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
