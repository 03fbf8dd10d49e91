"""What municipalities feel at Decidim's edge: API requests per initiative, webhook-to-comment
time, and the drain of a burst under Decidim's rate limit.

Run: ``.venv/bin/python bench/decidim_economy.py`` (about 2.5 minutes; ``--quick`` about 1.5).

Decidim allows about 100 API requests per minute per IP (Rack::Attack) and the bridge keeps
to its own budget below that (``DECIDIM_REQUESTS_PER_MINUTE``, 60). The embedded sandbox
enforces the limit; to keep the run short, time is scaled: the window is ``--window``
seconds (6) instead of 60, with the same counts (sandbox 100, bridge 60 per window), so one
window here stands for one minute in production.

Two modes run one after the other, each against a fresh sandbox and a fresh bridge
(``decidim-bridge run`` as a separate process, SQLite, mail to files):

* naive   — ``DECIDIM_BRIDGE_READ_ECONOMY=false``: one read of the proposal per event;
* economy — the default: the state event of the bridge's own answer needs no read, events
  of one proposal queued in the inbox share one read.

Each mode runs two phases:

1. burst — ``--initiatives`` drafts (40; 200 with ``--full``) are published evenly within
   one window ("a minute"), then one initiative in another space (the wijkraad's assembly,
   put in scope for the run); the phase ends when the bridge's inbox and outbox are empty;
2. bulk answers — an admin publishes an ``accepted`` answer on each of them at once.

Printed per mode and phase: API requests per planned initiative (reads = queries, writes =
mutations, other = sign-ins), the time from each publication's webhook to the bridge's
comment (p50, p95, p99), the time to drain the burst, the least time the bridge's budget
allows for the writes that had to happen (writes / budget x window) and their ratio,
requests refused with 429, the most requests the sandbox saw in one window (must stay
within the bridge's budget), and the webhook-to-comment time of the lone initiative of the
other space. Requests are counted by the sandbox (its journal).
"""

from __future__ import annotations

import argparse
import base64
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from decidim_bridge.sandbox.app import create_sandbox_app, sandbox_of
from decidim_bridge.sandbox.runtime import Sandbox
from decidim_bridge.sandbox.server import ServerThread
from decidim_bridge.sandbox.settings import SandboxConfig
from decidim_bridge.store import Database
from decidim_bridge.store.schema import inbox, outbox

COMPONENT = 11  # Wijkinitiatieven, in scope in the example rules
#: The wijkraad's assembly, put in scope for the run: the lone initiative of another space.
LONE_COMPONENT = 31
REPO = Path(__file__).resolve().parent.parent
ASSEMBLY_IGNORED = (
    "  - name: Wijkraad Noord\n"
    "    space: {type: assembly, slug: wijkraad-noord, id: 3}\n"
    "    reason: eigen vergaderruimte van de wijkraad, geen burgerinitiatieven\n"
)
CLI = [sys.executable, "-c", "from decidim_bridge.cli import main; main()"]
EXAMPLES = range(101, 113)  # the seed's example initiatives: their texts are reused
OPEN_INBOX = ("pending", "running")
EDGE = 3
OPEN_OUTBOX = ("held", "planned", "in_flight")


@dataclass
class Phase:
    name: str
    initiatives: int
    started: float
    ended: float = 0.0
    entries: list[Any] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    lone: float | None = None

    def count(self, target: str) -> int:
        return sum(1 for e in self.entries if e.target == target)

    @property
    def refused(self) -> int:
        return sum(1 for e in self.entries if e.status == 429)


@dataclass
class ModeResult:
    mode: str
    phases: list[Phase]
    window: float
    budget: int
    max_per_window: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def two_spaces(workdir: Path) -> Path:
    """The example rules with the wijkraad's assembly (component 31) in scope too."""
    target = workdir / "mappings"
    shutil.copytree(REPO / "mappings", target)
    scope = target / "scope.yaml"
    text = scope.read_text(encoding="utf-8")
    if ASSEMBLY_IGNORED not in text:
        raise SystemExit("mappings/scope.yaml changed: cannot put the assembly in scope")
    text = text.replace(ASSEMBLY_IGNORED, "").replace(
        "ignore:\n",
        "  - name: Wijkraad Noord\n"
        "    space: {type: assembly, slug: wijkraad-noord, id: 3}\n"
        f"    components: [{LONE_COMPONENT}]\n\nignore:\n",
    )
    scope.write_text(text, encoding="utf-8")
    return target


def start_sandbox(args: argparse.Namespace, webhook_url: str, secret: str) -> tuple[Any, Sandbox]:
    config = SandboxConfig(
        host="127.0.0.1",
        rate_limit=args.limit,
        rate_period=args.window,
        webhook_url=webhook_url,
        webhook_secret=secret,
    )
    app = create_sandbox_app(config)
    server = ServerThread(app, "127.0.0.1", 0)
    sandbox = sandbox_of(app)
    public = f"http://127.0.0.1:{server.port}"
    sandbox.config = replace(config, port=server.port, public_url=public)
    sandbox.state.base_url = public
    server.start()
    return server, sandbox


