"""Structure-aware fuzzing of the signature check and envelope parsing (hypothesis).

A grammar of envelopes (valid ones, then mutated: wrong types, extra keys, deep nesting,
numbers of any size, NaN, lone surrogates, control characters), of encodings (UTF-8,
UTF-16, Latin-1, truncated and random bytes) and of headers (valid signatures, truncated,
wrong scheme, odd timestamps, non-ASCII). The only exceptions allowed out of
``accept_delivery`` are the bridge's own ``WebhookError`` family; anything else (a
``RecursionError``, a ``ValueError`` from ``int()``, an ``AttributeError``) is a 500 in
production. Bounded by ``EXAMPLES`` (``DECIDIM_BRIDGE_FUZZ_EXAMPLES`` for longer runs).
"""

from __future__ import annotations

import json
import os
from typing import Any

from conftest import RESTFULL_SECRET, SECRET_KEY, envelope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decidim_bridge.errors import WebhookError
from decidim_bridge.intake.delivery import accept_delivery, parse_stored
from decidim_bridge.intake.signatures import sign_restfull, sign_standard

EXAMPLES = int(os.environ.get("DECIDIM_BRIDGE_FUZZ_EXAMPLES", "300"))
NOW = 1_900_000_000
KNOWN = frozenset({"decidim.events.proposals.proposal_published"})
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)

# --- values ---------------------------------------------------------------------------------

odd_text = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "\u2028", "\ufeff", "𝔡𝔢𝔠𝔦𝔡𝔦𝔪", " ", ""]),
)
odd_number = st.one_of(
    st.integers(),
    st.integers(min_value=10**50, max_value=10**120),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
scalars = st.one_of(st.none(), odd_text, odd_number)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(odd_text, children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def envelopes(draw: Any) -> Any:
    """A valid envelope with some fields replaced, removed or added."""
    body: dict[str, Any] = envelope(proposal_id=draw(st.integers(1, 10**6)))
    for _ in range(draw(st.integers(0, 4))):
        path = draw(
            st.sampled_from(
                [
                    ("type",),
                    ("occurred_at",),
                    ("organization",),
                    ("organization", "host"),
                    ("resource",),
                    ("resource", "id"),
                    ("resource", "type"),
                    ("component",),
                    ("component", "id"),
                    ("participatory_space",),
                    ("extra",),
                    ("extra", "commentable"),
                ]
            )
        )
        target = body
        for key in path[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        if draw(st.booleans()):
            target[path[-1]] = draw(json_values)
        else:
            target.pop(path[-1], None)
    return (
        draw(st.sampled_from([body, [body], body.get("resource"), "x", None]))
        if draw(st.integers(0, 9)) == 0
        else body
    )


def _deep(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@st.composite
def texts(draw: Any) -> str:
    """JSON text of an envelope, or an envelope with something spliced into its text."""
    base = json.dumps(draw(envelopes()), allow_nan=True)
    splice = draw(
        st.one_of(
            st.none(),
            st.integers(1, 3000).map(_deep),
            st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
            st.integers(1, 6000).map(lambda n: "9" * n),
            st.integers(1, 6000).map(lambda n: "1." + "5" * n + "e99999"),
            st.sampled_from(['"\\ud800"', '"\\udc00\\ud800"', "NaN", "-Infinity", '"\\u0000"']),
        )
    )
    if splice is None:
        return base
    return base.replace('"extra": {}', f'"extra": {{"x": {splice}}}', 1)


@st.composite
def bodies(draw: Any) -> bytes:
    text = draw(texts())
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-16", "latin-1", "raw"]))
    if encoding == "raw":
        return draw(st.binary(max_size=200))
    data = text.encode(encoding, errors="surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


@st.composite
def standard_headers(draw: Any, body: bytes) -> dict[str, str]:
    msg_id = draw(st.one_of(st.just("msg_1"), st.text(max_size=12)))
    timestamp = draw(
        st.one_of(
            st.just(str(NOW)),
            st.integers(-(10**15), 10**15).map(str),
            st.text(max_size=8),
        )
    )
    try:
        signature = sign_standard(msg_id, int(timestamp), body, SECRET_KEY)
    except (ValueError, OverflowError):
        signature = "v1,AAAA"
    signature = draw(
        st.one_of(
            st.just(signature),
            st.just(signature[:-3]),
            st.just("v1a," + signature[3:]),
            st.just(f"v2,x {signature}"),
            st.text(max_size=30),
        )
    )
    headers = {"webhook-id": msg_id, "webhook-timestamp": timestamp, "webhook-signature": signature}
    for name in draw(st.sets(st.sampled_from(sorted(headers)), max_size=1)):
        headers.pop(name)
    return headers


@st.composite
def restfull_headers(draw: Any, body: bytes) -> dict[str, str]:
    timestamp = draw(st.one_of(st.just(NOW), st.integers(-(10**6), 10**13)))
    signature = sign_restfull(timestamp, body, RESTFULL_SECRET) if timestamp >= 0 else "v1=00"
    signature = draw(st.one_of(st.just(signature), st.just(signature.upper()), st.text(max_size=9)))
    return {"X-Webhook-Timestamp": str(timestamp), "X-Webhook-Signature": signature}


def _accept(source: str, headers: dict[str, str], body: bytes) -> None:
    try:
        delivery = accept_delivery(
            source,
            headers,
            body,
            standard_secrets=(SECRET_KEY,),
            restfull_secret=RESTFULL_SECRET,
            tenant="localhost",
            known_types=KNOWN,
            now=NOW,
        )
    except WebhookError:
        return
    # What was accepted is storable text and parses again as the worker will parse it.
    delivery.body.encode("utf-8")
    json.dumps(delivery.event.extra, ensure_ascii=False).encode("utf-8")
    assert delivery.event.resource_id.encode("utf-8")
    parse_stored(source, delivery.body, tenant="localhost")


@FUZZ
@given(data=st.data())
def test_standard_webhooks_deliveries_fail_only_with_webhook_errors(data: Any) -> None:
    body = data.draw(bodies())
    _accept("decidim", data.draw(standard_headers(body)), body)


@FUZZ
@given(data=st.data())
def test_restfull_deliveries_fail_only_with_webhook_errors(data: Any) -> None:
    body = data.draw(bodies())
    _accept("rest-full", data.draw(restfull_headers(body)), body)
