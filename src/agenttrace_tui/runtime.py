"""The running monitor: store, pipeline, receivers and writer, wired together.

``Monitor.start()`` must be awaited on the event loop that will own the
receivers (the Textual app's loop, or ``asyncio.run`` when headless).
"""

from __future__ import annotations

import msgspec

from .config import Config
from .ingest.stats import IngestStats
from .pipeline import Pipeline
from .store.memory import Store


class MonitorStatus(msgspec.Struct, kw_only=True):
    """What the header shows: a cheap snapshot taken once per frame."""

    endpoints: list[str]  # e.g. ["udp 127.0.0.1:4319", "tcp 127.0.0.1:4319", "unix /run/..."]
    spans_per_s: float
    accepted: int
    rejected: int
    evicted: int
    lost: int
    db_path: str | None
    db_size: int | None
    forward_dropped: int = 0


class Monitor:
    def __init__(self, config: Config | None = None, store: Store | None = None) -> None:
        self.config = config or Config()
        self.store = store or Store(self.config.max_spans)
        self.stats = IngestStats()
        self.pipeline = Pipeline(self.store, self.stats, max_record_bytes=self.config.max_record_bytes)

    async def start(self) -> None:
        """Bind receivers and start the writer (engine issue)."""

    async def stop(self) -> None:
        """Close receivers and flush everything received to the DB."""

    def status(self) -> MonitorStatus:
        return MonitorStatus(
            endpoints=[],
            spans_per_s=self.store.rate.rate(),
            accepted=sum(self.stats.accepted.values()),
            rejected=self.stats.rejected_total,
            evicted=self.store.evicted_spans,
            lost=self.stats.lost,
            db_path=None,
            db_size=None,
        )
