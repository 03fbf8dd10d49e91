"""Smoke test of ``decidim-bridge demo --no-serve``: four processes, the replay, the account,
and what was written back (comments, answers, mails)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import pytest
from conftest import REPO

from decidim_bridge.sandbox.seed import read_seed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_demo_replays_the_seed_through_the_bridge_and_prints_an_account(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECIDIM_BRIDGE_")}
    instance = tmp_path / "demo"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from decidim_bridge.cli import main; main()",
            "demo",
            "--no-serve",
            "--instance-dir",
            str(instance),
            "--sandbox-port",
            str(_free_port()),
            "--bridge-port",
            str(_free_port()),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = result.stdout
    assert result.returncode == 0, output + result.stderr
    published = [p["id"] for p in read_seed()["proposals"] if p["published"] and not p["hidden"]]
    assert f"proposal_published: {len(published)}" in output
    sections = re.findall(r"^\d\. (.+)$", output, flags=re.MULTILINE)
    assert sections[:3] == [
        "Events Decidim sent (sandbox webhooks)",
        "What the bridge received (its inbox)",
        "What the bridge asked Decidim (API requests)",
    ]
    assert "What the bridge wrote back to Decidim" in sections
    inbox = output.split("What the bridge received (its inbox)")[1].split("\n3. ")[0]
    for proposal_id in published:
        assert f"proposal:{proposal_id} " in inbox
    counts = next(line for line in inbox.splitlines() if re.fullmatch(r"(\w+: \d+\s*)+", line))
    assert "pending" not in counts and "running" not in counts
    assert "delivered HTTP 202" in output and "failed" not in output.split("\n2. ")[0]
    assert "bridge readiness" in output and "Replay finished in" in output
    assert (instance / "bridge.sqlite3").exists()
    assert sorted(p.name for p in (instance / "logs").iterdir()) == ["bridge.log", "sandbox.log"]

    # Written back: one comment and one answer on every initiative in scope, in Dutch.
    in_scope = [
        p["id"]
        for p in read_seed()["proposals"]
        if p["published"] and not p["hidden"] and p["component_id"] == 11 and not p["withdrawn_at"]
    ]
    written = output.split("What the bridge wrote back to Decidim")[1].split("\n7. ")[0]
    count = len(in_scope)
    # One more comment: the initiative re-assigned in Decidim tells its initiators the new
    # contact person (below).
    assert f"{count + 1} comment(s) on {count} proposal(s), {count} answer(s)" in written
    for proposal_id in in_scope:
        assert f"#{proposal_id} answer: evaluating (shown: evaluating)" in written
        assert re.search(rf"#{proposal_id} comment \d+: ", written)
    assert "Bedankt voor uw initiatief!" in written and "**Uw contactpersoon** is " in written
    outbox = output.split("What the bridge planned to write (its outbox)")[1].split("\n6. ")[0]
    assert re.search(r"^done: \d+$", outbox, flags=re.MULTILINE)  # nothing dead or waiting
    # ... and the mails in the instance folder, as the account says.
    mails = sorted((instance / "mail").glob("*.eml"))
    mailed = output.split("What the bridge mailed (advisors, stakeholders)")[1]
    assert re.search(rf"^{len(mails)} mail\(s\) to \d+ address\(es\): ", mailed, re.MULTILINE)
    assert len(mails) > count and "Nieuw burgerinitiatief" in mailed
    assert str(instance / "mail") in mailed

    # Inside Decidim: every initiative in scope has its lead as evaluator and the plan in a
    # private note; people steering there are followed by the bridge.
    inside = output.split("What advisors find inside Decidim")[1].split("\n8. ")[0]
    for proposal_id in in_scope:
        assert re.search(rf"#{proposal_id} evaluator\(s\): @\w+.*private note\(s\)", inside)
    assert "[decidim-bridge] Steunplan versie 1." in inside
    steering = output.split("Advisors steering from Decidim")[1].split("\n9. ")[0]
    reassigned = re.search(
        r"#(\d+): @marieke_kok \(admin\) re-assigned the initiative from @(\w+) to @(\w+)\n"
        r"\s+-> plan version 2, lead ([\w-]+); evaluators in Decidim: @(\w+)\n",
        steering,
    )
    assert reassigned is not None, steering
    assert reassigned.group(3) == reassigned.group(5)  # Decidim keeps the person's choice
    assert reassigned.group(2) != reassigned.group(3)
    assert re.search(r"wrote a private note: /bevestig ([\w-]+)\n", steering)
    assert re.search(r"-> hold on [\w-]+: confirmed", steering)
    assert "the bridge's reply note: [decidim-bridge] Uw notitie is verwerkt" in steering
