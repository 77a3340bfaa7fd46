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
import threading
import weakref


class BlockingOnEventLoop(RuntimeError):
    """A blocking call was made on an event loop's thread (a programming error)."""


# The loops that serve requests (marked by the app at start-up). Other loops are left alone: a
# test driving a browser through Playwright's sync API runs its own loop under plain code.
_guarded: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()
# The threads those loops ran on. Every database statement asks; most ask from the thread pool,
# and a set lookup answers them in a tenth of the time asking asyncio for a running loop takes.
_loop_threads: set[int] = set()


def guard_this_loop() -> None:
    """Mark the running loop as one that serves requests (call from async start-up code)."""
    _guarded.add(asyncio.get_running_loop())
    _loop_threads.add(threading.get_ident())


def on_event_loop() -> bool:
    """Whether the calling thread is running a request-serving event loop right now."""
    if threading.get_ident() not in _loop_threads:
        return False
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    return loop in _guarded


def forbid_on_event_loop(what: str) -> None:
    if on_event_loop():
        raise BlockingOnEventLoop(
            f"{what} was about to block the event loop; call it from a plain 'def' route or "
            "through run_in_threadpool"
        )
