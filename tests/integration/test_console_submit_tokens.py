"""Console forms carry a one-time submit token: sent twice (a double click, Back then Send
again, two tabs racing), a form that moves money does its work once, and the repeat shows the
first result (both databases)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from sqlalchemy import func, select

from promodesk.kit.db import Database
from promodesk.models import PromoteOrder, PromoteRecharge
from tests.integration import promote_factories as promote
from tests.integration.test_console_support import console_client, log_in, new_member

FIELD = re.compile(r'<input type="hidden" name="(csrf_token|submit_token)" value="([^"]+)"')


def _form(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to ``action``, as the browser would send them."""
    start = page.index(f'action="{action}"')
    end = page.index("</form>", start)
    fields = dict(FIELD.findall(page[start:end]))
    assert "submit_token" in fields, "the form carries no one-time submit token"
    return fields


def _recharges(db: Database, creator: int) -> int:
    with db.read() as uow:
        query = select(func.count()).where(PromoteRecharge.creator_id == creator)
        return int(uow.session.execute(query).scalar_one())


def _creator(db: Database, workspace_id: int, region: str = "US") -> int:
    with db.transaction() as uow:
        return promote.make_creator(uow, workspace_id, region=region)


def test_the_recharge_form_sent_twice_charges_once(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    creator = _creator(db, member.workspace.id)
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        url = f"/promote/creators/{creator}/recharge"
        page = client.get(url + "?coins=1000&method=card&outcome=succeed").text
        data = {**_form(page, url), "coins": "1000", "method": "card", "outcome": "succeed"}
        first = client.post(url, data=data, follow_redirects=False)
        assert first.status_code == 303
        again = client.post(url, data=data, follow_redirects=False)  # Back, then Pay again
        assert again.status_code == 303
        # Where the first submission went (the page; a fragment is not kept).
        assert again.headers["location"] == first.headers["location"].split("#")[0]
        shown = client.get(again.headers["location"]).text
        assert "This form had already been sent" in shown
        assert _recharges(db, creator) == 1
        # The same token with another amount is refused, nothing charged.
        other = client.post(url, data={**data, "coins": "2000"}, follow_redirects=False)
        assert other.status_code == 303
        assert _recharges(db, creator) == 1
        # A fresh page (a new token) recharges again: the token is per form, not per wallet.
        page = client.get(url + "?coins=1000&method=card&outcome=succeed").text
        fresh = {**_form(page, url), "coins": "1000", "method": "card", "outcome": "succeed"}
        assert client.post(url, data=fresh, follow_redirects=False).status_code == 303
        assert _recharges(db, creator) == 2


def test_two_racing_submissions_of_one_form_charge_once(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    creator = _creator(db, member.workspace.id)
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        url = f"/promote/creators/{creator}/recharge"
        page = client.get(url + "?coins=500&method=card&outcome=succeed").text
        data = {**_form(page, url), "coins": "500", "method": "card", "outcome": "succeed"}
        codes: list[int] = []

        def send() -> None:
            codes.append(client.post(url, data=data, follow_redirects=False).status_code)

        threads = [threading.Thread(target=send) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert codes == [303] * 4
    assert _recharges(db, creator) == 1


def test_confirm_and_hold_sent_twice_places_one_order(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    ws = member.workspace.id
    creator = _creator(db, ws)
    with db.transaction() as uow:
        promote.fund(uow, ws, creator, 10_000)
        video = promote.make_video(uow, ws, creator)
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        query = f"content_id={video}&goal=video_views&budget_coins=1000&duration_hours=24"
        preview = client.get(f"/promote/creators/{creator}/orders/preview?{query}")
        assert preview.status_code == 200, preview.text
        action = f"/promote/creators/{creator}/orders"
        start = preview.text.index(f'action="{action}"')
        form = preview.text[start : preview.text.index("</form>", start)]
        data = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
        assert "submit_token" in data
        first = client.post(action, data=data, follow_redirects=False)
        again = client.post(action, data=data, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    with db.read() as uow:
        orders = uow.session.execute(
            select(func.count()).where(PromoteOrder.content_id == video)
        ).scalar_one()
    assert orders == 1


def test_back_then_pay_again_charges_once_even_when_the_page_is_fetched_again(
    db: Database, tmp_path: Path
) -> None:
    """The confirmation page lives at a URL naming one intent; fetched again (Back on a page
    the browser does not keep), it carries the token already spent."""
    member = new_member(db, "owner")
    creator = _creator(db, member.workspace.id)
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        url = f"/promote/creators/{creator}/recharge"
        first_page = client.get(url + "?coins=1000&method=card&outcome=succeed")
        assert "intent=" in str(first_page.url)
        data = {**_form(first_page.text, url), "coins": "1000", "method": "card"}
        data["outcome"] = "succeed"
        assert client.post(url, data=data, follow_redirects=False).status_code == 303
        back = client.get(str(first_page.url))  # Back: the same page, fetched again
        again = {**_form(back.text, url), "coins": "1000", "method": "card", "outcome": "succeed"}
        assert again["submit_token"] == data["submit_token"]
        repeat = client.post(url, data=again, follow_redirects=False)
        assert "This form had already been sent" in client.get(repeat.headers["location"]).text
    assert _recharges(db, creator) == 1
