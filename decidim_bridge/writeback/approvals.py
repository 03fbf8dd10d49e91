"""Approval of public writes by the lead advisor (``after-approval`` publication mode).

The advisor mail carries two signed links per plan version: approve and publish, or hold.
Acting on a link is one transaction: the link id is recorded (so it works once), the
decision is recorded with who and when, and the held writes of that version are released
to the writer (approve) or kept back (hold; an approval may still follow). Links of a plan
version that a newer version replaced release nothing: the newer mail has its own links.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from decidim_bridge.config import Settings
from decidim_bridge.errors import ConfigError, LinkError
from decidim_bridge.links import LinkClaim, make_token, read_token
from decidim_bridge.store import Database
from decidim_bridge.store import outbox as store
from decidim_bridge.writeback.effects import ApprovalLinks, LinkMaker
from decidim_bridge.writeback.subject import Subject

SECRET_FILE = "link-secret"


def link_secret(settings: Settings) -> bytes:
    """``DECIDIM_BRIDGE_LINK_SECRET``, or a random secret kept in the instance folder.

    Several replicas must share one secret: set the variable when running more than one.
    """
    if settings.link_secret:
        return settings.link_secret.encode("utf-8")
    path = Path(settings.instance_dir) / SECRET_FILE
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        return path.read_text(encoding="utf-8").strip().encode("utf-8")
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip().encode("utf-8")
    except OSError as exc:
        raise ConfigError(
            "DECIDIM_BRIDGE_LINK_SECRET", f"not set and {path} cannot be used: {exc.strerror}"
        ) from exc


def make_link_maker(settings: Settings, *, now: float) -> LinkMaker:
    """Approve/hold links for the lead of a plan version; link ids are deterministic, so
    planning the same version again produces the same links."""
    secret = link_secret(settings)
    base = settings.public_url.rstrip("/")

    def maker(subject: Subject, advisor: str) -> ApprovalLinks:
        urls: dict[str, str] = {}
        expires = now
        for action in ("approve", "hold"):
            material = (
                f"{subject.tenant}|{subject.proposal_id}|{subject.version}|{action}|{advisor}"
            )
            link_id = hmac.new(secret, material.encode(), hashlib.sha256).hexdigest()[:24]
            token, claim = make_token(
                secret,
                tenant=subject.tenant,
                proposal_id=subject.proposal_id,
                plan_version=subject.version,
                action=action,
                advisor=advisor,
                now=now,
                ttl_hours=settings.link_ttl_hours,
                link_id=link_id,
            )
            urls[action] = f"{base}/approvals/{token}"
            expires = claim.expires_at
        return ApprovalLinks(
            approve_url=urls["approve"],
            hold_url=urls["hold"],
            expires_at=datetime.fromtimestamp(expires, UTC).date(),
        )

    return maker


@dataclass(frozen=True)
class LinkStatus:
    """What the confirmation page shows before the advisor confirms."""

    claim: LinkClaim
    used: store.Approval | None
    held: int
    newest_version: int | None


@dataclass(frozen=True)
class Decision:
    claim: LinkClaim
    recorded: bool
    released: int
    outcome: str  # released | withheld | nothing-held | superseded | already-used


def inspect_link(db: Database, settings: Settings, token: str, *, now: float) -> LinkStatus:
    claim = read_token(link_secret(settings), token, now=now)
    _check_tenant(claim, settings)
    with db.read() as conn:
        used = store.link_used(conn, tenant=claim.tenant, link_id=claim.link_id)
        rows = store.rows_for_proposal(conn, tenant=claim.tenant, proposal_id=claim.proposal_id)
    held = sum(
        1 for r in rows if r.plan_version == claim.plan_version and r.status in ("held", "withheld")
    )
    versions = [r.plan_version for r in rows if r.public and r.plan_version is not None]
    return LinkStatus(claim=claim, used=used, held=held, newest_version=max(versions, default=None))


def decide(db: Database, settings: Settings, token: str, *, now: float) -> Decision:
    """Act on a link once: record who decided what and when; release or keep back."""
    claim = read_token(link_secret(settings), token, now=now)
    _check_tenant(claim, settings)
    with db.begin() as conn:
        if store.link_used(conn, tenant=claim.tenant, link_id=claim.link_id) is not None:
            return Decision(claim, recorded=False, released=0, outcome="already-used")
        act = store.release_held if claim.action == "approve" else store.withhold
        count = act(
            conn,
            tenant=claim.tenant,
            proposal_id=claim.proposal_id,
            plan_version=claim.plan_version,
            now=now,
        )
        rows = store.rows_for_proposal(conn, tenant=claim.tenant, proposal_id=claim.proposal_id)
        superseded = any(
            r.plan_version == claim.plan_version and r.status == "superseded" for r in rows
        )
        recorded = store.record_approval(
            conn,
            tenant=claim.tenant,
            link_id=claim.link_id,
            proposal_id=claim.proposal_id,
            plan_version=claim.plan_version,
            decision=claim.action,
            decided_by=claim.advisor,
            now=now,
            released=count if claim.action == "approve" else 0,
        )
    if not recorded:
        return Decision(claim, recorded=False, released=0, outcome="already-used")
    if count:
        outcome = "released" if claim.action == "approve" else "withheld"
    elif superseded:
        outcome = "superseded"
    else:
        outcome = "nothing-held"
    return Decision(claim, recorded=True, released=count, outcome=outcome)


def _check_tenant(claim: LinkClaim, settings: Settings) -> None:
    if claim.tenant != settings.tenant:
        raise LinkError("This link is not valid.")
