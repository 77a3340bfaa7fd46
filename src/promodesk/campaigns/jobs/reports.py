"""Report sync job handlers."""

from __future__ import annotations
