"""Campaign job handlers; importing this package registers them all."""

from promodesk.campaigns.jobs import cancellations, monitor, reallocation, reports, transfers

__all__ = ["cancellations", "monitor", "reallocation", "reports", "transfers"]
