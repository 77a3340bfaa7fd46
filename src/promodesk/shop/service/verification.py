"""Verification after a cancel (the seed: check within 15 minutes that it took effect).

Rule: for each cancelled item of a batch, pass = the product is no longer purchasable at the
activity price and none of its linked offers is active; fail otherwise. A linked shop's item is
checked on the platform (``platform_verification``: read back before this transaction). An item
whose cancel was restored from its snapshot (on purpose) is recorded as passed and shown as
restored. Results are recorded once per (batch, enrollment); failures alert the shop's team
(email + signed webhook) with the platform's remediation.
"""

from __future__ import annotations

from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
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
