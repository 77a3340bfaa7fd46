"""The lessons and action items form, as a campaign cancellation's retrospective and a stop
everywhere both have it: its rows read from the form (``item_text_0``, ``item_owner_0``,
``item_due_0``, ``item_done_0``…; at most ``MAX_ITEMS``), and a refusal shown beside the
field it names (the service names ``action_items.{n}.{text|due|owner}``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promodesk.console import forms
from promodesk.console.formerrors import FormRefused
from promodesk.console.visit import Visit
from promodesk.kit.errors import ValidationFailed

MAX_ITEMS = 100


def action_items(form: Mapping[str, str]) -> list[dict[str, Any]]:
    """The rows as sent, in order (empty ones are the service's to drop)."""
    items = []
    n = 0
    while n < MAX_ITEMS and (f"item_text_{n}" in form or f"item_owner_{n}" in form):
        items.append(
            {
                "text": forms.clean(form.get(f"item_text_{n}", ""), 500),
                "owner": forms.clean(form.get(f"item_owner_{n}", ""), 200),
                "due": forms.clean(form.get(f"item_due_{n}", ""), 10),
                "done": form.get(f"item_done_{n}") == "on",
            }
        )
        n += 1
    return items


def lessons(form: Mapping[str, str]) -> str:
    return forms.clean(form.get("lessons", ""), 10_000)


def refused(visit: Visit, exc: ValidationFailed, page: str) -> FormRefused:
    """The form again on ``page``, what was typed kept, the message beside its field."""
    parts = (exc.field or "").split(".")
    field = f"item_{parts[2]}_{parts[1]}" if len(parts) == 3 else exc.field
    texts = {
        "text": visit._("An action item needs a text."),
        "due": visit._("Enter the due day as YYYY-MM-DD."),
    }
    kind = parts[2] if len(parts) == 3 else ""
    return FormRefused(
        texts.get(kind, visit.error_text(exc)), status=422, field=field or None, page=page
    )
