"""What the writer does after a failed write: one pure decision per exception.

The exception already says what happened: the Decidim transport and the mail backends raise
the classes of ``decidim_bridge.errors`` with their meaning set (``retry_after``,
``retryable``, ``GraphQLError.permanent`` from ``decidim.error_codes``). This module only
turns that into the writer's next step, so the table of outcomes can be tested without a
database or a network:

- ``wait``: Decidim asked to wait (429, spent budget, open circuit breaker); every Decidim
  write pauses until then and the attempt does not count.
- ``ambiguous``: a mutation may have been applied; Decidim is read back before writing again.
- ``retry``: try again after a jittered backoff; Decidim being down or refusing the API user
  also pauses Decidim writes for a while, but is never dead-lettered.
- ``dead``: no retry will help (a permanent refusal, a mail whose hand-over may have
  happened) or the attempts are spent; a person decides (``decidim-bridge outbox retry``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

from decidim_bridge.backoff import backoff_delay
from decidim_bridge.config import Settings
from decidim_bridge.errors import (
    AmbiguousWrite,
    BridgeError,
    CircuitOpen,
    DecidimAuthError,
    DecidimRateLimited,
    DecidimUnavailable,
    MailError,
)

WAIT = "wait"
AMBIGUOUS = "ambiguous"
RETRY = "retry"
DEAD = "dead"

#: Backoff ceiling while Decidim is down or refuses the API user (it may come back soon).
HOST_BACKOFF_CAP = 300.0
#: Longest pause of every Decidim write after one such failure.
HOST_PAUSE_CAP = 60.0
#: Backoff ceiling for a mail server that did not take the message.
MAIL_BACKOFF_CAP = 900.0


class Attempted(Protocol):
    """What the decision needs of an outbox row."""

    @property
    def attempts(self) -> int: ...

    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class RetryPolicy:
    """The limits the decision works with (from ``Settings``)."""

    max_attempts: int
    backoff_base: float
    backoff_max: float
    reconcile_delay: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_attempts=settings.worker_max_attempts,
            backoff_base=settings.worker_backoff_base,
            backoff_max=settings.worker_backoff_max,
            reconcile_delay=settings.reconcile_delay,
        )


@dataclass(frozen=True)
class Failure:
    """The writer's next step for one failed row."""

    action: str  # wait | ambiguous | retry | dead (also the outcome label of bridge_writes)
    reason: str
    delay: float = 0.0  # seconds from now until the row is due again
    pause_decidim: float = 0.0  # seconds every Decidim write waits (0: none)
    applied_unknown: bool = False  # read Decidim back before the next attempt
    undo_attempt: bool = False  # the attempt does not count (nothing was sent)
    unexpected: bool = False  # not one of the bridge's errors: log the traceback

    @property
    def dead(self) -> bool:
        return self.action == DEAD


def classify_failure(
    exc: BaseException,
    row: Attempted,
    policy: RetryPolicy,
    *,
    rng: random.Random | None = None,
) -> Failure:
    """The next step after ``exc`` ended an attempt at ``row``."""
    unknown = row.status == "in_flight"  # an earlier attempt's outcome was already unknown

    def backoff(cap: float | None = None) -> float:
        limit = policy.backoff_max if cap is None else cap
        return backoff_delay(max(1, row.attempts), base=policy.backoff_base, cap=limit, rng=rng)

    if isinstance(exc, DecidimRateLimited | CircuitOpen):
        return Failure(
            WAIT,
            f"Decidim asked to wait {exc.retry_after:.0f} s",
            delay=exc.retry_after,
            pause_decidim=exc.retry_after,
            applied_unknown=unknown,
            undo_attempt=True,
        )
    if isinstance(exc, AmbiguousWrite):
        return Failure(
            AMBIGUOUS,
            "the write may have been applied; Decidim is read back first",
            delay=policy.reconcile_delay,
            applied_unknown=True,
        )
    if isinstance(exc, DecidimUnavailable | DecidimAuthError):
        delay = backoff(HOST_BACKOFF_CAP)
        return Failure(
            RETRY,
            "Decidim is unavailable or refuses the API user",
            delay=delay,
            pause_decidim=min(delay, HOST_PAUSE_CAP),
            applied_unknown=unknown,
        )
    if isinstance(exc, MailError) and exc.retryable:
        return Failure(
            RETRY, "the mail server did not take the message", delay=backoff(MAIL_BACKOFF_CAP)
        )
    if isinstance(exc, BridgeError) and exc.permanent:
        codes = getattr(exc, "codes", ())
        reason = f"permanent: {exc.code}" + (f" ({', '.join(codes)})" if codes else "")
        return Failure(DEAD, reason)
    unexpected = not isinstance(exc, BridgeError)
    if row.attempts >= policy.max_attempts:
        return Failure(DEAD, f"gave up after {row.attempts} attempts", unexpected=unexpected)
    return Failure(
        RETRY,
        "a retry may succeed",
        delay=backoff(),
        applied_unknown=unknown,
        unexpected=unexpected,
    )
