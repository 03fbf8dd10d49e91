"""The pipeline's store step records a new plan version and its writes together."""

from __future__ import annotations

from dataclasses import replace

import pytest
from plan_support import at, make_proposal
from writeback_support import store_plan_version

from decidim_bridge import plan_versions
from decidim_bridge.errors import MappingError
from decidim_bridge.proposals import ParticipatorySpace
from decidim_bridge.rules.model import SpaceRule
from decidim_bridge.store import outbox as outbox_store
from decidim_bridge.store import plans as plans_store
from decidim_bridge.writeback.hook import prepare_writeback
from decidim_bridge.writeback.templates import MessageTemplates

NOW = at("2027-04-20T11:00:00+02:00")
MOESTUIN = "Buurtmoestuin in de Vogelwijk"


def store(db, settings, mappings, proposal, now=NOW, **given):
    return store_plan_version(db, settings, mappings, proposal, now=now, **given)


def rows(db):
    with db.read() as conn:
        return list(reversed(outbox_store.list_rows(conn, limit=1000)))


class _Capabilities:
    can_comment = True
    can_answer = True

    def capabilities(self):
        return self


def test_a_new_version_records_its_writes_and_an_unchanged_one_nothing(db, settings, mappings):
    proposal = make_proposal(MOESTUIN, taxonomies=("Noord", "Groen"))
    stored = store(db, settings, mappings, proposal, decidim=_Capabilities())
    first = rows(db)
    kinds = [(r.kind, r.purpose) for r in first]
    assert kinds[:3] == [
        ("decidim_comment", "initiators"),
        ("decidim_answer", "answer"),
        ("mail", "advisor"),
    ]
    assert {r.plan_version for r in first} == {stored.version} == {1}
    assert {r.space for r in first} == {f"{proposal.space.type}/{proposal.space.id}"}
    lead = stored.plan.assignment.lead
    comment = first[0].data["body"]
    assert f"**Uw contactpersoon** is {lead.name}" in comment
    answer = first[1].data["answer_content"]
    assert set(answer) == {"nl", "en"} and answer["en"].startswith("<p>Thank you")

    again = store(db, settings, mappings, proposal, now=NOW + 3600, decidim=_Capabilities())
    assert not again.created
    assert len(rows(db)) == len(first)


def test_without_a_decidim_client_only_comments_are_planned(db, settings, mappings):
    store(db, settings, mappings, make_proposal(MOESTUIN, taxonomies=("Noord", "Groen")))
    assert "decidim_answer" not in {r.kind for r in rows(db)}
    assert "decidim_comment" in {r.kind for r in rows(db)}


def test_a_write_that_cannot_be_recorded_leaves_no_plan_version(db, settings, mappings):
    writeback = prepare_writeback(settings, mappings, now=NOW)
    broken = replace(writeback, templates=MessageTemplates({}, words=mappings.texts))
    proposal = make_proposal(MOESTUIN, taxonomies=("Noord", "Groen"))
    with pytest.raises(MappingError):
        store(db, settings, mappings, proposal, writeback=broken)
    with db.read() as conn:
        assert plan_versions.current_version(conn, "localhost", proposal.id) is None
        assert plans_store.holds(conn, "localhost", proposal.id) == []
    assert rows(db) == []


def test_accepted_confirms_holds_and_plans_the_lifecycle_writes_once(db, settings, mappings):
    proposal = make_proposal(MOESTUIN, taxonomies=("Noord", "Groen"))
    store(db, settings, mappings, proposal)
    accepted = replace(proposal, state="accepted", answered_at=proposal.published_at)
    stored = store(db, settings, mappings, accepted, now=NOW + 3600)
    assert {h.status for h in stored.plan.holds} == {"confirmed"}
    later = [r for r in rows(db) if r.plan_version == stored.version]
    purposes = sorted({r.purpose for r in later})
    assert purposes == ["accepted", "notice-accepted", "status-accepted"]
    assert later[0].data["body"].startswith("Goed nieuws: uw initiatief is aangenomen!")
    withdrawn = replace(accepted, withdrawn=True)
    stored = store(db, settings, mappings, withdrawn, now=NOW + 7200)
    assert stored.plan.holds == ()
    last = [r for r in rows(db) if r.plan_version == stored.version]
    assert {r.kind for r in last} == {"mail"}  # nothing public on a withdrawal
    assert "status-withdrawn" in {r.purpose for r in last}


