"""Double-entry ledger for coins and cash."""
