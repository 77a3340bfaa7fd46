"""Tenancy use cases: workspaces, users, memberships, API keys, console sessions, throttle."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from promodesk.audit import service as audit
from promodesk.kit import auth, clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict, NotFound, RateLimited, Unauthorized, ValidationFailed
from promodesk.models import ApiKey, ConsoleSession, Membership, User, Workspace
from promodesk.tenancy.domain import Principal, Role, check_slug, parse_role
from promodesk.tenancy.repository import TenancyRepository


def create_workspace(uow: UnitOfWork, slug: str, name: str, *, actor: str = "cli") -> Workspace:
    repo = TenancyRepository(uow)
    check_slug(slug)
    if repo.workspace_by_slug(slug):
        raise Conflict(f"workspace {slug!r} exists already", field="slug")
    workspace = Workspace(slug=slug, name=name or slug, created_at=clock.now())
    repo.add(workspace)
    audit.record(
        uow,
        workspace_id=workspace.id,
        actor=actor,
        action="workspace.created",
        object_type="workspace",
        object_id=workspace.id,
        after={"slug": slug, "name": workspace.name},
    )
    return workspace


def get_workspace(uow: UnitOfWork, slug: str) -> Workspace:
    workspace = TenancyRepository(uow).workspace_by_slug(slug)
    if workspace is None:
        raise NotFound(f"workspace {slug!r} not found", field="workspace")
    return workspace


def create_user(
    uow: UnitOfWork,
    email: str,
    password: str,
    *,
    name: str = "",
    workspace: Workspace | None = None,
    role: str = "operator",
    actor: str = "cli",
) -> User:
    repo = TenancyRepository(uow)
    email = email.strip()
    if "@" not in email or len(email) > 254:
        raise ValidationFailed("give a valid email address", field="email")
    if len(password) < 8:
        raise ValidationFailed("a password has at least 8 characters", field="password")
    parsed_role = parse_role(role)
    user = repo.user_by_email(email)
    if user is None:
        user = User(
            email=email,
            name=name or email.split("@")[0],
            password_hash=auth.hash_password(password),
            created_at=clock.now(),
        )
        repo.add(user)
        audit.record(
            uow,
            workspace_id=workspace.id if workspace else None,
            actor=actor,
            action="user.created",
            object_type="user",
            object_id=user.id,
            after={"email": email},
        )
    if workspace is not None:
        if repo.membership(workspace.id, user.id):
            raise Conflict(f"{email} is a member of {workspace.slug} already", field="email")
        repo.add(Membership(workspace_id=workspace.id, user_id=user.id, role=parsed_role.value))
        audit.record(
            uow,
            workspace_id=workspace.id,
            actor=actor,
            action="member.added",
            object_type="user",
            object_id=user.id,
            after={"email": email, "role": parsed_role.value},
        )
    return user


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    plaintext: str  # shown once, never stored


def create_api_key(
    uow: UnitOfWork, workspace: Workspace, role: str, *, name: str = "", actor: str = "cli"
) -> NewKey:
    parsed = parse_role(role)
    plaintext = auth.new_api_key()
    key = ApiKey(
        workspace_id=workspace.id,
        name=name,
        role=parsed.value,
        prefix=plaintext[:10],
        key_hash=auth.sha256(plaintext),
        created_at=clock.now(),
    )
    TenancyRepository(uow).add(key)
    audit.record(
        uow,
        workspace_id=workspace.id,
        actor=actor,
        action="api_key.created",
        object_type="api_key",
        object_id=key.id,
        after={"name": name, "role": parsed.value, "prefix": key.prefix},
    )
    return NewKey(key, plaintext)


def get_api_key(uow: UnitOfWork, principal: Principal, key_id: int) -> ApiKey:
    principal.require(Role.ADMIN)
    key = TenancyRepository(uow).key(principal.workspace_id, key_id)
    if key is None:
        raise NotFound(f"API key {key_id} not found")
    return key


def get_revocable_api_key(uow: UnitOfWork, principal: Principal, key_id: int) -> ApiKey:
    """The key, if ``principal`` may revoke it: it is not of a higher role than theirs."""
    key = get_api_key(uow, principal, key_id)
    principal.require_may_act_on(key.role, "key")
    return key


def revoke_api_key(uow: UnitOfWork, principal: Principal, key_id: int) -> ApiKey:
    """Revoking is final and idempotent: a revoked key answers 401 from the next request on."""
    key = get_revocable_api_key(uow, principal, key_id)
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        audit.record(
            uow,
            workspace_id=principal.workspace_id,
            actor=principal.actor,
            action="api_key.revoked",
            object_type="api_key",
            object_id=key.id,
            before={"revoked": False},
            after={"revoked": True},
        )
    return key


def list_api_keys(uow: UnitOfWork, principal: Principal) -> list[ApiKey]:
    principal.require(Role.ADMIN)
    return TenancyRepository(uow).keys(principal.workspace_id)


def authenticate_key(uow: UnitOfWork, plaintext: str) -> Principal:
    repo = TenancyRepository(uow)
    key = (
        repo.key_by_hash(auth.sha256(plaintext)) if plaintext.startswith(auth.KEY_PREFIX) else None
    )
    if key is None or key.revoked_at is not None:
        raise Unauthorized("invalid or revoked API key")
    workspace = repo.workspace(key.workspace_id)
    assert workspace is not None
    return Principal(
        workspace.id, workspace.slug, key.role, f"key:{key.id}", key.name or key.prefix
    )


# console sessions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedIn:
    token: str
    csrf: str
    user: User
    workspace: Workspace


def login(
    uow: UnitOfWork,
    email: str,
    password: str,
    *,
    client: str,
    max_failures: int,
    window_seconds: int,
    session_seconds: int,
    max_failures_per_account: int | None = None,
    max_failures_per_address: int | None = None,
) -> LoggedIn:
    """Check the password under a throttle kept in the database. Failures in the window are
    counted per (email, client address), per email over all addresses (many addresses cannot
    brute-force one account) and per address over all emails (one address cannot spray
    passwords over every account); reaching any limit refuses even the right password.

    A success clears only its own (email, address) count: the other two decay with the window,
    so logging in with one account cannot reset an address's spraying budget."""
    repo = TenancyRepository(uow)
    now = clock.now()
    account = email.strip().lower()
    pair_key = f"{account}|{client}"
    limits = [
        (pair_key, max_failures),
        (f"account:{account}", max_failures_per_account),
        (f"address:{client}", max_failures_per_address),
    ]
    since = now - timedelta(seconds=window_seconds)
    for key, limit in limits:
        if limit is not None and repo.failures_since(key, since) >= limit:
            raise RateLimited("too many failed logins; wait a few minutes and try again")
    user = repo.user_by_email(email.strip())
    ok = auth.verify_password(user.password_hash if user else auth.DUMMY_HASH, password)
    memberships = repo.memberships_of(user.id) if user and ok else []
    if not user or not ok or not user.is_active or not memberships:
        from promodesk.models import LoginAttempt

        for key, _limit in limits:
            repo.add(LoginAttempt(key=key, created_at=now))
        raise Unauthorized("wrong email or password")
    repo.clear_failures(pair_key)
    _membership, workspace = memberships[0]
    token, csrf = auth.new_token(), auth.new_token()
    repo.add(
        ConsoleSession(
            id=auth.sha256(token),
            user_id=user.id,
            workspace_id=workspace.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(seconds=session_seconds),
        )
    )
    audit.record(
        uow,
        workspace_id=workspace.id,
        actor=f"user:{user.id}",
        action="user.login",
        object_type="user",
        object_id=user.id,
    )
    return LoggedIn(token, csrf, user, workspace)


