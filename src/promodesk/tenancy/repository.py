"""All SQL of tenancy. Every query that returns workspace data takes the workspace id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from promodesk.kit.db import UnitOfWork
from promodesk.models import ApiKey, ConsoleSession, LoginAttempt, Membership, User, Workspace


class TenancyRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.s = uow.session

    def add(self, obj: object) -> None:
        self.s.add(obj)
        self.s.flush()

    def workspace(self, workspace_id: int) -> Workspace | None:
        return self.s.get(Workspace, workspace_id)

    def workspace_by_slug(self, slug: str) -> Workspace | None:
        return self.s.execute(select(Workspace).where(Workspace.slug == slug)).scalar_one_or_none()

    def workspaces(self) -> list[Workspace]:
        return list(self.s.execute(select(Workspace).order_by(Workspace.id)).scalars())

    def user(self, user_id: int) -> User | None:
        return self.s.get(User, user_id)

    def user_by_email(self, email: str) -> User | None:
        return self.s.execute(
            select(User).where(func.lower(User.email) == email.lower())
        ).scalar_one_or_none()

    def membership(self, workspace_id: int, user_id: int) -> Membership | None:
        return self.s.execute(
            select(Membership).where(
                Membership.workspace_id == workspace_id, Membership.user_id == user_id
            )
        ).scalar_one_or_none()

    def memberships_of(self, user_id: int) -> list[tuple[Membership, Workspace]]:
        rows = self.s.execute(
            select(Membership, Workspace)
            .join(Workspace, Workspace.id == Membership.workspace_id)
            .where(Membership.user_id == user_id)
            .order_by(Workspace.id)
        ).all()
        return [(r[0], r[1]) for r in rows]

    def members(self, workspace_id: int) -> list[tuple[Membership, User]]:
        rows = self.s.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.workspace_id == workspace_id)
            .order_by(User.id)
        ).all()
        return [(r[0], r[1]) for r in rows]

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        return self.s.execute(
            select(ApiKey).where(ApiKey.key_hash == key_hash)
        ).scalar_one_or_none()

    def key(self, workspace_id: int, key_id: int) -> ApiKey | None:
        return self.s.execute(
            select(ApiKey).where(ApiKey.id == key_id, ApiKey.workspace_id == workspace_id)
        ).scalar_one_or_none()

    def keys(self, workspace_id: int) -> list[ApiKey]:
        return list(
            self.s.execute(
                select(ApiKey).where(ApiKey.workspace_id == workspace_id).order_by(ApiKey.id)
            ).scalars()
        )

    def console_session(self, session_id: str) -> ConsoleSession | None:
        return self.s.get(ConsoleSession, session_id)

    def delete_console_session(self, session_id: str) -> None:
        self.s.execute(delete(ConsoleSession).where(ConsoleSession.id == session_id))

    def purge_console_sessions(self, now: datetime) -> int:
        result = self.s.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def failures_since(self, key: str, since: datetime) -> int:
        return int(
            self.s.execute(
                select(func.count())
                .select_from(LoginAttempt)
                .where(LoginAttempt.key == key, LoginAttempt.created_at >= since)
            ).scalar_one()
        )

    def clear_failures(self, key: str) -> None:
        self.s.execute(delete(LoginAttempt).where(LoginAttempt.key == key))

    def purge_failures(self, before: datetime) -> None:
        self.s.execute(delete(LoginAttempt).where(LoginAttempt.created_at < before))
