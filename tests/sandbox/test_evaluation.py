"""What a person does in Decidim's admin (evaluators, private notes, internal and published
answers) through the sandbox's Python API, and the module's events with their exact payloads."""

from __future__ import annotations

import pytest
from sandbox_support import FakeClock

from decidim_bridge.sandbox.api_errors import ApiError
from decidim_bridge.sandbox.runtime import Sandbox
from decidim_bridge.sandbox.seed import load_seed
from decidim_bridge.sandbox.settings import SandboxConfig
from decidim_bridge.sandbox.state import SandboxState
from decidim_bridge.sandbox.webhooks import build_envelope

ADMIN = {
    "id": "20",
    "nickname": "marieke_kok",
    "name": "Marieke Kok",
    "api_user": False,
    "roles": ["organization_admin"],
}
ANOUK = {"id": "22", "nickname": "anouk_devries", "name": "Anouk de Vries"}
TOM = {"id": "30", "nickname": "tom_smit", "name": "Tom Smit"}


@pytest.fixture
def seeded() -> SandboxState:
    return load_seed(SandboxState(clock=FakeClock()), api_key="k" * 32, api_secret="s" * 32)


@pytest.fixture
def events(seeded):
    seen = []
    seeded.subscribe(seen.append)
    return seen


def test_assign_and_unassign_as_an_admin_send_the_modules_events(seeded, events):
    assigned = seeded.assign_evaluators(101, ["anouk_devries", 30], by="marieke_kok")
    assert [u.nickname for u in assigned] == ["anouk_devries", "tom_smit"]
    assert seeded.unassign_evaluators(101, ["tom_smit"], by=20) == [seeded.users[22]]
    envelopes = [(e.webhook_id, build_envelope(seeded, e)) for e in events]
    assert envelopes == [
        (
            "decidim-bridge-proposal_evaluators_assigned-1",
            {
                "type": "decidim.bridge.proposal_evaluators_assigned",
                "occurred_at": "2026-11-18T12:06:40+01:00",
                "organization": {"host": "localhost"},
                "resource": {
                    "type": "Decidim::Proposals::Proposal",
                    "id": "101",
                    "url": "http://localhost:3000/processes/wijkinitiatieven/f/11/proposals/101",
                },
                "component": {"id": "11", "manifest": "proposals"},
                "participatory_space": {
                    "type": "Decidim::ParticipatoryProcess",
                    "id": "1",
                    "slug": "wijkinitiatieven",
                },
                "extra": {"evaluators": [ANOUK, TOM], "by": ADMIN},
            },
        ),
        (
            "decidim-bridge-proposal_evaluators_unassigned-2",
            {
                **envelopes[0][1],
                "type": "decidim.bridge.proposal_evaluators_unassigned",
                "extra": {"evaluators": [TOM], "by": ADMIN},
            },
        ),
    ]


def test_nothing_changed_sends_nothing(seeded, events):
    seeded.assign_evaluators(101, ["anouk_devries"])
    seeded.assign_evaluators(101, ["anouk_devries"])
    seeded.unassign_evaluators(101, ["tom_smit"])
    assert [(e.type, e.extra["by"]) for e in events] == [
        ("decidim.bridge.proposal_evaluators_assigned", None)  # by nobody: a console or a job
    ]


def test_a_note_by_an_assigned_evaluator_names_the_author_and_roles(seeded, events):
    seeded.assign_evaluators(101, ["anouk_devries"], by="marieke_kok")
    events.clear()
    note = seeded.create_note(101, "Gebeld met @fatima_ea.\nZe belt terug.", by="anouk_devries")
    assert (note.id, note.author_id, note.author_is_api_user) == (1, 22, False)
    assert [(e.type, e.webhook_id, e.extra) for e in events] == [
        (
            "decidim.bridge.proposal_note_created",
            "decidim-bridge-proposal_note_created-1",
            {
                "note_id": "1",
                "body": "Gebeld met @fatima_ea.\nZe belt terug.",
                "author": {**ANOUK, "api_user": False, "roles": ["evaluator"]},
            },
        )
    ]


def test_roles_list_organization_admin_then_space_roles_in_decidims_order(seeded):
    seeded.grant_space_role("carla_bakker", 1, "admin")
    seeded.grant_space_role("carla_bakker", 1, "moderator")
    proposal = seeded.proposal(101)
    assert seeded.actor(seeded.users[21], proposal)["roles"] == ["admin", "moderator", "evaluator"]
    assert seeded.actor(seeded.users[21], seeded.proposal(201))["roles"] == []
    assert seeded.actor(seeded.users[3], proposal)["roles"] == []
    assert seeded.actor(seeded.api_users[900], proposal) == {
        "id": "900",
        "nickname": "initiatievenbureau",
        "name": "Initiatievenbureau Lindeburg",
        "api_user": True,
        "roles": ["organization_admin"],
    }
    with pytest.raises(ValueError):
        seeded.grant_space_role("carla_bakker", 1, "valuator")


