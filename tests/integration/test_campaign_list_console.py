"""The console's campaign list: search box, status filter, sortable headers and Previous / Next
pages, in English and 简体中文; an unknown status is refused, never a wider list."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from promodesk.console.routes.accounts.campaigns import lists as campaign_lists
from promodesk.kit.db import Database
from tests.integration.test_campaign_list import _expected, _seed
from tests.integration.test_console_support import console_client, log_in, new_member, post_form

NAMES = re.compile(r'<a href="/campaigns/\d+">([^<]+)</a>')
IDS = re.compile(r'<a href="/campaigns/(\d+)">')


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)"(?: rel="prev")?>[^<]*{rel}', page)
    return html.unescape(found.group(1)) if found else None


def test_search_status_and_language(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "viewer")
    _seed(db, member.workspace)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        page = client.get("/campaigns", params={"search": "E", "status": "not_delivering"}).text
        assert NAMES.findall(page) == ["Same", "Zeta"]
        assert 'name="search" value="E"' in page
        assert '<option value="not_delivering" selected>Not delivering</option>' in page
        assert "Not approved in review" in page  # the reason, as a label
        assert "Account 2" in page  # the ad account column
        assert 'data-sort="budget"' in page

        client.cookies.set("promodesk_locale", "zh_Hans")
        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/campaigns"}, csrf)
        zh = client.get("/campaigns", params={"search": "E", "status": "not_delivering"}).text
        assert NAMES.findall(zh) == ["Same", "Zeta"]
        assert '<option value="not_delivering" selected>未投放</option>' in zh
        assert "搜索" in zh
        assert "任意状态" in zh

        refused = client.get("/campaigns", params={"status": "running"})
        assert refused.status_code == 422
        assert not IDS.findall(refused.text)


@pytest.mark.parametrize("sort", ["-name", "budget"])
def test_sorted_pages_forward_and_back(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sort: str
) -> None:
    member = new_member(db, "viewer")
    ids = _seed(db, member.workspace)["ids"]
    monkeypatch.setattr(campaign_lists, "LIMIT", 4)
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        pages = [client.get("/campaigns", params={"sort": sort}).text]
        assert _link(pages[0], "Previous") is None
        while (nxt := _link(pages[-1], "Next")) is not None:
            pages.append(client.get(nxt).text)
        walked = [int(i) for p in pages for i in IDS.findall(p)]
        assert walked == _expected(ids, sort)
        assert len(pages) == 3
        back = _link(pages[-1], "Previous")
        assert back is not None
        assert IDS.findall(client.get(back).text) == IDS.findall(pages[1])
        # the header of the sorted column flips its direction and starts at the first page
        header = re.search(rf'href="([^"]+)" data-sort="{sort.lstrip("-")}"', pages[1])
        assert header is not None
        flipped = html.unescape(header.group(1))
        assert "cursor" not in flipped
        assert f"sort={sort.lstrip('-') if sort.startswith('-') else '-' + sort}" in flipped
