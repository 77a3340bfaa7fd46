"""Creators and their content (videos and LIVE rooms), and the eligibility check before payment."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from promodesk.audit.service import record
from promodesk.kit import clock
from promodesk.kit.db import IntegrityViolation, UnitOfWork
from promodesk.kit.errors import N_, Conflict, NotFound, ValidationFailed
from promodesk.models import PromoteContent, PromoteCreator
from promodesk.promote.domain.eligibility import (
    AccountType,
    ContentFacts,
    ContentKind,
    CreatorFacts,
    DeviceOS,
    Reason,
    check_scheduled_start,
    eligibility,
    parse_version,
    promote_type,
    validate_region,
)
from promodesk.promote.domain.goals import Goal, allowed_goals
from promodesk.promote.repository.orders import PromoteRepository
from promodesk.promote.settings import PromoteSettings, promote_settings

_HANDLE = re.compile(r"^[A-Za-z0-9._]{2,64}$")


def _choice(value: str, enum: type[Any], name: str) -> str:
    allowed = [m.value for m in enum]
    if value not in allowed:
        raise ValidationFailed(f"{name} must be one of: {', '.join(allowed)}", field=name)
    return value


def create_creator(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    handle: str,
    birth_date: date,
    account_type: str,
    device_os: str,
    app_version: str,
    region: str,
    display_name: str = "",
    actor: str = "system",
) -> PromoteCreator:
    handle = handle.strip().lstrip("@")
    if not _HANDLE.match(handle):
        raise ValidationFailed(
            "a handle has 2-64 letters, digits, dots or underscores",
            field="handle",
            message=N_("A handle has 2 to 64 letters, digits, dots or underscores."),
        )
    if birth_date > clock.now().date():
        raise ValidationFailed(
            "the birth date is in the future",
            field="birth_date",
            message=N_("The birth date is in the future."),
        )
    parse_version(app_version)
    creator = PromoteCreator(
        workspace_id=workspace_id,
        handle=handle,
        display_name=display_name or handle,
        birth_date=birth_date,
        account_type=_choice(account_type, AccountType, "account_type"),
        device_os=_choice(device_os, DeviceOS, "device_os"),
        app_version=app_version.strip(),
        region=validate_region(region),
    )
    repo = PromoteRepository(uow)
    try:
        with uow.savepoint():
            repo.add(creator)
    except IntegrityViolation:
        raise Conflict(
            f"the handle @{handle} is taken",
            field="handle",
            message=N_("The handle @%(handle)s is taken."),
            params={"handle": handle},
        ) from None
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promote.creator.create",
        object_type="promote_creator",
        object_id=creator.id,
        after={"handle": handle, "region": creator.region, "account_type": account_type},
    )
    return creator


def update_creator(
    uow: UnitOfWork, workspace_id: int, creator_id: int, *, actor: str = "system", **changes: Any
) -> PromoteCreator:
    """Change the device OS, app version, region, account type or display name."""
    creator = get_creator(uow, workspace_id, creator_id)
    before = {k: getattr(creator, k) for k in changes}
    for key, value in changes.items():
        if value is None:
            continue
        if key == "app_version":
            parse_version(value)
        elif key == "region":
            value = validate_region(value)
        elif key == "device_os":
            _choice(value, DeviceOS, key)
        elif key == "account_type":
            _choice(value, AccountType, key)
        elif key != "display_name":
            raise ValidationFailed(f"{key} cannot be changed", field=key)
        setattr(creator, key, value)
    uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promote.creator.update",
        object_type="promote_creator",
        object_id=creator.id,
        before={k: str(v) for k, v in before.items()},
        after={k: str(getattr(creator, k)) for k in changes},
    )
    return creator


def get_creator(uow: UnitOfWork, workspace_id: int, creator_id: int) -> PromoteCreator:
    creator = PromoteRepository(uow).creator(workspace_id, creator_id)
    if creator is None:
        raise NotFound(f"creator {creator_id} not found")
    return creator


def list_creators(
    uow: UnitOfWork, workspace_id: int, *, after_id: int | None = None, limit: int = 50
) -> list[PromoteCreator]:
    return PromoteRepository(uow).creators(workspace_id, after_id=after_id, limit=limit)


def create_content(
    uow: UnitOfWork,
    workspace_id: int,
    creator_id: int,
    *,
    kind: str,
    title: str = "",
    has_ecommerce_anchor: bool = False,
    commercial_music: bool = False,
    on_air: bool = False,
    scheduled_start: datetime | None = None,
    actor: str = "system",
) -> PromoteContent:
    get_creator(uow, workspace_id, creator_id)
    _choice(kind, ContentKind, "kind")
    if kind == ContentKind.LIVE and has_ecommerce_anchor:
        raise ValidationFailed(
            "an e-commerce anchor belongs to a video",
            field="kind",
            message=N_("A product anchor belongs to a video."),
        )
    if kind == ContentKind.VIDEO and (on_air or scheduled_start is not None):
        raise ValidationFailed(
            "only a LIVE room is on air or scheduled",
            field="on_air",
            message=N_("Only a LIVE room is on air or scheduled."),
        )
    check_scheduled_start(scheduled_start, clock.now())
    content = PromoteContent(
        workspace_id=workspace_id,
        creator_id=creator_id,
        kind=kind,
        title=title,
        has_ecommerce_anchor=has_ecommerce_anchor,
        commercial_music=commercial_music,
        on_air=on_air,
        scheduled_start=scheduled_start,
    )
    PromoteRepository(uow).add(content)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promote.content.create",
        object_type="promote_content",
        object_id=content.id,
        after={"creator_id": creator_id, "kind": kind, "title": title},
    )
    return content


def get_content(uow: UnitOfWork, workspace_id: int, content_id: int) -> PromoteContent:
    content = PromoteRepository(uow).content(workspace_id, content_id)
    if content is None:
        raise NotFound(f"content {content_id} not found")
    return content


def list_contents(
    uow: UnitOfWork,
    workspace_id: int,
    creator_id: int | None = None,
    *,
    after_id: int | None = None,
    limit: int = 50,
) -> list[PromoteContent]:
    return PromoteRepository(uow).contents(workspace_id, creator_id, after_id=after_id, limit=limit)


def creator_facts(creator: PromoteCreator) -> CreatorFacts:
    return CreatorFacts(
        creator.birth_date, creator.account_type, creator.app_version, creator.region
    )


def content_facts(content: PromoteContent) -> ContentFacts:
    return ContentFacts(
        content.kind,
        content.has_ecommerce_anchor,
        content.commercial_music,
        content.on_air,
        content.scheduled_start,
    )


def check_eligibility(
    uow: UnitOfWork,
    workspace_id: int,
    creator_id: int,
    content_id: int | None = None,
    *,
    settings: PromoteSettings | None = None,
) -> tuple[list[Reason], list[Goal], str | None]:
    """Every failed reason, the goals the content allows, and its promote type — shown before
    payment (the same rules are enforced when the order is placed)."""
    st = settings or promote_settings()
    creator = get_creator(uow, workspace_id, creator_id)
    facts = None
    if content_id is not None:
        content = get_content(uow, workspace_id, content_id)
        if content.creator_id != creator_id:
            raise NotFound(f"content {content_id} not found")
        facts = content_facts(content)
    reasons = eligibility(creator_facts(creator), facts, clock.now(), st.limits())
    if facts is None:
        return reasons, [], None
    return reasons, list(allowed_goals(facts)), promote_type(facts).value
