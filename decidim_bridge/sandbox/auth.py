"""API sign-in tokens as Decidim (devise-jwt) issues them: HS256 JWTs with a denylist.

Claims follow devise-jwt: ``sub`` (the API user's id), ``scp`` (``api_user``), ``aud``
(``X-Jwt-Aud`` header, usually null), ``iat``, ``exp`` and ``jti``. Sign-out puts the ``jti`` in
a denylist until the token would have expired anyway. Expiry is checked against the injected
clock, so tests can move time instead of sleeping.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

DEFAULT_EXPIRES_IN = 120 * 60  # DECIDIM_API_JWT_EXPIRES_IN default: 120 minutes
SCOPE = "api_user"


class TokenRejected(Exception):
    """The bearer token cannot be used; ``reason`` is what devise-jwt would say."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Claims:
    sub: str
    jti: str
    iat: int
    exp: int
    aud: str | None = None


class TokenIssuer:
    """Issues, verifies and revokes the JWTs of one sandbox."""

    def __init__(
        self,
        secret: str | None = None,
        *,
        expires_in: float = DEFAULT_EXPIRES_IN,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if secret is not None and len(secret.encode()) < 32:
            raise ValueError("the JWT secret must be at least 32 bytes (HS256)")
        self._secret = secret or secrets.token_hex(32)
        self.expires_in = expires_in
        self.clock = clock
        self._lock = threading.Lock()
        self._denylist: dict[str, int] = {}

    def issue(self, user_id: int, *, audience: str | None = None) -> tuple[str, Claims]:
        now = int(self.clock())
        claims = Claims(
            sub=str(user_id),
            jti=str(uuid.uuid4()),
            iat=now,
            exp=now + max(1, int(self.expires_in)),
            aud=audience,
        )
        payload: dict[str, Any] = {
            "sub": claims.sub,
            "scp": SCOPE,
            "aud": claims.aud,
            "iat": claims.iat,
            "exp": claims.exp,
            "jti": claims.jti,
        }
        return jwt.encode(payload, self._secret, algorithm="HS256"), claims

    def verify(self, token: str) -> Claims:
        """The token's claims; ``TokenRejected`` when malformed, forged, expired or revoked."""
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_aud": False, "verify_iat": False},
            )
        except jwt.InvalidSignatureError as exc:
            raise TokenRejected("Signature verification failed") from exc
        except jwt.PyJWTError as exc:
            raise TokenRejected("Invalid token") from exc
        try:
            claims = Claims(
                sub=str(payload["sub"]),
                jti=str(payload["jti"]),
                iat=int(payload["iat"]),
                exp=int(payload["exp"]),
                aud=payload.get("aud"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TokenRejected("Invalid token") from exc
        if claims.exp <= self.clock():
            raise TokenRejected("Signature has expired")
        with self._lock:
            if claims.jti in self._denylist:
                raise TokenRejected("revoked token")
        return claims

    def revoke(self, claims: Claims) -> None:
        with self._lock:
            now = self.clock()
            self._denylist = {j: e for j, e in self._denylist.items() if e > now}
            self._denylist[claims.jti] = claims.exp

    def revoked(self, jti: str) -> bool:
        with self._lock:
            return jti in self._denylist
