"""Fixtures for the sandbox's tests: an app on a fake clock and a signed-in test client."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sandbox_support import FakeClock, sign_in

from decidim_bridge.sandbox.app import create_sandbox_app, sandbox_of
from decidim_bridge.sandbox.settings import SandboxConfig
from decidim_bridge.sandbox.state import SandboxState


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig()


@pytest.fixture
def sbx_app(clock: FakeClock, sandbox_config: SandboxConfig) -> Flask:
    return create_sandbox_app(sandbox_config, clock=clock)


@pytest.fixture
def sbx(sbx_app: Flask) -> FlaskClient:
    return sbx_app.test_client()


@pytest.fixture
def state(sbx_app: Flask) -> SandboxState:
    return sandbox_of(sbx_app).state


@pytest.fixture
def token(sbx: FlaskClient) -> str:
    return sign_in(sbx)
