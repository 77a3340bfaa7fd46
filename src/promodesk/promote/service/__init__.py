"""Promote use cases: load, check the rules, change, post ledger entries, enqueue jobs."""
