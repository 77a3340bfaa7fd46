"""The ad group and ad lists share one dependency of filters: their OpenAPI entries keep every
filter as a query parameter and the documented 404 (an id of another workspace)."""

from __future__ import annotations

from pathlib import Path

from promodesk.kit.db import Database
from tests.api_support import make_app

FILTERS = {
    "ad_account_id", "advertiser_id", "campaign_id", "include_deleted", "search", "status",
    "sort", "range", "since", "until", "format", "limit", "cursor",
}  # fmt: skip


def test_child_lists_document_their_filters_and_404(db: Database, tmp_path: Path) -> None:
    spec = make_app(db, tmp_path).openapi()
    for path in ("/api/v1/adgroups", "/api/v1/ads"):
        get = spec["paths"][path]["get"]
        assert {p["name"] for p in get["parameters"] if p["in"] == "query"} == FILTERS
        assert "404" in get["responses"]
        assert "text/csv" in get["responses"]["200"]["content"]
