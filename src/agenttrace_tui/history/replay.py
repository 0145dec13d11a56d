"""The replay engine: a saved session played back as the events it was made of.

Each stored span becomes two events on the session's time axis: a *start*
at ``start_ns`` (the span as it looked while running: ``end_ns=None``,
status running, no usage or cost yet) and an *end* at ``end_ns`` (the span
as stored). Events go through ``Pipeline.apply`` into a fresh ``Store``, so
every panel that reads a live store reads a replay the same way.

Laziness: spans are pulled from the source in start order (``Reader.iter_spans``
reads them in keyset-paged chunks) only as far as the play position needs;
pending ends wait in a heap keyed by end time. An end at time *t* is only
emitted once every start at or before *t* has been, so the merge is exact
without reading ahead. Opening a 1M-span file reads one chunk.

Time: the position advances as ``anchor + (clock() - wall_anchor) * speed``
while playing; pause, speed changes and seeks re-anchor. The clock is
injected (monotonic ns), so tests drive it by hand and never sleep. The play
ends at the recording's end (the session's last activity or saved end), not
at its last event: the session record goes in without its end at the start
and with it there, so a span the agent left open (killed inside it) runs as
it did live and then reads "unfinished" as of that end.

Going back (step to the previous start, seek -10 s) rebuilds the store from
the beginning up to the target in bulk (whole spans where they had already
ended, one ``apply`` per chunk): linear in the spans before the target but
with no per-event work. Start times seen so far are kept in a compact array
(8 bytes a span) so "previous span start" is a binary search.

No UI imports: the UI drives a ``Player`` from a timer with ``tick()``;
``run()`` is the same loop for headless use.

Length: the replay engine in one piece: the span sources it reads from and the
Player's clock (seek, step, speed, both ends) are one state machine that every
replay view and the headless loop share.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from array import array
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Protocol

import msgspec

from ..ingest.pipeline import Pipeline
from ..model import Metric, Session, Span, Status, Update, counts_as_error
from ..store.memory import Store

__all__ = [
    "Player",
    "SpanSource",
    "ListSource",
    "INSTANT",
    "SPEEDS",
    "running_view",
    "ERROR_STATUSES",
    "load_complete",
]

#: Speed value meaning "no pacing": apply everything as fast as possible.
INSTANT = float("inf")
#: Speeds the UI offers, in cycling order.
SPEEDS: tuple[float, ...] = (0.5, 1.0, 2.0, 10.0, INSTANT)
#: End statuses that "jump to the next error" stops at.
ERROR_STATUSES = frozenset({Status.ERROR, Status.TIMEOUT})
#: Events applied per tick at most, so a timer-driven UI stays responsive
#: during "instant" play or a long jump; the rest follow on the next tick.
MAX_EVENTS_PER_TICK = 20_000
#: Spans per ``apply`` when rebuilding the store for a backward seek.
REBUILD_CHUNK = 2_000

_START, _END = 0, 1


class SpanSource(Protocol):
    """Where spans come from: ``store.sqlite.Reader`` satisfies this."""

    def iter_spans(self, session_id: str) -> Iterator[Span]:  # by start time
        ...


class ListSource:
    """An in-memory source (tests, imports): spans sorted by start time."""

    def __init__(self, spans: list[Span], sessions: dict[str, Session] | None = None) -> None:
        self._spans = sorted(spans, key=lambda s: s.start_ns)
        self._sessions = sessions or {}
        #: how many spans have been handed out (tests check laziness with it)
        self.pulled = 0

    def iter_spans(self, session_id: str) -> Iterator[Span]:
        for s in self._spans:
            if s.session_id == session_id:
                self.pulled += 1
                yield s

    def session(self, session_id: str) -> Any:
        return self._sessions.get(session_id)


#: Fields of a span's parts that only its end knows (what a call answered, how a tool or an
#: agent ended, what a retrieval found): a start shows none of them. The file keeps a span as it
#: ended, so its running view would otherwise read "state done" beside "running".
_END_FIELDS = {"llm": ("stop_reason", "response_preview"), "tool": ("status", "output_preview"),
               "agent": ("state", "stop_reason"), "rag": ("sources_found", "top_score")}


def _at_start(part: Any, fields: tuple[str, ...]) -> Any:
    if part is None or all(getattr(part, f) is None for f in fields):
        return part
    return msgspec.structs.replace(part, **dict.fromkeys(fields))


def running_view(span: Span) -> Span:
    """The span as it looked right after it started: no end, usage, cost or events, and
    none of what its parts learnt at the end (``_END_FIELDS``)."""
    return msgspec.structs.replace(
        span,
        end_ns=None,
        status=Status.RUNNING,
        status_message=None,
        status_code=None,
        usage=None,
        cost=None,
        events=(),
        **{name: _at_start(getattr(span, name), fields) for name, fields in _END_FIELDS.items()},
    )


def saved_metrics(source: Any, session_id: str) -> list[Metric]:
    """The session's saved metric samples in time order (none from a source that keeps none)."""
    getter = getattr(source, "session_metric_points", None)
    if getter is None:
        return []
    return [Metric(name=n, labels=lab, kind=kind, time_ns=t, value=v, session_id=session_id)
            for n, lab, kind, t, v in getter(session_id)]


