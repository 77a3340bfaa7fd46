"""Accounts demo data: three sandbox ad accounts imported with a sandbox grant, two client
accounts with advertisers, allocations (one default each), a conversion goal and an account
request. The periodic sync pulls their campaigns from the sandbox mounted at ``/sandbox`` as
soon as the server's worker runs. Idempotent: nothing is written when ad accounts exist.

The grant comes from the demo wiring (``promodesk.demo``): only the composition root knows the
sandbox."""

from __future__ import annotations

from collections.abc import Callable

from promodesk.accounts.domain import AccountRequestInput
from promodesk.accounts.service import accounts, allocation, clients, imports
from promodesk.accounts.service.requests import submit
from promodesk.integrations.tiktok.entities import Advertiser
from promodesk.kit.db import UnitOfWork

ACTOR = "demo"
ACCOUNTS = 3

# Given a number of ad accounts: an access token for them and their details, as TikTok's
# ``advertiser/info/`` would give them (no server answers yet while the demo is seeded).
DemoGrant = Callable[[int], tuple[str, dict[str, Advertiser]]]


def seed_accounts(uow: UnitOfWork, workspace_id: int, grant: DemoGrant) -> None:
    if accounts.list_ad_accounts(uow, workspace_id, limit=1):
        return
    token, known = grant(ACCOUNTS)
    result = imports.import_token(
        uow, workspace_id, token, list(known), ["1", "2", "3"], actor=ACTOR, known=known
    )
    a0, a1, a2 = (a.id for a in result.accounts)
    bloom = clients.create_client(uow, workspace_id, "Bloom Beauty", actor=ACTOR)
    skincare = clients.create_advertiser(uow, workspace_id, bloom.id, "Bloom Skincare")
    cosmetics = clients.create_advertiser(uow, workspace_id, bloom.id, "Bloom Cosmetics")
    kopi = clients.create_client(uow, workspace_id, "Kedai Kopi", actor=ACTOR)
    online = clients.create_advertiser(uow, workspace_id, kopi.id, "Kopi Online")
    for account, client, adv, mode in (
        (a0, bloom.id, skincare.id, "agency"),
        (a1, bloom.id, cosmetics.id, "self"),
        (a1, kopi.id, online.id, "self"),
    ):
        allocation.allocate(
            uow,
            workspace_id,
            account,
            client_account_id=client,
            advertiser_id=adv,
            payment_mode=mode,
            actor=ACTOR,
        )
    clients.create_goal(uow, workspace_id, skincare.id, a0, "Purchases", actor=ACTOR)
    del a2  # left unallocated on purpose: the list shows a fresh import
    submit(
        uow,
        workspace_id,
        AccountRequestInput("Bloom Beauty MY", "Beauty", "MY", "MYR", "Asia/Kuala_Lumpur"),
        actor=ACTOR,
    )
