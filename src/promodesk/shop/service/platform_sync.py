"""Mirror a linked shop's platform data into promodesk's shop tables: products with their
SKUs, prices, stock and status; activities with their enrolled products, activity prices and
stock; coupons as offers of the enrollments of the products they cover. Webhooks update the
mirror in seconds.

Rules:
- A sync is a job in steps, one platform page per step: the page is fetched before the step's
  transaction opens (``prefetch_step``), then written with the cursor that follows it
  (``step``), so a killed worker resumes at the page it did not commit, and no transaction
  waits on the platform. Progress is an operation (``/operations``, the CLI's bar).
- Incremental: products changed since the last completed sync; an activity whose platform
  ``update_time`` did not change is not read again.
- The platform is the truth for what it runs: what it lists enrolls, what it no longer lists
  leaves the activity (``domain.platform.mirrored_state``); promodesk's own states the
  platform does not know (stock to zero) are kept.
- The platform refusing our tokens mid-sync: one refresh is tried; if the refresh is refused
  too, the link waits for re-authorization and the sync stops, everything mirrored so far kept.
- Webhooks: verified by signature before anything else, recorded once per delivery (the
  platform's notification id), then each affected activity or product is read back by a job
  of its own and mirrored with the same code as the sync.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import NotFound, Unauthorized
from promodesk.kit.jobs import service as jobs_service
from promodesk.kit.jobs.service import enqueue
from promodesk.models import (
    ShopActivity,
    ShopEnrollment,
    ShopOffer,
    ShopPlatformEvent,
    ShopPlatformLink,
    ShopProduct,
    ShopProductSku,
)
from promodesk.operations import service as operations
from promodesk.shop.domain.enrollments import ENROLLMENTS, IN_ACTIVITY, State
from promodesk.shop.domain.platform import (
    OFF_STATUSES,
    STAGE_OF_STATUS,
    LinkStatus,
    discounted,
    mirrored_state,
    next_phase,
    quantity,
)
from promodesk.shop.errors import PlatformNotLinked, PlatformReauthorize
from promodesk.shop.platform import port
from promodesk.shop.platform.providers import PROVIDERS, platform
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.repository.platform import PlatformRepository
from promodesk.shop.service.platform_links.reads import get_link
from promodesk.shop.service.platform_links.tokens import (
    LinkAccess,
    Refreshed,
    access_of,
    fetch_refresh,
    mark_needs_reauth,
    store_refresh,
)

SYNC_JOB = "shop.platform_sync"
ACTIVITY_JOB = "shop.platform_activity"
PRODUCT_JOB = "shop.platform_product"
OPERATION_KIND = "shop.platform_sync"
LISTED_STATUSES = frozenset({"ACTIVATE", "LIVE", "ACTIVE"})


# the mirror ---------------------------------------------------------------------------


def apply_products(
    uow: UnitOfWork, link: ShopPlatformLink, items: Sequence[port.PlatformProduct]
) -> list[ShopProduct]:
    """Create or update the shop's products (and SKUs) from the platform's."""
    repo = PlatformRepository(uow)
    shop_repo = ShopRepository(uow)
    known = repo.products_by_platform_id(
        link.workspace_id, link.shop_id, [p.product_id for p in items if p.product_id]
    )
    out: list[ShopProduct] = []
    for item in items:
        if not item.product_id:
            continue
        row = known.get(item.product_id)
        status = "listed" if item.status.upper() in LISTED_STATUSES else "delisted"
        if row is None:
            row = shop_repo.add(
                ShopProduct(
                    workspace_id=link.workspace_id,
                    shop_id=link.shop_id,
                    title=(item.title or item.product_id)[:300],
                    price_minor=item.price_minor or 0,
                    currency=item.currency,
                    stock=max(item.stock, 0),
                    safety_stock=0,
                    expected_sales=0,
                    status=status,
                    platform_product_id=item.product_id,
                    platform_status=item.status[:32],
                )
            )
            known[item.product_id] = row
        else:
            row.title = (item.title or row.title)[:300]
            if item.price_minor is not None:
                row.price_minor = item.price_minor
                row.currency = item.currency
            row.stock = max(item.stock, 0)
            row.status = status
            row.platform_status = item.status[:32]
        _apply_skus(uow, link, row, item)
        out.append(row)
    uow.flush()
    return out


def _apply_skus(
    uow: UnitOfWork, link: ShopPlatformLink, product: ShopProduct, item: port.PlatformProduct
) -> None:
    if not item.skus:
        return
    current = PlatformRepository(uow).skus_of(product.id)
    for sku in item.skus:
        row = current.pop(sku.sku_id, None)
        if row is None:
            uow.session.add(
                ShopProductSku(
                    workspace_id=link.workspace_id,
                    product_id=product.id,
                    platform_sku_id=sku.sku_id,
                    price_minor=sku.price_minor,
                    currency=item.currency,
                    stock=max(sku.stock or 0, 0),
                )
            )
        else:
            row.price_minor = sku.price_minor
            row.currency = item.currency
            row.stock = max(sku.stock or 0, 0)
    for gone in current.values():
        uow.session.delete(gone)


def _times(item: port.PlatformActivity) -> tuple[datetime, datetime]:
    now = clock.now()
    begins = item.begins_at or now
    ends = item.ends_at if item.ends_at and item.ends_at > begins else begins + timedelta(days=365)
    return begins, ends


def apply_activity(
    uow: UnitOfWork, link: ShopPlatformLink, item: port.PlatformActivity
) -> ShopActivity:
    """Create or update one activity; with its product list (Get Activity), also its
    enrollments. Returns the activity's row."""
    repo = PlatformRepository(uow)
    row = repo.activity_by_platform_id(link.workspace_id, link.shop_id, item.activity_id)
    begins, ends = _times(item)
    if row is None:
        row = ShopRepository(uow).add(
            ShopActivity(
                workspace_id=link.workspace_id,
                name=(item.title or f"TikTok Shop activity {item.activity_id}")[:200],
                registration_starts_at=min(begins, clock.now()),
                registration_ends_at=begins,
                starts_at=begins,
                ends_at=ends,
                immutable=item.immutable,
                platform_activity_id=item.activity_id,
                platform_shop_id=link.shop_id,
                platform_status=item.status[:24],
                platform_type=item.activity_type[:32],
                platform_updated_at=item.updated_at,
            )
        )
    else:
        row.name = (item.title or row.name)[:200]
        row.registration_ends_at = max(row.registration_starts_at, min(begins, ends))
        row.starts_at, row.ends_at = begins, ends
        row.immutable = item.immutable
        row.platform_status = item.status[:24]
        row.platform_type = item.activity_type[:32]
        if item.products is not None:
            row.platform_updated_at = item.updated_at
    if item.products is not None:
        _apply_enrollments(uow, link, row, item)
    elif item.status in OFF_STATUSES:
        _leave_all(uow, link, row, item.status)
    uow.flush()
    return row


