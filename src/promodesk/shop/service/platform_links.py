"""Link a promodesk shop to its shop on a commerce platform (TikTok Shop), keep its tokens
fresh, and reach the platform through it.

1. ``authorization_url`` signs a ``state`` naming the workspace, the shop, the user and the
   provider (itsdangerous with promodesk's secret key; it expires after
   ``PROMODESK_SHOP_PLATFORM_STATE_MAX_AGE_SECONDS``).
2. The platform sends the seller back with ``code`` and ``state``; ``authorize`` checks the
   state, exchanges the code and lists the platform shops the token covers.
3. ``link`` ties the promodesk shop to one of them, picked by its ``cipher`` (or the only one).
   Tokens are encrypted at rest with the same vault as ad accounts' tokens (``TokenVault``,
   ``PROMODESK_TOKEN_KEYS``) and never returned or logged. Linking again (same platform shop)
   renews the tokens and brings a link that needed re-authorization back to ``active``.

Rules:
- A platform call is never made inside a database transaction that waits on it where it can
  be avoided: the exchange happens before the link is written.
- The platform refusing our tokens marks the link ``needs_reauth`` and keeps everything
  (``mark_needs_reauth``); an expired access token is refreshed first (``call``).
- A refresh job runs before the access token expires (``refresh_due``).
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.auth import TokenVault
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.kit.jobs.service import enqueue, ensure_schedule
from promodesk.models import ShopPlatformLink
from promodesk.settings import get_settings
from promodesk.shop.domain.platform import LINK_LIFECYCLE, LinkStatus, refresh_due
from promodesk.shop.errors import (
    InvalidPlatformState,
    PlatformChoiceNeeded,
    PlatformNotLinked,
    PlatformReauthorize,
    PlatformUnavailable,
)
from promodesk.shop.platform import port
from promodesk.shop.platform.providers import PROVIDERS, platform
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.repository.platform import PlatformRepository
from promodesk.shop.settings import shop_settings

STATE_SALT = "promodesk.shop.platform-state"
PENDING_SALT = "promodesk.shop.platform-pending"
REFRESH_SCHEDULE = "shop.platform_refresh_due"
REFRESH_JOB = "shop.platform_refresh"
DEFAULT_PROVIDER = PROVIDERS[0]

R = TypeVar("R")

_lock = threading.Lock()
_vault: TokenVault | None = None


def vault() -> TokenVault:
    """The token vault of every process sharing ``PROMODESK_TOKEN_KEYS`` / the secret key."""
    global _vault
    with _lock:
        if _vault is None:
            core = get_settings()
            _vault = TokenVault(core.token_keys, core.ensure_secret_key())
        return _vault


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().ensure_secret_key(), salt=salt)


def _max_age() -> int:
    return shop_settings().platform_state_max_age_seconds


@dataclass(frozen=True)
class Authorized:
    """A completed authorization, before a shop is picked: safe to keep for one request."""

    workspace_id: int
    shop_id: int
    provider: str
    tokens: port.Tokens = field(repr=False)
    shops: list[port.PlatformShop] = field(repr=False)


def platform_error(exc: port.PlatformError, what: str) -> PlatformUnavailable:
    return PlatformUnavailable(
        f"{what}: {exc.message}",
        code=exc.code,
        request_id=exc.request_id,
    )


# authorization ------------------------------------------------------------------------


def authorization_url(
    uow: UnitOfWork,
    workspace_id: int,
    shop_id: int,
    *,
    actor: str,
    redirect_uri: str,
    provider: str = DEFAULT_PROVIDER,
) -> str:
    if ShopRepository(uow).shop(workspace_id, shop_id) is None:
        raise NotFound(f"shop {shop_id} not found")
    if provider not in PROVIDERS:
        raise ValidationFailed(f"unknown platform {provider!r}", field="provider")
    state = _serializer(STATE_SALT).dumps(
        {
            "w": workspace_id,
            "s": shop_id,
            "p": provider,
            "u": actor[:200],
            "n": secrets.token_hex(6),
        }
    )
    try:
        return platform(provider).authorization_url(redirect_uri=redirect_uri, state=state)
    except port.PlatformError as exc:
        raise platform_error(exc, "the platform cannot be reached") from None


def check_state(workspace_id: int, state: str) -> dict[str, Any]:
    if not state or len(state) > 2000:
        raise InvalidPlatformState("the authorization state is missing", field="state")
    try:
        payload = _serializer(STATE_SALT).loads(state, max_age=_max_age())
    except SignatureExpired:
        raise InvalidPlatformState(
            "the authorization took too long; start again", field="state"
        ) from None
    except BadSignature:
        raise InvalidPlatformState("the authorization state is not ours", field="state") from None
    if not isinstance(payload, dict) or payload.get("w") != workspace_id:
        raise InvalidPlatformState(
            "the authorization was started in another workspace", field="state"
        )
    if payload.get("p") not in PROVIDERS or not isinstance(payload.get("s"), int):
        raise InvalidPlatformState("the authorization state is not ours", field="state")
    return payload


def authorize(workspace_id: int, *, state: str, code: str) -> Authorized:
    """The callback: check the state, exchange the code, list the authorized shops. Makes
    platform calls and touches no database."""
    payload = check_state(workspace_id, state)
    code = (code or "").strip()
    if not code or len(code) > 1000:
        raise ValidationFailed("the callback carries no authorization code", field="code")
    provider = str(payload["p"])
    shop_platform = platform(provider)
    try:
        tokens = shop_platform.exchange_code(code)
    except port.AuthorizationLost:
        raise ValidationFailed(
            "the platform refused the authorization code (used or expired): connect again",
            field="code",
        ) from None
    except port.PlatformError as exc:
        raise platform_error(exc, "the platform did not complete the authorization") from None
    try:
        shops = shop_platform.shops(tokens.access_token)
    except port.PlatformError as exc:
        raise platform_error(exc, "the platform did not list the authorized shops") from None
    if not shops:
        raise ValidationFailed("the authorization covers no shop", field="code")
    return Authorized(workspace_id, int(payload["s"]), provider, tokens, shops)


def pending_token(authorized: Authorized) -> str:
    """The authorization, signed and with its tokens encrypted, for the pick-a-shop form."""
    tokens = authorized.tokens
    secret = vault().encrypt(
        json.dumps(
            {
                "a": tokens.access_token,
                "ae": tokens.access_expires_at.timestamp(),
                "r": tokens.refresh_token,
                "re": tokens.refresh_expires_at.timestamp(),
                "n": tokens.seller_name,
                "g": tokens.region,
                "sc": list(tokens.scopes),
                "shops": [
                    {"id": s.shop_id, "c": s.cipher, "n": s.name, "r": s.region}
                    for s in authorized.shops
                ],
            }
        )
    )
    return _serializer(PENDING_SALT).dumps(
        {
            "w": authorized.workspace_id,
            "s": authorized.shop_id,
            "p": authorized.provider,
            "t": secret,
        }
    )


def from_pending(workspace_id: int, pending: str) -> Authorized:
    if not pending or len(pending) > 20_000:
        raise InvalidPlatformState("the authorization is missing", field="pending")
    try:
        payload = _serializer(PENDING_SALT).loads(pending, max_age=_max_age())
        data = json.loads(vault().decrypt(str(payload["t"])))
    except SignatureExpired:
        raise InvalidPlatformState(
            "the authorization took too long; start again", field="pending"
        ) from None
    except (BadSignature, ValueError, KeyError, TypeError):
        raise InvalidPlatformState("the authorization is not ours", field="pending") from None
    if payload.get("w") != workspace_id:
        raise InvalidPlatformState("the authorization is not ours", field="pending")
    tokens = port.Tokens(
        access_token=data["a"],
        access_expires_at=datetime.fromtimestamp(data["ae"], tz=UTC),
        refresh_token=data["r"],
        refresh_expires_at=datetime.fromtimestamp(data["re"], tz=UTC),
        seller_name=data.get("n", ""),
        region=data.get("g", ""),
        scopes=tuple(data.get("sc") or ()),
    )
    shops = [
        port.PlatformShop(
            shop_id=s["id"], cipher=s["c"], name=s.get("n", ""), region=s.get("r", "")
        )
        for s in data.get("shops") or []
    ]
    return Authorized(workspace_id, int(payload["s"]), str(payload["p"]), tokens, shops)


def pick(authorized: Authorized, shop_cipher: str | None) -> port.PlatformShop:
    """The platform shop to link: the one with ``shop_cipher``, or the only one."""
    if shop_cipher:
        for candidate in authorized.shops:
            if secrets.compare_digest(candidate.cipher, shop_cipher):
                return candidate
        raise ValidationFailed("the authorization does not cover that shop", field="shop_cipher")
    if len(authorized.shops) == 1:
        return authorized.shops[0]
    raise PlatformChoiceNeeded(
        "the authorization covers several shops: pick one",
        shops=[
            {"shop_id": s.shop_id, "name": s.name, "region": s.region, "cipher": s.cipher}
            for s in authorized.shops
        ],
    )


def link(
    uow: UnitOfWork,
    authorized: Authorized,
    *,
    shop_cipher: str | None = None,
    actor: str = "system",
) -> ShopPlatformLink:
    """Link (or re-link) the shop to the picked platform shop; tokens encrypted at rest."""
    chosen = pick(authorized, shop_cipher)
    workspace_id = authorized.workspace_id
    shop = ShopRepository(uow).shop(workspace_id, authorized.shop_id)
    if shop is None:
        raise NotFound(f"shop {authorized.shop_id} not found")
    repo = PlatformRepository(uow)
    other = repo.link_by_platform_shop(workspace_id, authorized.provider, chosen.shop_id)
    if other is not None and other.shop_id != shop.id:
        raise ValidationFailed(
            f"that platform shop is already linked to shop {other.shop_id}", field="shop_cipher"
        )
    current = repo.link_for_shop(workspace_id, shop.id)
    if current is not None and (
        current.provider != authorized.provider or current.platform_shop_id != chosen.shop_id
    ):
        raise ValidationFailed(
            "this shop is linked to another platform shop; its mirror would mix two shops",
            field="shop_cipher",
        )
    tokens = authorized.tokens
    box = vault()
    now = clock.now()
    if current is None:
        current = ShopPlatformLink(
            workspace_id=workspace_id,
            shop_id=shop.id,
            provider=authorized.provider,
            platform_shop_id=chosen.shop_id,
            status=LinkStatus.ACTIVE,
            linked_by=actor[:200],
            sync_state={},
            status_reason="",
        )
        action = "shop.platform.linked"
    else:
        if current.status != LinkStatus.ACTIVE:
            current.status = LINK_LIFECYCLE.transition(current.status, LinkStatus.ACTIVE)
        current.status_reason = ""
        action = "shop.platform.relinked"
    current.shop_cipher = chosen.cipher
    current.platform_shop_name = chosen.name[:200]
    current.region = chosen.region[:16]
    current.seller_name = tokens.seller_name[:200]
    current.scopes = list(tokens.scopes)
    current.access_token_enc = box.encrypt(tokens.access_token)
    current.refresh_token_enc = box.encrypt(tokens.refresh_token)
    current.access_expires_at = tokens.access_expires_at
    current.refresh_expires_at = tokens.refresh_expires_at
    current.last_refreshed_at = now
    with uow.savepoint():  # two callbacks of one authorization: 409, not a 500
        repo.add(current)
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        object_type="shop",
        object_id=shop.id,
        after={
            "provider": current.provider,
            "platform_shop_id": current.platform_shop_id,
            "platform_shop_name": current.platform_shop_name,
        },
    )
    ensure_refresh_schedule(uow)
    return current


def get_link(uow: UnitOfWork, workspace_id: int, shop_id: int) -> ShopPlatformLink | None:
    return PlatformRepository(uow).link_for_shop(workspace_id, shop_id)


def links(uow: UnitOfWork, workspace_id: int) -> list[ShopPlatformLink]:
    return list(PlatformRepository(uow).links(workspace_id))


def link_view(row: ShopPlatformLink) -> dict[str, Any]:
    """What may be shown of a link: never a token."""
    return {
        "id": row.id,
        "shop_id": row.shop_id,
        "provider": row.provider,
        "platform_shop_id": row.platform_shop_id,
        "platform_shop_name": row.platform_shop_name,
        "region": row.region,
        "seller_name": row.seller_name,
        "status": row.status,
        "status_reason": row.status_reason,
        "access_expires_at": row.access_expires_at,
        "refresh_expires_at": row.refresh_expires_at,
        "last_refreshed_at": row.last_refreshed_at,
        "synced_at": row.synced_at,
        "sync_state": dict(row.sync_state or {}),
        "linked_by": row.linked_by,
        "created_at": row.created_at,
    }


# access and re-authorization ------------------------------------------------------------


@dataclass(frozen=True)
class LinkAccess:
    """A link's identity and encrypted tokens, safe to hold after its unit of work closed."""

    workspace_id: int
    link_id: int
    shop_id: int
    provider: str
    platform_shop_id: str
    shop_cipher: str = field(repr=False)
    access_token_enc: str = field(repr=False)
    refresh_token_enc: str = field(repr=False)
    access_expires_at: datetime

    def access(self) -> port.ShopAccess:
        return port.ShopAccess(
            access_token=vault().decrypt(self.access_token_enc),
            shop_cipher=self.shop_cipher,
            shop_id=self.platform_shop_id,
        )

    def platform(self) -> port.ShopPlatform:
        return platform(self.provider)