def test_what_a_person_may_do_follows_their_roles(seeded, events):
    # An evaluator may neither assign nor note or answer a proposal not assigned to them.
    for refused in (
        lambda: seeded.assign_evaluators(101, ["tom_smit"], by="anouk_devries"),
        lambda: seeded.create_note(101, "Hallo", by="anouk_devries"),
        lambda: seeded.answer_as_admin(101, "evaluating", by="anouk_devries"),
        lambda: seeded.create_note(101, "Hallo", by="annekedv"),  # a resident
    ):
        with pytest.raises(ApiError) as refusal:
            refused()
        assert refusal.value.code == "MUTATION_NOT_AUTHORIZED_ERROR"
    seeded.grant_space_role("anouk_devries", 1, "admin")  # a space admin may assign
    seeded.assign_evaluators(101, ["tom_smit"], by="anouk_devries")
    seeded.create_note(101, "Ik pak het op.", by="tom_smit")  # ... and tom is assigned now
    assert [e.type.rsplit(".", 1)[1] for e in events] == [
        "proposal_evaluators_assigned",
        "proposal_note_created",
    ]
    with pytest.raises(ApiError) as unknown:
        seeded.create_note(101, "Hallo", by="nobody_here")
    assert unknown.value.code == "NOT_FOUND_ERROR"


def test_an_internal_answer_then_publishing_it(seeded, events):
    seeded.assign_evaluators(101, ["tom_smit"])
    events.clear()
    answer = {"nl": "Een mooi plan; we zoeken een plek."}
    proposal = seeded.answer_as_admin(101, "accepted", answer, by="tom_smit", publish=False)
    assert (proposal.internal_state, proposal.answer_published, proposal.published_state) == (
        "accepted",
        False,
        None,
    )
    seeded.publish_answer(101, by="marieke_kok")
    assert proposal.published_state == "accepted"
    with pytest.raises(ValueError):
        seeded.publish_answer(101)  # nothing left to publish
    tom = {**TOM, "api_user": False, "roles": ["evaluator"]}
    assert [(e.type, e.extra, e.webhook_id) for e in events] == [
        (
            "decidim.bridge.proposal_answer_saved",
            {"state": "accepted", "published": False, "by": tom},
            "decidim-bridge-proposal_answer_saved-2",
        ),
        (
            "decidim.events.proposals.proposal_state_changed",
            {"state": "accepted", "previous_state": None},
            None,
        ),
        (
            "decidim.bridge.proposal_answer_saved",
            {"state": "accepted", "published": True, "by": ADMIN},
            "decidim-bridge-proposal_answer_saved-3",
        ),
    ]


def test_a_published_answer_and_not_answered(seeded, events):
    seeded.set_component_settings(11, publish_answers_immediately=False)
    seeded.answer_as_admin(102, "rejected", {"nl": "Past niet."}, by="marieke_kok", publish=True)
    seeded.answer_as_admin(102, "not_answered", by="marieke_kok")
    assert [
        (e.type.rsplit(".", 1)[1], e.extra.get("state"), e.extra.get("published")) for e in events
    ] == [
        ("proposal_state_changed", "rejected", None),
        ("proposal_answer_saved", "rejected", True),
        ("proposal_answer_saved", None, False),
    ]


def test_records_persist_and_ids_are_never_reused_after_a_reset(tmp_path):
    config = SandboxConfig(state_file=tmp_path / "state.json")
    sandbox = Sandbox(config, clock=FakeClock())
    sandbox.state.assign_evaluators(101, ["anouk_devries"])
    sandbox.state.create_note(101, "Notitie", by="marieke_kok")
    sandbox.state.grant_space_role("tom_smit", 3, "collaborator")
    sandbox.persist()
    restarted = Sandbox(config, clock=FakeClock())
    assert [u.id for u in restarted.state.evaluators_of(101)] == [22]
    assert [n.body for n in restarted.state.notes_on(101)] == ["Notitie"]
    assert restarted.state.roles_in(restarted.state.users[30], 3) == ["collaborator"]
    restarted.reset()
    assert restarted.state.evaluators_of(101) == [] and restarted.state.notes_on(101) == []
    assert restarted.state.create_note(101, "Nieuw", by="marieke_kok").id == 2
    assert restarted.state.sequences["action_log"] == 1
