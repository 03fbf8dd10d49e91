"""Rack::Attack's throttle: 100 requests per 60 s window per client IP, 429 "Retry later"."""

from __future__ import annotations

import pytest
from sandbox_support import FakeClock, gql

from decidim_bridge.sandbox.ratelimit import FixedWindowLimiter
from decidim_bridge.sandbox.settings import SandboxConfig

QUERY = "{ decidim { applicationName } }"


def test_limiter_counts_per_key_in_fixed_windows():
    clock = FakeClock(now=600.0)  # the start of a window
    limiter = FixedWindowLimiter(3, 60, clock=clock)
    assert [limiter.allow("10.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("10.0.0.2")
    clock.advance(59.9)
    assert not limiter.allow("10.0.0.1")
    clock.advance(0.1)  # next window: counters start again
    assert limiter.allow("10.0.0.1")


def test_limiter_refuses_bad_settings():
    with pytest.raises(ValueError):
        FixedWindowLimiter(0, 60)


def test_the_101st_request_in_a_window_gets_429_retry_later(sbx, clock):
    clock.now = 6000.0
    statuses = [gql(sbx, QUERY).status_code for _ in range(100)]
    assert statuses == [200] * 100
    refused = gql(sbx, QUERY)
    assert refused.status_code == 429
    assert refused.get_data() == b"Retry later\n"
    assert refused.mimetype == "text/plain"
    assert "Retry-After" not in refused.headers
    clock.advance(60)
    assert gql(sbx, QUERY).status_code == 200


@pytest.mark.parametrize("sandbox_config", [SandboxConfig(rate_limit=2)])
def test_sign_in_counts_but_control_endpoints_do_not(sbx, clock, state):
    clock.now = 6000.0
    assert sbx.post("/api/sign_in", data={}).status_code == 401
    for _ in range(5):
        assert sbx.get("/_sandbox/health").status_code == 200
    assert gql(sbx, QUERY).status_code == 200
    assert gql(sbx, QUERY).status_code == 429
    assert state.journal.count(outcome="rate_limited") == 1
