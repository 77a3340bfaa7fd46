"""Clients for third-party platforms (TikTok Marketing API, ...).

Rule: integrations speak HTTP and return plain values; they never touch the database. Feature
modules (sync, import) call them from services and jobs.
"""
