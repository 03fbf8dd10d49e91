"""The rule that recognises the echo of the bridge's own answer (pure part)."""

from __future__ import annotations

import pytest

from decidim_bridge.events import Event
from decidim_bridge.own_events import OWN_EVENT_WINDOW, OwnAnswer, event_state, is_own_state_event

PREFIX = "decidim.events.proposals."
ANSWER = OwnAnswer("evaluating", recorded_at=100.0, last_touched_at=160.0)


def event(event_type: str, **extra: str) -> Event:
    return Event(
        type=PREFIX + event_type,
        source="decidim",
        organization_host="localhost",
        resource_type="Decidim::Proposals::Proposal",
        resource_id="7",
        proposal_id="7",
        extra=dict(extra),
    )


def test_the_state_comes_from_extra_or_the_types_name():
    assert event_state(event("proposal_state_changed", state="accepted")) == "accepted"
    assert event_state(event("proposal_evaluating")) == "evaluating"
    assert event_state(event("proposal_state_changed")) is None
    assert event_state(event("proposal_published", state="evaluating")) is None


def test_the_first_event_with_the_answers_state_in_the_window_is_own():
    echo = event("proposal_state_changed", state="evaluating")
    assert is_own_state_event(echo, received_at=161, answer=ANSWER, state_events_since_answer=0)


@pytest.mark.parametrize(
    ("state", "received_at", "since", "answer"),
    [
        ("accepted", 161.0, 0, ANSWER),  # another state: a person's
        ("evaluating", 99.0, 0, ANSWER),  # before the bridge recorded its answer
        ("evaluating", 160.0 + OWN_EVENT_WINDOW + 1, 0, ANSWER),  # long after
        ("evaluating", 161.0, 1, ANSWER),  # a state event came in between
        ("evaluating", 161.0, 0, None),  # the bridge never tried an answer
    ],
)
def test_anything_else_is_read(state, received_at, since, answer):
    changed = event("proposal_state_changed", state=state)
    assert not is_own_state_event(
        changed, received_at=received_at, answer=answer, state_events_since_answer=since
    )
