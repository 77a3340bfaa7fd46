"""Append-only audit log of every state change and money movement."""
