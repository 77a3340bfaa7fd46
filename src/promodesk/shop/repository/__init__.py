"""SQL of the shop, one module per sub-feature."""
