from __future__ import annotations

import pytest

from adapters.netsuite.hosts import api_base, host_of, realm_of, token_endpoint


@pytest.mark.parametrize(
    ("account_id", "realm", "host"),
    [
        ("1234567_SB1", "1234567_SB1", "https://1234567-sb1.suitetalk.api.netsuite.com"),
        ("1234567-sb1", "1234567_SB1", "https://1234567-sb1.suitetalk.api.netsuite.com"),
        ("1234567", "1234567", "https://1234567.suitetalk.api.netsuite.com"),
        ("tstdrv123456", "TSTDRV123456", "https://tstdrv123456.suitetalk.api.netsuite.com"),
        (" 123456_RP ", "123456_RP", "https://123456-rp.suitetalk.api.netsuite.com"),
    ],
)
def test_account_id_gives_realm_upper_underscore_and_host_lower_hyphen(
    account_id: str, realm: str, host: str
) -> None:
    assert realm_of(account_id) == realm
    assert host_of(account_id) == host


def test_base_url_override_replaces_the_host_and_keeps_the_api_paths() -> None:
    assert api_base("1234567_SB1", "http://127.0.0.1:8766/") == "http://127.0.0.1:8766"
    assert token_endpoint("1234567_SB1", "http://127.0.0.1:8766") == (
        "http://127.0.0.1:8766/services/rest/auth/oauth2/v1/token"
    )


def test_token_endpoint_is_on_the_account_host() -> None:
    assert token_endpoint("1234567_SB1") == (
        "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
    )
