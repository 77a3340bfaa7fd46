"""Client accounts (the agency's customers) and their advertisers: create, rename, archive;
conversion goals and remarketing tags (simple records that pin an ad account)."""

from __future__ import annotations

from dataclasses import dataclass

from promodesk.accounts.domain import CLIENT_LIFECYCLE, ClientStatus, Usage
from promodesk.accounts.repository.accounts import AccountsRepository
from promodesk.audit.service import record
from promodesk.kit.db import IntegrityViolation, UnitOfWork
from promodesk.kit.errors import Conflict, NotFound, ValidationFailed
from promodesk.models import (
    ClientAccount,
    ClientAdvertiser,
    ConversionGoal,
    RemarketingTag,
    TikTokAdAccount,
)


def _name(value: str, field: str = "name") -> str:
    name = (value or "").strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("a name has 1 to 200 characters", field=field)
    if "\x00" in name:
        raise ValidationFailed("a name cannot contain NUL characters", field=field)
    return name


def get_client(uow: UnitOfWork, workspace_id: int, client_id: int) -> ClientAccount:
    row = AccountsRepository(uow).client(workspace_id, client_id)
    if row is None:
        raise NotFound(f"client account {client_id} not found")
    return row  # type: ignore[no-any-return]


def get_advertiser(uow: UnitOfWork, workspace_id: int, advertiser_id: int) -> ClientAdvertiser:
    row = AccountsRepository(uow).advertiser(workspace_id, advertiser_id)
    if row is None:
        raise NotFound(f"advertiser {advertiser_id} not found")
    return row


def list_clients(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    after_id: int = 0,
    limit: int = 100,
    status: str | None = None,
) -> list[ClientAccount]:
    return AccountsRepository(uow).clients(
        workspace_id, after_id=after_id, limit=limit, status=status
    )


def list_advertisers(uow: UnitOfWork, workspace_id: int, client_id: int) -> list[ClientAdvertiser]:
    get_client(uow, workspace_id, client_id)
    return AccountsRepository(uow).advertisers(workspace_id, client_id)


def create_client(
    uow: UnitOfWork, workspace_id: int, name: str, *, actor: str = "system"
) -> ClientAccount:
    row = ClientAccount(workspace_id=workspace_id, name=_name(name), status=ClientStatus.ACTIVE)
    try:
        with uow.savepoint():
            AccountsRepository(uow).add(row)
    except IntegrityViolation:
        raise Conflict(f"a client account named {row.name!r} exists", field="name") from None
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="client_account.create",
        object_type="client_account",
        object_id=row.id,
        after={"name": row.name},
    )
    return row


def update_client(
    uow: UnitOfWork,
    workspace_id: int,
    client_id: int,
    *,
    name: str | None = None,
    status: str | None = None,
    actor: str = "system",
) -> ClientAccount:
    """Rename and/or archive (``status=archived``) or restore (``status=active``)."""
    row = get_client(uow, workspace_id, client_id)
    _update(uow, workspace_id, row, "client_account", "a client account", name, status, actor)
    return row


def _update(
    uow: UnitOfWork,
    workspace_id: int,
    row: ClientAccount | ClientAdvertiser,
    kind: str,
    label: str,
    name: str | None,
    status: str | None,
    actor: str,
) -> None:
    """Rename and/or archive or restore a client account or an advertiser, audited."""
    before = {"name": row.name, "status": row.status}
    if status is not None and status != row.status:
        if status not in {s.value for s in ClientStatus}:
            raise ValidationFailed("status is active or archived", field="status")
        row.status = CLIENT_LIFECYCLE.transition(row.status, status)
    uow.flush()
    new_name = row.name if name is None else _name(name)
    try:
        # The rename alone inside the savepoint: a name clash rolls back only the rename.
        with uow.savepoint():
            row.name = new_name
            uow.flush()
    except IntegrityViolation:
        raise Conflict(f"{label} named {new_name!r} exists", field="name") from None
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action=f"{kind}.update",
        object_type=kind,
        object_id=row.id,
        before=before,
        after={"name": row.name, "status": row.status},
    )


def create_advertiser(
    uow: UnitOfWork, workspace_id: int, client_id: int, name: str, *, actor: str = "system"
) -> ClientAdvertiser:
    client = get_client(uow, workspace_id, client_id)
    if client.status != ClientStatus.ACTIVE:
        raise Conflict("the client account is archived", reason="client_archived")
    row = ClientAdvertiser(
        workspace_id=workspace_id,
        client_account_id=client.id,
        name=_name(name),
        status=ClientStatus.ACTIVE,
    )
    try:
        with uow.savepoint():
            AccountsRepository(uow).add(row)
    except IntegrityViolation:
        raise Conflict(f"an advertiser named {row.name!r} exists", field="name") from None
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="advertiser.create",
        object_type="advertiser",
        object_id=row.id,
        after={"name": row.name, "client_account_id": client.id},
    )
    return row


