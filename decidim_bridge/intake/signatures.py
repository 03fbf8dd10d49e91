"""Signature schemes of the two webhook senders the bridge accepts.

* Standard Webhooks (https://www.standardwebhooks.com, spec v1.0.0): ``webhook-id``,
  ``webhook-timestamp`` (integer seconds), ``webhook-signature`` = space-separated
  ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` entries; any entry may match, so a
  sender can rotate secrets. Non-``v1`` entries (e.g. ``v1a``) are skipped.
* decidim-rest-full: ``X-Webhook-Timestamp`` and ``X-Webhook-Signature: v1=<hex>``, the
  hex HMAC-SHA256 of ``"timestamp.body"`` keyed with the registration's signing secret.

Every failure raises ``SignatureError`` with one generic message; ``reason`` is for metrics.
Comparison is constant-time on bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence

from decidim_bridge.errors import SignatureError

_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_MSG_ID = re.compile(r"^[\x21-\x2d\x2f-\x7e]{1,200}$")  # printable ASCII, no space, no '.'
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def check_timestamp(raw: str | None, now: float, tolerance: int) -> int:
    """Parse an integer-seconds timestamp and enforce the tolerance in both directions."""
    if raw is None:
        raise SignatureError("missing-header")
    if not _TIMESTAMP.match(raw):
        raise SignatureError("bad-timestamp")
    timestamp = int(raw)
    if timestamp < now - tolerance:
        raise SignatureError("stale-timestamp")
    if timestamp > now + tolerance:
        raise SignatureError("future-timestamp")
    return timestamp


def sign_standard(msg_id: str, timestamp: int, body: bytes, secret: bytes) -> str:
    """The ``v1,<base64>`` signature of one message (used by the sandbox and ``replay``)."""
    digest = hmac.new(secret, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify_standard(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[bytes],
    *,
    now: float,
    tolerance: int = 300,
) -> str:
    """Verify a Standard Webhooks delivery; return its ``webhook-id``."""
    msg_id = _header(headers, "webhook-id")
    raw_ts = _header(headers, "webhook-timestamp")
    signature_header = _header(headers, "webhook-signature")
    if msg_id is None or raw_ts is None or signature_header is None:
        raise SignatureError("missing-header")
    if not secrets:
        raise SignatureError("no-secret-configured")
    if not _MSG_ID.match(msg_id):
        raise SignatureError("bad-id")
    timestamp = check_timestamp(raw_ts, now, tolerance)
    signed = f"{msg_id}.{timestamp}.".encode("ascii") + body
    expected = [base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()) for key in secrets]
    for entry in signature_header.split(" "):
        version, _, value = entry.partition(",")
        if version != "v1" or not value:
            continue
        try:
            candidate = value.encode("ascii")
        except UnicodeEncodeError:
            continue
        # Check every secret (no early exit) so timing does not tell which one matched.
        matched = False
        for digest in expected:
            matched |= hmac.compare_digest(candidate, digest)
        if matched:
            return msg_id
    raise SignatureError("no-matching-signature")


def sign_restfull(timestamp: int, body: bytes, secret: str) -> str:
    """The ``v1=<hex>`` signature decidim-rest-full puts on a delivery."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()


def verify_restfull(
    headers: Mapping[str, str],
    body: bytes,
    secret: str | None,
    *,
    now: float,
    tolerance: int = 300,
) -> int:
    """Verify a decidim-rest-full delivery; return its timestamp."""
    raw_ts = _header(headers, "x-webhook-timestamp")
    signature_header = _header(headers, "x-webhook-signature")
    if raw_ts is None or signature_header is None:
        raise SignatureError("missing-header")
    if not secret:
        raise SignatureError("no-secret-configured")
    timestamp = check_timestamp(raw_ts, now, tolerance)
    expected = sign_restfull(timestamp, body, secret)[3:].lower().encode("ascii")
    for entry in re.split(r"[ ,]+", signature_header.strip()):
        version, _, value = entry.partition("=")
        if version != "v1" or not _HEX.match(value):
            continue
        if hmac.compare_digest(value.lower().encode("ascii"), expected):
            return timestamp
    raise SignatureError("no-matching-signature")
