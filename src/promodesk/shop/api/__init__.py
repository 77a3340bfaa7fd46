"""The shop's HTTP routes."""
