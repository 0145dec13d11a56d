"""A span_end that repeats its span's fields (what our SDK sends) ends up as the span sent complete.

The SDK's span_end repeats every field of the span, so a lost span_start (UDP)
loses nothing but the span's liveness. The store merges such a report with
``merge_same`` (a copy of the stored span with what the report sets; a part
equal to the stored one is taken without a field-wise merge) and, when the end
changed nothing the totals count but what an end moves, settles the totals at
once as for a bare span_end. Here:

* ``merge_same`` gives exactly what ``merge_span`` gives, for any two reports of
  one span (hypothesis, from every kind of span record);
* spans made with the real SDK and sent to real sockets on 127.0.0.1 (each
  kept running until its span_start was read from the socket) go through the
  real pipeline with pricing into a real SQLite file, the totals read between
  the starts and the ends; the same spans sent complete (the SDK's span_end
  *is* the complete span: every field, the end's too) give the same stored
  spans, totals and rows.
"""

from __future__ import annotations

import json
import random
import socket
import time
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.ingest.protocol import decode, encode
from agenttrace_tui.model import SpanEnd
from agenttrace_tui.normalize.native import normalize
from agenttrace_tui.normalize.records import SpanEndRecord
from agenttrace_tui.sdk import Tracer
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.merge import merge_same, merge_span
from agenttrace_tui.store.sqlite import Reader, Writer
from test_live_spans import totals_of
from test_protocol import span_records


def _span(rec: object) -> object | None:
    """The record as the store gets it: decoded anew (its own objects), normalised."""
    (r,), _ = decode(encode(rec), max_bytes=1 << 20)
    spans, _ = normalize([r])
    if not spans:
        return None
    # A bare end (SpanEnd): the store ends the stored span with it as with this report of it.
    return spans[0].as_span() if isinstance(spans[0], SpanEnd) else spans[0]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(span_records, span_records, st.sampled_from(["other", "repeat", "repeat+end"]))
def test_merge_same_equals_merge_span(a: object, b: object, shape: str) -> None:
    if shape != "other":
        # b repeats a's fields as a span_end (the SDK's), with b's status, usage, tool and events when set
        fields = {k: v for k, v in msgspec.structs.asdict(a).items() if k != "end_ns"}
        if shape == "repeat+end":
            for f in ("status", "status_message", "usage", "tool", "events"):
                v = getattr(b, f)
                if v is not None and v != ():
                    fields[f] = v
        b = SpanEndRecord(**fields, end_ns=getattr(b, "end_ns", None) or a.start_ns or 0)
    olds = [_span(a), _span(a)]
    news = [_span(b), _span(b)]
    if olds[0] is None or news[0] is None:
        return  # refused by normalize: never reaches the store
    for new, old in zip(news, olds, strict=True):
        # The store's upsert: the newer report carries the stored span's ids.
        new.trace_id, new.span_id, new.session_id = old.trace_id, old.span_id, old.session_id
    want = merge_span(olds[0], news[0])
    got = merge_same(olds[1], news[1])
    assert msgspec.structs.asdict(got) == msgspec.structs.asdict(want)
    assert [type(v) for v in got.attributes.values()] == [type(v) for v in want.attributes.values()]


# -- the real SDK over real sockets -------------------------------------------------------
class Wire:
    """What the SDK wrote, read record by record from a TCP connection or UDP datagrams."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.records: list[dict] = []
        self._unread: list[dict] = []
        if kind == "tcp":
            self.srv = socket.create_server(("127.0.0.1", 0))
            self.srv.settimeout(10)
            self.endpoint = f"tcp://127.0.0.1:{self.srv.getsockname()[1]}"
            self.conn: socket.socket | None = None
            self.stream = None
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind(("127.0.0.1", 0))
            self.sock.settimeout(10)
            self.endpoint = f"udp://127.0.0.1:{self.sock.getsockname()[1]}"

    def accept(self) -> None:
        """(TCP) Take the SDK's next connection; records are read from it from now on."""
        if self.stream is not None:
            self.stream.close()
            self.conn.close()  # type: ignore[union-attr]
        self.conn, _ = self.srv.accept()
        self.conn.settimeout(10)
        self.stream = self.conn.makefile("rb")

    def next(self) -> dict | None:
        """The next record (None at the end of a TCP stream)."""
        while not self._unread:
            if self.kind == "tcp":
                line = self.stream.readline()  # type: ignore[union-attr]
                if not line:
                    return None
                got = [json.loads(line)]
            else:
                got = json.loads(self.sock.recv(65536))
                got = got if isinstance(got, list) else [got]
            self._unread += [r for r in got if r["type"] != "session"]
        rec = self._unread.pop(0)
        self.records.append(rec)
        return rec

    def started(self, tracer: Tracer, span: object) -> None:
        """Read until the span's span_start: the SDK sent it while the span runs."""
        tracer.flush(5)
        sid = span.span_id  # type: ignore[attr-defined]
        for _ in range(10_000):
            rec = self.next()
            assert rec is not None, "the stream ended before the span_start"
            if rec["type"] == "span_start" and rec["span_id"] == sid:
                return
        raise AssertionError("no span_start")

    def rest(self, tracer: Tracer) -> None:
        tracer.close()
        if self.kind == "tcp":
            while self.next() is not None:
                pass
            self.stream.close()  # type: ignore[union-attr]
            self.conn.close()  # type: ignore[union-attr]
            self.srv.close()
        else:
            self.sock.settimeout(0.5)
            try:
                while True:
                    self.next()
            except TimeoutError:
                pass
            self.sock.close()


