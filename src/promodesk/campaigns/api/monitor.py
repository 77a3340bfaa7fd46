"""After a cancellation: before/after monitoring, and the retrospective of cancellations."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
