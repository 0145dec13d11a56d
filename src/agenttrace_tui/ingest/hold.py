"""Live spans' starts held for their ends, so a span that ends soon is stored once.

A live span comes as two records: a span_start when it begins (so the monitor
shows it running) and a span_end when it ends. Stored as they come, the store,
its totals and the database writer do the work of two reports for it. Most
spans end within milliseconds, before anyone could see them run: the monitor
renders a frame every tenth of a second. So the pipeline holds each start it
receives natively for up to ``HOLD_S`` (``StartHold.pair``); an end that comes
in that time is merged with it by the store's own merge rules and the two are
stored as one complete span. A start still held then is stored as a running
span (``StartHold.due``, called back by the event loop), at most ``HOLD_S``
later than it would have shown.

What is held is no one else's yet (the store never saw it), so a bare end is
merged into it in place; an end that brings more is merged as the store merges
a report into a stored span (``merge_same``). A start whose merge the store
does by rules of its own (an estimated usage, a rebuilt span, a call's usage
from its log event) is stored first, as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..model import AttachedEvent, Span, SpanEnd, Update
from ..store.calls import REBUILT, USAGE_FROM
from ..store.merge import end_held, merge_same

#: How long a span_start waits for its span_end before it is stored as a running span:
#: half a frame of the UI's refresh.
HOLD_S = 0.05
#: The most span_starts held at once; beyond it the oldest are stored at once.
MAX_HELD = 50_000
#: A held start, when it came (``StartHold.clock``), and the source it came from.
Held = tuple[Span, float, str]
#: ``schedule(delay, callback)``: the event loop's ``call_later``.
Schedule = Callable[[float, Callable[[], None]], object]


def _own_rules(start: Span, end: Span) -> bool:
    """Whether the store merges these two reports by rules of its own (a rebuilt span, a call's
    usage from its log event): the start is then stored first and the end merged there."""
    a, b = start.attributes, end.attributes
    return bool((a and (REBUILT in a or USAGE_FROM in a)) or (b and (REBUILT in b or USAGE_FROM in b)))


class StartHold:
    """The span_starts waiting for their ends, oldest first, by (trace id, span id)."""

    def __init__(self, schedule: Schedule, hold_s: float = HOLD_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.held: dict[tuple[str, str], Held] = {}
        self.schedule = schedule
        self.hold_s = hold_s
        self.clock = clock
        #: a callback for the oldest start's time is pending (``arm``)
        self.armed = False

    def pair(self, updates: list[Update], source: str) -> tuple[list[Update], list[Held]]:
        """The batch with each span_start held and each end of a held start merged with it into
        one report, the starts held longer than ``hold_s`` first; and the held starts this took
        (``give_back`` if storing the batch fails)."""
        held = self.held
        if not held:
            # A batch of complete spans (most of them) is handed on as it is.
            for u in updates:
                if u.__class__ is Span and u.end_ns is None:
                    break
            else:
                return updates, []
        out: list[Update] = []
        now = self.clock()
        taken: list[Held] = []
        if held and next(iter(held.values()))[1] <= now - self.hold_s:
            taken = self.due(now)
            out = [h[0] for h in taken]
        for u in updates:
            cls = u.__class__
            if cls is Span:
                if u.end_ns is None:  # type: ignore[union-attr]
                    if (usage := u.usage) is None or not usage.estimated:  # type: ignore[union-attr]
                        key = (u.trace_id, u.span_id)  # type: ignore[union-attr]
                        if (h := held.pop(key, None)) is not None:
                            out.append(h[0])  # a second start of one span: the first is stored
                        held[key] = (u, now, source)  # type: ignore[assignment]
                        continue
                elif held and (h := held.pop((u.trace_id, u.span_id), None)) is not None:  # type: ignore[union-attr]
                    taken.append(h)
                    if _own_rules(h[0], u):  # type: ignore[arg-type]
                        out.append(h[0])
                    else:
                        sid = u.session_id  # type: ignore[union-attr]
                        u = merge_same(h[0], u)  # type: ignore[arg-type]
                        if sid:
                            u.session_id = sid  # (the store moves a trace its end names another session of)
            elif cls is SpanEnd:
                if held and (h := held.pop((u.trace_id, u.span_id), None)) is not None:  # type: ignore[union-attr]
                    taken.append(h)
                    u = end_held(h[0], u)  # type: ignore[arg-type]
            elif cls is AttachedEvent and held and (h := held.pop((u.trace_id, u.span_id), None)) is not None:  # type: ignore[union-attr]
                taken.append(h)
                out.append(h[0])  # its span is stored first, for the event to attach to
            out.append(u)
        if len(held) > MAX_HELD:
            over = self.due(now, len(held) - MAX_HELD)
            out[:0] = [h[0] for h in over]
            taken += over
        return out, taken

    def give_back(self, taken: list[Held]) -> None:
        """Hold again the starts a batch took whose storing failed, for the retry payload by payload
        (an end merged into its start set the start's end fields, which the retry sets again)."""
        for h in taken:
            self.held[(h[0].trace_id, h[0].span_id)] = h

    def due(self, now: float | None = None, at_least: int = 0) -> list[Held]:
        """Take the starts whose time is up (held since ``now - hold_s`` or before), and at least
        the ``at_least`` oldest."""
        held = self.held
        cutoff = (self.clock() if now is None else now) - self.hold_s
        keys: list[tuple[str, str]] = []
        for key, (_span, t, _source) in held.items():
            if t > cutoff and len(keys) >= at_least:
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