def _move(uow: UnitOfWork, row: ShopEnrollment, target: State, link: ShopPlatformLink) -> None:
    before = State(row.state)
    row.state = ENROLLMENTS.transition(before, target)
    delta = int(target in IN_ACTIVITY) - int(before in IN_ACTIVITY)
    if delta:
        ShopRepository(uow).bump_counter(row.activity_id, link.shop_id, active=delta)


def _leave_all(uow: UnitOfWork, link: ShopPlatformLink, act: ShopActivity, status: str) -> None:
    for row in PlatformRepository(uow).enrollments_of(link.workspace_id, act.id, link.shop_id):
        target = mirrored_state(State(row.state), status, True)
        if target is not None:
            _move(uow, row, target, link)


def _apply_enrollments(
    uow: UnitOfWork, link: ShopPlatformLink, act: ShopActivity, item: port.PlatformActivity
) -> None:
    assert item.products is not None
    repo = PlatformRepository(uow)
    shop_repo = ShopRepository(uow)
    products = repo.products_by_platform_id(
        link.workspace_id, link.shop_id, [p.product_id for p in item.products]
    )
    existing = {
        row.product_id: row for row in repo.enrollments_of(link.workspace_id, act.id, link.shop_id)
    }
    shop_repo.ensure_counter(link.workspace_id, act.id, link.shop_id)
    listed: set[int] = set()
    for entry in item.products:
        product = products.get(entry.product_id)
        if product is None:
            continue  # not mirrored yet: the next product sync brings it, then this activity
        listed.add(product.id)
        price = entry.activity_price_minor
        if price is None and entry.discount_percent is not None:
            price = discounted(product.price_minor, entry.discount_percent)
        if price is None:
            price = product.price_minor
        row = existing.get(product.id)
        if row is None:
            stage = STAGE_OF_STATUS.get(item.status)
            if stage is None:
                continue  # an ended or deactivated activity enrolls nothing new
            shop_repo.add(
                ShopEnrollment(
                    workspace_id=link.workspace_id,
                    activity_id=act.id,
                    shop_id=link.shop_id,
                    product_id=product.id,
                    activity_price_minor=price,
                    currency=product.currency,
                    activity_stock=quantity(entry.quantity_limit),
                    per_buyer_limit=quantity(entry.quantity_per_user),
                    state=stage,
                    views=0,
                    orders=0,
                    presale=False,
                )
            )
            shop_repo.bump_counter(act.id, link.shop_id, enrolled=1, active=1)
            continue
        row.activity_price_minor = price
        row.activity_stock = quantity(entry.quantity_limit)
        row.per_buyer_limit = quantity(entry.quantity_per_user)
        target = mirrored_state(State(row.state), item.status, True)
        if target is not None:
            _move(uow, row, target, link)
    for product_id, row in existing.items():
        if product_id in listed:
            continue
        target = mirrored_state(State(row.state), item.status, False)
        if target is not None:
            _move(uow, row, target, link)


