"""The console's shared machinery: catalogs, one Jinja2 environment per locale, cookie signers.

Rules:
- Templates are autoescaped; translated text goes through the i18n extension (new-style
  gettext, so ``%(name)s`` placeholders are escaped too).
- Every cookie the console reads back is signed with the settings' secret key (itsdangerous,
  one salt per purpose), so a client can neither forge a session nor inject flash text.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime, format_timedelta, get_timezone_name
from babel.numbers import format_decimal
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from promodesk.console import labels, pickers, rules_texts
from promodesk.kit.i18n import Catalogs, html_lang
from promodesk.kit.money import Money, price_text
from promodesk.web import AppState

HERE = Path(__file__).parent
LOCALES = ("en", "zh_Hans")
LOCALE_NAMES = {"en": "English", "zh_Hans": "简体中文"}

SESSION_COOKIE = "promodesk_session"
LOCALE_COOKIE = "promodesk_locale"
FLASH_COOKIE = "promodesk_flash"
FORM_COOKIE = "promodesk_form"  # CSRF token of forms shown before login (double submit)
LOCALE_COOKIE_AGE = 365 * 24 * 3600

_catalogs = Catalogs(HERE / "locales", LOCALES)


def catalogs() -> Catalogs:
    return _catalogs


class Console:
    """Per-app console state: kept on ``app.state.console``."""

    def __init__(self, st: AppState) -> None:
        self.st = st
        self.catalogs = _catalogs
        secret = st.settings.ensure_secret_key()
        self.session_signer = URLSafeTimedSerializer(secret, salt="promodesk.console.session")
        self.flash_signer = URLSafeSerializer(secret, salt="promodesk.console.flash")
        self.form_signer = URLSafeSerializer(secret, salt="promodesk.console.form")
        self._envs: dict[str, Environment] = {}
        self._lock = threading.Lock()

    @property
    def cookie_secure(self) -> bool:
        return self.st.settings.cookie_secure

    @property
    def session_max_age(self) -> int:
        return self.st.settings.session_max_age_seconds

    def env(self, locale: str) -> Environment:
        """One environment per locale: translations are bound once, never swapped per request
        (an environment is shared by every request thread)."""
        with self._lock:
            env = self._envs.get(locale)
            if env is None:
                env = _make_env(locale, self.catalogs)
                self._envs[locale] = env
            return env

    def render(self, locale: str, template: str, context: dict[str, Any]) -> str:
        return self.env(locale).get_template(template).render(context)

    def gettext(self, locale: str, message: str, **variables: object) -> str:
        return self.catalogs.gettext(locale, message, **variables)


def _make_env(locale: str, cats: Catalogs) -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translations = cats.get(locale)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        lang=html_lang(locale),
        locale=locale,
        locale_names=LOCALE_NAMES,
        zone_name=lambda zone=None: zone_name(zone, locale),
    )

    @pass_context
    def _when(context: Context, value: datetime | str | None) -> str:
        return when(value, locale, context.get("zone"))

    env.filters["when"] = _when
    # a time in a zone the page names beside it (a card of one shop among several)
    env.filters["when_in"] = lambda value, zone: when(value, locale, zone)
    env.filters["label"] = lambda code, kind: labels.label(kind, code, translations.gettext)
    env.filters["op_title"] = lambda op: labels.operation_title(
        env.getattr(op, "title"), env.getattr(op, "kind"), translations.gettext
    )
    env.filters["in_words"] = lambda value: in_words(value, locale)
    env.filters["from_now"] = lambda value: in_words(value, locale, direction=True)
    env.filters["number"] = lambda value: format_decimal(value, locale=_babel(locale))
    env.filters["day"] = lambda value: day_in_words(value, locale)
    env.filters["compact_json"] = compact_json
    # Minor units of a currency as the reader writes the amount, every digit kept: the currency's
    # own exponent (JPY has none, CNY two), its symbol and the locale's separators.
    env.filters["money"] = lambda minor, currency: price_text(Money(int(minor), currency), locale)
    pickers.install(env, locale)
    rules_texts.install(env, locale, translations.gettext)
    return env


def _babel(locale: str) -> str:
    return "zh_Hans_CN" if locale == "zh_Hans" else locale


def _zone(name: str | None) -> tzinfo:
    if not name or name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def when(value: datetime | str | None, locale: str, zone: str | None = None) -> str:
    """A timestamp as people read it: in UTC unless the page is about an object with its own
    zone (a shop's pages pass ``zone``, and their footer names it). ISO strings are accepted."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    tz = _zone(zone)
    stamp = format_datetime(value.astimezone(tz), "yyyy-MM-dd HH:mm:ss", tzinfo=tz, locale="en")
    return f"{stamp} UTC" if tz is UTC else f"{stamp} ({zone})"


def zone_name(zone: str | None, locale: str) -> str:
    """A time zone named for people: "China Time (Asia/Shanghai, UTC+08:00)" or "UTC"."""
    tz = _zone(zone)
    if tz is UTC:
        return "UTC"
    offset = datetime.now(UTC).astimezone(tz).strftime("%z")
    name = get_timezone_name(tz, locale=_babel(locale))
    separator = "，" if locale.startswith("zh") else ", "
    open_, close = ("（", "）") if locale.startswith("zh") else (" (", ")")
    return f"{name}{open_}{zone}{separator}UTC{offset[:3]}:{offset[3:]}{close}"


def in_words(value: timedelta | float | int, locale: str, direction: bool = False) -> str:
    """A duration in the reader's language ("24 hours", "24小时"; with ``direction``: "in 24
    hours", "24小时后"); numbers are seconds."""
    delta = value if isinstance(value, timedelta) else timedelta(seconds=float(value))
    return str(format_timedelta(delta, threshold=2, add_direction=direction, locale=_babel(locale)))


def day_in_words(value: date | None, locale: str) -> str:
    """A calendar date in words in the reader's language ("December 28, 2026", "2026年12月28日")."""
    if value is None:
        return "—"
    return str(format_date(value, format="long", locale=_babel(locale)))


def compact_json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message
