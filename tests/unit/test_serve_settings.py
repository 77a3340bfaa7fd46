"""``promodesk serve --port N`` runs on N everywhere: in demo mode the TikTok client calls the
sandbox mounted on this server, so it must call port N too (it called PROMODESK_PORT's 8000,
and every demo sync failed with "connection refused")."""

from __future__ import annotations

import pytest

from promodesk import clikit
from promodesk.accounts.tiktok import client as tiktok
from promodesk.cli import serve_settings


def test_the_port_option_reaches_the_demo_tiktok_client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("PROMODESK_DEMO", "1")
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PROMODESK_TIKTOK_BASE_URL", raising=False)
    monkeypatch.delenv("PROMODESK_PUBLIC_URL", raising=False)
    monkeypatch.delenv("PROMODESK_PORT", raising=False)
    monkeypatch.delenv("PROMODESK_HOST", raising=False)
    try:
        s = serve_settings("127.0.0.1", 8711)
        assert (s.host, s.port) == ("127.0.0.1", 8711)
        assert tiktok.settings().base_url == "http://127.0.0.1:8711/sandbox"
        # no option: the environment's (or the default) port
        monkeypatch.delenv("PROMODESK_PORT")
        assert serve_settings(None, None).port == 8000
    finally:
        clikit.reset()


def test_the_demo_credentials_are_the_sandboxs_published_app() -> None:
    """The product reads its demo TikTok app from its own settings, not from the sandbox's
    config; both must name the same published test app and Business Center."""
    from promodesk.accounts.settings import AccountsSettings
    from promodesk.sandbox.config import DEFAULT_APP_ID, DEFAULT_BC_ID, DEFAULT_SECRET

    demo = AccountsSettings()
    assert demo.demo_tiktok_app_id == DEFAULT_APP_ID
    assert demo.demo_tiktok_secret.get_secret_value() == DEFAULT_SECRET
    assert demo.demo_business_center_id == DEFAULT_BC_ID
