"""Retention: remove personal data once the work no longer needs it (the ``retention`` job).

* raw webhook bodies of finished events: after ``RETENTION_WEBHOOK_DAYS`` (30);
* payloads and recipients of finished writes, and mail files of the file backend: after
  ``RETENTION_MAIL_DAYS`` (90);
* plans of finished initiatives (accepted, rejected, withdrawn) unchanged for
  ``RETENTION_PLAN_MONTHS`` (12): earlier versions deleted, the current one reduced to what
  the digest counts (``reduce``), the approving advisor's address emptied.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from decidim_bridge.config import Settings
from decidim_bridge.plan.model import ACCEPTED, REJECTED, WITHDRAWN
from decidim_bridge.plan.serialize import plan_from_json, plan_to_json
from decidim_bridge.privacy.reduce import reduce_plan
from decidim_bridge.store import Database, personal

log = logging.getLogger(__name__)

DAY = 86400.0
MONTH = 30.4375 * DAY
FINISHED_STAGES = (ACCEPTED, REJECTED, WITHDRAWN)


@dataclass
class RetentionResult:
    webhook_bodies: int = 0
    write_payloads: int = 0
    mail_files: int = 0
    plans_reduced: int = 0
    plan_versions_deleted: int = 0

    def summary(self) -> str:
        return (
            f"{self.webhook_bodies} webhook body(ies), {self.write_payloads} write payload(s), "
            f"{self.mail_files} mail file(s) removed; {self.plans_reduced} finished plan(s) "
            f"reduced, {self.plan_versions_deleted} earlier version(s) deleted"
        )


def apply(db: Database, settings: Settings, now: float) -> RetentionResult:
    """Apply every retention period at ``now``."""
    tenant = settings.tenant
    result = RetentionResult()
    with db.begin() as conn:
        result.webhook_bodies = personal.redact_inbox_bodies(
            conn, tenant, now - settings.retention_webhook_days * DAY
        )
        result.write_payloads = personal.redact_outbox_payloads(
            conn, tenant, now - settings.retention_mail_days * DAY
        )
    if settings.mail_dir is not None:
        result.mail_files = remove_old_mail_files(
            settings.mail_dir, now - settings.retention_mail_days * DAY
        )
    cutoff = now - settings.retention_plan_months * MONTH
    with db.read() as conn:
        finished = personal.finished_proposals(conn, tenant, FINISHED_STAGES, cutoff)
    for proposal_id, version in finished:
        with db.begin() as conn:
            deleted = personal.drop_earlier_versions(conn, tenant, proposal_id, version)
            text = personal.plan_text(conn, tenant, proposal_id, version)
            reduced = None if text is None else plan_to_json(reduce_plan(plan_from_json(text)))
            changed = reduced is not None and reduced != text
            if reduced is not None and changed:
                personal.replace_plan_text(conn, tenant, proposal_id, version, reduced)
            redacted = personal.redact_approvals(conn, tenant, proposal_id)
        result.plan_versions_deleted += deleted
        result.plans_reduced += int(changed or bool(deleted) or bool(redacted))
    log.info("retention applied", extra={"summary": result.summary()})
    return result


def remove_old_mail_files(directory: Path, before: float) -> int:
    """Delete ``.eml`` files last written before ``before``."""
    removed = 0
    if not directory.is_dir():
        return 0
    for path in directory.glob("*.eml"):
        try:
            if path.stat().st_mtime < before:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
