"""Workspace, members and API keys over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, Response

from promodesk.kit.errors import NotFound
from promodesk.models import ApiKey
from promodesk.tenancy import service
from promodesk.tenancy.repository import TenancyRepository
from promodesk.tenancy.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    MemberRead,
    WorkspaceRead,
)
from promodesk.web import Admin, ApiRoute, Caller, Uow, errors

router = APIRouter(route_class=ApiRoute, prefix="/api/v1", tags=["workspaces"])


@router.get("/workspaces/current", response_model=WorkspaceRead, responses=errors(404))
def current_workspace(uow: Uow, caller: Caller) -> WorkspaceRead:
    workspace = TenancyRepository(uow).workspace(caller.workspace_id)
    if workspace is None:
        raise NotFound("workspace not found")
    return WorkspaceRead(
        id=workspace.id,
        slug=workspace.slug,
        name=workspace.name,
        role=caller.role,
        created_at=workspace.created_at,
    )


@router.get("/members", response_model=list[MemberRead])
def members(uow: Uow, caller: Caller) -> list[MemberRead]:
    return [
        MemberRead(user_id=u.id, email=u.email, name=u.name, role=m.role)
        for m, u in TenancyRepository(uow).members(caller.workspace_id)
    ]


def _key(k: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=k.id,
        name=k.name,
        role=k.role,
        prefix=k.prefix,
        created_at=k.created_at,
        revoked_at=k.revoked_at,
    )


@router.get("/keys", response_model=list[ApiKeyRead])
def list_keys(uow: Uow, caller: Admin) -> list[ApiKeyRead]:
    return [_key(k) for k in service.list_api_keys(uow, caller)]


@router.get("/keys/{key_id}", response_model=ApiKeyRead)
def get_key(key_id: int, uow: Uow, caller: Admin) -> ApiKeyRead:
    return _key(service.get_api_key(uow, caller, key_id))


@router.post("/keys", response_model=ApiKeyCreated, status_code=201)
def create_key(body: ApiKeyCreate, uow: Uow, caller: Admin, response: Response) -> ApiKeyCreated:
    """The secret is in this response only; it is stored hashed and never shown again
    (``Cache-Control: no-store`` also keeps it out of caches and the idempotency store)."""
    response.headers["Cache-Control"] = "no-store"
    caller.require_may_act_on(body.role.value, "key")
    workspace = TenancyRepository(uow).workspace(caller.workspace_id)
    if workspace is None:
        raise NotFound("workspace not found")
    new = service.create_api_key(
        uow, workspace, body.role.value, name=body.name, actor=caller.actor
    )
    return ApiKeyCreated(**_key(new.key).model_dump(), key=new.plaintext)


@router.post("/keys/{key_id}/revoke", response_model=ApiKeyRead)
def revoke_key(key_id: int, uow: Uow, caller: Admin) -> ApiKeyRead:
    return _key(service.revoke_api_key(uow, caller, key_id))
