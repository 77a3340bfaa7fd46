"""Account requests: stored and mailed through the outbox (real SMTP server in the notify
suite's style); with a Business Center configured, fulfilled through bc/advertiser/create/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from promodesk.accounts import settings as accounts_settings
from promodesk.accounts.domain import AccountRequestInput
from promodesk.accounts.service import accounts as service
from promodesk.accounts.service import imports
from promodesk.accounts.service import requests as requests_service
from promodesk.console.routes.accounts.clients import INDUSTRIES
from promodesk.integrations.tiktok.api.token import TikTokApi
from promodesk.kit.db import Database
from promodesk.kit.errors import Conflict, ValidationFailed
from promodesk.notify.service import outbox as notify
from promodesk.sandbox.config import DEFAULT_BC_ID
from promodesk.tenancy import service as tenancy
from tests.conftest import make_workspace
from tests.integration.notify_support import (
    Received,
    configure,
    drain,
    notify_environment,
    run_smtp_server,
)
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle, running_sandbox

REQUEST = AccountRequestInput("Bloom MY", "Beauty", "my", "myr", "Asia/Kuala_Lumpur")


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=1, campaigns=2, adgroups=2, ads=2, audiences=1, qps=1000, qpm=100000
    ) as handle:
        yield handle


@pytest.fixture
def bc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_ACCOUNTS_BUSINESS_CENTER_ID", DEFAULT_BC_ID)
    monkeypatch.setenv("PROMODESK_ACCOUNTS_ACCOUNT_MANAGER_EMAIL", "am@agency.example")
    accounts_settings.reload()
    yield
    monkeypatch.undo()
    accounts_settings.reload()


def test_request_is_mailed_once_and_fulfilled_through_the_bc(
    db: Database, sb: SandboxHandle, bc: None
) -> None:
    workspace_id = make_workspace(db).id
    with wired(sb):
        with db.transaction() as uow:
            grant = imports.import_token(uow, workspace_id, sb.access_token(), sb.advertiser_ids)
            row = requests_service.submit(uow, workspace_id, REQUEST, actor="user:1")
            assert (row.country, row.currency) == ("MY", "MYR")
            mails = notify.list_emails(uow, workspace_id, kind=requests_service.MAIL_KIND)
            assert len(mails) == 1
            assert mails[0].to_addrs == ["am@agency.example"]
        with db.transaction() as uow:
            done = requests_service.fulfil(uow, workspace_id, row.id, grant.authorization.id)
            assert done.status == "fulfilled"
            assert done.advertiser_id
            ids = {a["advertiser_id"] for a in service.list_ad_accounts(uow, workspace_id)}
            assert done.advertiser_id in ids
        with db.transaction() as uow:  # fulfilling twice changes nothing
            again = requests_service.fulfil(uow, workspace_id, row.id, grant.authorization.id)
            assert again.advertiser_id == done.advertiser_id


def test_without_a_business_center_fulfil_is_refused(db: Database) -> None:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        row = requests_service.submit(uow, workspace_id, REQUEST)
        with pytest.raises(Conflict):
            requests_service.fulfil(uow, workspace_id, row.id, 1)
        with pytest.raises(ValidationFailed):
            requests_service.submit(
                uow, workspace_id, AccountRequestInput("X", "Retail", "SG", "USD", "Mars/Base")
            )


@pytest.fixture
def notify_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield from notify_environment(monkeypatch)
    accounts_settings.reload()


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[Received]]]:
    yield from run_smtp_server()


def test_the_request_reaches_the_account_manager_over_smtp(
    db: Database, notify_env: pytest.MonkeyPatch, smtp_server: tuple[int, list[Received]]
) -> None:
    """Submitted, then delivered by the worker to a real SMTP server (aiosmtpd)."""
    port, inbox = smtp_server
    configure(
        notify_env,
        PROMODESK_SMTP_HOST="127.0.0.1",
        PROMODESK_SMTP_PORT=str(port),
        PROMODESK_MAIL_FROM="promodesk@agency.example",
        PROMODESK_ACCOUNTS_ACCOUNT_MANAGER_EMAIL="am@agency.example",
    )
    accounts_settings.reload()
    workspace = make_workspace(db)
    workspace_id = workspace.id
    email = f"ada-{workspace_id}@example.com"
    with db.transaction() as uow:
        user = tenancy.create_user(
            uow, email, "correct horse", name="Ada Lovelace", workspace=workspace, role="operator"
        )
        actor = f"user:{user.id}"
    with db.transaction() as uow:
        row = requests_service.submit(uow, workspace_id, REQUEST, actor=actor)
        assert row.created_by == actor  # the stored actor stays the id
    assert inbox == []  # nothing leaves before the transaction's job runs
    drain(db, workspace_id)
    assert len(inbox) == 1
    got = inbox[0]
    assert got.rcpt_tos == ["am@agency.example"]
    assert got.message["Subject"] == "New TikTok ad account request: Bloom MY"
    body = got.message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    for line in (
        "Ad account name: Bloom MY",
        "Industry: Beauty",
        "Country: MY",
        "Currency: MYR",
        "Timezone: Asia/Kuala_Lumpur",
        f"Requested by: Ada Lovelace <{email}>",
        f"Request: #{row.id}",
    ):
        assert line in text
    assert "user:" not in text


@pytest.fixture
def sent_industries(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ``customer_info.industry`` of every ``bc/advertiser/create/`` call (which still goes
    to the sandbox)."""
    sent: list[int] = []
    original = TikTokApi.create_bc_advertiser

    def spy(self: TikTokApi, bc_id: str, **kw: Any) -> str:
        sent.append(kw["industry"])
        return original(self, bc_id, **kw)

    monkeypatch.setattr(TikTokApi, "create_bc_advertiser", spy)
    return sent


