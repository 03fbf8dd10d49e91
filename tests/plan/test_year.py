"""The simulated year (bench/year.py) on a small scale: no promise is ever in the past."""

from __future__ import annotations

import runpy
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "year.py"


def test_a_small_year_keeps_its_promises():
    figures = runpy.run_path(str(BENCH))["simulate"](120, seed=7)
    assert figures["promises_written"] > 100
    assert figures["past_promises"] == 0
    assert figures["first_contact_kept"] >= 0.8
    assert figures["reminders_ahead"] > 0
    assert figures["still_open"] == 0
