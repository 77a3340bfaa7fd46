"""Pure shop rules: no database, no web."""
