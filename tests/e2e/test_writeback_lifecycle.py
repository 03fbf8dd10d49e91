"""Decidim's state changes drive the plan and what the bridge writes.

Accepted: holds confirmed, initiators and stakeholders told once. Withdrawn: holds released
(no public write), and the freed item shows up in the next plan of another initiative that
wanted it, which its initiators then read in an update.
"""

from __future__ import annotations

import time
from unittest import mock

from writeback_support import text_of, writeback_stack

NOORD, GROEN = 3, 11
PLOT = "perceel-kievitlaan"  # one plot in the catalogue, only for Noord


def _create(stack, title: str, body: str) -> int:
    created = stack.sandbox.state.create_proposal(
        component_id=11, title={"nl": title}, body={"nl": body}, taxonomy_ids=[NOORD, GROEN]
    )
    stack.settle()
    return int(created.id)


def _subjects_to(stack, address: str) -> list[str]:
    return [str(m["Subject"]) for m in stack.mails() if m["To"].addresses[0].addr_spec == address]


def test_accepted_confirms_the_holds_and_tells_initiators_and_stakeholders_once(tmp_path):
    with writeback_stack(tmp_path) as stack:
        proposal = _create(
            stack,
            "Moestuin op het grasveld aan de Kievitlaan",
            "Wij willen met twaalf huishoudens een moestuin beginnen op het braakliggende "
            "grasveld. We vragen € 750 voor zaden en een regenton.",
        )
        held = stack.holds(proposal)
        assert held and {h.status for h in held} == {"held"}
        assert {h.item_id for h in held} >= {PLOT, "wijkbudget-noord-2026"}

        stack.sandbox.state.answer_as_admin(
            proposal, "accepted", answer={"nl": "Het college steunt uw moestuin."}
        )
        stack.settle()
        stack.sandbox.state.answer_as_admin(  # the same decision again: nothing new
            proposal, "accepted", answer={"nl": "Het college steunt uw moestuin."}
        )
        stack.settle()

        confirmed = stack.holds(proposal)
        assert {(h.item_id, h.status, h.expires_at) for h in confirmed} == {
            (h.item_id, "confirmed", None) for h in held
        }
        comments = [c.body["nl"] for c in stack.bridge_comments(proposal)]
        assert len(comments) == 2
        assert comments[1].startswith("Goed nieuws: uw initiatief is aangenomen!")
        assert "Braakliggend perceel aan de Kievitlaan" in comments[1]
        assert "€ 750 uit het Wijkbudget Noord 2026" in comments[1]
        record = stack.sandbox.state.proposal(proposal)
        assert record.answer["nl"] == "Het college steunt uw moestuin."  # not overwritten

        plan = stack.current_plan(proposal).plan
        lead = plan.assignment.lead
        status = [s for s in _subjects_to(stack, lead.email) if s.startswith("Initiatief")]
        assert status == [f"Initiatief aangenomen: {plan.title}"]
        # Stakeholders who asked to hear about acceptance: the wijkraad and the department
        # that hands out the plot.
        for address in ("info@wijkraadnoord.example", "vastgoed@lindeburg.example"):
            notices = [s for s in _subjects_to(stack, address) if s.endswith("aangenomen")]
            assert notices == [f"Ter informatie: burgerinitiatief {plan.title} aangenomen"]
        assert {r.status for r in stack.outbox()} == {"done"}


