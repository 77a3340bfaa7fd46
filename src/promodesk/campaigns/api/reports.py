"""Report history: start a report sync of an ad account and read where it stands."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
