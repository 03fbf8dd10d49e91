"""A data subject's request about one initiative: what the bridge holds, and forgetting it.

``forget`` first gives back what the plan holds (resource and budget holds, the lead
advisor's load), then deletes the proposal's rows in every table of
``schema.PROPOSAL_TABLES`` and its mail files, in one transaction. Decidim keeps its own
copy of the initiative: removing it there is Decidim's business.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from decidim_bridge.config import Settings
from decidim_bridge.store import Database, personal
from decidim_bridge.store import plans as plans_store


@dataclass
class Forgotten:
    proposal_id: str
    rows: dict[str, int] = field(default_factory=dict)
    mail_files: list[str] = field(default_factory=list)
    holds_released: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.rows or self.mail_files)


def mail_files(directory: Path | None, keys: list[str]) -> list[Path]:
    """The file backend's files of these mails (named after the first 32 key characters)."""
    if directory is None or not directory.is_dir():
        return []
    found: list[Path] = []
    for key in keys:
        found.extend(sorted(directory.glob(f"*-{key[:32]}.eml")))
    return found


def export(db: Database, settings: Settings, proposal_id: str) -> dict[str, Any]:
    """Everything stored about the proposal: rows per table, stored JSON decoded, and the
    mail files with their content."""
    with db.read() as conn:
        tables = personal.rows_about(conn, settings.tenant, proposal_id)
        keys = personal.mail_keys(conn, settings.tenant, proposal_id)
    for rows in tables.values():
        for row in rows:
            for name in ("plan", "changes", "payload", "body"):
                value = row.get(name)
                if isinstance(value, str) and value[:1] in "{[":
                    with contextlib.suppress(ValueError):
                        row[name] = json.loads(value)
    files = {
        path.name: path.read_text(encoding="utf-8", errors="replace")
        for path in mail_files(settings.mail_dir, keys)
    }
    return {
        "proposal_id": proposal_id,
        "tenant": settings.tenant,
        "tables": tables,
        "mail_files": files,
    }


def forget(db: Database, settings: Settings, proposal_id: str, now: float) -> Forgotten:
    """Remove the initiative's personal data; returns what was removed."""
    tenant = settings.tenant
    result = Forgotten(proposal_id)
    with db.begin() as conn:
        keys = personal.mail_keys(conn, tenant, proposal_id)
        if "plan_heads" in personal.rows_about(conn, tenant, proposal_id):
            head = plans_store.lock_head(conn, tenant, proposal_id, now)
            holds = plans_store.active_holds(conn, tenant, proposal_id)
            plans_store.apply_holds(conn, tenant, proposal_id, [], holds, now)
            plans_store.move_load(conn, head, None, capacity=None)
            result.holds_released = len(holds)
        result.rows = personal.delete_about(conn, tenant, proposal_id)
    for path in mail_files(settings.mail_dir, keys):
        path.unlink(missing_ok=True)
        result.mail_files.append(path.name)
    return result
