"""Shared options and output helpers of ``promodesk promote``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import typer
from pydantic import BaseModel
from rich.table import Table

from promodesk.clikit import console, emit_json, settings
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.models import PromoteContent, PromoteCoupon, PromoteCreator
from promodesk.promote.coupons_service import shown_status
from promodesk.promote.money_config import MoneyConfig
from promodesk.promote.schemas import ContentRead, CouponRead, CreatorRead
from promodesk.tenancy import service as tenancy

ACTOR = "cli"

WorkspaceOpt = typer.Option(..., "--workspace", "-w", help="workspace slug")
JsonOpt = typer.Option(False, "--json", help="print JSON instead of a table")


def workspace_id(uow: UnitOfWork, slug: str) -> int:
    return int(tenancy.get_workspace(uow, slug).id)


def money_config() -> MoneyConfig:
    return MoneyConfig.from_settings(settings())


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def parse_instant(value: str | None, field: str) -> datetime | None:
    """ISO date or date-time; a date means its midnight UTC; naive times are UTC."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{value!r} is not an ISO date or date-time", field=field) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{value!r} is not an ISO date (YYYY-MM-DD)", field=field) from None


def show(
    data: Any,
    json_out: bool,
    render: Callable[[Any], None],
) -> None:
    """JSON on stdout with ``--json``, else the human rendering."""
    if json_out:
        emit_json(data)
    else:
        render(data)


def table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str | None = None
) -> Callable[[Any], None]:
    def render(_: Any) -> None:
        t = Table(*columns, title=title)
        for r in rows:
            t.add_row(*("" if r.get(c) is None else str(r.get(c)) for c in columns))
        console.print(t)

    return render


def pairs(title: str) -> Callable[[dict[str, Any]], None]:
    """Render one object as a two-column table of its scalar fields."""

    def render(data: dict[str, Any]) -> None:
        t = Table("field", "value", title=title, show_header=False)
        for k, v in data.items():
            if isinstance(v, dict | list):
                continue
            t.add_row(k, "" if v is None else str(v))
        console.print(t)

    return render


def creator_data(c: PromoteCreator) -> dict[str, Any]:
    return dump(CreatorRead.model_validate(c, from_attributes=True))


def content_data(c: PromoteContent) -> dict[str, Any]:
    return dump(ContentRead.model_validate(c, from_attributes=True))


def coupon_data(c: PromoteCoupon) -> dict[str, Any]:
    read = CouponRead.model_validate(c, from_attributes=True)
    read.status = shown_status(c)
    return dump(read)
