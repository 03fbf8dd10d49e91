"""Mail backends: ``.eml`` files (embedded default) and SMTP (production).

Both take a built message and a ``before_handover`` callback. The callback runs right
before the irreversible step — the SMTP DATA command, after the server accepted sender and
recipients — so the outbox can record that a crash from here on leaves the outcome
unknown. SMTP cannot be asked afterwards whether a message arrived; the file backend can
safely write the same file again (``resend_is_safe``).

``DECIDIM_BRIDGE_SMTP_URL``: ``smtp://user:password@host:587`` (STARTTLS) or
``smtps://user:password@host:465`` (TLS from the start). Query options: ``starttls=
required|auto|off`` (default ``required``, ``auto`` on loopback hosts) and ``timeout=``
seconds (default 30). Credentials are only sent over TLS, except to a loopback host.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from decidim_bridge.errors import ConfigError, MailError, MailOutcomeUnknown, MailRejected

Handover = Callable[[], None]
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _noop() -> None:
    return None


class MailBackend(Protocol):
    #: Whether handing the same message over twice is harmless.
    resend_is_safe: bool

    def send(
        self, message: EmailMessage, recipients: tuple[str, ...], before_handover: Handover
    ) -> str: ...


class FileBackend:
    """Writes each message to ``<directory>/<date>-<message-id>.eml``.

    The name depends only on the message, and the file is written to a temporary name and
    renamed, so writing the same message again replaces it: never a second copy.
    """

    resend_is_safe = True

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path_for(self, message: EmailMessage) -> Path:
        local = re.sub(r"[^A-Za-z0-9._-]", "", str(message["Message-ID"] or "").split("@")[0])
        try:
            moment = parsedate_to_datetime(str(message["Date"])).astimezone(UTC)
        except (TypeError, ValueError):
            moment = datetime.now(UTC)
        return self.directory / f"{moment:%Y%m%d-%H%M%S}-{local or 'message'}.eml"

    def send(
        self,
        message: EmailMessage,
        recipients: tuple[str, ...],
        before_handover: Handover = _noop,
    ) -> str:
        target = self.path_for(message)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            before_handover()
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".eml")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(message.as_bytes())
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise MailError(f"cannot write mail file in {self.directory}: {exc.strerror}") from exc
        return target.name


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    implicit_tls: bool
    starttls: str  # required | auto | off
    username: str | None
    password: str | None
    timeout: float

    @property
    def loopback(self) -> bool:
        return self.host in _LOOPBACK


def parse_smtp_url(url: str) -> SmtpConfig:
    """Validate ``smtp://`` / ``smtps://`` URLs; raises ``ConfigError`` naming the variable."""
    variable = "DECIDIM_BRIDGE_SMTP_URL"
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError(variable, "must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ConfigError(variable, "has no host")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError as exc:
        raise ConfigError(variable, "has an invalid port") from exc
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    loopback = parts.hostname in _LOOPBACK
    starttls = query.get("starttls", "auto" if loopback else "required")
    if starttls not in ("required", "auto", "off"):
        raise ConfigError(variable, "starttls must be required, auto or off")
    try:
        timeout = float(query.get("timeout", "30"))
    except ValueError as exc:
        raise ConfigError(variable, "timeout must be a number of seconds") from exc
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        implicit_tls=parts.scheme == "smtps",
        starttls="off" if parts.scheme == "smtps" else starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
    )


def _permanent(code: int) -> bool:
    return 500 <= code < 600


class SmtpBackend:
    """One SMTP transaction per message; failures translated into the mail errors."""

    resend_is_safe = False

    def __init__(self, url: str, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.config = parse_smtp_url(url)
        self.tls_context = tls_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        if cfg.implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                cfg.host, cfg.port, timeout=cfg.timeout, context=self.tls_context
            )
        else:
            client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        client.ehlo()
        secure = cfg.implicit_tls
        if not cfg.implicit_tls and cfg.starttls != "off":
            if client.has_extn("starttls"):
                client.starttls(context=self.tls_context)
                client.ehlo()
                secure = True
            elif cfg.starttls == "required":
                client.close()
                raise MailError(f"SMTP server {cfg.host} does not offer STARTTLS")
        if cfg.username:
            if not secure and not cfg.loopback:
                client.close()
                raise MailError("refusing to send SMTP credentials without TLS")
            client.login(cfg.username, cfg.password or "")
        return client

    def send(
        self,
        message: EmailMessage,
        recipients: tuple[str, ...],
        before_handover: Handover = _noop,
    ) -> str:
        sender = str(message["From"])
        handed_over = False
        try:
            client = self._connect()
            try:
                code, reply = client.mail(_envelope(sender))
                if code != 250:
                    raise smtplib.SMTPSenderRefused(code, reply, sender)
                refused = {}
                for rcpt in recipients:
                    code, reply = client.rcpt(rcpt)
                    if code not in (250, 251):
                        refused[rcpt] = (code, reply)
                if len(refused) == len(recipients):
                    client.rset()
                    raise smtplib.SMTPRecipientsRefused(refused)
                before_handover()
                handed_over = True
                code, reply = client.data(message.as_bytes(policy=SMTP_POLICY))
                if code != 250:
                    raise smtplib.SMTPDataError(code, reply)
            finally:
                try:
                    client.quit()
                except (smtplib.SMTPException, OSError):
                    client.close()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _ in exc.recipients.values()]
            error = f"SMTP refused every recipient ({', '.join(map(str, codes))})"
            if all(_permanent(c) for c in codes):
                raise MailRejected(error) from exc
            raise MailError(error) from exc
        except smtplib.SMTPResponseException as exc:
            # A definite answer: the server did not take the message.
            text = f"SMTP {exc.smtp_code}: {_reply_text(exc.smtp_error)}"
            if _permanent(exc.smtp_code) and not isinstance(exc, smtplib.SMTPAuthenticationError):
                raise MailRejected(text) from exc
            raise MailError(text) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            if handed_over:
                raise MailOutcomeUnknown(
                    f"connection lost after hand-over of {message['Message-ID']}: {exc}"
                ) from exc
            raise MailError(f"SMTP connection failed: {type(exc).__name__}: {exc}") from exc
        return str(message["Message-ID"])


def _envelope(header_from: str) -> str:
    match = re.search(r"<([^>]+)>", header_from)
    return match.group(1) if match else header_from.strip()


def _reply_text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return text[:200]


def backend_for(smtp_url: str | None, mail_dir: Path) -> MailBackend:
    """SMTP when a URL is configured, else ``.eml`` files in ``mail_dir``."""
    if smtp_url:
        return SmtpBackend(smtp_url)
    return FileBackend(mail_dir)
