"""What municipalities feel at Decidim's edge: API requests per initiative, webhook-to-comment
time, and the drain of a burst under Decidim's rate limit.

Run: ``.venv/bin/python bench/decidim_economy.py`` (about 2.5 minutes; ``--quick`` about
1.5; ``--full`` about 6.5).

Decidim allows about 100 API requests per minute per IP (Rack::Attack) and the bridge keeps
to its own budget below that (``DECIDIM_REQUESTS_PER_MINUTE``, 60). The embedded sandbox
enforces the limit; to keep the run short, time is scaled: the window is ``--window``
seconds (6) instead of 60, with the same counts (sandbox 100, bridge 60 per window), so one
window here stands for one minute in production.

Two modes run one after the other, each against a fresh sandbox and a fresh bridge
(``decidim-bridge run`` as a separate process, mail to files) with a fresh database
(``--database``: SQLite, the default, or a schema of its own in PostgreSQL at
``--postgres-url``):

* naive   — ``DECIDIM_BRIDGE_READ_ECONOMY=false`` and ``DECIDIM_BRIDGE_WRITE_ECONOMY=false``:
  one read of the proposal per event, one request per write, a read before each answer;
* economy — the defaults: the state event of the bridge's own answer needs no read, events
  of one proposal queued in the inbox share one read, reads due together go in one request,
  a plan version's writes go in one request and the answer is the module's guarded answer.

The sandbox delivers its webhooks ``--senders`` (4) at a time, as the module's forwarder
does through Decidim's job workers (ActiveJob on Sidekiq, several threads), not one after
the other.

In both modes the poller runs as well (``DECIDIM_BRIDGE_JOB_POLL``, every
``--poll-interval`` seconds; by default five windows, the default interval of five minutes
in scaled time), sweeping both spaces through its share of the same budget,
as a bridge that polls besides its webhooks does.

Each mode runs two phases:

1. burst — ``--initiatives`` drafts (40; 200 with ``--full``) are published evenly within
   one window ("a minute"), and among them ``--lone`` (5) initiatives of another space (the
   wijkraad's assembly, put in scope for the run), spread evenly over the burst; the phase
   ends when the bridge's inbox and outbox are empty;
2. bulk answers — an admin publishes an ``accepted`` answer on each burst initiative at once,
   at the beginning of the window after the burst drained.

On a small machine the bridge's own process time moves the drain from one run to the
next; ``--rounds N`` measures every mode N times (the modes interleaved, each round with a
fresh sandbox and bridge) and prints, after the rounds' tables, the median of each figure
with its range.

Printed per mode and phase: API requests per planned initiative (reads = queries other
than the poller's, writes = mutations, all = everything including sign-ins and the
poller), the poller's requests, the time from each publication's webhook to the bridge's
comment (p50, p95, p99), the time to drain the phase (to the last read or write of the
worker or the writer: a poller sweep that runs on after the phase's work is its own), the least
time the phase could take
and the ratio of the two, requests refused with 429, the most requests the sandbox saw in
one window (must stay within the bridge's budget), and the webhook-to-comment p50 and p99
of the lone initiatives of the other space. The least time is the later of two bounds:
the writes that had to happen at the bridge's budget (writes / budget x window), and the
span over which the phase's events arrived (its first to its last publication or answer):
a burst published over one window cannot drain before it has arrived. A second table
splits each phase's requests by who made them: the poller (its operations), reads of the
worker and the writer (other queries; the writer's read before an answer is one), the
writer's writes (mutations) and sign-ins. Requests are counted by the sandbox (its
journal).
"""

from __future__ import annotations

import argparse
import base64
import math
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import requests
from _databases import BACKENDS, DEFAULT_POSTGRES_URL, fresh_database, postgres_problem
from sqlalchemy import func, select

from decidim_bridge.sandbox.app import create_sandbox_app, sandbox_of
from decidim_bridge.sandbox.runtime import Sandbox
from decidim_bridge.sandbox.server import ServerThread
from decidim_bridge.sandbox.settings import SandboxConfig
from decidim_bridge.store import Database
from decidim_bridge.store.schema import inbox, outbox, plan_versions

