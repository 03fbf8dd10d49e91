"""--state-file: what the bridge wrote survives a restart of the sandbox."""

from __future__ import annotations

import json

from sandbox_support import FakeClock, document, gql, sign_in

from decidim_bridge.sandbox.app import create_sandbox_app, sandbox_of
from decidim_bridge.sandbox.settings import SandboxConfig


def test_answers_and_comments_survive_a_restart(tmp_path):
    path = tmp_path / "sandbox.json"
    config = SandboxConfig(state_file=path)
    first = create_sandbox_app(config, clock=FakeClock()).test_client()
    token = sign_in(first)
    gql(first, document("add_comment"), {"id": "101", "body": "Bewaard"}, token=token)
    variables = {"component": "11", "id": "102", "input": {"attributes": {"state": "evaluating"}}}
    gql(first, document("answer"), variables, token=token)
    assert json.loads(path.read_text())["organization"]["host"] == "localhost"

    second = create_sandbox_app(config, clock=FakeClock())
    state = sandbox_of(second).state
    assert [c.body for c in state.comments_on(101)] == [{"nl": "Bewaard"}]
    assert state.proposal(102).published_state == "evaluating"
    client = second.test_client()
    read = gql(client, document("proposal"), {"component": "11", "id": "102"})
    assert read.json["data"]["component"]["proposal"]["state"] == "evaluating"


def test_a_broken_state_file_is_reported(tmp_path):
    path = tmp_path / "sandbox.json"
    path.write_text("{not json")
    try:
        create_sandbox_app(SandboxConfig(state_file=path))
    except ValueError as error:
        assert "cannot load sandbox state" in str(error)
    else:  # pragma: no cover - the assertion above is the test
        raise AssertionError("a broken state file must not be ignored")
