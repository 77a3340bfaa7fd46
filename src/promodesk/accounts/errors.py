"""Refusals of the accounts feature; each names its reason for the client."""

from __future__ import annotations

from promodesk.kit.errors import Conflict, ValidationFailed


class AuthorizationRevoked(Conflict):
    """TikTok revoked the grant (40105): the user must authorize again."""


class TikTokUnavailable(Conflict):
    """TikTok (or the sandbox) failed to answer; nothing was changed."""


class InvalidState(ValidationFailed):
    """The OAuth ``state`` is missing, forged or expired."""
