"""Tests for decidim_bridge.intake.envelope.decode_json: what a body that is no JSON becomes."""

from __future__ import annotations

import pytest

from decidim_bridge.errors import MalformedPayload
from decidim_bridge.intake.envelope import decode_json


def test_a_json_object_is_decoded() -> None:
    assert decode_json(b'{"type": "x", "id": 7}') == {"type": "x", "id": 7}


def test_a_syntax_error_names_the_line() -> None:
    with pytest.raises(MalformedPayload, match="at line 2"):
        decode_json(b'{"type":\n  x}')


def test_non_utf8_is_malformed() -> None:
    with pytest.raises(MalformedPayload, match="UTF-8"):
        decode_json(b'{"title": "caf\xe9"}')


def test_a_number_python_will_not_read_is_malformed_not_a_crash() -> None:
    with pytest.raises(MalformedPayload, match="number of more than 100 digits"):
        decode_json(b'{"id": ' + b"1" * 5000 + b"}")