def access_of(row: ShopPlatformLink) -> LinkAccess:
    return LinkAccess(
        workspace_id=row.workspace_id,
        link_id=row.id,
        shop_id=row.shop_id,
        provider=row.provider,
        platform_shop_id=row.platform_shop_id,
        shop_cipher=row.shop_cipher,
        access_token_enc=row.access_token_enc,
        refresh_token_enc=row.refresh_token_enc,
        access_expires_at=row.access_expires_at,
    )


def active_access(uow: UnitOfWork, workspace_id: int, shop_id: int) -> LinkAccess:
    row = get_link(uow, workspace_id, shop_id)
    if row is None:
        raise PlatformNotLinked(f"shop {shop_id} is not linked to a platform shop")
    if row.status != LinkStatus.ACTIVE:
        raise PlatformReauthorize(
            "the platform no longer accepts this shop's authorization: connect it again",
            field="shop_id",
        )
    return access_of(row)


def mark_needs_reauth(uow: UnitOfWork, workspace_id: int, link_id: int, reason: str) -> bool:
    """The platform refuses our tokens: stop using them, keep everything else. A no-op when
    the link already waits for re-authorization."""
    repo = PlatformRepository(uow)
    row = repo.link(workspace_id, link_id)
    if row is None or row.status == LinkStatus.NEEDS_REAUTH:
        return False
    LINK_LIFECYCLE.transition(row.status, LinkStatus.NEEDS_REAUTH)
    if not repo.set_status(
        link_id,
        LINK_LIFECYCLE.sources_for(LinkStatus.NEEDS_REAUTH),
        LinkStatus.NEEDS_REAUTH,
        reason,
    ):
        return False
    uow.session.refresh(row)
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor="platform",
        action="shop.platform.needs_reauth",
        object_type="shop",
        object_id=row.shop_id,
        note=reason[:300],
    )
    return True


