"""Tests for decidim_bridge.sources.sweep: comparing copies and synthesizing events (pure)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from decidim_bridge.handlers import PROPOSAL_EVENT_TYPES
from decidim_bridge.intake.envelope import parse_envelope
from decidim_bridge.proposals import ParticipatorySpace, Proposal, Taxonomy
from decidim_bridge.sources.sweep import (
    EVENT_TYPES,
    changes,
    content_fingerprint,
    decide,
    delivery_key,
    seen_copy,
)

SPACE = ParticipatorySpace(type="Decidim::ParticipatoryProcess", id="1", slug=None)
T0 = datetime(2026, 11, 24, 9, 4, 52, tzinfo=UTC)
T1 = datetime(2026, 11, 25, 14, 0, 0, tzinfo=UTC)


def proposal(**changes_: object) -> Proposal:
    base = Proposal(
        id="1042",
        component_id="11",
        space=SPACE,
        title={"nl": "Moestuin aan de Kastanjelaan"},
        body={"nl": "Wij willen een moestuin aanleggen met de buurt."},
        published_at=T0,
        updated_at=T0,
        url="http://localhost:3000/processes/wijkinitiatieven/f/11/proposals/1042",
        taxonomies=(Taxonomy(id="7", name={"nl": "Oost"}),),
    )
    return dataclasses.replace(base, **changes_)  # type: ignore[arg-type]


BEFORE = seen_copy(proposal())


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (proposal(), []),
        (proposal(updated_at=T1, comments_count=3), []),  # a comment touches updatedAt only
        (proposal(updated_at=T1, title={"nl": "Moestuin en bankjes"}), ["updated"]),
        (proposal(updated_at=T1, address="Kastanjelaan 4"), ["updated"]),
        (proposal(updated_at=T1, taxonomies=()), ["updated"]),
        (proposal(body={"nl": "Zelfde seconde, andere tekst."}), ["updated"]),
        (proposal(updated_at=T1, state="accepted", answered_at=T1), ["state_changed"]),
        (proposal(updated_at=T1, answered_at=T1), ["state_changed"]),  # answer text, same state
        (proposal(updated_at=T1, withdrawn=True), ["withdrawn"]),
        (proposal(updated_at=T1, state="withdrawn"), ["withdrawn"]),  # Decidim <= 0.27
        (
            proposal(updated_at=T1, title={"nl": "Nieuw"}, state="rejected", answered_at=T1),
            ["updated", "state_changed"],
        ),
    ],
)
def test_changes(after: Proposal, expected: list[str]):
    assert changes(BEFORE, seen_copy(after)) == expected


def test_a_proposal_not_seen_before_is_published():
    assert changes(None, BEFORE) == ["published"]


def test_staying_withdrawn_is_not_news():
    withdrawn = seen_copy(proposal(withdrawn=True))
    assert changes(withdrawn, seen_copy(proposal(withdrawn=True, updated_at=T1))) == []


def test_fingerprint_covers_content_not_counters():
    assert content_fingerprint(proposal()) == content_fingerprint(proposal(comments_count=9))
    assert content_fingerprint(proposal()) != content_fingerprint(proposal(body={"nl": "x"}))


def test_delivery_keys_are_deterministic_and_tell_changes_apart():
    accepted = seen_copy(proposal(state="accepted", answered_at=T1))
    rejected = seen_copy(proposal(state="rejected", answered_at=T1))
    assert delivery_key("state_changed", "11", accepted) == delivery_key(
        "state_changed", "11", seen_copy(proposal(state="accepted", answered_at=T1))
    )
    keys = {
        delivery_key("state_changed", "11", accepted),
        delivery_key("state_changed", "11", rejected),
        delivery_key("state_changed", "21", accepted),
        delivery_key("published", "11", accepted),
        delivery_key("withdrawn", "11", accepted),
        delivery_key("updated", "11", accepted),
    }
    assert len(keys) == 6
    assert all(k.startswith("poll:") and len(k) <= 200 for k in keys)
    # published and withdrawn happen once in a proposal's life: later values do not matter
    assert delivery_key("published", "11", BEFORE) == delivery_key("published", "11", accepted)


def test_synthesized_events_are_foundation_envelopes():
    after = proposal(updated_at=T1, state="accepted", answered_at=T1)
    decision = decide(after, BEFORE, tenant="localhost", mode="poll", slug="wijkinitiatieven")
    assert decision.changed
    (event,) = decision.events
    assert event.event_type == EVENT_TYPES["state_changed"] in PROPOSAL_EVENT_TYPES
    assert event.subject == "proposal:1042"
    parsed = parse_envelope(json.loads(event.body), source="poller")
    assert event.space == parsed.space == "Decidim::ParticipatoryProcess/1"
    assert parsed.type == "decidim.events.proposals.proposal_state_changed"
    assert (parsed.organization_host, parsed.proposal_id, parsed.component_id) == (
        "localhost",
        "1042",
        "11",
    )
    assert (parsed.space_type, parsed.space_id, parsed.space_slug) == (
        "Decidim::ParticipatoryProcess",
        "1",
        "wijkinitiatieven",
    )
    assert parsed.occurred_at == T1
    assert parsed.resource_url == after.url
    assert parsed.extra["previous_state"] is None
    assert parsed.extra["state"] == "accepted"
    assert parsed.extra["detected_by"] == "poller"


def test_same_change_same_body():
    after = proposal(updated_at=T1, withdrawn=True)
    first = decide(after, BEFORE, tenant="localhost", mode="poll")
    second = decide(after, BEFORE, tenant="localhost", mode="poll")
    assert first == second


@pytest.mark.parametrize(
    ("mode", "previous", "kinds"),
    [
        ("baseline", None, ["published"]),
        ("baseline", BEFORE, []),
        ("backfill", None, ["published"]),
        ("backfill", BEFORE, ["published"]),
        ("poll", None, ["published"]),
    ],
)
def test_modes(mode, previous, kinds):
    decision = decide(proposal(), previous, tenant="localhost", mode=mode)
    assert [e.kind for e in decision.events] == kinds
    assert decision.changed == (previous is None)
    for event in decision.events:
        assert json.loads(event.body)["extra"].get("existing", False) == (mode != "poll")


def test_backfill_reports_published_under_the_published_key():
    backfilled = decide(proposal(), BEFORE, tenant="localhost", mode="backfill")
    polled = decide(proposal(), None, tenant="localhost", mode="poll")
    assert backfilled.events[0].delivery_key == polled.events[0].delivery_key
    assert json.loads(backfilled.events[0].body)["extra"]["detected_by"] == "backfill"


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        decide(proposal(), None, tenant="localhost", mode="sometimes")


def test_an_event_carries_the_proposal_as_the_sweep_read_it():
    from decidim_bridge.intake.proposal_json import proposal_from_json

    after = proposal(updated_at=T1, state="accepted", answered_at=T1)
    decision = decide(after, BEFORE, tenant="localhost", mode="poll")
    (event,) = decision.events
    carried = json.loads(event.body)["extra"]["proposal"]
    assert proposal_from_json(carried) == after


def test_the_carried_proposal_keeps_the_order_of_its_translations():
    """A plan lists evidence in the order of a taxonomy's translations: the copy an event
    carries must be planned as the same proposal read from Decidim would be."""
    from decidim_bridge.intake.proposal_json import proposal_from_json

    after = proposal(
        updated_at=T1,
        state="accepted",
        answered_at=T1,
        taxonomies=(Taxonomy(id="7", name={"nl": "Groen", "en": "Green spaces"}),),
    )
    (event,) = decide(after, BEFORE, tenant="localhost", mode="poll").events
    carried = proposal_from_json(json.loads(event.body)["extra"]["proposal"])
    assert list(carried.taxonomies[0].name) == ["nl", "en"]