def load_complete(source: SpanSource, session_id: str, pipeline: Pipeline | None = None) -> Store:
    """A saved session as it ended, in bulk (the live monitor's history view).

    Spans are read in chunks and applied whole (no start events); returns the
    store they went into (a fresh one unless ``pipeline`` is given).
    """
    pipeline = pipeline if pipeline is not None else Pipeline(Store())
    getter = getattr(source, "session", None)
    row = getter(session_id) if getter is not None else None
    meta = row if isinstance(row, Session) else getattr(row, "session", None)
    batch: list[Update] = [meta] if meta is not None else []
    for span in source.iter_spans(session_id):
        batch.append(span)
        if len(batch) >= REBUILD_CHUNK:
            pipeline.apply(batch)
            batch = []
    if batch:
        pipeline.apply(batch)
    metrics = saved_metrics(source, session_id)
    if metrics:
        pipeline.apply(list(metrics))
    pipeline.store.drain_dirty()  # already on disk: nothing for a writer to do
    return pipeline.store


class Player:
    """Plays one saved session into a store; driven by ``tick`` or ``run``.

    ``source`` is a ``Reader`` (or any ``SpanSource``). ``pipeline`` is where
    events go (default: a fresh ``Pipeline(Store())``); a backward seek needs
    an empty store again, so ``make_pipeline`` builds a replacement (default:
    same store budget and enrichers) and ``on_reset(store)`` tells the UI to
    read the new one. ``clock`` returns monotonic nanoseconds.
    """

    def __init__(
        self,
        source: SpanSource,
        session_id: str,
        pipeline: Pipeline | None = None,
        clock: Callable[[], int] = time.monotonic_ns,
        *,
        speed: float = 1.0,
        make_pipeline: Callable[[], Pipeline] | None = None,
        on_reset: Callable[[Store], None] | None = None,
        max_idle_ns: int | None = None,
    ) -> None:
        self.source = source
        self.session_id = session_id
        self.clock = clock
        if make_pipeline is None:
            template = pipeline

            def make_pipeline() -> Pipeline:
                if template is None:
                    return Pipeline(Store())
                return Pipeline(Store(template.store.max_spans), enrichers=template.enrichers)

        self.make_pipeline = make_pipeline
        self.pipeline = pipeline if pipeline is not None else make_pipeline()
        self.on_reset = on_reset
        #: idle gaps longer than this (nothing running) are skipped; None keeps them
        self.max_idle_ns = max_idle_ns
        self._speed = self._check_speed(speed)
        self.paused = False
        #: events applied so far (starts + ends), and errors seen ended
        self.events_applied = 0
        self.errors_seen = 0
        self._session_meta = self._load_session_meta()
        #: metric samples, played at their time like span starts and ends
        self._metrics = saved_metrics(source, session_id)
        self._open()
        #: session time axis: first start (None for an empty session) and the
        #: last known time (from the summary row when the source has one)
        self.start_ns: int | None = self._peek.start_ns if self._peek is not None else None
        self.end_ns: int | None = self._summary_end()
        # Just before the first start, with play anchored at it: the first
        # tick shows the first span at once.
        self._position = (self.start_ns or 0) - 1
        self._anchor_pos = self.start_ns or 0
        self._anchor_wall = self.clock()
        self._starts = array("q")
        self._play_session_start()

    # -- properties the UI shows ------------------------------------------
    @property
    def store(self) -> Store:
        return self.pipeline.store

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def position_ns(self) -> int:
        """The current point on the session's time axis (all events up to it applied).

        Never past the recording's end: the clock of a replay is the
        recording's, so a span still open when the recording stopped shows the
        duration it had then and does not tick on at END.
        """
        pos = max(self._position, self.start_ns or 0)
        end = self.recording_end_ns
        return min(pos, end) if end is not None and self.finished else pos

    @property
    def recording_end_ns(self) -> int | None:
        """The last moment the recording knows of (summary row, or the last event seen)."""
        last = self._last_seen_ns or None
        if self.end_ns is None:
            return last
        return max(self.end_ns, last or 0)

    @property
    def unfinished(self) -> int:
        """At the end: spans the recording never saw end (shown "unfinished", not running)."""
        return self.store.totals.running if self.finished else 0

    @property
    def finished(self) -> bool:
        """Every event applied and the play at the recording's end: a span the agent left
        open (killed inside it) keeps its time running up to there, as it did live."""
        if self._peek is not None or self._ends:
            return False
        end = self.recording_end_ns
        return end is None or self._position >= end

    @property
    def progress(self) -> float:
        """0..1 along the session's time axis (1 when finished)."""
        if self.finished:
            return 1.0
        if self.start_ns is None or not self.end_ns or self.end_ns <= self.start_ns:
            return 0.0
        return min(1.0, max(0.0, (self.position_ns - self.start_ns) / (self.end_ns - self.start_ns)))

    def next_event_ns(self) -> int | None:
        """Session time of the next event to apply, or None at the end."""
        nxt = self._peek.start_ns if self._peek is not None else None
        if self._ends and (nxt is None or self._ends[0][0] < nxt):
            return self._ends[0][0]
        return nxt

    # -- controls ---------------------------------------------------------
    def set_speed(self, speed: float) -> None:
        self._reanchor()
        self._speed = self._check_speed(speed)

    def faster(self) -> float:
        """Next speed of ``SPEEDS``, stopping at instant (no wrap back to the slowest); returns it."""
        i = SPEEDS.index(self._speed) if self._speed in SPEEDS else 0
        self.set_speed(SPEEDS[min(i + 1, len(SPEEDS) - 1)])
        return self._speed

    def slower(self) -> float:
        i = SPEEDS.index(self._speed) if self._speed in SPEEDS else 1
        self.set_speed(SPEEDS[max(0, i - 1)])
        return self._speed

    def pause(self) -> None:
        if not self.paused:
            self._reanchor()
            self.paused = True

    def resume(self) -> None:
        if self.paused:
            self.paused = False
            self._reanchor()

    def toggle_pause(self) -> bool:
        """Pause or play; at the end, play again from the start (as a media player does)."""
        if self.finished:
            self.restart()
            return self.paused
        self.resume() if self.paused else self.pause()
        return self.paused

    def restart(self) -> None:
        """Back to the first span start and playing."""
        self.seek(self.start_ns or 0)
        self.paused = False
        self._reanchor()

    def step_next(self) -> int | None:
        """Advance to the next span start (applying everything up to it); pauses."""
        self.pause()
        while True:
            if self._peek is None:
                self._advance_to(self.next_event_ns() or self._position)
                return None
            t = self._peek.start_ns
            if t > self._position:
                self._advance_to(t)
                self._reanchor()
                return t
            self._advance_to(t)

    def step_prev(self) -> int | None:
        """Go back to the previous span start (rebuilding the store); pauses."""
        self.pause()
        i = bisect_left(self._starts, self.position_ns)
        if i == 0:
            self.seek(self.start_ns or 0)
            return self.start_ns
        target = self._starts[i - 1]
        self.seek(target)
        return target

    def seek_by(self, delta_ns: int) -> int:
        """Jump ``delta_ns`` forwards or backwards (e.g. +/-10 s)."""
        return self.seek(self.position_ns + delta_ns)

    def seek(self, target_ns: int) -> int:
        """Put the position at ``target_ns`` (clamped to the start)."""
        if self.start_ns is None:
            return 0
        target = max(int(target_ns), self.start_ns)
        if self.finished:
            # Stopped at the end: a move back stays where it lands (paused), as a
            # media player does; space plays on from there.
            self.paused = True
        # The position may sit past the last event (instant play moves in big
        # steps): compare with where the screen is, never with that overshoot.
        self._position = self.position_ns
        if target < self._position:
            self._rebuild(target)
        else:
            self._advance_to(target)
        if self.finished:
            end = self.recording_end_ns
            if end is not None:
                target = min(target, end)
        self._position = target
        self._reanchor()
        return target

    def next_error(self) -> Span | None:
        """Play on until a span ends with an error; pauses there.

        Returns that span, or None when no error follows (the position is
        then restored, so the user does not lose their place).
        """
        self.pause()
        before = self.position_ns
        batch: list[Update] = []
        found: Span | None = None
        while found is None:
            ev = self._next_event()
            if ev is None:
                break
            t, kind, span = ev
            self._position = max(self._position, t)
            batch.append(span if kind == _END else running_view(span))
            if kind == _END and counts_as_error(span):
                found = span
            elif len(batch) >= REBUILD_CHUNK:
                self._apply(batch)
                batch = []
        if batch:
            self._apply(batch)
        if found is None:
            self.seek(before)
        else:
            self._reanchor()
        return found

    # -- driving ----------------------------------------------------------
    def tick(self, now: int | None = None) -> int:
        """Apply every event due at wall time ``now`` (default: the clock); returns how many."""
        if self.finished:
            return 0
        if self.paused:
            return 0
        wall = self.clock() if now is None else now
        if self._speed == INSTANT:
            target = self.recording_end_ns if self._peek is None and not self._ends else None
        else:
            target = self._anchor_pos + int((wall - self._anchor_wall) * self._speed)
            target = self._skip_idle(target, wall)
        n = self._advance_to(target, limit=MAX_EVENTS_PER_TICK)
        if target is not None and (n < MAX_EVENTS_PER_TICK):
            self._position = max(self._position, target)
        if self.finished:
            self._position = self.position_ns  # no overshoot past the recording's end
        return n

    def wall_delay_ns(self, now: int | None = None) -> int | None:
        """Wall time until the next event is due (None: paused, instant or finished)."""
        if self.paused or self.finished or self._speed == INSTANT:
            return None
        nxt = self.next_event_ns()
        if nxt is None:
            nxt = self.recording_end_ns  # no event left: the play runs on to the recording's end
            if nxt is None:
                return None
        wall = self.clock() if now is None else now
        pos = self._anchor_pos + (wall - self._anchor_wall) * self._speed
        if self.max_idle_ns is not None and self.store.totals.running == 0:
            nxt = min(nxt, self._last_event_ns + self.max_idle_ns + 1)
        return max(0, int((nxt - pos) / self._speed))

    async def run(
        self,
        stop: asyncio.Event | None = None,
        *,
        max_wait_s: float = 0.1,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        on_tick: Callable[[int], Any] | None = None,
    ) -> None:
        """Play until finished (or ``stop`` is set), sleeping until each event is due.

        ``on_tick(n)`` is called after each tick (e.g. the headless printer);
        waits are capped at ``max_wait_s`` so pause/speed changes take effect soon.
        """
        while not self.finished and not (stop is not None and stop.is_set()):
            n = self.tick()
            if on_tick is not None:
                on_tick(n)
            delay = self.wall_delay_ns()
            wait = max_wait_s if delay is None else min(max_wait_s, delay / 1e9)
            if self._speed == INSTANT and not self.paused:
                wait = 0
            await sleep(wait)
        if on_tick is not None:
            on_tick(0)

    # -- internals --------------------------------------------------------
    @staticmethod
    def _check_speed(speed: float) -> float:
        speed = float(speed)
        if not speed > 0:
            raise ValueError(f"speed must be positive, not {speed}")
        return speed

    def _reanchor(self) -> None:
        self._anchor_pos = self._position
        self._anchor_wall = self.clock()

    def _load_session_meta(self) -> Session | None:
        getter = getattr(self.source, "session", None)
        if getter is None:
            return None
        row = getter(self.session_id)
        if row is None:
            return None
        return row if isinstance(row, Session) else getattr(row, "session", None)

    def _summary_end(self) -> int | None:
        getter = getattr(self.source, "session", None)
        row = getter(self.session_id) if getter is not None else None
        last = getattr(row, "last_ns", None) if row is not None else None
        if last is None and isinstance(row, Session):
            last = row.ended_ns
        return last or None

    def _open(self) -> None:
        self._iter = iter(self.source.iter_spans(self.session_id))
        self._peek: Span | None = next(self._iter, None)
        #: (end_ns, seq, span) of started spans whose end is still to come
        self._ends: list[tuple[int, int, Span]] = []
        self._seq = 0
        self._last_event_ns = 0
        self._metric_i = 0
        #: spans started that the recording never saw end, as saved (``_play_session_end``)
        self._unended: list[Update] = []
        #: the latest event time ever seen (kept across rebuilds: the recording's end)
        if not hasattr(self, "_last_seen_ns"):
            self._last_seen_ns = 0

    def _pull(self) -> Span:
        span = self._peek
        assert span is not None
        self._peek = next(self._iter, None)
        return span

    def _note_start(self, t: int) -> None:
        starts = self._starts
        if not starts or t > starts[-1]:
            starts.append(t)

    def _next_event(self, upto: int | None = None) -> tuple[int, int, Span] | None:
        """Pop the next event at or before ``upto``; at one instant starts go first."""
        peek = self._peek
        if self._ends and (peek is None or self._ends[0][0] < peek.start_ns):
            t = self._ends[0][0]
            if upto is not None and t > upto:
                return None
            _, _, span = heapq.heappop(self._ends)
            self._last_event_ns = t
            self._last_seen_ns = max(self._last_seen_ns, t)
            return t, _END, span
        if peek is None:
            return None
        t = peek.start_ns
        if upto is not None and t > upto:
            return None
        span = self._pull()
        self._note_start(t)
        self._last_event_ns = t
        self._last_seen_ns = max(self._last_seen_ns, t)
        if span.end_ns is not None:
            self._seq += 1
            heapq.heappush(self._ends, (max(span.end_ns, t), self._seq, span))
        else:
            self._unended.append(span)
        return t, _START, span

    def _advance_to(self, target: int | None, limit: int | None = None) -> int:
        """Apply events with time <= target (all when None), at most ``limit``."""
        batch: list[Update] = []
        n = 0
        while limit is None or n < limit:
            ev = self._next_event(target)
            if ev is None:
                break
            t, kind, span = ev
            self._position = max(self._position, t)
            batch.append(span if kind == _END else running_view(span))
            n += 1
            if len(batch) >= REBUILD_CHUNK:
                self._apply(batch)
                batch = []
        if batch:
            self._apply(batch)
        if target is not None and (limit is None or n < limit):
            self._position = max(self._position, target)
        self._advance_metrics(None if target is None and self._peek is None and not self._ends else self._position)
        if self.finished:
            self._play_session_end()
        return n

    def _play_session_start(self) -> None:
        """The session as it began: its saved record without its end, which comes at the
        recording's end (``_play_session_end``); until then its open spans run, as they did."""
        meta = self._session_meta
        if meta is not None:
            self._apply([msgspec.structs.replace(meta, ended_ns=None) if meta.ended_ns is not None else meta])

    def _play_session_end(self) -> None:
        """At the recording's end, once: the spans it never saw end as they were saved (what
        they reported while running, and the cost the monitor gave them when it stopped:
        unknown, "no end came before the monitor stopped", not the $0 of a start), then the
        saved session end (a seek back starts a fresh store, and both come again)."""
        if self._unended:
            self.pipeline.apply(self._unended)  # (reports of stored spans: no event of the play)
            self._unended = []
            self.store.drain_dirty()
        meta = self._session_meta
        if meta is None or meta.ended_ns is None:
            return
        entry = self.store.sessions.get(meta.id)
        if entry is None or entry.session.ended_ns is None:
            self._apply([meta])

    def _advance_metrics(self, upto: int | None) -> None:
        """Apply the metric samples up to ``upto`` (all when None)."""
        ms = self._metrics
        i = j = self._metric_i
        while j < len(ms) and (upto is None or ms[j].time_ns <= upto):
            j += 1
        if j > i:
            self._metric_i = j
            self.pipeline.apply(list(ms[i:j]))
            self.store.drain_dirty()

    def _skip_idle(self, target: int, wall: int) -> int:
        """Compress a long idle gap (nothing running) to ``max_idle_ns`` of session time."""
        if self.max_idle_ns is None or self.store.totals.running:
            return target
        nxt = self.next_event_ns()
        if nxt is None:
            nxt = self.recording_end_ns  # an idle tail before the recording's end is a gap too
        if nxt is None or nxt <= target:
            return target
        if target - self._last_event_ns > self.max_idle_ns:
            self._anchor_pos, self._anchor_wall = nxt, wall
            return nxt
        return target

    def _apply(self, updates: list[Update]) -> None:
        self.pipeline.apply(updates)
        for u in updates:
            if isinstance(u, Span):
                self.events_applied += 1
                if u.end_ns is not None and counts_as_error(u):
                    self.errors_seen += 1
        # A replay store is never persisted: drop the writer's dirty set.
        self.store.drain_dirty()

    def _rebuild(self, target: int) -> None:
        """Fresh store holding the state at ``target``, built in bulk."""
        self.pipeline = self.make_pipeline()
        self._open()
        self.events_applied = 0
        self.errors_seen = 0
        self._play_session_start()
        batch: list[Update] = []
        while self._peek is not None and self._peek.start_ns <= target:
            span = self._pull()
            self._note_start(span.start_ns)
            if span.end_ns is not None and span.end_ns <= target:
                batch.append(span)
                self.events_applied += 1  # its start
            else:
                batch.append(running_view(span))
                if span.end_ns is not None:
                    self._seq += 1
                    heapq.heappush(self._ends, (max(span.end_ns, span.start_ns), self._seq, span))
                else:
                    self._unended.append(span)
            if len(batch) >= REBUILD_CHUNK:
                self._apply(batch)
                batch = []
        if batch:
            self._apply(batch)
        self._position = target
        self._last_event_ns = target
        self._advance_metrics(target)
        if self.on_reset is not None:
            self.on_reset(self.store)
