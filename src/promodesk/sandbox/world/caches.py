"""What the world keeps between requests: status filters, report rows, ended days' spend.

Status filters and report rows are keyed by the account's change count and the minute (as
schedules end), so a change is seen at once; the ended days' spend by the account and the
settings spend depends on. Only the most recent entries are kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from promodesk.sandbox.config import SandboxConfig

T = TypeVar("T")
STATUS_CACHE = 48  # (kind, account) status vectors kept
REPORT_CACHE = 16  # report queries kept (a 30-day window of 1,000 campaigns is ~30,000 rows)
# The settings spend depends on (the others, such as limits and faults, leave it alone).
SPEND_KNOBS = ("seed", "epoch", "spend_scale", "stop_delay_seconds", "deleted_percent")


class Caches:
    """The kept parts of ``World`` (its ``_matching``, ``_reports`` and ``_settled``)."""

    config: SandboxConfig
    lock: threading.RLock
    versions: dict[int, int]
    _matching: OrderedDict[tuple[Any, ...], list[int]]
    _reports: OrderedDict[tuple[Any, ...], list[Any]]
    _settled: OrderedDict[tuple[Any, ...], Any]

    if TYPE_CHECKING:

        def now(self) -> datetime: ...

    def matching(
        self,
        kind: str,
        account: int,
        status_filter: tuple[Any, ...],
        compute: Callable[[], list[int]],
    ) -> list[int]:
        """The indices of ``kind`` whose status passes ``status_filter``, id-descending, kept like
        ``statuses``: a sync lists the same filter page after page, and each page needs them all
        (for ``page_info.total_number``)."""
        minute = int(self.now().timestamp() // 60)
        key = (kind, account, self.versions.get(account, 0), minute, status_filter)
        with self.lock:
            found = self._matching.get(key)
            if found is not None:
                self._matching.move_to_end(key)
                return found
        computed = compute()
        with self.lock:
            self._matching[key] = computed
            while len(self._matching) > STATUS_CACHE:
                self._matching.popitem(last=False)
        return computed

    def report_rows(
        self, account: int, query: tuple[Any, ...], compute: Callable[[], list[Any]]
    ) -> list[Any]:
        """A report query's rows, kept like ``statuses`` (per account change, per minute, per
        setting): a report of 1,000 campaigns x 30 days is 30 pages, and each page needs every
        row (for ``page_info``); computing them once per query makes page 2 cost a slice.
        Within a minute a report can thus be up to a minute old, as TikTok's own reports lag."""
        minute = int(self.now().timestamp() // 60)
        knobs = tuple(vars(self.config).values())
        key = (account, self.versions.get(account, 0), minute, knobs, query)
        with self.lock:
            found = self._reports.get(key)
            if found is not None:
                self._reports.move_to_end(key)
                return found
        computed = compute()
        with self.lock:
            self._reports[key] = computed
            while len(self._reports) > REPORT_CACHE:
                self._reports.popitem(last=False)
        return computed

    def settled(self, account: int, make: Callable[[], T]) -> T:
        """The store of the ad account's ended days' spend (``spend.settled.Settled``), made by
        ``make`` the first time. Kept across changes, which never reach back before their own
        instant, but not across settings (the stop delay moves past stops); only the most recent
        accounts are kept (``SandboxConfig.kept_accounts``)."""
        key = (account, *(getattr(self.config, name) for name in SPEND_KNOBS))
        with self.lock:
            found = self._settled.get(key)
            if found is None:
                found = self._settled[key] = make()
                while len(self._settled) > self.config.kept_accounts:
                    self._settled.popitem(last=False)
            else:
                self._settled.move_to_end(key)
            return found
