"""Shared fixtures: settings on a temporary SQLite file, a real PostgreSQL schema, the app.

PostgreSQL tests use the server named by ``DECIDIM_BRIDGE_TEST_POSTGRES_URL`` (default: the
local server, database ``test``). Each test gets its own schema, so test runs never see each
other's rows. Without a server the tests are skipped, unless
``DECIDIM_BRIDGE_REQUIRE_POSTGRES=1`` (set by ``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from decidim_bridge.config import Settings, load_settings
from decidim_bridge.intake.signatures import sign_restfull, sign_standard
from decidim_bridge.store import Database, inbox

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SECRET_KEY = b"bridge-test-secret-key-32-bytes!"
SECRET = "whsec_" + base64.b64encode(SECRET_KEY).decode()
RESTFULL_SECRET = "3f6c0e9a8b7d4c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e"
POSTGRES_URL = os.environ.get(
    "DECIDIM_BRIDGE_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()) or "pg_db" in getattr(
            item, "fixturenames", ()
        ):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def instance_dir(tmp_path: Path) -> Path:
    path = tmp_path / "instance"
    path.mkdir()
    return path


@pytest.fixture
def settings(instance_dir: Path) -> Settings:
    return load_settings(
        environ={},
        instance_dir=instance_dir,
        webhook_secrets=(SECRET,),
        restfull_secret=RESTFULL_SECRET,
        mappings_dir=REPO / "mappings",
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url)
    database.upgrade()
    yield database
    database.dispose()


def _postgres_available() -> str | None:
    try:
        engine = create_engine(
            POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1),
            connect_args={"connect_timeout": 3},
        )
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def pg_server() -> str:
    problem = _postgres_available()
    if problem is not None:
        if os.environ.get("DECIDIM_BRIDGE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but unavailable at {POSTGRES_URL}: {problem}")
        pytest.skip(f"PostgreSQL unavailable at {POSTGRES_URL}")
    return POSTGRES_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A database URL whose connections use a fresh schema (dropped afterwards)."""
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(pg_server.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_server else "?"
    yield f"{pg_server}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    database = Database(pg_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def app(settings: Settings, db: Database) -> Any:
    from decidim_bridge.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def envelope(
    event_type: str = "decidim.events.proposals.proposal_published",
    proposal_id: int | str = 42,
    host: str = "localhost",
    **extra: Any,
) -> dict[str, Any]:
    """A Standard Webhooks envelope as the Decidim forwarder sends it."""
    body: dict[str, Any] = {
        "type": event_type,
        "occurred_at": "2026-11-28T10:15:00+01:00",
        "organization": {"host": host},
        "resource": {
            "type": "Decidim::Proposals::Proposal",
            "id": proposal_id,
            "url": f"http://{host}/processes/wijkinitiatieven/f/7/proposals/{proposal_id}",
        },
        "component": {"id": 7, "manifest": "proposals"},
        "participatory_space": {
            "type": "Decidim::ParticipatoryProcess",
            "id": 3,
            "slug": "wijkinitiatieven",
        },
        "extra": {},
    }
    body.update(extra)
    return body


def standard_headers(
    body: bytes,
    *,
    msg_id: str | None = None,
    timestamp: int | None = None,
    key: bytes = SECRET_KEY,
) -> dict[str, str]:
    msg_id = msg_id or "msg_" + uuid.uuid4().hex
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_standard(msg_id, timestamp, body, key),
        "content-type": "application/json",
    }


def restfull_headers(
    body: bytes, *, timestamp: int | None = None, secret: str = RESTFULL_SECRET
) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": sign_restfull(timestamp, body, secret),
        "content-type": "application/json",
    }


def dumps(payload: Any) -> bytes:
    return json.dumps(payload).encode("utf-8")


def store_event(
    db: Database,
    key: str,
    *,
    event_type: str,
    subject: str,
    body: str,
    now: float,
    source: str = "decidim",
    body_sha256: str = "0" * 64,
) -> int:
    """Store one event in the inbox as intake would, in its own transaction; the row's id."""
    with db.begin() as conn:
        return inbox.store_delivery(
            conn,
            tenant="localhost",
            source=source,
            delivery_key=key,
            event_type=event_type,
            subject=subject,
            body=body,
            body_sha256=body_sha256,
            now=now,
        ).id


@pytest.fixture
def reads_below(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], list[str]]:
    """``reads_below(folder)``: the list, filled as it happens, of the files below
    ``folder`` read as bytes (relative paths, in order)."""

    def watch(root: Path) -> list[str]:
        reads: list[str] = []
        read_bytes = Path.read_bytes

        def counting(path: Path) -> bytes:
            reads.append(path.relative_to(root).as_posix())
            return read_bytes(path)

        monkeypatch.setattr(Path, "read_bytes", counting)
        return reads

    return watch


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for another thread to bring ``condition`` about; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.002)
