"""What an order asks for, pure: the goals a content allows, the result each goal is measured
by, and the budget and duration limits."""

from __future__ import annotations

import re
from enum import StrEnum

from promodesk.kit.errors import N_, ValidationFailed
from promodesk.promote.domain.eligibility import ContentFacts, Limits, PromoteType, promote_type
from promodesk.promote.errors import GoalNotAllowed


class Goal(StrEnum):
    VIDEO_VIEWS = "video_views"
    WEBSITE_VISITS = "website_visits"
    FOLLOWERS = "followers"
    PRODUCT_CLICKS = "product_clicks"
    LIVE_VIEWERS = "live_viewers"


GOALS: dict[PromoteType, tuple[Goal, ...]] = {
    PromoteType.VIDEO: (Goal.VIDEO_VIEWS, Goal.WEBSITE_VISITS, Goal.FOLLOWERS),
    PromoteType.ECOMMERCE: (Goal.VIDEO_VIEWS, Goal.PRODUCT_CLICKS, Goal.FOLLOWERS),
    PromoteType.LIVE: (Goal.LIVE_VIEWERS,),
}

# Which result counter each goal is measured by (cost per result).
GOAL_RESULT: dict[Goal, str] = {
    Goal.VIDEO_VIEWS: "views",
    Goal.WEBSITE_VISITS: "website_visits",
    Goal.FOLLOWERS: "follows",
    Goal.PRODUCT_CLICKS: "product_clicks",
    Goal.LIVE_VIEWERS: "live_viewers",
}
RESULT_FIELDS = ("views", "website_visits", "follows", "product_clicks", "live_viewers")

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def allowed_goals(content: ContentFacts) -> tuple[Goal, ...]:
    return GOALS[promote_type(content)]


def check_goal(content: ContentFacts, goal: str, website_url: str | None) -> Goal:
    """The goal, if it fits the content; website visits need an http(s) URL."""
    allowed = allowed_goals(content)
    if goal not in {g.value for g in allowed}:
        names = ", ".join(g.value for g in allowed)
        raise GoalNotAllowed(
            f"goal {goal!r} is not available for this content; choose one of: {names}",
            field="goal",
            allowed_goals=[g.value for g in allowed],
        )
    chosen = Goal(goal)
    bad_url = not website_url or len(website_url) > 2000 or not _URL.match(website_url)
    if chosen == Goal.WEBSITE_VISITS and bad_url:
        raise ValidationFailed(
            "more website visits needs the website's http(s) URL", field="website_url"
        )
    return chosen


def check_budget(budget: int, duration_hours: int, limits: Limits) -> None:
    if not limits.budget_min <= budget <= limits.budget_max:
        raise ValidationFailed(
            f"the budget must be between {limits.budget_min:,} and {limits.budget_max:,} coins",
            field="budget_coins",
            message=N_("The budget is %(low)s to %(high)s coins."),
            params={"low": f"{limits.budget_min:,}", "high": f"{limits.budget_max:,}"},
        )
    if not limits.duration_min_hours <= duration_hours <= limits.duration_max_hours:
        raise ValidationFailed(
            f"the duration must be between {limits.duration_min_hours:,} and "
            f"{limits.duration_max_hours:,} hours",
            field="duration_hours",
            message=N_("The duration is %(low)s to %(high)s hours."),
            params={"low": limits.duration_min_hours, "high": limits.duration_max_hours},
        )
