"""A live span's start is held for its end, so a span that ends soon is stored once.

The monitor holds each span_start it receives natively for up to ``HOLD_S``
(``Pipeline.hold``); an end that comes in that time is merged with it and the
two are stored as one complete span (tests/test_live_spans.py and
tests/test_live_repeat.py check that the result equals the span sent complete).
Here, with the real monitor on a real TCP socket and a real SQLite file: a
start and its end sent together are one update of the store; a start alone
shows as running once its hold is up, and its later end completes it; the
starts still held when the monitor stops are in the file; and a batch that
breaks the store gives the starts it ended back, so the retry payload by
payload stores them whole.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agenttrace_tui.config import Config
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.ingest.protocol import encode
from agenttrace_tui.model import Status
from agenttrace_tui.normalize.limits import MAX_NESTING, MAX_TOKENS
from agenttrace_tui.normalize.records import SpanEndRecord, SpanStartRecord
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.reader import Reader
from test_normalize_parts import common_span_records, sdk_ends
from test_protocol import span_records

T0 = 1_700_000_000_000_000_000


def start(span_id: str, **extra: Any) -> dict:
    rec = {"v": 1, "type": "span_start", "trace_id": "t-hold", "span_id": span_id, "session_id": "held",
           "name": f"step {span_id}", "kind": "tool_execution", "start_ns": T0, "tool": {"name": "bash"}}
    rec.update(extra)
    return rec


def end(span_id: str, status: str = "ok") -> dict:
    return {"v": 1, "type": "span_end", "trace_id": "t-hold", "span_id": span_id, "end_ns": T0 + 5_000, "status": status}


def lines(*recs: dict) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in recs)


async def send(port: int, data: bytes) -> None:
    def go() -> None:
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(data)

    await asyncio.to_thread(go)


async def until(cond: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        await asyncio.sleep(0.01)
    return bool(cond())


def config(tmp_path: Path) -> Config:
    return Config(db=str(tmp_path / "m.db"), udp_port=None, tcp_port=0, socket="", otlp_port=None, otlp_grpc_port=None)


async def test_a_start_and_its_end_sent_together_are_stored_once_complete(tmp_path: Path) -> None:
    mon = Monitor(config(tmp_path))
    await mon.start()
    try:
        assert mon.receivers is not None and mon.receivers.tcp_address is not None
        before = mon.store.updates
        await send(mon.receivers.tcp_address[1], lines(start("a"), end("a", "error")))
        assert await until(lambda: mon.store.span("t-hold", "a") is not None)
        span = mon.store.span("t-hold", "a")
        assert span is not None and span.end_ns == T0 + 5_000 and span.status is Status.ERROR
        assert span.name == "step a" and span.tool is not None and span.tool.name == "bash"
        assert mon.store.updates == before + 1  # not a running span first, then its end
        assert mon.stats.accepted == {"tcp": 2}
    finally:
        await mon.stop()
    with Reader(tmp_path / "m.db") as r:
        (stored,) = r.spans_of_trace("t-hold")
        assert stored.end_ns == T0 + 5_000 and stored.status is Status.ERROR and stored.name == "step a"


async def test_a_start_alone_shows_running_when_its_hold_is_up_and_its_end_completes_it(tmp_path: Path) -> None:
    mon = Monitor(config(tmp_path))
    await mon.start()
    try:
        assert mon.receivers is not None and mon.receivers.tcp_address is not None
        port = mon.receivers.tcp_address[1]
        await send(port, lines(start("b")))
        # Held first (the timer stores it when the hold is up), never lost in between.
        assert await until(lambda: mon.store.span("t-hold", "b") is not None or bool(mon.pipeline.holding.held))
        assert await until(lambda: mon.store.span("t-hold", "b") is not None)
        running = mon.store.span("t-hold", "b")
        assert running is not None and running.end_ns is None and running.status is Status.RUNNING
        assert not mon.pipeline.holding.held and mon.store.totals.running == 1
        await send(port, lines(end("b")))
        assert await until(lambda: (s := mon.store.span("t-hold", "b")) is not None and s.end_ns is not None)
        assert mon.store.totals.running == 0
    finally:
        await mon.stop()


async def test_the_starts_still_held_at_stop_are_in_the_file(tmp_path: Path) -> None:
    mon = Monitor(config(tmp_path))
    await mon.start()
    loop = asyncio.get_running_loop()
    mon.pipeline.hold(loop.call_later, hold_s=600)  # held until stop, whatever the machine's speed
    try:
        assert mon.receivers is not None and mon.receivers.tcp_address is not None
        await send(mon.receivers.tcp_address[1], lines(start("c"), start("d"), end("d")))
        assert await until(lambda: mon.store.span("t-hold", "d") is not None)
        assert list(mon.pipeline.holding.held) == ["c"] and mon.store.span("t-hold", "c") is None
    finally:
        await mon.stop()
    with Reader(tmp_path / "m.db") as r:
        got = {s.span_id: s for s in r.spans_of_trace("t-hold")}
    assert set(got) == {"c", "d"}
    assert got["c"].end_ns is None and got["c"].name == "step c" and got["d"].end_ns == T0 + 5_000


class _BreaksOnBoom(Store):
    """A store with a bug: a batch holding a span named "boom" fails (a fault, injected)."""

    def apply(self, updates: Any) -> int:
        if any(getattr(u, "name", "") == "boom" for u in updates):
            raise RuntimeError("store bug")
        return super().apply(updates)


def test_a_batch_that_breaks_the_store_gives_back_the_starts_it_ended() -> None:
    pipe = Pipeline(_BreaksOnBoom())
    pipe.hold(lambda _delay, _call: None, clock=lambda: 0.0)
    assert pipe.feed_many([json.dumps(start("e")).encode()], "tcp") == 1
    assert list(pipe.holding.held) == ["e"]
    boom = {"v": 1, "type": "span", "trace_id": "t-other", "span_id": "x", "name": "boom", "start_ns": T0,
            "end_ns": T0 + 1}
    # The batch fails; retried payload by payload, the end meets its start again and only "boom" is lost.
    assert pipe.feed_many([json.dumps(end("e")).encode(), json.dumps(boom).encode()], "tcp") == 1
    span = pipe.store.span("t-hold", "e")
    assert span is not None and span.name == "step e" and span.end_ns == T0 + 5_000
    assert pipe.stats.rejected == {"internal_error": 1} and not pipe.holding.held


def _held_pipeline() -> Pipeline:
    pipe = Pipeline(Store())
    pipe.hold(lambda _delay, _call: None, clock=lambda: 0.0)
    return pipe


def _feed(pipe: Pipeline, *recs: dict) -> int:
    return pipe.feed_many([json.dumps(r).encode() for r in recs], "tcp")


def test_an_end_the_quick_merge_does_not_take_is_merged_whole_and_stored_once() -> None:
    # A status not as the protocol spells it and a tool named alone: the end is normalised and
    # merged as the store merges a report, still one update, the same span as sent apart.
    recs = [start("f", llm={"model": "gpt-4o"}),
            {**end("f"), "status": "ERROR", "tool": "grep", "usage": {"input": 10, "output": 2}}]
    held, apart = _held_pipeline(), Pipeline(Store())
    assert _feed(held, *recs) == 2 and not held.holding.held
    for r in recs:
        _feed(apart, r)
    assert held.store.updates == 1
    got, want = held.store.span("t-hold", "f"), apart.store.span("t-hold", "f")
    assert got is not None and got == want
    assert got.status is Status.ERROR and got.tool is not None and got.tool.name == "grep"
    assert got.usage is not None and (got.usage.input, got.usage.output, got.usage.total) == (10, 2, 12)


def test_spans_of_two_traces_with_one_span_id_are_each_stored_with_their_own_end() -> None:
    pipe = _held_pipeline()
    other = {**start("s"), "trace_id": "t-other", "name": "other step"}
    assert _feed(pipe, start("s"), other) == 2
    # The second start of the id stored the first (running); each end still finds its own span.
    assert list(pipe.holding.held) == ["s"] and pipe.holding.held["s"][0].trace_id == "t-other"
    assert _feed(pipe, {**end("s"), "trace_id": "t-other"}, end("s", "error")) == 2
    mine, theirs = pipe.store.span("t-hold", "s"), pipe.store.span("t-other", "s")
    assert mine is not None and mine.name == "step s" and mine.status is Status.ERROR and mine.end_ns == T0 + 5_000
    assert theirs is not None and theirs.name == "other step" and theirs.status is Status.OK
    assert pipe.stats.accepted == {"tcp": 4} and not pipe.holding.held


def test_a_refused_end_counts_one_reject_with_its_payload_and_its_start_shows_running() -> None:
    pipe = _held_pipeline()
    _feed(pipe, start("g"))
    bad = {**end("g"), "status": "finished"}
    assert _feed(pipe, bad) == 0  # (its start was counted when it came)
    assert pipe.stats.rejected == {"invalid_field": 1}
    (last,) = [r for r in pipe.stats.recent if r.reason == "invalid_field"]
    assert "finished" in last.detail and "span_end" in last.preview
    span = pipe.store.span("t-hold", "g")
    assert span is not None and span.status is Status.RUNNING and span.end_ns is None
    assert pipe.stats.accepted == {"tcp": 1} and not pipe.holding.held


def test_a_read_with_a_bad_record_stores_a_held_start_and_its_end_all_the_same() -> None:
    pipe = _held_pipeline()
    _feed(pipe, start("h"))
    wrong = {"v": 1, "type": "span", "trace_id": "t-hold", "span_id": "w", "name": "w", "start_ns": T0,
             "end_ns": T0 - 1}  # ends before it starts: refused
    assert _feed(pipe, end("h"), wrong) == 1
    span = pipe.store.span("t-hold", "h")
    assert span is not None and span.end_ns == T0 + 5_000 and span.status is Status.OK and span.name == "step h"
    assert pipe.stats.rejected == {"invalid_field": 1} and pipe.stats.accepted == {"tcp": 2}
    assert pipe.store.span("t-hold", "w") is None and not pipe.holding.held


def test_starts_whose_time_is_up_are_stored_running_and_counted_once() -> None:
    now = [0.0]
    pipe = Pipeline(Store())
    pipe.hold(lambda _delay, _call: None, clock=lambda: now[0])
    assert _feed(pipe, start("i"), start("j")) == 2
    now[0] = 1.0
    assert pipe.release(due_only=True) == 2
    assert all((s := pipe.store.span("t-hold", k)) is not None and s.status is Status.RUNNING for k in "ij")
    assert pipe.stats.accepted == {"tcp": 2}
    assert _feed(pipe, end("i")) == 1 and pipe.stats.accepted == {"tcp": 3}
    done = pipe.store.span("t-hold", "i")
    assert done is not None and done.end_ns == T0 + 5_000 and done.name == "step i"


@pytest.mark.parametrize("end_brings", ["plain", "more"])
def test_an_end_the_door_refuses_for_its_time_is_refused_alone(end_brings: str) -> None:
    """An end a day or more in the future is refused by the door (``bad_time``); held, its start is not
    refused with it: stored running, as if the two had come apart (a plain end, or one that brings a
    name and attributes of its own)."""
    pipe = _held_pipeline()
    _feed(pipe, start("k"))
    later = {**end("k"), "end_ns": time.time_ns() + 2 * 86_400 * 10**9}
    if end_brings == "more":
        later.update(name="step k, done", attributes={"attempt": 2})
    assert _feed(pipe, later) == 0
    assert pipe.stats.rejected == {"bad_time": 1} and pipe.stats.accepted == {"tcp": 1}
    span = pipe.store.span("t-hold", "k")
    assert span is not None and span.status is Status.RUNNING and span.end_ns is None and span.name == "step k"


def _nested(depth: int) -> Any:
    v: Any = "leaf"
    for _ in range(depth):
        v = [v]
    return v


@pytest.mark.parametrize("end_brings", ["more", "repeat"])
def test_an_end_nested_too_deep_is_refused_alone(end_brings: str) -> None:
    """An end whose attributes the door refuses (nested deeper than it takes) does not take its held
    start with it: the start is stored running, and the one reject shows the end's payload."""
    pipe = _held_pipeline()
    first = start("n", attributes={"attempt": 1})
    _feed(pipe, first)
    bad = {**end("n"), "attributes": {"plan": _nested(MAX_NESTING + 5)}}
    if end_brings == "repeat":
        bad = {**first, **bad, "type": "span_end"}
    assert _feed(pipe, bad) == 0  # (its start was counted when it came)
    assert pipe.stats.rejected == {"too_deep": 1} and pipe.stats.accepted == {"tcp": 1}
    (last,) = pipe.stats.recent
    assert last.reason == "too_deep" and '"span_end"' in last.preview
    span = pipe.store.span("t-hold", "n")
    assert span is not None and span.status is Status.RUNNING and span.end_ns is None
    assert span.name == "step n" and span.attributes == {"attempt": 1} and not pipe.holding.held


