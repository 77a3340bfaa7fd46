"""Which messages capture mode keeps, and where delivery settings come from."""

from __future__ import annotations

from typing import Any

from promodesk.notify import settings as notify_settings
from promodesk.settings import Settings as CoreSettings


def Settings(**values: Any) -> CoreSettings:
    """Core settings independent of the environment this test runs in."""
    return CoreSettings(**{"demo": False, **values})


def NotifySettings(**values: Any) -> notify_settings.NotifySettings:
    return notify_settings.NotifySettings(**{"capture": False, "capture_webhooks": None, **values})


delivery = notify_settings.delivery


def test_capture_follows_demo_or_the_switch_and_webhooks_may_differ() -> None:
    plain = delivery(Settings(), NotifySettings())
    assert (plain.capture_mail, plain.capture_webhooks) == (False, False)
    demo = delivery(Settings(demo=True), NotifySettings())
    assert (demo.capture_mail, demo.capture_webhooks) == (True, True)
    switch = delivery(Settings(), NotifySettings(capture=True))
    assert (switch.capture_mail, switch.capture_webhooks) == (True, True)
    real_hooks = delivery(Settings(demo=True), NotifySettings(capture_webhooks=False))
    assert (real_hooks.capture_mail, real_hooks.capture_webhooks) == (True, False)
    only_hooks = delivery(Settings(), NotifySettings(capture_webhooks=True))
    assert (only_hooks.capture_mail, only_hooks.capture_webhooks) == (False, True)


def test_smtp_comes_from_the_core_settings_and_retries_from_the_jobs_by_default() -> None:
    core = Settings(
        smtp_host="mail.example", smtp_port=587, mail_from="pd@example.com",
        job_backoff_base_seconds=3, job_backoff_max_seconds=60,
    )  # fmt: skip
    cfg = delivery(core, NotifySettings(smtp_starttls=True, smtp_username="u"))
    assert (cfg.smtp_host, cfg.smtp_port, cfg.mail_from) == ("mail.example", 587, "pd@example.com")
    assert (cfg.smtp_starttls, cfg.smtp_username) == (True, "u")
    assert (cfg.retry_base, cfg.retry_max) == (3, 60)
    own = delivery(core, NotifySettings(retry_base_seconds=0, retry_max_seconds=5))
    assert (own.retry_base, own.retry_max) == (0, 5)