COMPONENT = 11  # Wijkinitiatieven, in scope in the example rules
#: The wijkraad's assembly, put in scope for the run: the lone initiatives of another space.
LONE_COMPONENT = 31
#: The wijkraad's assembly, the participatory space of ``LONE_COMPONENT``.
LONE_SPACE = 3
#: The poller's operations (sweeping pages of proposals, finding a space's components).
POLLER_OPERATIONS = frozenset({"ProposalsPage", "ProcessComponents", "AssemblyComponents"})
WHO = ("poller", "reads", "writes", "sign-in")
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
    #: When the last publication (or answer) of the phase was made: its events arrived
    #: between ``started`` and this.
    arrived: float = 0.0
    entries: list[Any] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    lone: list[float] = field(default_factory=list)
    #: When each of the phase's plan versions was stored (``--windows``).
    planned: list[float] = field(default_factory=list)

    def count(self, who: str) -> int:
        return sum(1 for e in self.entries if made_by(e) == who)

    def least(self, budget: int, window: float) -> tuple[float, float, float]:
        """(by the budget, by the arrivals, the later of the two) in seconds."""
        by_budget = self.count("writes") / budget * window
        by_arrival = self.arrived - self.started
        return by_budget, by_arrival, max(by_budget, by_arrival)

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
    poller: bool = False
    #: The round it was measured in (``--rounds``); 0 when there is one round.
    round: int = 0

    @property
    def label(self) -> str:
        return f"{self.mode}#{self.round}" if self.round else self.mode


def made_by(entry: Any) -> str:
    """Who made a request, from the sandbox's journal: the poller (by its operations), the
    worker's and the writer's reads (other queries), the writer's writes, sign-ins."""
    if entry.target == "mutation":
        return "writes"
    if entry.target == "query":
        return "poller" if entry.operation_name in POLLER_OPERATIONS else "reads"
    return "sign-in"


def last_of_the_phase(entries: list[Any], started: float) -> float:
    """When the phase's last read or write was made (the worker's or the writer's). The
    poller's sweep is periodic work of its own, not the phase's: its requests take budget
    (and so delay the phase's when a sweep falls inside it) and are counted, but a sweep
    that runs on after the phase's work is done does not make the phase longer; nor does
    a sign-in after the last read or write (the poller's, for its next sweep)."""
    return max((e.at for e in entries if made_by(e) in ("reads", "writes")), default=started)


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
        webhook_senders=args.senders,
    )
    app = create_sandbox_app(config)
    server = ServerThread(app, "127.0.0.1", 0)
    sandbox = sandbox_of(app)
    public = f"http://127.0.0.1:{server.port}"
    sandbox.config = replace(config, port=server.port, public_url=public)
    sandbox.state.base_url = public
    # The advisors evaluate the wijkraad's initiatives too, as they do the process's: without
    # the role Decidim refuses their assignment and the lone initiatives' rows end dead.
    evaluators = [r.user_id for r in sandbox.state.space_roles if r.role == "evaluator"]
    for user_id in sorted(set(evaluators)):
        sandbox.state.grant_space_role(user_id, LONE_SPACE, "evaluator")
    server.start()
    return server, sandbox


