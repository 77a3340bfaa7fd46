"""End to end, a rule acts: the real server in demo mode (the TikTok sandbox mounted on it, the
embedded worker running the jobs), Debian's chromium driven by Playwright.

An operator creates a rule in the console scoped to one demo campaign (spend over 1.00 in the
last 7 days, which the demo's reports show), action pause, every minute, not a dry run, and
enables it; "Run now" makes it due without waiting for the minute. The rule's operation log
shows the evaluation (the campaign matched, the spend seen, pause, done), the campaign's page
and the campaign list show it paused, and the sandbox, read over HTTP by the product's own
TikTok client, says DISABLE. Enabling the campaign on its page (in English) or a revive rule
run now (in 简体中文) switches it on again. A viewer sees the rule without Run now or Edit.
Screenshots go to ``test-artifacts/rules-act-*.png``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from promodesk.demo import sandbox_grant
from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.settings import TikTokSettings
from promodesk.sandbox import SandboxConfig
from tests.e2e.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    cli,
    csp_violations,
    running_server,
)

OPERATOR = ("ops@demo.example", "operator-password-1")
VIEWER = ("viewer@demo.example", "viewer-password-1")
GUARD_SECONDS = 180  # only against a hang (the demo's first sync, a job that never runs)
WATCHED = "Watched by a viewer"
USED: list[str] = []  # the campaigns a test already paused: the other test takes another


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(
        tmp_path_factory.mktemp("promodesk-rules-act-e2e"), PROMODESK_DEMO="1"
    ) as running:
        for (email, password), role in ((OPERATOR, "operator"), (VIEWER, "viewer")):
            cli(running.env, "users", "create", email, "-w", "demo", "--role", role,
                "--password", password)  # fmt: skip
        yield running


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"rules-act-{name}.png"), full_page=True)


def _log_in(page: Any, base: str, who: tuple[str, str]) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", who[0])
    page.fill("input[name=password]", who[1])
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def _until(page: Any, url: str, ready: Any) -> None:
    """Load ``url`` again until ``ready(page)``: the demo's sync and the rule's jobs run in
    the server's worker. The guard is only against a hang."""
    deadline = time.monotonic() + GUARD_SECONDS
    while True:
        page.goto(url)
        if ready(page):
            return
        assert time.monotonic() < deadline, f"{url} never became ready"
        page.wait_for_timeout(500)


def _active_campaign(page: Any, base: str) -> tuple[str, str, str, str]:
    """A demo campaign that is on and has spent in the last days, not used by another test:
    (its page, its TikTok id, its name, its ad account's advertiser id)."""
    links: list[str] = []

    def listed(p: Any) -> bool:
        links[:] = [
            str(a.get_attribute("href"))
            for a in p.locator("a[href^='/campaigns/']").all()
            if re.fullmatch(r"/campaigns/\d+", str(a.get_attribute("href")))
        ]
        return bool(links)

    _until(page, base + "/campaigns", listed)
    for link in dict.fromkeys(links):
        page.goto(base + link)
        status = page.locator("#campaign-facts .campaign-status").get_attribute("data-status")
        cid = page.locator("h1 code").inner_text().strip()
        pause = page.locator("#campaign-changes input[name=status][value=DISABLE]")
        if status == "active" and pause.count() and cid not in USED:
            USED.append(cid)
            name = page.locator("h1").inner_text().replace(cid, "").strip()
            advertiser = page.locator(".page-head p.muted code").inner_text().strip()
            return link, cid, name, advertiser
    raise AssertionError(f"no active demo campaign left in {links}")


def _sandbox_status(base: str, advertiser_id: str, campaign_id: str) -> str:
    """The campaign's operation status as the product's TikTok client reads it from the
    sandbox mounted on the server, over HTTP, with a token of the demo's grant."""
    config = SandboxConfig()
    token, _ = sandbox_grant(5)
    settings = TikTokSettings(
        base_url=base + "/sandbox", app_id=config.app_id, secret=SecretStr(config.secret)
    )
    with TikTokClient(settings, limiter=None) as client:
        pages = client.for_token(token).campaign_pages(
            advertiser_id, filtering={"campaign_ids": [campaign_id]}
        )
        found = [c for p in pages for c in p.items if c.campaign_id == campaign_id]
    assert len(found) == 1, found
    return str(found[0].operation_status)