def test_a_start_nested_too_deep_is_refused_alone_and_its_plain_end_stored() -> None:
    """The other way round: a held start the door refuses does not take its end (and the tokens the end
    reports) with it. The end is stored as an end with no start is, a span of no length."""
    pipe = _held_pipeline()
    _feed(pipe, start("o", attributes={"plan": _nested(MAX_NESTING + 5)}))
    assert _feed(pipe, {**end("o"), "usage": {"input": 120, "output": 30}}) == 0
    assert pipe.stats.rejected == {"too_deep": 1} and pipe.stats.accepted == {"tcp": 1}
    (last,) = pipe.stats.recent
    assert '"span_start"' in last.preview
    span = pipe.store.span("t-hold", "o")
    assert span is not None and span.status is Status.OK and span.start_ns == span.end_ns == T0 + 5_000
    assert span.usage is not None and (span.usage.input, span.usage.output) == (120, 30)


@pytest.mark.parametrize("bad_one", ["start", "end"])
def test_tokens_out_of_range_in_one_report_leave_the_others(bad_one: str) -> None:
    """A start and an end that both report tokens, one of them out of range: the door drops that usage
    (a fix, counted), and the span keeps the other report's tokens, as stored apart; merged first,
    the bad usage's fields in range would have stayed or taken the good ones with it."""
    good, bad = {"input": 1_200, "output": 80}, {"input": -1, "output": 5, "reasoning": 7}
    recs = [start("p", kind="llm_call", tool=None, llm={"model": "gpt-4o"}, usage=bad if bad_one == "start" else good),
            {**end("p"), "usage": good if bad_one == "start" else bad, "attributes": {"attempt": 2}}]
    held, apart = _held_pipeline(), Pipeline(Store())
    assert _feed(held, *recs) == 2
    for r in recs:
        _feed(apart, r)
    for pipe in (held, apart):
        span = pipe.store.span("t-hold", "p")
        assert span is not None and span.usage is not None
        assert (span.usage.input, span.usage.output, span.usage.reasoning) == (1_200, 80, 0)
        assert pipe.stats.fixed == {"bad_tokens": 1} and not pipe.stats.rejected
    assert held.store.span("t-hold", "p") == apart.store.span("t-hold", "p")


