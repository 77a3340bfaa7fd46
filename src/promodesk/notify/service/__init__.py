"""Notifications: queueing messages in the caller's unit of work (``outbox``) and delivering them
(``delivery``, run by the job handlers)."""
