"""Publish an initiative in the sandbox and see the result written back, once.

Sandbox -> signed webhook -> the bridge's inbox -> worker (fetch, plan, outbox in one
transaction) -> writer -> the comment and the answer in the sandbox, mail in the file backend.
"""

from __future__ import annotations

import json
import re
import shutil

from conftest import REPO
from writeback_support import text_of, writeback_stack

from decidim_bridge.plan.texts import format_date, texts_for
from decidim_bridge.rules.loader import load as load_mappings

DUTCH_DATE = re.compile(
    r"(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag) \d{1,2} "
    r"(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)"
    r" 20\d\d"
)


def test_a_published_initiative_gets_one_comment_one_answer_and_advisor_mail(tmp_path):
    mappings = load_mappings(REPO / "mappings")
    with writeback_stack(tmp_path) as stack:
        stack.publish(114)  # the draft "Jeu de boulesbaan" in Wijkinitiatieven
        stack.settle()

        plan = stack.current_plan(114).plan
        lead = plan.assignment.lead
        nl = texts_for(mappings, "nl")
        (comment,) = stack.bridge_comments(114)
        body = comment.body["nl"]
        # Plain Dutch for the initiators: who, by when, what next; no jargon, no codes.
        assert body.startswith("Bedankt voor uw initiatief!")
        assert f"**Uw contactpersoon** is {lead.name} ({lead.email}" in body
        first_contact = format_date(plan.expectations.first_contact_by, nl)
        assert f"{lead.name} neemt uiterlijk op {first_contact} contact met u op." in body
        assert DUTCH_DATE.search(first_contact)
        assert f"U hoort uiterlijk op {format_date(plan.expectations.decision_by, nl)}" in body
        assert "**Hoe gaat het verder?**" in body
        assert re.search(r"\nRef\. LB-[0-9A-F]{6}\n<!-- decidim-bridge:[0-9a-f]{20} -->$", body)
        assert len(body) <= 1000
        for stakeholder in mappings.stakeholders:  # no stakeholder's personal data
            assert not stakeholder.contact.email or stakeholder.contact.email not in body
            if stakeholder.kind == "sleutelfiguur":
                assert stakeholder.name not in body

        record = stack.sandbox.state.proposal(114)
        assert record.internal_state == "evaluating"
        assert record.answered_by_api_user is not None
        assert f"{lead.name}, {lead.email}" in record.answer["nl"]
        assert record.answer["nl"].startswith("<p>Bedankt voor uw initiatief.")
        assert record.answer["en"].startswith("<p>Thank you for your initiative.")

        mails = {m["To"].addresses[0].addr_spec: m for m in stack.mails()}
        advisor = mails[lead.email]
        assert str(advisor["Subject"]) == f"Nieuw burgerinitiatief: {plan.title}"
        text = text_of(advisor)
        assert "U bent de **vaste contactpersoon** (trekker)" in text
        admin = re.search(r"Beheer in Decidim: (\S+)", text).group(1)
        public = re.search(r"Openbare pagina: (\S+)", text).group(1)
        # Decidim's admin route for a proposal of a participatory process, on the host that
        # serves the proposal's public page; the public link is the URL Decidim reports.
        state = stack.sandbox.state
        space = state.space_of(state.components[record.component_id])
        assert admin == (
            f"{stack.sandbox.url}/admin/participatory_processes/{space.slug}/components/"
            f"{record.component_id}/manage/proposals/114"
        )
        assert public == state.proposal_url(record)
        assert advisor["X-Decidim-Bridge-Ref"].startswith("LB-")
        assert advisor.get_body(("html",)) is not None

        # The same event again: three times under its webhook-id (a sender's retries) and
        # three times as new messages. Still one comment, one answer.
        emitter = stack.sandbox.sandbox.emitter
        published = next(
            d
            for d in emitter.deliveries()
            if d.resource_id == "114" and d.event_type.endswith("proposal_published")
        )
        rows_before = len(stack.outbox())
        for _ in range(3):
            emitter.redeliver(published.msg_id)
            stack.flush()
        for _ in range(3):
            emitter.enqueue(published.event_type, "114", json.loads(published.body))
        stack.settle()
        assert len(stack.bridge_comments(114)) == 1
        mutations = [e.operation_name for e in stack.journal(target="mutation")]
        # Comment, answer (the module's guarded one), evaluators and note: one request.
        assert mutations == ["CombinedWrite"]
        assert len(stack.outbox()) == rows_before
        assert {r.status for r in stack.outbox()} == {"done"}


