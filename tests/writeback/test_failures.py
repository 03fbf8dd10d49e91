"""The writer's failure table: every Decidim error code, transport errors and mail errors.

Decidim errors are raised by the real transport against mocked HTTP answers, so the table
checks the meaning the edge gives an error together with what the writer does with it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from decidim_bridge.decidim import error_codes, operations
from decidim_bridge.decidim.breaker import CircuitBreaker
from decidim_bridge.decidim.transport import GraphQLTransport
from decidim_bridge.errors import (
    CapabilityMissing,
    CircuitOpen,
    DecidimRateLimited,
    DecidimRejected,
    MailError,
    MailOutcomeUnknown,
    MailRejected,
)
from decidim_bridge.writeback.failures import (
    AMBIGUOUS,
    DEAD,
    HOST_BACKOFF_CAP,
    HOST_PAUSE_CAP,
    MAIL_BACKOFF_CAP,
    RETRY,
    WAIT,
    Failure,
    RetryPolicy,
    classify_failure,
)

BASE_URL = "http://decidim.test:3000"
API = f"{BASE_URL}/api"
POLICY = RetryPolicy(max_attempts=8, backoff_base=5.0, backoff_max=3600.0, reconcile_delay=30.0)
QUERY = "proposal"
MUTATION = "add_comment"
EVERY_CODE = sorted(
    value for name, value in vars(error_codes).items() if name.isupper() and isinstance(value, str)
)


@dataclass
class Row:
    attempts: int = 1
    status: str = "pending"


class Top(random.Random):
    """Jitter at its ceiling, so a test can see which cap a backoff used."""

    def uniform(self, a: float, b: float) -> float:
        return b


def _raised(document: str, answer: Any) -> BaseException:
    """What the transport raises for ``document`` when Decidim answers ``answer``."""
    transport = GraphQLTransport(
        BASE_URL,
        breaker=CircuitBreaker("decidim.test:3000", fail_max=100),
        sleep=lambda _seconds: None,
        max_attempts=1,
        max_throttled=0,
    )
    with responses.RequestsMock() as mock:
        if isinstance(answer, BaseException):
            mock.post(API, body=answer)
        else:
            status, body, headers = answer
            mock.post(API, status=status, json=body, headers=headers)
        with pytest.raises(Exception) as caught:
            transport.execute(operations.get(document), {}, wait=False)
    return caught.value


def _errors(code: str | None, message: str = "refused") -> tuple[int, Any, dict[str, str]]:
    entry: dict[str, Any] = {"message": message}
    if code is not None:
        entry["extensions"] = {"code": code}
    return 200, {"data": None, "errors": [entry]}, {}


def _refused() -> requests.ConnectionError:
    inner = NewConnectionError(None, "Failed to establish a new connection: [Errno 111]")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, "/api", inner))  # type: ignore[arg-type]


def _reset() -> requests.ConnectionError:
    return requests.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "reset by peer"))
    )


def _decide(exc: BaseException, row: Row | None = None) -> Failure:
    return classify_failure(exc, row or Row(), POLICY, rng=Top())


# --- GraphQL error codes -------------------------------------------------------------------


def test_the_table_covers_every_code_decidim_defines() -> None:
    assert set(EVERY_CODE) == error_codes.PERMANENT
    assert len(EVERY_CODE) == 13


@pytest.mark.parametrize("document", [QUERY, MUTATION])
@pytest.mark.parametrize("code", EVERY_CODE)
def test_every_decidim_error_code_is_dead_at_once(code: str, document: str) -> None:
    """Even a message that sounds passing does not make a known code worth a retry."""
    exc = _raised(document, _errors(code, "Internal server error: timeout"))

    failure = _decide(exc)

    assert failure.action == DEAD
    assert code in failure.reason
    assert not exc.retryable  # type: ignore[attr-defined]
    assert exc.permission_denied == (code in error_codes.PERMISSION)  # type: ignore[attr-defined]


@pytest.mark.parametrize("document", [QUERY, MUTATION])
@pytest.mark.parametrize("code", [None, "SOME_EXTENSION_ERROR"])
def test_an_unknown_or_missing_code_is_retried_until_the_attempts_are_spent(
    code: str | None, document: str
) -> None:
    exc = _raised(document, _errors(code))

    retried = _decide(exc, Row(attempts=3))
    spent = _decide(exc, Row(attempts=8))

    assert (retried.action, retried.delay) == (RETRY, 20.0)
    assert not retried.unexpected and not retried.pause_decidim
    assert spent.action == DEAD and "8 attempts" in spent.reason


# --- HTTP and transport failures -------------------------------------------------------------


TABLE = [
    # (what happened, document, Decidim's answer, action)
    ("connection refused, query", QUERY, _refused(), RETRY),
    ("connection refused, mutation", MUTATION, _refused(), RETRY),
    ("connect timeout, query", QUERY, requests.ConnectTimeout("connect"), RETRY),
    ("connect timeout, mutation", MUTATION, requests.ConnectTimeout("connect"), RETRY),
    ("read timeout, query", QUERY, requests.ReadTimeout("read"), RETRY),
    ("read timeout, mutation", MUTATION, requests.ReadTimeout("read"), AMBIGUOUS),
    ("reset after sending, query", QUERY, _reset(), RETRY),
    ("reset after sending, mutation", MUTATION, _reset(), AMBIGUOUS),
    ("401 without a key, query", QUERY, (401, {}, {}), RETRY),
    ("401 without a key, mutation", MUTATION, (401, {}, {}), RETRY),
    ("403, mutation", MUTATION, (403, {}, {}), RETRY),
    ("500, query", QUERY, (500, {}, {}), RETRY),
    ("502, query", QUERY, (502, {}, {}), RETRY),
    ("503, query", QUERY, (503, {}, {}), RETRY),
    ("504, query", QUERY, (504, {}, {}), RETRY),
    ("500, mutation", MUTATION, (500, {}, {}), AMBIGUOUS),
    ("502, mutation", MUTATION, (502, {}, {}), AMBIGUOUS),
    ("503, mutation", MUTATION, (503, {}, {}), RETRY),
    ("504, mutation", MUTATION, (504, {}, {}), AMBIGUOUS),
    ("429, query", QUERY, (429, {}, {"Retry-After": "42"}), WAIT),
    ("429, mutation", MUTATION, (429, {}, {"Retry-After": "42"}), WAIT),
    ("400 without errors, mutation", MUTATION, (400, {}, {}), DEAD),
]


@pytest.mark.parametrize(
    ("document", "answer", "action"),
    [case[1:] for case in TABLE],
    ids=[case[0] for case in TABLE],
)
def test_transport_failures(document: str, answer: Any, action: str) -> None:
    failure = _decide(_raised(document, answer), Row(attempts=8))

    assert failure.action == action
    if action == RETRY:  # Decidim down or refusing: never dead, Decidim writes pause
        assert failure.delay == HOST_BACKOFF_CAP
        assert failure.pause_decidim == HOST_PAUSE_CAP
        assert not failure.undo_attempt
    elif action == AMBIGUOUS:
        assert (failure.delay, failure.applied_unknown) == (30.0, True)
        assert not failure.pause_decidim
    elif action == WAIT:
        assert failure.delay == failure.pause_decidim == 42.0
        assert failure.undo_attempt


def test_a_short_backoff_pauses_decidim_only_as_long() -> None:
    failure = _decide(_raised(QUERY, (503, {}, {})), Row(attempts=1))

    assert failure.delay == failure.pause_decidim == 5.0


def test_an_earlier_unknown_outcome_stays_unknown_when_decidim_is_down() -> None:
    down = _raised(QUERY, _refused())

    assert _decide(down, Row(status="in_flight")).applied_unknown
    assert not _decide(down, Row(status="pending")).applied_unknown


def test_an_open_circuit_and_a_spent_budget_wait_without_counting_the_attempt() -> None:
    opened = _decide(CircuitOpen("open"))
    spent = _decide(DecidimRateLimited(retry_after=7.5))

    assert (opened.action, opened.delay, opened.pause_decidim) == (WAIT, 15.0, 15.0)
    assert (spent.action, spent.delay, spent.pause_decidim) == (WAIT, 7.5, 7.5)
    assert opened.undo_attempt and spent.undo_attempt


@pytest.mark.parametrize(
    "exc",
    [CapabilityMissing("no answer form"), DecidimRejected("comments closed")],
    ids=["capability missing", "rejected"],
)
def test_refusals_are_dead_with_their_code(exc: Exception) -> None:
    failure = _decide(exc)

    assert failure.action == DEAD
    assert exc.code in failure.reason  # type: ignore[attr-defined]


# --- mail and the unexpected -----------------------------------------------------------------


def test_a_mail_server_that_did_not_take_the_message_is_retried_as_not_sent() -> None:
    failure = _decide(MailError("SMTP connection failed"), Row(attempts=9, status="in_flight"))

    assert (failure.action, failure.delay) == (RETRY, MAIL_BACKOFF_CAP)
    assert not failure.applied_unknown and not failure.pause_decidim


@pytest.mark.parametrize(
    "exc", [MailRejected("no such user"), MailOutcomeUnknown("hand-over not confirmed")]
)
def test_a_refused_mail_or_one_that_may_have_gone_is_dead(exc: Exception) -> None:
    assert _decide(exc).action == DEAD


def test_an_unexpected_error_is_retried_with_its_traceback_then_dead() -> None:
    retried = _decide(KeyError("body"), Row(attempts=2))
    spent = _decide(KeyError("body"), Row(attempts=8))

    assert (retried.action, retried.delay, retried.unexpected) == (RETRY, 10.0, True)
    assert (spent.action, spent.unexpected) == (DEAD, True)
