"""``decidim-bridge replay``: sign a sample with the configured secrets and post it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, RESTFULL_SECRET, SECRET, SECRET_KEY
from sandbox_support import running_bridge

from decidim_bridge.cli.sources import replay
from decidim_bridge.config import Settings, load_settings
from decidim_bridge.errors import ConfigError
from decidim_bridge.intake.signatures import verify_restfull, verify_standard
from decidim_bridge.sources.replay import build_replay, guess_source
from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store

SAMPLES = REPO / "webhooks" / "samples"
PUBLISHED = SAMPLES / "decidim" / "decidim.events.proposals.proposal_published__wijkinitiatief.json"
CREATED = SAMPLES / "rest-full" / "proposal_creation.succeeded__wijkinitiatief.json"
NOW = 1_800_000_000


def test_the_folder_names_the_source_else_the_shape_of_the_body(tmp_path: Path):
    assert guess_source(PUBLISHED, PUBLISHED.read_bytes()) == "decidim"
    assert guess_source(CREATED, CREATED.read_bytes()) == "rest-full"
    loose = tmp_path / "logged.json"
    loose.write_bytes(CREATED.read_bytes())
    assert guess_source(loose, loose.read_bytes()) == "rest-full"
    loose.write_bytes(PUBLISHED.read_bytes())
    assert guess_source(loose, loose.read_bytes()) == "decidim"


def test_standard_webhooks_replay_verifies_with_the_bridge_secret(settings: Settings):
    body = PUBLISHED.read_bytes()
    request = build_replay(body, source="decidim", settings=settings, now=NOW)
    assert request.url == "http://localhost:8000/webhooks/decidim"
    assert request.event_type == "decidim.events.proposals.proposal_published"
    msg_id = verify_standard(request.headers, body, [SECRET_KEY], now=NOW)
    assert msg_id.startswith("replay_")
    again = build_replay(body, source="decidim", settings=settings, now=NOW)
    assert again.headers["webhook-id"] != msg_id  # each replay is a new delivery


def test_restfull_replay_verifies_with_the_restfull_secret(settings: Settings):
    body = CREATED.read_bytes()
    request = build_replay(body, source="rest-full", settings=settings, now=NOW, url="http://b/x")
    assert request.url == "http://b/x"
    assert verify_restfull(request.headers, body, RESTFULL_SECRET, now=NOW) == NOW


@pytest.mark.parametrize(
    ("source", "variable"),
    [
        ("decidim", "DECIDIM_BRIDGE_WEBHOOK_SECRETS"),
        ("rest-full", "DECIDIM_BRIDGE_RESTFULL_SECRET"),
    ],
)
def test_a_missing_secret_names_the_variable(source: str, variable: str, instance_dir: Path):
    bare = load_settings(environ={}, instance_dir=instance_dir)
    with pytest.raises(ConfigError) as caught:
        build_replay(b"{}", source=source, settings=bare, now=NOW)
    assert caught.value.variable == variable


@pytest.fixture
def env(settings: Settings, db: Database, instance_dir: Path) -> Iterator[dict[str, str]]:
    with running_bridge(settings) as bridge:
        yield {
            "DECIDIM_BRIDGE_INSTANCE_DIR": str(instance_dir),
            "DECIDIM_BRIDGE_WEBHOOK_SECRETS": SECRET,
            "DECIDIM_BRIDGE_RESTFULL_SECRET": RESTFULL_SECRET,
            "DECIDIM_BRIDGE_PUBLIC_URL": bridge.url,
        }


def test_replay_command_posts_and_prints_status_and_body(env, db: Database):
    runner = CliRunner()
    result = runner.invoke(replay, [str(PUBLISHED)], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("POST http://127.0.0.1:")
    assert lines[0].endswith("(decidim: decidim.events.proposals.proposal_published)")
    assert lines[1] == "HTTP 202"
    assert json.loads("\n".join(lines[2:]))["status"] == "pending"
    result = runner.invoke(replay, [str(CREATED)], env=env)
    assert result.exit_code == 0, result.output
    with db.read() as conn:
        rows = inbox_store.list_rows(conn)
    assert sorted(r.source for r in rows) == ["decidim", "rest-full"]


def test_replay_with_the_wrong_secret_shows_the_401_and_fails(env, tmp_path: Path):
    env = {**env, "DECIDIM_BRIDGE_RESTFULL_SECRET": "f" * 64}
    result = CliRunner().invoke(replay, [str(CREATED)], env=env)
    assert result.exit_code == 1
    assert "HTTP 401" in result.output
    assert "invalid_signature" in result.output


def test_replay_to_an_unreachable_bridge_says_so(env):
    env = {**env, "DECIDIM_BRIDGE_PUBLIC_URL": "http://127.0.0.1:9"}
    result = CliRunner().invoke(replay, [str(PUBLISHED)], env=env)
    assert result.exit_code == 1
    assert "could not reach http://127.0.0.1:9/webhooks/decidim" in result.output
