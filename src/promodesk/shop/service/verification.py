"""Verification after a cancel (the seed: check within 15 minutes that it took effect).

Rule: for each cancelled item of a batch, pass = the product is no longer purchasable at the
activity price and none of its linked offers is active; fail otherwise. A linked shop's item is
checked on the platform (``platform_verification``: read back before this transaction). An item
whose cancel was restored from its snapshot (on purpose) is recorded as passed and shown as
restored. Results are recorded once per (batch, enrollment); failures alert the shop's team
(email + signed webhook) with the platform's remediation. ``outcome`` tells where a batch's
verification stands (not over until every cancelled item has its result; the failed items'
reasons in plain words), for whoever waits on it (a stop everywhere's shop step).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.shop.domain.batches import ItemStatus
from promodesk.shop.domain.platform import Problem
from promodesk.shop.repository.batches import BatchRepository
from promodesk.shop.service import alerts, platform_verification


def verify_batch(
    uow: UnitOfWork,
    workspace_id: int,
    batch_id: int,
    reads: platform_verification.Reads | None = None,
) -> dict[str, int]:
    brepo = BatchRepository(uow)
    if brepo.batch(workspace_id, batch_id) is None:
        return {"checked": 0, "failed": 0}
    checked = brepo.verify(workspace_id, batch_id, clock.now())
    on_platform = platform_verification.apply(uow, workspace_id, batch_id, reads)
    failures = brepo.failed_verifications_by_shop(batch_id)
    for shop_id, product_ids in sorted(failures.items()):
        remediation = [
            str(v.platform["remediation"])
            for v in brepo.verifications(workspace_id, batch_id=batch_id, passed=False, limit=20)
            if v.shop_id == shop_id and v.platform and v.platform.get("remediation")
        ]
        alerts.verification_failed(
            uow, workspace_id, shop_id, batch_id, product_ids, remediation=remediation
        )
    return {
        "checked": checked,
        "on_platform": on_platform,
        "failed": sum(len(p) for p in failures.values()),
    }


@dataclass(frozen=True)
class Outcome:
    """Where a batch's verification stands: ``done`` items cancelled, ``checked`` of them
    verified so far, ``failed`` of those failed (``reasons`` in plain words, the first few)."""

    done: int
    checked: int
    failed: int
    reasons: list[str] = field(default_factory=list)

    @property
    def over(self) -> bool:
        """Every cancelled item has its result (nothing cancelled: nothing to verify)."""
        return self.checked >= self.done

    @property
    def passed(self) -> bool | None:
        """None while results are missing; True when every cancelled item passed."""
        if not self.over:
            return None
        return self.done > 0 and self.failed == 0


_PROBLEMS = {
    Problem.ACTIVITY_PRICE.value: "the platform still shows the activity price",
    Problem.NOT_ORDERABLE.value: "the product cannot be ordered at its normal price",
    Problem.COUPON_ACTIVE.value: "a linked coupon still runs on the platform",
    Problem.NOT_READ.value: "the platform could not be read",
}


def _reason(row: Any, title: str) -> str:
    """Why one item failed its verification, in plain words."""
    platform = row.platform or {}
    words = [_PROBLEMS.get(str(p), str(p)) for p in platform.get("problems") or []]
    error = (platform.get("error") or {}).get("message") if not platform.get("read") else None
    if error:
        words.append(str(error))
    if not platform:
        if row.purchasable:
            words.append("still purchasable at the activity price")
        if row.active_offers:
            words.append(f"{row.active_offers} linked coupon or offer still active")
    return f"{title}: {', '.join(words) or 'not verified'}"


def outcome(uow: UnitOfWork, workspace_id: int, batch_id: int, *, named: int = 5) -> Outcome:
    """The verification of a batch as it stands (no writes)."""
    brepo = BatchRepository(uow)
    if brepo.batch(workspace_id, batch_id) is None:
        return Outcome(0, 0, 0)
    done = brepo.item_counts(batch_id).get(ItemStatus.DONE, 0)
    checked, failed = brepo.verification_tally(batch_id)
    reasons = (
        [_reason(row, title) for row, title in brepo.failed_verifications(batch_id, named)]
        if failed
        else []
    )
    return Outcome(done, checked, failed, reasons)


def results(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    batch_id: int | None = None,
    passed: bool | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[Any]:
    return BatchRepository(uow).verifications(
        workspace_id, batch_id=batch_id, passed=passed, after_id=after_id, limit=limit
    )


def restored_ids(uow: UnitOfWork, workspace_id: int, batch_id: int) -> set[int]:
    """Enrollments of the batch whose cancel was restored from its snapshot."""
    brepo = BatchRepository(uow)
    if brepo.batch(workspace_id, batch_id) is None:
        return set()
    return brepo.restored_ids(batch_id)
