"""Outgoing notifications: emails over SMTP and signed webhooks, through a durable outbox."""
