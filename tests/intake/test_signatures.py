"""Tests for decidim_bridge.intake.signatures (pure: bytes, headers and a clock in)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from decidim_bridge.config import decode_whsec
from decidim_bridge.errors import SignatureError
from decidim_bridge.intake.signatures import (
    sign_restfull,
    sign_standard,
    verify_restfull,
    verify_standard,
)

VECTORS = json.loads(
    (Path(__file__).parent.parent / "data/webhooks/standard-webhooks-vectors.json").read_text()
)["vectors"]
KEY = b"k" * 32
OTHER_KEY = b"o" * 32
NOW = 1_800_000_000


def headers_for(body: bytes, *, msg_id: str = "msg_1", ts: int = NOW, key: bytes = KEY) -> dict:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign_standard(msg_id, ts, body, key),
    }


class TestOfficialVectors:
    @pytest.mark.parametrize("vector", VECTORS, ids=lambda v: str(v["timestamp"]))
    def test_sign_matches_vector(self, vector):
        key = decode_whsec(vector["secret"])
        body = vector["body"].encode()
        assert sign_standard(vector["id"], vector["timestamp"], body, key) == vector["signature"]

    @pytest.mark.parametrize("vector", VECTORS, ids=lambda v: str(v["timestamp"]))
    def test_verify_accepts_vector(self, vector):
        headers = {
            "webhook-id": vector["id"],
            "webhook-timestamp": str(vector["timestamp"]),
            "webhook-signature": vector["signature"],
        }
        key = decode_whsec(vector["secret"])
        msg_id = verify_standard(
            headers, vector["body"].encode(), [key], now=vector["timestamp"] + 10
        )
        assert msg_id == vector["id"]

    def test_reference_library_agrees(self):
        """The standardwebhooks reference signer and our verifier accept each other."""
        secret = "whsec_" + base64.b64encode(KEY).decode()
        body = b'{"type": "x.y"}'
        stamp = datetime.fromtimestamp(NOW, UTC)
        signature = Webhook(secret).sign("msg_ref", stamp, body.decode())
        headers = {
            "webhook-id": "msg_ref",
            "webhook-timestamp": str(NOW),
            "webhook-signature": signature,
        }
        assert verify_standard(headers, body, [KEY], now=NOW) == "msg_ref"
        assert signature == sign_standard("msg_ref", NOW, body, KEY)


class TestVerifyStandard:
    body = b'{"type": "decidim.events.proposals.proposal_published"}'

    def test_valid(self):
        assert verify_standard(headers_for(self.body), self.body, [KEY], now=NOW) == "msg_1"

    def test_one_of_several_signatures_matches(self):
        good = sign_standard("msg_1", NOW, self.body, KEY)
        bad = sign_standard("msg_1", NOW, self.body, OTHER_KEY)
        headers = {**headers_for(self.body), "webhook-signature": f"{bad} v2,abc {good}"}
        assert verify_standard(headers, self.body, [KEY], now=NOW) == "msg_1"

    def test_rotation_any_configured_secret(self):
        headers = headers_for(self.body, key=OTHER_KEY)
        assert verify_standard(headers, self.body, [KEY, OTHER_KEY], now=NOW) == "msg_1"
        with pytest.raises(SignatureError):
            verify_standard(headers, self.body, [KEY], now=NOW)

    def test_mixed_case_header_names(self):
        headers = {k.title(): v for k, v in headers_for(self.body).items()}
        assert verify_standard(headers, self.body, [KEY], now=NOW) == "msg_1"

    def test_tolerance_edges(self):
        assert verify_standard(headers_for(self.body, ts=NOW - 300), self.body, [KEY], now=NOW)
        assert verify_standard(headers_for(self.body, ts=NOW + 300), self.body, [KEY], now=NOW)

    @pytest.mark.parametrize(
        ("change", "reason"),
        [
            ({"webhook-id": None}, "missing-header"),
            ({"webhook-timestamp": None}, "missing-header"),
            ({"webhook-signature": None}, "missing-header"),
            ({"webhook-timestamp": "1800000000.5"}, "bad-timestamp"),
            ({"webhook-timestamp": "nan"}, "bad-timestamp"),
            ({"webhook-timestamp": "-5"}, "bad-timestamp"),
            ({"webhook-timestamp": ""}, "bad-timestamp"),
            ({"webhook-timestamp": str(NOW - 301)}, "stale-timestamp"),
            ({"webhook-timestamp": str(NOW + 301)}, "future-timestamp"),
            ({"webhook-signature": "garbage"}, "no-matching-signature"),
            ({"webhook-signature": "v1a,abcd"}, "no-matching-signature"),
            ({"webhook-signature": "v2,abcd"}, "no-matching-signature"),
            ({"webhook-signature": "v1,"}, "no-matching-signature"),
            ({"webhook-signature": "v1,é"}, "no-matching-signature"),
            ({"webhook-id": "msg.1"}, "bad-id"),
            ({"webhook-id": "msg 1"}, "bad-id"),
        ],
    )
    def test_rejects(self, change, reason):
        headers = headers_for(self.body)
        for key, value in change.items():
            if value is None:
                headers.pop(key)
            else:
                headers[key] = value
        with pytest.raises(SignatureError) as info:
            verify_standard(headers, self.body, [KEY], now=NOW)
        assert info.value.reason == reason
        assert info.value.status == 401

    def test_double_space_between_entries_is_tolerated(self):
        good = sign_standard("msg_1", NOW, self.body, KEY)
        headers = {**headers_for(self.body), "webhook-signature": f"v1,xyz  {good}"}
        assert verify_standard(headers, self.body, [KEY], now=NOW) == "msg_1"

    def test_tampered_body(self):
        with pytest.raises(SignatureError):
            verify_standard(headers_for(self.body), self.body + b" ", [KEY], now=NOW)

    def test_signature_is_over_raw_bytes_not_reserialized_json(self):
        body = b'{"b":1,  "a":2}'
        reserialized = json.dumps(json.loads(body)).encode()
        with pytest.raises(SignatureError):
            verify_standard(headers_for(body), reserialized, [KEY], now=NOW)

    def test_non_utf8_body_verifies_on_bytes(self):
        body = b"\xff\xfe not utf-8"
        assert verify_standard(headers_for(body), body, [KEY], now=NOW) == "msg_1"

    def test_no_secret_configured(self):
        with pytest.raises(SignatureError) as info:
            verify_standard(headers_for(self.body), self.body, [], now=NOW)
        assert info.value.reason == "no-secret-configured"

    def test_secret_with_and_without_prefix_decode_the_same(self):
        raw = base64.b64encode(KEY).decode()
        assert decode_whsec("whsec_" + raw) == decode_whsec(raw) == KEY


class TestRestFull:
    secret = "a3f1c2e4b5d6978877665544332211ffeeddccbbaa99887766554433221100ff"
    body = b'{"type":"proposal_creation.succeeded","data":{"id":"5","type":"proposal"}}'

    def expected(self, ts: int) -> str:
        """Computed here independently: hex HMAC-SHA256 of "timestamp.body"."""
        mac = hmac.new(self.secret.encode(), str(ts).encode() + b"." + self.body, hashlib.sha256)
        return "v1=" + mac.hexdigest()

    def test_sign_matches_independent_computation(self):
        assert sign_restfull(NOW, self.body, self.secret) == self.expected(NOW)

    def test_valid(self):
        headers = {"X-Webhook-Timestamp": str(NOW), "X-Webhook-Signature": self.expected(NOW)}
        assert verify_restfull(headers, self.body, self.secret, now=NOW) == NOW

    def test_uppercase_hex_accepted(self):
        headers = {
            "X-Webhook-Timestamp": str(NOW),
            "X-Webhook-Signature": "v1=" + self.expected(NOW)[3:].upper(),
        }
        assert verify_restfull(headers, self.body, self.secret, now=NOW) == NOW

    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"X-Webhook-Timestamp": str(NOW)},
            {"X-Webhook-Timestamp": str(NOW), "X-Webhook-Signature": "v1=00"},
            {"X-Webhook-Timestamp": str(NOW), "X-Webhook-Signature": "sha256=abc"},
            {"X-Webhook-Timestamp": str(NOW - 400), "X-Webhook-Signature": "v1=" + "0" * 64},
            {"X-Webhook-Timestamp": "12.5", "X-Webhook-Signature": "v1=" + "0" * 64},
        ],
    )
    def test_rejects(self, headers):
        with pytest.raises(SignatureError):
            verify_restfull(headers, self.body, self.secret, now=NOW)

    def test_stale_signature_of_right_secret_rejected(self):
        old = NOW - 301
        headers = {"X-Webhook-Timestamp": str(old), "X-Webhook-Signature": self.expected(old)}
        with pytest.raises(SignatureError) as info:
            verify_restfull(headers, self.body, self.secret, now=NOW)
        assert info.value.reason == "stale-timestamp"