def apply_coupons(
    uow: UnitOfWork, link: ShopPlatformLink, items: Sequence[port.PlatformCoupon]
) -> int:
    """Each coupon becomes an offer of every enrollment of the products it covers."""
    repo = PlatformRepository(uow)
    count = 0
    for coupon in items:
        if not coupon.coupon_id:
            continue
        products = repo.products_by_platform_id(
            link.workspace_id, link.shop_id, list(coupon.product_ids)
        )
        enrollments = repo.enrollments_of_products(
            link.workspace_id, link.shop_id, [p.id for p in products.values()]
        )
        offers = repo.coupon_offers(link.workspace_id, coupon.coupon_id)
        active = coupon.status in ("NOT_START", "ONGOING")
        for enrollment in enrollments:
            offer = offers.get(enrollment.id)
            if offer is None:
                uow.session.add(
                    ShopOffer(
                        workspace_id=link.workspace_id,
                        enrollment_id=enrollment.id,
                        kind="coupon",
                        platform_coupon_id=coupon.coupon_id,
                        title=coupon.title[:200],
                        value_minor=coupon.value_minor,
                        percent_off=coupon.percent_off,
                        status="active" if active else "cancelled",
                        cancelled_at=None if active else clock.now(),
                    )
                )
            else:
                offer.title = coupon.title[:200]
                offer.value_minor = coupon.value_minor
                offer.percent_off = coupon.percent_off
                if not active and offer.status == "active":
                    offer.status, offer.cancelled_at = "cancelled", clock.now()
            count += 1
    uow.flush()
    return count


# the sync job -------------------------------------------------------------------------