def test_an_empty_status_code_in_a_repeating_end_sets_nothing() -> None:
    """An end that repeats its start but adds an empty status code: the span has no code, held (the
    end alone stands for the span) or stored apart (merged, an empty code sets nothing)."""
    first = start("q", status_code=None)
    recs = [first, {**first, **end("q"), "type": "span_end", "status_code": ""}]
    held, apart = _held_pipeline(), Pipeline(Store())
    _feed(held, *recs)
    for r in recs:
        _feed(apart, r)
    for pipe in (held, apart):
        span = pipe.store.span("t-hold", "q")
        assert span is not None and span.status is Status.OK and span.status_code is None


# -- any start and any end: held, the same span as stored apart ------------------------------
def _stored(recs: list, hold: bool, split: bool) -> tuple[dict | None, dict, dict]:
    """The span the pipeline stores for these records (fed as one read, or a read each when ``split``),
    what it rejected and what it fixed, by reason; starts held (``hold``) or stored as they come."""
    pipe = Pipeline(Store())
    if hold:
        pipe.hold(lambda _delay, _call: None, clock=lambda: 0.0)
    lines = [encode(r) for r in recs]
    for read in ([ln] for ln in lines) if split else [lines]:
        pipe.feed_many(read, "tcp")
    pipe.release()
    span = pipe.store.span(recs[0].trace_id, recs[0].span_id)
    return (msgspec.structs.asdict(span) if span is not None else None), dict(pipe.stats.rejected), dict(pipe.stats.fixed)


