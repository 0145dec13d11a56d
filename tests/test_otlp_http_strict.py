"""Strict HTTP on the OTLP/HTTP port: malformed framing gets its status code, never a traceback.

Each case is raw bytes on a real socket to a receiver on 127.0.0.1: the
answer's status line is checked, the reject is counted by reason, no
exception reaches asyncio's handler or stderr, and a good request is
still served afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from test_otlp_support import apost, receiver

PB = {"Content-Type": "application/x-protobuf"}


def pb_request(n: int = 1, trace_id: bytes = b"\x01" * 16) -> bytes:
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    for i in range(n):
        ss.spans.add(trace_id=trace_id, span_id=(i + 1).to_bytes(8, "big"), name=f"s{i}",
                     start_time_unix_nano=1_000 + i, end_time_unix_nano=2_000 + i)
    return req.SerializeToString()


async def exchange(port: int, data: bytes, *, wait: float = 10.0, close_write: bool = False) -> bytes:
    """Send raw bytes, return everything answered until the server closes (or ``wait`` passes)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        if close_write:
            writer.write_eof()
        out = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), deadline - time.monotonic())
            except (TimeoutError, ConnectionError):
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        writer.close()


HEAD = b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
BODY = pb_request(1)


@pytest.fixture
def no_tracebacks(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]):
    """Nothing logged by asyncio (unhandled exceptions) and nothing on stderr."""
    caplog.set_level(logging.DEBUG, logger="asyncio")
    yield
    assert not [r for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR]
    assert "Traceback" not in capfd.readouterr().err


CASES = [
    # (request bytes, status, reason)
    (HEAD + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(BODY), len(BODY)) + BODY, 400, "bad_http"),
    (HEAD + b"Content-Length: %d, %d\r\n\r\n" % (len(BODY), len(BODY)) + BODY, 400, "bad_http"),
    (HEAD + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, "bad_http"),
    (HEAD + b"Content-Length: 0_0\r\n\r\n", 400, "bad_http"),
    (HEAD + b"Content-Length: +0\r\n\r\n", 400, "bad_http"),
    (HEAD + b"Content-Length: -1\r\n\r\n", 400, "bad_http"),
    (HEAD + b"Content-Length: 0x10\r\n\r\n", 400, "bad_http"),
    (HEAD + b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n" % (len(BODY), len(BODY)) + BODY
     + b"\r\n0\r\n\r\n", 400, "bad_http"),
    (HEAD + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501, "bad_http"),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "bad_http"),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"1" * 70_000 + b"\r\n", 400, "bad_http"),  # chunk-size line
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n4\r\nabcdXX0\r\n\r\n", 400, "bad_http"),  # no CRLF after data
    (HEAD + b"Bad Header: x\r\nContent-Length: 0\r\n\r\n", 400, "bad_http"),
    (b"POST /v1/traces HTTP/1.1\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n", 400,
     "bad_http"),  # HTTP/1.1 without Host
    (b"POST /v1/traces HTTP/9.9\r\nHost: x\r\n\r\n", 505, "bad_http"),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS\r\n\r\n", 400, "bad_http"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 70_000 + b"\r\n\r\n", 431, "bad_http"),
]


@pytest.mark.parametrize(("data", "status", "reason"), CASES, ids=range(len(CASES)))
async def test_malformed_framing_gets_its_status_and_the_server_keeps_serving(data, status, reason,
                                                                            no_tracebacks) -> None:
    store, pipeline, server = await receiver()
    try:
        out = await exchange(server.address[1], data, close_write=True)
        assert out.startswith(b"HTTP/1.1 %d " % status), out[:200]
        assert b"\r\nconnection: close\r\n" in out.lower()  # framing is lost: the connection is closed
        assert pipeline.stats.rejected[reason] == 1 and store.span_count == 0
        got, _h, _b = await apost(server.address[1], "/v1/traces", pb_request(2, b"\x02" * 16), PB)
        assert got == 200 and store.span_count == 2
    finally:
        await server.close()


async def test_a_stalled_chunked_body_is_answered_408_within_seconds(no_tracebacks) -> None:
    store, pipeline, server = await receiver()
    server.body_stall_s = 1.0
    try:
        # exchange gives up after 10 s: an answer at all means the 1 s stall limit fired, not a later one.
        out = await exchange(server.address[1], HEAD + b"Transfer-Encoding: chunked\r\n\r\n10\r\nabc", wait=10)
        assert out.startswith(b"HTTP/1.1 408 "), out[:200]
        assert pipeline.stats.rejected["body_timeout"] == 1 and store.span_count == 0
    finally:
        await server.close()


async def test_a_stalled_sized_body_is_answered_408_too(no_tracebacks) -> None:
    _store, pipeline, server = await receiver()
    server.body_stall_s = 1.0
    try:
        out = await exchange(server.address[1], HEAD + b"Content-Length: 100\r\n\r\nabc", wait=10)
        assert out.startswith(b"HTTP/1.1 408 ") and pipeline.stats.rejected["body_timeout"] == 1
    finally:
        await server.close()


async def test_a_body_cut_short_by_the_peer_is_answered(no_tracebacks) -> None:
    _store, pipeline, server = await receiver()
    try:
        out = await exchange(server.address[1], HEAD + b"Transfer-Encoding: chunked\r\n\r\n10\r\nabc", close_write=True)
        assert out.startswith(b"HTTP/1.1 400 ") and pipeline.stats.rejected["bad_http"] == 1
    finally:
        await server.close()


async def test_chunked_body_over_the_limit_is_413(no_tracebacks) -> None:
    store, pipeline, server = await receiver(max_body_bytes=1000)
    try:
        chunk = b"a" * 600
        data = HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + (b"%x\r\n%s\r\n" % (len(chunk), chunk)) * 3 + b"0\r\n\r\n"
        out = await exchange(server.address[1], data)
        assert out.startswith(b"HTTP/1.1 413 ") and pipeline.stats.rejected["body_too_large"] == 1
        assert store.span_count == 0
    finally:
        await server.close()


async def test_http10_and_pipelined_requests_are_served(no_tracebacks) -> None:
    store, _pipeline, server = await receiver()
    try:
        one = b"POST /v1/traces HTTP/1.0\r\nContent-Type: application/x-protobuf\r\nContent-Length: %d\r\n\r\n" % len(BODY)
        out = await exchange(server.address[1], one + BODY)
        assert out.startswith(b"HTTP/1.1 200 ") and store.span_count == 1
        two = [pb_request(1, bytes([i]) * 16) for i in (5, 6)]
        data = b"".join(HEAD + b"Content-Length: %d\r\n\r\n" % len(b) + b for b in two)
        data += b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        out = await exchange(server.address[1], data)
        assert out.count(b"HTTP/1.1 200 ") == 3 and store.span_count == 3
    finally:
        await server.close()


async def test_head_health_is_headers_only_and_the_connection_goes_on(no_tracebacks) -> None:
    _store, _pipeline, server = await receiver()
    try:
        out = await exchange(server.address[1], b"HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"
                             b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        first, _, rest = out.partition(b"\r\n\r\n")
        assert first.startswith(b"HTTP/1.1 200 ") and b"content-length: 42" in first.lower()
        assert rest.startswith(b"HTTP/1.1 200 ") and rest.endswith(b'"service":"agenttrace-tui"}')
    finally:
        await server.close()
