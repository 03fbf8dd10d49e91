"""SMTP through a real SMTP server on loopback (aiosmtpd): one mail per recipient, and
none sent twice when the writer crashes between hand-over and recording."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from writeback.fakes import FakeDecidim
from writeback.samples import garden

from decidim_bridge.errors import MailRejected
from decidim_bridge.mail import SmtpBackend
from decidim_bridge.mail.message import OutgoingMail, build_message
from decidim_bridge.store import outbox as store
from decidim_bridge.writeback.writer import Writer


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, _o: Any):
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}?timeout=5"
    finally:
        controller.stop()


def _mail(**overrides: Any) -> OutgoingMail:
    values: dict[str, Any] = dict(
        to=("a.devries@lindeburg.example",),
        subject="Nieuw burgerinitiatief: Buurtmoestuin",
        text="Beste Anna,\n\n**Het plan**",
        html="<p>Beste Anna,</p>",
        message_id="<abc123@gemeente.example>",
        sender="initiatieven@gemeente.example",
        date=1_796_000_000.0,
    )
    values.update(overrides)
    return OutgoingMail(**values)


def test_message_is_multipart_text_and_html_with_stable_headers() -> None:
    msg = build_message(_mail(cc=("b.jansen@lindeburg.example",)))
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert msg["Message-ID"] == "<abc123@gemeente.example>"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert build_message(_mail())["Date"] == msg["Date"]


def test_smtp_delivers_one_message_per_recipient_list(smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    backend = SmtpBackend(url)
    mail = _mail(cc=("b.jansen@lindeburg.example",))
    backend.send(build_message(mail), mail.recipients)
    ((rcpts, raw),) = inbox.messages
    assert sorted(rcpts) == ["a.devries@lindeburg.example", "b.jansen@lindeburg.example"]
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "Nieuw burgerinitiatief: Buurtmoestuin"


def test_smtp_refused_recipient_is_rejected_for_good(smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    inbox.refuse.add("a.devries@lindeburg.example")
    with pytest.raises(MailRejected):
        SmtpBackend(url).send(build_message(_mail()), ("a.devries@lindeburg.example",))
    assert inbox.messages == []


class Crash(BaseException):
    """Stands for the process dying between hand-over and recording."""


def test_writer_crash_after_handover_sends_no_mail_twice(
    db, settings, plan, clock, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    plan(garden())

    def crash_after_send(name: str, row: store.OutboxRow) -> None:
        if name == "after_send" and row.kind == "mail":
            raise Crash

    first = Writer(
        db,
        settings,
        decidim=FakeDecidim(),
        mailer=SmtpBackend(url),
        owner="w1",
        clock=clock,
        checkpoint=crash_after_send,
    )
    with pytest.raises(Crash):
        first.drain()
    assert len(inbox.messages) == 1  # handed over, but not recorded as done

    # A new writer after the lease expired: the mail is not sent again.
    later = Writer(
        db,
        settings,
        decidim=FakeDecidim(),
        mailer=SmtpBackend(url),
        owner="w2",
        clock=lambda: 10**10,
    )
    later.drain()
    ids = [
        message_from_bytes(raw, policy=policy.default)["Message-ID"] for _, raw in inbox.messages
    ]
    assert len(ids) == len(set(ids))
    with db.read() as conn:
        rows = [r for r in store.list_rows(conn, limit=50) if r.kind == "mail"]
    dead = [r for r in rows if r.status == "dead"]
    assert len(dead) == 1 and "not sent again" in dead[0].last_error
    assert {r.status for r in rows} == {"done", "dead"}
    assert len(inbox.messages) == len(rows)  # every other mail once, the crashed one once