def _sum_beyond_door(recs: list) -> bool:
    """Whether a record's input and output tokens, each within the door's limit, sum beyond it."""
    return any((u := r.usage) is not None and max(u.input, u.output, u.total, u.cache_read, u.cache_write, u.reasoning)
               <= MAX_TOKENS < u.input + u.output for r in recs)


def _assert_fixes(held: dict, apart: dict, start_rec: Any) -> None:
    """The values the door fixed, held as stored apart; but a value of the start that the door fixes
    (a number out of range in one of its parts, say) and its end replaces is not counted when held:
    the door sees the two as one span, which has the end's."""
    _, _, start_alone = _stored([start_rec], hold=False, split=True)
    for reason in set(held) | set(apart):
        assert apart.get(reason, 0) - start_alone.get(reason, 0) <= held.get(reason, 0) <= apart.get(reason, 0), (
            held, apart, start_alone)


def _assert_held_as_apart(recs: list, split: bool) -> None:
    """A start and its end (``recs``), the start held (the two in one read, or a read each when
    ``split``): the span, the rejects and the fixes that storing the two apart gives."""
    assume(not _sum_beyond_door(recs))
    apart, apart_rejects, fixed = _stored(recs, hold=False, split=True)
    held, held_rejects, held_fixed = _stored(recs, hold=True, split=split)
    assert held == apart, (held, apart)
    assert held_rejects == apart_rejects
    _assert_fixes(held_fixed, fixed, recs[0])


