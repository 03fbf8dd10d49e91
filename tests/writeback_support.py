"""The whole write-back path on loopback ports, for end-to-end tests.

    with writeback_stack(tmp_path) as stack:
        stack.publish(114)            # in the sandbox -> signed webhook -> the bridge's inbox
        stack.plan()                  # the worker: fetch, plan, record writes (in-process)
        stack.write()                 # the writer: comments, answers, mails (in-process)
        stack.bridge_comments(114)    # what the bridge wrote on the proposal in the sandbox
        stack.mails()                 # the .eml files of the file backend

The sandbox and the bridge's web app run in threads; the worker and the writer are driven
step by step. ``clock`` (a ``FakeClock``) drives the sandbox, the writer and both Decidim
clients (budget windows, breaker, backoff; waiting advances it); it starts an hour ahead of
real time so rows the worker records (at real time) are due for the writer at once.
Without it everything runs on real time.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conftest import REPO, SECRET
from sandbox_support import FakeClock, RunningSandbox, running_bridge, running_sandbox

from decidim_bridge import plan_versions
from decidim_bridge.config import Settings, load_settings
from decidim_bridge.decidim.breaker import CircuitBreaker
from decidim_bridge.decidim.client import DecidimClient
from decidim_bridge.handler_table import default_handlers
from decidim_bridge.mail import FileBackend
from decidim_bridge.pipeline import store_support_plan
from decidim_bridge.plan.model import OPEN
from decidim_bridge.plan_versions import StoredPlan
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.loader import load as load_mappings
from decidim_bridge.rules.model import Mappings
from decidim_bridge.sandbox.model import Comment
from decidim_bridge.services import Services
from decidim_bridge.store import Database
from decidim_bridge.store import outbox as outbox_store
from decidim_bridge.store import plans as plans_store
from decidim_bridge.store.outbox import NewEffect, OutboxRow
from decidim_bridge.worker import Worker
from decidim_bridge.writeback.hook import WriteBack, prepare_writeback
from decidim_bridge.writeback.reminders import ReminderRun, run_reminders
from decidim_bridge.writeback.writer import Writer


def remind(
    db: Database, settings: Settings, mappings: Any, *, decidim: Any, now: float
) -> ReminderRun:
    """What ``decidim-bridge reminders`` does: the open plans from the store, then the check."""
    with db.read() as conn:
        current = plan_versions.current_versions(conn, settings.tenant, stage=OPEN)
    open_plans = [(item.plan, item.version) for item in current]
    return run_reminders(db, settings, mappings, decidim=decidim, open_plans=open_plans, now=now)


#: Settings that keep end-to-end tests fast: short leases, timeouts and waits.
FAST = {
    "worker_lease_seconds": 2.0,
    "worker_backoff_base": 0.05,
    "worker_backoff_max": 1.0,
    "reconcile_delay": 1.0,
    "http_connect_timeout": 1.0,
    "http_read_timeout": 3.0,
    "decidim_requests_per_minute": 600,
}


def ahead_clock() -> FakeClock:
    """A fake clock an hour ahead of now, at the start of a minute (a fresh budget window)."""
    return FakeClock(float((int(time.time()) // 60 + 61) * 60))


@dataclasses.dataclass
class Stack:
    sandbox: RunningSandbox
    db: Database
    settings: Settings
    worker: Worker
    clock: FakeClock | None
    writer_client: DecidimClient

    @property
    def tenant(self) -> str:
        return self.settings.tenant

    @property
    def mail_dir(self) -> Path:
        assert self.settings.mail_dir is not None
        return self.settings.mail_dir

    # --- driving --------------------------------------------------------------------------

    def flush(self) -> None:
        assert self.sandbox.flush_webhooks(), "the sandbox could not deliver its webhooks"

    def publish(self, proposal_id: int) -> None:
        self.sandbox.state.publish_proposal(proposal_id)
        self.flush()

    def plan(self) -> int:
        """Handle every inbox row that is due (webhooks flushed first)."""
        self.flush()
        handled = 0
        while self.worker.run_once():
            handled += 1
        return handled

    def make_writer(self, **overrides: Any) -> Writer:
        settings = dataclasses.replace(self.settings, **overrides) if overrides else self.settings
        return Writer(
            self.db,
            settings,
            decidim=self.writer_client.limited(wait=False),
            mailer=FileBackend(self.mail_dir),
            owner="e2e-writer",
            clock=self.clock or time.time,
        )

    def write(self, writer: Writer | None = None) -> int:
        return (writer or self.make_writer()).drain()

    def settle(self, rounds: int = 5) -> None:
        """Plan and write until nothing is left (a write may cause a webhook, and so on)."""
        writer = self.make_writer()
        for _ in range(rounds):
            if not (self.plan() + writer.drain()):
                return

    # --- looking ----------------------------------------------------------------------------

    def bridge_comments(self, proposal_id: int) -> list[Comment]:
        return [c for c in self.sandbox.state.comments_on(proposal_id) if c.author_is_api_user]

    def outbox(self, **filters: Any) -> list[OutboxRow]:
        with self.db.read() as conn:
            return list(reversed(outbox_store.list_rows(conn, limit=10_000, **filters)))

    def holds(self, proposal_id: str | int) -> list[plans_store.HoldRow]:
        with self.db.read() as conn:
            return plans_store.holds(conn, self.tenant, str(proposal_id))

    def current_plan(self, proposal_id: str | int) -> plan_versions.PlanVersion:
        with self.db.read() as conn:
            found = plan_versions.current_version(conn, self.tenant, str(proposal_id))
        assert found is not None, f"no plan for proposal {proposal_id}"
        return found

    def mails(self) -> list[EmailMessage]:
        return [
            message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[misc]
            for path in sorted(self.mail_dir.glob("*.eml"))
        ]

    def journal(self, since: int = 0, target: str | None = None) -> list[Any]:
        return self.sandbox.state.journal.entries(since=since, target=target)


def text_of(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _client(settings: Settings, database: Database, clock: FakeClock | None) -> DecidimClient:
    """A Decidim client with its own breaker; on the fake clock, waiting advances it."""
    host = urlsplit(settings.decidim_url).netloc
    if clock is None:
        return DecidimClient.from_settings(settings, database, breaker=CircuitBreaker(host))
    return DecidimClient.from_settings(
        settings,
        database,
        clock=clock,
        sleep=clock.advance,
        breaker=CircuitBreaker(host, clock=clock),
    )


@contextmanager
def writeback_stack(
    instance_dir: Path,
    *,
    clock: FakeClock | None = None,
    mappings_dir: Path | None = None,
    sandbox_clock: FakeClock | None = None,
    sandbox_options: dict[str, Any] | None = None,
    **setting_overrides: Any,
) -> Iterator[Stack]:
    """Sandbox + bridge web app + an in-process worker and writer over one SQLite file.

    ``sandbox_clock``: the sandbox alone on another time (e.g. proposals published weeks
    ago), the bridge on ``clock`` or real time.
    """
    base = load_settings(
        environ={},
        instance_dir=instance_dir,
        webhook_secrets=(SECRET,),
        tenant="localhost",
        mappings_dir=mappings_dir or REPO / "mappings",
        **{**FAST, **setting_overrides},
    )
    database = Database(base.database_url)
    database.upgrade()
    with ExitStack() as stack:
        bridge = stack.enter_context(running_bridge(base))
        sandbox = stack.enter_context(
            running_sandbox(
                webhook_url=f"{bridge.url}/webhooks/decidim",
                webhook_secret=SECRET,
                clock=sandbox_clock or clock or time.time,
                **{"rate_limit": 1000, **(sandbox_options or {})},
            )
        )
        settings = dataclasses.replace(base, **sandbox.settings_overrides())
        worker_client = _client(settings, database, clock)
        stack.callback(worker_client.close)
        writer_client = _client(settings, database, clock)
        stack.callback(writer_client.close)
        services = Services(
            settings=settings,
            db=database,
            decidim=worker_client,
            mappings=load_mappings(settings.mappings_dir),
        )
        worker = Worker(database, settings, default_handlers(), services=services, owner="e2e")
        yield Stack(sandbox, database, settings, worker, clock, writer_client)
    database.dispose()


# --- a real writer process (crash tests) ---------------------------------------------------


def writer_environment(settings: Settings, **overrides: Any) -> dict[str, str]:
    """The environment of a real ``decidim-bridge writer`` process on ``settings``: short
    leases and reconcile delay, a read timeout longer than the sandbox's stalls;
    ``overrides`` are further settings by name without the prefix (``WORKER_LEASE_SECONDS``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECIDIM_BRIDGE_")}
    values = {
        "INSTANCE_DIR": settings.instance_dir,
        "DATABASE_URL": settings.database_url,
        "MAPPINGS_DIR": settings.mappings_dir,
        "MAIL_DIR": settings.mail_dir,
        "TENANT": settings.tenant,
        "DECIDIM_URL": settings.decidim_url,
        "DECIDIM_API_KEY": settings.decidim_api_key,
        "DECIDIM_API_SECRET": settings.decidim_api_secret,
        "WORKER_LEASE_SECONDS": 1,
        "WORKER_POLL_INTERVAL": 0.1,
        "RECONCILE_DELAY": 0.2,
        "HTTP_READ_TIMEOUT": 20,  # longer than the stall: the writer is still waiting
        "LOG_FORMAT": "text",
        **overrides,
    }
    env.update({f"DECIDIM_BRIDGE_{k}": str(v) for k, v in values.items()})
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def start_writer(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:
        return subprocess.Popen(
            [sys.executable, "-c", "from decidim_bridge.cli import main; main()", "writer"],
            cwd=REPO,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def wait_for(condition: Callable[[], bool], timeout: float, what: str, log: Path) -> float:
    """Wait until ``condition`` holds; the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}\n{log.read_text(errors='replace')}")


def outbox_effect(
    key: str, lane: str = "decidim:1", kind: str = "decidim_comment", space: str = ""
) -> NewEffect:
    """An outbox row of proposal 1, plan version 1, keyed ``key`` (for the store's tests)."""
    return NewEffect(
        tenant="localhost",
        effect_key=key,
        ref="LB-" + key[:6].upper(),
        proposal_id="1",
        plan_version=1,
        kind=kind,
        purpose="initiators",
        recipient="",
        lane=lane,
        public=kind != "mail",
        payload={"body": "x"},
        space=space,
    )


def store_plan_version(
    db: Database,
    settings: Settings,
    mappings: Mappings,
    proposal: Proposal,
    *,
    now: float,
    decidim: Any = None,
    writeback: WriteBack | None = None,
    space_key: str = "wijkinitiatieven",
) -> StoredPlan:
    """Store a plan version and its writes as the pipeline does (one transaction); the
    writes are those ``decidim``'s capabilities allow unless ``writeback`` is given."""
    writeback = writeback or prepare_writeback(settings, mappings, decidim=decidim, now=now)
    with db.begin() as conn:
        return store_support_plan(
            conn,
            tenant=settings.tenant,
            proposal=proposal,
            mappings=mappings,
            now=now,
            space_key=space_key,
            writeback=writeback,
        )
