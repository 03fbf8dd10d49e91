"""Resident memory of the bridge after the demo's workload: ``run`` against the split
deployment (``serve`` with one gunicorn worker, ``worker``, ``writer``).

Run: ``.venv/bin/python bench/memory.py``. Each deployment runs the demo (sandbox plus bridge,
fresh SQLite database, the example initiatives published in the sandbox); once the flow has
settled, the resident set size (VmRSS, Linux) of every bridge process and its children is
read. The sandbox is not counted. Goal: ``run`` <= 120 MB; the split total is reported beside
it. Exit status 2 when the goal is not met.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from decidim_bridge.sandbox.demo import Demo, DemoOptions

GOAL_MB = 120.0


def rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` and all its descendants, in MB (2**20 bytes)."""
    total_kb = 0
    for process in [pid, *descendants(pid)]:
        try:
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total_kb / 1024


def descendants(pid: int) -> list[int]:
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        found.append(int(child))
        found.extend(descendants(int(child)))
    return found


def measure(split: bool, base: Path, port: int) -> dict[str, float]:
    readings: dict[str, float] = {}

    def read(demo: Demo) -> None:
        for name, pid in demo.pids().items():
            if name != "sandbox":
                readings[name] = rss_mb(pid)

    options = DemoOptions(
        sandbox_port=port,
        bridge_port=port + 1,
        instance_dir=base / ("split" if split else "run"),
        split=split,
    )
    if not Demo(options, echo=lambda _: None, on_settled=read).run(serve=False):
        raise SystemExit("the demo did not settle")
    return readings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, default=3310, help="sandbox port (bridge: +1)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        one = measure(False, Path(tmp), args.port)
        split = measure(True, Path(tmp), args.port + 2)
    print(f"{'deployment':12} {'process':10} {'RSS MB':>8}")
    for name, mb in one.items():
        print(f"{'run':12} {name:10} {mb:8.1f}")
    for name, mb in split.items():
        print(f"{'split':12} {name:10} {mb:8.1f}")
    total_one, total_split = sum(one.values()), sum(split.values())
    print(f"{'run':12} {'total':10} {total_one:8.1f}")
    print(f"{'split':12} {'total':10} {total_split:8.1f}")
    met = total_one <= GOAL_MB
    print(f"goal: run <= {GOAL_MB:.0f} MB after the demo workload: {'MET' if met else 'NOT MET'}")
    return 0 if met else 2


if __name__ == "__main__":
    sys.exit(main())
