"""Cancellations of campaigns, ad groups and ads: preview, confirm, read, retry, undo, re-create."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
