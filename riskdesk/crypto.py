"""Encryption at rest for secrets (connector credentials, tokens).

Keys come from `RISKDESK_ENCRYPTION_KEYS` (comma-separated Fernet keys, newest
first). Values are encrypted with the first key and decrypted with any of
them, so a key is rotated by putting a new one in front, running
`manage.py rotate_secrets`, then dropping the old one.
"""

import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class EncryptedSecret:
    """For a model with `secret_encrypted` and `secret_fields`: its secret as a dict.

    Only the names of the keys set are kept in clear (`secret_fields`), for pages that
    say what is configured without showing it. `manage.py rotate_secrets` re-encrypts
    every model with a `secret_encrypted` field.
    """

    @property
    def secret(self) -> dict:
        return decrypt_json(self.secret_encrypted) if self.secret_encrypted else {}

    @secret.setter
    def secret(self, values: dict) -> None:
        self.secret_encrypted = encrypt_json(values)
        self.secret_fields = sorted(k for k, v in values.items() if v)


class SecretUnreadable(Exception):
    """The stored value was encrypted with a key that is no longer configured."""


def key_problem(key) -> str | None:
    """Why `key` is not a Fernet key (32 bytes in URL-safe base64), or None when it is."""
    try:
        Fernet(key)
    except (ValueError, TypeError) as exc:
        return str(exc) or type(exc).__name__
    return None


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "RISKDESK_ENCRYPTION_KEYS must hold Fernet keys "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.RISKDESK_ENCRYPTION_KEYS))


def encrypt_json(value) -> str:
    return fernet().encrypt(json.dumps(value).encode()).decode()


def decrypt_json(token: str):
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise SecretUnreadable("encrypted with a key that is not configured") from exc


def rotate(token: str) -> str:
    """The same value, encrypted again with the newest key."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("encrypted with a key that is not configured") from exc