def bridge_env(
    args: argparse.Namespace, workdir: Path, sandbox: Sandbox, secret: str, economy: bool
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECIDIM_BRIDGE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        {
            "DECIDIM_BRIDGE_INSTANCE_DIR": str(workdir),
            "DECIDIM_BRIDGE_DATABASE_URL": f"sqlite:///{workdir / 'bridge.sqlite3'}",
            "DECIDIM_BRIDGE_WEBHOOK_SECRETS": secret,
            "DECIDIM_BRIDGE_DECIDIM_URL": sandbox.config.base_url,
            "DECIDIM_BRIDGE_TENANT": sandbox.state.organization.host,
            "DECIDIM_BRIDGE_DECIDIM_API_KEY": SandboxConfig.api_key,
            "DECIDIM_BRIDGE_DECIDIM_API_SECRET": SandboxConfig.api_secret,
            "DECIDIM_BRIDGE_DECIDIM_REQUESTS_PER_MINUTE": str(args.budget),
            "DECIDIM_BRIDGE_DECIDIM_RATE_WINDOW": str(int(args.window)),
            "DECIDIM_BRIDGE_READ_ECONOMY": "true" if economy else "false",
            "DECIDIM_BRIDGE_MAPPINGS_DIR": str(two_spaces(workdir)),
            "DECIDIM_BRIDGE_LINK_SECRET": secrets.token_hex(24),
            "DECIDIM_BRIDGE_LOG_FORMAT": "text",
            "DECIDIM_BRIDGE_LOG_LEVEL": "WARNING",
            "DECIDIM_BRIDGE_WORKER_POLL_INTERVAL": "0.05",
            "DECIDIM_BRIDGE_RECONCILE_DELAY": "2",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the bridge exited:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the bridge did not get ready:\n{log.read_text()[-3000:]}")


def drained(db: Database) -> bool:
    with db.read() as conn:
        open_rows = conn.execute(
            select(func.count()).where(inbox.c.status.in_(OPEN_INBOX))
        ).scalar()
        open_writes = conn.execute(
            select(func.count()).where(outbox.c.status.in_(OPEN_OUTBOX))
        ).scalar()
    return not open_rows and not open_writes


def wait_drained(db: Database, sandbox: Sandbox, timeout: float) -> None:
    """Until the sandbox delivered its webhooks and the bridge's inbox and outbox are empty
    (twice in a row, a little apart: a write may cause one more webhook)."""
    deadline = time.monotonic() + timeout
    calm = 0
    while time.monotonic() < deadline:
        emitter = sandbox.emitter
        delivering = emitter is not None and emitter.pending_count() > 0
        calm = calm + 1 if not delivering and drained(db) else 0
        if calm >= 3:
            return
        time.sleep(0.2)
    raise SystemExit("the bridge did not drain in time")


def drafts(sandbox: Sandbox, count: int) -> list[int]:
    state = sandbox.state
    examples = [state.proposals[i] for i in EXAMPLES if i in state.proposals]
    ids = []
    for number in range(count):
        example = examples[number % len(examples)]
        created = state.create_proposal(
            component_id=COMPONENT,
            title={k: f"{v} ({number + 1})" for k, v in example.title.items()},
            body=dict(example.body),
            taxonomy_ids=list(example.taxonomy_ids),
            publish=False,
        )
        ids.append(created.id)
    return ids


def comment_latencies(sandbox: Sandbox, ids: list[int]) -> list[float]:
    """Seconds from each publication's webhook (as Decidim sent it) to the bridge's comment."""
    sent = {
        d.resource_id: d.created_at
        for d in sandbox.emitter.deliveries()  # type: ignore[union-attr]
        if d.event_type.endswith("proposal_published")
    }
    out = []
    for pid in ids:
        comments = [c for c in sandbox.state.comments_on(pid) if c.author_is_api_user]
        if comments and str(pid) in sent:
            out.append(comments[0].created_at - sent[str(pid)])
    return out


def run_mode(mode: str, args: argparse.Namespace) -> ModeResult:
    economy = mode == "economy"
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-economy-{mode}-"))
    bridge_port = free_port()
    bridge_url = f"http://127.0.0.1:{bridge_port}"
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    server, sandbox = start_sandbox(args, f"{bridge_url}/webhooks/decidim", secret)
    env = bridge_env(args, workdir, sandbox, secret, economy)
    db = Database(env["DECIDIM_BRIDGE_DATABASE_URL"])
    db.upgrade()
    log = workdir / "bridge.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [*CLI, "run", "--host", "127.0.0.1", "--port", str(bridge_port)],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_ready(bridge_url, process, log)
        ids = drafts(sandbox, args.initiatives)
        journal = sandbox.state.journal
        # Start at the beginning of a window, as a burst would meet a fresh minute.
        time.sleep(args.window - time.time() % args.window + 0.05)
        since = journal.entries()[-1].seq if journal.entries() else 0
        burst = Phase("burst", len(ids) + 1, started=time.time())  # with the lone one
        lone = sandbox.state.create_proposal(
            component_id=LONE_COMPONENT,
            title={"nl": "Moestuin bij het buurthuis in de Vogelwijk"},
            body={"nl": "We willen met de buren een moestuin beginnen bij het buurthuis."},
            taxonomy_ids=[3, 11],
            publish=False,
        ).id
        for index, pid in enumerate(ids):
            time.sleep(max(0.0, burst.started + index * args.window / len(ids) - time.time()))
            sandbox.state.publish_proposal(pid)
        sandbox.state.publish_proposal(lone)  # another space, right after the burst
        wait_drained(db, sandbox, args.timeout)
        burst.entries = journal.entries(since=since)
        burst.ended = max((e.at for e in burst.entries), default=burst.started)
        burst.latencies = comment_latencies(sandbox, ids)
        burst.lone = next(iter(comment_latencies(sandbox, [lone])), None)

        since = burst.entries[-1].seq if burst.entries else since
        answers = Phase("bulk answers", len(ids), started=time.time())
        for pid in ids:
            sandbox.state.answer_as_admin(
                pid, "accepted", {"nl": "<p>Akkoord.</p>", "en": "<p>Accepted.</p>"}, publish=True
            )
        wait_drained(db, sandbox, args.timeout)
        answers.entries = journal.entries(since=since)
        answers.ended = max((e.at for e in answers.entries), default=answers.started)
        per_window = Counter(int(e.at // args.window) for e in journal.entries())
        return ModeResult(
            mode, [burst, answers], args.window, args.budget, max(per_window.values(), default=0)
        )
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        sandbox.close()
        server.stop()
        db.dispose()


def report(results: list[ModeResult]) -> list[str]:
    lines = [
        f"{'mode':8} {'phase':13} {'reads/i':>7} {'writes/i':>8} {'all/i':>6} "
        f"{'p50 s':>6} {'p95 s':>6} {'p99 s':>6} {'drain s':>7} {'min s':>6} {'ratio':>6} "
        f"{'429':>4} {'max/win':>7} {'lone s':>6}"
    ]
    for result in results:
        for phase in result.phases:
            n = phase.initiatives or 1
            reads, writes = phase.count("query"), phase.count("mutation")
            total = len(phase.entries)
            drain = phase.ended - phase.started
            least = writes / result.budget * result.window
            ratio = drain / least if least else float("nan")
            lat = phase.latencies
            lines.append(
                f"{result.mode:8} {phase.name:13} {reads / n:7.2f} {writes / n:8.2f} "
                f"{total / n:6.2f} {percentile(lat, 0.5):6.1f} {percentile(lat, 0.95):6.1f} "
                f"{percentile(lat, 0.99):6.1f} {drain:7.1f} {least:6.1f} {ratio:6.2f} "
                f"{phase.refused:4d} {result.max_per_window:7d} "
                + (f"{phase.lone:6.1f}" if phase.lone is not None else f"{'-':>6}")
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--initiatives", type=int, default=40)
    parser.add_argument("--window", type=float, default=6.0, help="seconds standing for a minute")
    parser.add_argument("--limit", type=int, default=100, help="sandbox requests per window")
    parser.add_argument("--budget", type=int, default=60, help="bridge requests per window")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--modes", default="naive,economy")
    parser.add_argument("--quick", action="store_true", help="20 initiatives")
    parser.add_argument("--full", action="store_true", help="200 initiatives")
    args = parser.parse_args(argv)
    if args.quick:
        args.initiatives = 20
    if args.full:
        args.initiatives = 200
    results = [run_mode(mode, args) for mode in args.modes.split(",")]
    print(
        f"{args.initiatives} initiatives; a window of {args.window:g} s stands for a minute; "
        f"sandbox limit {args.limit}, bridge budget {args.budget} per window"
    )
    for line in report(results):
        print(line)
    refused = sum(p.refused for r in results for p in r.phases)
    # The bridge counts a request when it takes a slot, the sandbox when it answers: a
    # request taken at the very end of a window may land in the next one, at most one per
    # process that talks to Decidim (worker, writer, scheduler).
    within = all(r.max_per_window <= r.budget + EDGE for r in results)
    print(
        f"429 refused: {refused}; every window within the bridge's budget "
        f"(+{EDGE} at a window's edge): {within}"
    )
    return 0 if refused == 0 and within else 1


if __name__ == "__main__":
    sys.exit(main())
