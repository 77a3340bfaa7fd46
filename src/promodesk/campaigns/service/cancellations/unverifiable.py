"""Cancelled objects that cannot be read back because their ad account's TikTok
authorization is revoked.

Rules:
- Verification cannot ask TikTok for an ad account without an active authorization (revoked
  in promodesk, or TikTok answering that the token is revoked, 40105: the grant is then
  revoked here too, as the sync does). Its items do not stay "pending" for ever: they end
  ``unverifiable`` with the problem "could not verify: authorization revoked — reconnect",
  shown on the item, and alert the team like a failed check (once per item).
- ``unverifiable`` is not final: once the ad account has an active authorization again
  (reconnected by importing it anew), ``reverify_reconnected`` (run by the hourly monitoring
  job, and at once by ``promodesk tiktok cancel-reverify``) puts its items back to pending and
  queues their cancellation's verification.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TypeVar

from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import grants
from promodesk.campaigns.domain.cancellations import VERIFICATION, VerifyStatus
from promodesk.campaigns.repository.cancellations.unverifiable import UnverifiableRepository
from promodesk.integrations.tiktok.errors import AuthRevoked
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.kit.jobs import service as jobs
from promodesk.models import CampaignCancellationItem

PROBLEM = "could not verify: authorization revoked — reconnect"
# The verification job's name (``campaigns.service.cancellations.run.VERIFY_JOB``).
VERIFY_JOB = "campaigns.cancel.verify"

T = TypeVar("T")


def read_or_revoked(read: Callable[[], T], grant_id: int, revoked: set[int]) -> T | None:
    """Run one read-back call of an ad account; when TikTok says the token is revoked,
    nothing is read and ``grant_id`` is added to ``revoked``."""
    try:
        return read()
    except AuthRevoked:
        revoked.add(grant_id)
        return None


def mark(
    uow: UnitOfWork,
    workspace_id: int,
    items: Iterable[CampaignCancellationItem],
    checked: Mapping[int, object],
    revoked_grants: Iterable[int],
    round_no: int,
    at: datetime,
) -> list[CampaignCancellationItem]:
    """After a verification round: revoke the grants TikTok said are revoked, and end as
    ``unverifiable`` the items that were not read back because their ad account has no
    active authorization. Returns them (to alert)."""
    for grant_id in set(revoked_grants):
        grants.revoke(uow, workspace_id, grant_id, reason="TikTok: the token is revoked")
    access: dict[int, bool] = {}
    marked: list[CampaignCancellationItem] = []
    for item in items:
        if item.id in checked:
            continue
        if item.ad_account_id not in access:
            try:
                account = accounts_alloc.get_ad_account(uow, workspace_id, item.ad_account_id)
            except NotFound:
                access[item.ad_account_id] = False
            else:
                access[item.ad_account_id] = grants.tiktok_access(uow, account) is not None
        if access[item.ad_account_id]:
            continue  # not read for another reason: the next round tries again
        item.verify_status = VERIFICATION.transition(
            item.verify_status, VerifyStatus.UNVERIFIABLE
        ).value
        item.verified_at = at
        item.verify_detail = {
            "round": round_no,
            "checked_at": at.isoformat(),
            "problems": [PROBLEM],
            "reason": "authorization_revoked",
        }
        marked.append(item)
    uow.flush()
    return marked


def reverify_reconnected(uow: UnitOfWork, workspace_id: int | None = None) -> int:
    """Items (of every workspace, or of ``workspace_id``) whose ad account is reconnected go
    back to pending, and their cancellations' verification is queued at once; how many."""
    access: dict[tuple[int, int], bool] = {}
    again: dict[tuple[int, int], int] = {}
    repo = UnverifiableRepository(uow)
    for item in repo.items(VerifyStatus.UNVERIFIABLE.value, workspace_id=workspace_id):
        key = (item.workspace_id, item.ad_account_id)
        if key not in access:
            try:
                account = accounts_alloc.get_ad_account(uow, *key)
            except NotFound:
                access[key] = False
            else:
                access[key] = grants.tiktok_access(uow, account) is not None
        if not access[key]:
            continue
        item.verify_status = VERIFICATION.transition(item.verify_status, VerifyStatus.PENDING).value
        again[(item.workspace_id, item.cancellation_id)] = (
            again.get((item.workspace_id, item.cancellation_id), 0) + 1
        )
    now = clock.now()
    for workspace_id, cancellation_id in again:
        jobs.enqueue(
            uow,
            VERIFY_JOB,
            {"cancellation_id": cancellation_id, "round": 1},
            run_at=now,
            dedupe_key=f"{VERIFY_JOB}:{cancellation_id}:reconnected:{now.isoformat()}",
            workspace_id=workspace_id,
        )
    uow.flush()
    return sum(again.values())
