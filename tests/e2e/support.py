"""What every browser test shares: Debian's chromium and its arguments, the screenshot folder,
the CLI run as a user runs it, and the real server (migrated, seeded, ``promodesk serve`` on a
free port in a subprocess, stopped with SIGTERM, then SIGKILL, when the block ends).

Each e2e module starts its own server in a module-scoped fixture built on ``running_server``;
under pytest-xdist every worker starts its own, on its own port, in its own temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from promodesk.demo import DEMO_EMAIL
from tests.server_process import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts"  # screenshots for a person to look at; names per module
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_GUARD_SECONDS = 60  # only against a hang; not a speed requirement


@dataclass(frozen=True)
class Server:
    base: str
    env: dict[str, str]
    data_dir: Path


def needs_chromium() -> None:
    """Skip a browser test on a machine without Debian's chromium."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}")


def cli_env(data_dir: Path) -> dict[str, str]:
    """The environment of a user's shell, without any ``PROMODESK_*`` of the test run's own,
    with the data folder (its SQLite database, its secret key) in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMODESK_")}
    env["PROMODESK_DATA_DIR"] = str(data_dir)
    env["PROMODESK_LOG_LEVEL"] = "WARNING"
    return env


def cli(env: dict[str, str], *args: str) -> str:
    """``promodesk ARGS`` in a subprocess; its standard output (it must succeed)."""
    done = subprocess.run(
        [str(BIN / "promodesk"), *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"promodesk {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def csp_violations(target: Any) -> list[str]:
    """The Content-Security-Policy violations the browser reports on ``target`` (a page, or a
    context and so its popups too), collected as they happen: a journey asserts none."""
    found: list[str] = []

    def seen(message: Any) -> None:
        if "Content Security Policy" in message.text:
            found.append(message.text)

    target.on("console", seen)
    return found


@contextmanager
def running_server(
    data_dir: Path,
    *,
    demo: bool = True,
    before_serve: Callable[[], object] | None = None,
    **extra_env: str,
) -> Iterator[Server]:
    """``demo``: seed the demo workspace (``promodesk demo``); ``before_serve``: more seeding
    once migrated; ``extra_env`` adds settings, e.g. ``PROMODESK_DEMO="1"`` for the demo mode
    (the TikTok sandbox mounted on the server, which the demo ad accounts sync from) or
    ``PROMODESK_DATABASE_URL`` for a database other than SQLite in ``data_dir``. The server
    and every CLI call with ``Server.env`` know the port (``PROMODESK_PORT``)."""
    needs_chromium()
    port = free_port()
    env = {**cli_env(data_dir), **extra_env, "PROMODESK_PORT": str(port)}
    cli(env, "migrate")
    if demo:
        assert DEMO_EMAIL in cli(env, "demo")
    if before_serve is not None:
        before_serve()
    log = (data_dir / "server.log").open("w")
    proc = subprocess.Popen(
        [str(BIN / "promodesk"), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_GUARD_SECONDS
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            raise RuntimeError((data_dir / "server.log").read_text())
        time.sleep(0.2)
    try:
        yield Server(base, env, data_dir)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
