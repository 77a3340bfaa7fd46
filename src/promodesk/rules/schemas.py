"""Rules over HTTP: a rule's input and view, a simulation, the evaluation log.

A rule's ``definition`` is the JSON form of ``rules.domain.definition`` (validated there, with
the wrong field named in the 422): ``scope`` {channel, owner_ids, object_ids, product_ids,
name_contains}, ``conditions`` {op: and|or, items: [{metric, cmp, value} | group]},
``action`` {kind, percent?}, ``lookback_days``, ``minimum`` {impressions, spend, days},
``guardrails`` {max_actions, cooldown_minutes, exclude_labels, dry_run}, ``revive_of``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from promodesk.kit.inputs import Day, Id, Input
from promodesk.models import Rule, RuleDecision, RuleEvaluation

Name = Annotated[str, Field(min_length=1, max_length=200)]
Targets = Annotated[list[Annotated[str, Field(max_length=2000)]], Field(max_length=20)]
Definition = Annotated[
    dict[str, Any], Field(description="the rule's definition (see the module's description)")
]


class ScheduleIn(Input):
    kind: Literal["every", "daily", "low_traffic"] = "every"
    every_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] = 60
    at_minute: Annotated[int, Field(ge=0, le=1439)] = 0
    timezone: Annotated[str, Field(max_length=64)] = "UTC"
    shop_id: Id | None = None
    activity_id: Id | None = None


class RuleIn(Input):
    name: Name
    definition: Definition
    schedule: ScheduleIn = Field(default_factory=ScheduleIn)
    notify_emails: Targets = Field(default_factory=list)
    notify_webhooks: Targets = Field(default_factory=list)
    webhook_secret: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    enabled: bool = False


class RuleUpdate(Input):
    name: Name | None = None
    definition: Definition | None = None
    schedule: ScheduleIn | None = None
    notify_emails: Targets | None = None
    notify_webhooks: Targets | None = None
    webhook_secret: Annotated[str, Field(min_length=1, max_length=500)] | None = None


class SimulateIn(Input):
    """Simulate a definition (default: the stored rule's) over the last ``days`` days up to
    ``until`` (default yesterday)."""

    definition: Definition | None = None
    days: Annotated[int, Field(ge=1, le=90)] = 30
    until: Day | None = None


class LabelsIn(Input):
    object_key: Annotated[str, Field(min_length=3, max_length=100, examples=["tiktok_campaign:12"])]
    labels: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=20)]


class RunRead(BaseModel):
    """A "run now": the due time evaluated and the worker's job (``GET /api/v1/jobs/{id}``);
    the evaluation appears in the rule's log once the job ran."""

    rule_id: int
    due_at: datetime
    job_id: int


class Deleted(BaseModel):
    id: int
    deleted: bool = True


class RuleRead(BaseModel):
    id: int
    name: str
    enabled: bool
    definition: dict[str, Any]
    schedule: dict[str, Any]
    notify_emails: list[str]
    notify_webhooks: list[str]
    next_due_at: datetime | None
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, r: Rule) -> RuleRead:
        return cls(
            id=r.id,
            name=r.name,
            enabled=r.enabled,
            definition=r.definition,
            schedule=r.schedule,
            notify_emails=list(r.notify_emails or []),
            notify_webhooks=list(r.notify_webhooks or []),
            next_due_at=r.next_due_at,
            created_by=r.created_by,
            created_at=r.created_at,
        )


class DecisionRead(BaseModel):
    id: int
    object_key: str
    object_ref: int
    object_name: str
    action: str
    outcome: str
    values: dict[str, Any]
    status: str
    detail: str
    finished_at: datetime | None

    @classmethod
    def of(cls, d: RuleDecision) -> DecisionRead:
        return cls(
            id=d.id,
            object_key=d.object_key,
            object_ref=d.object_ref,
            object_name=d.object_name,
            action=d.action,
            outcome=d.outcome,
            values=d.seen or {},
            status=d.status,
            detail=d.detail,
            finished_at=d.finished_at,
        )


class EvaluationRead(BaseModel):
    id: int
    rule_id: int
    due_at: datetime
    created_at: datetime
    dry_run: bool
    as_of: str
    in_scope: int
    matched: int
    acted: int
    counts: dict[str, int]
    millis: int
    decisions: list[DecisionRead] | None = None

    @classmethod
    def of(cls, e: RuleEvaluation, decisions: list[RuleDecision] | None = None) -> EvaluationRead:
        return cls(
            id=e.id,
            rule_id=e.rule_id,
            due_at=e.due_at,
            created_at=e.created_at,
            dry_run=e.dry_run,
            as_of=e.as_of,
            in_scope=e.in_scope,
            matched=e.matched,
            acted=e.acted,
            counts=dict(e.counts or {}),
            millis=e.millis,
            decisions=None if decisions is None else [DecisionRead.of(d) for d in decisions],
        )


class SimulatedDecision(BaseModel):
    object_key: str
    object_ref: int
    object_name: str
    outcome: str
    action: str
    values: dict[str, Any]


class SimulatedDay(BaseModel):
    day: str
    in_scope: int
    acted: int
    decisions: list[SimulatedDecision]


class SimulationRead(BaseModel):
    days: list[SimulatedDay]
    from_: str = Field(alias="from")
    until: str
    totals: dict[str, int]
    objects_acted_on: int
    actions: int
