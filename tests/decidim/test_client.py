"""High-level client methods: mapping, pagination, components, comments, answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from decidim_bridge.errors import CapabilityMissing, DecidimError, DecidimRejected, NotFound
from decidim_bridge.proposals import ParticipatorySpace, Taxonomy

CET = timezone(timedelta(hours=1))


def _variables(call: Any) -> dict[str, Any]:
    return json.loads(call.request.body)["variables"]


def test_fetch_proposal_maps_every_field(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer(
        "ProposalById", "proposal-200", variables={"componentId": "11", "proposalId": "5"}
    )

    proposal = make_client().fetch_proposal(5, 11)

    assert proposal is not None
    assert proposal.id == "5"
    assert proposal.component_id == "11"
    assert proposal.space == ParticipatorySpace(
        type="Decidim::ParticipatoryProcess",
        id="1",
        slug="wijkinitiatieven",
        title={"nl": "Wijkinitiatieven", "en": "Neighbourhood initiatives"},
    )
    assert proposal.title == {
        "nl": "Buurtmoestuin op het braakliggende veld aan de Lindelaan",
        "machine_translations.en": "Community garden on the vacant lot on Lindelaan",
    }
    # The text people wrote wins over a machine translation.
    assert proposal.text(proposal.title, "en").startswith("Buurtmoestuin")
    assert proposal.body["nl"].startswith("Wij willen met twaalf buren")
    assert proposal.state is None
    assert proposal.answer == {}
    assert proposal.answered_at is None
    assert proposal.published_at == datetime(2026, 11, 20, 9, 12, 44, tzinfo=CET)
    assert proposal.published_at.astimezone(UTC).hour == 8
    assert proposal.updated_at == datetime(2026, 11, 21, 14, 3, 10, tzinfo=CET)
    assert proposal.withdrawn is False
    assert proposal.address == "Lindelaan 40, 7415 AB Lindeburg"
    assert (proposal.latitude, proposal.longitude) == (52.2581, 6.1632)
    assert proposal.reference == "LB-PROP-2026-11-5"
    assert proposal.url == "http://localhost:3000/processes/wijkinitiatieven/f/11/proposals/5"
    assert proposal.comments_count == 2
    assert proposal.taxonomies == (
        Taxonomy(
            id="12",
            name={"nl": "Noord", "en": "North"},
            parent_id="10",
            parent_name={"nl": "Wijk", "en": "District"},
        ),
        Taxonomy(
            id="31",
            name={"nl": "Groen", "en": "Green"},
            parent_id="30",
            parent_name={"nl": "Thema", "en": "Theme"},
        ),
    )


@pytest.mark.parametrize("recording", ["proposal_missing-200", "proposal_component_missing-200"])
def test_fetch_proposal_returns_none_when_not_visible(
    decidim: Any, make_client: Any, recording: str
) -> None:
    decidim.sign_in()
    decidim.answer("ProposalById", recording)

    assert make_client().fetch_proposal(99, 11) is None


def test_fetch_proposal_from_another_component_type_is_rejected(
    decidim: Any, make_client: Any
) -> None:
    decidim.sign_in()
    decidim.answer("ProposalById", "proposal_wrong_component-200")

    with pytest.raises(DecidimRejected, match="Meetings component"):
        make_client().fetch_proposal(5, 12)


def test_an_unexpected_answer_shape_is_a_decidim_error(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProposalById", "proposal_bad_shape-200")

    with pytest.raises(DecidimError, match="unexpected shape") as caught:
        make_client().fetch_proposal(5, 11)
    assert "proposal" in json.dumps(caught.value.errors)


def test_iter_proposals_walks_three_pages_by_cursor(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    for page in (1, 2, 3):
        decidim.answer("ProposalsPage", f"proposals_page{page}-200")

    proposals = list(make_client().iter_proposals(11, order={"id": "ASC"}))

    assert [p.id for p in proposals] == ["100", "101", "102", "103", "104"]
    assert proposals[2].state == "evaluating"
    assert proposals[2].answer["nl"].startswith("We bekijken")
    assert all(p.component_id == "11" for p in proposals)
    assert proposals[4].url == (
        "http://localhost:3000/processes/wijkinitiatieven/f/11/proposals/104"
    )
    assert {p.space.slug for p in proposals} == {"wijkinitiatieven"}
    sent = [_variables(c) for c in decidim.graphql_calls()]
    assert [v["after"] for v in sent] == [None, "MQ", "Mg"]
    assert {v["first"] for v in sent} == {50}
    assert {json.dumps(v["order"]) for v in sent} == {'{"id": "ASC"}'}


def test_iter_proposals_is_lazy(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProposalsPage", "proposals_page1-200")

    first = next(iter(make_client().iter_proposals(11)))

    assert first.id == "100"
    assert len(decidim.graphql_calls()) == 1


def test_iter_proposals_sends_the_publication_filter(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProposalsPage", "proposals_page3-200")

    list(make_client().iter_proposals(11, published_since="2026-11-27", page_size=10))

    assert _variables(decidim.graphql_calls()[0]) == {
        "componentId": "11",
        "first": 10,
        "after": None,
        "filter": {"publishedSince": "2026-11-27"},
    }


def test_one_page_of_the_newest_publications(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProposalsPage", "proposals_page_newest-200")

    page = make_client().fetch_proposals_page(
        11, order={"publishedAt": "DESC"}, published_since="2026-11-26", after="Mw"
    )

    assert [p.id for p in page.proposals] == ["104", "103", "102", "101"]
    assert page.next_cursor == "NA"
    assert page.proposals[2].state == "evaluating"
    assert all(
        p.component_id == "11" and p.space.slug == "wijkinitiatieven" for p in page.proposals
    )
    assert page.proposals[0].published_at is not None
    assert page.proposals[0].published_at.isoformat() == "2026-11-28T10:15:40+01:00"
    assert _variables(decidim.graphql_calls()[0]) == {
        "componentId": "11",
        "first": 50,
        "after": "Mw",
        "filter": {"publishedSince": "2026-11-26"},
        "order": {"publishedAt": "DESC"},
    }


def test_the_last_page_has_no_next_cursor(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProposalsPage", "proposals_page3-200")

    page = make_client().fetch_proposals_page(11, after="Mg")

    assert [p.id for p in page.proposals] == ["104"] and page.next_cursor is None


def test_iter_proposals_of_an_invisible_component(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProposalsPage", "proposal_component_missing-200")

    with pytest.raises(NotFound):
        list(make_client().iter_proposals(77))


def test_page_size_is_capped_at_decidims_maximum(make_client: Any) -> None:
    with pytest.raises(ValueError, match=r"1\.\.50"):
        list(make_client().iter_proposals(11, page_size=51))


def test_list_components_of_a_process_by_slug(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer(
        "ProcessComponents", "process_components-200", variables={"slug": "wijkinitiatieven"}
    )

    components = make_client().list_components("participatory_process", "wijkinitiatieven")

    assert [(c.id, c.type, c.is_proposals) for c in components] == [
        ("11", "Proposals", True),
        ("12", "Meetings", False),
        ("13", "Pages", False),
    ]
    assert components[0].name == {"nl": "Initiatieven"}
    assert components[0].space.slug == "wijkinitiatieven"
    assert components[0].space.type == "Decidim::ParticipatoryProcess"


def test_list_components_of_a_process_by_id(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProcessComponents", "process_components-200", variables={"id": "1"})

    assert len(make_client().list_components("Decidim::ParticipatoryProcess", 1)) == 3


def test_list_components_of_an_assembly_by_slug(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("Assemblies", "assemblies-200")
    decidim.answer("AssemblyComponents", "assembly_components-200", variables={"id": "3"})

    components = make_client().list_components("assembly", "wijkraad-noord")

    assert [(c.id, c.space.id, c.space.slug) for c in components] == [("31", "3", "wijkraad-noord")]


def test_list_components_of_a_missing_space(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProcessComponents", "process_components_missing-200")
    decidim.answer("Assemblies", "assemblies-200")
    client = make_client()

    with pytest.raises(NotFound):
        client.list_components("process", "bestaat-niet")
    with pytest.raises(NotFound):
        client.list_components("assembly", "bestaat-ook-niet")
    with pytest.raises(ValueError, match="unknown participatory space type"):
        client.list_components("conference", "x")


def test_list_comments_reads_authors_and_times(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProposalComments", "proposal_comments-200")

    comments = make_client().list_comments(5, 11)

    assert [c.id for c in comments] == ["901", "902"]
    ours = comments[1]
    assert ours.author_nickname == "@initiatievenloket"  # Decidim prefixes "@"
    assert ours.author_name == "Gemeente Lindeburg – initiatievenloket"
    assert ours.author_id == "7"
    assert "(Ref LB-7f3a2c)" in ours.body
    assert ours.created_at == datetime(2026, 11, 21, 9, 0, 12, tzinfo=CET)


def test_list_comments_of_an_invisible_proposal(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProposalComments", "proposal_comments_missing-200")

    with pytest.raises(NotFound):
        make_client().list_comments(5, 11)


def test_whoami(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("Whoami", "whoami-200")

    me = make_client().whoami()

    assert (me.user_id, me.nickname) == ("7", "@initiatievenloket")
    assert me.organization_name["nl"] == "Gemeente Lindeburg"


def test_whoami_anonymous(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("Whoami", "whoami_anonymous-200")

    me = make_client().whoami()

    assert me.user_id is None
    assert me.organization_name == {"nl": "Gemeente Lindeburg"}


# --- writes --------------------------------------------------------------------------------


def _capabilities(decidim: Any, recording: str) -> None:
    decidim.answer("DecidimVersion", "decidim_version-200")
    decidim.answer("Capabilities", recording)


def test_add_comment_returns_the_new_id(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    _capabilities(decidim, "capabilities_input-200")
    decidim.answer(
        "AddComment",
        "add_comment-200",
        variables={
            "id": "5",
            "type": "Decidim::Proposals::Proposal",
            "body": "Bedankt voor uw initiatief.",
            "locale": "nl",
        },
    )

    assert make_client().add_comment(5, "Bedankt voor uw initiatief.", "nl") == "903"


def test_add_comment_refused_by_decidim(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    _capabilities(decidim, "capabilities_input-200")
    decidim.answer("AddComment", "add_comment_refused-200")

    with pytest.raises(DecidimRejected, match="comments closed"):
        make_client().add_comment(5, "Bedankt.", "nl")


def test_add_comment_needs_a_body(make_client: Any) -> None:
    with pytest.raises(ValueError):
        make_client().add_comment(5, "   ", "nl")


def test_answer_in_the_032_input_form(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    _capabilities(decidim, "capabilities_input-200")
    decidim.answer(
        "AnswerProposal",
        "answer_proposal-200",
        variables={
            "componentId": "11",
            "proposalId": "5",
            "input": {
                "attributes": {
                    "state": "evaluating",
                    "answerContent": {"nl": "We nemen contact op.", "en": "We will contact you."},
                }
            },
        },
    )

    result = make_client().answer_proposal(
        11, 5, "evaluating", {"nl": "We nemen contact op.", "en": "We will contact you."}
    )

    assert result.proposal_id == "5"
    assert result.state == "evaluating"
    assert result.answered_at == datetime(2026, 11, 28, 10, 16, 40, tzinfo=CET)


def test_answer_in_the_apiext_argument_form(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    _capabilities(decidim, "capabilities_arguments-200")
    decidim.answer(
        "AnswerProposalApiext",
        "answer_proposal_unpublished-200",
        variables={
            "componentId": "11",
            "proposalId": "5",
            "state": "accepted",
            "answerContent": {"nl": "Akkoord."},
        },
    )

    result = make_client().answer_proposal(11, 5, "accepted", {"nl": "Akkoord."})

    assert result.state is None  # the component does not publish answers immediately
    body = json.loads(decidim.graphql_calls()[-1].request.body)
    assert "answer(state: $state" in body["query"]


def test_answer_without_the_capability(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    _capabilities(decidim, "capabilities_comments_only-200")

    with pytest.raises(CapabilityMissing):
        make_client().answer_proposal(11, 5, "accepted", {"nl": "Akkoord."})
    assert len(decidim.graphql_calls()) == 2  # only the detection


def test_space_slug_and_proposal_url_come_from_the_component_url() -> None:
    from decidim_bridge.decidim.mapping import proposal_url, slug_from_component_url

    assert slug_from_component_url("https://x.nl/assemblies/wijkraad-noord/f/31/") == (
        "wijkraad-noord"
    )
    assert slug_from_component_url("https://x.nl/processes/begroting-2027/f/21") == (
        "begroting-2027"
    )
    assert slug_from_component_url("https://x.nl/somewhere/else") is None
    assert slug_from_component_url(None) is None
    assert proposal_url("https://x.nl/processes/a/f/11/", "5") == (
        "https://x.nl/processes/a/f/11/proposals/5"
    )
    assert proposal_url(None, "5") is None
