"""Allocating ad accounts to (client account, advertiser) pairs; the default ad account.

The rules are in ``accounts.domain``; this module loads the facts they need, applies them and
writes the change with its audit event. The client account row is locked first, so two
allocations racing for "first one becomes the default" cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promodesk.accounts import domain
from promodesk.accounts.domain import PairState, PaymentMode, Refusal, Usage
from promodesk.accounts.repository.accounts import AccountsRepository
from promodesk.audit.service import record
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.models import AdAccountAllocation, ClientAccount, ClientAdvertiser, TikTokAdAccount


def get_ad_account(uow: UnitOfWork, workspace_id: int, ad_account_id: int) -> TikTokAdAccount:
    row = AccountsRepository(uow).ad_account(workspace_id, ad_account_id)
    if row is None:
        raise NotFound(f"ad account {ad_account_id} not found")
    return row


def _client_locked(uow: UnitOfWork, workspace_id: int, client_id: int) -> ClientAccount:
    row = AccountsRepository(uow).client(workspace_id, client_id, lock=True)
    if row is None:
        raise NotFound(f"client account {client_id} not found", field="client_account_id")
    return row  # type: ignore[no-any-return]


def allocate(
    uow: UnitOfWork,
    workspace_id: int,
    ad_account_id: int,
    *,
    client_account_id: int,
    advertiser_id: int,
    payment_mode: str | None = None,
    actor: str = "system",
) -> AdAccountAllocation:
    """Allocate (or change the payment mode of an existing allocation). ``payment_mode`` None
    keeps an existing pair's mode (a new pair starts as self): a pair's mode changes only when a
    mode is asked for. The first ad account allocated to a client account becomes its default."""
    if payment_mode is not None and payment_mode not in {m.value for m in PaymentMode}:
        raise ValidationFailed("payment_mode is self or agency", field="payment_mode")
    repo = AccountsRepository(uow)
    account = get_ad_account(uow, workspace_id, ad_account_id)
    client = _client_locked(uow, workspace_id, client_account_id)
    advertiser = repo.advertiser(workspace_id, advertiser_id)
    if advertiser is None:
        raise NotFound(f"advertiser {advertiser_id} not found", field="advertiser_id")
    domain.check_allocatable(
        client.status, advertiser.status, advertiser.client_account_id == client.id
    )
    existing = repo.allocation_for(account.id, advertiser.id)
    if existing is not None:
        if payment_mode is not None and existing.payment_mode != payment_mode:
            before = existing.payment_mode
            existing.payment_mode = payment_mode
            uow.flush()
            record(
                uow,
                workspace_id=workspace_id,
                actor=actor,
                action="allocation.update",
                object_type="allocation",
                object_id=existing.id,
                before={"payment_mode": before},
                after={"payment_mode": payment_mode},
            )
        return existing
    payment_mode = payment_mode or PaymentMode.SELF.value
    row = AdAccountAllocation(
        workspace_id=workspace_id,
        ad_account_id=account.id,
        client_account_id=client.id,
        advertiser_id=advertiser.id,
        payment_mode=payment_mode,
    )
    repo.add(row)
    if domain.becomes_default(client.default_ad_account_id):
        client.default_ad_account_id = account.id
        uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="allocation.create",
        object_type="allocation",
        object_id=row.id,
        after={
            "ad_account_id": account.id,
            "client_account_id": client.id,
            "advertiser_id": advertiser.id,
            "payment_mode": payment_mode,
            "default": client.default_ad_account_id == account.id,
        },
    )
    return row


def pair_state(uow: UnitOfWork, alloc: AdAccountAllocation, client: ClientAccount) -> PairState:
    repo = AccountsRepository(uow)
    of_client = repo.allocations_of_client(client.id)
    others_same_account = [
        a for a in of_client if a.ad_account_id == alloc.ad_account_id and a.id != alloc.id
    ]
    candidates = sorted({a.ad_account_id for a in of_client} - {alloc.ad_account_id})
    campaigns, goals, tags = repo.usage(alloc.ad_account_id, alloc.advertiser_id)
    return PairState(
        is_default=client.default_ad_account_id == alloc.ad_account_id,
        last_pair_of_client=not others_same_account,
        other_candidates=tuple(candidates),
        usage=Usage(campaigns=campaigns, conversion_goals=goals, remarketing_tags=tags),
    )


def deallocate(
    uow: UnitOfWork, workspace_id: int, allocation_id: int, *, actor: str = "system"
) -> None:
    """Remove one pair, or raise ``Refusal`` with the reason (and the default candidates)."""
    repo = AccountsRepository(uow)
    alloc = repo.allocation(workspace_id, allocation_id)
    if alloc is None:
        raise NotFound(f"allocation {allocation_id} not found")
    client = _client_locked(uow, workspace_id, alloc.client_account_id)
    state = pair_state(uow, alloc, client)
    domain.check_deallocate(state)
    client.default_ad_account_id = domain.default_after_deallocate(
        state, client.default_ad_account_id
    )
    repo.drop_audience_allocations(alloc.advertiser_id, alloc.ad_account_id)
    snapshot = {
        "ad_account_id": alloc.ad_account_id,
        "client_account_id": alloc.client_account_id,
        "advertiser_id": alloc.advertiser_id,
        "payment_mode": alloc.payment_mode,
    }
    repo.delete(alloc)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="allocation.delete",
        object_type="allocation",
        object_id=allocation_id,
        before=snapshot,
    )


@dataclass(frozen=True, slots=True)
class DeallocationPreview:
    """What deallocating one pair would do, or the ``Refusal`` it would meet (the same rules as
    ``deallocate``), for a confirmation page."""

    allocation: AdAccountAllocation
    ad_account: TikTokAdAccount
    client: ClientAccount
    advertiser: ClientAdvertiser
    refusal: Refusal | None
    is_default: bool  # the ad account is the client account's default
    default_clears: bool  # ... and the client account is left without a default
    audiences: int  # audience allocations of the advertiser on the ad account, dropped too


def deallocation_preview(
    uow: UnitOfWork, workspace_id: int, allocation_id: int
) -> DeallocationPreview:
    repo = AccountsRepository(uow)
    alloc = get_allocation(uow, workspace_id, allocation_id)
    client = repo.client(workspace_id, alloc.client_account_id)
    advertiser = repo.advertiser(workspace_id, alloc.advertiser_id)
    if client is None or advertiser is None:
        raise NotFound(f"allocation {allocation_id} not found")
    state = pair_state(uow, alloc, client)
    refusal: Refusal | None = None
    try:
        domain.check_deallocate(state)
    except Refusal as exc:
        refusal = exc
    default_after = domain.default_after_deallocate(state, client.default_ad_account_id)
    return DeallocationPreview(
        allocation=alloc,
        ad_account=get_ad_account(uow, workspace_id, alloc.ad_account_id),
        client=client,
        advertiser=advertiser,
        refusal=refusal,
        is_default=state.is_default,
        default_clears=state.is_default and default_after is None,
        audiences=repo.audience_allocation_count(alloc.advertiser_id, alloc.ad_account_id),
    )


def get_allocation(uow: UnitOfWork, workspace_id: int, allocation_id: int) -> AdAccountAllocation:
    alloc = AccountsRepository(uow).allocation(workspace_id, allocation_id)
    if alloc is None:
        raise NotFound(f"allocation {allocation_id} not found")
    return alloc


def current_mode(
    uow: UnitOfWork, workspace_id: int, ad_account_id: int, advertiser_id: int
) -> str | None:
    """The payment mode of the (ad account, advertiser) pair, or None when it is not allocated."""
    get_ad_account(uow, workspace_id, ad_account_id)
    alloc = AccountsRepository(uow).allocation_for(ad_account_id, advertiser_id)
    return None if alloc is None else str(alloc.payment_mode)


def find_allocation(
    uow: UnitOfWork, workspace_id: int, ad_account_id: int, advertiser_id: int
) -> AdAccountAllocation:
    get_ad_account(uow, workspace_id, ad_account_id)
    alloc = AccountsRepository(uow).allocation_for(ad_account_id, advertiser_id)
    if alloc is None:
        raise NotFound("that ad account is not allocated to that advertiser")
    return alloc


@dataclass(frozen=True, slots=True)
class DefaultChoice:
    client_account_id: int
    default_ad_account_id: int | None
    candidates: list[TikTokAdAccount]


def default_choice(uow: UnitOfWork, workspace_id: int, client_id: int) -> DefaultChoice:
    """The "Manage default TikTok accounts" dialog: the current default and every ad account
    allocated to the client account."""
    repo = AccountsRepository(uow)
    client = repo.client(workspace_id, client_id)
    if client is None:
        raise NotFound(f"client account {client_id} not found")
    ids = sorted({a.ad_account_id for a in repo.allocations_of_client(client.id)})
    accounts = [a for i in ids if (a := repo.ad_account(workspace_id, i)) is not None]
    return DefaultChoice(client.id, client.default_ad_account_id, accounts)


def set_default(
    uow: UnitOfWork,
    workspace_id: int,
    client_id: int,
    ad_account_id: int,
    *,
    actor: str = "system",
) -> ClientAccount:
    repo = AccountsRepository(uow)
    client = _client_locked(uow, workspace_id, client_id)
    allocated = frozenset(a.ad_account_id for a in repo.allocations_of_client(client.id))
    domain.check_new_default(ad_account_id, allocated)
    before = client.default_ad_account_id
    client.default_ad_account_id = ad_account_id
    uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="client_account.default",
        object_type="client_account",
        object_id=client.id,
        before={"default_ad_account_id": before},
        after={"default_ad_account_id": ad_account_id},
    )
    return client


def allocations_by_account(
    uow: UnitOfWork, workspace_id: int, ad_account_ids: list[int]
) -> dict[int, list[dict[str, object]]]:
    """For lists: per ad account, its pairs with client and advertiser names."""
    out: dict[int, list[dict[str, object]]] = {i: [] for i in ad_account_ids}
    for alloc, client_name, adv_name in AccountsRepository(uow).allocation_rows(
        workspace_id, ad_account_ids
    ):
        out[alloc.ad_account_id].append(
            {
                "id": alloc.id,
                "client_account_id": alloc.client_account_id,
                "client_account_name": client_name,
                "advertiser_id": alloc.advertiser_id,
                "advertiser_name": adv_name,
                "payment_mode": alloc.payment_mode,
            }
        )
    return out


def clients_of_ad_account(
    uow: UnitOfWork, workspace_id: int, ad_account_id: int
) -> list[dict[str, Any]]:
    """Step 2 of campaign/audience allocation: the client accounts allocated to the ad account,
    each with its advertisers using it."""
    get_ad_account(uow, workspace_id, ad_account_id)
    rows = allocations_by_account(uow, workspace_id, [ad_account_id])[ad_account_id]
    clients: dict[object, dict[str, Any]] = {}
    for r in rows:
        entry = clients.setdefault(
            r["client_account_id"],
            {"id": r["client_account_id"], "name": r["client_account_name"], "advertisers": []},
        )
        advertisers = entry["advertisers"]
        assert isinstance(advertisers, list)
        advertisers.append({"id": r["advertiser_id"], "name": r["advertiser_name"]})
    return list(clients.values())


__all__ = ["Refusal", "allocate", "deallocate", "default_choice", "set_default"]
