from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.sandboxes.qbo_support import Qbo, StepClock, make_qbo
from tests.support.payloads import payload


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def qbo(clock: StepClock) -> Qbo:
    return make_qbo(clock)


def basic(qbo: Qbo, secret: str | None = None) -> dict[str, str]:
    pair = f"{qbo.info['client_id']}:{secret or qbo.info['client_secret']}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def token_call(qbo: Qbo, form: dict[str, str], secret: str | None = None):
    return qbo.client.post(
        "/oauth2/v1/tokens/bearer",
        data=form,
        headers={**basic(qbo, secret), "Accept": "application/json"},
    )


def test_refresh_answers_the_genuine_token_shape_and_a_new_refresh_token(qbo, shared):
    response = token_call(
        qbo, {"grant_type": "refresh_token", "refresh_token": qbo.info["refresh_token"]}
    )

    body = response.get_json()
    genuine = payload("qbo", "oauth2_token_response.json")
    assert response.status_code == 200
    assert set(body) == set(genuine) - {"id_token"}
    assert (body["token_type"], body["expires_in"]) == ("bearer", 3600)
    assert body["refresh_token"] != qbo.info["refresh_token"]


def test_a_used_refresh_token_is_refused_with_invalid_grant(qbo, shared):
    form = {"grant_type": "refresh_token", "refresh_token": qbo.info["refresh_token"]}
    token_call(qbo, form)

    response = token_call(qbo, form)

    assert response.status_code == 400
    assert set(response.get_json()) == set(payload("qbo", "oauth2_token_error_response.json"))
    assert response.get_json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_refused_with_invalid_client(qbo):
    form = {"grant_type": "refresh_token", "refresh_token": qbo.info["refresh_token"]}

    response = token_call(qbo, form, secret="wrong")

    assert (response.status_code, response.get_json()["error"]) == (401, "invalid_client")


def test_unknown_grant_type_is_refused(qbo):
    response = token_call(qbo, {"grant_type": "password"})

    assert response.get_json()["error"] == "unsupported_grant_type"


def test_refreshed_access_token_opens_the_api(qbo):
    form = {"grant_type": "refresh_token", "refresh_token": qbo.info["refresh_token"]}
    qbo.info["access_token"] = token_call(qbo, form).get_json()["access_token"]

    assert qbo.get("preferences").status_code == 200


def test_expired_access_token_answers_the_genuine_401(qbo, clock, shared):
    clock.advance(seconds=3600)

    response = qbo.get("preferences")

    genuine = payload("qbo", "error_401_authentication_failed.json")
    body = response.get_json()
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Intuit", error="invalid_token"'
    assert set(body) == set(genuine)
    error, expected = body["fault"]["error"][0], genuine["fault"]["error"][0]
    assert {**error, "detail": ""} == {**expected, "detail": ""}
    assert error["detail"].startswith("Token expired: ")


def test_call_without_a_token_answers_401(qbo):
    response = qbo.client.get(f"{qbo.base}/preferences")

    assert response.status_code == 401
    assert response.get_json()["fault"]["type"] == "AUTHENTICATION"


def test_another_realm_is_forbidden(qbo):
    response = qbo.client.get("/v3/company/1/preferences", headers=qbo.headers)

    assert response.status_code == 403


def test_authorization_code_flow_redirects_and_exchanges_once(qbo):
    redirect_uri = "https://backoffice.example/qbo/callback"
    consent = qbo.client.get(
        "/connect/oauth2",
        query_string={
            "client_id": qbo.info["client_id"],
            "response_type": "code",
            "scope": "com.intuit.quickbooks.accounting",
            "redirect_uri": redirect_uri,
            "state": "s1",
        },
    )
    location = urlsplit(consent.headers["Location"])
    params = {key: values[0] for key, values in parse_qs(location.query).items()}
    form = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": redirect_uri,
    }

    first = token_call(qbo, form)
    second = token_call(qbo, form)

    assert (params["state"], params["realmId"]) == ("s1", qbo.info["realm_id"])
    assert first.status_code == 200
    assert second.get_json()["error"] == "invalid_grant"


def test_discovery_document_points_at_this_server(qbo):
    document = qbo.client.get("/.well-known/openid_sandbox_configuration").get_json()

    assert document["token_endpoint"] == "http://localhost/oauth2/v1/tokens/bearer"
    assert document["authorization_endpoint"] == "http://localhost/connect/oauth2"
    assert document["revocation_endpoint"].startswith("http://localhost/")


def test_revoked_refresh_token_no_longer_refreshes(qbo):
    revoke = qbo.client.post(
        "/v2/oauth2/tokens/revoke", json={"token": qbo.info["refresh_token"]}, headers=basic(qbo)
    )

    refused = token_call(
        qbo, {"grant_type": "refresh_token", "refresh_token": qbo.info["refresh_token"]}
    )

    assert revoke.status_code == 200
    assert refused.get_json()["error"] == "invalid_grant"
