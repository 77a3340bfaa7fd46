"""Translations from Babel catalogs, with or without the compiled ``.mo`` files.

Rules:
- A catalog lives at ``<dir>/<locale>/LC_MESSAGES/<domain>.po``; ``make translations`` compiles it
  to ``.mo``. When the ``.mo`` is missing or older than its ``.po`` (someone edited the catalog
  and did not compile), the ``.po`` is compiled in memory, so a checkout works without a make
  step and never shows stale text.
- The first supported locale is the source language: its catalog may be empty and an
  untranslated message falls back to the source text.
- Locale names follow Babel (``en``, ``zh_Hans``); the HTML ``lang`` attribute uses BCP 47
  (``zh-Hans``).
"""

from __future__ import annotations

import threading
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations


def html_lang(locale: str) -> str:
    return locale.replace("_", "-")


class Catalogs:
    """The translations of one domain for a fixed list of locales, loaded once and cached."""

    def __init__(self, directory: Path, locales: tuple[str, ...], domain: str = "messages") -> None:
        if not locales:
            raise ValueError("give at least one locale")
        self.directory = directory
        self.locales = locales
        self.domain = domain
        self._loaded: dict[str, NullTranslations] = {}
        self._lock = threading.Lock()

    @property
    def default(self) -> str:
        return self.locales[0]

    def normalize(self, value: str | None) -> str | None:
        """Map user input (``zh-hans``, ``ZH_hans``, ``en-US``) onto a supported locale."""
        if not value:
            return None
        wanted = value.strip().replace("-", "_").lower()
        for locale in self.locales:
            if locale.lower() == wanted:
                return locale
        return None

    def negotiate(self, accept_language: str) -> str:
        """Pick a locale from an ``Accept-Language`` header (first supported language wins)."""
        ranked: list[tuple[float, int, str]] = []
        for index, part in enumerate(accept_language.split(",")):
            tag, _, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            if tag:
                ranked.append((-quality, index, tag.lower()))
        for _q, _i, tag in sorted(ranked):
            exact = self.normalize(tag)
            if exact:
                return exact
            language = tag.split("-")[0]
            for locale in self.locales:
                if locale.lower().split("_")[0] == language:
                    return locale
        return self.default

    def get(self, locale: str) -> NullTranslations:
        locale = self.normalize(locale) or self.default
        with self._lock:
            found = self._loaded.get(locale)
            if found is None:
                found = self._load(locale)
                self._loaded[locale] = found
            return found

    def _load(self, locale: str) -> NullTranslations:
        folder = self.directory / locale / "LC_MESSAGES"
        po = folder / f"{self.domain}.po"
        mo = folder / f"{self.domain}.mo"
        if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
            with mo.open("rb") as fp:
                return Translations(fp, domain=self.domain)
        if not po.exists():
            return NullTranslations()
        with po.open("rb") as fp:
            catalog = read_po(fp, locale=locale, domain=self.domain)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=self.domain)

    def gettext(self, locale: str, message: str, **variables: object) -> str:
        text = self.get(locale).gettext(message)
        return text % variables if variables else text
