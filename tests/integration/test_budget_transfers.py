"""Business Center transfers between two agency-paid ad accounts (the sandbox over real HTTP),
on both databases: the cash moves once, a retry with the same key or a leg sent again after a
lost answer never moves it twice, self-paid accounts and a missing Business Center are refused."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from promodesk.accounts.service import allocation as allocation_service
from promodesk.accounts.service import imports
from promodesk.campaigns.errors import NoBusinessCenter, TransferRefused
from promodesk.campaigns.service import transfers as service
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from promodesk.models import AuditEvent, BudgetTransfer, Job, Workspace
from promodesk.sandbox import generate as gen
from tests.api_support import bearer, live_server, make_app, new_key
from tests.conftest import make_workspace
from tests.integration.accounts_factories import make_advertiser, make_client
from tests.integration.budget_support import business_center
from tests.integration.test_console_support import (
    console_client,
    log_in,
    new_member,
    post_form,
    refused_form,
)
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle, running_sandbox

http = httpx.Client(timeout=60)
USD_ACCOUNTS = (0, 8)  # the sandbox's markets repeat every 8 accounts; 0 and 8 pay in USD


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=9, campaigns=1, adgroups=1, ads=1, audiences=1, rate_limit=False
    ) as handle:
        yield handle


def _setup(
    db: Database, sb: SandboxHandle, mode: str = "agency", tokens: list[str] | None = None
) -> tuple[int, int, int]:
    """Two USD ad accounts allocated to one advertiser; through one token, or each through its
    own of ``tokens`` (in the order of ``USD_ACCOUNTS``)."""
    ws = make_workspace(db).id
    wanted = [gen.advertiser_id(i) for i in USD_ACCOUNTS]
    with db.transaction() as uow:
        ids: dict[str, int] = {}
        for token, some in zip(
            tokens or [sb.access_token()],
            [[a] for a in wanted] if tokens else [wanted],
            strict=True,
        ):
            result = imports.import_token(uow, ws, token, some)
            ids.update({a.advertiser_id: a.id for a in result.accounts})
        client = make_client(uow, ws)
        advertiser = make_advertiser(uow, ws, client)
        for advertiser_id in wanted:
            allocation_service.allocate(
                uow,
                ws,
                ids[advertiser_id],
                client_account_id=client,
                advertiser_id=advertiser,
                payment_mode=mode,
            )
    return ws, ids[wanted[0]], ids[wanted[1]]


def cash(sb: SandboxHandle, index: int) -> Decimal:
    return sb.sandbox.world.account_cash(index)


def test_transfer_moves_cash_once(
    db: Database, sb: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    with wired(sb), business_center(monkeypatch):
        ws, first, second = _setup(db, sb)
        before = (cash(sb, 0), cash(sb, 8))
        out = service.transfer(
            db,
            ws,
            from_ad_account_id=first,
            to_ad_account_id=second,
            amount="250.00",
            actor="ana",
            request_key="t-1",
        )
        assert out["status"] == "done"
        assert [(x["leg"], x["status"]) for x in out["legs"]] == [("out", "done"), ("in", "done")]
        assert (cash(sb, 0), cash(sb, 8)) == (before[0] - 250, before[1] + 250)

        # the same key: the first transfer, nothing moves again
        again = service.transfer(
            db,
            ws,
            from_ad_account_id=first,
            to_ad_account_id=second,
            amount="250.00",
            actor="ana",
            request_key="t-1",
        )
        assert again["id"] == out["id"]
        assert (cash(sb, 0), cash(sb, 8)) == (before[0] - 250, before[1] + 250)

        # a crash after TikTok moved the cash but before promodesk wrote it down: running the
        # transfer again sends the same request_ids, and TikTok moves nothing twice
        with db.transaction() as uow:
            row = uow.session.get(BudgetTransfer, out["id"])
            assert row is not None
            row.status = "pending"
        rerun = service.run(db, ws, out["id"], actor="ana")
        assert rerun["status"] == "done"
        assert (cash(sb, 0), cash(sb, 8)) == (before[0] - 250, before[1] + 250)

        with db.read() as uow:
            actions = set(
                uow.session.scalars(
                    select(AuditEvent.action).where(
                        AuditEvent.workspace_id == ws, AuditEvent.actor == "ana"
                    )
                )
            )
        assert {"budget.transfer", "budget.transfer.out", "budget.transfer.in"} <= actions


def test_refusals(db: Database, sb: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    with wired(sb):
        ws, first, second = _setup(db, sb, mode="self")
        with pytest.raises(NoBusinessCenter):
            service.transfer(db, ws, from_ad_account_id=first, to_ad_account_id=second, amount="1")
        with business_center(monkeypatch):
            with pytest.raises(TransferRefused) as refused:
                service.transfer(
                    db, ws, from_ad_account_id=first, to_ad_account_id=second, amount="1"
                )
            assert refused.value.extra["reason"] == "not_agency_paid"
            before = cash(sb, 0)
            # more than the account holds: TikTok refuses the first leg, nothing moves
            ws2, a, b = _setup(db, sb)
            out = service.transfer(
                db, ws2, from_ad_account_id=a, to_ad_account_id=b, amount="99999999.00"
            )
            assert out["status"] == "failed"
            assert "nothing moved" in out["error"]
            assert cash(sb, 0) == before


def test_transfer_in_the_console(
    db: Database, sb: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with wired(sb), business_center(monkeypatch):
        ws_id, first, second = _setup(db, sb)
        with db.transaction() as uow:
            workspace = uow.session.get(Workspace, ws_id)
            assert workspace is not None
            uow.session.expunge(workspace)
        member = new_member(db, "operator", workspace=workspace)
        before = (cash(sb, 0), cash(sb, 8))
        with console_client(db, tmp_path) as client:
            csrf = log_in(client, member)
            assert "/budget/transfer" in client.get("/budget").text
            assert 'name="from_ad_account_id"' in client.get("/budget/transfer").text
            form = {"from_ad_account_id": str(first), "to_ad_account_id": str(second)}
            preview = client.post(
                "/budget/transfer", data={"csrf_token": csrf, **form, "amount": "12.34"}
            )
            assert preview.status_code == 200, preview.text
            assert 'id="confirm-transfer"' in preview.text
            assert (cash(sb, 0), cash(sb, 8)) == before  # nothing moved yet
            refused = refused_form(client, "/budget/transfer", {**form, "amount": "1e2"}, csrf)
            assert "plain decimal" in refused
            done = post_form(
                client, "/budget/transfer", {**form, "amount": "12.34", "confirm": "yes"}, csrf
            )
            assert done.startswith("/budget/transfers/")
            assert 'id="transfer-status"' in client.get(done).text
            assert (cash(sb, 0), cash(sb, 8)) == (
                before[0] - Decimal("12.34"),
                before[1] + Decimal("12.34"),
            )


def test_transfer_over_http(
    db: Database, sb: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with wired(sb), business_center(monkeypatch):
        ws_id, first, second = _setup(db, sb)
        with db.transaction() as uow:
            workspace = uow.session.get(Workspace, ws_id)
            assert workspace is not None
            uow.session.expunge(workspace)
        operator = bearer(new_key(db, workspace, "operator"))
        viewer = bearer(new_key(db, workspace, "viewer"))
        body = {"from_ad_account_id": first, "to_ad_account_id": second, "amount": "5.00"}
        before = (cash(sb, 0), cash(sb, 8))
        with live_server(make_app(db, tmp_path)) as base:
            url = f"{base}/api/v1/budget/transfers"
            assert http.post(url, json=body, headers=viewer).status_code == 403
            headers = {**operator, "Idempotency-Key": "move-5"}
            made = http.post(url, json=body, headers=headers)
            assert made.status_code == 201, made.text
            assert made.json()["status"] == "done"
            again = http.post(url, json=body, headers=headers)
            assert again.json()["id"] == made.json()["id"]
            assert (cash(sb, 0), cash(sb, 8)) == (before[0] - 5, before[1] + 5)
            listed = http.get(url, headers=viewer).json()["items"]
            assert [t["id"] for t in listed] == [made.json()["id"]]
            one = http.get(f"{url}/{made.json()['id']}", headers=viewer)
            assert one.json()["amount_minor"] == 500
            same = http.post(
                url,
                json={**body, "to_ad_account_id": first},
                headers=operator,
            )
            assert same.status_code == 409, same.text
            assert (same.json()["error"], same.json()["reason"]) == (
                "TransferRefused",
                "same_account",
            )


@pytest.fixture
def retry_now(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_ACCOUNTS_TRANSFER_RETRY_SECONDS", "0")
    campaigns_settings.cache_clear()
    yield
    monkeypatch.undo()
    campaigns_settings.cache_clear()


def _two_grants(db: Database, sb: SandboxHandle) -> tuple[int, int, int, str]:
    """Two agency-paid USD ad accounts, each through a token of its own; the second token."""
    tokens = [sb.access_token([gen.advertiser_id(i)]) for i in USD_ACCOUNTS]
    return (*_setup(db, sb, tokens=tokens), tokens[1])


def test_a_failed_second_leg_is_retried_by_a_job(
    db: Database, sb: SandboxHandle, monkeypatch: pytest.MonkeyPatch, retry_now: None
) -> None:
    import promodesk.campaigns.jobs  # noqa: F401 - registers the handlers

    with wired(sb, max_attempts=1), business_center(monkeypatch):
        ws, first, second, second_token = _two_grants(db, sb)
        before = (cash(sb, 0), cash(sb, 8))
        # the receiving account's token is revoked on TikTok: the cash leaves the first account
        # for the Business Center, and the second leg fails
        sb.sandbox.auth.revoke(second_token)
        out = service.transfer(
            db, ws, from_ad_account_id=first, to_ad_account_id=second, amount="40.00", actor="ana"
        )
        assert out["status"] == "out_done"
        assert "retry" in out["error"]
        assert out["auto_retry"] is not None
        assert (out["auto_retry"]["round"], out["auto_retry"]["status"]) == (1, "queued")
        assert out["auto_retry"]["rounds"] == campaigns_settings().transfer_retry_rounds
        assert (cash(sb, 0), cash(sb, 8)) == (before[0] - 40, before[1])

        # one round of the job while the token is still revoked: still waiting, next round due
        Worker(db, backoff_base=0.0, workspace_id=ws).run_once()
        with db.read() as uow:
            waiting = service.get(uow, ws, out["id"])
        assert waiting["status"] == "out_done"
        assert waiting["auto_retry"]["round"] == 2

        # reconnected: a new token for the second account; TikTok fails once more (transient),
        # then the job moves the cash on, under the same request_id, once
        with db.transaction() as uow:
            imports.import_token(
                uow, ws, sb.access_token([gen.advertiser_id(8)]), [gen.advertiser_id(8)]
            )
        sb.update(fail_next=1)
        Worker(db, backoff_base=0.0, workspace_id=ws).run_until_idle()
        with db.read() as uow:
            done = service.get(uow, ws, out["id"])
        assert done["status"] == "done", done
        assert done["error"] == ""
        assert (cash(sb, 0), cash(sb, 8)) == (before[0] - 40, before[1] + 40)

        # a manual Retry after the job finished changes nothing and moves nothing again
        again = service.run(db, ws, out["id"], actor="ana")
        assert again["status"] == "done"
        assert (cash(sb, 0), cash(sb, 8)) == (before[0] - 40, before[1] + 40)


def test_a_manual_retry_still_works_and_the_job_then_finds_nothing_to_do(
    db: Database, sb: SandboxHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import promodesk.campaigns.jobs  # noqa: F401 - registers the handlers

    with wired(sb, max_attempts=1), business_center(monkeypatch):
        ws, first, second, _ = _two_grants(db, sb)
        before = (cash(sb, 0), cash(sb, 8))
        sb.update(fail_next=1)  # TikTok does not answer the first leg: nothing moved yet
        out = service.transfer(
            db, ws, from_ad_account_id=first, to_ad_account_id=second, amount="7.00", actor="ana"
        )
        assert out["status"] == "pending"
        assert out["auto_retry"]["status"] == "queued"
        assert (cash(sb, 0), cash(sb, 8)) == before
        with db.transaction() as uow:
            workspace = uow.session.get(Workspace, ws)
            assert workspace is not None
            uow.session.expunge(workspace)
        member = new_member(db, "operator", workspace=workspace)
        with console_client(db, tmp_path) as client:
            csrf = log_in(client, member)
            page = client.get(f"/budget/transfers/{out['id']}").text
            assert 'id="transfer-auto-retry"' in page
            assert "Automatic retry 1 of" in page
            # Retry by hand, before the job
            done_at = post_form(client, f"/budget/transfers/{out['id']}/retry", {}, csrf)
            assert done_at == f"/budget/transfers/{out['id']}"
            assert 'id="transfer-auto-retry"' not in client.get(done_at).text
        with db.read() as uow:
            assert service.get(uow, ws, out["id"])["status"] == "done"
        with db.transaction() as uow:  # the job comes due
            uow.session.execute(
                update(Job).where(Job.workspace_id == ws).values(run_at=clock.now())
            )
        Worker(db, backoff_base=0.0, workspace_id=ws).run_until_idle()
        with db.read() as uow:
            final = service.get(uow, ws, out["id"])
        assert final["status"] == "done"
        assert final["auto_retry"]["status"] == "done"
        assert (cash(sb, 0), cash(sb, 8)) == (before[0] - 7, before[1] + 7)


def test_a_transfer_whose_process_stopped_is_finished_by_the_job(
    db: Database, sb: SandboxHandle, monkeypatch: pytest.MonkeyPatch, retry_now: None
) -> None:
    import promodesk.campaigns.jobs  # noqa: F401 - registers the handlers

    with wired(sb), business_center(monkeypatch):
        ws, first, second = _setup(db, sb)
        before = (cash(sb, 0), cash(sb, 8))
        # the transfer is recorded, then the process stops before any leg is sent
        transfer_id = service.start(
            db, ws, from_ad_account_id=first, to_ad_account_id=second, amount="3.00"
        )
        Worker(db, backoff_base=0.0, workspace_id=ws).run_until_idle()
        with db.read() as uow:
            done = service.get(uow, ws, transfer_id)
        assert done["status"] == "done"
        assert (cash(sb, 0), cash(sb, 8)) == (before[0] - 3, before[1] + 3)
