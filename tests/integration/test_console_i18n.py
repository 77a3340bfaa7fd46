"""The console's catalogs: complete, loadable without compiled files, never stale."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from promodesk.console.core import HERE, LOCALES
from promodesk.kit.i18n import Catalogs, html_lang

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = HERE / "locales"


def _po(locale: str) -> Catalog:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=locale)


def _source_messages() -> set[tuple[str | None, str]]:
    """Extract the messages (with their contexts) from the sources now, into a temporary
    .pot, with babel.cfg's own command (``pybabel extract -F babel.cfg -k N_``)."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        CommandLineInterface().run(
            [
                *("pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "N_"),
                *("--no-location", "-o", str(pot), str(ROOT)),
            ]
        )
        with pot.open("rb") as fp:
            catalog = read_po(fp)
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def test_every_source_message_is_translated_to_chinese() -> None:
    sources = _source_messages()
    assert (None, "Log in") in sources
    assert ("status", "Started") in sources  # pgettext is extracted with its context
    zh = _po("zh_Hans")
    untranslated = sorted(
        (c or "", m)
        for c, m in sources
        if not ((found := zh.get(m, context=c)) and found.string and not found.fuzzy)
    )
    assert untranslated == [], "run the babel.cfg steps and translate: " + repr(untranslated)
    en = _po("en")
    assert sorted((c or "", m) for c, m in sources if en.get(m, context=c) is None) == []


def test_no_chinese_entry_is_untranslated_or_fuzzy() -> None:
    zh = _po("zh_Hans")
    bad = [
        (m.context, m.id)
        for m in zh
        if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string)))
    ]
    assert bad == []


def test_a_fuzzy_or_missing_entry_is_caught(tmp_path: Path) -> None:
    """The checks above read what they claim to: a fuzzy flag and an empty string count."""
    catalog = Catalog(locale="zh_Hans")
    catalog.add("Log in", "登录", flags=("fuzzy",))
    catalog.add("Started", "", context="status")
    found = catalog.get("Log in")
    assert found is not None
    assert found.fuzzy
    started = catalog.get("Started", context="status")
    assert started is not None
    assert not started.string
    assert catalog.get("Started") is None  # a context is part of the key


def test_one_msgid_two_meanings_has_two_contexts() -> None:
    cats = Catalogs(LOCALE_DIR, LOCALES)
    zh = cats.get("zh_Hans")
    assert zh.pgettext("status", "Started") == "已开始"
    assert zh.pgettext("date", "Started") == "开始时间"
    assert zh.pgettext("status", "Ended") == "已结束"
    assert zh.pgettext("date", "Ended") == "结束时间"
    assert zh.gettext("minimum %(limit)s, value %(value)s").startswith("下限")
    assert zh.gettext("Called off") == "已撤销"


def test_translations_keep_their_placeholders() -> None:
    for locale in LOCALES:
        catalog = _po(locale)
        problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
        assert problems == [], locale


def test_catalogs_work_without_compiled_files(tmp_path: Path) -> None:
    for locale in LOCALES:
        folder = tmp_path / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        shutil.copy(LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po", folder)
    cats = Catalogs(tmp_path, LOCALES)
    assert cats.gettext("zh_Hans", "Log in") == "登录"
    assert cats.gettext("zh_Hans", "Job %(id)s", id=7) == "任务 7"
    assert cats.gettext("en", "Log in") == "Log in"
    assert cats.gettext("fr", "Log in") == "Log in"  # unknown locales fall back to English


def test_a_stale_compiled_file_is_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    old = Catalog(locale="zh_Hans")
    old.add("Log in", "旧的翻译")
    buffer = BytesIO()
    write_mo(buffer, old)
    (folder / "messages.mo").write_bytes(buffer.getvalue())
    shutil.copy(LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "messages.po", folder)
    mo_time = (folder / "messages.mo").stat().st_mtime
    os.utime(folder / "messages.po", (mo_time + 10, mo_time + 10))
    assert Catalogs(tmp_path, ("en", "zh_Hans")).gettext("zh_Hans", "Log in") == "登录"
    # a fresh compiled file is used as it is
    os.utime(folder / "messages.mo", (mo_time + 20, mo_time + 20))
    assert Catalogs(tmp_path, ("en", "zh_Hans")).gettext("zh_Hans", "Log in") == "旧的翻译"


def test_locale_names_and_negotiation() -> None:
    cats = Catalogs(LOCALE_DIR, LOCALES)
    assert cats.normalize("zh-hans") == "zh_Hans"
    assert cats.normalize("ZH_HANS") == "zh_Hans"
    assert cats.normalize("klingon") is None
    assert cats.negotiate("zh-CN,zh;q=0.9,en;q=0.8") == "zh_Hans"
    assert cats.negotiate("en-GB,en;q=0.9,zh;q=0.8") == "en"
    assert cats.negotiate("de;q=0.9, zh;q=0.5") == "zh_Hans"
    assert cats.negotiate("fr, de") == "en"
    assert cats.negotiate("zh;q=abc, en") == "en"
    assert cats.negotiate("") == "en"
    assert html_lang("zh_Hans") == "zh-Hans"


def test_every_chinese_entry_formats_like_its_english() -> None:
    """The console's gettext is new-style: every message goes through ``%`` with its named
    values, even one with none, so a bare "30%" in a translation breaks the page (a 500)."""
    zh = _po("zh_Hans")
    broken = []
    for message in zh:
        if not message.id or not isinstance(message.id, str):
            continue
        values = dict.fromkeys(re.findall(r"%\((\w+)\)", message.id), "1")
        try:
            message.id % values
        except (ValueError, TypeError, KeyError):
            continue  # formatted some other way by its code
        try:
            str(message.string) % values
        except (ValueError, TypeError, KeyError) as exc:
            broken.append((message.id, message.string, str(exc)))
    assert broken == []
