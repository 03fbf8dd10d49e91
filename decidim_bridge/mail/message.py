"""Building one mail: multipart/alternative (plain text first, then HTML), localized.

Everything that must stay the same when a mail is built again after a crash — the
Message-ID, the Date — comes from the outbox row, so a second hand-over of the same row
is the same message (receiving systems and people can recognise it by its Message-ID).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from html import escape

_HTML_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5;
 color: #1a1a1a; max-width: 640px; margin: 0 auto; padding: 16px;">
{body}
</body>
</html>
"""


@dataclass(frozen=True)
class OutgoingMail:
    """A rendered mail as the outbox keeps it."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    message_id: str
    sender: str
    locale: str = "nl"
    to_name: str = ""
    cc: tuple[str, ...] = ()
    reply_to: str | None = None
    date: float | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def recipients(self) -> tuple[str, ...]:
        """Envelope recipients: every To and Cc address once."""
        seen: dict[str, str] = {}
        for address in (*self.to, *self.cc):
            seen.setdefault(address.lower(), address)
        return tuple(seen.values())


def _address(raw: str, name: str = "") -> Address | str:
    display, email = parseaddr(raw)
    if "@" not in email:
        return raw
    local, _, domain = email.rpartition("@")
    return Address(display_name=name or display, username=local, domain=domain)


def build_message(mail: OutgoingMail) -> EmailMessage:
    """The MIME message: text/plain and text/html alternatives, UTF-8, RFC 5322 headers."""
    msg = EmailMessage()
    msg["From"] = mail.sender
    to = [_address(a, mail.to_name if len(mail.to) == 1 else "") for a in mail.to]
    msg["To"] = to
    if mail.cc:
        msg["Cc"] = [_address(a) for a in mail.cc]
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    msg["Subject"] = mail.subject
    moment = datetime.fromtimestamp(mail.date, UTC) if mail.date else datetime.now(UTC)
    msg["Date"] = format_datetime(moment)
    msg["Message-ID"] = mail.message_id
    # Tell auto-responders and mail systems this is an automatic message (RFC 3834).
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in mail.headers.items():
        msg[name] = value
    # Quoted-printable keeps every line short whatever the text (SMTP limits lines to 998).
    msg.set_content(mail.text + "\n", subtype="plain", charset="utf-8", cte="quoted-printable")
    page = _HTML_PAGE.format(lang=escape(mail.locale), title=escape(mail.subject), body=mail.html)
    msg.add_alternative(page, subtype="html", charset="utf-8", cte="quoted-printable")
    msg["Content-Language"] = mail.locale  # after set_content, which resets Content-*
    return msg


def sender_address(mail_from: str, name: str = "") -> str:
    """``Name <address>`` for the From header."""
    return formataddr((name, mail_from)) if name else mail_from
