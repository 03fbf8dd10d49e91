"""Webhook intake benchmark: the real intake against a bare endpoint and a minimal reference.

Run: ``.venv/bin/python bench/intake.py`` (about 2.5 minutes) or ``--quick`` (about 40 s).

It starts one gunicorn per variant, all with the same settings (by default those of
``decidim-bridge serve``), listening on 127.0.0.1, and drives them from a separate load
generator process (``bench/_loadgen.py``) with 16 concurrent senders and unique Standard
Webhooks deliveries that are signed before the clock starts:

* a — a bare Flask endpoint that only answers 202 (the web stack's ceiling);
* b — a minimal reference: verify the signature, insert the raw body, commit durably;
* c — the real intake, ``POST /webhooks/decidim`` of ``decidim_bridge.app.create_app()``
  (c' — the same with ``DECIDIM_BRIDGE_GROUP_COMMIT`` flipped, in full runs, to compare).

b and c run on SQLite (WAL, ``synchronous=FULL``) and on PostgreSQL (a dedicated schema in
the local server's ``test`` database, dropped afterwards), each on a fresh database. The
variants are measured in interleaved rounds (a, b, c, a, b, c, ...) so that other load on
the machine affects them alike; rates are medians over rounds, latencies are pooled. After
the rounds every database is counted: each 202 must have its committed row. The report
gives c/a, c/b and the p99 acknowledgement latency against the goal (c/b >= 0.8 and
p99 < 100 ms). See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _databases import DEFAULT_POSTGRES_URL, fresh_database, postgres_problem

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
GOAL_RATIO = 0.8
GOAL_P99_SECONDS = 0.100


@dataclass
class Variant:
    """One server under test and what was measured on it."""

    key: str  # "a", "b", "c", "c'"
    backend: str  # "-", "sqlite", "postgresql"
    label: str
    spec: str
    env: dict[str, str]
    table: str | None = None
    url: str | None = None
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    rows: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def rates(self) -> list[float]:
        return [r["rate"] for r in self.runs]

    @property
    def rate(self) -> float:
        return statistics.median(self.rates) if self.runs else 0.0

    @property
    def latencies(self) -> list[float]:
        return sorted(x for r in self.runs for x in r["latencies"])

    def statuses(self) -> dict[int, int]:
        total: dict[int, int] = {}
        for run in self.runs:
            for part in ("statuses", "warmup_statuses"):
                for status, n in run[part].items():
                    total[int(status)] = total.get(int(status), 0) + n
        return total


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(p / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]


# --- databases ---------------------------------------------------------------------------


def prepare_reference(url: str) -> None:
    """Create the reference app's one table."""
    if url.startswith("sqlite"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE bench_reference (id INTEGER PRIMARY KEY, "
                "delivery_key TEXT NOT NULL UNIQUE, body TEXT NOT NULL)"
            )
            conn.commit()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_reference (id BIGSERIAL PRIMARY KEY, "
            "delivery_key TEXT NOT NULL UNIQUE, body TEXT NOT NULL)"
        )


def prepare_bridge(url: str) -> None:
    """Migrate a fresh database for the real app."""
    from decidim_bridge.store import Database

    database = Database(url)
    try:
        database.upgrade()
    finally:
        database.dispose()


def count_rows(url: str, table: str) -> int:
    if url.startswith("sqlite"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0


# --- servers -------------------------------------------------------------------------------


def serve_defaults() -> tuple[int, int]:
    """Workers and threads of ``decidim-bridge serve``, so the bench measures the deployment."""
    from decidim_bridge.cli.core import serve

    defaults = {p.name: p.default for p in serve.params}
    return int(defaults["workers"]), int(defaults["threads"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_environment() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DECIDIM_BRIDGE_") and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def start(variant: Variant, args: argparse.Namespace, logdir: Path) -> None:
    """Start gunicorn with the settings ``decidim_bridge.server`` uses."""
    variant.port = free_port()
    cmd = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{variant.port}",
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--worker-class", "gthread" if args.threads > 1 else "sync",
        "--timeout", "30",
        "--graceful-timeout", "10",
        "--log-level", "warning",
        "--pythonpath", str(BENCH_DIR),
        variant.spec,
    ]  # fmt: skip
    log_path = logdir / f"gunicorn-{variant.port}.log"
    with open(log_path, "wb") as log:
        variant.proc = subprocess.Popen(
            cmd,
            env=variant.env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            cwd=str(logdir),
            start_new_session=True,
        )


def wait_ready(variant: Variant, workers: int, logdir: Path) -> None:
    assert variant.proc is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if variant.proc.poll() is not None:
            log = (logdir / f"gunicorn-{variant.port}.log").read_text(errors="replace")
            raise RuntimeError(f"gunicorn for {variant.label} exited:\n{log[-2000:]}")
        with contextlib.suppress(OSError):
            if len(worker_pids(variant.proc.pid)) >= workers:
                conn = http.client.HTTPConnection("127.0.0.1", variant.port, timeout=5)
                conn.request("GET", "/livez")
                conn.getresponse().read()
                conn.close()
                return
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn for {variant.label} did not answer within 60 s")


def stop(variant: Variant) -> None:
    proc = variant.proc
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def worker_pids(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def server_cpu_seconds(variant: Variant) -> float | None:
    """CPU time of the gunicorn master and its workers (Linux /proc), None elsewhere."""
    if variant.proc is None:
        return None
    total = 0.0
    try:
        for pid in [variant.proc.pid, *worker_pids(variant.proc.pid)]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


# --- load ---------------------------------------------------------------------------------


def load(variant: Variant, key: bytes, args: argparse.Namespace) -> dict[str, Any]:
    job = {
        "port": variant.port,
        "path": "/webhooks/decidim",
        "secret_key_b64": base64.b64encode(key).decode(),
        "warmup": args.warmup,
        "count": args.count,
        "concurrency": args.concurrency,
        "deadline_seconds": args.seconds,
        "host": "localhost",
        "id_prefix": "bench_" + uuid.uuid4().hex[:12],
    }
    cpu_before = server_cpu_seconds(variant)
    proc = subprocess.run(
        [sys.executable, str(BENCH_DIR / "_loadgen.py")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=args.seconds + 120,
        env=base_environment(),
        check=False,
    )
    cpu_after = server_cpu_seconds(variant)
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout)
    answered = result["answered"] + sum(result["warmup_statuses"].values())
    if cpu_before is not None and cpu_after is not None and answered:
        result["server_cpu_per_request"] = (cpu_after - cpu_before) / answered
    return result


# --- the run ------------------------------------------------------------------------------


def build_variants(
    args: argparse.Namespace, key: bytes, stack: contextlib.ExitStack, workdir: Path
) -> tuple[list[Variant], dict[str, str]]:
    base = base_environment()
    variants = [Variant("a", "-", "a bare Flask 202", "_apps:bare_app()", base)]
    skipped: dict[str, str] = {}
    for backend in args.backends:
        if backend == "postgresql":
            problem = postgres_problem(args.postgres_url)
            if problem:
                skipped[backend] = f"PostgreSQL unavailable at {args.postgres_url}: {problem}"
                continue
        url = stack.enter_context(fresh_database(backend, workdir, args.postgres_url))
        prepare_reference(url)
        ref_env = {
            **base,
            "BENCH_DATABASE_URL": url,
            "BENCH_SECRET_KEY_B64": base64.b64encode(key).decode(),
        }
        variants.append(
            Variant(
                "b", backend, "b reference", "_apps:reference_app()", ref_env,
                table="bench_reference", url=url,
            )
        )  # fmt: skip
        modes = [None, "flipped"] if args.compare_modes else [None]
        for mode in modes:
            url = stack.enter_context(fresh_database(backend, workdir, args.postgres_url))
            prepare_bridge(url)
            instance = Path(tempfile.mkdtemp(prefix="instance-", dir=workdir))
            (instance / "prometheus").mkdir()
            env = {
                **base,
                "DECIDIM_BRIDGE_DATABASE_URL": url,
                "DECIDIM_BRIDGE_WEBHOOK_SECRETS": "whsec_" + base64.b64encode(key).decode(),
                "DECIDIM_BRIDGE_INSTANCE_DIR": str(instance),
                "DECIDIM_BRIDGE_MAPPINGS_DIR": str(REPO / "mappings"),
                "PROMETHEUS_MULTIPROC_DIR": str(instance / "prometheus"),
            }
            group_commit = args.default_group_commit
            if mode == "flipped":
                group_commit = not group_commit
                env["DECIDIM_BRIDGE_GROUP_COMMIT"] = "true" if group_commit else "false"
            how = "group commit" if group_commit else "commit per request"
            key_name = "c" if mode is None else "c'"
            variants.append(
                Variant(
                    key_name, backend, f"{key_name} real intake, {how}", "_apps:real_app()",
                    env, table="inbox", url=url,
                )
            )  # fmt: skip
    return variants, skipped


def measure(variants: list[Variant], key: bytes, args: argparse.Namespace) -> None:
    for round_index in range(args.rounds):
        # Rotate the order so that no variant always runs right after the same neighbour.
        shift = round_index % len(variants)
        order = variants[shift:] + variants[:shift]
        print(f"round {round_index + 1}/{args.rounds}: ", end="", flush=True)
        for variant in order:
            variant.runs.append(load(variant, key, args))
            where = "" if variant.backend == "-" else f"@{variant.backend}"
            print(f"{variant.key}{where}", end=" ", flush=True)
        print(flush=True)


def check(variant: Variant) -> None:
    statuses = variant.statuses()
    other = {s: n for s, n in statuses.items() if s != 202}
    if other:
        variant.problems.append(f"answers other than 202: {other}")
    if variant.table and variant.url:
        variant.rows = count_rows(variant.url, variant.table)
        if variant.rows != statuses.get(202, 0):
            variant.problems.append(
                f"{statuses.get(202, 0)} deliveries acknowledged but {variant.rows} rows stored"
            )


def report(args: argparse.Namespace, variants: list[Variant], skipped: dict[str, str]) -> bool:
    """Print the tables; return whether the goal is met on every measured backend."""

    def ms(value: float) -> str:
        return f"{value * 1000:7.1f}"

    print()
    print(
        f"Intake benchmark — gunicorn {'gthread' if args.threads > 1 else 'sync'}, "
        f"{args.workers} workers x {args.threads} threads; {args.concurrency} senders "
        f"(keep-alive) on 127.0.0.1; {args.rounds} rounds of at most {args.seconds:g} s or "
        f"{args.count} deliveries per variant; {os.cpu_count()} CPUs"
    )
    header = (
        f"{'backend':10} {'variant':38} {'req/s':>7} {'(min-max)':>11} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'non-202':>7} {'rows':>7} {'cpu ms/req':>10}"
    )
    print(header)
    print("-" * len(header))
    for v in variants:
        lat = v.latencies
        spread = f"{min(v.rates):.0f}-{max(v.rates):.0f}" if v.runs else "-"
        cpus = [r["server_cpu_per_request"] for r in v.runs if "server_cpu_per_request" in r]
        cpu = f"{statistics.median(cpus) * 1000:.2f}" if cpus else "-"
        bad = sum(n for s, n in v.statuses().items() if s != 202)
        rows = "-" if v.rows is None else str(v.rows)
        print(
            f"{v.backend:10} {v.label:38} {v.rate:7.0f} {spread:>11} {ms(percentile(lat, 50))} "
            f"{ms(percentile(lat, 99))} {ms(lat[-1] if lat else float('nan'))} {bad:7d} "
            f"{rows:>7} {cpu:>10}"
        )
    print()
    print(
        f"{'backend':10} {'c/a':>5} {'c/b':>5} {'c/b per round':>15} {'c p99 ms':>9}   goal: "
        f"c/b >= {GOAL_RATIO} and p99 < {GOAL_P99_SECONDS * 1000:.0f} ms"
    )
    bare = next(v for v in variants if v.key == "a")
    all_met = True
    for backend in args.backends:
        if backend in skipped:
            print(f"{backend:10} skipped: {skipped[backend]}")
            all_met = False
            continue
        ref = next(v for v in variants if v.backend == backend and v.key == "b")
        real = next(v for v in variants if v.backend == backend and v.key == "c")
        per_round = [c / b for c, b in zip(real.rates, ref.rates, strict=True) if b]
        ca = real.rate / bare.rate if bare.rate else 0.0
        cb = real.rate / ref.rate if ref.rate else 0.0
        p99 = percentile(real.latencies, 99)
        met = cb >= GOAL_RATIO and p99 < GOAL_P99_SECONDS and not real.problems
        all_met = all_met and met
        spread = f"{min(per_round):.2f}-{max(per_round):.2f}" if per_round else "-"
        print(
            f"{backend:10} {ca:5.2f} {cb:5.2f} {spread:>15} {ms(p99):>9}   "
            f"{'MET' if met else 'NOT MET'}"
        )
    problems = [(v, p) for v in variants for p in v.problems]
    if problems:
        print()
        for v, problem in problems:
            print(f"PROBLEM {v.backend} {v.label}: {problem}")
    return all_met


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (about 40 s)")
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: serve's)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: serve's)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent senders")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5, quick 2)")
    parser.add_argument("--seconds", type=float, help="time limit per run (default 3.5)")
    parser.add_argument("--count", type=int, default=20000, help="deliveries limit per run")
    parser.add_argument("--warmup", type=int, default=100, help="untimed deliveries per run")
    parser.add_argument(
        "--compare-modes",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also run c with group commit flipped (default: on in full runs)",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit with status 2 when the goal is not met"
    )
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for backend in args.backends:
        if backend not in ("sqlite", "postgresql"):
            parser.error(f"unknown backend {backend!r}")
    workers, threads = serve_defaults()
    args.workers = args.workers or workers
    args.threads = args.threads or threads
    if args.rounds is None:
        args.rounds = 2 if args.quick else 5
    if args.seconds is None:
        args.seconds = 2.0 if args.quick else 3.5
    if args.compare_modes is None:
        args.compare_modes = not args.quick
    from decidim_bridge.config import Settings

    args.default_group_commit = Settings().group_commit
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    key = os.urandom(32)
    with (
        tempfile.TemporaryDirectory(prefix="bridge-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        variants, skipped = build_variants(args, key, stack, workdir)
        try:
            for variant in variants:
                start(variant, args, workdir)
            for variant in variants:
                wait_ready(variant, args.workers, workdir)
            measure(variants, key, args)
        finally:
            for variant in variants:
                stop(variant)
        for variant in variants:
            check(variant)
    met = report(args, variants, skipped)
    if any(v.problems for v in variants):
        return 1
    return 2 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
