"""The audiences page: a switcher of the workspace's ad accounts (a GET form, no script needed)
and pages in id order ("Next", "First") like the campaign list; allocating from a later page
comes back to that page."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from promodesk.accounts.service import allocation as allocation_service
from promodesk.console.routes.accounts import audiences
from promodesk.kit.db import Database, UnitOfWork
from promodesk.models import TikTokAudience
from tests.integration.accounts_factories import make_ad_account, make_advertiser, make_client
from tests.integration.test_console_support import console_client, log_in, new_member


def _audience(uow: UnitOfWork, workspace_id: int, ad_account_id: int, name: str) -> int:
    row = TikTokAudience(
        workspace_id=workspace_id,
        ad_account_id=ad_account_id,
        audience_id=uuid.uuid4().hex[:12],
        name=name,
        raw={},
    )
    uow.session.add(row)
    uow.flush()
    return row.id


def _names(html: str) -> list[str]:
    table = html.split('id="audiences"')[1].split("</table>")[0]
    return re.findall(r'<input type="checkbox" name="a_\d+" value="1" aria-label="([^"]+)"', table)


def _link(html: str, label: str) -> str | None:
    found = re.search(rf'<a class="button ghost" href="([^"]+)">[^<]*{label}', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_switcher_and_pages(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    member, other = new_member(db, "operator"), new_member(db, "operator")
    workspace_id = member.workspace.id
    with db.transaction() as uow:
        a1 = make_ad_account(
            uow, workspace_id, name="Shop one", advertiser_id="7300000000000000001"
        )
        a2 = make_ad_account(
            uow, workspace_id, name="Shop two", advertiser_id="7300000000000000002"
        )
        theirs = make_ad_account(uow, other.workspace.id, name="Not ours")
        rows = [_audience(uow, workspace_id, a1, f"Audience {i}") for i in range(5)]
        _audience(uow, workspace_id, a2, "Second shop buyers")
        client_id = make_client(uow, workspace_id, "Acme")
        shoes = make_advertiser(uow, workspace_id, client_id, "Shoes")
        allocation_service.allocate(
            uow, workspace_id, a1, client_account_id=client_id, advertiser_id=shoes
        )
    monkeypatch.setattr(audiences, "LIMIT", 2)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        url = f"/accounts/{a1}/audiences"
        first = client.get(url).text
        switcher = first.split('id="audience-filter"')[1].split("</form>")[0]
        assert f'<option value="{a1}" selected>7300000000000000001 Shop one</option>' in switcher
        assert f'<option value="{a2}">7300000000000000002 Shop two</option>' in switcher
        assert "Not ours" not in switcher
        assert _names(first) == ["Audience 0", "Audience 1"]
        assert _link(first, "First") is None
        second_url = _link(first, "Next")
        assert second_url == f"{url}?after={rows[1]}"

        second = client.get(second_url).text
        assert _names(second) == ["Audience 2", "Audience 3"]
        assert _link(second, "First") == url
        assert f'<input type="hidden" name="after" value="{rows[1]}">' in second
        third_url = _link(second, "Next")
        assert third_url
        third = client.get(third_url).text
        assert _names(third) == ["Audience 4"]
        assert _link(third, "Next") is None

        # allocating from the second page comes back to it
        response = client.post(
            url,
            data={
                "csrf_token": csrf,
                "after": str(rows[1]),
                "pair": f"{client_id}:{shoes}",
                f"a_{rows[2]}": "1",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == second_url
        assert (
            "Shoes" in client.get(second_url).text.split("<td>Audience 2</td>")[1].split("</tr>")[0]
        )

        # the switcher goes to the chosen ad account's audiences
        switched = client.get(f"{url}?ad_account_id={a2}", follow_redirects=False)
        assert switched.status_code == 303
        assert switched.headers["location"] == f"/accounts/{a2}/audiences"
        page = client.get(switched.headers["location"]).text
        assert _names(page) == ["Second shop buyers"]
        assert f'<option value="{a2}" selected>' in page
        assert 'id="audience-filter"' in page
        assert client.get(f"{url}?ad_account_id={a1}").status_code == 200  # the same one

        # another workspace's ad account, in the switcher or the path, is not found
        for odd in (f"{url}?ad_account_id={theirs}", f"{url}?ad_account_id=abc"):
            assert client.get(odd).status_code == 404, odd
        assert client.get(f"/accounts/{theirs}/audiences").status_code == 404
        # a page link that is not a number shows the first page
        assert _names(client.get(f"{url}?after=xyz").text) == ["Audience 0", "Audience 1"]


def test_an_ad_account_without_audiences_still_has_the_switcher(
    db: Database, tmp_path: Path
) -> None:
    member = new_member(db, "viewer")
    workspace_id = member.workspace.id
    with db.transaction() as uow:
        a1 = make_ad_account(uow, workspace_id, name="Empty shop")
        a2 = make_ad_account(uow, workspace_id, name="Busy shop")
        _audience(uow, workspace_id, a2, "Buyers")
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        page = client.get(f"/accounts/{a1}/audiences").text
        assert "No audiences yet" in page
        assert f'<option value="{a2}">' in page.split('id="audience-filter"')[1]
        assert 'class="pager"' not in page
        # past the last page: the empty state, with the way back to the first page
        page = client.get(f"/accounts/{a2}/audiences?after=999999999").text
        assert _link(page, "First") == f"/accounts/{a2}/audiences"
