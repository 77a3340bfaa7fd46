"""The real server for browser tests: migrated, the demo workspace seeded, ``promodesk serve``
on a free port in a subprocess, stopped (SIGTERM, then SIGKILL) when the block ends."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.e2e.test_console_e2e import BIN, STARTUP_GUARD_SECONDS, Server, _cli, _env, _free_port


@contextmanager
def running_server(
    data_dir: Path,
    *,
    demo: bool = True,
    before_serve: Callable[[], object] | None = None,
    **extra_env: str,
) -> Iterator[Server]:
    """``demo``: seed the demo workspace; ``before_serve``: more seeding once migrated;
    ``extra_env`` adds settings, e.g. ``PROMODESK_DEMO="1"`` for the demo mode (the TikTok
    sandbox mounted on the server, which the demo ad accounts sync from)."""
    env = {**_env(data_dir), **extra_env}
    _cli(env, "migrate")
    if demo:
        _cli(env, "demo")
    if before_serve is not None:
        before_serve()
    port = _free_port()
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
