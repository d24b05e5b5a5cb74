"""Authentication: TBA signatures made by requests-oauthlib, and OAuth 2.0 client credentials."""

from __future__ import annotations

from urllib.parse import quote

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.sandboxes.netsuite_support import (
    RECORDS,
    SUITEQL,
    certificate_pem,
    make_netsuite,
)
from tests.support.payloads import payload

TOKEN = "/services/rest/auth/oauth2/v1/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture
def ns():
    return make_netsuite()


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_a_requests_oauthlib_signature_verifies(ns):
    response = ns.call("GET", f"{RECORDS}/subsidiary/1", params={"expandSubResources": "true"})

    assert response.status_code == 200


def test_a_tampered_signature_answers_the_invalid_login_body(ns, shared):
    path = f"{RECORDS}/subsidiary/1"
    header = ns.signed("GET", path, None, {})
    signature = header.rsplit('oauth_signature="', 1)[1].rstrip('"')
    tampered = header.replace(signature, quote("A" + signature[1:], safe=""))

    response = ns.client.get(path, headers={"Authorization": tampered})

    assert response.status_code == 401
    assert response.get_json() == payload("netsuite", "error_401_invalid_login.json", exact=True)


def test_a_query_parameter_not_signed_is_refused(ns):
    path = f"{RECORDS}/subsidiary/1"
    header = ns.signed("GET", path, None, {})

    response = ns.client.get(
        path, query_string={"expandSubResources": "true"}, headers={"Authorization": header}
    )

    assert response.status_code == 401


def test_no_authorization_is_refused(ns):
    assert ns.client.get(f"{RECORDS}/subsidiary/1").status_code == 401


def test_a_reused_nonce_is_refused(ns):
    path = f"{RECORDS}/subsidiary/1"
    header = ns.signed("GET", path, None, {})

    first = ns.client.get(path, headers={"Authorization": header})
    replayed = ns.client.get(path, headers={"Authorization": header})

    assert (first.status_code, replayed.status_code) == (200, 401)


def test_the_realm_must_be_the_account_id(ns):
    path = f"{RECORDS}/subsidiary/1"
    header = ns.signed("GET", path, None, {}).replace('realm="1234567_SB1"', 'realm="1234567-sb1"')

    assert ns.client.get(path, headers={"Authorization": header}).status_code == 401


def test_a_stale_timestamp_is_refused(ns):
    path = f"{RECORDS}/subsidiary/1"
    header = ns.signed("GET", path, None, {})
    ns.clock.advance(minutes=6)

    assert ns.client.get(path, headers={"Authorization": header}).status_code == 401


def token_form(ns, key, **overrides):
    now = int(ns.clock().timestamp())
    claims = {
        "iss": ns.info["consumer_key"],
        "scope": "restlets,rest_webservices",
        "aud": f"http://localhost{TOKEN}",
        "iat": now,
        "exp": now + 1800,
    }
    algorithm = overrides.pop("algorithm", "PS256")
    kid = overrides.pop("kid", "cert-1")
    claims.update(overrides)
    assertion = jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid, "typ": "JWT"})
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
    }


@pytest.fixture
def mapped(ns, key):
    response = ns.client.post(
        "/_sandbox/certificates",
        json={"certificate": certificate_pem(key), "certificate_id": "cert-1"},
    )
    assert response.status_code == 201
    assert response.get_json()["client_id"] == ns.info["consumer_key"]
    return ns


def test_client_credentials_trade_a_ps256_assertion_for_a_bearer_token(mapped, key):
    response = mapped.client.post(TOKEN, data=token_form(mapped, key))

    body = response.get_json()
    assert response.status_code == 200
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert (body["expires_in"], body["token_type"]) == ("3600", "Bearer")
    bearer = {"Authorization": f"Bearer {body['access_token']}", "Prefer": "transient"}
    query = mapped.client.post(SUITEQL, json={"q": "SELECT id FROM currency"}, headers=bearer)
    assert query.status_code == 200


def test_the_access_token_expires_after_an_hour(mapped, key):
    token = mapped.client.post(TOKEN, data=token_form(mapped, key)).get_json()["access_token"]
    mapped.clock.advance(minutes=61)

    response = mapped.client.get(
        f"{RECORDS}/subsidiary/1", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"algorithm": "RS256"}, "invalid_grant"),
        ({"kid": "unknown"}, "invalid_client"),
        ({"iss": "someone-else"}, "invalid_client"),
        ({"aud": "https://elsewhere.example/token"}, "invalid_grant"),
        ({"scope": "restlets"}, "invalid_scope"),
        ({"exp": 0}, "invalid_grant"),
    ],
)
def test_a_bad_assertion_is_refused(mapped, key, overrides, error):
    response = mapped.client.post(TOKEN, data=token_form(mapped, key, **overrides))

    assert response.status_code in (400, 401)
    assert response.get_json() == {"error": error}


def test_an_unknown_bearer_token_is_refused(ns):
    response = ns.client.get(f"{RECORDS}/subsidiary/1", headers={"Authorization": "Bearer nope"})

    assert response.status_code == 401
