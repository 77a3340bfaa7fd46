"""Secrets: argon2 passwords, hashed API keys, signed tokens, encryption of third-party tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

_hasher = PasswordHasher()
KEY_PREFIX = "pdk_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash that makes an unknown user's login cost as much as a known one's.
DUMMY_HASH = _hasher.hash("promodesk-dummy-password")


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def sha256(text: str) -> str:
    """API keys are long random strings, so a fast hash is enough to store them."""
    return hashlib.sha256(text.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class TokenVault:
    """Encrypts third-party tokens at rest. The first key encrypts; all keys decrypt (rotation)."""

    def __init__(self, keys: list[str], fallback_secret: str) -> None:
        if not keys:
            derived = hashlib.sha256(("token-vault:" + fallback_secret).encode()).digest()
            import base64

            keys = [base64.urlsafe_b64encode(derived).decode()]
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("token cannot be decrypted with the configured keys") from None

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode()).decode()
