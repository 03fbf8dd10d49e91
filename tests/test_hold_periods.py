"""Tests for decidim_bridge.hold_periods: which hold periods overlap, and how many units
are free during a period."""

from __future__ import annotations

import pytest

from decidim_bridge.hold_periods import Use, free_during, overlaps, peak, use_of


@pytest.mark.parametrize(
    ("first", "end", "other_first", "other_end", "expected"),
    [
        (10, 20, 30, 40, False),  # before
        (30, 40, 10, 20, False),  # after
        (10, 20, 20, 30, False),  # ends when the other starts
        (20, 30, 10, 20, False),  # starts when the other ends
        (10, 20, 19, 30, True),  # one moment in common
        (10, 40, 20, 30, True),  # contains the other
        (20, 30, 10, 40, True),  # inside the other
        (10, 20, 10, 20, True),  # the same period
        (10, None, 50, 60, True),  # without end: everything later
        (50, 60, 10, None, True),
        (50, None, 10, 20, False),  # without end, but after the other
        (10, 20, 30, None, False),
        (10, None, 20, None, True),
        (10, 10, 5, 15, False),  # an empty period overlaps nothing
        (5, 15, 10, 10, False),
    ],
)
def test_overlaps(first, end, other_first, other_end, expected):
    assert overlaps(first, end, other_first, other_end) is expected


def test_a_hold_without_start_counts_from_when_it_was_made():
    assert use_of(100.0, None, 200.0, 2) == Use(100.0, 200.0, 2)
    assert use_of(100.0, 150.0, 200.0, 2) == Use(150.0, 200.0, 2)
    assert use_of(100.0, None, None, 1) == Use(100.0, None, 1)


MAY, JUNE, JULY = Use(10, 20, 1), Use(20, 30, 1), Use(30, 40, 1)


@pytest.mark.parametrize(
    ("uses", "first", "end", "expected"),
    [
        ([], 0, None, 0),
        ([MAY], 0, 10, 0),  # before the hold
        ([MAY], 20, 30, 0),  # after it
        ([MAY], 15, 16, 1),
        ([MAY, JUNE, JULY], 0, None, 1),  # one after another: one unit at a time
        ([MAY, JUNE, Use(15, 25, 2)], 0, None, 3),  # May and the middle one overlap
        ([MAY, Use(15, 25, 2)], 20, 30, 2),  # the overlap lies before the period
        ([Use(0, None, 1), JUNE], 25, 26, 2),  # a hold without end
        ([Use(0, 100, 1), Use(50, 60, 0)], 0, None, 1),  # nothing held counts for nothing
    ],
)
def test_peak_is_the_most_in_use_at_one_moment(uses, first, end, expected):
    assert peak(uses, first, end) == expected


def test_free_during_a_period():
    taken = [Use(10, 20, 2), Use(30, 40, 1)]
    assert free_during(2, taken, 20, 30) == 2  # between the holds
    assert free_during(2, taken, 15, 35) == 0
    assert free_during(2, taken, 35, None) == 1
    assert free_during(1, taken, 0, None) == -1  # more held than there is
