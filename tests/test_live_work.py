"""What counts as live work (webhook events and Decidim writes, not the poller's events or
mail), and how long deferrable work lets it go first (``Deferral``, on a fake clock)."""

from __future__ import annotations

import pytest
from writeback_support import outbox_effect

from decidim_bridge.live_work import Deferral, queued
from decidim_bridge.store import inbox, outbox


def _event(db, source: str, key: str) -> None:
    with db.begin() as conn:
        inbox.store_deliveries(
            conn,
            [inbox.NewDelivery("localhost", source, key, "x.y", f"proposal:{key}", "{}", "0", 1.0)],
        )


def _write(db, key: str, lane: str, kind: str, now: float) -> None:
    with db.begin() as conn:
        outbox.record(conn, [outbox_effect(key.ljust(64, "x"), lane, kind)], now=now)


def test_the_pollers_events_and_mails_are_not_live_work(db):
    _event(db, "poller", "p1")
    _write(db, "m", "mail:m", "mail", now=1.0)
    assert queued(db, 5.0) is False


def test_a_webhook_event_is_live_work(db):
    _event(db, "decidim", "d1")
    assert queued(db, 5.0) is True


def test_a_decidim_write_due_within_the_horizon_is_live_work(db):
    _write(db, "c", "decidim:1", "decidim_comment", now=10.0)
    assert queued(db, 5.0) is False
    assert queued(db, 5.0, horizon=6.0) is True
    assert queued(db, 10.0) is True


class Looks:
    """A ``queued`` predicate answering from a script (then ``rest``), recording each look."""

    def __init__(self, *answers: bool, rest: bool = True) -> None:
        self.answers = list(answers)
        self.rest = rest
        self.count = 0

    def __call__(self) -> bool:
        self.count += 1
        return self.answers.pop(0) if self.answers else self.rest


def test_waiting_sleeps_in_steps_and_spends_the_allowance_across_waits():
    looks = Looks()
    deferral = Deferral(looks, allowed=1.2)
    slept: list[float] = []
    deferral.wait(slept.append, step=0.5)
    assert slept == [0.5, 0.5, pytest.approx(0.2)]
    deferral.wait(slept.append, step=0.5)  # spent: no look, no sleep
    assert len(slept) == 3 and looks.count == 3
    deferral.restart()
    deferral.wait(slept.append, step=1.0)
    assert slept[3:] == [1.0, pytest.approx(0.2)]


def test_a_wait_ends_when_the_live_work_drains_and_keeps_what_it_spent():
    deferral = Deferral(Looks(True, True, False, True), allowed=2.0)
    slept: list[float] = []
    deferral.wait(slept.append, step=0.5)
    assert slept == [0.5, 0.5] and deferral.spent == 1.0
    deferral.wait(slept.append, step=0.5)  # drained in between: still one allowance
    assert slept == [0.5, 0.5, 0.5, 0.5] and deferral.spent == 2.0


def test_no_allowance_never_waits_nor_defers():
    looks = Looks()
    deferral = Deferral(looks, allowed=0.0)
    slept: list[float] = []
    deferral.wait(slept.append, step=0.5)
    assert slept == [] and looks.count == 0
    assert deferral.defer(10.0) is False


def test_deferring_holds_back_at_most_the_allowance_in_a_row_then_until_drained():
    live = [True]
    deferral = Deferral(lambda: live[0], allowed=30.0)
    assert deferral.defer(100.0) is True
    assert deferral.defer(129.0) is True
    assert deferral.defer(130.0) is False  # bound reached although still queued
    assert deferral.defer(500.0) is False  # and not again while it stays queued
    live[0] = False
    assert deferral.defer(510.0) is False and deferral.spent == 0.0
    live[0] = True  # a new run of live work: a new allowance
    assert deferral.defer(520.0) is True
    assert deferral.defer(549.0) is True
    assert deferral.defer(550.0) is False
