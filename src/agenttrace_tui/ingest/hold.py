"""Live spans' starts held for their ends, so a span that ends soon is stored once.

A live span comes as two records: a span_start when it begins (so the monitor
shows it running) and a span_end when it ends. Stored as they come, the store,
its totals and the database writer do the work of two reports for it. Most
spans end within milliseconds, before anyone could see them run: the monitor
renders a frame every tenth of a second. So the pipeline holds each span_start
it receives natively, as the record it decoded, for up to ``HOLD_S``
(``StartHold.pair``); an end that comes in that time takes its start's place in
the read, and the two become one complete span (``merge_end``). A start still
held then is stored as a running span (``StartHold.due``, called back by the
event loop), at most ``HOLD_S`` later than it would have shown.

The start is held before anything is done with it: a start whose end comes
in time is normalised, range-checked, enriched and stored once, as a span sent
complete is, and its end (what it adds to the start: end time, status, the
parts it repeats or fills) is merged into the span its start just became, in
place, with the store's merge rules (``store.merge.merge_same``). A start whose
merge the store does by rules of its own (an estimated usage, a rebuilt span,
a call's usage from its log event) is stored first and its end merged there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from ..model import AgentInfo, FileInfo, LlmInfo, RagInfo, Span, Status, ToolInfo
from ..normalize.native import STATUS_OF
from ..normalize.records import EventRecord, SpanEndRecord, SpanRecord, SpanStartRecord, WireRecord
from ..store.calls import REBUILT, USAGE_FROM
from ..store.merge import agent_covers, file_covers, llm_covers, merge_part, merge_same, rag_covers, tool_covers

#: How long a span_start waits for its span_end before it is stored as a running span:
#: half a frame of the UI's refresh.
HOLD_S = 0.05
#: The most span_starts held at once; beyond it the oldest are stored at once.
MAX_HELD = 50_000
#: A held start: its record, when it came (``StartHold.clock``), the source and the payload it came in.
Held = tuple[SpanStartRecord, float, str, Any]
#: ``schedule(delay, callback)``: the event loop's ``call_later``.
Schedule = Callable[[float, Callable[[], None]], object]
#: A start met by its end in a read: the index of the start's record in the read as paired, its
#: plain end (``merge_end``; the start took its place), or None for an end that brings more (the
#: next record), and the payload the start came in.
Pair = tuple[int, SpanEndRecord | None, Any]

_OK, _ERROR = Status.OK, Status.ERROR
_NO_LLM, _NO_TOOL, _NO_AGENT, _NO_RAG, _NO_FILE = LlmInfo(), ToolInfo(), AgentInfo(), RagInfo(), FileInfo()


def own_rules(span: Span, end: Span | None = None) -> bool:
    """Whether the store merges a later report into ``span`` by rules of its own (an estimated
    usage, a rebuilt span, a call's usage from its log event): the start is then stored first and
    its end merged there."""
    a = span.attributes
    if (a and (REBUILT in a or USAGE_FROM in a)) or (span.usage is not None and span.usage.estimated):
        return True
    b = end.attributes if end is not None else None
    return bool(b and (REBUILT in b or USAGE_FROM in b))


def merge_end(span: Span, end: SpanEndRecord, limit: int) -> bool:
    """Merge a plain span_end (``StartHold.pair``: no name, kind, attributes, events, links, cost,
    ids or times of its own; how its span ended, with the typed parts and usage it repeats or
    fills, as our SDK sends it) into ``span``, just made from its start and no one else's yet, in
    place: what ``merge_same(span, <the end normalised>)`` gives. False, changing nothing, for an
    end whose status is not one as sent exactly, that ends before its start or after ``limit`` (the
    latest time the door takes, ``normalize.limits``), or that names its tool alone (the caller
    normalises it and merges it whole, or stores it apart for the door to refuse it alone), and for a
    span the store merges by rules of its own (``own_rules``)."""
    st = end.status
    if st is None:
        status = _ERROR if end.status_code else _OK
    elif (status := STATUS_OF.get(st)) is None:  # type: ignore[assignment]
        return False
    end_ns = end.end_ns
    if ((end_ns < span.start_ns and span.start_ns) or end_ns > limit
            or ((t := end.tool) is not None and t.__class__ is not ToolInfo)
            or ((a := span.attributes) and (REBUILT in a or USAGE_FROM in a))
            or ((u := span.usage) is not None and u.estimated)):
        return False  # (a tool by name alone: normalised; the last two lines are own_rules, inline)
    # Each part as the end's normalisation keeps it (an empty part is no part), merged as merge_same
    # merges it: the end's part when the start had none or the end's sets every field the start's
    # does (what our SDK sends), else field by field. The parts spelled out: a loop costs more.
    p: Any
    o: Any
    if (p := end.llm) is not None and not (p.provider is None and p == _NO_LLM):
        span.llm = p if (o := span.llm) is None or llm_covers(o, p) else merge_part(o, p)
    if (p := end.usage) is not None:
        if not p.total:
            p.total = p.input + p.output
        span.usage = p if (o := span.usage) is None or p == o else merge_part(o, p)
    if (p := t) is not None and not (p.name is None and p == _NO_TOOL):
        span.tool = p if (o := span.tool) is None or tool_covers(o, p) else merge_part(o, p)
    if (p := end.agent) is not None and not (p.name is None and p == _NO_AGENT):
        span.agent = p if (o := span.agent) is None or agent_covers(o, p) else merge_part(o, p)
    if (p := end.rag) is not None and not (p.query is None and p == _NO_RAG):
        span.rag = p if (o := span.rag) is None or rag_covers(o, p) else merge_part(o, p)
    if (p := end.file) is not None and not (p.path is None and p == _NO_FILE):
        span.file = p if (o := span.file) is None or file_covers(o, p) else merge_part(o, p)
    span.end_ns = end_ns
    span.status = status
    if message := end.status_message:
        span.status_message = message
    if code := end.status_code:
        span.status_code = code
    if (u := span.usage) is not None and u.total < u.input + u.output:
        u.total = u.input + u.output
    return True


def merge_pair(span: Span, end: Span) -> Span:
    """A held start's span and its end normalised (an end ``merge_end`` does not take): merged as the
    store merges a report into a stored span."""
    sid = end.session_id
    merged = merge_same(span, end)
    if sid:
        merged.session_id = sid  # (the store moves a trace its end names another session of)
    return merged


class StartHold:
    """The span_starts waiting for their ends, oldest first, by span id (a start of another trace's
    span of the same id stores the one held: keyed by the span id alone, a start costs one string's
    hash, not a pair's)."""

    def __init__(self, schedule: Schedule, hold_s: float = HOLD_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.held: dict[str, Held] = {}
        self.schedule = schedule
        self.hold_s = hold_s
        self.clock = clock
        #: a callback for the oldest start's time is pending (``arm``)
        self.armed = False

    def pair(
        self, records: list[WireRecord], owners: list[int] | None, payloads: Sequence[Any], source: str
    ) -> tuple[list[Any], list[int] | None, Sequence[Any], list[Pair], int, int]:
        """The read with each span_start held and each end of a held start replaced by the start's
        record (``Pair``: the caller merges the end into the span it becomes), the starts held
        longer than ``hold_s`` first, and a start put back before any other record of its span.

        Returns the records, the payload index of each (None: record i came from payload i), the
        payloads (those of the starts put back added at the end), the pairs, how many starts this
        read holds now, and how many held starts it puts back (counted when they came).
        """
        held = self.held
        r: Any
        if not held:
            # A read of complete spans (most of them) is handed on as it is.
            for r in records:
                if r.__class__ is SpanStartRecord:
                    break
            else:
                return records, owners, payloads, [], 0, 0
        out: list[Any] = []
        own: list[int] = []
        more: list[Any] = []  # payloads of the starts put back into this read
        pairs: list[Pair] = []
        now = self.clock()
        if held and next(iter(held.values()))[1] <= now - self.hold_s:
            for h in self.due(now):
                out.append(h[0])
                own.append(len(payloads) + len(more))
                more.append(h[3])
        n_held = 0
        g: Held | None
        for i, r in enumerate(records):
            o = i if owners is None else owners[i]
            cls = r.__class__
            if cls is SpanStartRecord:
                sid = r.span_id
                if (g := held.pop(sid, None)) is not None:
                    # A second start of one span, or a start of another trace's span of the same id
                    # (rare: ids are random): the first is stored.
                    out.append(g[0])
                    own.append(len(payloads) + len(more))
                    more.append(g[3])
                held[sid] = (r, now, source, payloads[o])
                n_held += 1
                continue
            if (held and (cls is SpanEndRecord or cls is SpanRecord or cls is EventRecord)
                    and (g := held.get(r.span_id)) is not None and g[0].trace_id == r.trace_id):
                del held[r.span_id]
                if cls is SpanEndRecord:
                    if not (r.name or r.kind or r.attributes or r.events or r.links or r.cost is not None
                            or r.session_id or r.parent_span_id or r.start_ns):
                        # A plain end: merged into the span its start becomes, in its place.
                        pairs.append((len(out), r, g[3]))
                        out.append(g[0])
                        own.append(o)
                        continue
                    # An end that brings more: the two normalised here, then merged whole.
                    pairs.append((len(out), None, g[3]))
                # (Another report of its span: the start is stored first, the store merges it.)
                out.append(g[0])
                own.append(len(payloads) + len(more))
                more.append(g[3])
            out.append(r)
            own.append(o)
        if len(held) > MAX_HELD:
            over = self.due(now, len(held) - MAX_HELD)
            out[:0] = [h[0] for h in over]
            own[:0] = range(len(payloads) + len(more), len(payloads) + len(more) + len(over))
            more += [h[3] for h in over]
            pairs = [(i + len(over), end, p) for i, end, p in pairs]
        return out, own, [*payloads, *more] if more else payloads, pairs, n_held, len(more)

    def due(self, now: float | None = None, at_least: int = 0) -> list[Held]:
        """Take the starts whose time is up (held since ``now - hold_s`` or before), and at least
        the ``at_least`` oldest."""
        held = self.held
        cutoff = (self.clock() if now is None else now) - self.hold_s
        keys: list[str] = []
        for key, h in held.items():
            if h[1] > cutoff and len(keys) >= at_least:
                break
            keys.append(key)
        return [held.pop(k) for k in keys]

    def take_all(self) -> list[Held]:
        """Take every start held."""
        gone = list(self.held.values())
        self.held.clear()
        return gone

    def arm(self, callback: Callable[[], None]) -> None:
        """Have ``callback`` called when the oldest start's time is up (one call pending at a time;
        the callback clears ``armed``)."""
        if self.held and not self.armed:
            self.armed = True
            oldest = next(iter(self.held.values()))[1]
            self.schedule(max(0.0, oldest + self.hold_s - self.clock()), callback)
