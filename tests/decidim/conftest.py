"""Fixtures for the Decidim client: a fake clock, recorded answers, request matchers."""

from __future__ import annotations

import dataclasses
import json
import random
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import responses

from decidim_bridge.config import Settings
from decidim_bridge.decidim.breaker import CircuitBreaker
from decidim_bridge.decidim.client import DecidimClient
from decidim_bridge.store import Database

DATA = Path(__file__).resolve().parent.parent / "data" / "decidim"
BASE_URL = "http://decidim.test:3000"
API = f"{BASE_URL}/api"
SIGN_IN = f"{BASE_URL}/api/sign_in"
#: A window boundary (divisible by 60) plus 5 s, so tests know where the minute ends.
START = 1_800_000_000.0 + 5.0


class FakeClock:
    """Time that only moves when the code under test sleeps (or the test advances it)."""

    def __init__(self, start: float = START) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, "negative sleep"
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


class MidRandom(random.Random):
    """A Random whose uniform(a, b) is always the middle: jitter the test can predict."""

    def uniform(self, a: float, b: float) -> float:
        return (a + b) / 2


def recorded(name: str) -> Any:
    """A recorded answer from tests/data/decidim/<name>.json."""
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def make_jwt(exp: float, sub: str = "7") -> str:
    return jwt.encode(
        {"sub": sub, "scp": "api_user", "exp": int(exp), "jti": uuid.uuid4().hex},
        "test-signing-secret-of-32-bytes!",
        algorithm="HS256",
    )


def operation(name: str, variables: dict[str, Any] | None = None) -> Callable[..., Any]:
    """A responses matcher: the GraphQL request runs ``name`` (and these variables, if given)."""

    def match(request: Any) -> tuple[bool, str]:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return False, "body is not JSON"
        if body.get("operationName") != name:
            return False, f"operationName {body.get('operationName')!r} != {name!r}"
        if variables is not None and body.get("variables") != variables:
            return False, f"variables {body.get('variables')!r} != {variables!r}"
        return True, ""

    return match


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def decidim_settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        decidim_url=BASE_URL,
        tenant="decidim.test",
        decidim_api_key="lindeburg-bridge-key-0123456789ab",
        decidim_api_secret="s3cret-of-the-api-user",
        decidim_requests_per_minute=60,
    )


@pytest.fixture
def make_client(
    decidim_settings: Settings, db: Database, clock: FakeClock
) -> Callable[..., DecidimClient]:
    """Build a client on the fake clock with its own breaker (no state shared between tests)."""

    def build(
        settings: Settings | None = None, database: Database | None = db, **kwargs: Any
    ) -> DecidimClient:
        chosen = settings or decidim_settings
        kwargs.setdefault("breaker", CircuitBreaker("decidim.test:3000", clock=clock))
        kwargs.setdefault("rng", MidRandom())
        return DecidimClient.from_settings(
            chosen, database, clock=clock, sleep=clock.sleep, **kwargs
        )

    return build


class DecidimMock:
    """The mocked Decidim API of one test: recorded answers registered in call order."""

    def __init__(self, rsps: responses.RequestsMock, clock: FakeClock) -> None:
        self.rsps = rsps
        self.clock = clock

    @property
    def calls(self) -> list[Any]:
        return list(self.rsps.calls)

    def graphql_calls(self) -> list[Any]:
        return [c for c in self.rsps.calls if c.request.url == API]

    def sign_in_calls(self) -> list[Any]:
        return [c for c in self.rsps.calls if c.request.url == SIGN_IN]

    def sign_in(self, *, lifetime: float = 7200, in_header: bool = True) -> str:
        """Register one successful sign-in; returns the token it hands out."""
        token = make_jwt(self.clock.now + lifetime)
        body = recorded("sign_in-200")
        body["jwt_token"] = token
        headers = {"Authorization": f"Bearer {token}"} if in_header else {}
        self.rsps.add(responses.POST, SIGN_IN, json=body, headers=headers, status=200)
        return token

    def refuse_sign_in(self) -> None:
        self.rsps.add(responses.POST, SIGN_IN, json=recorded("sign_in-401"), status=401)

    def answer(
        self,
        name: str,
        recording: str,
        *,
        status: int = 200,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Register one GraphQL answer (a recording) for the operation ``name``."""
        self.rsps.add(
            responses.POST,
            API,
            json=recorded(recording),
            status=status,
            headers=headers or {},
            match=[operation(name, variables)],
        )

    def fail(self, name: str, error: BaseException | type[BaseException]) -> None:
        """Register one transport failure for the operation ``name``."""
        self.rsps.add(responses.POST, API, body=error, match=[operation(name)])

    def status(self, name: str, status: int, body: str = "", **headers: str) -> None:
        """Register one bare HTTP status (e.g. Rack::Attack's 429 "Retry later")."""
        self.rsps.add(
            responses.POST, API, body=body, status=status, headers=headers, match=[operation(name)]
        )


@pytest.fixture
def decidim(mock: responses.RequestsMock, clock: FakeClock) -> DecidimMock:
    return DecidimMock(mock, clock)


@pytest.fixture
def recorded_answer() -> Callable[[str], Any]:
    return recorded
