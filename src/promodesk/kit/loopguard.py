"""Blocking calls never run on an event loop's thread.

Rule: a synchronous database statement, remote HTTP call or mail delivery made from the thread
that runs an asyncio event loop stalls every request the process serves, and can deadlock
against a transaction whose commit needs that loop. Such calls check ``forbid_on_event_loop``
first and raise ``BlockingOnEventLoop`` (a bug, answered 500 and logged) instead of blocking.
Routes that touch the database are plain ``def`` (FastAPI runs them in its thread pool);
``async def`` code hands blocking work to ``run_in_threadpool``.
"""

from __future__ import annotations

import asyncio


class BlockingOnEventLoop(RuntimeError):
    """A blocking call was made on an event loop's thread (a programming error)."""


def on_event_loop() -> bool:
    """Whether the calling thread is running an asyncio event loop right now."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def forbid_on_event_loop(what: str) -> None:
    if on_event_loop():
        raise BlockingOnEventLoop(
            f"{what} was about to block the event loop; call it from a plain 'def' route or "
            "through run_in_threadpool"
        )
