"""The circuit breaker opens after 5 transport failures and half-opens after 60 s."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from prometheus_client import REGISTRY

from decidim_bridge.decidim.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from decidim_bridge.errors import CircuitOpen, DecidimUnavailable, GraphQLError


def _gauge(host: str) -> float | None:
    return REGISTRY.get_sample_value("bridge_decidim_circuit_state", {"host": host})


def test_opens_after_five_consecutive_failures(clock: Any) -> None:
    breaker = CircuitBreaker("unit-a", clock=clock)
    for _ in range(4):
        breaker.before_call()
        breaker.record_failure()
    assert breaker.state == CLOSED
    breaker.before_call()
    breaker.record_failure()

    assert breaker.state == OPEN
    assert _gauge("unit-a") == 2
    with pytest.raises(CircuitOpen, match="60 s more"):
        breaker.before_call()


def test_a_success_resets_the_count(clock: Any) -> None:
    breaker = CircuitBreaker("unit-b", clock=clock)
    for _ in range(4):
        breaker.record_failure()
    breaker.record_success()
    for _ in range(4):
        breaker.record_failure()
    assert breaker.state == CLOSED


def test_half_open_lets_one_trial_through(clock: Any) -> None:
    breaker = CircuitBreaker("unit-c", clock=clock)
    for _ in range(5):
        breaker.record_failure()
    clock.advance(59.9)
    assert breaker.state == OPEN
    clock.advance(0.1)
    assert breaker.state == HALF_OPEN

    breaker.before_call()  # the trial
    assert _gauge("unit-c") == 1
    with pytest.raises(CircuitOpen):
        breaker.before_call()  # a second caller waits for the trial's outcome
    breaker.record_success()

    assert breaker.state == CLOSED
    assert _gauge("unit-c") == 0
    breaker.before_call()


def test_a_failed_trial_opens_again_for_a_full_timeout(clock: Any) -> None:
    breaker = CircuitBreaker("unit-d", clock=clock)
    for _ in range(5):
        breaker.record_failure()
    clock.advance(60)
    breaker.before_call()
    breaker.record_failure()

    assert breaker.state == OPEN
    clock.advance(59)
    assert breaker.state == OPEN
    clock.advance(1)
    assert breaker.state == HALF_OPEN


def test_client_stops_calling_decidim_while_open(
    decidim: Any, make_client: Any, clock: Any
) -> None:
    decidim.sign_in()
    for _ in range(5):
        decidim.fail("ProposalById", requests.ConnectTimeout("connect timed out"))
    client = make_client()
    client.transport.max_attempts = 1

    for _ in range(5):
        with pytest.raises(DecidimUnavailable) as caught:
            client.fetch_proposal(5, 11)
        assert not isinstance(caught.value, CircuitOpen)
    with pytest.raises(CircuitOpen):
        client.fetch_proposal(5, 11)

    assert client.circuit_state == OPEN
    assert len(decidim.graphql_calls()) == 5  # the sixth never left

    clock.advance(60)
    assert client.circuit_state == HALF_OPEN
    decidim.answer("ProposalById", "proposal-200")
    assert client.fetch_proposal(5, 11) is not None
    assert client.circuit_state == CLOSED


def test_graphql_errors_do_not_count_as_transport_failures(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProposalById", "introspection_disabled-200")
    client = make_client()

    for _ in range(6):
        with pytest.raises(GraphQLError):
            client.fetch_proposal(5, 11)

    assert client.circuit_state == CLOSED


def test_an_interrupted_trial_lets_the_next_call_try(
    decidim: Any, make_client: Any, clock: Any
) -> None:
    """A trial that ends in neither an answer nor a transport error must not wedge the circuit."""
    decidim.sign_in()
    decidim.answer("ProposalById", "proposal-200")
    client = make_client()
    assert client.fetch_proposal(5, 11) is not None  # signed in before the circuit opens
    for _ in range(5):
        client.transport.breaker.record_failure()
    clock.advance(60)
    decidim.fail("ProposalById", RuntimeError("interrupted"))
    with pytest.raises(RuntimeError):
        client.fetch_proposal(5, 11)

    assert client.circuit_state == HALF_OPEN
    decidim.answer("ProposalById", "proposal-200")
    assert client.fetch_proposal(5, 11) is not None
    assert client.circuit_state == CLOSED