def _assembly_in_scope(tmp_path, *, publication: str | None = None):
    """The example rules with the wijkraad's assembly (component 31) in scope."""
    mappings_dir = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", mappings_dir)
    scope = mappings_dir / "scope.yaml"
    text = scope.read_text(encoding="utf-8")
    assembly = (
        "  - name: Wijkraad Noord\n"
        "    space: {type: assembly, slug: wijkraad-noord, id: 3}\n"
        "    reason: eigen vergaderruimte van de wijkraad, geen burgerinitiatieven\n"
    )
    assert assembly in text
    text = text.replace(assembly, "")
    mode = f"    publication: {publication}\n" if publication else ""
    text = text.replace(
        "ignore:\n",
        "  - name: Wijkraad Noord\n"
        "    space: {type: assembly, slug: wijkraad-noord, id: 3}\n"
        f"    components: [31]\n{mode}\nignore:\n",
    )
    scope.write_text(text, encoding="utf-8")
    return mappings_dir


def _garden_in_the_assembly(stack):
    return stack.sandbox.state.create_proposal(
        component_id=31,
        title={"nl": "Moestuin bij het buurthuis in de Vogelwijk"},
        body={"nl": "We willen met de buren een moestuin beginnen bij het buurthuis."},
        taxonomy_ids=[3, 11],
    )


def test_the_advisor_link_of_an_assembly_proposal_goes_to_the_assembly_admin(tmp_path):
    mappings_dir = _assembly_in_scope(tmp_path)
    with writeback_stack(tmp_path / "instance", mappings_dir=mappings_dir) as stack:
        state = stack.sandbox.state
        created = _garden_in_the_assembly(stack)
        stack.settle()
        plan = stack.current_plan(created.id).plan
        (comment,) = stack.bridge_comments(created.id)
        assert comment.body["nl"].startswith("Bedankt voor uw initiatief!")
        lead_mail = next(
            m for m in stack.mails() if m["To"].addresses[0].addr_spec == plan.assignment.lead.email
        )
        text = text_of(lead_mail)
        assert (
            f"Beheer in Decidim: {stack.sandbox.url}/admin/assemblies/wijkraad-noord/components/"
            f"31/manage/proposals/{created.id}\n"
        ) in text
        assert f"Openbare pagina: {state.proposal_url(state.proposal(created.id))}" in text
        assert "/assemblies/wijkraad-noord/f/31/proposals/" in text


def test_after_approval_in_one_space_holds_its_writes_while_the_other_publishes(tmp_path):
    mappings_dir = _assembly_in_scope(tmp_path, publication="after-approval")
    with writeback_stack(tmp_path / "instance", mappings_dir=mappings_dir) as stack:
        held = _garden_in_the_assembly(stack).id
        stack.publish(114)  # Wijkinitiatieven: "publication: automatic"
        stack.settle()
        assert stack.bridge_comments(held) == []
        assert stack.sandbox.state.proposal(held).internal_state == "not_answered"
        assert {r.status for r in stack.outbox(proposal_id=str(held)) if r.public} == {"held"}
        assert len(stack.bridge_comments(114)) == 1
        assert stack.sandbox.state.proposal(114).internal_state == "evaluating"
        assert {r.status for r in stack.outbox(proposal_id="114") if r.public} == {"done"}
        plans = {p: stack.current_plan(p).plan for p in (held, 114)}
        for proposal, approval_links in ((held, 2), (114, 0)):
            plan = plans[proposal]
            (mail,) = [
                m
                for m in stack.mails()
                if m["To"].addresses[0].addr_spec == plan.assignment.lead.email
                and str(m["Subject"]).strip() == f"Nieuw burgerinitiatief: {plan.title}"
            ]
            assert text_of(mail).count("/approvals/") == approval_links
