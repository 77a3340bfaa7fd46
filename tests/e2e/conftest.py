"""The e2e fixture most browser tests use: the real server with the demo workspace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.support import Server, running_server


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """``promodesk migrate``, ``demo`` and ``serve`` (SQLite in a temporary data folder), one
    server per test module (and per pytest-xdist worker). A module that needs another seeding
    or other settings defines its own ``server`` on ``running_server``."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    with running_server(tmp_path_factory.mktemp(f"promodesk-{module}")) as server:
        yield server
