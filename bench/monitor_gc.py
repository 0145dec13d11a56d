"""The monitor's GC policy on a benchmark's event loop, as the running monitor has it.

The app and the headless monitor both run ``runtime.gcpolicy.GcPolicy`` (Python's
automatic collection off, young collections on a 0.1 s tick, sweeps of what
survives); a benchmark of a receiving loop runs it too, so its figures are the
monitor's and its collections count in the measured CPU time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from agenttrace_tui.runtime.gcpolicy import GcPolicy


@contextlib.asynccontextmanager
async def monitor_gc() -> AsyncIterator[None]:
    """The policy's task on the running loop while the block runs."""
    stop = asyncio.Event()
    task = asyncio.create_task(GcPolicy().run(stop))
    try:
        yield
    finally:
        stop.set()
        await task
