"""Signed one-click links (pure): approve or hold the public writes of a plan version.

A token carries the tenant, proposal, plan version, action, the advisor it was made for,
an expiry and a random link id, signed with HMAC-SHA256 under ``DECIDIM_BRIDGE_LINK_SECRET``.
Checking a token needs no database; that each link works only once is recorded in the
database (by link id) by whoever acts on it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass

from decidim_bridge.errors import LinkError

ACTIONS = ("approve", "hold")
_VERSION = "1"


@dataclass(frozen=True)
class LinkClaim:
    tenant: str
    proposal_id: str
    plan_version: int
    action: str
    advisor: str
    expires_at: float
    link_id: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, body: str) -> str:
    return _b64(hmac.new(secret, f"{_VERSION}.{body}".encode(), hashlib.sha256).digest())


def make_token(
    secret: bytes,
    *,
    tenant: str,
    proposal_id: str,
    plan_version: int,
    action: str,
    advisor: str,
    now: float,
    ttl_hours: int,
    link_id: str | None = None,
) -> tuple[str, LinkClaim]:
    """A URL-safe token and what it claims."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    claim = LinkClaim(
        tenant=tenant,
        proposal_id=str(proposal_id),
        plan_version=int(plan_version),
        action=action,
        advisor=advisor,
        expires_at=float(int(now + ttl_hours * 3600)),
        link_id=link_id or secrets.token_hex(12),
    )
    body = _b64(json.dumps(asdict(claim), separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_mac(secret, body)}", claim


def read_token(secret: bytes, token: str, *, now: float) -> LinkClaim:
    """Verify signature and expiry; raises ``LinkError`` (one generic message)."""
    body, _, mac = token.partition(".")
    if (
        not body
        or not mac
        or not hmac.compare_digest(
            mac.encode("ascii", "replace"), _mac(secret, body).encode("ascii")
        )
    ):
        raise LinkError("This link is not valid.")
    try:
        values = json.loads(_unb64(body))
        claim = LinkClaim(**values)
    except (ValueError, TypeError) as exc:
        raise LinkError("This link is not valid.") from exc
    if claim.action not in ACTIONS:
        raise LinkError("This link is not valid.")
    if now > claim.expires_at:
        raise LinkError("This link has expired.")
    return claim
