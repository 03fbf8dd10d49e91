"""Client methods of the decidim-bridge Decidim module: evaluators and private notes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from decidim_bridge.decidim.models import DecidimUser
from decidim_bridge.errors import CapabilityMissing, GraphQLError, NotFound

CET = timezone(timedelta(hours=1))


def _with_module(decidim: Any, recording: str = "capabilities_module-200") -> None:
    decidim.sign_in()
    decidim.answer("DecidimVersion", "decidim_version-200")
    decidim.answer("Capabilities", recording)


def _sent(decidim: Any) -> dict[str, Any]:
    return json.loads(decidim.graphql_calls()[-1].request.body)


def test_proposal_admin_reads_evaluators_and_notes(decidim: Any, make_client: Any) -> None:
    _with_module(decidim)
    decidim.answer("ProposalAdmin", "proposal_admin-200", variables={"id": "5"})

    found = make_client().proposal_admin(5)

    assert found.proposal_id == "5"
    assert found.evaluators == (DecidimUser("21", "anouk_devries", "Anouk de Vries"),)
    assert found.evaluator_nicknames == {"anouk_devries"}
    assert [n.id for n in found.notes] == ["301", "302"]
    assert found.notes[1].body == "bevestig partytent"
    assert found.notes[1].author == DecidimUser("21", "anouk_devries", "Anouk de Vries")
    assert found.notes[0].created_at == datetime(2026, 11, 28, 10, 16, 41, tzinfo=CET)


def test_proposal_admin_of_an_invisible_proposal(decidim: Any, make_client: Any) -> None:
    _with_module(decidim)
    decidim.answer("ProposalAdmin", "proposal_admin_missing-200")

    with pytest.raises(NotFound):
        make_client().proposal_admin(5)


def test_assign_evaluators_sends_nicknames_and_returns_the_result(
    decidim: Any, make_client: Any
) -> None:
    _with_module(decidim)
    decidim.answer(
        "AssignEvaluators",
        "assign_evaluators-200",
        variables={"id": "5", "nicknames": ["anouk_devries", "sanne_visser"]},
    )

    after = make_client().assign_evaluators(5, ["anouk_devries", "sanne_visser"])

    assert after.evaluator_nicknames == {"anouk_devries", "sanne_visser"}
    assert "assignEvaluators(nicknames: $nicknames)" in _sent(decidim)["query"]


def test_a_user_without_the_evaluator_role_is_a_permanent_refusal(
    decidim: Any, make_client: Any
) -> None:
    _with_module(decidim)
    decidim.answer("AssignEvaluators", "assign_evaluators_refused-200")

    with pytest.raises(GraphQLError) as caught:
        make_client().assign_evaluators(5, ["tom_smit"])

    assert caught.value.codes == ("VALIDATION_ERROR",)
    assert not caught.value.retryable
    assert "tom_smit" in caught.value.message


def test_unassign_evaluators(decidim: Any, make_client: Any) -> None:
    _with_module(decidim)
    decidim.answer(
        "UnassignEvaluators",
        "unassign_evaluators-200",
        variables={"id": "5", "nicknames": ["anouk_devries"]},
    )

    assert make_client().unassign_evaluators(5, ["anouk_devries"]).evaluators == ()


def test_create_note_returns_the_note(decidim: Any, make_client: Any) -> None:
    _with_module(decidim)
    body = "Ondersteuningsplan versie 2 (Ref. LB-77AB10)"
    decidim.answer(
        "CreateProposalNote", "create_proposal_note-200", variables={"id": "5", "body": body}
    )

    note = make_client().create_note(5, body)

    assert note.id == "303"
    assert note.author is not None and note.author.nickname == "lindeburg_bridge"


def test_module_reads_refused_to_a_non_admin(decidim: Any, make_client: Any) -> None:
    _with_module(decidim)
    decidim.answer("ProposalAdmin", "proposal_admin_not_authorized-200")

    with pytest.raises(GraphQLError) as caught:
        make_client().proposal_admin(5)

    assert caught.value.permission_denied


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.proposal_admin(5),
        lambda c: c.assign_evaluators(5, ["anouk_devries"]),
        lambda c: c.unassign_evaluators(5, ["anouk_devries"]),
        lambda c: c.create_note(5, "Plan"),
    ],
)
def test_without_the_module_nothing_is_sent(decidim: Any, make_client: Any, call: Any) -> None:
    _with_module(decidim, "capabilities_input-200")

    with pytest.raises(CapabilityMissing, match="decidim-bridge module"):
        call(make_client())
    assert len(decidim.graphql_calls()) == 2  # only the detection


def test_empty_arguments_are_refused_before_sending(make_client: Any) -> None:
    client = make_client()
    with pytest.raises(ValueError):
        client.assign_evaluators(5, [])
    with pytest.raises(ValueError):
        client.create_note(5, "  ")
