"""Tests for decidim_bridge.intake.restfull: decidim-rest-full's JSON:API payload -> Event."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from conftest import REPO

from decidim_bridge.errors import SchemaViolation
from decidim_bridge.events import PROPOSAL_TYPE
from decidim_bridge.intake.restfull import parse_restfull

SAMPLES = REPO / "webhooks" / "samples" / "rest-full"


def sample(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    return payload


CREATED = sample("proposal_creation.succeeded__wijkinitiatief.json")


def test_published_proposal_maps_to_an_event_without_author_data():
    event = parse_restfull(CREATED, tenant="localhost")
    assert event.type == "proposal_creation.succeeded"
    assert event.source == "rest-full"
    assert event.organization_host == "localhost"
    assert event.resource_type == PROPOSAL_TYPE
    assert (event.resource_id, event.proposal_id) == ("101", "101")
    assert (event.component_id, event.component_manifest) == ("11", "proposals")
    assert (event.space_type, event.space_id) == ("Decidim::ParticipatoryProcess", "1")
    assert event.subject == "proposal:101"
    assert event.resource_url is None
    assert event.extra["api_url"] == "https://localhost/api/rest_full/v0.3/proposals/101"
    assert event.extra["published"] is True
    assert event.extra["state"] is None
    assert "2291" not in json.dumps(event.extra)  # the author's id is not carried along


def test_state_token_comes_from_the_state_relationship():
    event = parse_restfull(sample("proposal_state_change.succeeded__accepted.json"))
    assert event.extra["state"] == "accepted"
    assert event.extra["updated_at"] == "2026-11-18T15:02:17+01:00"


def test_drafts_are_proposals_too_so_they_keep_their_subject():
    event = parse_restfull(sample("draft_proposal_creation.succeeded__draft.json"))
    assert event.resource_type == PROPOSAL_TYPE
    assert event.extra["resource_kind"] == "draft_proposal"
    assert event.extra["published"] is None


def test_organization_is_the_host_of_the_links_not_the_tenant():
    event = parse_restfull(
        sample("proposal_creation.succeeded__other-organization.json"), tenant="localhost"
    )
    assert event.organization_host == "andere-gemeente.example"


def test_without_links_the_tenant_is_assumed_and_link_meta_is_not_needed():
    payload = copy.deepcopy(CREATED)
    del payload["data"]["links"]
    event = parse_restfull(payload, tenant="lindeburg.example")
    assert event.organization_host == "lindeburg.example"
    assert event.component_id == "11"  # from the relationship
    assert "api_url" not in event.extra


def test_ids_fall_back_to_link_meta_when_relationships_are_absent():
    payload = copy.deepcopy(CREATED)
    payload["data"]["relationships"] = {}
    event = parse_restfull(payload)
    assert (event.component_id, event.space_id) == ("11", "1")
    assert event.space_type == "Decidim::ParticipatoryProcess"


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        ("assemblies", "Decidim::Assembly"),
        ("conferences", "Decidim::Conference"),
        ("something_new", "something_new"),
    ],
)
def test_space_manifest_names_map_to_decidim_classes(manifest, expected):
    payload = copy.deepcopy(CREATED)
    payload["data"]["relationships"]["space"]["data"]["type"] = manifest
    assert parse_restfull(payload).space_type == expected


def test_numeric_ids_and_null_relationship_data_are_accepted():
    payload = copy.deepcopy(CREATED)
    payload["data"]["id"] = 101
    payload["data"]["relationships"]["state"] = {"data": None}
    event = parse_restfull(payload)
    assert event.proposal_id == "101"
    assert event.extra["state"] is None


def test_other_resource_types_are_not_proposals():
    payload = {"type": "user.created", "data": {"id": "5", "type": "user"}}
    event = parse_restfull(payload, tenant="localhost")
    assert (event.resource_type, event.proposal_id) == ("user", None)
    assert event.subject == "user:5"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"data": CREATED["data"]}, "type"),
        ({"type": "proposal_creation.succeeded"}, "data"),
        ({"type": "proposal_creation.succeeded", "data": []}, "data"),
        ({"type": "proposal_creation.succeeded", "data": {"type": "proposal"}}, "data"),
        ({"type": "Proposal Created", "data": CREATED["data"]}, "type"),
    ],
)
def test_schema_violations_name_the_field(payload, field):
    with pytest.raises(SchemaViolation) as caught:
        parse_restfull(payload)
    assert field in caught.value.errors


def test_a_non_object_body_is_a_schema_violation():
    with pytest.raises(SchemaViolation):
        parse_restfull([CREATED])


def test_the_space_the_inbox_takes_turns_by_is_the_related_space():
    event = parse_restfull(sample("proposal_creation.succeeded__wijkinitiatief.json"))
    assert event.space == "Decidim::ParticipatoryProcess/1"
    without = sample("proposal_creation.succeeded__wijkinitiatief.json")
    del without["data"]["relationships"]["space"]
    for link in without["data"]["links"].values():
        link.get("meta", {}).pop("space_id", None)
    assert parse_restfull(without).space == "component/11"
