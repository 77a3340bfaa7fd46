"""Every status and code the console can show has a human label in English and Chinese: the
test enumerates the enums and the known code sets (audit actions, object types, job and
operation kinds, TikTok's enums as the sandbox and the spec use them)."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache
from pathlib import Path

import pytest

from promodesk.accounts.domain import AuthStatus, ClientStatus, PaymentMode, SyncScope, SyncStatus
from promodesk.campaigns.domain.campaigns import Operation
from promodesk.console.core import LOCALES, catalogs
from promodesk.console.labels import LABELS, humanize, label, operation_title
from promodesk.kit.jobs.domain import JobStatus
from promodesk.notify.domain import OutboxStatus
from promodesk.operations.domain import OperationState
from promodesk.promote.domain import regions
from promodesk.promote.domain.coupons import CouponStatus
from promodesk.promote.domain.eligibility import AccountType, DeviceOS, PromoteType
from promodesk.promote.domain.goals import Goal
from promodesk.promote.domain.orders import OrderStatus, ReviewStatus
from promodesk.promote.domain.payout import WithdrawalStatus
from promodesk.promote.domain.settlement import SettlementStatus
from promodesk.promote.payments import ChargeStatus
from promodesk.sandbox.generate import OBJECTIVES
from promodesk.shop.domain import enrollments, guardrails, platform
from promodesk.shop.domain.batches import BatchStatus, ItemStatus
from promodesk.shop.domain.plan import Refusal
from promodesk.shop.domain.platform import IntentStatus
from promodesk.shop_sandbox.promotion.activities import STATUSES as ACTIVITY_STATUSES
from promodesk.tenancy.domain import Role

SRC = Path(__file__).resolve().parents[2] / "src" / "promodesk"

ENUMS: list[tuple[str, type[StrEnum]]] = [
    ("shop_state", enrollments.State),
    ("shop_path", enrollments.Path),
    ("shop_reason", enrollments.Reason),
    ("shop_alternative", guardrails.Alternative),
    ("shop_rule", guardrails.Rule),
    ("shop_batch", BatchStatus),
    ("shop_item_code", Refusal),
    ("shop_batch_item", ItemStatus),
    ("shop_platform_problem", platform.Problem),
    ("shop_platform_remedy", platform.Problem),
    ("shop_platform_action", platform.WriteAction),
    ("shop_intent", IntentStatus),
    ("tiktok_operation_status", Operation),
    ("job_status", JobStatus),
    ("operation_state", OperationState),
    ("outbox_status", OutboxStatus),
    ("promote_order", OrderStatus),
    ("promote_review", ReviewStatus),
    ("promote_settlement", SettlementStatus),
    ("promote_coupon", CouponStatus),
    ("promote_withdrawal", WithdrawalStatus),
    ("promote_charge", ChargeStatus),
    ("promote_goal", Goal),
    ("promote_type", PromoteType),
    ("promote_account_type", AccountType),
    ("device_os", DeviceOS),
    ("status", JobStatus),
    ("status", OperationState),
    ("status", SyncStatus),
    ("role", Role),
    ("payment_mode", PaymentMode),
    ("client_status", ClientStatus),
    ("auth_status", AuthStatus),
    ("sync_status", SyncStatus),
    ("sync_scope", SyncScope),
]


@cache
def _source() -> str:
    """The services and domains (not the console, whose tables are what is checked)."""
    return "\n".join(
        p.read_text() for p in SRC.rglob("*.py") if "console" not in p.relative_to(SRC).parts
    )


def _found(pattern: str) -> set[str]:
    return set(re.findall(pattern, _source()))


@cache
def known_codes() -> dict[str, set[str]]:
    """The code sets as the code base uses them today."""
    sets: dict[str, set[str]] = {}
    for kind, enum in ENUMS:
        sets.setdefault(kind, set()).update(m.value for m in enum)
    promote = (OrderStatus, ReviewStatus, SettlementStatus, CouponStatus, WithdrawalStatus)
    sets["promote_status"] = {m.value for enum in (*promote, ChargeStatus) for m in enum}
    sets["shop_change"] = (
        _found(r'snapshots_service\.take\(uow, workspace_id, \w+, "(\w+)"\)')
        | _found(r'"change": "(\w+)",\n')
        | _found(r'(?m)^SNAPSHOT_CHANGE = "(\w+)"')
    )
    sets["tiktok_objective"] = set(OBJECTIVES)
    sets["shop_platform_activity"] = set(ACTIVITY_STATUSES)
    sets["payment_method"] = set(regions._LABELS)
    sets["tiktok_secondary_status"] = _found(r'"((?:CAMPAIGN|ADGROUP|AD)_STATUS_[A-Z_]+)"') - {
        "CAMPAIGN_STATUS_ALL",
        "ADGROUP_STATUS_ALL",
        "AD_STATUS_ALL",
        "CAMPAIGN_STATUS_NOT_DELETE",
        "ADGROUP_STATUS_NOT_DELETE",
        "AD_STATUS_NOT_DELETE",
    }
    sets["tiktok_advertiser_status"] = _found(r'"status": "(STATUS_[A-Z_]+)"')
    sets["audit_action"] = _found(r'action="([a-z_.]+)"')
    sets["audit_object"] = _found(r'object_type="([a-z_]+)"')
    sets["job_kind"] = _found(r'(?m)^(?:\w+_JOB|JOB|SCHEDULE) = "([a-z_.]+)"')
    sets["operation_kind"] = _found(r'operations\.start\(\s*uow,\s*\w+,\s*"([a-z_.]+)"')
    sets["mail_kind"] = _found(r'event="([a-z_.]+)"') | _found(r'MAIL_KIND = "([a-z_.]+)"')
    return sets


def test_the_code_sets_are_found() -> None:
    sets = known_codes()
    assert {"cancel", "stock_zero", "presale", "replace"} <= sets["shop_change"]
    assert "shop.enrollment.stock_zero" in sets["audit_action"]
    assert "CAMPAIGN_STATUS_ENABLE" in sets["tiktok_secondary_status"]
    assert "STATUS_ENABLE" in sets["tiktok_advertiser_status"]
    assert {"shop.batch_cancel", "tiktok.sync"} <= sets["operation_kind"]
    assert {"shop.delist", "promote.settle"} <= sets["job_kind"]


@pytest.mark.parametrize("kind", sorted(known_codes()))
def test_every_code_has_a_label(kind: str) -> None:
    missing = sorted(known_codes()[kind] - set(LABELS[kind]))
    assert missing == [], f"add labels to console/labels/<feature>.py LABELS[{kind!r}]"


def test_every_label_is_translated() -> None:
    zh = catalogs().get("zh_Hans")
    untranslated = sorted(
        {m for table in LABELS.values() for m in table.values() if zh.gettext(m) == m}
        - {"Webhook", "Android", "iOS", "LIVE"}  # the same words in Chinese
        - set(LABELS["payment_method"].values())  # brands; the generic ones are checked below
    )
    assert untranslated == []


def test_labels_in_both_languages() -> None:
    def en(m: str) -> str:
        return catalogs().get("en").gettext(m)

    def zh(m: str) -> str:
        return catalogs().get("zh_Hans").gettext(m)

    assert label("shop_batch", "cancelled", en) == "Called off"
    assert label("shop_batch", "cancelled", zh) == "已撤销"  # not 已取消: nothing was cancelled
    assert label("shop_change", "stock_zero", zh) == "库存调零"
    assert label("shop_state", enrollments.State.LIVE, zh) == "已开始"
    assert label("tiktok_objective", "TRAFFIC", zh) == "流量"
    assert label("audit_action", "shop.enrollment.presale", zh) == "已改为预售"
    assert label("job_status", None, zh) == "—"
    assert label("payment_method", "card", zh) == "信用卡和借记卡"
    assert label("payment_method", "apple_pay", zh) == "Apple Pay"
    assert set(LOCALES) == {"en", "zh_Hans"}


def test_an_unknown_code_is_humanised_never_raw() -> None:
    assert label("tiktok_secondary_status", "CAMPAIGN_STATUS_TTS_PAUSED", str) == "Tts paused"
    assert humanize("stock_zero") == "Stock zero"
    assert humanize("shop.batch.replay") == "Shop batch replay"
    with pytest.raises(KeyError):
        label("no_such_set", "x", str)


def test_operation_titles_are_translated() -> None:
    zh = catalogs().get("zh_Hans").gettext
    assert operation_title("Cancel 3 enrollments", "shop.batch_cancel", zh) == "取消 3 个报名商品"
    assert operation_title("Sync account of Kopi", "tiktok.sync", zh) == "同步 Kopi 的整个账户"
    en = catalogs().get("en").gettext
    assert operation_title("Sync campaigns of Kopi", "tiktok.sync", en) == "Sync campaigns of Kopi"
    assert operation_title(None, "tiktok.sync", zh) == "TikTok 同步"
    assert operation_title("Something new", "x", zh) == "Something new"