def start_sync(
    uow: UnitOfWork, workspace_id: int, shop_id: int, *, actor: str, full: bool = False
) -> tuple[int, int]:
    """Start a sync of the shop from its platform (job id, operation id). While one runs,
    its ids are returned instead of a second one."""
    shop = ShopRepository(uow).shop(workspace_id, shop_id)
    if shop is None:
        raise NotFound(f"shop {shop_id} not found")
    link = get_link(uow, workspace_id, shop_id)
    if link is None:
        raise PlatformNotLinked(f"shop {shop_id} is not linked to a platform shop")
    if link.status != LinkStatus.ACTIVE:
        raise PlatformReauthorize(
            "the platform no longer accepts this shop's authorization: connect it again",
            field="shop_id",
        )
    state = dict(link.sync_state or {})
    if state.get("status") == "running":
        # The running sync answers, unless its job died (dead or cancelled): then a new one.
        op = operations.get(uow, workspace_id, int(state["operation_id"]))
        job = jobs_service.get(uow, int(state["job_id"]), workspace_id)
        if op.state not in operations.FINAL_STATES and job.status in ("queued", "running"):
            return job.id, op.id
        if op.state not in operations.FINAL_STATES:
            operations.finish(uow, op.id, state="failed", result={"error": "its job stopped"})
    op = operations.start(
        uow,
        workspace_id,
        OPERATION_KIND,
        title=f"Sync {shop.name} from TikTok Shop",
        created_by=actor,
    )
    since = None if full or link.synced_at is None else link.synced_at.isoformat()
    job = enqueue(
        uow,
        SYNC_JOB,
        {
            "workspace_id": workspace_id,
            "link_id": link.id,
            "operation_id": op.id,
            "phase": "products",
            "cursor": "",
            "since": since,
            "started": clock.now().isoformat(),
            "counts": {},
        },
        dedupe_key=f"{SYNC_JOB}:{link.id}:{op.id}",
        workspace_id=workspace_id,
    )
    link.sync_state = {"status": "running", "job_id": job.id, "operation_id": op.id}
    uow.flush()
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.platform.sync_started",
        object_type="shop",
        object_id=shop_id,
        after={"operation_id": op.id, "incremental": since is not None},
    )
    return job.id, op.id


@dataclass
class Fetched:
    """One step's platform reads, made before the step's transaction."""

    page: port.PlatformPage[Any] | None = None
    details: dict[str, port.PlatformActivity] = field(default_factory=dict)
    coupons: dict[str, port.PlatformCoupon] = field(default_factory=dict)
    refreshed: Refreshed | None = None
    error: port.PlatformError | None = None


def _fetch_page(
    shop_platform: port.ShopPlatform,
    access: port.ShopAccess,
    phase: str,
    cursor: str,
    since: datetime | None,
) -> port.PlatformPage[Any]:
    pages: Any
    if phase == "products":
        pages = shop_platform.product_pages(access, cursor=cursor, updated_since=since)
    elif phase == "activities":
        pages = shop_platform.activity_pages(access, cursor=cursor)
    else:
        pages = shop_platform.coupon_pages(access, cursor=cursor)
    page: port.PlatformPage[Any] | None = next(iter(pages), None)
    return page if page is not None else port.PlatformPage(items=[], cursor=cursor, next_cursor="")


def with_refresh(link: LinkAccess, fetched: Fetched, read: Any) -> Any:
    """``read(platform, access)``; when the platform refuses the token, refresh once (kept in
    ``fetched.refreshed`` for the step to store) and read again."""
    shop_platform = link.platform()
    try:
        return read(shop_platform, link.access())
    except port.AuthorizationLost:
        fetched.refreshed = fetch_refresh(link)
        tokens = fetched.refreshed.tokens
        if tokens is None:
            return None
        access = port.ShopAccess(tokens.access_token, link.shop_cipher, link.platform_shop_id)
        return read(shop_platform, access)


def prefetch_step(db: Database, payload: dict[str, Any]) -> Fetched:
    workspace_id, link_id = int(payload["workspace_id"]), int(payload["link_id"])
    with db.read() as uow:
        row = PlatformRepository(uow).link(workspace_id, link_id)
        if row is None or row.status != LinkStatus.ACTIVE:
            return Fetched()
        link = access_of(row)
    fetched = Fetched()
    phase, cursor = str(payload["phase"]), str(payload.get("cursor") or "")
    since = datetime.fromisoformat(payload["since"]) if payload.get("since") else None
    try:
        page = with_refresh(link, fetched, lambda p, a: _fetch_page(p, a, phase, cursor, since))
        if page is None:
            return fetched
        fetched.page = page
        if phase == "activities" and page.items:
            with db.read() as uow:
                versions = PlatformRepository(uow).activity_versions(
                    workspace_id, link.shop_id, [a.activity_id for a in page.items]
                )
            for item in page.items:
                if item.updated_at is None or versions.get(item.activity_id) != item.updated_at:
                    detail = with_refresh(
                        link, fetched, lambda p, a, i=item.activity_id: p.activity(a, i)
                    )
                    if detail is not None:
                        fetched.details[item.activity_id] = detail
        if phase == "coupons":
            for coupon in page.items:
                if not coupon.product_ids:
                    full = with_refresh(
                        link, fetched, lambda p, a, i=coupon.coupon_id: p.coupon(a, i)
                    )
                    if full is not None:
                        fetched.coupons[coupon.coupon_id] = full
    except port.AuthorizationLost as exc:
        fetched.error = exc
    except port.PlatformError as exc:
        fetched.error = exc
    return fetched


