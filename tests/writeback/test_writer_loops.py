"""The Decidim writer and the mail sender as separate loops (``services.build_writers``)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from writeback.samples import Sample, garden

from decidim_bridge.mail.backends import FileBackend
from decidim_bridge.store import outbox as store
from decidim_bridge.writeback.writer import DECIDIM, MAIL_BATCH, MAIL_ONLY, Writer


def _loop(db, settings, fake, clock, lanes, mailer=None):
    return Writer(
        db,
        settings,
        decidim=fake,
        mailer=mailer or FileBackend(settings.mail_dir),
        owner=f"test-{lanes}",
        clock=clock,
        lanes=lanes,
    )


def _garden_of(proposal_id: str) -> Sample:
    sample = garden()
    return Sample(
        replace(sample.plan, proposal_id=proposal_id),
        replace(sample.subject, proposal_id=proposal_id),
    )


def _by_kind(db):
    with db.read() as conn:
        rows = store.list_rows(conn, limit=500)
    return {(r.kind, r.status) for r in rows}


def test_each_loop_executes_only_its_own_lanes(db, settings, fake, clock, plan, mail_dir):
    plan(garden())
    mailer = _loop(db, settings, fake, clock, MAIL_ONLY)
    assert mailer.loop_name == "mailer"

    assert mailer.run_once() is True  # the plan's three mails, claimed together
    assert mailer.run_once() is False
    assert len(list(mail_dir.glob("*.eml"))) == 3
    assert fake.calls == []
    assert _by_kind(db) == {
        ("mail", "done"),
        ("decidim_comment", "planned"),
        ("decidim_answer", "planned"),
    }

    decidim = _loop(db, settings, fake, clock, DECIDIM)
    assert decidim.drain() == 2
    assert _by_kind(db) == {
        ("mail", "done"),
        ("decidim_comment", "done"),
        ("decidim_answer", "done"),
    }


def test_the_mail_sender_claims_at_most_a_batch(db, settings, fake, clock, plan, mail_dir):
    for number in range(MAIL_BATCH // 3 + 2):
        plan(_garden_of(str(200 + number)))
    with db.read() as conn:
        mails = [r for r in store.list_rows(conn, limit=500) if r.kind == "mail"]
    assert len(mails) > MAIL_BATCH
    mailer = _loop(db, settings, fake, clock, MAIL_ONLY)
    mailer.run_once()
    assert len(list(mail_dir.glob("*.eml"))) == MAIL_BATCH
    mailer.drain()
    assert len(list(mail_dir.glob("*.eml"))) == len(mails)


def test_a_paused_decidim_writer_waits_and_mail_goes_on(db, settings, fake, clock, plan, mail_dir):
    plan(garden())
    fake.faults.append(("any", "429"))
    decidim = _loop(db, settings, fake, clock, DECIDIM)
    assert decidim.run_once() is True  # refused with 429: Decidim writes pause
    assert decidim.decidim_paused_until > clock()
    calls = len(fake.calls)
    assert decidim.run_once() is False  # nothing claimed while paused
    assert len(fake.calls) == calls
    assert ("mail", "planned") in _by_kind(db)  # not the Decidim writer's to send

    mailer = _loop(db, settings, fake, clock, MAIL_ONLY)
    mailer.drain()
    assert len(list(mail_dir.glob("*.eml"))) == 3

    clock.advance(decidim.decidim_paused_until - clock() + 1)
    assert decidim.drain() == 2
    assert _by_kind(db) == {
        ("mail", "done"),
        ("decidim_comment", "done"),
        ("decidim_answer", "done"),
    }


def test_a_file_mail_is_not_marked_before_its_hand_over(db, settings, fake, clock, plan):
    """Writing the same file again is harmless, so no mark (and no commit) before it."""
    plan(garden())
    _loop(db, settings, fake, clock, MAIL_ONLY).drain()
    with db.read() as conn:
        mails = [r for r in store.list_rows(conn, limit=500) if r.kind == "mail"]
    assert mails and all(r.sending_at is None and r.status == "done" for r in mails)


def test_an_unknown_class_of_lanes_is_refused(db, settings, fake, clock):
    with pytest.raises(ValueError, match="lanes must be one of"):
        _loop(db, settings, fake, clock, "sms")


def test_the_mail_sender_lets_live_work_go_first_for_a_bounded_time(
    db, settings, fake, clock, plan, mail_dir
):
    plan(garden())
    live = [True]
    mailer = Writer(
        db,
        settings,
        decidim=fake,
        mailer=FileBackend(settings.mail_dir),
        owner="test-mailer",
        clock=clock,
        lanes=MAIL_ONLY,
        defer_to=lambda: live[0],
        defer_max=30.0,
    )
    assert mailer.run_once() is False  # webhook events or Decidim writes are queued
    clock.advance(29)
    assert mailer.run_once() is False
    assert list(mail_dir.glob("*.eml")) == []
    clock.advance(2)  # deferred long enough: mail goes out although the queue is not empty
    assert mailer.run_once() is True
    assert len(list(mail_dir.glob("*.eml"))) == 3

    plan(_garden_of("202"))
    live[0] = False
    assert mailer.run_once() is True  # nothing queued: at once
    assert len(list(mail_dir.glob("*.eml"))) == 6


def test_the_long_running_loops_defer_mail_one_loop_does_not(db, settings):
    from decidim_bridge.live_work import MAX_WINDOWS
    from decidim_bridge.services import build_writer, build_writers

    decidim_writer, mailer = build_writers(settings, db)
    assert (decidim_writer.lanes, mailer.lanes) == (DECIDIM, MAIL_ONLY)
    assert decidim_writer.deferral is None
    assert mailer.deferral is not None and mailer.deferral.queued() is False  # nothing queued
    assert mailer.deferral.allowed == MAX_WINDOWS * settings.decidim_rate_window
    assert build_writer(settings, db).deferral is None

    # In the writer process the webhook events are another process's work; in ``run``
    # the worker shares the process's time with the mails.
    from decidim_bridge.store import inbox

    with db.begin() as conn:
        inbox.store_deliveries(
            conn,
            [inbox.NewDelivery("localhost", "decidim", "k", "x.y", "proposal:1", "{}", "0", 1.0)],
        )
    assert mailer.deferral.queued() is False
    _, with_worker = build_writers(settings, db, with_worker=True)
    assert with_worker.deferral is not None and with_worker.deferral.queued() is True
