"""Live spans' starts held for their ends, so a span that ends soon is stored once.

A live span comes as two records: a span_start when it begins (so the monitor
shows it running) and a span_end when it ends. Stored as they come, the store,
its totals and the database writer do the work of two reports for it. Most
spans end within milliseconds, before anyone could see them run: the monitor
renders a frame every tenth of a second. So the pipeline holds each span_start
it receives natively, as the record it decoded, for up to ``HOLD_S``
(``StartHold.pair``); an end that comes in that time takes its start's place in
the read, with its start, and the two become one complete span. A start still
held then is stored as a running span (``StartHold.due``, called back by the
event loop), at most ``HOLD_S`` later than it would have shown.

The start is held before anything is done with it: a start whose end comes
in time is normalised, range-checked, enriched and stored once, as a span sent
complete is. A plain end (how the span ended, and the typed parts and usage it
fills, as our SDK sends it) is normalised with its start as one span
(``normalize.native``: one Span call, the end's set fields on the start's). An
end that repeats all its start says (our SDK's over UDP, which repeats the whole
span in case its start was lost) takes the start's place alone (``repeats``).
Any other end that brings more (a name, attributes, events) is normalised
beside its start and merged with the store's merge rules (``merge_pair``). A
start whose merge the store does by rules of its own (an estimated usage, a
rebuilt span, a call's usage from its log event), or whose end the door refuses
for its time, is stored apart from its end, first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from ..model import Span, ToolInfo
from ..normalize.limits import MAX_FUTURE_NS
from ..normalize.native import STATUS_OF
from ..normalize.records import EventRecord, SpanEndRecord, SpanRecord, SpanStartRecord, WireRecord
from ..store.calls import REBUILT, USAGE_FROM
from ..store.merge import agent_covers, file_covers, llm_covers, merge_same, rag_covers, tool_covers

#: How long a span_start waits for its span_end before it is stored as a running span:
#: half a frame of the UI's refresh.
HOLD_S = 0.05
#: The most span_starts held at once; beyond it the oldest are stored at once.
MAX_HELD = 50_000
#: A held start: its record, when it came (``StartHold.clock``), the source and the payload it came in.
Held = tuple[SpanStartRecord, float, str, Any]
#: ``schedule(delay, callback)``: the event loop's ``call_later``.
Schedule = Callable[[float, Callable[[], None]], object]


def own_rules(span: Span, end: Span | None = None) -> bool:
    """Whether the store merges a later report into ``span`` by rules of its own (an estimated
    usage, a rebuilt span, a call's usage from its log event): the start is then stored first and
    its end merged there."""
    a = span.attributes
    if (a and (REBUILT in a or USAGE_FROM in a)) or (span.usage is not None and span.usage.estimated):
        return True
    b = end.attributes if end is not None else None
    return bool(b and (REBUILT in b or USAGE_FROM in b))


def repeats(start: SpanStartRecord, end: SpanEndRecord, limit: int) -> bool:
    """Whether ``end`` says all ``start`` says, so the span the store makes of the two is the one
    it makes of the end alone (our SDK's span_end over UDP repeats the whole span, in case its
    start was lost): the same name, kind, start, session and parent; the start's attributes,
    events, links, message, code, usage and cost, if any, the same; each of its typed parts, if
    any, with every field it sets set in the end's (``llm_covers``); both statuses as sent exactly;
    the end after its start and no later than ``limit``; no total of tokens below their sum; no
    rule of the store's own (``own_rules``). The cheap tests come first: most ends that bring
    more than a plain end fail one of them."""
    k = start.kind
    if not (k and end.kind == k and end.name == start.name and end.start_ns == start.start_ns
            and end.session_id == start.session_id and end.parent_span_id == start.parent_span_id
            and start.start_ns <= end.end_ns <= limit and end.attributes == (a := start.attributes)
            and ((st := start.status) is None or st in STATUS_OF) and ((st := end.status) is None or st in STATUS_OF)
            and (not start.events or start.events == end.events) and (not start.links or start.links == end.links)
            and (start.status_message is None or start.status_message == end.status_message)
            and (start.status_code is None or start.status_code == end.status_code)
            and (start.cost is None or start.cost == end.cost)
            and ((u := start.usage) is None or (u == end.usage and not u.estimated))
            # (tokens whose total is below their sum: a merge raises it, a span stored alone keeps it)
            and ((u := end.usage) is None or not u.total or u.total >= u.input + u.output)
            and not (a and (REBUILT in a or USAGE_FROM in a))):
        return False
    p: Any
    n: Any
    if (p := start.llm) is not None and ((n := end.llm) is None or not llm_covers(p, n)):
        return False
    if (p := start.tool) is not None and (n := end.tool) is None:
        return False
    if p is not None and not (p == n if p.__class__ is str or n.__class__ is str else tool_covers(p, n)):
        return False  # (a tool named alone, a string, is the same tool only as the same string)
    if (p := start.agent) is not None and ((n := end.agent) is None or not agent_covers(p, n)):
        return False
    if (p := start.rag) is not None and ((n := end.rag) is None or not rag_covers(p, n)):
        return False
    return (p := start.file) is None or ((n := end.file) is not None and file_covers(p, n))


def merge_pair(span: Span, end: Span) -> Span:
    """A held start's span and its end normalised beside it (an end that brings more): merged as the
    store merges a report into a stored span."""
    sid = end.session_id
    # A total below its tokens' sum is raised in the merged span's usage, which may be one of the
    # two's own: made on a copy, so the two stay as normalised should the door check them apart
    # (ingest/pipeline.py, ``_Apart``).
    if (u := end.usage) is not None and u.total < u.input + u.output:
        end = msgspec.structs.replace(end, usage=msgspec.structs.replace(u))
    if (u := span.usage) is not None and u.total < u.input + u.output:
        span = msgspec.structs.replace(span, usage=msgspec.structs.replace(u))
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
    ) -> tuple[list[Any], list[int] | None, Sequence[Any], list[int], int, int, list[Held] | None]:
        """The read with each span_start held and each end of a held start replaced by the start:
        a plain end by the tuple (start record, end record, the start's payload), which normalise
        makes one span; any other end follows its start's record (the pairs: the index of each such
        start's record, which the caller merges with the record after it). The starts held longer than ``hold_s`` come first, and a start put back before any
        other record of its span.

        Returns the records, the payload index of each (None: record i came from payload i), the
        payloads (those of the starts put back added at the end), the pairs, how many starts this
        read holds now, how many held starts it puts back (counted when they came), and the starts
        whose end takes their place (``repeats``), if any.
        """
        held = self.held
        r: Any
        if not held:
            # A read of complete spans (most of them) is handed on as it is.
            for r in records:
                if r.__class__ is SpanStartRecord:
                    break
            else:
                return records, owners, payloads, [], 0, 0, None
        out: list[Any] = []
        own: list[int] = []
        more: list[Any] = []  # payloads of the starts put back into this read
        pairs: list[int] = []
        took: list[Held] | None = None
        now = self.clock()
        if held and next(iter(held.values()))[1] <= now - self.hold_s:
            for h in self.due(now):
                out.append(h[0])
                own.append(len(payloads) + len(more))
                more.append(h[3])
        limit = time.time_ns() + MAX_FUTURE_NS  # the latest end time the door takes (``normalize.limits``)
        g: Held | None
        # (enumerate, not a zip with a range: some 35 fewer instructions a record)
        for o, r in enumerate(records) if owners is None else zip(owners, records, strict=True):
            cls = r.__class__
            if cls is SpanStartRecord:
                sid = r.span_id
                if sid in held:
                    # A second start of one span, or a start of another trace's span of the same id
                    # (rare: ids are random): the first is stored.
                    g = held.pop(sid)
                    out.append(g[0])
                    own.append(len(payloads) + len(more))
                    more.append(g[3])
                held[sid] = (r, now, source, payloads[o])
                continue
            if (held and (cls is SpanEndRecord or cls is SpanRecord or cls is EventRecord)
                    and (g := held.pop(r.span_id, None)) is not None):
                if (s := g[0]).trace_id != r.trace_id:
                    # Another trace's span of the same id (rare: ids are random): its start waits on
                    # (held again as the newest: stored at most one hold later than its own time).
                    held[s.span_id] = g
                    out.append(r)
                    own.append(o)
                    continue
                if cls is SpanEndRecord:
                    if (not (r.name or r.kind or r.attributes or r.events or r.links or r.cost is not None
                             or r.session_id or r.parent_span_id or r.start_ns)
                            and ((st := r.status) is None or st in STATUS_OF)
                            and ((t := r.tool) is None or t.__class__ is ToolInfo)
                            and s.start_ns <= r.end_ns <= limit
                            and ((u := s.usage) is None or (r.usage is None and not u.estimated))
                            and not ((a := s.attributes) and (REBUILT in a or USAGE_FROM in a))):
                        # A plain end: normalised with its start as one span, in the end's place.
                        out.append((s, r, g[3]))
                        own.append(o)
                        continue
                    if repeats(s, r, limit):
                        # An end that repeats its whole start (our SDK's over UDP): it is the span.
                        if took is None:
                            took = [g]
                        else:
                            took.append(g)
                        out.append(r)
                        own.append(o)
                        continue
                    # An end that brings more (or that the door or the store's own rules must see
                    # apart): the two normalised here, then merged whole or stored apart.
                    pairs.append(len(out))
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
            pairs = [i + len(over) for i in pairs]
        # Every record of the read is in ``out`` (an end paired as its tuple) but the starts held,
        # and ``out`` holds the starts put back besides.
        n_held = len(records) - (len(out) - len(more))
        return out, own, [*payloads, *more] if more else payloads, pairs, n_held, len(more), took

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
