"""The 15-minute verification of a cancel, on the platform, for a linked shop's items.

Rules:
- Each done item of the batch in an activity of a linked shop is read back from the
  platform before the verification's transaction opens (``prefetch``): its activity (Get
  Activity, once per activity: it lists the activity's products), its product, and the
  platform coupons linked to it (Get Coupon). Products are read in bulk (Search Products,
  100 a page, over the shop's catalog) when that takes fewer calls than one Get Product each
  (10,000 items of one shop: about 100 pages, not 10,000 calls); Get Product otherwise, and
  for any product the pages did not hold. Every item of the batch is read, up to
  ``platform_verify_max_products`` (a safety cap, 100,000 by default).
- An item passes when the platform no longer shows the activity price (the activity does not
  list the product, or no longer runs), the product can still be ordered at its normal price
  (active, with stock unless its stock was at zero before the cancel: stock to zero was the
  path), and no linked coupon still runs for it. A removal acknowledged but not applied
  therefore fails here, whatever the local rows say.
- A failed item keeps what the platform showed, the request ids and the remediation: remove
  it again or deactivate the activity (with the ids support asks for), list or restock the
  product, end the coupon in Seller Center (the Partner API cannot change coupons).
- A platform that cannot be read (authorization lost, a refusal) fails the items with that
  error as the remediation; one that may come back (throttled, down) retries the job.
- An item restored from its snapshot on purpose passes, as in the local rule.
- Items are judged while the reads go on (activities and coupons first, then the products page
  by page), so the check's transaction only records the verdicts; an item the reads did not
  judge (a target that appeared since) is judged there from the same reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from promodesk.kit.db import Database, UnitOfWork
from promodesk.shop.domain.platform import LinkStatus, Problem, verification_verdict
from promodesk.shop.platform import port
from promodesk.shop.repository.platform import PlatformRepository
from promodesk.shop.repository.verification import VerificationRepository
from promodesk.shop.service.platform_links.tokens import LinkAccess, access_of, store_refresh
from promodesk.shop.service.platform_sync.steps import Fetched, with_refresh
from promodesk.shop.settings import shop_settings

RUNNING = frozenset({"ONGOING", "NOT_START"})
WRITE_WAITS = 60  # times (a minute each) a verification waits for its batch's removals


@dataclass
class Reads:
    """What the platform showed for a batch's linked items, read before the transaction."""

    activities: dict[str, port.PlatformActivity] = field(default_factory=dict)
    products: dict[str, port.PlatformProduct] = field(default_factory=dict)
    coupons: dict[str, port.PlatformCoupon] = field(default_factory=dict)
    # link id → the error that stopped its reads (as kept on a result)
    errors: dict[int, dict[str, Any]] = field(default_factory=dict)
    refreshed: list[Any] = field(default_factory=list)
    # The batch's removals are still on their way: nothing was read, the check waits.
    waiting: bool = False
    # enrollment id → what its platform read shows (judged while the reads went on)
    verdicts: dict[int, Verdict] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """One item as the platform showed it: its problems (none: passed) and the record kept."""

    problems: list[str]
    platform: dict[str, Any]


def prefetch(db: Database, workspace_id: int, batch_id: int, *, waited: int = 0) -> Reads:
    """Read the batch's linked items back from the platform (raises ``PlatformError`` when
    it may pass: the job tries again later); nothing while the batch's removals are still
    on their way (``waiting``), unless it waited ``WRITE_WAITS`` times already."""
    reads = Reads()
    limit = shop_settings().platform_verify_max_products
    with db.read() as uow:
        if waited < WRITE_WAITS and writes_pending(uow, workspace_id, batch_id):
            reads.waiting = True
            return reads
        repo = PlatformRepository(uow)
        checks = VerificationRepository(uow)
        targets = checks.verify_targets(workspace_id, batch_id, limit)
        coupons = checks.coupons_of([t.enrollment_id for t in targets])
        links, catalogs = {}, {}
        for link_id in sorted({int(t.link_id) for t in targets}):
            row = repo.link(workspace_id, link_id)
            if row is None or row.status != LinkStatus.ACTIVE:
                reads.errors[link_id] = port.AuthorizationLost(
                    "the shop's platform link waits for re-authorization"
                ).as_result()
            else:
                links[link_id] = access_of(row)
                catalogs[link_id] = repo.platform_product_count(row.shop_id)
    for link_id, link in links.items():
        holder = Fetched()
        mine = [t for t in targets if int(t.link_id) == link_id]
        try:
            for activity_id in sorted({str(t.platform_activity_id) for t in mine}):
                found = with_refresh(link, holder, lambda p, a, i=activity_id: p.activity(a, i))
                if found is None:
                    raise port.AuthorizationLost("the platform refused the refresh")
                reads.activities[activity_id] = found
            for coupon_id in sorted({c for t in mine for c in coupons.get(t.enrollment_id, [])}):
                found = with_refresh(link, holder, lambda p, a, i=coupon_id: p.coupon(a, i))
                if found is not None:
                    reads.coupons[coupon_id] = found
            # Each page of products is judged as it comes (while the next call waits for its
            # turn), so what is left after the last read is the check's transaction.
            judging = _Judge(reads, mine, coupons)
            wanted = {str(t.platform_product_id) for t in mine}
            reads.products.update(
                _read_products(link, holder, wanted, catalogs[link_id], judging.products)
            )
        except port.PlatformError as exc:
            if exc.retryable:
                raise
            reads.errors[link_id] = exc.as_result()
        else:
            judging.finish(db, workspace_id, batch_id)
        if holder.refreshed is not None:
            reads.refreshed.append(holder.refreshed)
    return reads