#: What a span_end carries besides the ids: how the span ended and the parts an end may repeat or
#: fill (a plain end, merged as it is), and the fields an end may also bring (merged whole).
_END_FIELDS = ("status", "status_message", "status_code", "llm", "tool", "agent", "rag", "file", "usage")
_MORE_FIELDS = ("name", "kind", "attributes", "events", "cost", "start_ns")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(span_records, span_records, st.sampled_from(["plain", "more", "repeat"]), st.booleans(), st.booleans())
def test_a_held_start_and_its_end_are_stored_as_the_two_stored_apart(
        a: Any, b: Any, shape: str, split: bool, same_read: bool) -> None:
    """Whatever a span_start and its span_end carry (a plain end, one that brings a name, attributes,
    events, a cost or a start of its own, one that repeats the start's fields; statuses, parts, tools
    and times as sent, valid or not), the held start merged with its end gives the span, and the
    rejects and fixes, that storing the two as they come gives; a start or end with a value the door
    fixes or refuses (tokens, a cost or a number out of range, attributes nested too deep) included:
    the door checks such a span as the two it was made of (``Pipeline.apply``'s ``apart``). Not
    compared: tokens whose sum passes the door's limit though each count is within it (stored apart,
    the sum is made after the door and kept; held, before it, and the usage dropped), and what only
    the monitor makes (``_as_sent``)."""
    a, b = _as_sent(a), _as_sent(b)
    fields = {k: v for k, v in msgspec.structs.asdict(a).items() if k not in ("end_ns", "type")}
    start_rec = SpanStartRecord(**{**fields, "name": fields.get("name") or "step", "start_ns": fields.get("start_ns") or 1})
    end_fields = {"v": 1, "trace_id": start_rec.trace_id, "span_id": start_rec.span_id,
                  "end_ns": max(getattr(b, "end_ns", None) or 0, start_rec.start_ns)}
    for f in _END_FIELDS + (_MORE_FIELDS if shape == "more" else ()):
        v = getattr(b, f, None)
        if v is not None and v != () and v != {}:
            end_fields[f] = v
    if shape == "repeat":
        end_fields = {**fields, **end_fields}
    end_rec = SpanEndRecord(**end_fields)
    _assert_held_as_apart([start_rec, end_rec], split or not same_read)


