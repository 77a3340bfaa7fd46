"""``promodesk promote``: the Typer sub-app and its commands."""
