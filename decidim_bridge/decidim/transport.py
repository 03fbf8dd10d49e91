"""HTTP to Decidim's API: sign-in, budget, circuit breaker, timeouts and safe retries.

What may be retried follows from what Decidim may already have done:
- queries and the sign-in are idempotent: retried on connection errors, read timeouts, 429
  and 5xx (bounded);
- mutations are retried only when the request certainly did not run: the connection never
  opened (connect timeout, refused, DNS), 429 and 503. A read timeout, a reset after
  sending, 500, 502 or 504 raise ``AmbiguousWrite``: the writer must read Decidim before it
  writes again.
Decidim's 429 carries no Retry-After by default (Rack::Attack); its windows are fixed minutes
aligned to the epoch, so the wait is until the next minute plus a little jitter. Retry-After
is honoured when present. HTTP 200 with an ``errors`` array becomes ``GraphQLError`` with the
``extensions.code`` values. Only operation names are logged, never variables.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from decidim_bridge.backoff import backoff_delay
from decidim_bridge.decidim import auth
from decidim_bridge.decidim.breaker import OPEN, CircuitBreaker, breaker_for
from decidim_bridge.decidim.budget import WINDOW_SECONDS, RequestBudget, next_window
from decidim_bridge.decidim.metrics import GRAPHQL_REQUESTS, SIGN_INS, THROTTLED
from decidim_bridge.decidim.operations import Operation
from decidim_bridge.errors import (
    AmbiguousWrite,
    BridgeError,
    CircuitOpen,
    DecidimAuthError,
    DecidimError,
    DecidimRateLimited,
    DecidimRejected,
    DecidimUnavailable,
    GraphQLError,
)

log = logging.getLogger(__name__)

#: Messages of errors without a code that a later attempt may not see again.
_TRANSIENT_MESSAGES = ("internal server error", "timeout", "temporarily unavailable")

THROTTLE_JITTER_SECONDS = 2.0


def _was_sent(exc: requests.RequestException) -> bool:
    """False only when the request certainly never reached Decidim (no connection opened)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.ReadTimeout):
        return True
    reason: Any = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return not isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _describe(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, requests.ReadTimeout):
        return "read timeout"
    if isinstance(exc, requests.ConnectionError):
        return "connection error" if _was_sent(exc) else "connection refused or unreachable"
    return type(exc).__name__


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def graphql_error(operation: Operation, errors: list[Any], data: Any) -> GraphQLError:
    """The typed exception for a GraphQL ``errors`` array, retryable only where it makes sense.

    What the codes mean (permanent, permission) ``GraphQLError`` takes from ``error_codes``;
    an error without such a code is retryable only for a query and only when its message
    says it was a passing server problem.
    """
    codes: list[str] = []
    messages: list[str] = []
    for entry in errors:
        if not isinstance(entry, dict):
            messages.append(str(entry))
            continue
        extensions = entry.get("extensions")
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if isinstance(code, str) and code not in codes:
            codes.append(code)
        message = entry.get("message")
        messages.append(message if isinstance(message, str) else json.dumps(message)[:300])
    summary = "; ".join(messages)[:500] or "unknown error"
    transient_message = any(marker in summary.lower() for marker in _TRANSIENT_MESSAGES)
    return GraphQLError(
        f"Decidim refused {operation.operation_name}: {summary}",
        errors=errors,
        codes=codes,
        retryable=not operation.is_mutation and transient_message,
        data=data,
    )


def _outcome(exc: BaseException) -> str:
    for cls, name in (
        (CircuitOpen, "circuit_open"),
        (DecidimRateLimited, "rate_limited"),
        (AmbiguousWrite, "ambiguous"),
        (DecidimUnavailable, "unavailable"),
        (DecidimAuthError, "auth_error"),
        (GraphQLError, "graphql_error"),
        (DecidimRejected, "rejected"),
    ):
        if isinstance(exc, cls):
            return name
    return "error"


