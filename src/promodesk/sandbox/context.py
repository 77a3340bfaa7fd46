"""What an endpoint handler gets: the world, the auth store, the parsed parameters, the grant."""

from __future__ import annotations

from dataclasses import dataclass, field

from promodesk.sandbox import generate as gen
from promodesk.sandbox.auth import Auth, Grant
from promodesk.sandbox.wire import PERMISSION_ERROR, ApiError, Params
from promodesk.sandbox.world.objects import World


@dataclass
class Call:
    world: World
    auth: Auth
    params: Params
    grant: Grant | None = None
    headers: dict[str, str] = field(default_factory=dict)  # sent with the answer

    def visible_accounts(self) -> list[int]:
        """The ad accounts the token may use: those granted, plus those its app created."""
        if self.grant is None:
            return []
        world = self.world
        created = {i for i, made in world.created.items() if made.app_id == self.grant.app_id}
        return [i for i in world.account_indices() if i in self.grant.accounts or i in created]

    def can_use(self, account: int) -> bool:
        if self.grant is None or not self.world.account_exists(account):
            return False
        made = self.world.created.get(account)
        return account in self.grant.accounts or (
            made is not None and made.app_id == self.grant.app_id
        )

    def account(self, name: str = "advertiser_id") -> int:
        """The index of the ad account named by parameter ``name``; 40001 without access."""
        value = self.params.id(name)
        index = gen.decode_advertiser(value or "")
        if index is None or not self.can_use(index):
            raise ApiError(PERMISSION_ERROR, f"No permission to operate advertiser {value}.")
        return index