def bridge_env(
    args: argparse.Namespace,
    workdir: Path,
    sandbox: Sandbox,
    secret: str,
    economy: bool,
    database_url: str,
) -> dict[str, str]:
    """The bridge's settings for one mode; both modes poll (a job every ``--poll-interval``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECIDIM_BRIDGE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        {
            "DECIDIM_BRIDGE_INSTANCE_DIR": str(workdir),
            "DECIDIM_BRIDGE_DATABASE_URL": database_url,
            "DECIDIM_BRIDGE_WEBHOOK_SECRETS": secret,
            "DECIDIM_BRIDGE_DECIDIM_URL": sandbox.config.base_url,
            "DECIDIM_BRIDGE_TENANT": sandbox.state.organization.host,
            "DECIDIM_BRIDGE_DECIDIM_API_KEY": SandboxConfig.api_key,
            "DECIDIM_BRIDGE_DECIDIM_API_SECRET": SandboxConfig.api_secret,
            "DECIDIM_BRIDGE_DECIDIM_REQUESTS_PER_MINUTE": str(args.budget),
            "DECIDIM_BRIDGE_DECIDIM_RATE_WINDOW": str(int(args.window)),
            "DECIDIM_BRIDGE_READ_ECONOMY": "true" if economy else "false",
            "DECIDIM_BRIDGE_WRITE_ECONOMY": "true" if economy else "false",
            "DECIDIM_BRIDGE_MAPPINGS_DIR": str(two_spaces(workdir)),
            "DECIDIM_BRIDGE_LINK_SECRET": secrets.token_hex(24),
            "DECIDIM_BRIDGE_LOG_FORMAT": "text",
            "DECIDIM_BRIDGE_LOG_LEVEL": "WARNING",
            "DECIDIM_BRIDGE_WORKER_POLL_INTERVAL": "0.05",
            "DECIDIM_BRIDGE_RECONCILE_DELAY": "2",
            "DECIDIM_BRIDGE_JOB_POLL": f"{args.poll_interval}s",
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


def plans_stored(db: Database, since: float, until: float) -> list[float]:
    """When the plan versions stored between two moments were stored."""
    created = plan_versions.c.created_at
    with db.read() as conn:
        rows = conn.execute(select(created).where(created >= since, created <= until))
        return [float(at) for (at,) in rows]


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
    """One mode against a fresh sandbox, bridge and database."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-economy-{mode}-"))
    with fresh_database(args.database, workdir, args.postgres_url) as database_url:
        return run_mode_on(mode, args, workdir, database_url)


