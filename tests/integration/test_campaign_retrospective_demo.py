"""The demo workspace shows a retrospective of the month: three past cancellations of demo
campaigns with reasons, lessons and freed budget in the advertiser's pool; seeding twice adds
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from promodesk.accounts.demo import seed_accounts
from promodesk.campaigns.demo import seed_cancellations
from promodesk.campaigns.service.retrospective import card as retro_card
from promodesk.campaigns.service.retrospective import report as retro_report
from promodesk.demo import sandbox_campaigns, sandbox_grant
from promodesk.kit import clock
from promodesk.kit.db import Database
from tests.conftest import make_workspace

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # a Monday: the week began at midnight


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def test_demo_cancellations_fill_the_retrospective(db: Database, frozen: clock.FrozenClock) -> None:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        seed_accounts(uow, workspace_id, sandbox_grant)
        seed_cancellations(uow, workspace_id, sandbox_campaigns)
    with db.transaction() as uow:
        seed_cancellations(uow, workspace_id, sandbox_campaigns)
    with db.read() as uow:
        month = retro_report.retrospective(uow, workspace_id, period="month")
        card = retro_card.week_card(uow, workspace_id)
    assert month["cancellations"] == 3
    assert month["by_reason"] == {"budget": 1, "creative_or_policy": 1, "poor_performance": 1}
    assert {r["advertisers"][0]["name"] for r in month["rows"]} == {"Bloom Skincare"}
    [totals] = month["totals"]
    assert totals["freed_minor"] > 0
    assert totals["spent_minor"] == 0  # paused before they delivered: every budget is freed
    assert totals["spend_after_minor"] == 0
    assert sum(1 for r in month["rows"] if r["lessons"]) == 2
    assert card["cancelled"] == 1  # two hours ago; the others were last week
    assert card["money"][0]["freed_minor"] > 0
