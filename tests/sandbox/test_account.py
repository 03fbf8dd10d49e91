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
