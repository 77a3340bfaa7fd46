"""How a campaign's spend splits over the ad groups and ads that delivered it.

Rules: a campaign delivers only while one of its ad groups does (switched on, with an ad switched
on), each with the same stop delay. A bucket's (hour's or day's) spend splits over the ad groups
by the seconds each delivered in it, an ad group's over its ads likewise, so every level adds up
to the campaign exactly.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime

from promodesk.sandbox.world.objects import World


def seconds(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> int:
    total = 0
    for on, off in spans:
        lo, hi = max(on, start), min(off, end)
        if hi > lo:
            total += int((hi - lo).total_seconds())
    return total


class Delivery:
    """The ad group and ad weights of a ``SpendModel`` (kept per request, like its other caches)."""

    world: World
    account: int
    _own: dict[tuple[str, int], list[tuple[datetime, datetime]]]
    _moves: dict[int, list[datetime]]
    _stretches: dict[tuple[int, int], tuple[list[int], dict[int, list[int]]]]

    def own(self, kind: str, index: int) -> list[tuple[datetime, datetime]]:
        key = (kind, index)
        if key not in self._own:
            self._own[key] = self.world.own_intervals(kind, self.account, index)
        return self._own[key]

    def group_weights(self, campaign: int, start: datetime, end: datetime) -> list[int]:
        """Seconds each ad group of ``campaign`` delivered in [start, end): switched on while at
        least one of its ads was (0 when none was); the campaign's spend splits by these."""
        out = []
        for group in self.world.children("adgroup", self.account, campaign):
            live = any(self.ad_weights(group, start, end))
            out.append(seconds(self.own("adgroup", group), start, end) if live else 0)
        return out

    def ad_weights(self, group: int, start: datetime, end: datetime) -> list[int]:
        """Seconds each ad of ``group`` was switched on in [start, end); its spend splits so."""
        ads = self.world.children("ad", self.account, group)
        return [seconds(self.own("ad", ad), start, end) for ad in ads]

    def _children_static(self, campaign: int, start: datetime, end: datetime) -> bool | None:
        """Whether some ad group can deliver, when no child starts or stops in [start, end)
        (None when one does: each hour then looks for itself)."""
        found = self._static_weights(campaign, start, end)
        return None if found is None else any(found[0])

    def _stretch(self, campaign: int, start: datetime, end: datetime) -> int | None:
        """Which stretch between two consecutive starts or stops of the campaign's children
        holds [start, end) (None when one falls inside it)."""
        moves = self._moves.get(campaign)
        if moves is None:
            found: list[datetime] = []
            for group in self.world.children("adgroup", self.account, campaign):
                ads = self.world.children("ad", self.account, group)
                for kind, index in [("adgroup", group), *(("ad", ad) for ad in ads)]:
                    found.extend(edge for span in self.own(kind, index) for edge in span)
            moves = self._moves[campaign] = sorted(found)
        stretch = bisect_right(moves, start)
        if stretch < len(moves) and moves[stretch] < end:
            return None
        return stretch

    def _static_weights(
        self, campaign: int, start: datetime, end: datetime
    ) -> tuple[list[int], dict[int, list[int]]] | None:
        """The split weights of [start, end) when no child starts or stops in it (None when one
        does): each child then delivers all of it or none of it, so the weights are 1 or 0 (the
        same split as by seconds), and they hold for the whole stretch, worked out once."""
        stretch = self._stretch(campaign, start, end)
        if stretch is None:
            return None
        key = (campaign, stretch)
        found = self._stretches.get(key)
        if found is None:
            groups = [min(1, w) for w in self.group_weights(campaign, start, end)]
            ads = {
                group: [min(1, w) for w in self.ad_weights(group, start, end)]
                for group in self.world.children("adgroup", self.account, campaign)
            }
            found = self._stretches[key] = (groups, ads)
        return found