@dataclass
class Refreshed:
    """A refresh made outside any transaction, to be stored by ``store_refresh``."""

    link_id: int
    workspace_id: int
    old_refresh_enc: str = field(repr=False)
    tokens: port.Tokens | None = field(default=None, repr=False)
    error: port.PlatformError | None = None


def fetch_refresh(link: LinkAccess) -> Refreshed:
    """Ask the platform for a new token pair (no database)."""
    result = Refreshed(link.link_id, link.workspace_id, link.refresh_token_enc)
    try:
        result.tokens = link.platform().refresh(vault().decrypt(link.refresh_token_enc))
    except port.PlatformError as exc:
        result.error = exc
    return result


def store_refresh(uow: UnitOfWork, refreshed: Refreshed, *, actor: str = "platform") -> str:
    """Keep the new tokens (unless another process refreshed first), or mark the link for
    re-authorization when the platform refused the refresh token. Returns what happened."""
    repo = PlatformRepository(uow)
    row = repo.link(refreshed.workspace_id, refreshed.link_id)
    if row is None:
        return "gone"
    if refreshed.error is not None:
        if refreshed.error.needs_authorization:
            mark_needs_reauth(
                uow,
                row.workspace_id,
                row.id,
                f"the platform refused the refresh token: {refreshed.error.message}",
            )
            return "needs_reauth"
        raise refreshed.error
    if row.refresh_token_enc != refreshed.old_refresh_enc:
        return "already"  # another process stored a newer pair first
    assert refreshed.tokens is not None
    tokens = refreshed.tokens
    box = vault()
    row.access_token_enc = box.encrypt(tokens.access_token)
    row.refresh_token_enc = box.encrypt(tokens.refresh_token)
    row.access_expires_at = tokens.access_expires_at
    row.refresh_expires_at = tokens.refresh_expires_at
    row.last_refreshed_at = clock.now()
    uow.flush()
    audit.record(
        uow,
        workspace_id=row.workspace_id,
        actor=actor,
        action="shop.platform.token_refreshed",
        object_type="shop",
        object_id=row.shop_id,
        note=f"request_id={tokens.request_id or ''}",
    )
    return "refreshed"


