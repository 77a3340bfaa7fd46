"""Every status and code the console shows, as a human label in the reader's language.

Rules:
- One table per set of codes (``LABELS[set][code]``); the messages are marked with ``N_`` and
  translated where they are shown, by the ``label`` filter:
  ``{{ batch.status|label("shop_batch") }}``.
- A code the table does not know yet (a new TikTok enum) is shown humanised
  (``CAMPAIGN_STATUS_FROZEN`` → "Frozen"), never as the bare code; tests enumerate the enums and
  the known code sets and fail when one has no label.
- Each feature's labels are in a module of this package (``shop``, ``shop_platform``,
  ``tiktok``, ``accounts``, ``campaigns``, ``promote``, ``promotions``, ``rules``,
  ``workspace``); ``LABELS`` merges them, and a code already labelled keeps its first label.
- The same word can mean different things in different sets: a called-off cancel batch is
  "Called off" (已撤销), never "Cancelled" (已取消 means its products were cancelled).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from promodesk.console.labels import (
    accounts,
    campaigns,
    promote,
    promotions,
    rules,
    shop,
    shop_platform,
    tiktok,
    workspace,
)
from promodesk.console.labels.marker import N_

LABELS: dict[str, dict[str, str]] = {}


def _add(blocks: dict[str, dict[str, str]]) -> None:
    """Add a feature's labels to ``LABELS``; a code already labelled keeps its first label."""
    for kind, codes in blocks.items():
        known = LABELS.setdefault(kind, {})
        for code, text in codes.items():
            known.setdefault(code, text)


for _blocks in (
    shop.LABELS,
    tiktok.LABELS,
    workspace.LABELS,
    promote.LABELS,
    accounts.LABELS,
    campaigns.LABELS,
    shop_platform.LABELS,
    promotions.LABELS,
    rules.LABELS,
):
    _add(_blocks)

# Operation titles are stored in English; the console shows them in the reader's language.
_TITLES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Cancel (?P<n>\d+) enrollments"), N_("Cancel %(n)s enrollments")),
    (
        re.compile(r"Cancel (?P<n>\d+) in the low-traffic window"),
        N_("Cancel %(n)s in the low-traffic window"),
    ),
    (
        re.compile(r"Retry (?P<n>\d+) failed items of batch (?P<batch>\d+)"),
        N_("Retry %(n)s failed items of batch %(batch)s"),
    ),
    (re.compile(r"Sync account of (?P<name>.+)"), N_("Sync account of %(name)s")),
    (re.compile(r"Sync campaigns of (?P<name>.+)"), N_("Sync campaigns of %(name)s")),
    (re.compile(r"Sync audiences of (?P<name>.+)"), N_("Sync audiences of %(name)s")),
    (
        re.compile(r"Count to (?P<n>\d+), every (?P<every>\d+)th item fails"),
        N_("Count to %(n)s, every %(every)sth item fails"),
    ),
    (re.compile(r"Count to (?P<n>\d+)"), N_("Count to %(n)s")),
    (re.compile(r"Sync reports of (?P<name>.+)"), N_("Sync reports of %(name)s")),
)
_TITLES += (
    (re.compile(r"Pause (?P<n>\d+) campaign\(s\)"), N_("Pause %(n)s campaign(s)")),
    (re.compile(r"Delete (?P<n>\d+) campaign\(s\)"), N_("Delete %(n)s campaign(s)")),
    (re.compile(r"Pause (?P<n>\d+) adgroup\(s\)"), N_("Pause %(n)s ad group(s)")),
    (re.compile(r"Delete (?P<n>\d+) adgroup\(s\)"), N_("Delete %(n)s ad group(s)")),
    (re.compile(r"Pause (?P<n>\d+) ad\(s\)"), N_("Pause %(n)s ad(s)")),
    (re.compile(r"Delete (?P<n>\d+) ad\(s\)"), N_("Delete %(n)s ad(s)")),
    (re.compile(r"Retry (?P<n>\d+) failed \w+\(s\)"), N_("Retry %(n)s failed cancel(s)")),
    (re.compile(r"Stop everywhere: (?P<n>\d+) steps"), N_("Stop everywhere: %(n)s steps")),
    (re.compile(r"Retry (?P<n>\d+) failed steps"), N_("Retry %(n)s failed steps")),
)


def operation_title(title: str | None, kind: str, gettext: Callable[[str], str]) -> str:
    """An operation's title in the reader's language (its kind's label when it has none)."""
    if not title:
        return label("operation_kind", kind, gettext)
    for pattern, message in _TITLES:
        found = pattern.fullmatch(title)
        if found:
            return gettext(message) % found.groupdict()
    return title


_WORDS = re.compile(r"[A-Za-z0-9]+")
_NOISE = {"STATUS", "CAMPAIGN", "ADGROUP", "AD"}


def humanize(code: str) -> str:
    """``stock_zero`` → "Stock zero"; ``CAMPAIGN_STATUS_FROZEN`` → "Frozen"; ``a.b_c`` → "A b c"."""
    words = _WORDS.findall(code)
    if code.isupper():
        words = [w for w in words if w not in _NOISE] or words
    text = " ".join(w.lower() for w in words)
    return text[:1].upper() + text[1:] if text else code


def label(kind: str, code: object, gettext: Callable[[str], str]) -> str:
    """The reader's label of ``code`` in the set ``kind`` (unknown sets raise: a typo in a
    template must fail its tests, not print codes)."""
    if code is None or code == "":
        return "—"
    value = str(getattr(code, "value", code))
    message = LABELS[kind].get(value)
    return gettext(message) if message else humanize(value)