def _as_sent(rec: Any) -> Any:
    """The record without what only the monitor makes: a computed cost or one it calls unknown,
    estimated tokens."""
    cost, usage = rec.cost, rec.usage
    return msgspec.structs.replace(
        rec, cost=None if cost is None or cost.source in ("computed", "unknown") else cost,
        usage=msgspec.structs.replace(usage, estimated=False) if usage is not None and usage.estimated else usage)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(common_span_records.map(lambda r: msgspec.structs.replace(_as_sent(r), kind=r.kind or "agent")),
       sdk_ends.map(_as_sent),
       st.sampled_from(["plain", "more", "repeat"]), st.booleans(), st.booleans())
def test_a_common_start_and_an_sdk_shaped_end_are_stored_as_the_two_stored_apart(
        a: Any, b: Any, shape: str, split: bool, same_read: bool) -> None:
    """The same, for the records most senders send (exact kinds and statuses, typed parts each naming
    its first field, usage; near misses too), which a held start and its plain end are normalised from
    as one span in one call, the end's part fields written onto the start's parts. A start that names
    its kind (our SDK's always do): one that does not is given the kind its parts suggest, which an end
    repeating it with other parts changes, and stored apart the start's usage keeps the scope of the
    first guess (an agent's, for its subtree), stored once that of the last. No cost sent as computed
    or unknown and no tokens as estimated: those are the monitor's to make (it prices and counts a
    span itself when it stores it, so stored apart the start's are remade before the end comes,
    stored once they are merged with the end's as sent). An end that brings more names the span as its start does: one
    whose name or kind makes it another kind of span leaves usage the scope of the start's kind
    stored apart, of its own stored once (the first test's random kinds rarely meet that)."""
    if shape == "more":
        b = msgspec.structs.replace(b, name=a.name, kind=a.kind)
    test_a_held_start_and_its_end_are_stored_as_the_two_stored_apart.hypothesis.inner_test(  # type: ignore[attr-defined]
        a, b, shape, split, same_read)


def _filled(start_part: Any, end_part: Any) -> Any:
    """The start's part with the end's set fields on it (what our SDK's UDP span_end repeats)."""
    if (start_part is None or end_part is None or start_part.__class__ is not end_part.__class__
            or not isinstance(end_part, msgspec.Struct)):
        return start_part if end_part is None else end_part
    return msgspec.structs.replace(start_part, **{k: v for k, v in msgspec.structs.asdict(end_part).items()
                                                  if v is not None})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(common_span_records.map(lambda r: msgspec.structs.replace(_as_sent(r), kind=r.kind or "agent")),
       sdk_ends.map(_as_sent), st.booleans(), st.booleans())
def test_an_end_that_repeats_its_start_is_stored_as_the_two_stored_apart(
        a: Any, b: Any, split: bool, same_read: bool) -> None:
    """An end that repeats its whole start and adds to it, as our SDK's does over UDP (the same
    name, kind, start, session, parent, attributes and events; each part of the start with the
    end's fields on it; the end's status and usage when the start had none): stored in the end's
    place alone (``hold.repeats``), it gives the span and the rejects the two stored apart give."""
    fields = {k: v for k, v in msgspec.structs.asdict(a).items() if k not in ("end_ns", "type")}
    start_rec = SpanStartRecord(**{**fields, "name": fields.get("name") or "step", "start_ns": fields.get("start_ns") or 1})
    end_fields = {**msgspec.structs.asdict(start_rec), "end_ns": max(b.end_ns, start_rec.start_ns)}
    end_fields.pop("type", None)
    for part in ("llm", "tool", "agent", "rag", "file"):
        end_fields[part] = _filled(getattr(start_rec, part), getattr(b, part))
    for f in ("status", "status_message", "status_code"):
        if getattr(b, f) is not None:
            end_fields[f] = getattr(b, f)
    if start_rec.usage is None:
        end_fields["usage"] = b.usage
    _assert_held_as_apart([start_rec, SpanEndRecord(**end_fields)], split or not same_read)
