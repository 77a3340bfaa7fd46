"""Operations (the progress of long work) over HTTP."""

from __future__ import annotations

from fastapi import APIRouter

from promodesk.kit.pagination import Page, after, fetch, page
from promodesk.operations import service as operations
from promodesk.operations.schemas import OperationRead
from promodesk.web import ApiRoute, Caller, Cursor, Limit, Uow

router = APIRouter(route_class=ApiRoute, prefix="/api/v1", tags=["operations"])


@router.get("/operations", response_model=Page[OperationRead])
def list_operations(
    uow: Uow, caller: Caller, limit: Limit = 50, cursor: Cursor = None
) -> Page[OperationRead]:
    rows = operations.list_ops(
        uow, caller.workspace_id, before_id=after(cursor), limit=fetch(limit)
    )
    return Page[OperationRead](
        **page([OperationRead(**operations.as_dict(o)) for o in rows], limit)
    )


@router.get("/operations/{op_id}", response_model=OperationRead)
def get_operation(op_id: int, uow: Uow, caller: Caller) -> OperationRead:
    return OperationRead(**operations.as_dict(operations.get(uow, caller.workspace_id, op_id)))
