"""One token vault, following the settings in force: after a reload with a rotated key (the new
key first, the old one kept after it), the TikTok Marketing API's grants written before are
still read, new ones are written with the new key, and the shop links read with the same vault;
once the old key is dropped, what it encrypted is no longer readable."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet

from promodesk.accounts.service import grants, imports
from promodesk.kit.auth import TokenVault
from promodesk.kit.db import Database
from promodesk.models import TikTokAdAccount, TikTokAuthorization, Workspace
from promodesk.settings import get_settings
from promodesk.shop.service.platform_links.tokens import LinkAccess


@pytest.fixture
def reload(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[list[str]], None]]:
    def set_keys(keys: list[str]) -> None:
        monkeypatch.setenv("PROMODESK_TOKEN_KEYS", json.dumps(keys))
        get_settings.cache_clear()

    yield set_keys
    get_settings.cache_clear()  # the settings of the environment put back after the test


def _import(db: Database, workspace_id: int, token: str, advertiser_id: str) -> int:
    with db.transaction() as uow:
        done = imports.import_token(uow, workspace_id, token, [advertiser_id], known={})
        return done.accounts[0].id


def _token(db: Database, account_id: int) -> str:
    with db.read() as uow:
        account = uow.session.get(TikTokAdAccount, account_id)
        assert account is not None
        access = grants.tiktok_access(uow, account)
        assert access is not None
        return access.token


def _stored(db: Database, account_id: int) -> str:
    with db.read() as uow:
        account = uow.session.get(TikTokAdAccount, account_id)
        assert account is not None
        grant = uow.session.get(TikTokAuthorization, account.authorization_id)
        assert grant is not None
        return grant.access_token_enc


def test_a_settings_reload_with_a_rotated_key_is_followed_by_the_marketing_api_vault(
    db: Database, workspace: Workspace, reload: Callable[[list[str]], None]
) -> None:
    set_keys = reload
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    set_keys([old])
    before = _import(db, workspace.id, "TOKEN-OLD", "7100000001")
    assert TokenVault([old], "").decrypt(_stored(db, before)) == "TOKEN-OLD"

    set_keys([new, old])  # rotation: the new key encrypts, both decrypt
    assert _token(db, before) == "TOKEN-OLD"
    after = _import(db, workspace.id, "TOKEN-NEW", "7100000002")
    assert TokenVault([new], "").decrypt(_stored(db, after)) == "TOKEN-NEW"
    with pytest.raises(ValueError):
        TokenVault([old], "").decrypt(_stored(db, after))
    assert _token(db, after) == "TOKEN-NEW"
    shop = LinkAccess(
        workspace_id=workspace.id,
        link_id=1,
        shop_id=1,
        provider="douyin",
        platform_shop_id="shop-1",
        shop_cipher="",
        access_token_enc=TokenVault([old], "").encrypt("SHOP-OLD"),
        refresh_token_enc="",
        access_expires_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert shop.access().access_token == "SHOP-OLD"

    set_keys([new])  # the old key retired: what only it encrypted cannot be read any more
    assert _token(db, after) == "TOKEN-NEW"
    with pytest.raises(ValueError):
        _token(db, before)
