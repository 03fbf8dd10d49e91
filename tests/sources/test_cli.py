"""``decidim-bridge poll`` and ``backfill`` against the sandbox, and the poller's loop."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from sandbox_support import RunningSandbox, running_sandbox

from decidim_bridge.cli.sources import backfill, poll
from decidim_bridge.config import load_settings
from decidim_bridge.errors import ConfigError
from decidim_bridge.rules.model import Scope, SpaceRule
from decidim_bridge.sources.poller import ComponentTarget, Poller, PollTarget
from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store

pytestmark = pytest.mark.slow

SCOPE = Scope(
    act_on=(
        SpaceRule("Wijkinitiatieven", "participatory_process", "1", "wijkinitiatieven", ("11",)),
    ),
    ignore=(SpaceRule("Begroting 2027", "participatory_process", "2", "begroting-2027"),),
)


@pytest.fixture
def decidim() -> Iterator[RunningSandbox]:
    with running_sandbox(rate_limit=100_000) as running:
        yield running


@pytest.fixture
def scope(monkeypatch: pytest.MonkeyPatch) -> Scope:
    """The mappings' scope (the rest of the mappings is not the poller's business)."""
    monkeypatch.setattr(
        "decidim_bridge.rules.loader.load", lambda directory: SimpleNamespace(scope=SCOPE)
    )
    return SCOPE


@pytest.fixture
def env(decidim: RunningSandbox, instance_dir: Path, db: Database, scope: Scope) -> dict[str, str]:
    variables = {
        "DECIDIM_BRIDGE_INSTANCE_DIR": str(instance_dir),
        "DECIDIM_BRIDGE_DECIDIM_REQUESTS_PER_MINUTE": "10000",
        "DECIDIM_BRIDGE_LOG_LEVEL": "WARNING",
    }
    for name, value in decidim.settings_overrides().items():
        variables[f"DECIDIM_BRIDGE_{name.upper()}"] = str(value)
    return variables


def stored(db: Database) -> list[inbox_store.InboxRow]:
    with db.read() as conn:
        return inbox_store.list_rows(conn, limit=10_000)


def test_poll_once_reports_existing_then_a_new_proposal(env, decidim, db):
    runner = CliRunner()
    first = runner.invoke(poll, ["--once"], env=env)
    assert first.exit_code == 0, first.output
    present = len(decidim.state.visible_proposals(11))
    assert (
        f"component 11 [baseline]: {present} proposals, {present} new events "
        f"(published {present})" in first.output
    )
    decidim.state.create_proposal(
        component_id=11,
        title={"nl": "Speeltuin opknappen aan het Wilgenplein"},
        body={"nl": "De toestellen zijn oud; ouders willen meehelpen met opknappen."},
    )
    second = runner.invoke(poll, ["--once"], env=env)
    assert second.exit_code == 0, second.output
    assert "[poll]" in second.output and "1 new events (published 1)" in second.output
    rows = stored(db)
    assert len(rows) == present + 1
    assert {(r.source, r.event_type) for r in rows} == {
        ("poller", "decidim.events.proposals.proposal_published")
    }


def test_backfill_reports_existing_proposals_once(env, decidim, db):
    runner = CliRunner()
    present = len(decidim.state.visible_proposals(11))
    result = runner.invoke(backfill, [], env=env)
    assert result.exit_code == 0, result.output
    assert f"[backfill]: {present} proposals, {present} new events" in result.output
    again = runner.invoke(backfill, [], env=env)
    assert f"0 new events (none), {present} already stored" in again.output
    assert len(stored(db)) == present
    assert runner.invoke(poll, ["--once"], env=env).output.count("0 new events") == 1


def test_poll_once_fails_visibly_when_decidim_is_down(env, decidim):
    decidim.stop()
    env = {**env, "DECIDIM_BRIDGE_HTTP_CONNECT_TIMEOUT": "0.5"}
    result = CliRunner().invoke(poll, ["--once"], env=env)
    assert result.exit_code == 1
    assert "component 11 [baseline]: 0 proposals" in result.output
    assert "FAILED:" in result.output


def test_poll_refuses_an_unmigrated_database(env, decidim, tmp_path):
    env = {**env, "DECIDIM_BRIDGE_INSTANCE_DIR": str(tmp_path / "fresh")}
    result = CliRunner().invoke(poll, ["--once"], env=env)
    assert result.exit_code == 1
    assert "decidim-bridge db upgrade" in result.output


def test_a_scope_without_spaces_to_act_on_is_a_config_error(monkeypatch, settings, db):
    monkeypatch.setattr(
        "decidim_bridge.rules.loader.load",
        lambda directory: SimpleNamespace(scope=Scope(act_on=())),
    )
    with pytest.raises(ConfigError, match="no space to act on"):
        Poller.from_settings(settings, db)


class CountingReader:
    def __init__(self, stop: threading.Event, rounds: int) -> None:
        self.stop, self.rounds, self.sweeps = stop, rounds, 0

    def iter_proposals(self, component_id: str, *, order: Any = None) -> Iterator[Any]:
        self.sweeps += 1
        if self.sweeps == self.rounds:
            self.stop.set()
        return iter(())

    def list_components(self, space_type: str, key: str) -> list[Any]:
        raise AssertionError("components are listed in the scope")


def test_the_loop_sweeps_until_stopped(db, settings):
    stop = threading.Event()
    reader = CountingReader(stop, rounds=3)
    target = PollTarget("Wijkinitiatieven", "participatory_process", "1", components=("11",))
    poller = Poller(db, reader, tenant=settings.tenant, targets=[target])
    poller.run(interval=0.01, stop=stop)
    assert reader.sweeps == 3
    assert poller.components() == [ComponentTarget("11", "Wijkinitiatieven", None)]


def test_settings_reach_the_poller(settings, db, scope):
    poller = Poller.from_settings(settings, db)
    assert poller.tenant == settings.tenant
    assert [t.components for t in poller.targets] == [("11",)]
    assert poller.client.share == settings.poll_share  # type: ignore[attr-defined]
    assert load_settings(environ={}).poll_share == 0.5
