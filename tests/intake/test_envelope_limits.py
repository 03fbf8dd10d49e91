"""Bodies that once made the intake fail with a 500: each is a 400 now, from ``decode_json``.

Deep nesting (``RecursionError`` in the JSON parser), integers beyond Python's 4,300-digit
conversion limit (a ``ValueError`` without ``.msg``) and lone surrogates (which no database
driver can encode) are invalid text like any other.
"""

from __future__ import annotations

import json

import pytest
from conftest import dumps, envelope, standard_headers

from decidim_bridge.errors import MalformedPayload
from decidim_bridge.intake.envelope import MAX_DEPTH, MAX_NUMBER_DIGITS, decode_json


def nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


class TestDecodeJson:
    def test_nesting_at_the_limit_is_accepted(self):
        assert decode_json(nested(MAX_DEPTH)) is not None

    @pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
    def test_deeper_nesting_is_malformed(self, depth):
        with pytest.raises(MalformedPayload, match="nested"):
            decode_json(nested(depth))

    def test_brackets_inside_strings_do_not_count(self):
        text = json.dumps({"a": "[" * 5_000, "b": '\\"{' * 1_000})
        assert decode_json(text.encode())["a"] == "[" * 5_000

    def test_huge_integer_is_malformed_not_a_crash(self):
        with pytest.raises(MalformedPayload, match="number"):
            decode_json(b'{"n": ' + b"9" * 5_000 + b"}")

    def test_long_integer_below_the_limit_is_kept(self):
        assert decode_json(b'{"n": ' + b"9" * MAX_NUMBER_DIGITS + b"}")["n"] > 0

    def test_huge_float_mantissa_is_malformed(self):
        with pytest.raises(MalformedPayload, match="number"):
            decode_json(b'{"n": 1.' + b"5" * 5_000 + b"}")

    @pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
    def test_non_json_constants_are_malformed(self, constant):
        with pytest.raises(MalformedPayload):
            decode_json(b'{"n": ' + constant + b"}")

    @pytest.mark.parametrize(
        "text", ['"\\ud800"', '{"a": "x\\udfff"}', '{"\\udc00": 1}', '["\\ud83d"]']
    )
    def test_lone_surrogates_are_malformed(self, text):
        with pytest.raises(MalformedPayload, match="surrogate"):
            decode_json(text.encode())

    def test_a_surrogate_pair_is_one_character(self):
        assert decode_json(b'"\\ud83d\\ude00"') == "\U0001f600"


def post(client, payload_bytes: bytes):
    return client.post(
        "/webhooks/decidim", data=payload_bytes, headers=standard_headers(payload_bytes)
    )


class TestNoServerError:
    """Signed bodies that reached the store or crashed the view before."""

    def test_deep_nesting_in_extra(self, client):
        body = dumps(envelope()).replace(b'"extra": {}', b'"extra": {"a": ' + nested(1_000) + b"}")
        response = post(client, body)
        assert response.status_code == 400
        assert response.json["code"] == "malformed_payload"

    def test_huge_integer_id(self, client):
        body = dumps(envelope()).replace(b'"id": 42', b'"id": ' + b"7" * 4_400)
        response = post(client, body)
        assert response.status_code == 400

    @pytest.mark.parametrize("where", ["resource_id", "extra"])
    def test_lone_surrogate(self, client, app, where):
        payload = (
            envelope(proposal_id="\ud800")
            if where == "resource_id"
            else envelope(extra={"note": "a\udfffb"})
        )
        body = json.dumps(payload).encode()  # json.dumps escapes the surrogate as \udXXX
        response = post(client, body)
        assert response.status_code == 400
        with app.extensions["bridge"].db.read() as conn:
            from decidim_bridge.store import inbox

            assert inbox.list_rows(conn, limit=10) == []