@dataclass(frozen=True)
class ConsoleIdentity:
    principal: Principal
    user: User
    csrf: str
    session_id: str


def resolve_session(uow: UnitOfWork, token: str) -> ConsoleIdentity | None:
    repo = TenancyRepository(uow)
    sid = auth.sha256(token)
    sess = repo.console_session(sid)
    if sess is None or sess.expires_at < clock.now():
        return None
    user = repo.user(sess.user_id)
    membership = repo.membership(sess.workspace_id, sess.user_id)
    workspace = repo.workspace(sess.workspace_id)
    if user is None or membership is None or workspace is None or not user.is_active:
        return None
    principal = Principal(
        workspace.id, workspace.slug, membership.role, f"user:{user.id}", user.email
    )
    return ConsoleIdentity(principal, user, sess.csrf_token, sid)


def logout(uow: UnitOfWork, session_id: str) -> None:
    TenancyRepository(uow).delete_console_session(session_id)


def set_locale(uow: UnitOfWork, user_id: int, locale: str) -> None:
    user = TenancyRepository(uow).user(user_id)
    if user is not None:
        user.locale = locale


def actor_names(uow: UnitOfWork, workspace_id: int, actors: Iterable[str]) -> dict[str, str]:
    """How each stored actor reads for a person: ``user:3`` is the member's name and email
    ("Ada Lovelace <ada@example.com>"). Other actors (``key:7``, ``system``, ``cli``), and users
    who are no longer members of the workspace, stay as stored."""
    wanted = {a for a in actors if a.startswith("user:")}
    if not wanted:
        return {}
    names: dict[str, str] = {}
    for _membership, user in TenancyRepository(uow).members(workspace_id):
        actor = f"user:{user.id}"
        if actor in wanted:
            names[actor] = person(user.name, user.email)
    return names


def actor_name(uow: UnitOfWork, workspace_id: int, actor: str) -> str:
    """One actor as ``actor_names`` shows it."""
    return actor_names(uow, workspace_id, [actor]).get(actor, actor)


def actor_of(uow: UnitOfWork, workspace_id: int, text: str) -> str:
    """The stored actor a person typed in a filter: a member's email (any case) is their
    ``user:ID``; anything else (``user:3``, ``rule:7``, an email of no member) stays as typed,
    so a filter on it finds what was recorded under it, or nothing."""
    wanted = text.strip()
    if "@" not in wanted:
        return wanted
    for _membership, user in TenancyRepository(uow).members(workspace_id):
        if user.email.lower() == wanted.lower():
            return f"user:{user.id}"
    return wanted


def person(name: str, email: str) -> str:
    """ "Ada Lovelace <ada@example.com>", or the email alone when there is no name."""
    name = name.strip()
    return f"{name} <{email}>" if name and name != email else email
