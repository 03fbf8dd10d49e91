"""Tests for intake.proposal_json: proposals from JSON files and event payloads."""

from __future__ import annotations

import json

import pytest
from conftest import REPO

from decidim_bridge.errors import SchemaViolation
from decidim_bridge.intake.proposal_json import proposal_from_json


def test_the_shipped_example_reads():
    data = json.loads((REPO / "mappings" / "examples" / "buurtmoestuin-noord.json").read_text())
    proposal = proposal_from_json(data)
    assert proposal.id == "1042" and proposal.component_id == "11"
    assert proposal.space.slug == "wijkinitiatieven"
    assert [t.name["nl"] for t in proposal.taxonomies] == ["Noord", "Groen"]
    assert proposal.published_at.utcoffset().total_seconds() == 7200


def test_plain_strings_and_numbers_are_accepted():
    proposal = proposal_from_json(
        {"id": 7, "component_id": 11, "space": {"type": "x", "id": 1}, "title": "Bankjes"}
    )
    assert (proposal.id, proposal.title, proposal.body) == ("7", {"*": "Bankjes"}, {})


def test_output_of_the_decidim_command_shape_is_accepted():
    data = {
        "id": "5",
        "component_id": "11",
        "space": {"type": "Decidim::ParticipatoryProcess", "id": "1", "slug": "w", "title": {}},
        "title": {"nl": "t", "machine_translations": None},
        "body": {"nl": "b"},
        "answer": {},
        "comments_count": 3,
        "extra_field_from_a_newer_version": True,
    }
    assert proposal_from_json(data).comments_count == 3


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"id": "1"},
        {"id": "1", "component_id": "2", "space": {"type": "x", "id": 1}, "title": 5},
        {
            "id": "1",
            "component_id": "2",
            "space": {"type": "x", "id": 1},
            "title": "t",
            "published_at": "2027-04-20T10:00:00",  # no offset
        },
    ],
)
def test_bad_input_is_a_schema_violation(payload):
    with pytest.raises(SchemaViolation):
        proposal_from_json(payload)


def test_a_proposal_written_out_reads_back_the_same():
    from decidim_bridge.intake.proposal_json import proposal_to_json

    data = json.loads((REPO / "mappings" / "examples" / "buurtmoestuin-noord.json").read_text())
    proposal = proposal_from_json(data)
    written = proposal_to_json(proposal)
    assert json.loads(json.dumps(written)) == written  # plain JSON
    assert proposal_from_json(written) == proposal
