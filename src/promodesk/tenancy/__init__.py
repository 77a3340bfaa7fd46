"""Workspaces, users, roles, API keys and console sessions."""
