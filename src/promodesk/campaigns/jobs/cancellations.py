"""Cancellation job handlers: run the chunks, verify later."""

from __future__ import annotations
