"""Sign a stored payload the way its sender would, so that ``replay`` can post it (pure).

Sysadmins use ``decidim-bridge replay FILE`` to check an installation end to end: the file
(one of ``webhooks/samples/<source>/...``, or a body a sender logged when it gave up) is
signed with the configured secrets and posted to the bridge's own endpoint.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from decidim_bridge.config import Settings
from decidim_bridge.errors import ConfigError, MalformedPayload
from decidim_bridge.intake.delivery import SOURCES
from decidim_bridge.intake.signatures import sign_restfull, sign_standard


@dataclass(frozen=True)
class ReplayRequest:
    source: str
    url: str
    headers: dict[str, str]
    body: bytes
    event_type: str | None


def guess_source(path: Path, body: bytes) -> str:
    """The samples folder names the source; otherwise the body's shape does."""
    if path.parent.name in SOURCES:
        return path.parent.name
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise MalformedPayload(f"{path} is not JSON: {exc}") from exc
    if isinstance(payload, dict) and "data" in payload and "resource" not in payload:
        return "rest-full"
    return "decidim"


def build_replay(
    body: bytes,
    *,
    source: str,
    settings: Settings,
    now: int,
    url: str | None = None,
    msg_id: str | None = None,
) -> ReplayRequest:
    """Headers and URL for posting ``body`` as ``source`` would, with the configured secrets."""
    target = url or f"{settings.public_url.rstrip('/')}/webhooks/{source}"
    headers = {"Content-Type": "application/json", "User-Agent": "decidim-bridge-replay"}
    if source == "decidim":
        if not settings.webhook_secrets:
            raise ConfigError("DECIDIM_BRIDGE_WEBHOOK_SECRETS", "needed to sign a replay")
        msg_id = msg_id or f"replay_{uuid.uuid4().hex}"
        headers.update(
            {
                "webhook-id": msg_id,
                "webhook-timestamp": str(now),
                "webhook-signature": sign_standard(
                    msg_id, now, body, settings.webhook_secret_bytes[0]
                ),
            }
        )
    elif source == "rest-full":
        if not settings.restfull_secret:
            raise ConfigError("DECIDIM_BRIDGE_RESTFULL_SECRET", "needed to sign a replay")
        headers.update(
            {
                "X-Webhook-Timestamp": str(now),
                "X-Webhook-Signature": sign_restfull(now, body, settings.restfull_secret),
            }
        )
    else:
        raise ValueError(f"unknown source {source!r}; use one of {', '.join(SOURCES)}")
    try:
        event_type = json.loads(body).get("type")
    except (ValueError, AttributeError):
        event_type = None
    return ReplayRequest(
        source=source,
        url=target,
        headers=headers,
        body=body,
        event_type=event_type if isinstance(event_type, str) else None,
    )
