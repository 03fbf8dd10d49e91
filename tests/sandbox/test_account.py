"""The demo's account: sections rendered from the sandbox's and the bridge's records."""

from __future__ import annotations

import json
from pathlib import Path

from decidim_bridge.sandbox.account import AccountData, Section, render

DATA = Path(__file__).resolve().parent.parent / "data" / "sandbox" / "account.json"


def _data() -> AccountData:
    return AccountData(**json.loads(DATA.read_text(encoding="utf-8")))


def test_sections_tell_what_happened():
    text = render(_data())
    assert "1. Events Decidim sent (sandbox webhooks)" in text
    assert "proposal_published: 2  proposal_state_changed: 1" in text
    assert "#101 proposal_published         delivered HTTP 202 (1 attempt)" in text
    assert "2. What the bridge received (its inbox)" in text
    assert "done: 2  ignored: 1" in text
    assert "ignored: out of scope" in text
    assert "sign-ins: 1   requests: 4" in text
    assert (
        "per planned initiative: 4.0 requests, 3.0 reads, 0.0 writes "
        "(1 planned: 3 reads, 0 writes, 1 other)"
    ) in text
    assert "query    ProposalById" in text and "x2" in text
    assert "refused/failed: HTTP 429 rate_limited x1" in text
    assert "plan_versions                    2 rows" in text
    assert "What the bridge planned to write (its outbox)" in text
    assert "#101 answer: evaluating (shown: evaluating)" in text
    assert "#101 comment 5003:" in text
    assert "Beste initiatiefnemer" in text and "<!--" not in text
    assert text.rstrip().endswith("bridge readiness  http://127.0.0.1:8000/readyz")


def test_sections_without_records_say_so_or_disappear():
    text = render(AccountData())
    assert "(none)" in text and "(no requests)" in text
    assert "(nothing written back to Decidim yet)" in text
    assert "database tables" not in text and "outbox" not in text


def test_new_sections_can_be_added():
    def plans(data: AccountData) -> Section:
        return Section("Support plans", [f"  {len(data.inbox)} events"])

    text = render(_data(), sections=[plans])
    assert text.splitlines()[1:4] == ["1. Support plans", "-" * 16, "  3 events"]


def test_the_mails_and_the_outbox_are_summed_up_by_kind():
    data = _data()
    data.mails = [
        {"to": f"a{i}@x.example", "subject": f"Kennismaking: initiatief {i}"} for i in range(5)
    ] + [{"to": "lead@x.example", "subject": "Nieuw burgerinitiatief: Moestuin"}]
    data.mail_dir = "/srv/instance/mail"
    data.outbox = [
        {"id": 1, "status": "done", "kind": "mail", "purpose": "advisor", "proposal_id": "101"},
        {"id": 2, "status": "done", "kind": "mail", "purpose": "advisor", "proposal_id": "102"},
        {
            "id": 3,
            "status": "dead",
            "kind": "decidim_comment",
            "purpose": "initiators",
            "proposal_id": "101",
            "last_error": "GraphQLError: comments are closed\ndetails",
        },
    ]
    text = render(data)
    assert "6 mail(s) to 6 address(es): Kennismaking 5, Nieuw burgerinitiatief 1" in text
    assert "... and 2 more like this" in text
    assert "lead@x.example" in text and "(.eml files in /srv/instance/mail" in text
    assert "mail             advisor                done       x2" in text
    assert "3 dead       decidim_comment  proposal 101  GraphQLError: comments are closed" in text
    outbox = text.split("(its outbox)")[1].split("\n6. ")[0]
    assert "    1 done" not in outbox  # done writes are counted, not listed
