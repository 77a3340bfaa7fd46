"""Monitoring after a cancellation: its stop (``stops``), the before/after view
(``before_after``) and the watch that alerts on spend after the stop (``watch``)."""
