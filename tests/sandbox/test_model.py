"""Tests for decidim_bridge.sandbox.model: the states a proposal shows."""

from __future__ import annotations

import pytest

from decidim_bridge.sandbox.model import Proposal


def _proposal(**fields):
    return Proposal(id=101, component_id=11, title={}, body={}, published_at=1.0, **fields)


@pytest.mark.parametrize(
    ("fields", "saved", "published"),
    [
        ({}, None, None),
        ({"internal_state": "evaluating"}, "evaluating", None),  # internal answer
        ({"internal_state": "accepted", "state_published_at": 2.0}, "accepted", "accepted"),
        ({"internal_state": "not_answered", "state_published_at": 2.0}, None, None),
        ({"withdrawn_at": 3.0}, "withdrawn", "withdrawn"),
        ({"internal_state": "rejected", "withdrawn_at": 3.0}, "withdrawn", "withdrawn"),
    ],
)
def test_the_saved_state_and_what_residents_see_of_it(fields, saved, published):
    proposal = _proposal(**fields)
    assert (proposal.saved_state, proposal.published_state) == (saved, published)
