"""The signed HTTP core: one keep-alive ``httpx.Client``, a rate limiter per shop, retries
(tenacity), the envelope, counters.

Rules:
- Every call is signed afresh (spec §1.8) with a new ``timestamp``, so a retry after a long
  backoff is never refused for an old timestamp; the body is serialized once per call and the
  same bytes are signed and sent.
- The limiter is keyed by shop (``shop_cipher``): the platform limits each shop, so every
  client of one app in a process shares one limiter, and a call holds its place until its
  answer is back (``kit.ratelimit``), which keeps the platform's count within the limit.
- A throttled call was refused before anything happened and is always retried; a server or
  network failure after sending is retried only for idempotent calls.
- Typed endpoints live in ``api.py`` (``client.for_shop(token, cipher)``) and ``auth.py``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from promodesk.integrations.tiktok.stats import Stats
from promodesk.integrations.tiktok_shop import envelope, signing
from promodesk.integrations.tiktok_shop.errors import (
    AppCredentialsInvalid,
    ServerError,
    ShopApiError,
    Throttled,
    Transport,
)
from promodesk.integrations.tiktok_shop.settings import TikTokShopSettings
from promodesk.kit import ratelimit, redact
from promodesk.kit.http import pooled_client
from promodesk.kit.ratelimit import Limiter, Limits, make_limiter

if TYPE_CHECKING:
    from promodesk.integrations.tiktok_shop.api import ShopApi

log = logging.getLogger("promodesk.integrations.tiktok_shop")

APP_SCOPE = "app"  # the limiter key of calls made for no shop (authorized shops, tokens)


def namespace(settings: TikTokShopSettings) -> str:
    """The app's name for its limiter, in this process and in Redis."""
    return f"promodesk:ratelimit:tiktok-shop:{settings.app_key}@{settings.base_url}"


def build_limiter(settings: TikTokShopSettings) -> Limiter:
    """Per shop; shared by every process through Redis when ``PROMODESK_REDIS_URL`` is set."""
    return make_limiter(
        Limits(settings.qps, settings.qpm),
        spread=settings.limiter_spread,
        hold=True,
        redis_url=settings.redis_url,
        namespace=namespace(settings),
        longest_call=2 * settings.timeout_seconds + settings.connect_timeout_seconds,
    )


def shared_limiter(settings: TikTokShopSettings) -> Limiter:
    """All clients of one app against one base URL share one limiter per process."""
    return ratelimit.shared(namespace(settings), lambda: build_limiter(settings))


def should_retry(error: BaseException, *, idempotent: bool) -> bool:
    if isinstance(error, Throttled):
        return True
    if isinstance(error, Transport):
        return idempotent or not error.sent
    if isinstance(error, ServerError):
        return idempotent
    return False


_UNSET: Any = object()


