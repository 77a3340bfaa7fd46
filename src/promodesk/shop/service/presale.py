"""Presale / a longer shipping promise: only where the activity allows it, with a promise of
at most its ``max_shipping_days``, for a product still in the activity."""

from __future__ import annotations

from promodesk.audit import service as audit
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_, ValidationFailed
from promodesk.models import ShopEnrollment
from promodesk.shop.domain.enrollments import IN_ACTIVITY
from promodesk.shop.errors import ActivityClosed, NothingToDo
from promodesk.shop.service import snapshots as snapshots_service
from promodesk.shop.service.catalog import get_activity, get_enrollment, open_activity


def set_presale(
    uow: UnitOfWork, workspace_id: int, enrollment_id: int, *, shipping_days: int, actor: str
) -> ShopEnrollment:
    enrollment = get_enrollment(uow, workspace_id, enrollment_id)
    activity = get_activity(uow, workspace_id, enrollment.activity_id)
    open_activity(uow, workspace_id, activity.id)
    if not activity.presale_allowed:
        raise ActivityClosed(
            f"activity {activity.id} does not allow presale",
            message=N_("This activity does not allow presale."),
        )
    if not 1 <= shipping_days <= activity.max_shipping_days:
        raise ValidationFailed(
            f"the shipping promise is 1..{activity.max_shipping_days} days in this activity",
            field="shipping_days",
            message=N_("The shipping promise is 1 to %(days)s days in this activity."),
            params={"days": activity.max_shipping_days},
        )
    if enrollment.state not in IN_ACTIVITY:
        raise NothingToDo(
            f"enrollment {enrollment.id} is {enrollment.state}",
            message=N_("Nothing to do: the product is %(state)s."),
            params={"state": enrollment.state},
        )
    snapshots_service.take(uow, workspace_id, enrollment, "presale")
    before = {"presale": enrollment.presale, "shipping_days": enrollment.shipping_days}
    enrollment.presale, enrollment.shipping_days = True, shipping_days
    uow.flush()
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.enrollment.presale",
        object_type="shop_enrollment",
        object_id=enrollment.id,
        before=before,
        after={"presale": True, "shipping_days": shipping_days},
    )
    return enrollment
