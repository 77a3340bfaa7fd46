"""Monitoring job handlers: watch cancelled objects after the stop."""

from __future__ import annotations