def update_advertiser(
    uow: UnitOfWork,
    workspace_id: int,
    advertiser_id: int,
    *,
    name: str | None = None,
    status: str | None = None,
    actor: str = "system",
) -> ClientAdvertiser:
    row = get_advertiser(uow, workspace_id, advertiser_id)
    _update(uow, workspace_id, row, "advertiser", "an advertiser", name, status, actor)
    return row


def _pinned(uow: UnitOfWork, workspace_id: int, advertiser_id: int, ad_account_id: int) -> None:
    """Goals and tags may only use an ad account allocated to their advertiser."""
    get_advertiser(uow, workspace_id, advertiser_id)
    if AccountsRepository(uow).allocation_for(ad_account_id, advertiser_id) is None:
        raise Conflict(
            "the ad account is not allocated to that advertiser",
            reason="ad_account_not_allocated",
            field="ad_account_id",
        )


def create_goal(
    uow: UnitOfWork,
    workspace_id: int,
    advertiser_id: int,
    ad_account_id: int,
    name: str,
    *,
    actor: str = "system",
) -> ConversionGoal:
    _pinned(uow, workspace_id, advertiser_id, ad_account_id)
    row = ConversionGoal(
        workspace_id=workspace_id,
        advertiser_id=advertiser_id,
        ad_account_id=ad_account_id,
        name=_name(name),
    )
    AccountsRepository(uow).add(row)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="conversion_goal.create",
        object_type="conversion_goal",
        object_id=row.id,
        after={"name": row.name},
    )
    return row


def create_tag(
    uow: UnitOfWork,
    workspace_id: int,
    advertiser_id: int,
    ad_account_id: int,
    name: str,
    *,
    actor: str = "system",
) -> RemarketingTag:
    _pinned(uow, workspace_id, advertiser_id, ad_account_id)
    row = RemarketingTag(
        workspace_id=workspace_id,
        advertiser_id=advertiser_id,
        ad_account_id=ad_account_id,
        name=_name(name),
    )
    AccountsRepository(uow).add(row)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="remarketing_tag.create",
        object_type="remarketing_tag",
        object_id=row.id,
        after={"name": row.name},
    )
    return row


def delete_goal(uow: UnitOfWork, workspace_id: int, goal_id: int, *, actor: str = "system") -> None:
    repo = AccountsRepository(uow)
    row = repo.goal(workspace_id, goal_id)
    if row is None:
        raise NotFound(f"conversion goal {goal_id} not found")
    repo.delete(row)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="conversion_goal.delete",
        object_type="conversion_goal",
        object_id=goal_id,
    )


def delete_tag(uow: UnitOfWork, workspace_id: int, tag_id: int, *, actor: str = "system") -> None:
    repo = AccountsRepository(uow)
    row = repo.tag(workspace_id, tag_id)
    if row is None:
        raise NotFound(f"remarketing tag {tag_id} not found")
    repo.delete(row)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="remarketing_tag.delete",
        object_type="remarketing_tag",
        object_id=tag_id,
    )


@dataclass(frozen=True, slots=True)
class PinPreview:
    """What deleting a conversion goal (``goal``) or a remarketing tag (``tag``) would do."""

    kind: str
    pin: ConversionGoal | RemarketingTag
    advertiser: ClientAdvertiser
    ad_account: TikTokAdAccount
    left: Usage  # what of the advertiser still uses the ad account once it is deleted


def pin_preview(uow: UnitOfWork, workspace_id: int, kind: str, pin_id: int) -> PinPreview:
    """For the confirmation page; ``NotFound`` for another workspace's id or an unknown kind."""
    repo = AccountsRepository(uow)
    pin: ConversionGoal | RemarketingTag | None = None
    if kind == "goal":
        pin = repo.goal(workspace_id, pin_id)
    elif kind == "tag":
        pin = repo.tag(workspace_id, pin_id)
    if pin is None:
        raise NotFound(f"{kind} {pin_id} not found")
    account = repo.ad_account(workspace_id, pin.ad_account_id)
    if account is None:
        raise NotFound(f"{kind} {pin_id} not found")
    campaigns, goals, tags = repo.usage(pin.ad_account_id, pin.advertiser_id)
    return PinPreview(
        kind=kind,
        pin=pin,
        advertiser=get_advertiser(uow, workspace_id, pin.advertiser_id),
        ad_account=account,
        left=Usage(
            campaigns=campaigns,
            conversion_goals=goals - (kind == "goal"),
            remarketing_tags=tags - (kind == "tag"),
        ),
    )


def delete_pin(
    uow: UnitOfWork, workspace_id: int, kind: str, pin_id: int, *, actor: str = "system"
) -> None:
    """Delete a conversion goal (``goal``) or a remarketing tag (``tag``)."""
    if kind == "goal":
        delete_goal(uow, workspace_id, pin_id, actor=actor)
    elif kind == "tag":
        delete_tag(uow, workspace_id, pin_id, actor=actor)
    else:
        raise NotFound(f"{kind} {pin_id} not found")
