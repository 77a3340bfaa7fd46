"""Who and what may be promoted, pure: the creator (age, account type, app version, region)
and the content (commercial music for videos, a LIVE on air or about to start), every failed
rule at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

import pycountry

from promodesk.kit.errors import ValidationFailed
from promodesk.promote.errors import NotEligible


class AccountType(StrEnum):
    BUSINESS = "business"
    CREATOR = "creator"
    PERSONAL = "personal"


class DeviceOS(StrEnum):
    ANDROID = "android"
    IOS = "ios"


class ContentKind(StrEnum):
    VIDEO = "video"
    LIVE = "live"


class PromoteType(StrEnum):
    VIDEO = "video"
    ECOMMERCE = "ecommerce"  # a video with an e-commerce anchor
    LIVE = "live"


# -- values -----------------------------------------------------------------------------------

_VERSION = re.compile(r"^\d{1,6}(\.\d{1,6}){0,3}$")


def parse_version(value: str) -> tuple[int, ...]:
    """``"20.10.1"`` → ``(20, 10, 1)``: versions compare numerically, so 20.10 > 20.4."""
    text = (value or "").strip().lstrip("vV")
    if not _VERSION.match(text):
        raise ValidationFailed(f"{value!r} is not an app version like 20.4", field="app_version")
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()  # 20.4.0 == 20.4
    return tuple(parts)


def validate_region(code: str) -> str:
    """An ISO 3166-1 alpha-2 country code, upper-cased (``gb`` → ``GB``)."""
    upper = (code or "").strip().upper()
    if len(upper) != 2 or pycountry.countries.get(alpha_2=upper) is None:
        raise ValidationFailed(
            f"{code!r} is not an ISO 3166-1 alpha-2 country code", field="region"
        )
    return upper


def age_on(birth: date, today: date) -> int:
    years = today.year - birth.year
    return years - 1 if (today.month, today.day) < (birth.month, birth.day) else years


@dataclass(frozen=True)
class Limits:
    min_age: int = 18
    min_app_version: tuple[int, ...] = (20, 4)
    account_types: frozenset[str] = frozenset(a.value for a in AccountType)
    regions: dict[str, frozenset[str]] = field(default_factory=dict)
    live_start_window_minutes: int = 30
    budget_min: int = 100
    budget_max: int = 10_000_000
    duration_min_hours: int = 1
    duration_max_hours: int = 168


@dataclass(frozen=True, slots=True)
class CreatorFacts:
    birth_date: date
    account_type: str
    app_version: str
    region: str


@dataclass(frozen=True, slots=True)
class ContentFacts:
    kind: str
    has_ecommerce_anchor: bool = False
    commercial_music: bool = False
    on_air: bool = False
    scheduled_start: datetime | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str


def promote_type(content: ContentFacts) -> PromoteType:
    if content.kind == ContentKind.LIVE:
        return PromoteType.LIVE
    return PromoteType.ECOMMERCE if content.has_ecommerce_anchor else PromoteType.VIDEO


def eligibility(
    creator: CreatorFacts, content: ContentFacts | None, at: datetime, limits: Limits
) -> list[Reason]:
    """Every rule the creator (and content, when given) fails; an empty list means eligible."""
    reasons: list[Reason] = []
    if age_on(creator.birth_date, at.date()) < limits.min_age:
        reasons.append(Reason("under_age", f"Promote is for users aged {limits.min_age}+."))
    if creator.account_type not in limits.account_types:
        allowed = ", ".join(sorted(limits.account_types))
        reasons.append(
            Reason("account_type", f"{creator.account_type} accounts cannot promote ({allowed}).")
        )
    try:
        too_old = parse_version(creator.app_version) < limits.min_app_version
    except ValidationFailed:
        too_old = True
    if too_old:
        need = ".".join(str(p) for p in limits.min_app_version)
        reasons.append(Reason("app_version", f"Update the app to v{need} or later."))
    if content is None:
        return reasons
    kind = promote_type(content)
    if content.kind == ContentKind.VIDEO and not content.commercial_music:
        reasons.append(Reason("music", "The video's background music must be commercial music."))
    if creator.region not in limits.regions.get(kind.value, frozenset()):
        reasons.append(
            Reason("region", f"Promote ({kind.value}) is not launched in {creator.region}.")
        )
    if content.kind == ContentKind.LIVE and not live_ready(content, at, limits):
        reasons.append(
            Reason(
                "live_not_on_air",
                "The LIVE must be on air or start within "
                f"{limits.live_start_window_minutes} minutes.",
            )
        )
    return reasons


def check_scheduled_start(start: datetime | None, at: datetime) -> None:
    """A LIVE is scheduled to start in the future, never in the past."""
    if start is not None and start < at:
        raise ValidationFailed(
            f"the scheduled start {start.isoformat()} is in the past", field="scheduled_start"
        )


def live_ready(content: ContentFacts, at: datetime, limits: Limits) -> bool:
    if content.on_air:
        return True
    start = content.scheduled_start
    window = timedelta(minutes=limits.live_start_window_minutes)
    return start is not None and at <= start <= at + window


def require_eligible(reasons: list[Reason]) -> None:
    if reasons:
        raise NotEligible(
            "not eligible for Promote: " + " ".join(r.message for r in reasons),
            reasons=[{"code": r.code, "message": r.message} for r in reasons],
        )