class _TokenCache:
    """The current JWT, shared by every view of one transport."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.token: auth.Token | None = None


class GraphQLTransport:
    """Sends operations to one Decidim (``{base_url}/api``) as one API user."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        api_secret: str | None = None,
        tenant: str | None = None,
        budget: RequestBudget | None = None,
        breaker: CircuitBreaker | None = None,
        session: requests.Session | None = None,
        connect_timeout: float = 3.05,
        read_timeout: float = 20.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        max_attempts: int = 4,
        max_throttled: int = 3,
        max_wait: float = 120.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.endpoint = f"{self.base_url}/api"
        self.sign_in_url = f"{self.endpoint}/sign_in"
        self.host = parts.netloc
        self.api_key = api_key
        self.api_secret = api_secret
        # Decidim picks the organization by Host; send the tenant when the URL names another
        # host (e.g. an internal service name in front of the organization's domain).
        self.host_header = tenant if tenant and tenant != parts.hostname else None
        self.budget = budget
        self.breaker = breaker or breaker_for(self.host)
        self.session = session or requests.Session()
        self.timeout = (connect_timeout, read_timeout)
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.max_attempts = max_attempts
        self.max_throttled = max_throttled
        self.max_wait = max_wait
        self._tokens = _TokenCache()

    def _until_next_window(self, now: float) -> float:
        """Seconds to the next throttle window, plus a little jitter (a tenth of a window
        at most, so that processes do not all start again at the same instant)."""
        seconds = self.budget.window_seconds if self.budget is not None else WINDOW_SECONDS
        jitter = self.rng.uniform(0, min(THROTTLE_JITTER_SECONDS, seconds / 10))
        return next_window(now, seconds) - now + jitter

    @property
    def has_credentials(self) -> bool:
        return bool(self.api_key and self.api_secret)

    # --- GraphQL -----------------------------------------------------------------------

    def execute(
        self,
        operation: Operation,
        variables: dict[str, Any] | None = None,
        *,
        share: float = 1.0,
        wait: bool = True,
    ) -> dict[str, Any]:
        """Run one operation and return its ``data``; raise our exceptions for anything else."""
        outcome = "ok"
        try:
            return self._execute(operation, variables or {}, share=share, wait=wait)
        except BaseException as exc:
            outcome = _outcome(exc)
            raise
        finally:
            GRAPHQL_REQUESTS.labels(operation=operation.operation_name, outcome=outcome).inc()

    def _execute(
        self, operation: Operation, variables: dict[str, Any], *, share: float, wait: bool
    ) -> dict[str, Any]:
        payload = {
            "query": operation.text,
            "variables": variables,
            "operationName": operation.operation_name,
        }
        signed_in_again = False
        while True:
            token = self._bearer(share=share, wait=wait) if self.has_credentials else None
            headers = self._headers()
            if token is not None:
                headers["Authorization"] = f"Bearer {token.value}"
            response = self._request(
                self.endpoint,
                what=operation.operation_name,
                idempotent=not operation.is_mutation,
                headers=headers,
                json_body=payload,
                share=share,
                wait=wait,
            )
            status = response.status_code
            if status == 401 and token is not None and not signed_in_again:
                # Expired or revoked token: Decidim did not run the operation; sign in once.
                log.info("decidim answered 401; signing in again", extra={"host": self.host})
                self._forget(token)
                signed_in_again = True
                continue
            if status in (401, 403):
                raise DecidimAuthError(
                    f"Decidim refused {operation.operation_name} (HTTP {status})"
                    + (" with a fresh token." if token is not None else "; no API key is set.")
                )
            body = self._json(response)
            if status >= 400:
                if isinstance(body, dict) and body.get("errors"):
                    raise graphql_error(operation, list(body["errors"]), body.get("data"))
                raise DecidimRejected(
                    f"Decidim refused {operation.operation_name} (HTTP {status})."
                )
            if not isinstance(body, dict):
                message = f"Decidim answered {operation.operation_name} with no JSON object"
                if operation.is_mutation:
                    raise AmbiguousWrite(message + "; the write may have been applied.")
                raise DecidimUnavailable(message + ".")
            errors = body.get("errors")
            if errors:
                raise graphql_error(operation, list(errors), body.get("data"))
            data = body.get("data")
            if not isinstance(data, dict):
                raise DecidimError(f"Decidim answered {operation.operation_name} without data.")
            return data

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return None

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.host_header:
            headers["Host"] = self.host_header
        return headers

    # --- sign-in -----------------------------------------------------------------------

    def _bearer(self, *, share: float, wait: bool) -> auth.Token:
        with self._tokens.lock:
            token = self._tokens.token
            if token is not None and token.usable(self.clock()):
                return token
            token = self.sign_in(share=share, wait=wait)
            self._tokens.token = token
            return token

    def _forget(self, token: auth.Token) -> None:
        with self._tokens.lock:
            if self._tokens.token is token:
                self._tokens.token = None

    @property
    def token(self) -> auth.Token | None:
        """The token in use (None before the first sign-in)."""
        return self._tokens.token

    def sign_in(self, *, share: float = 1.0, wait: bool = True) -> auth.Token:
        """``POST /api/sign_in`` with the key and secret; the JWT, or ``DecidimAuthError``."""
        if not self.has_credentials:
            raise DecidimAuthError("No Decidim API key and secret are configured.")
        assert self.api_key is not None and self.api_secret is not None
        try:
            response = self._request(
                self.sign_in_url,
                what="sign_in",
                idempotent=True,
                headers=self._headers(),
                form=auth.sign_in_form(self.api_key, self.api_secret),
                share=share,
                wait=wait,
            )
        except BridgeError:
            SIGN_INS.labels(host=self.host, outcome="failed").inc()
            raise
        if response.status_code in (401, 403):
            SIGN_INS.labels(host=self.host, outcome="refused").inc()
            raise DecidimAuthError(
                f"Decidim refused the API key and secret (HTTP {response.status_code})."
            )
        if response.status_code >= 400:
            SIGN_INS.labels(host=self.host, outcome="failed").inc()
            raise DecidimRejected(f"Decidim's sign-in answered HTTP {response.status_code}.")
        token = auth.token_from_response(response.headers, self._json(response))
        if token is None:
            SIGN_INS.labels(host=self.host, outcome="failed").inc()
            raise DecidimAuthError("Decidim's sign-in returned no token (is JWT configured?).")
        SIGN_INS.labels(host=self.host, outcome="ok").inc()
        return token

    # --- one HTTP exchange, with budget, breaker and retries ----------------------------

    def _request(
        self,
        url: str,
        *,
        what: str,
        idempotent: bool,
        headers: dict[str, str],
        share: float,
        wait: bool,
        json_body: Any = None,
        form: dict[str, str] | None = None,
    ) -> requests.Response:
        """POST until a definite answer; returns responses below 500 other than 429."""
        attempt = 0
        throttled = 0
        while True:
            if self.breaker.state == OPEN:
                self.breaker.before_call()  # raises CircuitOpen without using the budget
            if self.budget is not None:
                self.budget.acquire(share=share, wait=wait)
            self.breaker.before_call()
            attempt += 1
            try:
                response = self.session.post(
                    url, json=json_body, data=form, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as exc:
                self.breaker.record_failure()
                kind = _describe(exc)
                if not idempotent and _was_sent(exc):
                    raise AmbiguousWrite(
                        f"{what}: {kind} after the request was sent; Decidim may have applied it."
                    ) from exc
                if attempt >= self.max_attempts:
                    raise DecidimUnavailable(f"{what}: {kind} ({attempt} attempts).") from exc
                log.warning("decidim %s on %s; retrying", kind, what, extra={"host": self.host})
                self.sleep(backoff_delay(attempt, base=0.5, cap=8.0, rng=self.rng))
                continue
            except BaseException:
                # Neither a success nor a transport failure (e.g. interrupted): let the next
                # call be the half-open trial instead of leaving the circuit stuck.
                self.breaker.release_trial()
                raise

            status = response.status_code
            if status >= 500:
                self.breaker.record_failure()
            else:
                self.breaker.record_success()

            if status == 429:
                throttled += 1
                THROTTLED.labels(host=self.host, reason="server").inc()
                now = self.clock()
                delay = retry_after_seconds(response.headers.get("Retry-After"), now)
                if delay is None:
                    # Rack::Attack's fixed window: the whole minute is spent for everyone.
                    if self.budget is not None:
                        self.budget.exhaust_window()
                    delay = self._until_next_window(now)
                if not wait or delay > self.max_wait or throttled > self.max_throttled:
                    raise DecidimRateLimited(
                        f"Decidim at {self.host} answered 429 to {what}.", retry_after=delay
                    )
                log.info(
                    "decidim 429 on %s; waiting %.1f s", what, delay, extra={"host": self.host}
                )
                self.sleep(delay)
                continue

            if status >= 500:
                if not idempotent and status != 503:
                    raise AmbiguousWrite(
                        f"{what}: HTTP {status}; Decidim may have applied the write."
                    )
                if attempt >= self.max_attempts:
                    raise DecidimUnavailable(f"{what}: HTTP {status} ({attempt} attempts).")
                delay = retry_after_seconds(response.headers.get("Retry-After"), self.clock())
                if delay is None:
                    delay = backoff_delay(attempt, base=0.5, cap=8.0, rng=self.rng)
                if delay > self.max_wait:
                    raise DecidimUnavailable(f"{what}: HTTP {status}; retry after {delay:.0f} s.")
                log.warning(
                    "decidim HTTP %s on %s; retrying", status, what, extra={"host": self.host}
                )
                self.sleep(delay)
                continue
            return response
