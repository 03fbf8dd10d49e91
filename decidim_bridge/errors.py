"""The one exception tree of the bridge.

Every error the bridge raises on purpose is a ``BridgeError``. Each class says when it is
raised and which HTTP status it maps to; ``to_dict`` gives the one JSON error shape that
every endpoint answers with: ``{"code", "status", "message", "errors"}``.
Edge modules (store, Decidim client, mail, mappings loader) translate the errors of the
system they own into these classes, so callers never see a driver's exception. What a
retry can do is part of the error from the moment it is raised (``retryable``,
``retry_after``, ``permanent``), so every caller reads one meaning instead of its own list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from decidim_bridge.decidim import error_codes


class BridgeError(Exception):
    """Base class. Raised directly only for unexpected internal states (HTTP 500)."""

    status: int = 500
    code: str = "internal_error"
    retryable: bool = False

    def __init__(self, message: str = "", *, errors: Any = None) -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip().split("\n")[0]
        self.errors = errors

    @property
    def permanent(self) -> bool:
        """No retry, however late, changes the outcome (by default: what is not retryable)."""
        return not self.retryable

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body shared by every endpoint."""
        body: dict[str, Any] = {"code": self.code, "status": self.status, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


# --- configuration -------------------------------------------------------------------------


class ConfigError(BridgeError, ValueError):
    """Raised at start-up when an environment variable is missing or invalid (exit, HTTP 500)."""

    code = "config_error"

    def __init__(self, variable: str, problem: str, *, errors: Any = None) -> None:
        super().__init__(f"{variable}: {problem}", errors=errors or {variable: [problem]})
        self.variable = variable
        self.problem = problem


# --- processes -----------------------------------------------------------------------------


class LoopFailed(BridgeError):
    """Raised when a loop of a long-running command died and the others were stopped
    (exit status 1, so that a supervisor restarting on failure starts the process again)."""

    code = "loop_failed"


# --- inbound webhooks ----------------------------------------------------------------------


class WebhookError(BridgeError):
    """Base for problems with one inbound delivery (HTTP 400)."""

    status = 400
    code = "bad_webhook"
    #: The ``outcome`` label of ``bridge_webhook_deliveries_total`` for this rejection.
    outcome = "bad"


class SignatureError(WebhookError):
    """Raised when a delivery's signature or timestamp does not verify (HTTP 401).

    The message is deliberately generic; ``reason`` is for metrics and logs only.
    """

    status = 401
    code = "invalid_signature"
    outcome = "bad_signature"

    def __init__(self, reason: str) -> None:
        super().__init__("The webhook signature could not be verified.")
        self.reason = reason


class PayloadTooLarge(WebhookError):
    """Raised when a delivery's body exceeds the configured limit (HTTP 413)."""

    status = 413
    code = "payload_too_large"
    outcome = "too_large"


class MalformedPayload(WebhookError):
    """Raised when a verified body is not UTF-8 JSON (HTTP 400)."""

    status = 400
    code = "malformed_payload"
    outcome = "malformed"


class SchemaViolation(WebhookError):
    """Raised when JSON does not match the event schema; carries marshmallow's messages (422)."""

    status = 422
    code = "schema_violation"
    outcome = "schema"


# --- storage -------------------------------------------------------------------------------


class StoreError(BridgeError):
    """Raised when the database fails in a way a retry will not fix (HTTP 500)."""

    code = "store_error"


class StoreUnavailable(StoreError):
    """Raised when the database is unreachable, locked or busy; retry later (HTTP 503)."""

    status = 503
    code = "store_unavailable"
    retryable = True

    def __init__(self, message: str = "", *, retry_after: int = 5) -> None:
        super().__init__(message or "The database is unavailable; try again later.")
        self.retry_after = retry_after


class LeaseLost(StoreError):
    """Raised when a worker tries to finish an inbox row whose lease another worker took."""

    status = 409
    code = "lease_lost"


class NotFound(BridgeError):
    """Raised when a requested record (inbox row, plan, outbox entry) does not exist (404)."""

    status = 404
    code = "not_found"


# --- mapping files -------------------------------------------------------------------------


class MappingError(BridgeError, ValueError):
    """Raised when files in the mappings folder are invalid; ``errors`` lists every problem.

    Each problem is a dict with ``file``, ``line``, ``field`` and ``message`` (HTTP 500,
    since a running bridge only loads mappings that were valid at start-up).
    """

    code = "mapping_error"


# --- Decidim API ---------------------------------------------------------------------------


class DecidimError(BridgeError):
    """Base for failures talking to Decidim's API (HTTP 502)."""

    status = 502
    code = "decidim_error"


class DecidimUnavailable(DecidimError):
    """Raised on connection failures, timeouts on reads and 5xx answers; retry later (503)."""

    status = 503
    code = "decidim_unavailable"
    retryable = True


class DecidimRateLimited(DecidimUnavailable):
    """Raised on HTTP 429 or when the local request budget is spent; wait for the window."""

    code = "decidim_rate_limited"

    def __init__(self, message: str = "", *, retry_after: float = 60.0) -> None:
        super().__init__(message or "Decidim's request budget is spent for this window.")
        self.retry_after = retry_after


class CircuitOpen(DecidimUnavailable):
    """Raised while the circuit breaker for a Decidim host is open; nothing was sent.

    ``retry_after`` is when to look again: the breaker lets a trial call through once its
    reset timeout has passed.
    """

    code = "decidim_circuit_open"

    def __init__(self, message: str = "", *, retry_after: float = 15.0) -> None:
        super().__init__(message or "Decidim is not called while its circuit breaker is open.")
        self.retry_after = retry_after


class AmbiguousWrite(DecidimError):
    """Raised when a mutation may or may not have been applied (read timeout, 5xx, reset).

    The writer must read Decidim before writing again.
    """

    code = "decidim_ambiguous_write"
    retryable = True


class DecidimAuthError(DecidimError):
    """Raised when sign-in fails or a fresh token is still refused (401/403)."""

    code = "decidim_auth_error"


class DecidimRejected(DecidimError):
    """Raised when Decidim refuses a request for good (4xx other than 401/429)."""

    code = "decidim_rejected"


class GraphQLError(DecidimError):
    """Raised when Decidim answers with an ``errors`` array.

    ``codes`` holds the ``extensions.code`` values (e.g. ``MUTATION_NOT_AUTHORIZED_ERROR``);
    their meaning comes from ``decidim.error_codes``: ``permanent`` when no retry will change
    the answer, ``permission_denied`` when the API user may not. ``retryable`` (worth an
    automatic retry soon) is what the raiser knows besides: a passing server problem on a
    query; never for a permanent code. An error that is neither may still pass later.
    ``data`` is whatever partial ``data`` came with the errors.
    """

    code = "decidim_graphql_error"

    def __init__(
        self,
        message: str,
        *,
        errors: Any = None,
        codes: Iterable[str] = (),
        retryable: bool = False,
        data: Any = None,
    ) -> None:
        super().__init__(message, errors=errors)
        self.codes = tuple(codes)
        self.retryable = retryable and not self.permanent
        self.data = data

    @property
    def permanent(self) -> bool:
        return bool(set(self.codes) & error_codes.PERMANENT)

    @property
    def permission_denied(self) -> bool:
        return bool(set(self.codes) & error_codes.PERMISSION)


class CapabilityMissing(DecidimError):
    """Raised when the Decidim instance does not offer a write path the bridge needs."""

    code = "decidim_capability_missing"


# --- mail ----------------------------------------------------------------------------------


class MailError(BridgeError):
    """Raised when a mail cannot be handed to the mail backend (HTTP 502)."""

    status = 502
    code = "mail_error"
    retryable = True


class MailRejected(MailError):
    """Raised when the SMTP server refuses a recipient or message for good."""

    code = "mail_rejected"
    retryable = False


class MailOutcomeUnknown(MailError):
    """Raised when the connection failed after the message was handed to the SMTP server.

    It may have been delivered; SMTP cannot be asked, so it is not sent again by itself.
    """

    code = "mail_outcome_unknown"
    retryable = False


# --- one-click links -----------------------------------------------------------------------


class LinkError(BridgeError):
    """Raised when a signed approval link is invalid, expired or already used (HTTP 403)."""

    status = 403
    code = "invalid_link"


def http_status_for(error: BaseException) -> int:
    """The HTTP status an exception maps to (500 for anything that is not ours)."""
    return error.status if isinstance(error, BridgeError) else 500