def _agent(tracer: Tracer, wire: Wire) -> list:
    """An agent's spans, each kept running until its span_start was read (so the SDK
    sends span_start, then span_end); returns the spans."""
    spans = []
    with tracer.span("orchestrator", "agent", tenant="acme") as root:
        spans.append(root)
        root.set_agent(name="orchestrator", iteration=1, state="running")
        wire.started(tracer, root)
        for i in range(6):
            if i % 3 == 0:
                with tracer.span("chat claude-sonnet-4", "llm_call", step=i) as s:
                    s.set_llm(model="claude-sonnet-4", provider="anthropic", temperature=0.2, prompt="summarise")
                    wire.started(tracer, s)
                    s.set_llm(stop_reason="end_turn", response="the cause is")
                    s.set_tokens(1000 + i, 50 + i, cache_read=100)
            elif i % 3 == 1:
                with tracer.span("bash", "tool_execution", step=i) as s:
                    s.set_tool(name="bash", action="run", target="make", input="make test")
                    wire.started(tracer, s)
                    s.set_tool(status="error" if i == 4 else "ok", output="exit 1" if i == 4 else "ok")
                    if i == 4:
                        s.set_status("error", "exit 1", "1")
            else:
                with tracer.span("read file", "file_read", step=i) as s:
                    s.set_file(path=f"/a/{i}.md", operation="read")
                    s.add_event("opened", {"fd": 3})
                    wire.started(tracer, s)
                    s.set_file(bytes=4096)
                    if i == 2:
                        s.set_attribute("cached", True)  # a changed attribute: the end repeats everything
            spans.append(s)
        root.set_agent(state="done")
    return spans


def _complete(spans: list) -> list[bytes]:
    """The same spans as the SDK sends a span that ended before its sender took it:
    one complete record each, built by the SDK's own record builder."""
    ref = Tracer("reference", endpoint="none", set_global=False)
    ref.close()
    enc = msgspec.json.Encoder().encode
    out = []
    for s in spans:
        s._wire = 0
        out.append(enc(ref._sender._span_record(s)))
    return out


def _lines(recs: list[dict], *types: str) -> list[bytes]:
    return [json.dumps(r).encode() for r in recs if r["type"] in types]


async def _run(path: Path, batches: list[list[bytes]], hold: bool = False) -> Store:
    """The batches into a fresh store and database file; ``hold``: span_starts held for their
    ends (``Pipeline.hold``) on a clock that stands still, so every end comes in time."""
    store = Store()
    pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    if hold:
        pipe.hold(lambda _delay, _call: None, clock=lambda: 0.0)
    w = Writer(store, path, interval_s=3600)
    await w.start()
    for b in batches:
        assert pipe.feed_many(b, "tcp") == len(b)
        store.totals  # noqa: B018 - the read folds: the starts are counted as running
        await w.flush()
    pipe.release()
    await w.close()
    return store


async def _assert_same(tmp_path: Path, live: list[list[bytes]], complete: list[bytes], hold: bool = False) -> None:
    want = await _run(tmp_path / "complete.db", [complete])
    got = await _run(tmp_path / "live.db", live, hold)
    assert got.totals.running == 0 and got.totals.spans == want.totals.spans == len(complete)
    assert got.totals.cost > 0
    for w in want.iter_spans():
        g = got.span(w.trace_id, w.span_id)
        assert g is not None
        assert msgspec.structs.asdict(g) == msgspec.structs.asdict(w), w.name
    assert totals_of(got.totals) == totals_of(want.totals)
    for tid in want.traces:
        assert totals_of(got.traces[tid].totals) == totals_of(want.traces[tid].totals)
    for sid in want.sessions:
        assert totals_of(got.sessions[sid].totals) == totals_of(want.sessions[sid].totals)
    with Reader(tmp_path / "complete.db") as a, Reader(tmp_path / "live.db") as b:
        for tid in want.traces:
            assert b.spans_of_trace(tid) == a.spans_of_trace(tid)
            assert msgspec.structs.asdict(b.trace(tid)) == msgspec.structs.asdict(a.trace(tid))


