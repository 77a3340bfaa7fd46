"""Product links of promotions (pure): what a link targets, and which shop products an ad's
platform data names.

- **Targets**: a TikTok ``campaign``, ``adgroup`` or ``ad`` (promodesk's row id), or a Promote
  ``promote_content`` (its orders promote the product). Shop enrollments name their product
  themselves and are never linked here.
- **Automatic links of ads**: the platform product ids an ad names, from its wire fields as the
  sync stores them: ``item_group_ids`` (a shopping ad's product ids, UNCERTAIN in the spec) and
  the product id in its ``landing_page_url`` or ``landing_page_urls`` (the first group of the
  first of ``product_url_patterns`` that matches). Each id comes with its evidence (the field).
- A person may link any target to any product of the workspace and unlink any link; an
  unlinked automatic link stays unlinked (the next automatic pass leaves it alone). A Promote
  content is linked only when it has an e-commerce anchor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from promodesk.kit.errors import N_, ValidationFailed

LINK_JOB = "promotions.link_ads"
MAX_ID = 2**63 - 1


class Target(StrEnum):
    CAMPAIGN = "campaign"
    ADGROUP = "adgroup"
    AD = "ad"
    PROMOTE_CONTENT = "promote_content"


class Source(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


def parse_target(value: str, field: str = "target") -> tuple[Target, int]:
    """``<kind>:<id>`` with a kind of ``Target``; anything else is a 422 naming ``field``."""
    kind, _, num = (value or "").strip().lower().partition(":")
    try:
        target = Target(kind)
        id_ = int(num)
    except ValueError:
        allowed = ", ".join(f"{t.value}:<id>" for t in Target)
        raise ValidationFailed(
            f"a link target is one of {allowed}",
            field=field,
            message=N_("Name what to link as kind:id, kind one of %(allowed)s."),
            params={"allowed": allowed},
        ) from None
    if not 1 <= id_ <= MAX_ID:
        raise ValidationFailed("the link target names no object", field=field)
    return target, id_


def _strings(value: Any) -> list[str]:
    """Text of a field that is a string, a list of strings, or of ``{"landing_page_url": …}``."""
    if isinstance(value, str):
        return [value]
    out: list[str] = []
    for v in value if isinstance(value, list) else []:
        if isinstance(v, dict):
            v = v.get("landing_page_url")
        if isinstance(v, str | int) and not isinstance(v, bool):
            out.append(str(v))
    return out


def product_ids_of_ad(raw: Mapping[str, Any], patterns: Iterable[str]) -> dict[str, str]:
    """``{platform product id: evidence}`` an ad's stored wire fields name (rules above)."""
    found: dict[str, str] = {}
    for pid in _strings(raw.get("item_group_ids")):
        if pid.strip().isdigit():
            found.setdefault(pid.strip(), "item_group_ids")
    compiled = [re.compile(p) for p in patterns]
    urls = _strings(raw.get("landing_page_url")) + _strings(raw.get("landing_page_urls"))
    for url in urls:
        for rx in compiled:
            m = rx.search(url)
            if m:
                found.setdefault(m.group(1), "landing_page_url")
                break
    return found
