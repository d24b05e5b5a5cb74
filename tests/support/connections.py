"""Connections the tests of several packages add: the sandboxes' settings, the vault."""

from backoffice.secret import Secret
from backoffice.vault import Vault

QBO_INFO = {
    "base_url": "http://127.0.0.1:8001", "realm_id": "9130357766900000",
    "access_token": "access-token-value-1234", "refresh_token": "refresh-token-value-5678",
    "client_id": "client-id-abc", "client_secret": "client-secret-value-xyz",
    "webhook_verifier": "webhook-verifier-value-000",
}  # fmt: skip


NETSUITE_INFO = {
    "base_url": "http://127.0.0.1:8002", "account_id": "1234567_SB1",
    "consumer_key": "consumer-key-value-1", "consumer_secret": "consumer-secret-value-2",
    "token_id": "token-id-value-3", "token_secret": "token-secret-value-4",
}  # fmt: skip


def vault_of(runner):
    key = (runner.data_dir / "encryption_key").read_text().strip()
    return Vault(Secret(key))