@pytest.mark.parametrize("hold", [False, True], ids=["unheld", "held"])
@pytest.mark.parametrize("transport", ["tcp", "udp"])
async def test_sdk_live_span_equals_the_complete_span(tmp_path: Path, transport: str, hold: bool) -> None:
    wire = Wire(transport)
    tracer = Tracer("live test", endpoint=wire.endpoint, set_global=False)
    if transport == "tcp":
        wire.accept()
    spans = _agent(tracer, wire)
    wire.rest(tracer)
    recs = wire.records
    ends = [r for r in recs if r["type"] == "span_end"]
    assert len(ends) == len(spans) == 7 and not [r for r in recs if r["type"] == "span"]
    by_id = {r["span_id"]: r for r in ends}
    if transport == "udp":
        # A datagram may be lost: every span_end repeats the whole span.
        for s in spans:
            end = by_id[s.span_id]
            assert end["attributes"] == s.attributes and end["name"] == s.name
            for part in ("llm", "tool", "agent", "file", "usage"):
                assert end.get(part) == getattr(s, part)
    else:
        # A stream loses nothing: a span_end says what changed since its span_start (the
        # fields of a part that changed, and a part new at the end whole), and repeats all
        # when attributes changed.
        llm = by_id[spans[1].span_id]
        assert "attributes" not in llm and llm["usage"] == spans[1].usage
        assert llm["llm"] == {"stop_reason": "end_turn", "response_preview": "the cause is"}
        assert "attributes" not in by_id[spans[0].span_id] and by_id[spans[0].span_id]["agent"] == {"state": "done"}
        assert by_id[spans[2].span_id]["tool"] == {"status": "ok", "output_preview": "ok"}
        changed = by_id[spans[3].span_id]
        assert changed["attributes"] == {"step": 2, "cached": True} and changed["file"] == spans[3].file
        for s in spans:
            end = by_id[s.span_id]
            if s is spans[3]:
                assert (end["name"], end["kind"], end["session_id"]) == (s.name, s.kind, s.session_id)
            else:
                assert not {"name", "kind", "session_id", "start_ns", "parent_span_id"} & end.keys()
    live = [_lines(recs, "span_start", "event"), _lines(ends[:3], "span_end"), _lines(ends[3:], "span_end")]
    await _assert_same(tmp_path, live, _complete(spans), hold)


def _connected(name: str) -> tuple[Wire, Tracer]:
    """A tracer sending over TCP to a Wire that took its connection."""
    wire = Wire("tcp")
    tracer = Tracer(name, endpoint=wire.endpoint, set_global=False)
    wire.accept()
    return wire, tracer


async def test_a_span_end_after_a_reconnect_repeats_the_whole_span(tmp_path: Path) -> None:
    """The span_start went out on a connection that is gone: the monitor at the other
    end of the next one may never have seen it, so the span_end carries everything."""
    wire, tracer = _connected("reconnect test")
    with tracer.span("chat claude-sonnet-4", "llm_call", step=1) as s:
        s.set_llm(model="claude-sonnet-4", provider="anthropic", prompt="summarise")
        wire.started(tracer, s)
        # The monitor goes away; the SDK sees it on a send, then connects again.
        wire.stream.close()  # type: ignore[union-attr]
        wire.conn.close()  # type: ignore[union-attr]
        transport = tracer._sender.transport
        for i in range(1000):  # bounded: a few sends fail, then a retry after the backoff connects
            if transport.connects == 2:
                break
            tracer.metric("probe", i)
            tracer.flush(5)
            time.sleep(0.01)
        assert transport.connects == 2
        wire.accept()
        s.set_tokens(1000, 50)
    wire.rest(tracer)
    (end,) = [r for r in wire.records if r["type"] == "span_end"]
    assert end["attributes"] == {"step": 1} and end["llm"] == s.llm and end["usage"] == s.usage
    # A monitor that got only the span_end (it never saw the start) has the whole span.
    got = await _run(tmp_path / "end.db", [_lines([end], "span_end")])
    want = await _run(tmp_path / "complete.db", [_complete([s])])
    (w,) = want.iter_spans()
    assert msgspec.structs.asdict(got.span(w.trace_id, w.span_id)) == msgspec.structs.asdict(w)