def _stop(
    uow: UnitOfWork, link: ShopPlatformLink, op_id: int, status: str, error: dict[str, Any]
) -> None:
    link.sync_state = {"status": status, "operation_id": op_id, "error": error}
    operations.progress(uow, op_id, failed=1, errors=[error])
    operations.finish(uow, op_id, state="failed", result={"error": error})


def step(
    uow: UnitOfWork, payload: dict[str, Any], fetched: Fetched | None
) -> dict[str, Any] | None:
    """Write one prefetched page; the payload of the next step, or None when the sync is
    over (done, stopped for re-authorization, or refused by the platform)."""
    workspace_id, link_id = int(payload["workspace_id"]), int(payload["link_id"])
    op_id = int(payload["operation_id"])
    repo = PlatformRepository(uow)
    link = repo.link(workspace_id, link_id)
    if link is None:
        return None
    if fetched is not None and fetched.refreshed is not None:
        store_refresh(uow, fetched.refreshed)
        uow.session.refresh(link)
    if link.status != LinkStatus.ACTIVE:
        _stop(uow, link, op_id, "needs_reauth", {"message": "the platform needs re-authorization"})
        return None
    if fetched is None or fetched.page is None:
        if fetched is not None and fetched.error is not None:
            error = fetched.error
            if error.needs_authorization:
                mark_needs_reauth(uow, workspace_id, link_id, error.message)
                _stop(uow, link, op_id, "needs_reauth", error.as_result())
                return None
            if error.retryable:
                raise error  # the job's backoff reads this page again
            _stop(uow, link, op_id, "failed", error.as_result())
            return None
        return dict(payload)  # nothing fetched (a race with a relink): read again
    page = fetched.page
    phase = str(payload["phase"])
    if not page.cursor and page.total:
        operations.add_total(uow, op_id, page.total)
    counts = dict(payload.get("counts") or {})
    if phase == "products":
        apply_products(uow, link, page.items)
    elif phase == "activities":
        for item in page.items:
            apply_activity(uow, link, fetched.details.get(item.activity_id, item))
    else:
        apply_coupons(uow, link, [fetched.coupons.get(c.coupon_id, c) for c in page.items])
    counts[phase] = int(counts.get(phase, 0)) + len(page.items)
    operations.progress(uow, op_id, done=len(page.items))
    if page.next_cursor:
        return {**payload, "cursor": page.next_cursor, "counts": counts}
    following = next_phase(phase)
    if following is not None:
        return {**payload, "phase": following, "cursor": "", "counts": counts}
    link.synced_at = datetime.fromisoformat(str(payload["started"]))
    link.sync_state = {"status": "done", "operation_id": op_id, "counts": counts}
    operations.finish(uow, op_id, result={"counts": counts})
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor="platform",
        action="shop.platform.synced",
        object_type="shop",
        object_id=link.shop_id,
        after=counts,
    )
    return None


# webhooks -----------------------------------------------------------------------------