class TikTokShopClient:
    """Thread-safe; share one per process."""

    def __init__(
        self,
        settings: TikTokShopSettings,
        *,
        limiter: Limiter | None = _UNSET,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        if limiter is _UNSET:
            limiter = shared_limiter(settings) if settings.limiter_enabled else None
        self.limiter: Limiter | None = limiter
        self.stats = Stats()
        self._sleep = sleep
        self._clock = clock
        self._secret = settings.app_secret.get_secret_value()
        redact.install_log_filter()
        self._http = pooled_client(
            timeout=settings.timeout_seconds,
            connect_timeout=settings.connect_timeout_seconds,
            max_connections=settings.max_connections,
            keepalive=settings.keepalive_seconds,
            user_agent="promodesk-tiktok-shop/1",
            transport=transport,
        )

    def __enter__(self) -> TikTokShopClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def app_key(self) -> str:
        return self.settings.app_key

    def for_shop(self, access_token: str, shop_cipher: str) -> ShopApi:
        """The typed endpoints of one authorized shop."""
        from promodesk.integrations.tiktok_shop.api import ShopApi

        return ShopApi(self, access_token, shop_cipher)

    def require_app(self) -> None:
        if not self.settings.app_key or not self._secret:
            raise AppCredentialsInvalid(
                "PROMODESK_SHOP_PLATFORM_APP_KEY and PROMODESK_SHOP_PLATFORM_APP_SECRET must be set"
            )

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        shop_cipher: str | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> envelope.Reply:
        """A signed call of ``path`` on the API host; the envelope's data and request id.

        Raises a ``ShopApiError`` once retries are exhausted or the error is not retryable."""
        self.require_app()
        content = envelope.encode_body(body) if body is not None else None
        return self._retrying(
            method, path, idempotent, token, content, shop_cipher, params or {}, signed=True
        )

    def auth_request(
        self, path: str, params: Mapping[str, Any], *, idempotent: bool
    ) -> envelope.Reply:
        """A call on the token host (``/api/v2/token/...``): app key and secret in the query,
        no signature (spec §1.11)."""
        self.require_app()
        query = {"app_key": self.settings.app_key, "app_secret": self._secret, **params}
        url = f"{self.settings.token_url}{path}"
        return self._retrying("GET", url, idempotent, None, None, None, query, signed=False)

    def _retrying(
        self,
        method: str,
        path: str,
        idempotent: bool,
        token: str | None,
        content: bytes | None,
        shop_cipher: str | None,
        params: Mapping[str, Any],
        *,
        signed: bool,
    ) -> envelope.Reply:
        secrets = tuple(s for s in (token, self._secret, *_credential_values(params)) if s)

        def on_retry(state: RetryCallState) -> None:
            self.stats.add(retries=1)
            error = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            log.warning(
                "tiktok shop %s %s: %s; retry %d in %.2fs",
                method,
                redact.scrub(path, *secrets),
                redact.scrub(str(error), *secrets),
                state.attempt_number,
                wait,
            )

        settings = self.settings
        retrying = Retrying(
            stop=stop_after_attempt(settings.max_attempts),
            wait=wait_exponential(
                multiplier=settings.backoff_initial_seconds, max=settings.backoff_max_seconds
            )
            + wait_random(0, settings.backoff_jitter_seconds),
            retry=retry_if_exception(lambda e: should_retry(e, idempotent=idempotent)),
            before_sleep=on_retry,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            reply: envelope.Reply = retrying(
                self._once, method, path, token, content, shop_cipher, params, signed, secrets
            )
        except ShopApiError:
            self.stats.add(errors=1)
            raise
        return reply

    def _query(
        self, path: str, shop_cipher: str | None, params: Mapping[str, Any], content: bytes | None
    ) -> dict[str, str]:
        query = {key: _text(value) for key, value in params.items() if value is not None}
        query["app_key"] = self.settings.app_key
        query["timestamp"] = str(int(self._clock()))
        if shop_cipher:
            query["shop_cipher"] = shop_cipher
        query["sign"] = signing.sign_request(self._secret, path, query, content or b"")
        return query

    @contextmanager
    def _place(self, shop_cipher: str | None) -> Iterator[None]:
        if self.limiter is None:
            yield
            return
        with self.limiter.call(shop_cipher or APP_SCOPE) as grant:
            if grant.waited > 0:
                self.stats.add(limiter_waits=1, limiter_wait_seconds=grant.waited)
            yield

    def _once(
        self,
        method: str,
        path: str,
        token: str | None,
        content: bytes | None,
        shop_cipher: str | None,
        params: Mapping[str, Any],
        signed: bool,
        secrets: tuple[str, ...],
    ) -> envelope.Reply:
        headers: dict[str, str] = {}
        if token:
            headers["x-tts-access-token"] = token
        if content is not None:
            headers["Content-Type"] = "application/json"
        if signed:
            query = self._query(path, shop_cipher, params, content)
            url = f"{self.settings.base_url}{path}"
        else:
            query = {key: _text(value) for key, value in params.items() if value is not None}
            url = path
        endpoint = redact.scrub(path.removeprefix(self.settings.token_url), *secrets)
        request = self._http.build_request(
            method, url, params=query, content=content, headers=headers
        )
        self.stats.add(requests=1)
        try:
            with self._place(shop_cipher):
                started = time.perf_counter()
                response = self._http.send(request, stream=True)
                answered = time.perf_counter()
            try:
                response.read()
            finally:
                response.close()
        except httpx.TransportError as exc:
            sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            detail = redact.scrub(f"{type(exc).__name__}: {exc}", *secrets)
            raise Transport(detail, endpoint=endpoint, sent=sent) from None
        self.stats.add(answer_seconds=answered - started)
        try:
            return envelope.parse(
                response.status_code,
                response.content,
                endpoint=endpoint,
                redact=lambda text: redact.scrub(text, *secrets),
            )
        except Throttled:
            self.stats.add(throttles=1)
            raise


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _credential_values(params: Mapping[str, Any]) -> list[str]:
    return [
        str(params[key]) for key in ("auth_code", "refresh_token", "app_secret") if params.get(key)
    ]