def _fulfil(db: Database, sb: SandboxHandle, industries: list[str]) -> None:
    workspace_id = make_workspace(db).id
    with wired(sb), db.transaction() as uow:
        grant = imports.import_token(uow, workspace_id, sb.access_token(), sb.advertiser_ids)
        for industry in industries:
            request = AccountRequestInput(
                f"{industry[:20]} shop", industry, "SG", "SGD", "Asia/Singapore"
            )
            row = requests_service.submit(uow, workspace_id, request)
            assert requests_service.fulfil(
                uow, workspace_id, row.id, grant.authorization.id
            ).advertiser_id


def test_every_industry_of_the_request_form_has_a_default_id() -> None:
    ids = accounts_settings.reload().business_center_industries
    assert {str(i) for i in INDUSTRIES} <= set(ids)


def test_fulfilment_maps_the_industry_to_tiktoks_id(
    db: Database, sb: SandboxHandle, bc: None, sent_industries: list[int]
) -> None:
    defaults = accounts_settings.accounts_settings().business_center_industries
    _fulfil(db, sb, ["Beauty", "food and BEVERAGE", "291905", "Space tourism"])
    assert sent_industries == [
        defaults["Beauty"],
        defaults["Food and beverage"],
        291905,  # a numeric industry passes through
        accounts_settings.accounts_settings().business_center_industry,  # unknown: fallback
    ]


def test_the_industry_ids_are_a_setting(
    db: Database,
    sb: SandboxHandle,
    bc: None,
    monkeypatch: pytest.MonkeyPatch,
    sent_industries: list[int],
) -> None:
    monkeypatch.setenv("PROMODESK_ACCOUNTS_BUSINESS_CENTER_INDUSTRIES", '{"beauty": 111111}')
    monkeypatch.setenv("PROMODESK_ACCOUNTS_BUSINESS_CENTER_INDUSTRY", "222222")
    accounts_settings.reload()
    _fulfil(db, sb, ["Beauty", "Retail"])
    assert sent_industries == [111111, 222222]  # the setting replaces the defaults
