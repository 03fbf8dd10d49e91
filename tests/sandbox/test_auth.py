"""Sign-in, tokens and sign-out as Decidim's API sessions controller does them."""

from __future__ import annotations

import jwt
import pytest
from sandbox_support import FakeClock, gql, sign_in

from decidim_bridge.sandbox.auth import TokenIssuer, TokenRejected
from decidim_bridge.sandbox.settings import DEFAULT_API_KEY, DEFAULT_API_SECRET, SandboxConfig

SESSION = "{ session { user { id name nickname } } }"
NULL_BODY = {"id": None, "name": None, "nickname": None, "jwt_token": None, "avatar": None}


def test_sign_in_with_form_fields_returns_user_and_token_in_body_and_header(sbx):
    response = sbx.post(
        "/api/sign_in",
        data={"api_user[key]": DEFAULT_API_KEY, "api_user[secret]": DEFAULT_API_SECRET},
    )
    assert response.status_code == 200
    body = response.json
    assert body["id"] == 900
    assert body["name"] == "Initiatievenbureau Lindeburg"
    assert body["nickname"] == "initiatievenbureau"
    assert body["avatar"] is None
    assert response.headers["Authorization"] == f"Bearer {body['jwt_token']}"
    claims = jwt.decode(body["jwt_token"], options={"verify_signature": False})
    assert claims["sub"] == "900"
    assert claims["scp"] == "api_user"
    assert claims["exp"] - claims["iat"] == 120 * 60
    assert claims["jti"]


def test_sign_in_accepts_json_params(sbx):
    response = sbx.post(
        "/api/sign_in", json={"api_user": {"key": DEFAULT_API_KEY, "secret": DEFAULT_API_SECRET}}
    )
    assert response.status_code == 200
    assert response.json["jwt_token"]


@pytest.mark.parametrize(
    "form",
    [
        {"api_user[key]": DEFAULT_API_KEY, "api_user[secret]": "wrong"},
        {"api_user[key]": "unknown", "api_user[secret]": DEFAULT_API_SECRET},
        {"api_user[key]": DEFAULT_API_KEY},
        {},
    ],
)
def test_bad_credentials_get_401_with_the_all_null_body(sbx, form):
    response = sbx.post("/api/sign_in", data=form)
    assert response.status_code == 401
    assert response.json == NULL_BODY
    assert "Authorization" not in response.headers


def test_token_signs_the_api_user_in(sbx, token):
    response = gql(sbx, SESSION, token=token)
    assert response.status_code == 200
    assert response.json == {
        "data": {
            "session": {
                "user": {
                    "id": "900",
                    "name": "Initiatievenbureau Lindeburg",
                    "nickname": "@initiatievenbureau",
                }
            }
        }
    }


def test_without_token_the_caller_is_anonymous(sbx):
    response = gql(sbx, SESSION)
    assert response.status_code == 200
    assert response.json == {"data": {"session": None}}


def test_expired_token_gets_401(sbx, token, clock):
    clock.advance(120 * 60 + 1)
    response = gql(sbx, SESSION, token=token)
    assert response.status_code == 401
    assert response.json == {"error": "Signature has expired"}


@pytest.mark.parametrize("sandbox_config", [SandboxConfig(jwt_expires_in=30)])
def test_token_lifetime_is_configurable(sbx, token, clock):
    clock.advance(29)
    assert gql(sbx, SESSION, token=token).status_code == 200
    clock.advance(2)
    assert gql(sbx, SESSION, token=token).status_code == 401


def test_forged_and_malformed_tokens_get_401(sbx, token):
    forged = jwt.encode(
        jwt.decode(token, options={"verify_signature": False}),
        "another-key-of-at-least-32-bytes!",
        algorithm="HS256",
    )
    assert gql(sbx, SESSION, token=forged).status_code == 401
    response = gql(sbx, SESSION, token="not-a-jwt")
    assert response.status_code == 401
    assert response.json == {"error": "Invalid token"}


def test_sign_out_revokes_the_token(sbx, token):
    response = sbx.delete("/api/sign_out", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_data() == b""
    refused = gql(sbx, SESSION, token=token)
    assert refused.status_code == 401
    assert refused.json == {"error": "revoked token"}
    fresh = sign_in(sbx)
    assert gql(sbx, SESSION, token=fresh).status_code == 200


@pytest.mark.parametrize("sandbox_config", [SandboxConfig(force_api_authentication=True)])
def test_forced_authentication_refuses_anonymous_calls(sbx, token):
    response = gql(sbx, SESSION)
    assert response.status_code == 401
    assert response.json == {"error": "Access denied"}
    assert gql(sbx, SESSION, token=token).status_code == 200


def test_issuer_rejects_expired_revoked_and_foreign_tokens():
    clock = FakeClock()
    issuer = TokenIssuer("first-secret-of-at-least-32-bytes", expires_in=60, clock=clock)
    token, claims = issuer.issue(7)
    assert issuer.verify(token) == claims
    with pytest.raises(TokenRejected, match="Signature verification failed"):
        TokenIssuer("second-secret-of-at-least-32-bytes", clock=clock).verify(token)
    issuer.revoke(claims)
    assert issuer.revoked(claims.jti)
    with pytest.raises(TokenRejected, match="revoked token"):
        issuer.verify(token)
    other, _ = issuer.issue(7)
    clock.advance(60)
    with pytest.raises(TokenRejected, match="Signature has expired"):
        issuer.verify(other)
