"""Run every benchmark in ``bench/`` one after the other, short versions by default.

Run: ``.venv/bin/python bench/run_all.py`` (or ``make bench``). Each ``bench/*.py`` script
(except this one and helper modules whose name starts with ``_``) runs with the same Python;
a script whose ``--help`` mentions ``--quick`` gets ``--quick`` unless ``--full`` is given.
Output streams through as it comes; a summary of exit statuses and durations follows, and
the exit status is 1 if any benchmark failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def scripts() -> list[Path]:
    me = Path(__file__).resolve()
    return sorted(
        p for p in BENCH_DIR.glob("*.py") if p.resolve() != me and not p.name.startswith("_")
    )


def accepts_quick(script: Path) -> bool:
    try:
        result = subprocess.run(
            [sys.executable, str(script), "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0 and "--quick" in result.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--full", action="store_true", help="run without --quick")
    parser.add_argument("names", nargs="*", help="only these scripts (e.g. intake plan)")
    args = parser.parse_args(argv)
    found = scripts()
    if args.names:
        wanted = {n.removesuffix(".py") for n in args.names}
        unknown = wanted - {p.stem for p in found}
        if unknown:
            parser.error(f"no benchmark named {', '.join(sorted(unknown))}")
        found = [p for p in found if p.stem in wanted]
    summary: list[tuple[str, int, float]] = []
    for script in found:
        command = [sys.executable, str(script)]
        if not args.full and accepts_quick(script):
            command.append("--quick")
        shown = " ".join(["bench/" + script.name, *command[2:]])
        print(f"\n=== {shown}", flush=True)
        started = time.monotonic()
        status = subprocess.run(command, cwd=BENCH_DIR.parent, check=False).returncode
        summary.append((shown, status, time.monotonic() - started))
    print("\n=== summary")
    for shown, status, seconds in summary:
        print(f"{'ok    ' if status == 0 else f'FAILED ({status})':12} {seconds:6.1f} s  {shown}")
    return 1 if any(status != 0 for _, status, _ in summary) else 0


if __name__ == "__main__":
    sys.exit(main())
