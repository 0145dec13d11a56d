"""Merging spans with the rows the file already holds for them.

A trace memory evicted (or a previous run wrote) comes back as a new trace
holding only the newest reports of its spans; ``FileMerge._merge_with_file``
folds them into the full rows on disk before they are written.
"""

from __future__ import annotations

import aiosqlite
import msgspec

from ..model import Span
from .merge import merge_span
from .write_state import WriterState, _Pending

_json = msgspec.json.Encoder()
_span_decoder = msgspec.msgpack.Decoder(Span)


class FileMerge(WriterState):
    """Spans of traces memory no longer fully holds, merged with the file's rows."""

    async def _merge_with_file(
        self, conn: aiosqlite.Connection, p: _Pending
    ) -> tuple[list[Span], dict[str, tuple | None]]:
        """The spans and trace summaries to encode for a chunk, with what the
        file already holds folded in for spans memory no longer has.

        A trace the store evicted (or that a previous run wrote) comes back
        as a new trace in memory holding only the newest reports, e.g. a
        bare span_end: written as is, it would overwrite the full span, and
        its summary from memory would miss the spans on disk. Such traces
        are found once (when new to memory) and their spans merged with the
        rows on disk from then on. Rare; everything else passes through.
        """
        if self._file_had_traces or self.store.evicted_traces:
            traces = self.store.traces
            fresh = set()
            for tid in {s.trace_id for s in p.spans}:  # per trace, not per span
                entry = traces.get(tid)
                if entry is None or entry.first_seen > p.since_seq:
                    fresh.add(tid)
            fresh -= self._merge_traces
            if fresh:
                async with conn.execute(
                    "SELECT trace_id FROM traces WHERE trace_id IN (SELECT value FROM json_each(?))",
                    (_json.encode(list(fresh)).decode(),),
                ) as cur:
                    self._merge_traces.update(r[0] for r in await cur.fetchall())
        store = self.store
        trimming = store.trimmed_spans > 0
        if not self._merge_traces and not trimming:
            return p.spans, p.summaries
        merge = self._merge_traces
        # Also a later report of a span trimmed from memory (store/budget.py):
        # memory holds only that report now, the file the full row.
        targets = [s for s in p.spans if s.trace_id in merge or (trimming and store.maybe_trimmed(s.trace_id, s.span_id))]
        if not targets:
            return p.spans, p.summaries
        keys = _json.encode([[s.trace_id, s.span_id] for s in targets]).decode()
        async with conn.execute(
            "SELECT s.trace_id, s.span_id, s.body FROM spans AS s JOIN (SELECT json_extract(value, '$[0]') AS t,"
            " json_extract(value, '$[1]') AS i FROM json_each(?)) AS k ON s.trace_id = k.t AND s.span_id = k.i",
            (keys,),
        ) as cur:
            on_file = {(r[0], r[1]): r[2] for r in await cur.fetchall()}
        merged_spans = []
        for s in p.spans:
            body = on_file.get((s.trace_id, s.span_id))
            if body is not None:
                try:
                    old = _span_decoder.decode(body)
                except msgspec.DecodeError:
                    old = None
                if old is not None:
                    merged = merge_span(old, s)
                    if old.start_ns and old.start_ns < merged.start_ns:
                        # The store dates a bare span_end at its end; the file knows the start.
                        merged.start_ns = old.start_ns
                    s = merged
            merged_spans.append(s)
        summaries = {t: (None if t in self._merge_traces else row) for t, row in p.summaries.items()}
        return merged_spans, summaries