class _Judge:
    """Judges a link's items as their products are read (the activities and coupons are read
    first). An item whose product is listed without stock waits for its snapshot (did it have
    stock before the cancel?), read once for all of them at the end (``finish``)."""

    def __init__(self, reads: Reads, targets: list[Any], coupons: dict[int, list[str]]) -> None:
        self.reads = reads
        self.coupons = coupons
        self.by_product: dict[str, list[Any]] = {}
        for t in targets:
            self.by_product.setdefault(str(t.platform_product_id), []).append(t)
        self.later: list[Any] = []

    def products(self, found: dict[str, port.PlatformProduct]) -> None:
        for product_id, product in found.items():
            for t in self.by_product.get(product_id, ()):
                activity = self.reads.activities.get(str(t.platform_activity_id))
                if activity is None:
                    continue
                if product.listed and product.stock <= 0:
                    self.later.append(t)  # orderable only if it had no stock before either
                    continue
                self.reads.verdicts[int(t.enrollment_id)] = judge(
                    t, activity, product, self.reads.coupons, self.coupons, stock_expected=True
                )

    def finish(self, db: Database, workspace_id: int, batch_id: int) -> None:
        if not self.later:
            return
        with db.read() as uow:
            snapshots = VerificationRepository(uow).snapshots(
                workspace_id, batch_id, [int(t.enrollment_id) for t in self.later]
            )
        for t in self.later:
            snapshot = snapshots.get(int(t.enrollment_id))
            self.reads.verdicts[int(t.enrollment_id)] = judge(
                t,
                self.reads.activities[str(t.platform_activity_id)],
                self.reads.products[str(t.platform_product_id)],
                self.reads.coupons,
                self.coupons,
                stock_expected=_stock_expected(snapshot.data if snapshot is not None else None),
            )


def _read_products(
    link: LinkAccess,
    holder: Fetched,
    wanted: set[str],
    catalog: int,
    seen_page: Callable[[dict[str, port.PlatformProduct]], None],
) -> dict[str, port.PlatformProduct]:
    """The products ``wanted`` as the platform shows them: the shop's whole catalog
    (``catalog`` products in the mirror) read a page at a time (Search Products, the largest
    page) when that takes fewer calls than one Get Product each, then Get Product for any the
    pages did not hold (listed or changed since the mirror's count). ``seen_page`` gets the
    wanted products of each page (or Get Product) as they come."""
    found: dict[str, port.PlatformProduct] = {}
    size = link.platform().max_page_size
    if size > 1 and math.ceil(catalog / size) < len(wanted):

        def search(p: port.ShopPlatform, a: port.ShopAccess) -> dict[str, port.PlatformProduct]:
            seen: dict[str, port.PlatformProduct] = {}
            for page in p.product_pages(a, page_size=size):
                mine = {
                    product.product_id: replace(product, request_id=page.request_id)
                    for product in page.items
                    if product.product_id in wanted
                }
                seen.update(mine)
                seen_page(mine)
            return seen

        paged = with_refresh(link, holder, search)
        if paged is None:
            raise port.AuthorizationLost("the platform refused the refresh")
        found.update(paged)
    for product_id in sorted(wanted - found.keys()):
        product = with_refresh(link, holder, lambda p, a, i=product_id: p.product(a, i))
        if product is None:
            raise port.AuthorizationLost("the platform refused the refresh")
        found[product_id] = product
        seen_page({product_id: product})
    return found


def writes_pending(uow: UnitOfWork, workspace_id: int, batch_id: int) -> bool:
    """Whether the batch's removals on the platform are still on their way (the verification
    waits for them: it checks what they did, not what they have not done yet)."""
    intents = PlatformRepository(uow).intents(workspace_id, f"batch:{batch_id}:activity:")
    return any(i.status in ("pending", "sent") for i in intents)


def _stock_expected(snapshot: dict[str, Any] | None) -> bool:
    """Whether the product had stock before the cancel (else stock to zero was the path)."""
    if not snapshot:
        return True
    was = snapshot.get("enrollment", {}).get("state")
    return was != "stock_zeroed" and int(snapshot.get("product", {}).get("stock", 1) or 0) > 0