def run_mode_on(
    mode: str, args: argparse.Namespace, workdir: Path, database_url: str
) -> ModeResult:
    economy = mode == "economy"
    bridge_port = free_port()
    bridge_url = f"http://127.0.0.1:{bridge_port}"
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    server, sandbox = start_sandbox(args, f"{bridge_url}/webhooks/decidim", secret)
    env = bridge_env(args, workdir, sandbox, secret, economy, database_url)
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
        lones = [
            sandbox.state.create_proposal(
                component_id=LONE_COMPONENT,
                title={"nl": f"Moestuin bij het buurthuis in de Vogelwijk ({k + 1})"},
                body={"nl": "We willen met de buren een moestuin beginnen bij het buurthuis."},
                taxonomy_ids=[3, 11],
                publish=False,
            ).id
            for k in range(args.lone)
        ]
        # Another space's initiatives, spread evenly over the burst.
        after = [int((k + 0.5) * len(ids) / max(1, len(lones))) for k in range(len(lones))]
        burst = Phase("burst", len(ids) + len(lones), started=time.time())
        for index, pid in enumerate(ids):
            time.sleep(max(0.0, burst.started + index * args.window / len(ids) - time.time()))
            sandbox.state.publish_proposal(pid)
            for lone, position in zip(lones, after, strict=True):
                if position == index:
                    sandbox.state.publish_proposal(lone)
        burst.arrived = time.time()
        wait_drained(db, sandbox, args.timeout)
        burst.entries = journal.entries(since=since)
        burst.ended = last_of_the_phase(burst.entries, burst.started)
        burst.latencies = comment_latencies(sandbox, ids)
        burst.lone = comment_latencies(sandbox, lones)
        burst.planned = plans_stored(db, burst.started, time.time())

        since = burst.entries[-1].seq if burst.entries else since
        # At the beginning of a window too: the least time counts a whole budget from the
        # start, and the burst's last requests may have spent the window it drained in.
        time.sleep(args.window - time.time() % args.window + 0.05)
        answers = Phase("bulk answers", len(ids), started=time.time())
        for pid in ids:
            sandbox.state.answer_as_admin(
                pid, "accepted", {"nl": "<p>Akkoord.</p>", "en": "<p>Accepted.</p>"}, publish=True
            )
        answers.arrived = time.time()
        wait_drained(db, sandbox, args.timeout)
        answers.entries = journal.entries(since=since)
        answers.ended = last_of_the_phase(answers.entries, answers.started)
        answers.planned = plans_stored(db, answers.started, time.time())
        per_window = Counter(int(e.at // args.window) for e in journal.entries())
        return ModeResult(
            mode,
            [burst, answers],
            args.window,
            args.budget,
            max(per_window.values(), default=0),
            poller=env["DECIDIM_BRIDGE_JOB_POLL"] != "off",
            round=getattr(args, "round", 0),
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
        f"{'mode':10} {'phase':13} {'reads/i':>7} {'writes/i':>8} {'all/i':>6} {'poll':>5} "
        f"{'p50 s':>6} {'p95 s':>6} {'p99 s':>6} {'drain s':>7} {'budget s':>8} "
        f"{'arrive s':>8} {'ratio':>6} {'429':>4} {'max/win':>7} {'lone p50':>8} "
        f"{'lone p99':>8}"
    ]
    for result in results:
        for phase in result.phases:
            n = phase.initiatives or 1
            reads, writes = phase.count("reads"), phase.count("writes")
            drain = phase.ended - phase.started
            by_budget, by_arrival, least = phase.least(result.budget, result.window)
            ratio = drain / least if least else float("nan")
            lat, lone = phase.latencies, phase.lone
            lines.append(
                f"{result.label:10} {phase.name:13} {reads / n:7.2f} {writes / n:8.2f} "
                f"{len(phase.entries) / n:6.2f} {phase.count('poller'):5d} "
                f"{percentile(lat, 0.5):6.1f} {percentile(lat, 0.95):6.1f} "
                f"{percentile(lat, 0.99):6.1f} {drain:7.1f} {by_budget:8.1f} {by_arrival:8.1f} "
                f"{ratio:6.2f} {phase.refused:4d} {result.max_per_window:7d} "
                + (
                    f"{percentile(lone, 0.5):8.1f} {percentile(lone, 0.99):8.1f}"
                    if lone
                    else f"{'-':>8} {'-':>8}"
                )
            )
    return lines


def requests_by_who(results: list[ModeResult]) -> list[str]:
    """Each phase's requests split by who made them, and the most of each in one window."""
    lines = [
        f"{'mode':10} {'phase':13} "
        + " ".join(f"{who:>8}" for who in WHO)
        + " "
        + " ".join(f"{'max ' + who:>14}" for who in WHO)
    ]
    for result in results:
        for phase in result.phases:
            most = {
                who: Counter(int(e.at // result.window) for e in phase.entries if made_by(e) == who)
                for who in WHO
            }
            lines.append(
                f"{result.label:10} {phase.name:13} "
                + " ".join(f"{phase.count(who):8d}" for who in WHO)
                + " "
                + " ".join(f"{max(most[who].values(), default=0):14d}" for who in WHO)
            )
    return lines


def by_window(results: list[ModeResult]) -> list[str]:
    """Each phase window by window: plan versions stored and requests by who made them.
    Shows where a phase lost time: a window that is not full while writes wait."""
    lines = [
        f"{'mode':10} {'phase':13} {'window':>6} {'plans':>6} " + " ".join(f"{w:>8}" for w in WHO)
    ]
    for result in results:
        for phase in result.phases:
            first = int(phase.started // result.window)
            last = int(max(phase.ended, phase.started) // result.window)
            for index in range(first, last + 1):
                inside = [e for e in phase.entries if int(e.at // result.window) == index]
                plans = sum(1 for at in phase.planned if int(at // result.window) == index)
                lines.append(
                    f"{result.label:10} {phase.name:13} {index - first + 1:6d} {plans:6d} "
                    + " ".join(f"{sum(1 for e in inside if made_by(e) == w):8d}" for w in WHO)
                )
    return lines


def phase_figures(result: ModeResult, phase: Phase) -> dict[str, float]:
    """The figures the summary over rounds takes the median of."""
    n = phase.initiatives or 1
    least = phase.least(result.budget, result.window)[2]
    drain = phase.ended - phase.started
    return {
        "all/i": len(phase.entries) / n,
        "p50 s": percentile(phase.latencies, 0.5),
        "p99 s": percentile(phase.latencies, 0.99),
        "drain s": drain,
        "ratio": drain / least if least else float("nan"),
        "lone p99": percentile(phase.lone, 0.99),
    }


def over_rounds(results: list[ModeResult]) -> list[str]:
    """Per mode and phase: the median of each figure over the rounds, with its range."""
    figures: dict[tuple[str, str], list[dict[str, float]]] = {}
    for result in results:
        for phase in result.phases:
            figures.setdefault((result.mode, phase.name), []).append(phase_figures(result, phase))
    names = ("all/i", "p50 s", "p99 s", "drain s", "ratio", "lone p99")
    lines = [f"{'mode':10} {'phase':13} " + " ".join(f"{name:>18}" for name in names)]
    for (mode, phase_name), rounds in figures.items():
        cells = []
        for name in names:
            values = sorted(v[name] for v in rounds if not math.isnan(v[name]))
            if not values:
                cells.append(f"{'-':>18}")
                continue
            middle = statistics.median(values)
            cells.append(f"{f'{middle:.2f} ({values[0]:.2f}-{values[-1]:.2f})':>18}")
        lines.append(f"{mode:10} {phase_name:13} " + " ".join(cells))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--initiatives", type=int, default=40)
    parser.add_argument("--window", type=float, default=6.0, help="seconds standing for a minute")
    parser.add_argument("--limit", type=int, default=100, help="sandbox requests per window")
    parser.add_argument("--budget", type=int, default=60, help="bridge requests per window")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--modes", default="naive,economy")
    parser.add_argument("--lone", type=int, default=5, help="initiatives of another space")
    parser.add_argument(
        "--senders",
        type=int,
        default=4,
        help="webhooks the sandbox delivers at once (Decidim's job workers)",
    )
    parser.add_argument(
        "--poll-interval",
        type=int,
        default=None,
        help="seconds between sweeps (default: five windows, i.e. five minutes scaled)",
    )
    parser.add_argument(
        "--windows", action="store_true", help="also print each phase window by window"
    )
    parser.add_argument(
        "--database",
        choices=BACKENDS,
        default="sqlite",
        help="the bridge's database (postgresql: a schema of its own, dropped afterwards)",
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure every mode this many times (modes interleaved); prints the medians",
    )
    parser.add_argument("--quick", action="store_true", help="20 initiatives")
    parser.add_argument("--full", action="store_true", help="200 initiatives")
    args = parser.parse_args(argv)
    if args.quick:
        args.initiatives = 20
    if args.full:
        args.initiatives = 200
    if args.poll_interval is None:
        args.poll_interval = max(1, round(5 * args.window))
    if args.database == "postgresql":
        problem = postgres_problem(args.postgres_url)
        if problem is not None:
            raise SystemExit(f"PostgreSQL unavailable at {args.postgres_url}: {problem}")
    results = []
    for number in range(1, args.rounds + 1):
        args.round = number if args.rounds > 1 else 0
        results += [run_mode(mode, args) for mode in args.modes.split(",")]
    print(
        f"{args.initiatives} initiatives; the bridge on {args.database}; "
        f"a window of {args.window:g} s stands for a minute; "
        f"sandbox limit {args.limit}, bridge budget {args.budget} per window; "
        f"the poller sweeps every {args.poll_interval} s"
    )
    for line in report(results):
        print(line)
    print("requests by who made them (the writer's read before an answer counts as a read):")
    for line in requests_by_who(results):
        print(line)
    if args.windows:
        print("window by window (plans stored, requests by who made them):")
        for line in by_window(results):
            print(line)
    if args.rounds > 1:
        print(f"median over {args.rounds} rounds (min-max):")
        for line in over_rounds(results):
            print(line)
    refused = sum(p.refused for r in results for p in r.phases)
    # The bridge counts a request when it takes a slot, the sandbox when it answers: a
    # request taken at the very end of a window may land in the next one, at most one per
    # process that talks to Decidim (worker, writer, scheduler).
    within = all(r.max_per_window <= r.budget + EDGE for r in results)
    polled = ", ".join(sorted({r.mode for r in results if r.poller})) or "none"
    print(
        f"429 refused: {refused}; every window within the bridge's budget "
        f"(+{EDGE} at a window's edge): {within}; poller running in: {polled}"
    )
    return 0 if refused == 0 and within else 1


if __name__ == "__main__":
    sys.exit(main())
