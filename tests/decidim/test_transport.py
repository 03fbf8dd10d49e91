"""Sign-in, token reuse, 401, 429, timeouts and which failures are retried (responses mock)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
from prometheus_client import REGISTRY
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from decidim_bridge.decidim import error_codes, operations
from decidim_bridge.decidim.transport import graphql_error, retry_after_seconds
from decidim_bridge.errors import (
    AmbiguousWrite,
    DecidimAuthError,
    DecidimRateLimited,
    DecidimRejected,
    DecidimUnavailable,
    GraphQLError,
)


def _proposal(client: Any) -> Any:
    return client.fetch_proposal(5, 11)


def _comment(client: Any) -> str:
    return client.add_comment(5, "Bedankt voor uw initiatief.", "nl")


def _comment_capability(decidim: Any) -> None:
    decidim.answer("DecidimVersion", "decidim_version-200")
    decidim.answer("Capabilities", "capabilities_input-200")


def _refused_connection() -> requests.ConnectionError:
    """What requests raises when nothing listens: the request never left."""
    inner = NewConnectionError(None, "Failed to establish a new connection: [Errno 111]")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, "/api", inner))  # type: ignore[arg-type]


def _reset_after_sending() -> requests.ConnectionError:
    """What requests raises when the server drops the connection mid-request."""
    return requests.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "reset by peer"))
    )


def _form(call: Any) -> dict[str, list[str]]:
    body = call.request.body
    return parse_qs(body if isinstance(body, str) else body.decode())


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- sign-in and tokens ------------------------------------------------------------------


def test_sign_in_posts_key_and_secret_and_uses_the_bearer_token(
    decidim: Any, make_client: Any, decidim_settings: Any
) -> None:
    token = decidim.sign_in()
    decidim.answer(
        "ProposalById", "proposal-200", variables={"componentId": "11", "proposalId": "5"}
    )
    client = make_client()

    assert _proposal(client).id == "5"

    sign_in = decidim.sign_in_calls()[0].request
    assert sign_in.method == "POST"
    assert sign_in.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert _form(decidim.sign_in_calls()[0]) == {
        "api_user[key]": [decidim_settings.decidim_api_key],
        "api_user[secret]": [decidim_settings.decidim_api_secret],
    }
    query = decidim.graphql_calls()[0].request
    assert query.headers["Authorization"] == f"Bearer {token}"
    assert query.headers["Content-Type"] == "application/json"
    body = json.loads(query.body)
    assert body["operationName"] == "ProposalById"
    assert "fragment ProposalFields on Proposal" in body["query"]


def test_token_comes_from_the_body_when_the_header_is_missing(
    decidim: Any, make_client: Any
) -> None:
    token = decidim.sign_in(in_header=False)
    decidim.answer("ProposalById", "proposal-200")

    _proposal(make_client())

    assert decidim.graphql_calls()[0].request.headers["Authorization"] == f"Bearer {token}"


def test_token_is_reused_while_valid(decidim: Any, make_client: Any, clock: Any) -> None:
    decidim.sign_in(lifetime=7200)
    for _ in range(3):
        decidim.answer("ProposalById", "proposal-200")
    client = make_client()

    _proposal(client)
    clock.advance(3600)
    _proposal(client)
    _proposal(client)

    assert len(decidim.sign_in_calls()) == 1
    assert len(decidim.graphql_calls()) == 3


def test_token_is_renewed_shortly_before_it_expires(
    decidim: Any, make_client: Any, clock: Any
) -> None:
    first = decidim.sign_in(lifetime=600)
    decidim.answer("ProposalById", "proposal-200")
    decidim.answer("ProposalById", "proposal-200")
    client = make_client()
    _proposal(client)

    clock.advance(600 - 30)  # 30 s before exp: inside the renewal margin
    second = decidim.sign_in(lifetime=600)
    _proposal(client)

    assert first != second
    assert [c.request.url for c in decidim.calls] == [
        decidim.sign_in_calls()[0].request.url,
        decidim.graphql_calls()[0].request.url,
        decidim.sign_in_calls()[1].request.url,
        decidim.graphql_calls()[1].request.url,
    ]
    assert decidim.graphql_calls()[1].request.headers["Authorization"] == f"Bearer {second}"
    assert client.transport.token.value == second


def test_401_leads_to_exactly_one_new_sign_in_then_the_retry(
    decidim: Any, make_client: Any
) -> None:
    decidim.sign_in()
    decidim.answer("ProposalById", "access_denied-401", status=401)
    fresh = decidim.sign_in()
    decidim.answer("ProposalById", "proposal-200")

    assert _proposal(make_client()).id == "5"

    assert len(decidim.sign_in_calls()) == 2
    assert len(decidim.graphql_calls()) == 2
    assert decidim.graphql_calls()[1].request.headers["Authorization"] == f"Bearer {fresh}"


def test_401_with_a_fresh_token_is_an_auth_error(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProposalById", "access_denied-401", status=401)
    decidim.sign_in()
    decidim.answer("ProposalById", "access_denied-401", status=401)

    with pytest.raises(DecidimAuthError, match="fresh token"):
        _proposal(make_client())

    assert len(decidim.sign_in_calls()) == 2
    assert len(decidim.graphql_calls()) == 2


def test_refused_sign_in_raises_without_calling_the_api(decidim: Any, make_client: Any) -> None:
    decidim.refuse_sign_in()
    before = _metric("bridge_decidim_sign_ins_total", host="decidim.test:3000", outcome="refused")

    with pytest.raises(DecidimAuthError, match="refused the API key"):
        _proposal(make_client())

    assert decidim.graphql_calls() == []
    after = _metric("bridge_decidim_sign_ins_total", host="decidim.test:3000", outcome="refused")
    assert after == before + 1


def test_without_credentials_the_api_is_called_anonymously(
    decidim: Any, make_client: Any, decidim_settings: Any
) -> None:
    import dataclasses

    anonymous = dataclasses.replace(decidim_settings, decidim_api_key=None, decidim_api_secret=None)
    decidim.answer("ProposalById", "proposal-200")

    _proposal(make_client(anonymous))

    assert decidim.sign_in_calls() == []
    assert "Authorization" not in decidim.graphql_calls()[0].request.headers


def test_host_header_names_the_tenant_when_the_url_names_another_host(
    decidim: Any, make_client: Any, decidim_settings: Any
) -> None:
    import dataclasses

    other = dataclasses.replace(decidim_settings, tenant="lindeburg.example")
    decidim.sign_in()
    decidim.answer("ProposalById", "proposal-200")

    _proposal(make_client(other))

    assert decidim.sign_in_calls()[0].request.headers["Host"] == "lindeburg.example"
    assert decidim.graphql_calls()[0].request.headers["Host"] == "lindeburg.example"


# --- 429 ---------------------------------------------------------------------------------


def test_429_without_retry_after_waits_for_the_next_window(
    decidim: Any, make_client: Any, clock: Any
) -> None:
    decidim.sign_in()
    decidim.status("ProposalById", 429, "Retry later\n")
    decidim.answer("ProposalById", "proposal-200")
    client = make_client()
    sent_at = clock.now  # 5 s into a window

    assert _proposal(client).id == "5"

    # 55 s to the window boundary plus the (predictable) middle of the 0-2 s jitter.
    assert clock.sleeps == [pytest.approx(55.0 + 1.0)]
    assert clock.now == pytest.approx(sent_at + 56.0)
    # The spent window was marked for every process sharing the budget.
    assert client.transport.budget.used(at=sent_at) == 60


def test_429_honours_retry_after(decidim: Any, make_client: Any, clock: Any) -> None:
    decidim.sign_in()
    decidim.status("ProposalById", 429, "Retry later\n", **{"Retry-After": "7"})
    decidim.answer("ProposalById", "proposal-200")
    client = make_client()

    _proposal(client)

    assert clock.sleeps == [7.0]
    assert client.transport.budget.used() == 3  # sign-in + two attempts, window not exhausted


def test_429_raises_rate_limited_when_the_caller_does_not_wait(
    decidim: Any, make_client: Any, clock: Any
) -> None:
    decidim.sign_in()
    decidim.status("ProposalById", 429, "Retry later\n")
    client = make_client().limited(wait=False)
    before = _metric("bridge_decidim_throttled_total", host="decidim.test:3000", reason="server")

    with pytest.raises(DecidimRateLimited) as caught:
        _proposal(client)

    assert caught.value.retry_after == pytest.approx(56.0)
    assert caught.value.retryable
    assert clock.sleeps == []
    after = _metric("bridge_decidim_throttled_total", host="decidim.test:3000", reason="server")
    assert after == before + 1


def test_a_mutation_is_retried_after_429(decidim: Any, make_client: Any, clock: Any) -> None:
    decidim.sign_in()
    _comment_capability(decidim)
    decidim.status("AddComment", 429, "Retry later\n")
    decidim.answer("AddComment", "add_comment-200")

    assert _comment(make_client()) == "903"
    assert len([c for c in decidim.graphql_calls() if b"AddComment" in c.request.body]) == 2


def test_retry_after_parses_seconds_and_dates() -> None:
    assert retry_after_seconds("12", 0.0) == 12.0
    assert retry_after_seconds("Thu, 01 Jan 1970 00:01:40 GMT", 40.0) == 60.0
    assert retry_after_seconds("soon", 0.0) is None
    assert retry_after_seconds(None, 0.0) is None


# --- GraphQL errors over HTTP 200 --------------------------------------------------------


def test_200_with_errors_raises_graphql_error_with_the_codes(
    decidim: Any, make_client: Any
) -> None:
    decidim.sign_in()
    decidim.answer("DecidimVersion", "decidim_version-200")
    decidim.answer("Capabilities", "capabilities_input-200")
    decidim.answer("AnswerProposal", "answer_not_authorized-200")

    with pytest.raises(GraphQLError) as caught:
        make_client().answer_proposal(11, 5, "accepted", {"nl": "Wij gaan het doen."})

    assert caught.value.codes == ("MUTATION_NOT_AUTHORIZED_ERROR",)
    assert not caught.value.retryable
    assert caught.value.permission_denied
    assert "permission" in caught.value.message


def test_validation_error_codes_and_list_messages(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("DecidimVersion", "decidim_version-200")
    decidim.answer("Capabilities", "capabilities_input-200")
    decidim.answer("AnswerProposal", "answer_invalid-200")

    with pytest.raises(GraphQLError) as caught:
        make_client().answer_proposal(11, 5, "accepted", {"nl": ""})

    assert caught.value.codes == ("ATTRIBUTE_VALIDATION_ERROR",)
    assert not caught.value.retryable
    assert not caught.value.permission_denied
    assert "Answer can't be blank" in caught.value.message


def test_an_internal_error_without_code_is_retryable_for_a_query(
    decidim: Any, make_client: Any
) -> None:
    decidim.sign_in()
    decidim.answer("ProposalById", "internal_error-200")

    with pytest.raises(GraphQLError) as caught:
        _proposal(make_client())

    assert caught.value.codes == ()
    assert caught.value.retryable


@pytest.mark.parametrize(
    "code", [error_codes.TOO_MANY_RECURSIONS, error_codes.RECURSION_LIMIT_EXCEEDED]
)
def test_a_limit_code_is_permanent_even_when_the_message_sounds_passing(code: str) -> None:
    """Both names Decidim has given the recursion limit: a retry would be refused again."""
    errors = [{"message": "Internal server error: timeout", "extensions": {"code": code}}]

    refused = graphql_error(operations.get("proposal"), errors, None)

    assert refused.codes == (code,)
    assert not refused.retryable


# --- timeouts and connection errors ------------------------------------------------------


def test_connect_timeout_on_a_query_is_retried(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.fail("ProposalById", requests.ConnectTimeout("connect timed out"))
    decidim.answer("ProposalById", "proposal-200")

    assert _proposal(make_client()).id == "5"
    assert len(decidim.graphql_calls()) == 2


def test_connect_timeout_on_a_mutation_is_retried(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    _comment_capability(decidim)
    decidim.fail("AddComment", requests.ConnectTimeout("connect timed out"))
    decidim.answer("AddComment", "add_comment-200")

    assert _comment(make_client()) == "903"


def test_refused_connection_on_a_mutation_is_retried(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    _comment_capability(decidim)
    decidim.fail("AddComment", _refused_connection())
    decidim.answer("AddComment", "add_comment-200")

    assert _comment(make_client()) == "903"


def test_read_timeout_on_a_mutation_is_ambiguous_and_not_retried(
    decidim: Any, make_client: Any
) -> None:
    decidim.sign_in()
    _comment_capability(decidim)
    decidim.fail("AddComment", requests.ReadTimeout("read timed out"))

    with pytest.raises(AmbiguousWrite) as caught:
        _comment(make_client())

    assert caught.value.retryable  # the writer retries after reading Decidim back
    mutations = [c for c in decidim.graphql_calls() if b'"AddComment"' in c.request.body]
    assert len(mutations) == 1


def test_reset_after_sending_a_mutation_is_ambiguous(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    _comment_capability(decidim)
    decidim.fail("AddComment", _reset_after_sending())

    with pytest.raises(AmbiguousWrite):
        _comment(make_client())


@pytest.mark.parametrize("status", [500, 502, 504])
def test_5xx_on_a_mutation_is_ambiguous(decidim: Any, make_client: Any, status: int) -> None:
    decidim.sign_in()
    _comment_capability(decidim)
    decidim.status("AddComment", status, "oops")

    with pytest.raises(AmbiguousWrite, match=f"HTTP {status}"):
        _comment(make_client())


def test_503_on_a_mutation_is_retried(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    _comment_capability(decidim)
    decidim.status("AddComment", 503, "maintenance")
    decidim.answer("AddComment", "add_comment-200")

    assert _comment(make_client()) == "903"


def test_read_timeout_on_a_query_is_retried(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.fail("ProposalById", requests.ReadTimeout("read timed out"))
    decidim.answer("ProposalById", "proposal-200")

    assert _proposal(make_client()).id == "5"
    assert len(decidim.graphql_calls()) == 2


def test_query_retries_are_bounded(decidim: Any, make_client: Any, clock: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProposalById", "internal_error-500", status=500)
    client = make_client()

    with pytest.raises(DecidimUnavailable, match="HTTP 500 \\(4 attempts\\)"):
        _proposal(client)

    assert len(decidim.graphql_calls()) == 4
    assert len(clock.sleeps) == 3  # a backoff between attempts, none after the last


def test_other_4xx_is_rejected(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.status("ProposalById", 422, "unprocessable")

    with pytest.raises(DecidimRejected, match="HTTP 422"):
        _proposal(make_client())
    assert len(decidim.graphql_calls()) == 1


def test_requests_use_explicit_connect_and_read_timeouts(
    decidim: Any, make_client: Any, decidim_settings: Any
) -> None:
    decidim.sign_in()
    decidim.answer("ProposalById", "proposal-200")
    client = make_client()

    assert client.transport.timeout == (
        decidim_settings.http_connect_timeout,
        decidim_settings.http_read_timeout,
    )
    _proposal(client)
    assert decidim.graphql_calls()[0].request.req_kwargs["timeout"] == client.transport.timeout


def test_request_metrics_count_operations_by_outcome(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("ProposalById", "proposal-200")
    decidim.answer("ProposalById", "internal_error-200")
    client = make_client()
    ok_before = _metric(
        "bridge_decidim_graphql_requests_total", operation="ProposalById", outcome="ok"
    )
    err_before = _metric(
        "bridge_decidim_graphql_requests_total", operation="ProposalById", outcome="graphql_error"
    )

    _proposal(client)
    with pytest.raises(GraphQLError):
        _proposal(client)

    assert (
        _metric("bridge_decidim_graphql_requests_total", operation="ProposalById", outcome="ok")
        == ok_before + 1
    )
    assert (
        _metric(
            "bridge_decidim_graphql_requests_total",
            operation="ProposalById",
            outcome="graphql_error",
        )
        == err_before + 1
    )
