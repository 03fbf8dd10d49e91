"""Sign-in to Decidim's API with an API key and secret, and the JWT it returns.

Decidim (0.31+, decidim-api sessions controller) answers ``POST /api/sign_in`` with the
token in the ``Authorization: Bearer`` response header and, for clients that drop headers,
as ``jwt_token`` in the JSON body. Tokens last ``DECIDIM_API_JWT_EXPIRES_IN`` minutes (120 by
default). The bridge reads ``exp`` without verifying the signature (it does not know the
server's secret and does not need to): only to sign in again shortly before expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt

#: Sign in again this many seconds before the token's ``exp``.
RENEW_MARGIN_SECONDS = 60.0


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float | None  # epoch seconds; None when the token carries no readable exp

    def usable(self, now: float, margin: float = RENEW_MARGIN_SECONDS) -> bool:
        return self.expires_at is None or now < self.expires_at - margin


def sign_in_form(api_key: str, api_secret: str) -> dict[str, str]:
    """The form fields of the sign-in request (Devise's ``api_user`` scope)."""
    return {"api_user[key]": api_key, "api_user[secret]": api_secret}


def token_expiry(value: str) -> float | None:
    """The ``exp`` claim of a JWT, read without verification; None if unreadable."""
    try:
        claims = jwt.decode(value, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) else None


def token_from_response(headers: Any, body: Any) -> Token | None:
    """The token of a successful sign-in: header first, else ``jwt_token`` in the body."""
    value: str | None = None
    header = headers.get("Authorization") if headers is not None else None
    if isinstance(header, str) and header.lower().startswith("bearer "):
        value = header[7:].strip() or None
    if value is None and isinstance(body, dict):
        candidate = body.get("jwt_token")
        if isinstance(candidate, str) and candidate.strip():
            value = candidate.strip()
    if value is None:
        return None
    return Token(value=value, expires_at=token_expiry(value))
