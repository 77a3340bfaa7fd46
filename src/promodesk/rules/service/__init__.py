"""Rules use cases: rules (CRUD), observe (a scope's objects and totals), evaluation (live and
simulated), actions (through each feature's service) and notices."""
