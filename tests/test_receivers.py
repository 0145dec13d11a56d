"""Native receivers over real sockets on 127.0.0.1: UDP, TCP and a Unix socket.

Every test sends real bytes through the kernel into the real Pipeline and
Store, then polls (bounded) for the outcome; nothing asserts on timing.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import pickle
import socket
import stat
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.ingest.receivers import (
    PortInUseError,
    ReceiverSet,
    default_socket_path,
    start_receivers,
)
from agenttrace_tui.model import (
    AgentInfo,
    Cost,
    FileInfo,
    LlmInfo,
    RagInfo,
    Span,
    SpanEvent,
    SpanKind,
    SpanLink,
    Status,
    TokenUsage,
    ToolInfo,
)
from agenttrace_tui.store.memory import Store

LIMIT = 4096  # max_record_bytes for these tests: small, so "oversized" is cheap to provoke
T0 = 1_700_000_000_000_000_000


async def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``cond`` on the loop (so receivers keep running) until true or fail."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.01)


class Rig:
    """A running receiver set and ways to send to each of its transports."""

    def __init__(self, pipeline: Pipeline, rs: ReceiverSet) -> None:
        self.pipeline = pipeline
        self.store = pipeline.store
        self.stats = pipeline.stats
        self.rs = rs
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._streams: dict[str, asyncio.StreamWriter] = {}

    def send_udp(self, payload: bytes) -> None:
        self.udp.sendto(payload, self.rs.udp_address)

    async def stream(self, source: str) -> asyncio.StreamWriter:
        """One connection per transport, reused across sends (like a real sender)."""
        if source not in self._streams:
            if source == "tcp":
                _, writer = await asyncio.open_connection(*self.rs.tcp_address)
            else:
                _, writer = await asyncio.open_unix_connection(self.rs.unix_path)
            self._streams[source] = writer
        return self._streams[source]

    async def send_stream(self, source: str, data: bytes) -> None:
        writer = await self.stream(source)
        writer.write(data)
        await writer.drain()

    async def send(self, source: str, record: dict | list) -> None:
        data = json.dumps(record).encode()
        if source == "udp":
            self.send_udp(data)
        else:
            await self.send_stream(source, data + b"\n")

    async def close(self) -> None:
        self.udp.close()
        for writer in self._streams.values():
            writer.close()
        await self.rs.close()


@pytest.fixture
def short_dir() -> Any:
    # AF_UNIX paths are limited to ~107 bytes; pytest's tmp_path can be longer.
    with tempfile.TemporaryDirectory(prefix="at-") as d:
        yield Path(d)


@pytest.fixture
async def rig(short_dir: Path) -> AsyncIterator[Rig]:
    pipeline = Pipeline(Store(), max_record_bytes=LIMIT)
    rs = await start_receivers(
        pipeline, udp_port=0, tcp_port=0, unix_path=str(short_dir / "rx.sock"), max_record_bytes=LIMIT
    )
    r = Rig(pipeline, rs)
    yield r
    await r.close()


def good(i: int = 0, trace: str = "good-trace", **extra: Any) -> dict:
    rec = {
        "v": 1,
        "type": "span",
        "trace_id": trace,
        "span_id": f"g{i}",
        "name": f"step {i}",
        "start_ns": T0 + i,
        "end_ns": T0 + i + 1000,
    }
    rec.update(extra)
    return rec


def full_record(span_id: str) -> dict:
    """A span using every field of the wire format."""
    return {
        "v": 1,
        "type": "span",
        "sender": "test-sender",
        "seq": 1,
        "trace_id": "trace-full",
        "span_id": span_id,
        "parent_span_id": "root-0",
        "session_id": "session-full",
        "name": "messages.create",
        "kind": "llm_call",
        "start_ns": T0,
        "end_ns": T0 + 1_250_000_000,
        "status": "error",
        "status_message": "rate limited, retried",
        "status_code": "429",
        "llm": {
            "provider": "anthropic",
            "model": "claude-sonnet-4",
            "temperature": 0.25,
            "max_tokens": 2048,
            "stop_reason": "end_turn",
            "cached": True,
            "prompt_preview": "Summarise the diff",
            "response_preview": "The diff renames ü → u",
        },
        "tool": {
            "name": "grep",
            "action": "search",
            "target": "src/",
            "status": "ok",
            "call_id": "call-7",
            "input_preview": "grep -rn TODO",
            "output_preview": "3 matches",
        },
        "agent": {"name": "planner", "iteration": 3, "state": "acting", "stop_reason": "done"},
        "rag": {"query": "retry policy", "sources_found": 5, "top_score": 0.875},
        "file": {"path": "/tmp/x.py", "operation": "read", "bytes": 1234},
        "usage": {"input": 1200, "output": 300, "total": 1500, "cache_read": 800, "cache_write": 100, "reasoning": 40},
        "cost": {"total": 0.0123, "input": 0.0083, "output": 0.004, "source": "reported"},
        "events": [{"name": "retry", "time_ns": T0 + 5, "attributes": {"attempt": 2, "ok": False}}],
        "links": [{"trace_id": "trace-other", "span_id": "s-9", "attributes": {"rel": "follows_from"}}],
        "attributes": {"custom.key": "value", "count": 3, "ratio": 0.5, "flag": True, "nested": {"a": [1, 2, "x"]}},
    }


def expected_full(span_id: str) -> Span:
    """The Span the record above must become, field for field."""
    return Span(
        span_id=span_id,
        trace_id="trace-full",
        session_id="session-full",
        parent_span_id="root-0",
        name="messages.create",
        kind=SpanKind.LLM_CALL,
        start_ns=T0,
        end_ns=T0 + 1_250_000_000,
        status=Status.ERROR,
        status_message="rate limited, retried",
        status_code="429",
        llm=LlmInfo(
            provider="anthropic",
            model="claude-sonnet-4",
            temperature=0.25,
            max_tokens=2048,
            stop_reason="end_turn",
            cached=True,
            prompt_preview="Summarise the diff",
            response_preview="The diff renames ü → u",
        ),
        tool=ToolInfo(
            name="grep",
            action="search",
            target="src/",
            status="ok",
            call_id="call-7",
            input_preview="grep -rn TODO",
            output_preview="3 matches",
        ),
        agent=AgentInfo(name="planner", iteration=3, state="acting", stop_reason="done"),
        rag=RagInfo(query="retry policy", sources_found=5, top_score=0.875),
        file=FileInfo(path="/tmp/x.py", operation="read", bytes=1234),
        usage=TokenUsage(input=1200, output=300, total=1500, cache_read=800, cache_write=100, reasoning=40),
        cost=Cost(total=0.0123, input=0.0083, output=0.004, source="reported"),
        events=(SpanEvent(name="retry", time_ns=T0 + 5, attributes={"attempt": 2, "ok": False}),),
        links=(SpanLink(trace_id="trace-other", span_id="s-9", attributes={"rel": "follows_from"}),),
        attributes={"custom.key": "value", "count": 3, "ratio": 0.5, "flag": True, "nested": {"a": [1, 2, "x"]}},
    )


SOURCES = ["udp", "tcp", "unix"]


# -- round trips ----------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
async def test_round_trip_keeps_every_field(rig: Rig, source: str) -> None:
    await rig.send(source, full_record(f"full-{source}"))
    await wait_for(lambda: rig.store.span("trace-full", f"full-{source}") is not None)
    assert rig.store.span("trace-full", f"full-{source}") == expected_full(f"full-{source}")
    assert rig.stats.accepted[source] == 1
    assert not rig.stats.rejected


@pytest.mark.parametrize("source", SOURCES)
async def test_session_event_and_metric_records_arrive(rig: Rig, source: str) -> None:
    records = [
        {"v": 1, "type": "session", "session_id": "sess-a", "name": "refactor run", "service": "coder",
         "framework": "langgraph", "framework_version": "0.2", "hostname": "box", "tags": ["ci", "v2"],
         "started_ns": T0, "attributes": {"team": "infra"}},
        good(1, session_id="sess-a"),
        {"v": 1, "type": "event", "trace_id": "good-trace", "span_id": "g1", "name": "cache hit",
         "time_ns": T0 + 10, "attributes": {"k": 1}},
        {"v": 1, "type": "metric", "name": "queue.depth", "value": 7.5, "labels": {"q": "main"},
         "time_ns": T0, "metric_kind": "gauge"},
    ]
    if source == "udp":
        await rig.send(source, records)  # one datagram, a JSON array
    else:
        for rec in records:  # one line each
            await rig.send(source, rec)
    await wait_for(lambda: rig.store.updates >= 4)
    sess = rig.store.session("sess-a").session
    assert (sess.name, sess.service, sess.framework, sess.framework_version, sess.hostname) == (
        "refactor run", "coder", "langgraph", "0.2", "box")
    assert sess.tags == ("ci", "v2") and sess.started_ns == T0 and sess.attributes == {"team": "infra"}
    span = rig.store.span("good-trace", "g1")
    assert span.events == (SpanEvent(name="cache hit", time_ns=T0 + 10, attributes={"k": 1}),)
    assert len(rig.store.metrics) == 1
    assert not rig.stats.rejected


@pytest.mark.parametrize("source", SOURCES)
async def test_span_start_then_end_is_one_span_with_duration(rig: Rig, source: str) -> None:
    start = {"v": 1, "type": "span_start", "trace_id": "tr", "span_id": "run", "name": "llm_inference",
             "kind": "llm_call", "start_ns": T0, "llm": {"model": "gpt-4o"}, "usage": {"input": 50}}
    await rig.send(source, start)
    await wait_for(lambda: rig.store.span("tr", "run") is not None)
    running = rig.store.span("tr", "run")
    assert running.running and running.status is Status.RUNNING

    end = {"v": 1, "type": "span_end", "trace_id": "tr", "span_id": "run", "end_ns": T0 + 2_500_000_000,
           "usage": {"output": 20}}
    await rig.send(source, end)
    await wait_for(lambda: not rig.store.span("tr", "run").running)
    done = rig.store.span("tr", "run")
    assert rig.store.span_count == 1
    assert done.duration_ns() == 2_500_000_000
    assert done.status is Status.OK and done.kind is SpanKind.LLM_CALL and done.name == "llm_inference"
    assert done.llm.model == "gpt-4o"
    assert (done.usage.input, done.usage.output) == (50, 20)


# -- batches --------------------------------------------------------------


async def test_udp_json_array_in_one_datagram(rig: Rig) -> None:
    rig.send_udp(json.dumps([good(i) for i in range(25)]).encode())
    await wait_for(lambda: rig.store.span_count == 25)
    assert {s.span_id for s in rig.store.trace("good-trace").spans.values()} == {f"g{i}" for i in range(25)}
    assert rig.stats.accepted["udp"] == 25


async def test_udp_batch_with_one_bad_record_keeps_the_others(rig: Rig) -> None:
    batch = [good(0), {"v": 1, "type": "span", "trace_id": "t"}, good(1)]
    rig.send_udp(json.dumps(batch).encode())
    await wait_for(lambda: rig.store.span_count == 2)
    assert rig.stats.rejected == {"missing_field": 1}


@pytest.mark.parametrize("source", ["tcp", "unix"])
async def test_many_lines_in_one_write(rig: Rig, source: str) -> None:
    data = b"".join(json.dumps(good(i)).encode() + b"\n" for i in range(500))
    await rig.send_stream(source, data)
    await wait_for(lambda: rig.store.span_count == 500)
    assert rig.stats.accepted[source] == 500


@pytest.mark.parametrize("source", ["tcp", "unix"])
@pytest.mark.parametrize("chunk", [1, 7, 100, 1000])
async def test_lines_split_across_writes(rig: Rig, source: str, chunk: int) -> None:
    # Blank lines and CRLF endings are tolerated between records.
    data = b"".join(json.dumps(good(i)).encode() + (b"\r\n\n" if i % 3 == 0 else b"\n") for i in range(30))
    writer = await rig.stream(source)
    for pos in range(0, len(data), chunk):
        writer.write(data[pos : pos + chunk])
        await writer.drain()
        if chunk == 1 and pos % 97 == 0:
            await asyncio.sleep(0)  # give the receiver separate reads, not one coalesced buffer
    await wait_for(lambda: rig.store.span_count == 30)
    assert not rig.stats.rejected


@pytest.mark.parametrize("source", ["tcp", "unix"])
async def test_final_line_without_newline_is_read_at_close(rig: Rig, source: str) -> None:
    writer = await rig.stream(source)
    writer.write(json.dumps(good(0)).encode() + b"\n" + json.dumps(good(1)).encode())
    await writer.drain()
    writer.close()
    await wait_for(lambda: rig.store.span_count == 2)


# -- bad input ------------------------------------------------------------

def nested_record(depth: int) -> bytes:
    """A span whose one attribute value is ``depth`` lists deep."""
    return (b'{"v":1,"type":"span","trace_id":"t","span_id":"s","name":"n","start_ns":1,"end_ns":2,"attributes":{"a":'
            + b"[" * depth + b"]" * depth + b"}}")


NESTED = nested_record(1500)
BAD_INPUT = {
    "non_json": (b"this is not json", "malformed_json"),
    "wrong_types": (json.dumps(good(0, start_ns="yesterday")).encode(), "invalid_field"),
    "missing_ids": (json.dumps({k: v for k, v in good(0).items() if k != "span_id"}).encode(), "missing_field"),
    "empty_id": (json.dumps(good(0, trace="")).encode(), "invalid_field"),
    "binary_garbage": (bytes(b for b in range(256) if b != 10) * 3, "malformed_json"),  # one line on a stream
    "deeply_nested": (NESTED, "too_deep"),
    "invalid_utf8": (json.dumps(good(0)).encode().replace(b"step 0", b"step \xff\xfe"), "invalid_utf8"),
    "unknown_type": (json.dumps({"v": 1, "type": "spam"}).encode(), "unknown_type"),
    "newer_version": (json.dumps(good(0, v=2)).encode(), "unsupported_version"),
    "end_before_start": (json.dumps(good(0, end_ns=T0 - 5)).encode(), "invalid_field"),
    "bad_status": (json.dumps(good(0, status="meh")).encode(), "invalid_field"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
@pytest.mark.parametrize("source", SOURCES)
async def test_bad_input_is_counted_and_the_next_record_arrives(rig: Rig, source: str, case: str) -> None:
    payload, reason = BAD_INPUT[case]
    if source == "udp":
        rig.send_udp(payload)
    else:
        await rig.send_stream(source, payload + b"\n")
    await rig.send(source, good(1))
    await wait_for(lambda: rig.store.span("good-trace", "g1") is not None)
    assert rig.stats.rejected == {reason: 1}
    (info,) = rig.stats.recent
    assert info.source == source and info.reason == reason and info.detail
    assert info.preview.startswith("b") and info.preview.isprintable()  # a safe repr() of the bytes
    assert rig.store.span_count == 1


@pytest.mark.parametrize("source", SOURCES)
async def test_a_record_the_door_refuses_shows_its_bytes_among_the_recent_rejects(rig: Rig, source: str) -> None:
    # A span dated ten days ahead decodes, then the door refuses it (bad_time): its reject
    # carries a preview of its bytes like a decoder's reject, and the records beside it stay.
    future = time.time_ns() + 10 * 86_400 * 10**9
    lines = [json.dumps(good(0)).encode(), json.dumps(good(7, start_ns=future, end_ns=future + 5)).encode(),
             json.dumps(good(1)).encode()]
    if source == "udp":
        rig.send_udp(b"[" + b",".join(lines) + b"]")
    else:
        await rig.send_stream(source, b"\n".join(lines) + b"\n")
    await wait_for(lambda: rig.store.span("good-trace", "g1") is not None)
    assert rig.stats.rejected == {"bad_time": 1}
    (info,) = rig.stats.recent
    assert info.source == source and info.reason == "bad_time"
    # The payload it came from: on a stream its own line, over UDP the datagram that held it.
    assert info.preview.startswith("b'") and info.preview.isprintable()
    assert ('"g7"' in info.preview) if source != "udp" else info.preview.startswith("b'[")
    assert rig.store.span_count == 2


@pytest.mark.parametrize("depth", [101, 450])
@pytest.mark.parametrize("source", SOURCES)
async def test_a_value_nested_past_the_bound_is_refused_as_too_deep(rig: Rig, source: str, depth: int) -> None:
    # Past the documented 100 levels: refused by the door, whatever the Python version's own
    # recursion allows (450 levels once decoded, then broke the code walking it: "internal_error").
    if source == "udp":
        rig.send_udp(nested_record(depth))
    else:
        await rig.send_stream(source, nested_record(depth) + b"\n")
    await rig.send(source, good(1))
    await wait_for(lambda: rig.store.span("good-trace", "g1") is not None)
    assert rig.stats.rejected == {"too_deep": 1}
    (info,) = rig.stats.recent
    assert info.source == source and "nested more than 100 levels" in info.detail
    # The record it refused shows as the decoder's rejects do: a safe repr() of its bytes.
    assert info.preview.startswith("b'{\"v\":1,\"type\":\"span\"") and info.preview.isprintable()
    assert rig.store.span_count == 1


async def test_datagram_over_the_limit_is_rejected_as_oversized(rig: Rig) -> None:
    big = good(0, attributes={"blob": "x" * (LIMIT + 100)})
    rig.send_udp(json.dumps(big).encode())
    await rig.send("udp", good(1))
    await wait_for(lambda: rig.store.span("good-trace", "g1") is not None)
    assert rig.stats.rejected == {"oversized": 1}
    assert str(LIMIT) in rig.stats.recent[0].detail
    assert rig.store.span_count == 1


@pytest.mark.parametrize("source", ["tcp", "unix"])
async def test_stream_line_over_the_limit_is_dropped_up_to_its_newline(rig: Rig, source: str) -> None:
    big = json.dumps(good(0, attributes={"blob": "x" * (LIMIT * 3)})).encode()
    # The oversized line arrives in pieces, followed by a good line in the same write as its tail.
    await rig.send_stream(source, big[:1000])
    await rig.send_stream(source, big[1000:LIMIT * 2])
    await rig.send_stream(source, big[LIMIT * 2 :] + b"\n" + json.dumps(good(1)).encode() + b"\n")
    await wait_for(lambda: rig.store.span("good-trace", "g1") is not None)
    assert rig.stats.rejected == {"oversized": 1}
    assert rig.store.span_count == 1


def _line_of(i: int, size: int) -> bytes:
    """A good record of exactly ``size`` bytes (its blob attribute padded to fit)."""
    bare = len(json.dumps(good(i, attributes={"blob": ""})).encode())
    line = json.dumps(good(i, attributes={"blob": "x" * (size - bare)})).encode()
    assert len(line) == size
    return line


@pytest.mark.parametrize("source", ["tcp", "unix"])
async def test_lines_in_one_read_are_held_to_the_limit_byte_for_byte(rig: Rig, source: str) -> None:
    # One write, so one read holds them all: a line of exactly the limit is a record, one
    # byte more is oversized; blank and whitespace-only lines are no records; CRLF and
    # trailing blanks end a line like "\n".
    data = b"\n".join([
        _line_of(0, LIMIT),
        b"",
        b" \t ",
        _line_of(1, LIMIT + 1),
        json.dumps(good(2)).encode() + b"\r",
        json.dumps(good(3)).encode() + b"   ",
        json.dumps(good(4)).encode(),
    ]) + b"\n"
    await rig.send_stream(source, data)
    await wait_for(lambda: rig.store.span("good-trace", "g4") is not None)
    assert {s.span_id for s in rig.store.iter_spans()} == {"g0", "g2", "g3", "g4"}
    assert rig.stats.rejected == {"oversized": 1}
    assert f"({LIMIT + 1}+ bytes)" in rig.stats.recent[0].detail
    assert rig.stats.accepted[source] == 4


@pytest.mark.parametrize("source", ["tcp", "unix"])
async def test_line_that_never_ends_is_bounded_and_the_connection_stays_usable(rig: Rig, source: str) -> None:
    writer = await rig.stream(source)
    chunk = b"A" * 1000
    total = 0
    for _ in range(200):  # 200 kB without a newline: 50x the record limit
        writer.write(chunk)
        await writer.drain()
        total += len(chunk)
    await wait_for(lambda: rig.stats.rejected.get("oversized") == 1)

    (conn,) = rig.rs._conns
    protocol = conn.get_protocol()
    await wait_for(lambda: protocol._discarding)
    assert len(protocol._buf) <= LIMIT

    # The endless line finally ends; the same connection carries the next good record.
    writer.write(b"B" * 500 + b"\n" + json.dumps(good(1)).encode() + b"\n")
    await writer.drain()
    await wait_for(lambda: rig.store.span("good-trace", "g1") is not None)
    assert rig.stats.rejected == {"oversized": 1}
    assert len(protocol._buf) == 0


async def test_blank_datagram_and_empty_batch_are_counted_as_empty(rig: Rig) -> None:
    rig.send_udp(b"  \n")
    rig.send_udp(b"[]")
    await rig.send("udp", good(1))
    await wait_for(lambda: rig.store.span_count == 1)
    await wait_for(lambda: rig.stats.rejected.get("empty") == 2)


# -- loss counting --------------------------------------------------------


async def test_skipped_sequence_numbers_count_as_lost(rig: Rig) -> None:
    for i, seq in enumerate([1, 2, 3, 6, 7]):  # 4 and 5 never sent
        await rig.send("udp", good(i, sender="agent-a", seq=seq))
    await rig.send("udp", good(10, sender="agent-b", seq=100))  # another sender: its own numbering
    await wait_for(lambda: rig.store.span_count == 6)
    assert rig.stats.lost == 2
    await rig.send("udp", good(5, sender="agent-a", seq=5))  # a late datagram fills its gap
    await wait_for(lambda: rig.store.span_count == 7)
    assert rig.stats.lost == 1


# -- binding --------------------------------------------------------------


async def test_endpoints_and_rcvbuf_are_reported(rig: Rig) -> None:
    rs = rig.rs
    assert rs.udp_address[0] == "127.0.0.1" and rs.udp_address[1] > 0
    assert rs.endpoints == [
        f"udp 127.0.0.1:{rs.udp_address[1]}",
        f"tcp 127.0.0.1:{rs.tcp_address[1]}",
        f"unix {rs.unix_path}",
    ]
    if sys.platform.startswith("linux"):
        rmem_max = int(Path("/proc/sys/net/core/rmem_max").read_text())
        # Linux reports twice the requested size (bookkeeping overhead); privileged
        # processes get the full 8 MiB, others up to rmem_max.
        floor = 8 * 1024 * 1024 if os.geteuid() == 0 else min(8 * 1024 * 1024, rmem_max)
        assert rs.udp_rcvbuf >= floor


async def test_udp_port_in_use_raises_one_line_error() -> None:
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        with pytest.raises(PortInUseError) as info:
            await start_receivers(Pipeline(Store()), udp_port=port, tcp_port=None)
    finally:
        taken.close()
    err = info.value
    assert str(err) == f"UDP port {port} on 127.0.0.1 is already in use; choose another with --udp-port"
    assert (err.proto, err.host, err.port, err.flag) == ("UDP", "127.0.0.1", port, "--udp-port")
    assert err.errno == errno.EADDRINUSE and isinstance(err, OSError)
    assert str(pickle.loads(pickle.dumps(err))) == str(err)  # survives a process boundary


async def test_tcp_port_in_use_raises_and_releases_the_udp_socket() -> None:
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    udp_port = probe.getsockname()[1]
    probe.close()
    try:
        with pytest.raises(PortInUseError) as info:
            await start_receivers(Pipeline(Store()), udp_port=udp_port, tcp_port=port)
    finally:
        taken.close()
    assert str(info.value) == f"TCP port {port} on 127.0.0.1 is already in use; choose another with --tcp-port"
    # The UDP socket bound before the failure was released: its port can be bound again.
    again = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    again.bind(("127.0.0.1", udp_port))
    again.close()


async def test_unix_socket_is_mode_0600_and_removed_on_close(short_dir: Path) -> None:
    path = short_dir / "m.sock"
    rs = await start_receivers(Pipeline(Store()), udp_port=None, tcp_port=None, unix_path=str(path))
    try:
        st = os.stat(path)
        assert stat.S_ISSOCK(st.st_mode)
        assert stat.S_IMODE(st.st_mode) == 0o600
        assert rs.endpoints == [f"unix {path}"] and rs.udp_address is None and rs.tcp_address is None
        assert not [p for p in short_dir.iterdir() if p.name != "m.sock"]  # no temporary leftovers
    finally:
        await rs.close()
    assert not path.exists()


async def test_live_unix_socket_is_in_use(short_dir: Path) -> None:
    path = short_dir / "live.sock"
    first = await start_receivers(Pipeline(Store()), udp_port=None, tcp_port=None, unix_path=str(path))
    try:
        with pytest.raises(PortInUseError) as info:
            await start_receivers(Pipeline(Store()), udp_port=None, tcp_port=None, unix_path=str(path))
        assert str(info.value) == (
            f"Unix socket {path} is already in use by a running process; choose another with --socket"
        )
        assert path.exists()  # the live monitor's socket was left alone
    finally:
        await first.close()


async def test_stale_unix_socket_file_is_replaced(short_dir: Path) -> None:
    path = short_dir / "stale.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))  # bound, never listening, then closed: what a killed process leaves
    dead.close()
    assert path.exists()
    pipeline = Pipeline(Store())
    rs = await start_receivers(pipeline, udp_port=None, tcp_port=None, unix_path=str(path))
    try:
        _, writer = await asyncio.open_unix_connection(str(path))
        writer.write(json.dumps(good(0)).encode() + b"\n")
        await writer.drain()
        await wait_for(lambda: pipeline.store.span_count == 1)
        writer.close()
    finally:
        await rs.close()


async def test_regular_file_at_socket_path_is_not_clobbered(short_dir: Path) -> None:
    path = short_dir / "notes.txt"
    path.write_text("precious")
    with pytest.raises(FileExistsError, match="not a socket"):
        await start_receivers(Pipeline(Store()), udp_port=None, tcp_port=None, unix_path=str(path))
    assert path.read_text() == "precious"


def test_default_socket_path(monkeypatch: pytest.MonkeyPatch, short_dir: Path) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(short_dir))
    assert default_socket_path() == str(short_dir / "agenttrace-tui.sock")
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert default_socket_path() == f"/tmp/agenttrace-tui-{os.getuid()}.sock"
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(short_dir / "missing"))  # set but absent: fall back
    assert default_socket_path() == f"/tmp/agenttrace-tui-{os.getuid()}.sock"


async def test_close_releases_ports_for_a_new_receiver_set(rig: Rig) -> None:
    udp_port, tcp_port = rig.rs.udp_address[1], rig.rs.tcp_address[1]
    await rig.rs.close()
    again = await start_receivers(Pipeline(Store()), udp_port=udp_port, tcp_port=tcp_port)
    await again.close()


async def test_udp_burst_is_drained_without_loss(rig: Rig) -> None:
    # Far more datagrams than one wake-up's cap, sent faster than the loop runs:
    # the reader keeps draining across wake-ups and the 8 MiB buffer holds the rest.
    # Sized to what the granted receive buffer holds (~2 kB of kernel memory per small datagram).
    n = min(6_000, rig.rs.udp_rcvbuf // 2048)
    payloads = [json.dumps(good(i, sender="burst", seq=i)).encode() for i in range(n)]
    for p in payloads:
        rig.send_udp(p)
    await wait_for(lambda: rig.store.span_count == n, timeout=30)
    assert rig.stats.lost == 0 and rig.stats.datagrams == n


@pytest.mark.parametrize("source", SOURCES)
async def test_a_failing_enricher_is_counted_and_the_receiver_keeps_going(short_dir: Path, source: str) -> None:
    def explode_on_boom(updates: list) -> None:
        if any(getattr(u, "name", "") == "boom" for u in updates):
            raise RuntimeError("enricher bug")

    pipeline = Pipeline(Store(), enrichers=[explode_on_boom], max_record_bytes=LIMIT)
    rs = await start_receivers(pipeline, udp_port=0, tcp_port=0, unix_path=str(short_dir / "e.sock"))
    r = Rig(pipeline, rs)
    try:
        await r.send(source, good(0, name="boom"))
        await r.send(source, good(1))
        await wait_for(lambda: r.store.span("good-trace", "g1") is not None)
        assert r.stats.rejected == {"internal_error": 1}
        assert "enricher bug" in r.stats.recent[0].detail
    finally:
        await r.close()


async def test_long_unix_path_still_gets_mode_0600(short_dir: Path) -> None:
    # Long enough that the private-directory detour would exceed the AF_UNIX limit.
    deep = short_dir / ("d" * (97 - len(str(short_dir)) - 1))
    deep.mkdir()
    path = deep / "l.sock"
    assert len(str(path)) == 104  # fits; the 14-byte-longer temporary path would not
    rs = await start_receivers(Pipeline(Store()), udp_port=None, tcp_port=None, unix_path=str(path))
    try:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert sorted(p.name for p in deep.iterdir()) == ["l.sock"]
    finally:
        await rs.close()


async def test_unusable_unix_paths_give_clear_errors(short_dir: Path) -> None:
    with pytest.raises(OSError, match="longer than 107 bytes; choose a shorter one with --socket"):
        await start_receivers(Pipeline(Store()), udp_port=None, tcp_port=None, unix_path="/tmp/" + "x" * 120)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        await start_receivers(Pipeline(Store()), udp_port=None, tcp_port=None, unix_path=str(short_dir / "no" / "s.sock"))


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this host")
async def test_ipv6_loopback_receivers() -> None:
    pipeline = Pipeline(Store())
    rs = await start_receivers(pipeline, host="::1", udp_port=0, tcp_port=0)
    try:
        assert rs.endpoints == [f"udp [::1]:{rs.udp_address[1]}", f"tcp [::1]:{rs.tcp_address[1]}"]
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.sendto(json.dumps(good(0)).encode(), ("::1", rs.udp_address[1]))
        _, writer = await asyncio.open_connection("::1", rs.tcp_address[1])
        writer.write(json.dumps(good(1)).encode() + b"\n")
        await writer.drain()
        await wait_for(lambda: pipeline.store.span_count == 2)
        writer.close()
    finally:
        await rs.close()


def test_feed_many_counts_like_feed_one_by_one() -> None:
    payloads = [
        json.dumps(good(0)).encode(),
        b"not json",
        json.dumps([good(1), good(2, sender="s", seq=1)]).encode(),
        json.dumps(good(3, status="meh")).encode(),
        json.dumps(good(4, sender="s", seq=3)).encode(),  # seq 2 missing: one lost
        b"[]",
    ]
    one, many = Pipeline(Store()), Pipeline(Store())
    for p in payloads:
        one.feed(p, "udp")
    assert many.feed_many(payloads, "udp") == 4
    assert many.store.version == 1  # one batch
    for pl in (one, many):
        assert pl.stats.accepted == {"udp": 4}
        assert pl.stats.rejected == {"malformed_json": 1, "invalid_field": 1, "empty": 1}
        assert pl.stats.lost == 1
        assert {s.span_id for s in pl.store.iter_spans()} == {"g0", "g1", "g2", "g4"}


def test_feed_many_isolates_the_payload_that_breaks_storing() -> None:
    def explode_on_boom(updates: list) -> None:
        if any(getattr(u, "name", "") == "boom" for u in updates):
            raise RuntimeError("enricher bug")

    pipeline = Pipeline(Store(), enrichers=[explode_on_boom])
    payloads = [json.dumps(good(0)).encode(), json.dumps(good(1, name="boom")).encode(), json.dumps(good(2)).encode()]
    assert pipeline.feed_many(payloads, "tcp") == 2
    assert {s.span_id for s in pipeline.store.iter_spans()} == {"g0", "g2"}
    assert pipeline.stats.rejected == {"internal_error": 1}
    assert pipeline.stats.accepted == {"tcp": 2}


async def test_a_line_split_mid_string_costs_only_itself_in_one_stream_read() -> None:
    # One write, so the receiver gets all lines in one read and decodes them
    # as one batch: the two halves of a string split by a newline are two
    # malformed lines, never one record, and their neighbours are kept.
    pipeline = Pipeline(Store())
    rs = await start_receivers(pipeline, udp_port=None, tcp_port=0)
    try:
        whole = json.dumps(good(5, name="a,b")).encode()
        cut = whole.index(b"a,b") + 1
        lines = [json.dumps(good(i)).encode() for i in range(4)]
        lines[2:2] = [whole[:cut], whole[cut + 1 :]]
        _, writer = await asyncio.open_connection("127.0.0.1", rs.tcp_address[1])
        writer.write(b"\n".join(lines) + b"\n")
        await writer.drain()
        await wait_for(lambda: pipeline.store.span_count == 4 and pipeline.stats.rejected_total == 2)
        assert {s.span_id for s in pipeline.store.iter_spans()} == {"g0", "g1", "g2", "g3"}
        assert pipeline.stats.rejected == {"malformed_json": 2}
        assert pipeline.stats.accepted == {"tcp": 4}
        writer.close()
    finally:
        await rs.close()


def test_feed_many_attributes_a_normalise_reject_to_its_own_line() -> None:
    payloads = [json.dumps(good(0)).encode(), json.dumps(good(1, status="meh")).encode(), json.dumps(good(2)).encode()]
    pipeline = Pipeline(Store())
    assert pipeline.feed_many(payloads, "tcp") == 2
    assert pipeline.store.version == 1  # still one batch into the store
    assert pipeline.stats.rejected == {"invalid_field": 1}
    assert '"span_id": "g1"' in pipeline.stats.recent[-1].preview
