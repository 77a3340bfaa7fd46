"""Country, currency and time-zone fields of the console are pickers with names in the reader's
language, sorted the way it sorts; a name typed in (or sent by hand) is never turned into a
wrong code."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from fastapi.testclient import TestClient

from promodesk.kit.db import Database
from promodesk.promote.service import creators as creators_service
from tests.integration.test_console_support import (
    console_client,
    flashes_at,
    log_in,
    new_member,
    post_form,
    refused_form,
)

CREATOR = {
    "display_name": "Mei's studio",
    "birth_date": "1992-03-04",
    "account_type": "creator",
    "device_os": "android",
    "app_version": "21.0",
}
REQUEST = {"name": "Mei ads", "industry": "Retail", "country": "SG", "currency": "USD"}


def field(html: str, name: str) -> str:
    """The HTML of the form field called ``name`` (an input, or a select with its options)."""
    found = re.search(rf'<select name="{name}"[^>]*>.*?</select>', html, re.S) or re.search(
        rf'<input[^>]*name="{name}"[^>]*>', html
    )
    assert found, f"no field {name}"
    return found.group(0)


def options(html: str, name: str) -> list[tuple[str, str]]:
    """(value, label) of each option of the select ``name``, in page order."""
    pairs = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', field(html, name))
    return [(v, unescape(label)) for v, label in pairs]


def selected(html: str, name: str) -> str:
    found = re.search(r'<option value="([^"]*)" selected>', field(html, name))
    assert found, f"nothing selected in {name}"
    return found.group(1)


def typed_into(html: str, name: str, text: str) -> str:
    """What a browser sends for the field ``name`` after a person types ``text`` into it: a
    text box keeps the first ``maxlength`` characters (and the form upper-cases nothing, the
    server did); a select picks the first option whose label starts with the text."""
    tag = field(html, name)
    if tag.startswith("<input"):
        limit = re.search(r'maxlength="(\d+)"', tag)
        return text[: int(limit.group(1))] if limit else text
    for value, label in options(html, name):
        if value and label.casefold().startswith(text.casefold()):
            return value
    return ""


def _region_of_new_creator(client: TestClient, csrf: str, handle: str, region: str) -> str:
    post_form(client, "/promote/creators", {**CREATOR, "handle": handle, "region": region}, csrf)
    page = client.get("/promote").text
    row = re.search(rf'@{handle}</a>.*?<td data-region="([^"]*)">', page, re.S) or re.search(
        rf"@{handle}</a>.*?<td>([^<]*)</td>", page, re.S
    )
    assert row, page
    return row.group(1).strip()


def test_indonesia_typed_into_the_creators_region_is_indonesia(
    db: Database, tmp_path: Path
) -> None:
    """It used to be a two-letter text box: "Indonesia" became "In", stored as IN (India)."""
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, new_member(db, "owner"))
        sent = typed_into(client.get("/promote").text, "region", "Indonesia")
        assert _region_of_new_creator(client, csrf, "mei.indo", sent) == "ID"
        assert '<td data-region="ID">Indonesia (ID)</td>' in client.get("/promote").text


def test_a_name_sent_as_region_is_refused_naming_it(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        said = refused_form(
            client, "/promote/creators", {**CREATOR, "handle": "mei.x", "region": "Indonesia"}, csrf
        )
        assert "“Indonesia” is not a country code; did you mean ID?" in said
        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/promote"}, csrf)
        said = refused_form(
            client, "/promote/creators", {**CREATOR, "handle": "mei.y", "region": "Atlantis"}, csrf
        )
        assert "“Atlantis”不是国家或地区代码；请从列表中选择国家或地区。" in said
    with db.transaction() as uow:
        assert creators_service.list_creators(uow, member.workspace.id, after_id=0, limit=5) == []


def test_the_creators_region_is_a_picker_in_both_languages(db: Database, tmp_path: Path) -> None:
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, new_member(db, "owner"))
        en = client.get("/promote").text
        labels = [label for _v, label in options(en, "region")]
        assert labels[0] == "Choose a country"
        assert "Indonesia (ID)" in labels
        assert "New Zealand (NZ)" in labels  # not launched there, but a creator may live there
        assert '<optgroup label="Where Promote is launched">' in field(en, "region")
        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/promote"}, csrf)
        zh = client.get("/promote").text
        launched = re.search(r'<optgroup label="Promote 已上线的地区">(.*?)</optgroup>', zh, re.S)
        assert launched
        names = re.findall(r">([^<(]+) \(", launched.group(1))
        # pinyin order: ā, bā, …, zhōng
        assert names.index("澳大利亚") < names.index("巴西") < names.index("印度尼西亚")
        assert names[0] == "阿拉伯联合酋长国"


def test_the_account_request_form_has_three_pickers_named_in_chinese(
    db: Database, tmp_path: Path
) -> None:
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, new_member(db, "owner"))
        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/accounts/request"}, csrf)
        page = client.get("/accounts/request").text
        countries = [label for _v, label in options(page, "country")]
        assert countries.index("阿根廷 (AR)") < countries.index("巴西 (BR)")
        assert countries.index("巴西 (BR)") < countries.index("中国 (CN)")
        assert selected(page, "country") == "SG"
        assert ("IDR", "印度尼西亚卢比 (IDR)") in options(page, "currency")
        assert selected(page, "currency") == "USD"
        zones = dict(options(page, "timezone"))
        assert zones["Asia/Jakarta"] == "印度尼西亚 · 雅加达 · UTC+07:00 (Asia/Jakarta)"
        assert selected(page, "timezone") == "Asia/Singapore"


def test_the_account_request_refuses_names(db: Database, tmp_path: Path) -> None:
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, new_member(db, "owner"))
        for data, message in (
            ({"country": "Indonesia"}, "“Indonesia” is not a country code; did you mean ID?"),
            ({"currency": "rupiah"}, "“rupiah” is not a currency code; did you mean IDR?"),
            ({"timezone": "Jakarta"}, "“Jakarta” is not a time zone; did you mean Asia/Jakarta?"),
        ):
            said = refused_form(client, "/accounts/request", {**REQUEST, **data}, csrf)
            assert message in said
        loc = post_form(client, "/accounts/request", {**REQUEST, "timezone": "Asia/Jakarta"}, csrf)
        assert "account manager" in flashes_at(client, loc)
        table = client.get("/accounts/request").text.split('id="requests"')[1]
        assert "<td>Singapore (SG)</td><td>US Dollar (USD)</td>" in table
        assert "Indonesia · Jakarta · UTC+07:00 (Asia/Jakarta)" in table
