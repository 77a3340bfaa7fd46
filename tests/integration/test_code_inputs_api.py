"""Country, currency and time-zone fields of the API take codes only: a name ("Indonesia") is a
422 naming what was sent and the code probably meant, never a silently wrong code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from promodesk.kit.db import Database
from tests.api_support import bearer, make_app, new_key, new_workspace

CREATOR = {
    "handle": "mei.studio",
    "birth_date": "1991-04-02",
    "account_type": "creator",
    "device_os": "android",
    "app_version": "21.1",
}
REQUEST = {"name": "Mei ads", "industry": "E-commerce", "country": "ID"}


@pytest.fixture
def app(db: Database, tmp_path: Path) -> FastAPI:
    return make_app(db, tmp_path)


@pytest.fixture
def client(app: FastAPI, db: Database) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers.update(bearer(new_key(db, new_workspace(db), "owner")))
        yield c


def refused(response: Any, field: str) -> str:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field
    return str(body["detail"])


def test_a_country_name_as_creator_region_is_refused_with_the_code_meant(
    client: TestClient,
) -> None:
    detail = refused(
        client.post("/api/v1/promote/creators", json={**CREATOR, "region": "Indonesia"}),
        "region",
    )
    assert detail == 'Region must be a country code; "Indonesia" is not one (did you mean ID?)'
    created = client.post("/api/v1/promote/creators", json={**CREATOR, "region": "ID"})
    assert created.status_code == 201, created.text
    assert created.json()["region"] == "ID"


def test_an_account_request_refuses_names_for_country_currency_and_time_zone(
    client: TestClient,
) -> None:
    url = "/api/v1/tiktok/account-requests"
    country = refused(client.post(url, json={**REQUEST, "country": "印度尼西亚"}), "country")
    assert '"印度尼西亚" is not one (did you mean ID?)' in country
    currency = refused(client.post(url, json={**REQUEST, "currency": "Rupiah"}), "currency")
    assert currency.endswith('must be a currency code; "Rupiah" is not one (did you mean IDR?)')
    zone = refused(client.post(url, json={**REQUEST, "timezone": "Jakarta"}), "timezone")
    assert zone.endswith('must be a time zone; "Jakarta" is not one (did you mean Asia/Jakarta?)')


def test_a_shop_time_zone_must_be_a_tz_database_zone(client: TestClient) -> None:
    detail = refused(
        client.post("/api/v1/shop/shops", json={"name": "Mei", "timezone": "Shanghai"}),
        "timezone",
    )
    assert '"Shanghai" is not one (did you mean Asia/Shanghai?)' in detail
    made = client.post("/api/v1/shop/shops", json={"name": "Mei", "timezone": "Asia/Jakarta"})
    assert made.status_code == 201, made.text


def test_the_spec_still_lists_the_codes(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    region = schemas["CreatorCreate"]["properties"]["region"]
    assert "ID" in region["enum"]
    assert region["pattern"] == "^[A-Z]{2}$"
