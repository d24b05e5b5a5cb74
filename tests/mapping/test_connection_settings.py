"""Typed connection settings: the JSON stored by every kind of connection reads back unchanged."""

import json

import pytest

from mapping.connection_settings import (
    CompanyFacts,
    NetSuiteAuth,
    NetSuiteSettings,
    QboSettings,
    settings_from_json,
    settings_to_json,
    with_company,
)

CHECKED = {"company_name": "Acme Staffing", "home_currency": "USD", "multicurrency": False}
STORED = {
    "qbo sandbox": ("qbo", {"base_url": "http://127.0.0.1:8001", "client_id": "client-id-abc",
                            "environment": "local-sandbox", "realm_id": "9130357766900000",
                            "redirect_uri": "http://127.0.0.1/qbo/callback"}),
    "qbo before consent": ("qbo", {"client_id": "abc", "environment": "production",
                                   "redirect_uri": "https://bo.example/callback"}),
    "qbo connected and checked": ("qbo", {"client_id": "abc", "environment": "sandbox",
                                          "realm_id": "4620816365",
                                          "redirect_uri": "https://bo.example/callback",
                                          **CHECKED}),
    "netsuite sandbox": ("netsuite", {"account_id": "1234567_SB1", "auth": "tba",
                                      "base_url": "http://127.0.0.1:8002"}),
    "netsuite tba": ("netsuite", {"account_id": "1234567", "auth": "tba", **CHECKED}),
    "netsuite oauth2": ("netsuite", {"account_id": "1234567_SB1", "auth": "oauth2",
                                     "certificate_id": "cert-9", "client_id": "client-1"}),
    "netsuite with a concurrency cap": ("netsuite", {"account_id": "1", "auth": "tba",
                                                     "concurrency": 15}),
    "tax code per line": ("qbo", {"client_id": "abc", "environment": "production",
                                  "redirect_uri": "https://x", "tax_code_per_line": True}),
}  # fmt: skip


@pytest.mark.parametrize(("family", "stored"), STORED.values(), ids=STORED.keys())
def test_stored_settings_are_written_back_exactly_as_they_were_stored(family, stored):
    text = json.dumps(stored, sort_keys=True)

    assert settings_to_json(settings_from_json(family, text)) == text


def test_qbo_settings_read_their_keys():
    family, stored = STORED["qbo connected and checked"]

    settings = settings_from_json(family, json.dumps(stored))

    assert settings == QboSettings(
        client_id="abc", redirect_uri="https://bo.example/callback", environment="sandbox",
        realm_id="4620816365", company=CompanyFacts("Acme Staffing", "USD", False),
    )  # fmt: skip
    assert not settings.is_local_sandbox


def test_netsuite_settings_without_an_auth_key_sign_with_tba():
    settings = settings_from_json("netsuite", '{"account_id": "1234567"}')

    assert settings == NetSuiteSettings("1234567", NetSuiteAuth.TBA)


def test_a_check_adds_the_company_facts_and_keeps_the_rest():
    before = NetSuiteSettings("1234567_SB1", NetSuiteAuth.OAUTH2, "client-1", "cert-9")

    after = with_company(before, CompanyFacts("Parent Co", "EUR", True))

    assert json.loads(settings_to_json(after)) == {
        "account_id": "1234567_SB1", "auth": "oauth2", "client_id": "client-1",
        "certificate_id": "cert-9", "company_name": "Parent Co", "home_currency": "EUR",
        "multicurrency": True,
    }  # fmt: skip


def test_an_unchecked_connection_has_no_company_facts():
    settings = settings_from_json("qbo", json.dumps(STORED["qbo before consent"][1]))

    assert settings.company is None
    assert settings.remote_account_id == ""
