"""Bytes -> records -> model -> enrichment -> store: the one ingest path.

Receivers hand raw payloads to ``Pipeline.feed``; replay and import hand
already-built updates to ``Pipeline.apply``. Both end in the same store, so
live, replayed and imported data look alike to everything downstream.
"""

from __future__ import annotations

from typing import Callable, Sequence

from .ingest.protocol import DEFAULT_MAX_RECORD_BYTES, decode
from .ingest.stats import IngestStats
from .model import Update
from .normalize import normalize
from .store.memory import Store

#: An enricher fills in derived fields (cost, estimated tokens) in place.
Enricher = Callable[[list[Update]], None]
#: A tap sees every batch after the store has it (e.g. the upstream forwarder).
Tap = Callable[[list[Update]], None]


class Pipeline:
    def __init__(
        self,
        store: Store,
        stats: IngestStats | None = None,
        enrichers: Sequence[Enricher] = (),
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    ) -> None:
        self.store = store
        self.stats = stats or IngestStats()
        self.enrichers = list(enrichers)
        self.max_record_bytes = max_record_bytes
        #: Called after each batch is stored; must not block (queue and return).
        self.taps: list[Tap] = []

    def feed(self, payload: bytes | memoryview, source: str) -> int:
        """Decode one datagram or stream line and apply it; returns records accepted."""
        stats = self.stats
        stats.bytes += len(payload)
        records, rejects = decode(payload, self.max_record_bytes)
        for r in rejects:
            stats.reject(source, r.reason, r.detail, payload)
        if not records:
            return 0
        for rec in records:
            if rec.sender is not None and rec.seq is not None:
                stats.sequence(rec.sender, rec.seq)
        updates, bad = normalize(records)
        for r in bad:
            stats.reject(source, r.reason, r.detail, payload)
        if updates:
            self.apply(updates)
            stats.accepted[source] += len(updates)
        return len(updates)

    def apply(self, updates: list[Update], *, tap: bool = True) -> None:
        """Enrich and store already-normalised updates, then show them to the taps.

        ``tap=False`` skips the taps: a receiver that forwards its raw input
        itself (OTLP) uses it so nothing is forwarded twice.
        """
        for enrich in self.enrichers:
            enrich(updates)
        self.store.apply(updates)
        if tap:
            for t in self.taps:
                t(updates)
