"""``promodesk shop``: the shop's commands."""