def _new_rule(page: Any, base: str, name: str, campaign_id: str, **extra: str) -> str:
    """The rule form filled as an operator does; returns the rule's page."""
    page.goto(base + "/rules/new")
    form = page.locator("form.form")
    form.locator("input[name=name]").fill(name)
    form.locator("select[name=channel]").select_option("tiktok_campaign")
    form.locator("input[name=object_ids]").fill(campaign_id)
    form.locator("select[name=metric_0]").select_option("spend")
    form.locator("select[name=cmp_0]").select_option(">")
    form.locator("input[name=value_0]").fill("1")
    form.locator("input[name=lookback_days]").fill("7")
    form.locator("input[name=min_impressions]").fill("0")
    form.locator("select[name=action]").select_option(extra.get("action", "pause"))
    if extra.get("revive_of"):
        form.locator("input[name=revive_of]").fill(extra["revive_of"])
    form.locator("input[name=dry_run]").uncheck()
    form.locator("select[name=schedule_kind]").select_option("every")
    form.locator("input[name=every_minutes]").fill("1")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/rules/\d+$"))
    return str(page.url)


def _enable_and_run(page: Any) -> str:
    """Enable the rule on its page, then Run now; returns the rule's page."""
    from playwright.sync_api import expect

    rule_url = str(page.url).split("?", 1)[0]
    page.click("form[action$='/enable'] button[type=submit]")
    expect(page.locator("form[action$='/disable']")).to_be_visible()
    page.click("#run-now button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible()
    return rule_url


def _evaluated(page: Any, rule_url: str) -> str:
    """Wait on the rule's page (it refreshes itself) for an evaluation that acted and for its
    actions to be done; returns that evaluation's page (the schedule's own evaluation of the
    next minute, which finds the campaign already paused, may be listed above it)."""
    found: list[str] = []

    def acted(p: Any) -> bool:
        if p.locator("#log-waiting").count():
            return False
        for row in p.locator("table tbody tr").all():
            if row.locator("td").nth(4).inner_text().strip() == "1":
                found.append(str(row.locator("a").first.get_attribute("href")))
                return True
        return False

    _until(page, rule_url, acted)
    return found[0]


def test_a_rule_pauses_a_campaign_and_it_is_switched_on_again(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            violations = csp_violations(context)
            _log_in(page, base, OPERATOR)
            link, cid, name, advertiser = _active_campaign(page, base)
            assert _sandbox_status(base, advertiser, cid) == "ENABLE"

            _new_rule(page, base, "Pause on spend", cid)
            expect(page.locator(".flash-success")).to_contain_text("simulate it")
            expect(page.locator("#run-now")).to_have_count(0)  # disabled: nothing to run
            expect(page.locator(".panel ul")).to_have_text("Spend > 1")
            expect(page.locator(".page-head")).to_contain_text("Every 1 min")
            rule_url = _enable_and_run(page)
            expect(page.locator(".flash-success")).to_contain_text("evaluated now")
            _shot(page, "01-run-now-en")
            evaluation = _evaluated(page, rule_url)
            _shot(page, "02-log-en")

            page.goto(base + evaluation)
            row = page.locator("table tbody tr")
            expect(row).to_have_count(1)
            expect(row).to_contain_text(name)
            expect(row).to_contain_text("Acted")
            expect(row).to_contain_text("Pause")
            expect(row).to_contain_text(re.compile(r"Spend [\d,]+\.\d\d"))
            expect(row).to_contain_text("Done TikTok status: Off")
            expect(page.locator(".page-head")).to_contain_text("1 in scope, 1 matched, 1 acted")
            _shot(page, "03-evaluation-en")

            page.goto(base + link)
            expect(page.locator("#campaign-facts .campaign-status")).to_have_attribute(
                "data-status", "paused"
            )
            expect(page.locator("#campaign-facts")).to_contain_text("Paused")
            _shot(page, "04-campaign-paused-en")
            page.goto(base + "/campaigns?search=" + cid)
            listed = page.locator("tr", has_text=cid)
            expect(listed.locator(".campaign-status")).to_have_attribute("data-status", "paused")
            assert _sandbox_status(base, advertiser, cid) == "DISABLE"

            # switched on again by hand, on the campaign's page
            page.goto(base + link)
            page.click("#campaign-changes input[value=ENABLE] + button")
            expect(page.locator(".flash-success")).to_be_visible()
            expect(page.locator("#campaign-facts .campaign-status")).to_have_attribute(
                "data-status", "active"
            )
            assert _sandbox_status(base, advertiser, cid) == "ENABLE"
            _shot(page, "05-campaign-on-again-en")
            assert violations == [], "pages broke the Content-Security-Policy"
        finally:
            browser.close()


def test_a_rule_pauses_a_campaign_and_a_revive_rule_restores_it_in_chinese(
    server: Server,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            violations = csp_violations(context)
            _log_in(page, base, OPERATOR)
            page.click(".topbar .locale-switch button[value=zh_Hans]")
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
            link, cid, name, advertiser = _active_campaign(page, base)

            rule_url = _new_rule(page, base, "花费即暂停", cid)
            _enable_and_run(page)
            expect(page.locator(".flash-success")).to_contain_text("规则正在评估")
            evaluation = _evaluated(page, rule_url)
            _shot(page, "06-log-zh")
            page.goto(base + evaluation)
            row = page.locator("table tbody tr")
            expect(row).to_contain_text(name)
            expect(row).to_contain_text("暂停")
            expect(row).to_contain_text("花费")
            expect(row).to_contain_text("完成")
            expect(row).to_contain_text("TikTok 状态：")
            assert "status DISABLE" not in row.inner_text()
            _shot(page, "07-evaluation-zh")

            page.goto(base + link)
            expect(page.locator("#campaign-facts .campaign-status")).to_have_attribute(
                "data-status", "paused"
            )
            expect(page.locator("#campaign-facts")).to_contain_text("已暂停")
            _shot(page, "08-campaign-paused-zh")
            assert _sandbox_status(base, advertiser, cid) == "DISABLE"

            # a revive rule re-enables what the first rule paused
            rule_id = rule_url.rsplit("/", 1)[1]
            revive_url = _new_rule(page, base, "恢复投放", cid, action="revive", revive_of=rule_id)
            _enable_and_run(page)
            _evaluated(page, revive_url)
            page.goto(base + link)
            expect(page.locator("#campaign-facts .campaign-status")).to_have_attribute(
                "data-status", "active"
            )
            assert _sandbox_status(base, advertiser, cid) == "ENABLE"
            _shot(page, "09-campaign-revived-zh")
            assert violations == [], "pages broke the Content-Security-Policy"
        finally:
            browser.close()


def test_a_viewer_sees_the_rule_without_its_actions(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    # an enabled rule that acts on nothing (a dry run over a campaign id that does not exist)
    definition = {
        "scope": {"channel": "tiktok_campaign", "object_ids": ["0"]},
        "conditions": {"op": "and", "items": [{"metric": "spend", "cmp": ">", "value": "1"}]},
        "action": {"kind": "pause"},
        "guardrails": {"dry_run": True},
    }
    cli(server.env, "rules", "create", "--name", WATCHED, "-d", json.dumps(definition),
        "--every", "1", "--enable", "--workspace", "demo")  # fmt: skip
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            _log_in(page, base, VIEWER)
            page.goto(base + "/rules")
            page.locator("table a", has_text=WATCHED).click()
            expect(page.locator("h1")).to_contain_text("Enabled")  # operators could run it
            expect(page.locator("#run-now")).to_have_count(0)
            expect(page.locator("a[href$='/edit']")).to_have_count(0)
            expect(page.locator("form[action$='/enable'], form[action$='/disable']")).to_have_count(
                0
            )
            expect(page.locator("form[action$='/simulate']")).to_have_count(1)  # reading is fine
            _shot(page, "10-viewer")
        finally:
            browser.close()