async def test_a_too_large_short_span_end_is_cut_down_and_still_merges(tmp_path: Path) -> None:
    """A stream's span_end that says only what changed, too large to send (a huge
    stop reason): cut down as any record is, it still names nothing it did not change."""
    wire, tracer = _connected("trim test")
    with tracer.span("chat claude-sonnet-4", "llm_call", step=1) as s:
        s.set_llm(model="claude-sonnet-4", provider="anthropic", prompt="summarise")
        wire.started(tracer, s)
        s.set_llm(stop_reason="x" * 200_000)
        s.set_tokens(1000, 50)
    wire.rest(tracer)
    (end,) = [r for r in wire.records if r["type"] == "span_end"]
    assert end["attributes"] == {"agenttrace.truncated": True} and len(end["llm"]["stop_reason"]) == 1000
    assert not {"name", "kind", "session_id", "start_ns"} & end.keys() and end["llm"].keys() == {"stop_reason"}
    got = await _run(tmp_path / "trim.db", [_lines(wire.records, "span_start"), _lines([end], "span_end")])
    span = got.span(s.trace_id, s.span_id)
    assert span is not None and span.name == "chat claude-sonnet-4" and span.end_ns == s.end_ns
    assert span.llm.model == "claude-sonnet-4" and span.llm.stop_reason == "x" * 1000
    assert span.usage.input == 1000 and span.attributes == {"step": 1, "agenttrace.truncated": True}


# -- the rule behind a stream's shorter span_end, on random spans ---------------------------
_CONVENTION_ATTRS = [("gen_ai.request.model", "gpt-x"), ("gen_ai.usage.input_tokens", 7),
                     ("gen_ai.request.temperature", 0.5), ("tool.name", "grep"), ("plain", 1)]


def _random_fields(span: object, rnd: random.Random, end: bool) -> None:
    """set_* calls an agent may make at a span's start or end, some of them replacing a part
    whole (fields lost) or zeroing tokens, some attributes the monitor reads into parts."""
    s = span
    r = rnd.random()
    if r < 0.3:
        s.set_llm(model=rnd.choice(["m1", "m2", None]), provider=rnd.choice(["p", None]),
                  temperature=rnd.choice([None, 0.0, 0.2]), stop_reason="end" if end else None)
    if rnd.random() < 0.3:
        s.set_tokens(rnd.choice([0, 5, 900]), rnd.choice([0, 3, 40]), cache_read=rnd.choice([0, 10]))
    if rnd.random() < 0.3:
        s.set_tool(name=rnd.choice(["grep", "bash", None]), status="ok" if end else None, input="x")
    if rnd.random() < 0.2:
        s.set_agent(name="a", state="done" if end else "running")
    if rnd.random() < 0.15:
        s.llm = {"model": "m3"}  # replaced whole: fields it had are gone
    if rnd.random() < 0.3:
        k, v = rnd.choice(_CONVENTION_ATTRS)
        s.set_attribute(k, v)


@pytest.mark.parametrize("seed", range(6))
def test_a_streams_span_end_merges_as_the_full_repeat(seed: int) -> None:
    """Start and end records from the SDK's own builder: the span_end a stream gets
    (what changed) and the one UDP gets (everything again), each merged into the
    same span_start: equal spans and totals, whatever the agent set at either end."""
    rnd = random.Random(seed)
    tracer = Tracer("rule", endpoint="none", set_global=False)
    tracer.close()
    sender = tracer._sender
    assert sender.stream
    enc = msgspec.json.Encoder().encode
    starts, short, full = [], [], []
    for _ in range(150):
        with tracer.span("work", rnd.choice(["llm_call", "tool_execution", "custom"]),
                         **dict(rnd.sample(_CONVENTION_ATTRS, rnd.randrange(3)))) as s:
            _random_fields(s, rnd, end=False)
            starts.append(enc(sender._span_record(s)))
            _random_fields(s, rnd, end=True)
            if rnd.random() < 0.1:
                s.name = "work, renamed"
            if rnd.random() < 0.1:
                s.kind = rnd.choice(["llm_call", "file_read", "custom"])
        sent = s._sent
        s._sent = None
        full.append(enc(sender._span_record(s)))  # no start to compare with: everything
        s._wire, s._sent = 1, sent
        short.append(enc(sender._span_record(s)))
        sender.queue.clear()
    stores = []
    for ends in (full, short):
        store = Store()
        pipe = Pipeline(store)
        pipe.feed_many(starts, "tcp")
        store.totals  # noqa: B018 - the starts are counted as running
        pipe.feed_many(ends, "tcp")
        stores.append(store)
    want, got = stores
    assert got.span_count == want.span_count == 150 and got.totals.running == 0
    for w in want.iter_spans():
        assert msgspec.structs.asdict(got.span(w.trace_id, w.span_id)) == msgspec.structs.asdict(w)
    assert totals_of(got.totals) == totals_of(want.totals)
    shorter = [e for e in short if b'"attributes"' not in e and b'"session_id"' not in e]
    assert len(shorter) > 10 and len(short) - len(shorter) > 10  # both kinds of span_end were sent
    renamed = [r for r in map(json.loads, shorter) if "name" in r]
    assert renamed and all("kind" in r for r in renamed)  # a new name goes with the kind
