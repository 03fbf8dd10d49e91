"""``decidim-bridge demo``: the whole flow on one machine, in one command.

It starts two processes (the sandbox, and the bridge as ``decidim-bridge run`` runs it in
production: web server, worker, writer and scheduler in one process), with a fresh SQLite
database under the instance folder, the sandbox's demo API credentials and a newly
generated webhook secret. Then it publishes the seed initiatives in the sandbox
(``/_sandbox/replay``): each publication reaches the bridge as a signed webhook, the worker
plans, the writer writes back. When that has settled, people act in Decidim's admin as the
decidim-bridge module reports it: an admin re-assigns one initiative to another advisor and
a lead confirms an offer with a command in a private note; the bridge follows. Then it prints
an account
(``account.py``) from the sandbox's records and the bridge's database, and keeps serving
until Ctrl-C, which stops all processes.

The demo raises two budgets so the replay of ~20 events finishes in seconds: the sandbox
allows 600 requests per minute (Decidim: 100) and the bridge may use 300 (default 60).
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy as email_policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import inspect, select, text

from decidim_bridge.config import load_settings
from decidim_bridge.sandbox.account import AccountData, render
from decidim_bridge.sandbox.settings import DEFAULT_API_KEY, DEFAULT_API_SECRET
from decidim_bridge.store import Database

MARKER = ".decidim-bridge-demo"
SANDBOX_RATE_LIMIT = 600
BRIDGE_REQUESTS_PER_MINUTE = 300
#: Bridge processes the demo runs: the whole bridge in one (``run``), or split as when
#: scaling out (``serve``, ``worker``, ``writer``). The first one serves HTTP.
BRIDGE_PROCESSES = (("bridge", ("run",)),)
SPLIT_PROCESSES = (
    ("web", ("serve", "--workers", "1", "--threads", "4")),
    ("worker", ("worker",)),
    ("writer", ("writer",)),
)
SETTLE_SECONDS = 2.0
#: Who acts in Decidim's admin in the demo (sandbox seed users): an organization admin, and
#: advisors an initiative can be re-assigned to.
DEMO_ADMIN = "marieke_kok"
DEMO_SUCCESSORS = ("pieter_deboer", "sanne_visser")


class DemoError(Exception):
    """The demo could not start or lost one of its processes."""


@dataclass(frozen=True)
class DemoOptions:
    host: str = "127.0.0.1"
    sandbox_port: int = 3000
    bridge_port: int = 8000
    instance_dir: Path = Path("instance/demo")
    timeout: float = 50.0
    python: str = sys.executable
    split: bool = False


@dataclass
class _Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


@dataclass
class Demo:
    options: DemoOptions
    echo: Callable[[str], Any] = print
    processes: list[_Process] = field(default_factory=list)
    webhook_secret: str = ""
    #: Called once the replay settled, while every process still runs (``bench/memory.py``).
    on_settled: Callable[[Demo], Any] | None = None

    @property
    def sandbox_url(self) -> str:
        return f"http://{self.options.host}:{self.options.sandbox_port}"

    @property
    def bridge_url(self) -> str:
        return f"http://{self.options.host}:{self.options.bridge_port}"

    @property
    def instance_dir(self) -> Path:
        return self.options.instance_dir.resolve()

    # --- the run -------------------------------------------------------------------------

    def run(self, *, serve: bool) -> bool:
        """Start, replay, report; then serve until interrupted (when ``serve``)."""
        started = time.monotonic()
        self._prepare_instance_dir()
        self._check_ports()
        env = self._environment()
        self._migrate(env)
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            self._start_all(env)
            self.echo("Publishing the example initiatives in the sandbox ...")
            self._sandbox("post", "/_sandbox/replay")
            settled = self._settle()
            steering: list[dict[str, Any]] = []
            if settled:
                self.echo("People act in Decidim's admin: a re-assignment and a note command ...")
                steering = self._steer(env)
                settled = self._settle()
            if self.on_settled is not None:
                self.on_settled(self)
            data = self._gather(env)
            data.steering = [{**act, **self._after(env, act)} for act in steering]
            data.elapsed = time.monotonic() - started
            if not settled:
                data.notes.append(
                    f"the flow had not settled after {self.options.timeout:.0f} s; "
                    f"see the logs in {self.instance_dir / 'logs'}"
                )
            self.echo(render(data))
            self.echo(f"\nReplay finished in {data.elapsed:.1f} s.")
            if serve:
                self.echo("Serving. Press Ctrl-C to stop sandbox, bridge and worker.")
                self._serve()
            return settled
        except KeyboardInterrupt:
            self.echo("\nStopping ...")
            return True
        finally:
            self._stop_all()
            signal.signal(signal.SIGTERM, previous)

    # --- preparation ---------------------------------------------------------------------

    def _prepare_instance_dir(self) -> None:
        path = self.instance_dir
        if path.exists():
            if any(path.iterdir()) and not (path / MARKER).exists():
                raise DemoError(
                    f"{path} is not empty and was not made by the demo; "
                    "choose another --instance-dir"
                )
            shutil.rmtree(path)
        (path / "logs").mkdir(parents=True)
        (path / MARKER).write_text("created by `decidim-bridge demo`; emptied on each run\n")

    def _check_ports(self) -> None:
        for name, port in (
            ("--sandbox-port", self.options.sandbox_port),
            ("--bridge-port", self.options.bridge_port),
        ):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind((self.options.host, port))
                except OSError as exc:
                    raise DemoError(
                        f"port {port} on {self.options.host} is in use ({exc.strerror}); "
                        f"pass another {name}"
                    ) from exc

    def _environment(self) -> dict[str, str]:
        """The bridge's settings for the demo (inherited DECIDIM_BRIDGE_* are left out)."""
        key = secrets.token_bytes(32)
        self.webhook_secret = "whsec_" + base64.b64encode(key).decode()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DECIDIM_BRIDGE_")}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.update(
            {
                "DECIDIM_BRIDGE_INSTANCE_DIR": str(self.instance_dir),
                "DECIDIM_BRIDGE_DATABASE_URL": f"sqlite:///{self.instance_dir / 'bridge.sqlite3'}",
                "DECIDIM_BRIDGE_WEBHOOK_SECRETS": self.webhook_secret,
                "DECIDIM_BRIDGE_DECIDIM_URL": f"http://localhost:{self.options.sandbox_port}",
                "DECIDIM_BRIDGE_DECIDIM_API_KEY": DEFAULT_API_KEY,
                "DECIDIM_BRIDGE_DECIDIM_API_SECRET": DEFAULT_API_SECRET,
                "DECIDIM_BRIDGE_DECIDIM_REQUESTS_PER_MINUTE": str(BRIDGE_REQUESTS_PER_MINUTE),
                "DECIDIM_BRIDGE_PUBLIC_URL": self.bridge_url,
                "DECIDIM_BRIDGE_LINK_SECRET": secrets.token_hex(24),
                "DECIDIM_BRIDGE_LOG_FORMAT": "text",
                "DECIDIM_BRIDGE_WORKER_POLL_INTERVAL": "0.2",
                "DECIDIM_BRIDGE_RECONCILE_DELAY": "2",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def _migrate(self, env: dict[str, str]) -> None:
        settings = load_settings(environ=env)
        database = Database(settings.database_url)
        try:
            database.upgrade()
        finally:
            database.dispose()

    # --- processes -----------------------------------------------------------------------

    def _start_all(self, env: dict[str, str]) -> None:
        self.echo(f"Starting the Decidim sandbox on {self.sandbox_url} ...")
        self._start(
            "sandbox",
            (
                "sandbox",
                "--host",
                self.options.host,
                "--port",
                str(self.options.sandbox_port),
                "--public-url",
                f"http://localhost:{self.options.sandbox_port}",
                "--staged",
                "--rate-limit",
                str(SANDBOX_RATE_LIMIT),
                "--webhook-url",
                f"{self.bridge_url}/webhooks/decidim",
                "--webhook-secret",
                self.webhook_secret,
            ),
            env,
        )
        self._wait_until("sandbox", f"{self.sandbox_url}/_sandbox/health")
        extra = ("--host", self.options.host, "--port", str(self.options.bridge_port))
        processes = SPLIT_PROCESSES if self.options.split else BRIDGE_PROCESSES
        for index, (name, args) in enumerate(processes):
            self._start(name, args + extra if index == 0 else args, env)
        if self.options.split:
            names = ", ".join(name for name, _ in processes)
            self.echo(f"Starting the bridge ({names}) on {self.bridge_url} ...")
        else:
            self.echo(
                f"Starting the bridge (web server, worker, writer, scheduler) on "
                f"{self.bridge_url} ..."
            )
        self._wait_until(processes[0][0], f"{self.bridge_url}/readyz")

    def _start(self, name: str, args: tuple[str, ...], env: dict[str, str]) -> None:
        log = self.instance_dir / "logs" / f"{name}.log"
        command = [self.options.python, "-c", "from decidim_bridge.cli import main; main()", *args]
        handle = log.open("wb")
        try:
            popen = subprocess.Popen(
                command,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            handle.close()
        self.processes.append(_Process(name, popen, log))

    def _wait_until(self, name: str, url: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise DemoError(f"{name} did not become ready at {url}{self._log_tail(name)}")

    def pids(self) -> dict[str, int]:
        """The process id of each process the demo started, by name."""
        return {process.name: process.popen.pid for process in self.processes}

    def _check_alive(self) -> None:
        for process in self.processes:
            if process.popen.poll() is not None:
                raise DemoError(
                    f"the {process.name} process stopped (exit {process.popen.returncode})"
                    + self._log_tail(process.name)
                )

    def _log_tail(self, name: str, lines: int = 15) -> str:
        for process in self.processes:
            if process.name == name and process.log.exists():
                tail = process.log.read_text(errors="replace").splitlines()[-lines:]
                return f"\n--- last lines of {process.log} ---\n" + "\n".join(tail)
        return ""

    def _serve(self) -> None:
        while True:
            self._check_alive()
            time.sleep(0.5)

    def _stop_all(self) -> None:
        for process in reversed(self.processes):
            if process.popen.poll() is None:
                process.popen.terminate()
        deadline = time.monotonic() + 10
        for process in reversed(self.processes):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                process.popen.wait(remaining)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait(5)
        self.processes.clear()

    # --- watching the flow ---------------------------------------------------------------

    def _sandbox(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = requests.request(method, self.sandbox_url + path, timeout=30, **kwargs)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise DemoError(f"the sandbox did not answer {method.upper()} {path}: {exc}") from exc
        return response.json()

    def _settle(self) -> bool:
        """Wait until no webhook, inbox row or due write is open and nothing moves."""
        database = Database(f"sqlite:///{self.instance_dir / 'bridge.sqlite3'}")
        try:
            deadline = time.monotonic() + self.options.timeout
            quiet_since: float | None = None
            last: Any = None
            while time.monotonic() < deadline:
                self._check_alive()
                hooks = self._sandbox("get", "/_sandbox/webhooks")["deliveries"]
                journal = self._sandbox("get", "/_sandbox/journal")["entries"]
                busy, fingerprint = _bridge_activity(database)
                pending = sum(1 for d in hooks if d["status"] == "pending")
                now_print = (len(hooks), len(journal), fingerprint)
                if pending or busy or now_print != last:
                    quiet_since, last = None, now_print
                elif quiet_since is None:
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since >= SETTLE_SECONDS:
                    return True
                time.sleep(0.25)
            return False
        finally:
            database.dispose()

    # --- advisors steering from Decidim ---------------------------------------------------

    def _steer(self, env: dict[str, str]) -> list[dict[str, Any]]:
        """Act as people in Decidim's admin, through the sandbox (the module's events reach
        the bridge): an admin re-assigns one initiative to another advisor, and the lead of
        another confirms an offer with a command in a private note. Returns what was done."""
        database = Database(env["DECIDIM_BRIDGE_DATABASE_URL"])
        try:
            planned = _planned_with_evaluator(database, self._sandbox)
        finally:
            database.dispose()
        acts: list[dict[str, Any]] = []
        if not planned:
            return acts
        first = planned[0]
        successor = next(n for n in DEMO_SUCCESSORS if n not in first["evaluators"])
        for action, person in (("unassign", first["evaluators"][0]), ("assign", successor)):
            self._sandbox(
                "post",
                f"/_sandbox/proposals/{first['id']}/evaluators/{action}",
                json={"evaluators": [person], "by": DEMO_ADMIN},
            )
        acts.append(
            {
                "proposal_id": first["id"],
                "did": f"@{DEMO_ADMIN} (admin) re-assigned the initiative from "
                f"@{first['evaluators'][0]} to @{successor}",
            }
        )
        with_hold = next((p for p in planned[1:] if p["held_item"]), None)
        if with_hold is not None:
            command = f"/bevestig {with_hold['held_item']}"
            author = with_hold["evaluators"][0]
            self._sandbox(
                "post",
                f"/_sandbox/proposals/{with_hold['id']}/notes",
                json={"body": command, "by": author},
            )
            acts.append(
                {
                    "proposal_id": with_hold["id"],
                    "did": f"@{author} (the lead) wrote a private note: {command}",
                    "item": with_hold["held_item"],
                }
            )
        return acts

    def _after(self, env: dict[str, str], act: dict[str, Any]) -> dict[str, Any]:
        """The proposal after the act: in Decidim (evaluators, the bridge's notes) and in the
        bridge (plan version, lead, the item's hold)."""
        detail = self._sandbox("get", f"/_sandbox/proposals/{act['proposal_id']}")
        database = Database(env["DECIDIM_BRIDGE_DATABASE_URL"])
        try:
            with database.read() as conn:
                head = conn.execute(
                    text("SELECT version, lead_advisor_id FROM plan_heads WHERE proposal_id = :p"),
                    {"p": str(act["proposal_id"])},
                ).one_or_none()
                hold = None
                if act.get("item"):
                    hold = conn.execute(
                        text(
                            "SELECT status FROM plan_holds WHERE proposal_id = :p "
                            "AND item_id = :i ORDER BY id DESC"
                        ),
                        {"p": str(act["proposal_id"]), "i": act["item"]},
                    ).scalar()
        finally:
            database.dispose()
        return {
            "evaluators": [e["nickname"] for e in detail.get("evaluators", [])],
            "bridge_notes": [n["body"] for n in detail.get("notes", []) if n["by_api_user"]],
            "version": head.version if head is not None else None,
            "lead": head.lead_advisor_id if head is not None else None,
            "hold": hold,
        }

    def _gather(self, env: dict[str, str]) -> AccountData:
        state = self._sandbox("get", "/_sandbox/state")
        data = AccountData(
            deliveries=self._sandbox("get", "/_sandbox/webhooks")["deliveries"],
            journal=self._sandbox("get", "/_sandbox/journal")["entries"],
            proposals=state["proposals"],
            api_comments=self._sandbox("get", "/_sandbox/comments")["comments"],
            urls={
                "Decidim sandbox API": f"{self.sandbox_url}/api  (console: /api/graphiql)",
                "sandbox control": f"{self.sandbox_url}/_sandbox/state",
                "bridge readiness": f"{self.bridge_url}/readyz",
                "bridge metrics": f"{self.bridge_url}/metrics",
                "logs": str(self.instance_dir / "logs"),
                "database": str(self.instance_dir / "bridge.sqlite3"),
            },
        )
        database = Database(env["DECIDIM_BRIDGE_DATABASE_URL"])
        try:
            data.inbox, data.tables, outbox_rows = _bridge_records(database)
        finally:
            database.dispose()
        data.outbox = outbox_rows
        mail_dir = load_settings(environ=env).mail_dir
        if mail_dir is not None:
            data.mails = _mails(mail_dir)
            data.mail_dir = str(mail_dir)
            data.urls["mail"] = str(mail_dir)
        return data


def _interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


def _bridge_activity(database: Database) -> tuple[bool, tuple[Any, ...]]:
    """Whether the bridge still has work (open inbox rows, writes due soon) and a fingerprint
    of its tables that changes whenever it does something."""
    with database.read() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        counts: tuple[tuple[str, int], ...] = tuple(
            (t, conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()) for t in tables
        )
        open_inbox: int = conn.execute(
            text("SELECT COUNT(*) FROM inbox WHERE status IN ('pending', 'running')")
        ).scalar_one()
        due_writes: int = 0
        if "outbox" in tables:
            due_writes = conn.execute(
                text(
                    "SELECT COUNT(*) FROM outbox WHERE status IN ('planned', 'in_flight') "
                    "AND next_attempt_at <= :soon"
                ),
                {"soon": time.time() + 5},
            ).scalar_one()
        statuses = tuple(
            conn.execute(text("SELECT status, COUNT(*) FROM inbox GROUP BY status")).all()
        )
    return bool(open_inbox or due_writes), (counts, statuses)


def _planned_with_evaluator(
    database: Database, sandbox: Callable[..., Any]
) -> list[dict[str, Any]]:
    """Planned, open initiatives that Decidim shows with an evaluator, in id order, each with
    a resource it holds (None: none): the ones the demo's people act on."""
    with database.read() as conn:
        rows: list[str] = list(
            conn.execute(
                text("SELECT proposal_id FROM plan_heads WHERE stage = 'open' AND version > 0")
            ).scalars()
        )
        ids = sorted(rows, key=int)
        held = {
            str(r.proposal_id): r.item_id
            for r in conn.execute(
                text(
                    "SELECT proposal_id, item_id FROM plan_holds "
                    "WHERE kind = 'resource' AND status = 'held' ORDER BY id DESC"
                )
            )
        }
    found = []
    for proposal_id in ids:
        detail = sandbox("get", f"/_sandbox/proposals/{proposal_id}")
        nicknames = [e["nickname"] for e in detail.get("evaluators", [])]
        if nicknames:
            found.append(
                {"id": proposal_id, "evaluators": nicknames, "held_item": held.get(proposal_id)}
            )
    return found


def _mails(directory: Path) -> list[dict[str, Any]]:
    """To and Subject of every ``.eml`` file the bridge's file backend wrote, by subject."""
    found = []
    for path in sorted(directory.glob("*.eml")):
        with path.open("rb") as handle:
            headers = BytesHeaderParser(policy=email_policy.default).parse(handle)
        to = headers["To"]
        addresses = [a.addr_spec for a in getattr(to, "addresses", ())]
        found.append(
            {
                "to": ", ".join(addresses) or str(to or ""),
                "subject": " ".join(str(headers["Subject"] or "").split()),
                "file": path.name,
            }
        )
    return sorted(found, key=lambda m: (m["subject"], m["to"]))


def _bridge_records(
    database: Database,
) -> tuple[list[dict[str, Any]], dict[str, int], list[dict[str, Any]]]:
    from decidim_bridge.store.schema import inbox

    with database.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(inbox).order_by(inbox.c.id))]
        names = [
            t for t in inspect(conn).get_table_names() if t not in ("alembic_version", "inbox")
        ]
        tables = {
            t: int(conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()) for t in names
        }
        outbox_rows: list[dict[str, Any]] = []
        if "outbox" in names:
            outbox_rows = [
                dict(r._mapping) for r in conn.execute(text("SELECT * FROM outbox ORDER BY id"))
            ]
    return rows, tables, outbox_rows
