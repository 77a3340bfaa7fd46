"""Errors of changing a campaign on TikTok; each names its ``reason`` for the client."""

from __future__ import annotations

from promodesk.kit.errors import Conflict


class TikTokRefused(Conflict):
    """TikTok answered and refused the change (a rule of its own, a permission, an object it
    no longer knows); nothing changed on either side. ``tiktok_code`` is TikTok's code."""


class BudgetConfirmationNeeded(Conflict):
    """The new budget is above the confirmation factor times the current one (or none is known)
    and the change was not confirmed; nothing changed. The body carries ``before_minor``,
    ``after_minor``, ``currency``, ``budget_mode`` and ``factor``: send it again with
    ``confirm: true`` to go ahead."""


class ReallocationRefused(Conflict):
    """A reallocation broke a rule (``campaigns.domain.reallocation``): the body's ``problems``
    name each (``code``, ``detail``, ``campaign_id``); nothing was taken from the pool."""


class PoolTooSmall(Conflict):
    """The pool holds less than the reallocation asks for (another operator may have used it
    meanwhile); ``left_minor`` says what is left; nothing was taken."""


class NoBusinessCenter(Conflict):
    """A Business Center transfer needs ``PROMODESK_ACCOUNTS_BUSINESS_CENTER_ID`` and
    agency-paid ad accounts of the same currency."""


class TransferRefused(Conflict):
    """A Business Center transfer broke a rule (``campaigns.domain.transfers``: agency-paid
    accounts, two different ones, one currency, an amount); ``reason`` names it; nothing moved."""