def test_after_approval_holds_public_writes_and_mails_the_lead_signed_links(db, settings, mappings):
    strict = replace(settings, publication_mode="after-approval", public_url="https://b.example")
    proposal = make_proposal(MOESTUIN, taxonomies=("Noord", "Groen"))
    # The shipped scope.yaml says "publication: automatic"; without it the setting decides.
    mappings = two_spaces(mappings)
    stored = store(db, strict, mappings, proposal, decidim=_Capabilities())
    public = [r for r in rows(db) if r.public]
    assert {r.status for r in public} == {"held"} and len(public) == 2
    lead = stored.plan.assignment.lead
    (mail,) = [r for r in rows(db) if r.recipient == lead.email and r.purpose == "advisor"]
    text = mail.data["text"]
    assert "**Uw akkoord is nodig.**" in text
    assert text.count("https://b.example/approvals/") == 2


WIJKRAAD = ParticipatorySpace("Decidim::Assembly", "3", "wijkraad-noord")


def two_spaces(mappings, *, wijkinitiatieven=None, wijkraad=None):
    """The example rules with the wijkraad's assembly in scope too, each space with its own
    ``publication`` (None: not given in scope.yaml)."""
    act_on = (
        replace(mappings.scope.act_on[0], publication=wijkinitiatieven),
        SpaceRule(
            "Wijkraad Noord", "assembly", "3", "wijkraad-noord", ("31",), publication=wijkraad
        ),
    )
    return replace(mappings, scope=replace(mappings.scope, act_on=act_on))


def plan_both(db, settings, mappings):
    """A garden initiative in each space; the public rows and advisor mails of each."""
    settings = replace(settings, public_url="https://b.example")
    garden = make_proposal(MOESTUIN, taxonomies=("Noord", "Groen"))
    assembly = replace(
        make_proposal(MOESTUIN, proposal_id="43", taxonomies=("Noord", "Groen")),
        space=WIJKRAAD,
        component_id="31",
    )
    store(db, settings, mappings, garden, decidim=_Capabilities())
    store(db, settings, mappings, assembly, decidim=_Capabilities(), space_key="wijkraad-noord")
    out = {}
    for proposal_id in ("42", "43"):
        mine = [r for r in rows(db) if r.proposal_id == proposal_id]
        lead_mail = next(r for r in mine if r.purpose == "advisor")
        out[proposal_id] = (
            sorted((r.kind, r.status) for r in mine if r.public),
            lead_mail.data["text"].count("https://b.example/approvals/"),
        )
    return out


def test_a_space_with_after_approval_holds_its_public_writes_while_another_publishes(
    db, settings, mappings
):
    both = plan_both(db, settings, two_spaces(mappings, wijkraad="after-approval"))
    assert both["42"] == ([("decidim_answer", "planned"), ("decidim_comment", "planned")], 0)
    assert both["43"] == ([("decidim_answer", "held"), ("decidim_comment", "held")], 2)


def test_a_space_without_a_publication_mode_follows_the_setting(db, settings, mappings):
    strict = replace(settings, publication_mode="after-approval")
    both = plan_both(db, strict, two_spaces(mappings, wijkinitiatieven="automatic"))
    assert both["42"] == ([("decidim_answer", "planned"), ("decidim_comment", "planned")], 0)
    assert both["43"] == ([("decidim_answer", "held"), ("decidim_comment", "held")], 2)
