"""Deterministic idempotency keys and the short reference codes people see.

A key is a hash of (tenant, proposal, plan version, kind of write, recipient): planning
the same plan version twice yields the same keys, so the outbox records each write once.
Writes that must happen once per proposal whatever the version (an introduction, a
lifecycle notice, a reminder) use ``ONCE`` as their version.

The reference code ("Ref. LB-7F3A2C") is derived from the key. It is printed in every
comment the bridge posts, so staff can quote it and the writer can recognise its own
comment when it reads Decidim back after an ambiguous failure; the full key is also kept
in an HTML comment, which Decidim stores and returns through the API but never displays.
"""

from __future__ import annotations

import hashlib
import re

#: Version placeholder for writes that happen once per proposal.
ONCE = "*"

_MARKER_PREFIX = "decidim-bridge:"
_MARKER_RE = re.compile(r"<!--\s*decidim-bridge:([0-9a-f]{16,64})\s*-->")


def effect_key(
    tenant: str, proposal_id: str, version: int | str, kind: str, recipient: str = ""
) -> str:
    """The idempotency key of one write (64 hex characters)."""
    material = "\x1f".join((tenant, str(proposal_id), str(version), kind, recipient.lower()))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def ref_code(key: str, prefix: str) -> str:
    """A short code for people: ``<prefix>-`` and six hexadecimal digits of the key."""
    return f"{prefix}-{key[:6].upper()}"


def marker(key: str) -> str:
    """The invisible marker appended to a comment body (HTML comment, 20 hex digits)."""
    return f"<!-- {_MARKER_PREFIX}{key[:20]} -->"


def body_carries(body: str, key: str, ref: str) -> bool:
    """Whether a comment body read back from Decidim is the one written for ``key``.

    The invisible marker decides when present; the visible reference code is the
    fallback for instances whose storage drops HTML comments.
    """
    found = _MARKER_RE.findall(body or "")
    if found:
        return any(key.startswith(m) for m in found)
    return bool(re.search(rf"(?<![\w-]){re.escape(ref)}(?![\w-])", body or ""))
