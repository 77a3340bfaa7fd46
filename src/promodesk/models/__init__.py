"""Every ORM table, one module per aggregate, re-exported here."""

from promodesk.models.base import Base
from promodesk.models.jobs import Job, Operation, Schedule, WorkerHeartbeat
from promodesk.models.ledger import LedgerAccount, LedgerEntry, LedgerLine
from promodesk.models.platform import AuditEvent, IdempotencyKey
from promodesk.models.tenancy import (
    ApiKey,
    ConsoleSession,
    LoginAttempt,
    Membership,
    User,
    Workspace,
)

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Base",
    "ConsoleSession",
    "IdempotencyKey",
    "Job",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerLine",
    "LoginAttempt",
    "Membership",
    "Operation",
    "Schedule",
    "User",
    "WorkerHeartbeat",
    "Workspace",
]
