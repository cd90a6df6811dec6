"""Secrets at rest: a tracker's token is sealed with a key derived from the server's secret key.

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) under a key that HKDF derives from the
secret key for this one purpose, so the key that signs cookies never encrypts anything itself. A
token is sealed once, when the RTE gives it, and opened only to call the tracker: no page, answer,
export, log line or error ever holds it again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PURPOSE = b"piboard tracker tokens v1"


class SealBroken(Exception):
    """A sealed value that this server's secret key cannot open (the key changed since)."""


class Secret:
    """A token in memory: its value is asked for by name, never shown by ``str`` or ``repr``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


class Sealer:
    def __init__(self, secret_key: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
            secret_key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, secret: Secret) -> bytes:
        return self._fernet.encrypt(secret.reveal().encode())

    def open(self, sealed: bytes) -> Secret:
        try:
            return Secret(self._fernet.decrypt(sealed).decode())
        except InvalidToken:
            raise SealBroken(
                "the stored token cannot be read with this server's secret key; enter it again on Admin"
            ) from None
