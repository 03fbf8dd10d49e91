"""Poller benchmark: requests per proposal, and the time of one sweep at the default budget.

Run: ``.venv/bin/python bench/poller.py`` (about 2-3 minutes, mostly waiting for the request
budget, as production would) or ``--proposals 500`` (about 20 s).

The embedded Decidim sandbox serves one proposals component holding ``--proposals``
published proposals (default 2,000); its own rate limit is lifted so that only the bridge's
budget counts. Requests are counted on the sandbox side. Three measurements:

* floor — the least any client can do: sign in, then page through the component with the
  poller's own GraphQL document, 50 per page, with plain ``requests`` (no budget, no store;
  run twice, the second run counts);
* free  — a steady-state sweep of the poller with an unlimited budget: paging plus comparing
  every proposal with its stored copy (ratio free/floor is the poller's own overhead);
* budget — a sweep at the default settings (``DECIDIM_BRIDGE_DECIDIM_REQUESTS_PER_MINUTE``
  60, ``DECIDIM_BRIDGE_POLL_SHARE`` 0.5), started at the beginning of a budget window.

It prints requests per sweep and per proposal and the three times.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from decidim_bridge.config import Settings, load_settings
from decidim_bridge.decidim import operations
from decidim_bridge.decidim.auth import sign_in_form, token_from_response
from decidim_bridge.decidim.budget import next_window
from decidim_bridge.decidim.client import DecidimClient
from decidim_bridge.sandbox.app import create_sandbox_app, sandbox_of
from decidim_bridge.sandbox.runtime import Sandbox
from decidim_bridge.sandbox.server import ServerThread
from decidim_bridge.sandbox.settings import SandboxConfig
from decidim_bridge.sources.poller import Poller, PollTarget, SweepReport
from decidim_bridge.store import Database

COMPONENT = 11
TARGET = PollTarget(
    "Wijkinitiatieven",
    "participatory_process",
    "wijkinitiatieven",
    slug="wijkinitiatieven",
    components=(str(COMPONENT),),
)


def fill(sandbox: Sandbox, count: int) -> None:
    state = sandbox.state
    for number in range(count - len(state.visible_proposals(COMPONENT))):
        state.create_proposal(
            component_id=COMPONENT,
            title={"nl": f"Buurtinitiatief nummer {number}", "en": f"Initiative {number}"},
            body={"nl": "Bewoners willen samen iets doen voor hun straat. " * 4},
        )


def floor(url: str, sandbox: Sandbox) -> tuple[float, int]:
    """Sign in and page through the component with nothing else around it."""
    session = requests.Session()
    started = time.perf_counter()
    signed = session.post(
        f"{url}/api/sign_in",
        data=sign_in_form(sandbox.config.api_key, sandbox.config.api_secret),
        timeout=30,
    )
    token = token_from_response(signed.headers, signed.json())
    assert token is not None, signed.text
    document = operations.get("proposals_page")
    variables: dict[str, Any] = {"componentId": str(COMPONENT), "first": 50, "order": {"id": "ASC"}}
    seen = 0
    while True:
        answer = session.post(
            f"{url}/api",
            json={
                "query": document.text,
                "variables": variables,
                "operationName": document.operation_name,
            },
            headers={"Authorization": f"Bearer {token.value}"},
            timeout=30,
        ).json()
        connection = answer["data"]["component"]["proposals"]
        seen += len(connection["nodes"])
        if not connection["pageInfo"]["hasNextPage"]:
            break
        variables["after"] = connection["pageInfo"]["endCursor"]
    return time.perf_counter() - started, seen


def poller_for(settings: Settings, db: Database) -> Poller:
    client = DecidimClient.from_settings(settings, db, share=settings.poll_share)
    return Poller(db, client, tenant=settings.tenant, targets=[TARGET])


def timed_sweep(poller: Poller, sandbox: Sandbox) -> tuple[SweepReport, float, int]:
    journal = sandbox.state.journal
    since = journal.last_seq
    started = time.perf_counter()
    (report,) = poller.sweep_all()
    elapsed = time.perf_counter() - started
    if report.error:
        raise SystemExit(f"sweep failed: {report.error}")
    return report, elapsed, len(journal.entries(since=since))


def settings_for(url: str, sandbox: Sandbox, workdir: Path, name: str, **extra: Any) -> Settings:
    return load_settings(
        environ={},
        instance_dir=workdir / name,
        decidim_url=url,
        decidim_api_key=sandbox.config.api_key,
        decidim_api_secret=sandbox.config.api_secret,
        tenant=sandbox.state.organization.host,
        log_level="WARNING",
        **extra,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=2000)
    args = parser.parse_args(argv)

    app = create_sandbox_app(SandboxConfig(rate_limit=1_000_000))
    sandbox = sandbox_of(app)
    fill(sandbox, args.proposals)
    with ServerThread(app) as server, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        floor(server.url, sandbox)  # warm the sandbox's caches; the second run counts
        floor_seconds, seen = floor(server.url, sandbox)
        assert seen == args.proposals, seen

        free_settings = settings_for(
            server.url, sandbox, workdir, "free", decidim_requests_per_minute=10_000
        )
        free_db = Database(free_settings.database_url)
        free_db.upgrade()
        free = poller_for(free_settings, free_db)
        timed_sweep(free, sandbox)  # baseline: sign-in, first copies
        free_report, free_seconds, free_requests = timed_sweep(free, sandbox)

        budget_settings = settings_for(server.url, sandbox, workdir, "budget")
        budget_db = Database(budget_settings.database_url)
        budget_db.upgrade()
        budget = poller_for(budget_settings, budget_db)
        budget.client.whoami()  # sign in before the measured sweep (a running poller has)
        time.sleep(max(0.0, next_window(time.time()) - time.time()))
        budget_report, budget_seconds, budget_requests = timed_sweep(budget, sandbox)

    pages = math.ceil(args.proposals / 50)
    per_minute = budget_settings.decidim_requests_per_minute * budget_settings.poll_share
    print(f"proposals in the component:      {args.proposals}")
    print(f"requests per sweep (sandbox):    {budget_requests}  (pages of 50: {pages})")
    print(f"requests per proposal:           {budget_requests / args.proposals:.4f}")
    print(f"floor (plain paging, no budget): {floor_seconds:7.2f} s")
    print(
        f"poller sweep, unlimited budget:  {free_seconds:7.2f} s  "
        f"({free_requests} requests; free/floor = {free_seconds / floor_seconds:.2f})"
    )
    print(
        f"poller sweep, default budget:    {budget_seconds:7.2f} s  "
        f"({budget_settings.decidim_requests_per_minute}/min x share "
        f"{budget_settings.poll_share} = {per_minute:g} requests/min)"
    )
    print(
        f"sweep modes:                     {free_report.mode} (free), {budget_report.mode} (budget)"
    )


if __name__ == "__main__":
    main()
