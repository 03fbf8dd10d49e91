"""The Lindeburg seed data: validated, complete, and replayable through webhooks."""

from __future__ import annotations

import pytest
from sandbox_support import FakeClock

from decidim_bridge.sandbox.seed import SeedError, load_seed, read_seed
from decidim_bridge.sandbox.state import SandboxState

DATA = read_seed()


def _state(staged: bool = False) -> SandboxState:
    return load_seed(
        SandboxState(clock=FakeClock()), DATA, staged=staged, api_key="k" * 32, api_secret="s" * 32
    )


def test_the_example_municipality_has_its_districts_themes_spaces_and_components():
    state = _state()
    names = {t.id: t.name["nl"] for t in state.taxonomies.values()}
    assert [names[i] for i in (2, 3, 4, 5, 6)] == ["Centrum", "Noord", "Oost", "Zuid", "West"]
    assert [names[i] for i in range(11, 17)] == [
        "Groen",
        "Sociaal",
        "Cultuur",
        "Spelen en sport",
        "Verkeer",
        "Veiligheid",
    ]
    assert {(s.id, s.slug) for s in state.spaces.values()} == {
        (1, "wijkinitiatieven"),
        (2, "begroting-2027"),
        (3, "wijkraad-noord"),
    }
    proposals = {c.id: c.space_id for c in state.components.values() if c.manifest == "proposals"}
    assert proposals == {11: 1, 21: 2, 31: 3}
    assert {c.manifest for c in state.components.values() if c.space_id == 1} == {
        "proposals",
        "meetings",
        "pages",
    }
    assert state.api_user_by_key("k" * 32).admin


def test_at_least_twelve_initiatives_are_visible_and_every_case_is_present():
    state = _state()
    visible = state.visible_proposals(11)
    assert len(visible) >= 12
    assert all(p.title.get("nl") and len(p.body["nl"]) > 100 for p in visible)
    assert any("en" in p.title for p in visible)
    assert state.visible_proposal(114) is None and not state.proposal(114).published
    assert state.visible_proposal(115) is None and state.proposal(115).hidden
    assert state.proposal(113).published_state == "withdrawn"
    without_district = state.proposal(112)
    assert not set(without_district.taxonomy_ids) & {2, 3, 4, 5, 6}
    assert "7422" in (without_district.address or "")
    assert len(state.visible_proposals(21)) == 3
    assert state.proposal(203).published_state == "evaluating"


def test_addresses_lie_in_the_district_of_their_taxonomy():
    ranges = {2: (7411, 7413), 3: (7414, 7417), 4: (7418, 7421), 5: (7422, 7425), 6: (7426, 7429)}
    state = _state()
    for proposal in state.visible_proposals(11):
        districts = [t for t in proposal.taxonomy_ids if t in ranges]
        if not districts or not proposal.address:
            continue
        postcode = int(proposal.address.split(", ")[1][:4])
        low, high = ranges[districts[0]]
        assert low <= postcode <= high, proposal.id


def test_staged_seed_publishes_through_the_replay_with_events():
    state = _state(staged=True)
    assert state.visible_proposals(11) == []
    events = []
    state.subscribe(events.append)
    actions = state.replay_staged()
    assert state.staged == []
    assert len(state.visible_proposals(11)) == len(_state().visible_proposals(11))
    types = [e.type.rsplit(".", 1)[1] for e in events]
    assert types.count("proposal_published") == len([a for a in actions if a.action == "publish"])
    assert ("proposal_withdrawn", 113) in [
        (t, e.resource_id) for t, e in zip(types, events, strict=True)
    ]
    assert ("proposal_state_changed", 203) in [
        (t, e.resource_id) for t, e in zip(types, events, strict=True)
    ]
    assert state.visible_proposal(114) is None and state.visible_proposal(115) is None


def test_a_broken_seed_file_is_reported(tmp_path):
    bad = tmp_path / "seed.yaml"
    bad.write_text("organization: {name: {nl: X}}\nproposals:\n  - {id: 1, component_id: 99}\n")
    with pytest.raises(SeedError, match="invalid seed data"):
        read_seed(bad)
    dangling = tmp_path / "dangling.yaml"
    dangling.write_text(
        "organization: {name: {nl: X}}\n"
        "proposals:\n  - {id: 1, component_id: 99, title: {nl: T}, body: {nl: B}, "
        "published_at: '2026-01-01T10:00:00+01:00'}\n"
    )
    with pytest.raises(SeedError, match="unknown component 99"):
        read_seed(dangling)
    with pytest.raises(SeedError, match="cannot read"):
        read_seed(tmp_path / "missing.yaml")


ADVISORS = {
    "carla_bakker": "Carla Bakker",
    "anouk_devries": "Anouk de Vries",
    "mohamed_elamrani": "Mohamed el Amrani",
    "joost_jansen": "Joost Jansen",
    "sanne_visser": "Sanne Visser",
    "pieter_deboer": "Pieter de Boer",
    "lotte_mulder": "Lotte Mulder",
    "rik_hoekstra": "Rik Hoekstra",
    "fatma_yilmaz": "Fatma Yilmaz",
    "tom_smit": "Tom Smit",
}


def test_the_advisors_evaluate_the_initiatives_process_and_an_admin_exists():
    state = _state()
    for nickname, name in ADVISORS.items():
        user = state.user_by_nickname(nickname)
        assert user is not None and user.name == name and not user.admin
        assert state.roles_in(user, 1) == ["evaluator"]
        assert state.roles_in(user, 2) == [] and state.roles_in(user, 3) == []
    admins = [u for u in state.users.values() if u.admin]
    assert [u.nickname for u in admins] == ["marieke_kok"]
    residents = [u for u in state.users.values() if u.id < 20]
    assert len(residents) == 14 and all(state.roles_in(u, 1) == [] for u in residents)


def test_space_roles_must_name_known_users_spaces_and_roles(tmp_path):
    head = "organization: {name: {nl: X}}\nusers: [{id: 1, name: A, nickname: a}]\n"
    dangling = tmp_path / "roles.yaml"
    dangling.write_text(head + "space_roles: [{user_id: 999, space_id: 1, role: evaluator}]\n")
    with pytest.raises(SeedError, match=r"unknown user 999.*unknown space 1"):
        read_seed(dangling)
    valuator = tmp_path / "valuator.yaml"
    valuator.write_text(head + "space_roles: [{user_id: 1, space_id: 1, role: valuator}]\n")
    with pytest.raises(SeedError, match="invalid seed data"):
        read_seed(valuator)
