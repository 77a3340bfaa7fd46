"""Effective statuses of campaigns, ad groups and ads.

Status rules (spec §6.3, §9.7): ``operation_status`` is the entity's own switch; the effective
``secondary_status`` also reflects the parents, so disabling or deleting a campaign shows on its
ad groups (``ADGROUP_STATUS_CAMPAIGN_DISABLE``/``…_CAMPAIGN_DELETE``) and ads. Deleted entities
cannot change any more.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING

from promodesk.sandbox.world.caches import STATUS_CACHE

if TYPE_CHECKING:
    from promodesk.sandbox.world.objects import State

DELETED = frozenset(
    {
        "CAMPAIGN_STATUS_DELETE",
        "ADGROUP_STATUS_DELETE",
        "ADGROUP_STATUS_CAMPAIGN_DELETE",
        "AD_STATUS_DELETE",
        "AD_STATUS_ADGROUP_DELETE",
        "AD_STATUS_CAMPAIGN_DELETE",
    }
)


class Statuses:
    """The effective statuses of ``World``'s objects, kept per account change and minute."""

    lock: threading.RLock
    versions: dict[int, int]
    _statuses: OrderedDict[tuple[str, int, int, int], list[str]]

    if TYPE_CHECKING:

        def now(self) -> datetime: ...
        def size(self, kind: str, account: int) -> int: ...
        def own(self, kind: str, account: int, index: int) -> State: ...
        def campaign_of(self, account: int, adgroup: int) -> int: ...
        def adgroup_of(self, account: int, ad: int) -> int: ...
        def schedule(self, account: int, adgroup: int) -> tuple[str, datetime, datetime]: ...

    def status(self, kind: str, account: int, index: int) -> str:
        return self.statuses(kind, account)[index]

    def campaign_status(self, account: int, index: int) -> str:
        return self.statuses("campaign", account)[index]

    def adgroup_status(self, account: int, index: int) -> str:
        return self.statuses("adgroup", account)[index]

    def ad_status(self, account: int, index: int) -> str:
        return self.statuses("ad", account)[index]

    def statuses(self, kind: str, account: int) -> list[str]:
        """Effective statuses of every ``kind`` in ``account``, computed once per account and
        change (and per minute, as schedules end): listing 5,000 ads then costs a list lookup
        per ad instead of three hash chains. Only the most recent accounts are kept."""
        minute = int(self.now().timestamp() // 60)
        key = (kind, account, self.versions.get(account, 0), minute)
        with self.lock:
            found = self._statuses.get(key)
            if found is not None:
                self._statuses.move_to_end(key)
                return found
        if kind == "campaign":
            computed = [self._campaign_status(account, i) for i in range(self.size(kind, account))]
        elif kind == "adgroup":
            parents = self.statuses("campaign", account)
            computed = [
                self._adgroup_status(account, i, parents[self.campaign_of(account, i)])
                for i in range(self.size(kind, account))
            ]
        else:
            parents = self.statuses("adgroup", account)
            computed = [
                self._ad_status(account, i, parents[self.adgroup_of(account, i)])
                for i in range(self.size(kind, account))
            ]
        with self.lock:
            self._statuses[key] = computed
            while len(self._statuses) > STATUS_CACHE:
                self._statuses.popitem(last=False)
        return computed

    def _campaign_status(self, account: int, index: int) -> str:
        state = self.own("campaign", account, index)
        if state.deleted:
            return "CAMPAIGN_STATUS_DELETE"
        return "CAMPAIGN_STATUS_ENABLE" if state.enabled else "CAMPAIGN_STATUS_DISABLE"

    def _adgroup_status(self, account: int, index: int, parent: str) -> str:
        state = self.own("adgroup", account, index)
        if state.deleted:
            return "ADGROUP_STATUS_DELETE"
        if parent == "CAMPAIGN_STATUS_DELETE":
            return "ADGROUP_STATUS_CAMPAIGN_DELETE"
        if not state.enabled:
            return "ADGROUP_STATUS_DISABLE"
        if parent == "CAMPAIGN_STATUS_DISABLE":
            return "ADGROUP_STATUS_CAMPAIGN_DISABLE"
        end = self.schedule(account, index)[2]
        if end <= self.now():
            return "ADGROUP_STATUS_TIME_DONE"
        return "ADGROUP_STATUS_DELIVERY_OK"

    def _ad_status(self, account: int, index: int, parent: str) -> str:
        state = self.own("ad", account, index)
        if state.deleted:
            return "AD_STATUS_DELETE"
        if parent == "ADGROUP_STATUS_DELETE":
            return "AD_STATUS_ADGROUP_DELETE"
        if parent == "ADGROUP_STATUS_CAMPAIGN_DELETE":
            return "AD_STATUS_CAMPAIGN_DELETE"
        if not state.enabled:
            return "AD_STATUS_DISABLE"
        if parent == "ADGROUP_STATUS_DISABLE":
            return "AD_STATUS_ADGROUP_DISABLE"
        if parent == "ADGROUP_STATUS_CAMPAIGN_DISABLE":
            return "AD_STATUS_CAMPAIGN_DISABLE"
        if parent == "ADGROUP_STATUS_TIME_DONE":
            return "AD_STATUS_DONE"
        return "AD_STATUS_DELIVERY_OK"
