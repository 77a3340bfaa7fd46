"""API keys: list, create (the secret is shown once), revoke (preview, confirm). Admins only,
and nobody creates or revokes a key of a higher role than their own."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import AdminVisit, Uow, ViewerVisit
from promodesk.tenancy import service as tenancy
from promodesk.tenancy.domain import RANK, at_least, parse_role

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
MAX_NAME = 200


def grantable(role: str) -> list[str]:
    """Roles a member may give a key: up to their own (only an owner makes owner keys)."""
    return [r.value for r in sorted(RANK, key=RANK.__getitem__) if at_least(role, r)]


@router.get("/keys")
def key_list(visit: AdminVisit, uow: Uow) -> Response:
    principal = visit.principal
    keys = sorted(tenancy.list_api_keys(uow, principal), key=lambda k: -k.id)
    return visit.page("keys.html", keys=keys, roles=grantable(principal.role))


@router.post("/keys")
def key_create(visit: AdminVisit, uow: Uow) -> Response:
    principal = visit.principal
    role = parse_role(visit.form.get("role", ""))
    principal.require_may_act_on(role.value, "key")
    name = forms.clean(visit.form.get("name", ""), MAX_NAME)
    workspace = tenancy.get_workspace(uow, principal.workspace_slug)
    new = tenancy.create_api_key(uow, workspace, role.value, name=name, actor=principal.actor)
    # Rendered, not redirected: the secret must not travel in a cookie or a URL.
    return visit.page("key_created.html", key=new.key, secret=new.plaintext)


@router.get("/keys/{key_id}/revoke")
def revoke_preview(visit: ViewerVisit, uow: Uow, key_id: int) -> Response:
    key = tenancy.get_revocable_api_key(uow, visit.principal, key_id)
    return visit.page("key_revoke.html", key=key)


@router.post("/keys/{key_id}/revoke")
def revoke_confirm(visit: ViewerVisit, uow: Uow, key_id: int) -> Response:
    key = tenancy.revoke_api_key(uow, visit.principal, key_id)
    label = key.name or key.prefix
    visit.flash("success", visit._("The key %(name)s is revoked.", name=label))
    return visit.redirect("/keys")