def test_withdrawn_releases_the_holds_for_the_next_plan_of_another_initiative(tmp_path):
    with writeback_stack(tmp_path) as stack:
        first = _create(
            stack,
            "Moestuin op het grasveld aan de Kievitlaan",
            "Een moestuin voor de buurt op het braakliggende grasveld.",
        )
        second = _create(
            stack,
            "Volkstuin voor de Vogelwijk",
            "Wij zoeken een braakliggend stuk grond voor een volkstuin met de buren.",
        )
        assert PLOT in {h.item_id for h in stack.holds(first) if h.status == "held"}
        wanted = next(o for o in stack.current_plan(second).plan.resources if o.group == "grond")
        assert (wanted.resource_id, wanted.status) == (PLOT, "unavailable")
        assert "perceel" not in stack.bridge_comments(second)[0].body["nl"]

        stack.sandbox.state.withdraw_proposal(first)
        stack.settle()

        assert {h.status for h in stack.holds(first)} == {"released"}
        assert stack.current_plan(first).plan.stage == "withdrawn"
        assert len(stack.bridge_comments(first)) == 1  # nothing public on a withdrawal
        lead = stack.current_plan(first).plan.assignment.lead
        (status,) = [
            m
            for m in stack.mails()
            if m["To"].addresses[0].addr_spec == lead.email
            and str(m["Subject"]).startswith("Initiatief ingetrokken")
        ]
        assert "Braakliggend perceel aan de Kievitlaan" in text_of(status)

        # The other initiative's next plan (its author edits the text) gets the plot.
        stack.sandbox.state.update_proposal(
            second,
            body={
                "nl": "Wij zoeken een braakliggend stuk grond voor een volkstuin. Er doen "
                "nu tien gezinnen mee."
            },
        )
        stack.settle()

        plot = next(o for o in stack.current_plan(second).plan.resources if o.group == "grond")
        assert (plot.resource_id, plot.status) == (PLOT, "held")
        assert PLOT in {h.item_id for h in stack.holds(second) if h.status == "held"}
        comments = [c.body["nl"] for c in stack.bridge_comments(second)]
        assert len(comments) == 2
        assert comments[1].startswith("Er is iets veranderd in de hulp van de gemeente")
        assert "Nieuw: 1 × Braakliggend perceel aan de Kievitlaan" in comments[1]


def test_the_reminders_command_reminds_the_lead_of_passed_promises_once(tmp_path):
    from click.testing import CliRunner

    from decidim_bridge.cli import cli
    from decidim_bridge.cli import writeback as writeback_commands

    if "reminders" not in cli.commands:
        writeback_commands.register(cli)
    # The initiative is planned when it is published; the reminders run two months later
    # (a first plan made that late would count its dates from the day it is written).
    later = time.time() + 60 * 86400
    with writeback_stack(tmp_path) as stack:
        proposal = _create(
            stack, "Moestuin op het grasveld aan de Kievitlaan", "Een moestuin voor de buurt."
        )
        settings = stack.settings
        env = {
            "DECIDIM_BRIDGE_DATABASE_URL": settings.database_url,
            "DECIDIM_BRIDGE_DECIDIM_URL": settings.decidim_url,
            "DECIDIM_BRIDGE_DECIDIM_API_KEY": settings.decidim_api_key or "",
            "DECIDIM_BRIDGE_DECIDIM_API_SECRET": settings.decidim_api_secret or "",
            "DECIDIM_BRIDGE_TENANT": settings.tenant,
            "DECIDIM_BRIDGE_MAPPINGS_DIR": str(settings.mappings_dir),
            "DECIDIM_BRIDGE_INSTANCE_DIR": str(settings.instance_dir),
            "DECIDIM_BRIDGE_LOG_FORMAT": "text",
        }
        runner = CliRunner()
        with mock.patch("decidim_bridge.cli.writeback.time.time", return_value=later):
            first = runner.invoke(cli, ["reminders"], env=env, catch_exceptions=False)
            assert first.exit_code == 0, first.output
            assert "checked 1 open plan(s): 2 reminder(s) planned, 0 skipped" in first.output
            again = runner.invoke(cli, ["reminders"], env=env, catch_exceptions=False)
            assert "checked 1 open plan(s): 0 reminder(s) planned" in again.output
            stack.write()  # the writer sends them on that day too

        lead = stack.current_plan(proposal).plan.assignment.lead
        subjects = sorted(
            str(m["Subject"])
            for m in stack.mails()
            if m["To"].addresses[0].addr_spec == lead.email
            and str(m["Subject"]).startswith("Herinnering")
        )
        assert [s.split(":")[1].strip().split(" over ")[0] for s in subjects] == [
            "besluit",
            "eerste contact",
        ]
