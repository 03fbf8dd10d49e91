"""Tests for decidim_bridge.sandbox.model: the states a proposal shows."""

from __future__ import annotations

import pytest

from decidim_bridge.sandbox.model import Proposal


def _proposal(**fields):
    return Proposal(id=101, component_id=11, title={}, body={}, published_at=1.0, **fields)


@pytest.mark.parametrize(
    ("fields", "answer", "saved", "published"),
    [
        ({}, None, None, None),
        ({"internal_state": ""}, None, None, None),  # blank: not answered
        ({"internal_state": "evaluating"}, "evaluating", "evaluating", None),  # internal answer
        (
            {"internal_state": "accepted", "state_published_at": 2.0},
            "accepted",
            "accepted",
            "accepted",
        ),
        ({"internal_state": "not_answered", "state_published_at": 2.0}, None, None, None),
        ({"withdrawn_at": 3.0}, None, "withdrawn", "withdrawn"),
        ({"internal_state": "rejected", "withdrawn_at": 3.0}, "rejected", "withdrawn", "withdrawn"),
    ],
)
def test_the_saved_state_and_what_residents_see_of_it(fields, answer, saved, published):
    """The answer (the admin's view, withdrawal aside), the state the guarded answer
    compares (withdrawn first) and what the API shows."""
    proposal = _proposal(**fields)
    states = (proposal.answer_state, proposal.saved_state, proposal.published_state)
    assert states == (answer, saved, published)
