"""The real server in a subprocess (``promodesk serve``) for reliability tests that kill it,
stop it or starve it: start, wait until ``/healthz`` answers, SIGKILL, SIGTERM, start again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
# Bounds so that a broken build fails instead of hanging; never speed checks.
START_GUARD_SECONDS = 60.0
STOP_GUARD_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """One ``promodesk serve`` at a time on a fixed port; ``env`` adds ``PROMODESK_*``."""

    def __init__(self, database_url: str, data_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.env = {
            **os.environ,
            "PROMODESK_DATABASE_URL": database_url,
            "PROMODESK_DATA_DIR": str(data_dir),
            "PROMODESK_SECRET_KEY": "reliability-secret",
            "PROMODESK_LOG_LEVEL": "WARNING",
            **{f"PROMODESK_{name.upper()}": value for name, value in env.items()},
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log(self) -> Path:
        return self.data_dir / f"server-{self.starts}.log"

    def start(self, *, worker: bool = False) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        args = [sys.executable, "-m", "promodesk.cli", "serve", "--port", str(self.port)]
        if not worker:
            args.append("--no-worker")
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_GUARD_SECONDS
        while True:
            try:
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("the server did not start:\n" + self.log.read_text())
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs, as when the machine loses power."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def terminate(self) -> float:
        """SIGTERM; returns how long the process took to exit (it is killed past the guard)."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_GUARD_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("the server ignored SIGTERM") from None
        return time.monotonic() - started

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None
