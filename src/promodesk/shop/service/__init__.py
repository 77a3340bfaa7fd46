"""Shop use cases, one module per sub-feature."""
