"""Retry delays: exponential backoff with full jitter (AWS architecture blog's variant)."""

from __future__ import annotations

import random


def backoff_delay(
    attempt: int, *, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """Delay before attempt ``attempt + 1``: uniform in [0, min(cap, base * 2**(attempt-1))].

    Full jitter spreads retries of many events that failed together (e.g. Decidim down)
    instead of sending them back in one burst.
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    ceiling = min(cap, base * (2 ** min(attempt - 1, 62)))
    return (rng or random).uniform(0, ceiling)