def call(
    db: Database,
    link: LinkAccess,
    fn: Callable[[port.ShopPlatform, port.ShopAccess], R],
) -> R:
    """Run ``fn`` against the platform for ``link``. When the platform refuses the access
    token, refresh once (stored in a unit of its own) and try again; when the refresh is
    refused too, the link is marked for re-authorization and ``PlatformReauthorize`` raised.
    Each store opens a short transaction of its own; none is held during the calls."""
    shop_platform = link.platform()
    try:
        return fn(shop_platform, link.access())
    except port.AuthorizationLost:
        pass
    refreshed = fetch_refresh(link)
    with db.transaction() as uow:
        outcome = store_refresh(uow, refreshed)
        row = PlatformRepository(uow).link(link.workspace_id, link.link_id)
        fresh = access_of(row) if row is not None else None
    if outcome == "needs_reauth" or fresh is None:
        raise PlatformReauthorize(
            "the platform no longer accepts this shop's authorization: connect it again",
            field="shop_id",
        )
    try:
        return fn(shop_platform, fresh.access())
    except port.AuthorizationLost as exc:
        with db.transaction() as uow:
            mark_needs_reauth(uow, link.workspace_id, link.link_id, exc.message)
        raise PlatformReauthorize(
            "the platform no longer accepts this shop's authorization: connect it again",
            field="shop_id",
        ) from None


