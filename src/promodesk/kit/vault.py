"""The token vault of the settings in force: third-party tokens (TikTok, shop platforms) and
webhook secrets are encrypted at rest with it.

Rules:
- Built from the settings in force at each call (``PROMODESK_TOKEN_KEYS``, else a key derived
  from the secret key), cached by that key material: a process whose settings were reloaded
  (a command, a test, a key rotation) encrypts with the current first key and hands the same
  keys to the workers it starts, so they can decrypt what it stored.
- Rotation: put the new key first and keep the old ones after it; the first key encrypts,
  every key decrypts, so tokens written before the rotation stay readable.
"""

from __future__ import annotations

from functools import lru_cache

from promodesk.kit.auth import TokenVault
from promodesk.settings import get_settings


@lru_cache(maxsize=4)
def _vault_of(keys: tuple[str, ...], secret: str) -> TokenVault:
    return TokenVault(list(keys), secret)


def vault() -> TokenVault:
    """The vault of the settings in force (see the module rules)."""
    core = get_settings()
    return _vault_of(tuple(core.token_keys), core.ensure_secret_key())
