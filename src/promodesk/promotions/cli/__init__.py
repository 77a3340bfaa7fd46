"""``promodesk promotions``: its commands (``app`` puts them together)."""