# refresh schedule ---------------------------------------------------------------------


def ensure_refresh_schedule(uow: UnitOfWork) -> None:
    ensure_schedule(
        uow,
        REFRESH_SCHEDULE,
        REFRESH_SCHEDULE,
        interval_seconds=shop_settings().platform_refresh_check_seconds,
    )


def enqueue_due_refreshes(uow: UnitOfWork) -> int:
    """One refresh job per active link whose access token expires within the margin."""
    settings = shop_settings()
    before = clock.now() + timedelta(seconds=settings.platform_refresh_before_seconds)
    count = 0
    repo = PlatformRepository(uow)
    for workspace_id, link_id in repo.due_for_refresh(LinkStatus.ACTIVE, before):
        row = repo.link(workspace_id, link_id)
        if row is None:
            continue
        stamp = int(row.access_expires_at.timestamp())
        enqueue(
            uow,
            REFRESH_JOB,
            {"workspace_id": workspace_id, "link_id": link_id},
            dedupe_key=f"{REFRESH_JOB}:{link_id}:{stamp}",
            workspace_id=workspace_id,
        )
        count += 1
    return count


def refresh_needed(row: ShopPlatformLink) -> bool:
    before = timedelta(seconds=shop_settings().platform_refresh_before_seconds)
    return row.status == LinkStatus.ACTIVE and refresh_due(
        row.access_expires_at, clock.now(), before
    )


def prefetch_refresh(db: Database, workspace_id: int, link_id: int) -> Refreshed | None:
    """The refresh job's platform call, made before its transaction opens; None when the
    link is gone, waits for re-authorization, or was refreshed meanwhile."""
    with db.read() as uow:
        row = PlatformRepository(uow).link(workspace_id, link_id)
        if row is None or not refresh_needed(row):
            return None
        link_access = access_of(row)
    return fetch_refresh(link_access)
