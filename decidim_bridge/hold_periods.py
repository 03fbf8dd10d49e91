"""When a hold uses stock, and how many units are free during a period. Pure.

A hold on a catalogue item uses its units during its period ``[start, end)``: from
``starts_at`` (the lead time before the day the item is needed), or from ``held_at`` when
the hold has no start (it counts from the moment it was made), until ``expires_at`` (the
end of the day the item is needed, or when a plain reservation lapses); a hold without an
end (confirmed without a known day) uses its units for good. Two holds whose periods do
not overlap never compete for a unit.

Both the planner (``plan_versions``, ``plan.batch``) and the store's race-safe check
(``store.plans``) count with these functions, so the free units the engine is told about
are the ones the store allows. Times are epoch seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Use:
    """Units one hold uses during ``[start, end)``; ``end`` None: without end."""

    start: float
    end: float | None
    quantity: int


def use_of(held_at: float, starts_at: float | None, expires_at: float | None, quantity: int) -> Use:
    """The period a hold uses stock: from its start (else from when it was made) to its end."""
    return Use(held_at if starts_at is None else starts_at, expires_at, quantity)


def overlaps(first: float, end: float | None, other_first: float, other_end: float | None) -> bool:
    """Whether ``[first, end)`` and ``[other_first, other_end)`` share a moment (None: no end).

    A period that ends at the moment the other starts does not overlap it; an empty period
    (``end <= first``) overlaps nothing.
    """
    if end is not None and end <= first:
        return False
    if other_end is not None and other_end <= other_first:
        return False
    return (other_end is None or first < other_end) and (end is None or other_first < end)


def peak(uses: Iterable[Use], first: float, end: float | None) -> int:
    """The most units in use at one moment during ``[first, end)``.

    Not the sum of every overlapping hold: a hold in May and one in June both overlap a
    period from May to June, but they never use the same unit at the same time.
    """
    events: list[tuple[float, int]] = []
    for use in uses:
        if use.quantity <= 0 or not overlaps(first, end, use.start, use.end):
            continue
        events.append((max(use.start, first), use.quantity))
        if use.end is not None and (end is None or use.end < end):
            events.append((use.end, -use.quantity))
    # At one moment, a hold ending frees its units before a hold starting takes them.
    events.sort(key=lambda event: (event[0], event[1]))
    most = running = 0
    for _, step in events:
        running += step
        most = max(most, running)
    return most


def free_during(capacity: int, uses: Iterable[Use], first: float, end: float | None) -> int:
    """Units of an item with ``capacity`` that no hold in ``uses`` takes during the period
    (negative when the holds already take more than there is)."""
    return capacity - peak(uses, first, end)


def free_from_now(
    capacity: int, uses: Iterable[Use], first: float, end: float | None, now: float
) -> int:
    """``free_during`` the part of the period that has not passed at ``now``: the one
    count the planner and the store's check both make, so they cannot disagree."""
    return free_during(capacity, uses, max(first, now), end)