def _remediation(problems: list[str], activity_id: str, product_id: str, rid: str | None) -> str:
    steps = []
    if Problem.ACTIVITY_PRICE in problems:
        steps.append(
            f"the platform still shows product {product_id} at the price of activity "
            f"{activity_id}: remove it again or deactivate the activity in Seller Center; if "
            f"the platform keeps acknowledging without applying, tell TikTok Shop support the "
            f"activity id, the product id and request_id {rid or '-'}"
        )
    if Problem.NOT_ORDERABLE in problems:
        steps.append(
            f"product {product_id} cannot be ordered at its normal price: activate it and "
            "check its stock"
        )
    if Problem.COUPON_ACTIVE in problems:
        steps.append(
            "a coupon linked to the product still runs: end it in Seller Center (the "
            "Partner API cannot change coupons)"
        )
    return "; ".join(steps)


def judge(
    t: Any,
    activity: port.PlatformActivity,
    product: port.PlatformProduct,
    coupons_read: dict[str, port.PlatformCoupon],
    coupons: dict[int, list[str]],
    *,
    stock_expected: bool,
) -> Verdict:
    """What the platform's read-back shows for one target item ``t``."""
    listed = {p.product_id for p in activity.products or ()}
    problems = verification_verdict(
        still_in_activity=str(t.platform_product_id) in listed,
        activity_status=activity.status,
        product_listed=product.listed,
        stock=product.stock,
        stock_expected=stock_expected,
    )
    running = [
        c
        for c in coupons.get(t.enrollment_id, [])
        if c in coupons_read
        and coupons_read[c].status in RUNNING
        and str(t.platform_product_id) in coupons_read[c].product_ids
    ]
    if running:
        problems.append(Problem.COUPON_ACTIVE.value)
    return Verdict(
        problems,
        {
            "read": True,
            "activity_id": str(t.platform_activity_id),
            "activity_status": activity.status,
            "still_in_activity": str(t.platform_product_id) in listed,
            "product_id": str(t.platform_product_id),
            "product_status": product.status,
            "stock": product.stock,
            "coupons_running": running,
            "problems": problems,
            "request_ids": [activity.request_id, product.request_id],
            "remediation": _remediation(
                problems,
                str(t.platform_activity_id),
                str(t.platform_product_id),
                activity.request_id,
            ),
        },
    )


_NOT_READ = {
    "read": False,
    "problems": [Problem.NOT_READ.value],
    "remediation": "read the platform again: reconnect the shop if it asks for a new "
    "authorization, then look at the product in Seller Center",
}


def apply(uow: UnitOfWork, workspace_id: int, batch_id: int, reads: Reads | None) -> int:
    """Overrule the local verdict of the batch's linked items with the platform's read-back
    (judged while it was read; an item the reads did not judge is judged here); returns how
    many items were checked there."""
    if reads is None:
        return 0
    for refreshed in reads.refreshed:
        store_refresh(uow, refreshed)
    repo = VerificationRepository(uow)
    targets = repo.verify_targets(
        workspace_id, batch_id, shop_settings().platform_verify_max_products
    )
    if not targets:
        return 0
    rows = {int(r.enrollment_id): r for r in repo.unchecked(batch_id)}
    restored = repo.restored(workspace_id, batch_id)
    unjudged = [int(t.enrollment_id) for t in targets if int(t.enrollment_id) not in reads.verdicts]
    coupons = repo.coupons_of(unjudged) if unjudged else {}
    snapshots = repo.snapshots(workspace_id, batch_id, unjudged) if unjudged else {}
    changes: list[dict[str, Any]] = []
    for t in targets:
        row = rows.get(int(t.enrollment_id))
        if row is None or int(t.enrollment_id) in restored:
            continue
        error = reads.errors.get(int(t.link_id))
        activity = reads.activities.get(str(t.platform_activity_id))
        product = reads.products.get(str(t.platform_product_id))
        if error is not None or activity is None or product is None:
            platform = {**_NOT_READ, "error": error or {"message": "the platform was not read"}}
            changes.append({"id": row.id, "passed": False, "platform": platform})
            continue
        verdict = reads.verdicts.get(int(t.enrollment_id))
        if verdict is None:
            snapshot = snapshots.get(int(t.enrollment_id))
            verdict = judge(
                t,
                activity,
                product,
                reads.coupons,
                coupons,
                stock_expected=_stock_expected(snapshot.data if snapshot is not None else None),
            )
        changes.append(
            {
                "id": row.id,
                "passed": bool(row.passed) and not verdict.problems,
                "purchasable": Problem.ACTIVITY_PRICE in verdict.problems,
                "platform": verdict.platform,
            }
        )
    repo.overrule(changes)
    return len(changes)
