"""Encrypting secrets at rest: OAuth tokens, client secrets, TBA keys.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with the service's
encryption key (``BACKOFFICE_ENCRYPTION_KEY`` or the key file in the data
dir). What comes out of the vault is a ``Secret``, so it masks itself in logs
and reprs; a wrong key is an error that says which key to restore.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken

from backoffice.errors import NeedsUserAction
from backoffice.logs import register_secret
from backoffice.secret import Secret


class Vault:
    """Encrypts and decrypts JSON objects of secret strings."""

    def __init__(self, key: Secret) -> None:
        try:
            self._fernet = Fernet(key.reveal().encode())
        except ValueError as error:  # binascii.Error is one
            raise NeedsUserAction(
                "bad_encryption_key",
                "The encryption key is not a valid key: it must be 32 bytes in url-safe "
                "base64 (44 characters ending in '=').",
                "Restore the BACKOFFICE_ENCRYPTION_KEY (or the data dir's encryption_key file) "
                "the stored credentials were saved with; for a new installation, unset it and a "
                "key is generated into the data dir.",
            ) from error

    def seal(self, secrets: dict[str, Secret]) -> str:
        """The secrets as one encrypted token, safe to store."""
        plain = json.dumps({name: value.reveal() for name, value in secrets.items()})
        return self._fernet.encrypt(plain.encode()).decode()

    def open(self, token: str) -> dict[str, Secret]:
        """The secrets sealed in ``token``; each is registered for log redaction."""
        try:
            plain = self._fernet.decrypt(token.encode())
        except InvalidToken as error:
            raise NeedsUserAction(
                "wrong_encryption_key",
                "The stored credentials cannot be decrypted with this encryption key.",
                "Restore the BACKOFFICE_ENCRYPTION_KEY (or the data dir's encryption_key file) "
                "they were saved with, or add the connection again.",
            ) from error
        secrets = {name: Secret(value) for name, value in json.loads(plain).items()}
        for secret in secrets.values():
            register_secret(secret)
        return secrets
