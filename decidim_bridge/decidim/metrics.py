"""Prometheus metrics of the Decidim client (prefix ``bridge_decidim_``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

GRAPHQL_REQUESTS = Counter(
    "bridge_decidim_graphql_requests",
    "GraphQL requests to Decidim by operation and outcome (ok, graphql_error, rate_limited, "
    "unavailable, ambiguous, auth_error, rejected, circuit_open).",
    ["operation", "outcome"],
)
THROTTLED = Counter(
    "bridge_decidim_throttled",
    "Times a request had to wait or was refused for rate limits: reason=budget (our shared "
    "budget was spent) or reason=server (Decidim answered 429).",
    ["host", "reason"],
)
SIGN_INS = Counter(
    "bridge_decidim_sign_ins",
    "Sign-ins to Decidim's API by outcome (ok, refused, failed).",
    ["host", "outcome"],
)
CIRCUIT_STATE = Gauge(
    "bridge_decidim_circuit_state",
    "Circuit breaker per Decidim host: 0 closed, 1 half-open, 2 open.",
    ["host"],
    multiprocess_mode="livemax",
)
