"""The background sender: a bounded queue drained by one daemon thread.

Agent threads only append to the queue (``put``): a span object at its start
and again at its end, or a ready record dict (session, event, metric). When
the queue is full the item is dropped and counted; the agent never blocks.

The sender thread turns items into wire records, encodes them with msgspec,
numbers them (``sender`` + ``seq``, so the monitor can count lost datagrams)
and hands batches to the transport. A span's state machine (``Span._wire``)
lets it coalesce: if a span has already ended by the time its start is taken
off the queue, one complete ``span`` record is sent instead of
``span_start`` + ``span_end``, and the second queue entry is skipped. A span
still running when its start is taken off the queue gets a ``span_start``
(so the monitor shows it ticking) and later a ``span_end``: over UDP one that
repeats all its fields (so a lost ``span_start`` datagram loses nothing but
liveness); over a stream, which loses nothing while its connection lasts, one
that says only what changed since (``_short_end``): the ids, the end, the
status, and the name, kind, typed parts and usage that changed, which the
monitor merges into its span_start and stores for less.

The thread sleeps on an Event when the queue is empty; an agent sets it only
when the thread said it is sleeping, so a busy sender costs the agent no
lock. Every ``TICK`` seconds it also promotes slow pending traces (sampling).
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

import msgspec

from .span import Span
from .transport import Transport

TICK = 0.1
#: Pause after each drain while records keep coming.
BATCH_WAIT = 0.002
#: Items taken off the queue per transport write.
BATCH_ITEMS = 2048
#: Records larger than this are trimmed, then dropped (the monitor's limit is 64 KiB).
MAX_RECORD_BYTES = 60_000
_PARTS = ("llm", "tool", "agent", "rag", "file", "usage")


def as_text(value: Any) -> str:
    """A value as text for a preview or a trimmed attribute: a dict, list or plain tuple (a tool's
    arguments, a prompt's messages, a nested attribute) as JSON, as other instrumentations send
    them and the monitor shows them; anything else (a named tuple too, whose names JSON would
    lose), or what JSON cannot hold (a key that is no string, a cycle), as ``str`` gives it."""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)) or value.__class__ is tuple:
        import json  # (here: an agent that sends no such value never imports it)

        try:
            return json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            pass
    return str(value)


def _fallback(obj: Any) -> Any:
    """Encode what JSON cannot hold as text rather than fail the record."""
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")[:1000]
    return str(obj)[:1000]


class Flush:
    """A marker: set ``done`` once every item queued before it has been sent.

    ``ok`` is False when the marker was released early because nothing could
    be sent (a stream endpoint with no monitor listening).
    """

    __slots__ = ("done", "ok")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.ok = True


class Sender:
    def __init__(self, transport: Transport, sender_id: str, maxsize: int = 65_536, periodic: Callable[[], None] | None = None) -> None:
        self.transport = transport
        self.sender_id = sender_id
        self.maxsize = maxsize
        self.queue: deque[Any] = deque()
        self.periodic = periodic
        #: Items dropped because the queue was full.
        self.dropped = 0
        #: Records handed to the transport, and those it failed to send.
        self.sent = 0
        self.failed = 0
        #: Records over MAX_RECORD_BYTES even after trimming.
        self.oversized = 0
        self.encode_errors = 0
        self.seq = 0
        self.sleeping = False
        self.wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        encoder = msgspec.json.Encoder(enc_hook=_fallback)
        self._encode = encoder.encode
        self._encode_lines = encoder.encode_lines
        self.stream = getattr(transport, "stream", False)
        self.batch_bytes = getattr(transport, "batch_bytes", 16 * 1024)
        self._group = 16
        self._lost_in_framing = 0
        self.start()
        ref = weakref.ref(self)

        def reset_in_child() -> None:
            s = ref()
            if s is not None:
                s._after_fork()

        os.register_at_fork(after_in_child=reset_in_child)

    # -- agent side ----------------------------------------------------------
    def put(self, item: Any) -> None:
        q = self.queue
        if len(q) < self.maxsize:
            q.append(item)
            if self.sleeping:
                self.wake.set()
        else:
            self.dropped += 1

    def flush(self, timeout: float) -> bool:
        """Wait until everything queued so far is sent; False on timeout."""
        if self._thread is None or not self._thread.is_alive():
            return not self.queue
        marker = Flush()
        self.queue.append(marker)  # markers bypass the bound: they are tiny and rare
        self.wake.set()
        return marker.done.wait(timeout) and marker.ok

    def stop(self, timeout: float) -> bool:
        done = self.flush(timeout)
        self._stop = True
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=0.5)
        self.transport.close()
        return done

    def start(self) -> None:
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="agenttrace-sender", daemon=True)
        self._thread.start()

    def _after_fork(self) -> None:
        # The child has the queue but not the thread: start over, fresh.
        # (The same deque object: tracers hold a reference to it.)
        self.queue.clear()
        self.sleeping = False
        self.wake = threading.Event()
        self._pid = os.getpid()
        self.start()

    # -- sender thread -----------------------------------------------------
    def _run(self) -> None:
        q = self.queue
        next_tick = time.monotonic() + TICK
        while True:
            if self._pid != os.getpid():  # a thread object inherited across fork
                return
            if q:
                if self.transport.ready():
                    try:
                        self._drain(q)
                    except Exception:  # noqa: BLE001 - the sender thread must never die
                        self.encode_errors += 1
                    # Let the next batch gather instead of waking per record: the
                    # agent then never pays for an Event.set while records flow,
                    # and a running span still shows within milliseconds.
                    if not self._stop:
                        time.sleep(BATCH_WAIT)
                else:
                    # No monitor to write to: keep the records (bounded), let
                    # flush() callers go, and retry after the transport's backoff.
                    self._release_markers(q)
                    if self._stop:
                        return
                    self.wake.clear()
                    self.wake.wait(TICK)
            else:
                if self._stop:
                    return
                self.wake.clear()
                self.sleeping = True
                if not q:  # re-checked after announcing sleep: no wake-up is lost
                    self.wake.wait(TICK)
                self.sleeping = False
            now = time.monotonic()
            if now >= next_tick:
                next_tick = now + TICK
                if self.periodic is not None:
                    try:
                        self.periodic()
                    except Exception:  # noqa: BLE001 - the sender must survive anything
                        pass

    def _release_markers(self, q: deque[Any]) -> None:
        # Nothing can be sent right now: let flush() callers go rather than wait.
        for item in list(q):
            if type(item) is Flush:
                item.ok = False
                item.done.set()

    def _drain(self, q: deque[Any]) -> None:
        recs: list[Any] = []
        markers: list[Flush] = []
        popleft = q.popleft
        span_record = self._span_record
        for _ in range(min(len(q), BATCH_ITEMS)):
            item = popleft()
            cls = type(item)
            if cls is Span:
                if item._wire == 2:
                    continue  # already sent complete (coalesced start + end)
                try:
                    rec = span_record(item)
                except Exception:  # noqa: BLE001 - a bad span must not stop the sender
                    self.encode_errors += 1
                    continue
                if rec is not None:
                    recs.append(rec)
            elif cls is Flush:
                markers.append(item)
            else:
                self.seq += 1
                item["sender"] = self.sender_id
                item["seq"] = self.seq
                recs.append(item)
        if recs:
            payloads = self._frame(recs)
            if payloads:
                n = len(recs) - self._lost_in_framing
                if self.transport.send(payloads):
                    self.sent += n
                else:
                    self.failed += n
        for m in markers:
            m.done.set()

    # -- encoding ------------------------------------------------------------
    def _frame(self, recs: list[Any]) -> list[bytes]:
        """Encode a batch: JSON arrays per datagram, or newline-delimited lines."""
        self._lost_in_framing = 0
        if self.stream:
            lines = self._encode_safe_lines(recs)
            return [lines] if lines else []
        out: list[bytes] = []
        limit = self.batch_bytes
        i, n = 0, len(recs)
        group = self._group
        while i < n:
            chunk = recs[i : i + group]
            data = self._encode_safe(chunk if len(chunk) > 1 else chunk[0])
            if data is None:
                pass
            elif len(data) > limit and len(chunk) > 1:
                group = max(1, len(chunk) // 2)  # too big: retry with half as many
                continue
            else:
                out.append(data)
            i += len(chunk)
            # Grow back towards the largest group that fits.
            if data is not None and len(data) * 2 < limit and group < 256:
                group *= 2
        self._group = group
        return out

    def _encode_safe(self, obj: Any) -> bytes | None:
        try:
            data = self._encode(obj)
        except Exception:  # noqa: BLE001 - e.g. a dict with non-string keys
            items = obj if isinstance(obj, list) else [obj]
            good = [r for r in (self._one(r) for r in items) if r is not None]
            return (b"[" + b",".join(good) + b"]") if len(good) > 1 else (good[0] if good else None)
        if len(data) > MAX_RECORD_BYTES and not isinstance(obj, list):
            return self._one(obj)
        return data

    def _encode_safe_lines(self, recs: list[Any]) -> bytes:
        try:
            data = self._encode_lines(recs)
        except Exception:  # noqa: BLE001
            data = b""
            good = [r for r in (self._one(r) for r in recs) if r is not None]
            return b"\n".join(good) + b"\n" if good else b""
        if len(data) > MAX_RECORD_BYTES and any(len(line) > MAX_RECORD_BYTES for line in data.split(b"\n")):
            good = [r for r in (self._one(r) for r in recs) if r is not None]
            return b"\n".join(good) + b"\n" if good else b""
        return data

    def _one(self, rec: Any) -> bytes | None:
        """One record alone, trimmed if too large; None (counted) if hopeless."""
        try:
            data = self._encode(rec)
        except Exception:  # noqa: BLE001
            data = None
            self.encode_errors += 1
        if data is None or len(data) > MAX_RECORD_BYTES:
            try:
                data = self._encode(_trimmed(rec))
            except Exception:  # noqa: BLE001
                data = None
            if data is None or len(data) > MAX_RECORD_BYTES:
                self.oversized += 1
                self._lost_in_framing += 1
                return None
        return data

    def _span_record(self, span: Span) -> Any:
        wire = span._wire
        if wire == 2:
            return None
        end = span.end_ns
        if end is None:
            if wire == 1:
                return None
            span._wire = 1
            cls: type[SpanStart | SpanDone | SpanEnd] = SpanStart
            if self.stream:
                # What this span_start says, for its span_end to leave out what did not change.
                span._sent = self._sent_state(span)
        else:
            span._wire = 2
            if wire == 0:
                cls = SpanDone
            else:
                cls = SpanEnd
                sent = span._sent
                if sent is not None:
                    span._sent = None
                    short = self._short_end(span, sent)
                    if short is not None:
                        return short
        self.seq += 1
        return cls(
            1,
            self.sender_id,
            self.seq,
            span.trace_id,
            span.span_id,
            span._session or span._tracer.session_id,
            span.name,
            span.kind,
            span.start_ns,
            span.parent_span_id if span._pid is not None else None,
            end,
            (span.status or "ok") if end is not None else None,
            span.status_message,
            span.status_code,
            span.llm,
            span.tool,
            span.agent,
            span.rag,
            span.file,
            span.usage,
            span.attributes or None,
            span.events,
        )

    # -- span_end over a stream: what changed since span_start -------------------
    def _sent_state(self, span: Span) -> tuple:
        """What a span_start carries that its span_end may leave out, copied (an agent
        may change a dict in place), with the connection and the count of lost
        records it went out with."""
        attrs = span.attributes
        return (
            getattr(self.transport, "connects", 0), self.oversized + self.encode_errors, span.name, span.kind,
            attrs.copy() if attrs.__class__ is dict else attrs or None,
            *(p.copy() if p.__class__ is dict else p
              for p in (span.llm, span.tool, span.agent, span.rag, span.file, span.usage)),
        )

    def _short_end(self, span: Span, sent: tuple) -> ShortSpanEnd | None:
        """The span_end of a span whose span_start went out on this stream, saying only
        what changed since; None when the whole span must be repeated.

        A stream loses no record while its connection lasts, so the monitor has the
        span_start and merges the end into it (docs/protocol.md: fields left out keep
        their value): the same span as the full repeat UDP needs. Left out: the
        session, start and parent (they never change), the name and kind unless one
        of them changed (a name sent alone would make the monitor guess the kind
        again), the typed parts and attributes that did not change, the fields of a
        changed part that did not change (the monitor decodes and merges less: a
        part new at the end goes whole), and a status of ``ok``. Repeated in full:
        after a reconnect (the start may have gone to a monitor that is gone),
        after a record was lost to size or encoding, when the attributes changed
        (the monitor reads some attribute keys into the typed parts) and when a
        part lost a field it had or a field went to zero or empty (the monitor
        could fill it from an attribute).
        """
        conn, lost, name, kind, attrs, *parts = sent
        if conn != getattr(self.transport, "connects", 0) or lost != self.oversized + self.encode_errors:
            return None
        if (span.attributes or None) != (attrs or None):
            return None
        out: list[Any] = []
        for was, cur in zip(parts, (span.llm, span.tool, span.agent, span.rag, span.file, span.usage), strict=True):
            if cur == was:
                out.append(None)
                continue
            if was:
                if cur.__class__ is not dict or was.__class__ is not dict:
                    return None
                # Only the fields that changed go (a field the start had that is gone, or went
                # to zero or empty: the whole span).
                get = cur.get
                changed = cur.copy()
                for k, v in was.items():
                    c = get(k)
                    if c == v:
                        changed.pop(k, None)
                    elif v is not None and (c is None or (v and not c)):
                        return None
                cur = changed
            out.append(cur)
        if span.name != name or span.kind != kind:
            name, kind = span.name, span.kind
        else:
            name = kind = ""
        self.seq += 1
        # Positional: msgspec takes 16 or more keywords on a slow path (several times the cost).
        # A status of "ok" is left out too: the monitor reads a span_end with neither a status nor
        # a status code as ok (with a code alone, as an error).
        status, code = span.status or "ok", span.status_code
        return ShortSpanEnd(1, self.sender_id, self.seq, span.trace_id, span.span_id, "", name, kind, 0, None,
                            span.end_ns, None if status == "ok" and not code else status, span.status_message, code,
                            out[0], out[1], out[2], out[3], out[4], out[5], None, span.events)


class _Wire(msgspec.Struct, omit_defaults=True, tag_field="type", gc=False):
    """A span record on the wire (docs/protocol.md); unset fields are left out."""

    v: int
    sender: str
    seq: int
    trace_id: str
    span_id: str
    session_id: str
    name: str
    kind: str
    start_ns: int
    parent_span_id: str | None = None
    end_ns: int | None = None
    status: str | None = None
    status_message: str | None = None
    status_code: str | None = None
    llm: Any = None
    tool: Any = None
    agent: Any = None
    rag: Any = None
    file: Any = None
    usage: Any = None
    attributes: Any = None
    events: Any = None


class SpanStart(_Wire, tag="span_start"):
    pass


class SpanEnd(_Wire, tag="span_end"):
    pass


class SpanDone(_Wire, tag="span"):
    pass


class ShortSpanEnd(_Wire, tag="span_end"):
    """A span_end over a stream that says only what changed since its span_start
    (``Sender._short_end``): the fields given a default here are left out when unset."""

    session_id: str = ""
    name: str = ""
    kind: str = ""
    start_ns: int = 0


_DEFAULTS: dict[type, dict[str, Any]] = {}


def _trimmed(rec: Any) -> dict[str, Any]:
    """A too-large record cut down: long strings shortened, events dropped."""
    if isinstance(rec, _Wire):
        # What encoding leaves out stays out (None, and a default ShortSpanEnd left unset).
        defaults = _DEFAULTS.get(type(rec))
        if defaults is None:
            defaults = _DEFAULTS[type(rec)] = {f.name: f.default for f in msgspec.structs.fields(rec)}
        out = {k: v for k, v in msgspec.structs.asdict(rec).items()
               if v is not None and not (type(v) is type(d := defaults[k]) and v == d)}
        out["type"] = type(rec).__struct_config__.tag
    else:
        out = dict(rec)
    out.pop("events", None)
    for key in ("attributes", "llm", "tool", "rag"):
        part = out.get(key)
        if part:
            out[key] = {k: (v[:1000] if isinstance(v, str) else v if isinstance(v, (int, float, bool)) or v is None
                            else as_text(v)[:1000]) for k, v in part.items()}
    attrs = dict(out.get("attributes") or {})
    attrs["agenttrace.truncated"] = True
    out["attributes"] = attrs
    return out
