"""Mail: the one module family that owns it.

``message`` builds a multipart (text + HTML) message from rendered texts; ``backends``
hands it over — to ``.eml`` files under ``./instance/mail/`` (the embedded default) or to
an SMTP server (``DECIDIM_BRIDGE_SMTP_URL``) — and translates every failure into
``MailError`` (try again), ``MailRejected`` (refused for good) or ``MailOutcomeUnknown``
(the connection broke after hand-over: it may have been delivered).
"""

from decidim_bridge.mail.backends import FileBackend, MailBackend, SmtpBackend, backend_for
from decidim_bridge.mail.message import OutgoingMail, build_message

__all__ = [
    "FileBackend",
    "MailBackend",
    "OutgoingMail",
    "SmtpBackend",
    "backend_for",
    "build_message",
]