def receive_webhook(
    uow: UnitOfWork, provider: str, raw_body: bytes, headers: dict[str, str]
) -> tuple[str, int]:
    """Verify, record once, and enqueue the read-backs. Returns (outcome, links touched):
    "duplicate" for a delivery already received."""
    if provider not in PROVIDERS:
        raise Unauthorized("unknown platform")
    try:
        event = platform(provider).verify_event(raw_body, headers)
    except port.PlatformError:
        raise Unauthorized("the webhook signature does not match") from None
    repo = PlatformRepository(uow)
    if repo.event(provider, event.digest) is not None:
        return "duplicate", 0
    targets = list(repo.links_of_platform_shop(provider, event.shop_id)) if event.shop_id else []
    try:
        with uow.savepoint():
            repo.add(
                ShopPlatformEvent(
                    workspace_id=targets[0].workspace_id if len(targets) == 1 else None,
                    link_id=targets[0].id if len(targets) == 1 else None,
                    provider=provider,
                    digest=event.digest,
                    kind=event.kind[:48],
                    platform_shop_id=event.shop_id[:64],
                    payload=_small(event.data),
                    status="received",
                )
            )
    except Exception as exc:  # a concurrent delivery of the same event won the insert
        if repo.event(provider, event.digest) is not None:
            return "duplicate", 0
        raise exc
    for link in targets:
        _dispatch(uow, link, event)
    return "accepted", len(targets)


def _small(data: dict[str, Any]) -> dict[str, Any]:
    """What is kept of an event's data: the fields that name what changed."""
    keep = ("activity_id", "status", "update_time", "change_type", "product_id", "sku_id")
    return {k: data[k] for k in keep if k in data and isinstance(data[k], str | int)}


def _dispatch(uow: UnitOfWork, link: ShopPlatformLink, event: port.PlatformEvent) -> None:
    payload = {"workspace_id": link.workspace_id, "link_id": link.id}
    if event.kind == "deauthorized":
        mark_needs_reauth(uow, link.workspace_id, link.id, "the seller deauthorized the app")
        return
    if link.status != LinkStatus.ACTIVE:
        return
    if event.kind in ("activity_status", "activity_change") and event.activity_id:
        enqueue(
            uow,
            ACTIVITY_JOB,
            {**payload, "activity_id": event.activity_id},
            dedupe_key=f"{ACTIVITY_JOB}:{link.id}:{event.digest}",
            workspace_id=link.workspace_id,
        )
    for product_id in event.product_ids if event.kind in ("product_status", "inventory") else ():
        enqueue(
            uow,
            PRODUCT_JOB,
            {**payload, "product_id": product_id},
            dedupe_key=f"{PRODUCT_JOB}:{link.id}:{product_id}:{event.digest}",
            workspace_id=link.workspace_id,
        )


@dataclass
class ReadBack:
    activity: port.PlatformActivity | None = None
    product: port.PlatformProduct | None = None
    refreshed: Refreshed | None = None
    error: port.PlatformError | None = None


def prefetch_read_back(db: Database, payload: dict[str, Any]) -> ReadBack:
    """An activity's or a product's current state on the platform (a webhook's read-back)."""
    with db.read() as uow:
        row = PlatformRepository(uow).link(int(payload["workspace_id"]), int(payload["link_id"]))
        if row is None or row.status != LinkStatus.ACTIVE:
            return ReadBack()
        link = access_of(row)
    holder = Fetched()
    out = ReadBack()
    try:
        if payload.get("activity_id"):
            out.activity = with_refresh(
                link, holder, lambda p, a: p.activity(a, str(payload["activity_id"]))
            )
        else:
            out.product = with_refresh(
                link, holder, lambda p, a: p.product(a, str(payload["product_id"]))
            )
    except port.PlatformError as exc:
        out.error = exc
    out.refreshed = holder.refreshed
    return out


def apply_read_back(uow: UnitOfWork, payload: dict[str, Any], fetched: ReadBack | None) -> None:
    link = PlatformRepository(uow).link(int(payload["workspace_id"]), int(payload["link_id"]))
    if link is None or fetched is None:
        return
    if fetched.refreshed is not None:
        store_refresh(uow, fetched.refreshed)
    if fetched.error is not None:
        if fetched.error.needs_authorization:
            mark_needs_reauth(uow, link.workspace_id, link.id, fetched.error.message)
            return
        if fetched.error.retryable:
            raise fetched.error
        return  # refused (e.g. gone from the platform): the next sync settles it
    if fetched.activity is not None:
        apply_activity(uow, link, fetched.activity)
    if fetched.product is not None:
        apply_products(uow, link, [fetched.product])
