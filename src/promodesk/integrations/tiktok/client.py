"""The HTTP core: one keep-alive ``httpx.Client``, the limiter, retries, envelopes, counters.

Typed endpoint methods live in ``api/`` (``client.for_token(token)``) and ``oauth.py``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx
from tenacity import RetryCallState

from promodesk.integrations.tiktok import envelope
from promodesk.integrations.tiktok.errors import Throttled, TikTokError, Transport
from promodesk.integrations.tiktok.retry import policy
from promodesk.integrations.tiktok.settings import TikTokSettings
from promodesk.integrations.tiktok.stats import Stats
from promodesk.kit import ratelimit, redact
from promodesk.kit.http import pooled_client
from promodesk.kit.ratelimit import Limiter, Limits, make_limiter

if TYPE_CHECKING:
    from promodesk.integrations.tiktok.api.token import TikTokApi

log = logging.getLogger("promodesk.integrations.tiktok")


def namespace(settings: TikTokSettings) -> str:
    """The app's name for its limiter, in this process and in Redis."""
    return f"promodesk:ratelimit:tiktok:{settings.app_id}@{settings.base_url}"


def build_limiter(settings: TikTokSettings) -> Limiter:
    """Per endpoint; shared by every process through Redis when ``PROMODESK_REDIS_URL`` is set."""
    overrides = {path: Limits(qps, qpm) for path, (qps, qpm) in settings.endpoint_limits.items()}
    return make_limiter(
        Limits(settings.qps, settings.qpm),
        overrides,
        margin=settings.limiter_margin_seconds,
        spread=settings.limiter_spread,
        hold=settings.limiter_hold_until_answer,
        redis_url=settings.redis_url,
        namespace=namespace(settings),
        # A place in flight is given up for lost after the longest one attempt can take.
        longest_call=2 * settings.timeout_seconds + settings.connect_timeout_seconds,
    )


def shared_limiter(settings: TikTokSettings) -> Limiter:
    """TikTok limits each app per endpoint, so all clients of one app in a process share one."""
    return ratelimit.shared(namespace(settings), lambda: build_limiter(settings))


_UNSET: Any = object()


class TikTokClient:
    """Thread-safe; share one per process (or per sync run, for per-run counters)."""

    def __init__(
        self,
        settings: TikTokSettings,
        *,
        limiter: Limiter | None = _UNSET,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        if limiter is _UNSET:
            limiter = shared_limiter(settings) if settings.limiter_enabled else None
        self.limiter: Limiter | None = limiter
        self.stats = Stats()
        self._sleep = sleep
        self._secret = settings.secret.get_secret_value()
        redact.install_log_filter()
        self._http = pooled_client(
            timeout=settings.timeout_seconds,
            connect_timeout=settings.connect_timeout_seconds,
            max_connections=settings.max_connections,
            keepalive=settings.keepalive_seconds,
            user_agent="promodesk-tiktok/1",
            base_url=settings.api_url,
            transport=transport,
        )

    def __enter__(self) -> TikTokClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def for_token(self, access_token: str) -> TikTokApi:
        """The typed endpoint methods, acting with ``access_token``."""
        from promodesk.integrations.tiktok.api.token import TikTokApi

        return TikTokApi(self, access_token)

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """Call ``/open_api/v1.3/{path}`` and return the envelope's ``data``.

        Raises a ``TikTokError`` once retries are exhausted or the error is not retryable.
        """
        result: dict[str, Any] = self._call(
            method, path, token, params, body, idempotent, envelope.parse
        )
        return result

    def request_report(
        self, path: str, *, token: str, params: Mapping[str, Any] | None = None
    ) -> envelope.ReportPage:
        """GET a report page: its rows decoded straight into ``ReportRow`` structs, with the
        answer's HTTP headers (see ``envelope.parse_report``)."""
        result: envelope.ReportPage = self._call(
            "GET", path, token, params, None, True, envelope.parse_report
        )
        return result

    def request_list(
        self, path: str, *, token: str, params: Mapping[str, Any] | None = None
    ) -> envelope.RawList:
        """GET a list page: its items as raw JSON (see ``envelope.parse_list``)."""
        result: envelope.RawList = self._call(
            "GET", path, token, params, None, True, envelope.parse_list
        )
        return result

    def _call(
        self,
        method: str,
        path: str,
        token: str | None,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        idempotent: bool,
        decode: Callable[..., Any],
    ) -> Any:
        secrets = tuple(s for s in (token, self._secret) if s)

        def on_retry(state: RetryCallState) -> None:
            self.stats.add(retries=1)
            error = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            log.warning(
                "tiktok %s %s: %s; retry %d in %.2fs",
                method,
                path,
                redact.scrub(str(error), *secrets),
                state.attempt_number,
                wait,
            )

        retrying = policy(
            max_attempts=self.settings.max_attempts,
            initial=self.settings.backoff_initial_seconds,
            maximum=self.settings.backoff_max_seconds,
            jitter=self.settings.backoff_jitter_seconds,
            idempotent=idempotent,
            on_retry=on_retry,
            sleep=self._sleep,
        )
        try:
            result = retrying(
                self._once,
                method,
                path,
                token=token,
                params=params,
                body=body,
                secrets=secrets,
                decode=decode,
            )
        except TikTokError:
            self.stats.add(errors=1)
            raise
        return result

    @contextmanager
    def _place(self, path: str) -> Iterator[None]:
        """The limiter's place for one call, held until its answer is back (see limiter.py)."""
        if self.limiter is None:
            yield
            return
        with self.limiter.call(path) as grant:
            if grant.waited > 0:
                self.stats.add(limiter_waits=1, limiter_wait_seconds=grant.waited)
            yield

    def _once(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        secrets: tuple[str, ...],
        decode: Callable[..., Any] = envelope.parse,
    ) -> Any:
        headers = {"Access-Token": token} if token else {}
        content = None
        if body is not None:
            content = envelope.encode_body(body)
            headers["Content-Type"] = "application/json"
        query = envelope.encode_query(params or {})
        request = self._http.build_request(
            method, path, params=query, content=content, headers=headers
        )
        self.stats.add(requests=1)
        try:
            with self._place(path):
                started = time.perf_counter()
                response = self._http.send(request, stream=True)
                # The server counted the call before it began to answer: the place is given
                # back at the answer's head, and the body is read after.
                answered = time.perf_counter()
            try:
                response.read()
            finally:
                response.close()
        except httpx.TransportError as exc:
            sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            detail = redact.scrub(f"{type(exc).__name__}: {exc}", *secrets)
            raise Transport(detail, endpoint=path, sent=sent) from None
        self.stats.add(answer_seconds=answered - started)
        elapsed_ms = (time.perf_counter() - started) * 1000
        try:
            data = decode(
                response.status_code,
                response.content,
                endpoint=path,
                redact=lambda text: redact.scrub(text, *secrets),
                headers=response.headers,
            )
        except Throttled:
            self.stats.add(throttles=1)
            raise
        except TikTokError as error:
            log.debug("tiktok %s %s -> %s in %.0f ms", method, path, error, elapsed_ms)
            raise
        log.debug(
            "tiktok %s %s %s -> ok in %.0f ms",
            method,
            path,
            redact.scrub(str(sorted(query.items())), *secrets),
            elapsed_ms,
        )
        return data
