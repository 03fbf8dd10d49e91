"""Tests for decidim_bridge.loop_threads: loops of one process stop together."""

from __future__ import annotations

import threading

import pytest

from decidim_bridge.errors import LoopFailed
from decidim_bridge.loop_threads import Loop, LoopThreads


class Looping:
    """A loop that runs until stopped, or raises when told to."""

    def __init__(self, name: str, stops: list[str], *, fails: bool = False) -> None:
        self.name = name
        self.stops = stops
        self.fails = fails
        self.event = threading.Event()

    def run(self) -> None:
        if self.fails:
            raise RuntimeError(f"{self.name} broke")
        self.event.wait(10)

    def stop(self) -> None:
        self.stops.append(self.name)
        self.event.set()

    def loop(self) -> Loop:
        return Loop(self.name, self.run, self.stop, grace=5)


@pytest.mark.timeout(30)
def test_a_loop_that_raises_stops_every_loop_in_order(caplog) -> None:
    stops: list[str] = []
    loops = [Looping("first", stops), Looping("broken", stops, fails=True), Looping("last", stops)]
    group = LoopThreads([loop.loop() for loop in loops])
    with pytest.raises(LoopFailed, match="broken failed"):
        group.run()
    assert stops == ["first", "broken", "last"]
    assert group.failed == ["broken"]
    assert [t.name for t in group.threads] == ["first", "broken", "last"]
    assert not any(t.is_alive() for t in group.threads)
    assert "broken failed; stopping" in caplog.text and "broken broke" in caplog.text


@pytest.mark.timeout(30)
def test_stop_ends_the_loops_without_a_failure() -> None:
    stops: list[str] = []
    loops = [Looping("a", stops), Looping("b", stops)]
    group = LoopThreads([loop.loop() for loop in loops]).start()
    assert all(t.is_alive() and t.daemon for t in group.threads)
    group.stop()
    group.wait()  # returns at once: stop() was called
    group.shutdown()
    group.check()  # nothing raised
    assert stops == ["a", "b"] and group.failed == []
    assert not any(t.is_alive() for t in group.threads)
