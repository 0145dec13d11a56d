"""The receiver's HTTP side: status codes, limits, encodings, bad bodies.

Every bad request is answered with the spec's status code, counted under its
reason in pipeline.stats, and the next good request is still served.
"""

from __future__ import annotations

import asyncio
import gzip
import json as jsonlib

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.ingest.otlp_http import PortInUseError, start_otlp
from test_otlp_support import apost, receiver

PB = {"Content-Type": "application/x-protobuf"}
JS = {"Content-Type": "application/json"}


def pb_request(n: int = 1, *, trace_id: bytes = b"\x01" * 16, span_id: bytes | None = None, name: str = "s") -> bytes:
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    for i in range(n):
        ss.spans.add(trace_id=trace_id, span_id=span_id or (i + 1).to_bytes(8, "big"), name=f"{name}{i}",
                     start_time_unix_nano=1_000 + i, end_time_unix_nano=2_000 + i)
    return req.SerializeToString()


def json_request(spans: list[dict]) -> bytes:
    return jsonlib.dumps({"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"spans": spans}]}]}).encode()


async def good_request_still_served(port: int, store) -> None:
    before = store.span_count
    status, _h, _b = await apost(port, "/v1/traces", pb_request(1, trace_id=b"\x09" * 16, name="after"), PB)
    assert status == 200 and store.span_count == before + 1


async def test_protobuf_success_has_empty_response_message() -> None:
    store, pipeline, server = await receiver()
    try:
        status, headers, body = await apost(server.address[1], "/v1/traces", pb_request(3), PB)
        assert status == 200 and headers["content-type"] == "application/x-protobuf"
        resp = trace_service_pb2.ExportTraceServiceResponse.FromString(body)
        assert not resp.HasField("partial_success")
        assert store.span_count == 3 and pipeline.stats.accepted["otlp"] == 3
    finally:
        await server.close()


async def test_gzip_body_is_accepted() -> None:
    store, _pipeline, server = await receiver()
    try:
        body = gzip.compress(pb_request(5))
        status, _h, _b = await apost(server.address[1], "/v1/traces", body, {**PB, "Content-Encoding": "gzip"})
        assert status == 200 and store.span_count == 5
    finally:
        await server.close()


@pytest.mark.parametrize(
    ("path", "method", "body", "headers", "status", "reason"),
    [
        ("/v1/traces", "POST", pb_request(2)[:-7], PB, 400, "undecodable_body"),
        ("/v1/traces", "POST", b"\xff\xfe garbage \x00", PB, 400, "undecodable_body"),
        ("/v1/traces", "POST", b"{not json", JS, 400, "undecodable_body"),
        ("/v1/traces", "POST", b"[1, 2]", JS, 400, "undecodable_body"),
        ("/v1/traces", "POST", b"x", {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        ("/v1/traces", "POST", b"x", {**PB, "Content-Encoding": "br"}, 415, "unsupported_encoding"),
        ("/v1/traces", "POST", b"not gzip", {**PB, "Content-Encoding": "gzip"}, 400, "bad_gzip"),
        ("/v1/traces", "GET", b"", {}, 405, "method_not_allowed"),
        ("/v1/spans", "POST", b"", PB, 404, "not_found"),
        ("/", "GET", b"", {}, 404, "not_found"),
    ],
)
async def test_bad_requests_get_the_right_status(path, method, body, headers, status, reason) -> None:
    store, pipeline, server = await receiver()
    try:
        got, resp_headers, resp_body = await apost(server.address[1], path, body, headers, method)
        assert got == status
        assert pipeline.stats.rejected[reason] == 1
        if status == 405:
            assert resp_headers["allow"] == "POST"
        if headers.get("Content-Type") == "application/json":
            assert jsonlib.loads(resp_body)["message"]
        assert store.span_count == 0
        await good_request_still_served(server.address[1], store)
    finally:
        await server.close()


async def test_body_over_the_limit_is_413() -> None:
    store, pipeline, server = await receiver(max_body_bytes=1000)
    try:
        status, _h, _b = await apost(server.address[1], "/v1/traces", pb_request(100), PB)
        assert status == 413 and pipeline.stats.rejected["body_too_large"] == 1
        await good_request_still_served(server.address[1], store)
    finally:
        await server.close()


async def test_gzip_bomb_is_413_and_never_inflated_whole() -> None:
    store, pipeline, server = await receiver(max_decompressed_bytes=1 << 20)
    try:
        bomb = gzip.compress(b"\x00" * (64 << 20))  # 64 MiB of zeros in ~64 KiB
        assert len(bomb) < 100_000
        status, _h, _b = await apost(server.address[1], "/v1/traces", bomb, {**PB, "Content-Encoding": "gzip"})
        assert status == 413 and pipeline.stats.rejected["decompressed_too_large"] == 1
        await good_request_still_served(server.address[1], store)
    finally:
        await server.close()


async def test_invalid_ids_are_partial_success_rejections() -> None:
    store, pipeline, server = await receiver()
    try:
        req = trace_service_pb2.ExportTraceServiceRequest()
        ss = req.resource_spans.add().scope_spans.add()
        ss.spans.add(trace_id=b"\x01" * 16, span_id=b"\x01" * 8, name="good", start_time_unix_nano=1, end_time_unix_nano=2)
        ss.spans.add(span_id=b"\x02" * 8, name="no trace id", start_time_unix_nano=1, end_time_unix_nano=2)
        ss.spans.add(trace_id=b"\x01" * 5, span_id=b"\x03" * 8, name="short id", start_time_unix_nano=1, end_time_unix_nano=2)
        ss.spans.add(trace_id=b"\x00" * 16, span_id=b"\x04" * 8, name="zero id", start_time_unix_nano=1, end_time_unix_nano=2)
        ss.spans.add(trace_id=b"\x01" * 16, span_id=b"\x05" * 8, name="ends first", start_time_unix_nano=9, end_time_unix_nano=2)
        status, _h, body = await apost(server.address[1], "/v1/traces", req.SerializeToString(), PB)
        assert status == 200
        resp = trace_service_pb2.ExportTraceServiceResponse.FromString(body)
        assert resp.partial_success.rejected_spans == 4
        assert "invalid_id" in resp.partial_success.error_message
        assert store.span_count == 1
        assert pipeline.stats.rejected["missing_id"] == 1
        assert pipeline.stats.rejected["invalid_id"] == 2
        assert pipeline.stats.rejected["invalid_span"] == 1
        assert pipeline.stats.accepted["otlp"] == 1
    finally:
        await server.close()


async def test_json_invalid_ids_and_partial_success_in_json() -> None:
    store, pipeline, server = await receiver()
    try:
        spans = [
            {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331", "name": "ok",
             "startTimeUnixNano": "1000", "endTimeUnixNano": "2000", "kind": 2,
             "attributes": [{"key": "n", "value": {"intValue": "9007199254740993"}}]},
            {"traceId": "xyz", "spanId": "b7ad6b7169203332", "name": "bad hex"},
            {"spanId": "b7ad6b7169203333", "name": "no trace"},
        ]
        status, headers, body = await apost(server.address[1], "/v1/traces", json_request(spans), JS)
        assert status == 200 and headers["content-type"] == "application/json"
        got = jsonlib.loads(body)
        assert got["partialSuccess"]["rejectedSpans"] == "2"
        span = store.span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331")
        assert span.attributes["n"] == 9007199254740993  # 64-bit ints survive as strings in JSON
        assert span.start_ns == 1000 and span.end_ns == 2000
        assert pipeline.stats.rejected_total == 2
    finally:
        await server.close()


async def test_keep_alive_serves_many_requests_on_one_connection() -> None:
    store, _pipeline, server = await receiver()
    try:
        def many() -> list[int]:
            import http.client

            conn = http.client.HTTPConnection("127.0.0.1", server.address[1], timeout=10)
            out = []
            for i in range(20):
                conn.request("POST", "/v1/traces", body=pb_request(1, trace_id=bytes([i + 1]) * 16), headers=PB)
                r = conn.getresponse()
                r.read()
                out.append(r.status)
            conn.close()
            return out

        assert await asyncio.to_thread(many) == [200] * 20
        assert store.span_count == 20 and server.stats.connections == 1
    finally:
        await server.close()


async def test_chunked_body_and_expect_continue() -> None:
    store, _pipeline, server = await receiver()
    try:
        body = pb_request(4)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.address[1])
        writer.write(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                     b"Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
        await writer.drain()
        assert (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)).startswith(b"HTTP/1.1 100")
        half = len(body) // 2
        for part in (body[:half], body[half:]):
            writer.write(b"%x\r\n%s\r\n" % (len(part), part))
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 200")
        writer.close()
        assert store.span_count == 4
    finally:
        await server.close()


async def test_garbage_request_line_is_400_and_server_keeps_serving() -> None:
    store, pipeline, server = await receiver()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.address[1])
        writer.write(b"\x16\x03\x01 TLS hello?\r\n\r\n")
        await writer.drain()
        head = await asyncio.wait_for(reader.read(1000), 10)
        assert head.startswith(b"HTTP/1.1 400")
        writer.close()
        assert pipeline.stats.rejected["bad_http"] == 1
        await good_request_still_served(server.address[1], store)
    finally:
        await server.close()


async def test_port_in_use_is_a_one_line_error_naming_the_flag() -> None:
    _store, pipeline, server = await receiver()
    try:
        with pytest.raises(PortInUseError) as info:
            await start_otlp(pipeline, port=server.address[1])
        msg = str(info.value)
        assert "--otlp-port" in msg and str(server.address[1]) in msg and "\n" not in msg
        assert server.endpoint == f"otlp http://127.0.0.1:{server.address[1]}"
    finally:
        await server.close()


async def test_large_body_over_the_limit_still_gets_its_413() -> None:
    store, pipeline, server = await receiver(max_body_bytes=1 << 20)
    try:
        status, _h, _b = await apost(server.address[1], "/v1/traces", b"\x0a" * (3 << 20), PB)
        assert status == 413 and pipeline.stats.rejected["body_too_large"] == 1
        await good_request_still_served(server.address[1], store)
    finally:
        await server.close()


@pytest.mark.parametrize("depth", [50, 150, 100_000])
async def test_deeply_nested_json_values_never_break_the_receiver(depth: int) -> None:
    store, pipeline, server = await receiver()
    try:
        value = '{"arrayValue":{"values":[' * depth + '{"intValue":"1"}' + "]}}" * depth
        span = ('{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"deep",'
                '"startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"k","value":' + value + "}]}")
        body = ('{"resourceSpans":[{"scopeSpans":[{"spans":[' + span + "]}]}]}").encode()
        status, _h, answer_body = await apost(server.address[1], "/v1/traces", body, JS)
        if depth == 50:
            assert status == 200 and store.span_count == 1
            v = store.span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331").attributes["k"]
            for _ in range(depth):
                (v,) = v
            assert v == 1
        elif depth == 150:  # past the 100 levels a value may nest: that span is refused, counted, said so
            assert status == 200 and store.span_count == 0
            assert pipeline.stats.rejected["too_deep"] == 1
            answer = jsonlib.loads(answer_body)["partialSuccess"]  # the sender is told which span and why
            assert answer["rejectedSpans"] == "1" and "too_deep" in answer["errorMessage"]
            assert "nested more than 100 levels" in answer["errorMessage"]
        else:  # too deep to decode: refused as a whole, counted
            assert status == 400 and store.span_count == 0 and pipeline.stats.rejected_total == 1
        await good_request_still_served(server.address[1], store)
    finally:
        await server.close()


LANGFUSE_PATH = "/api/public/otel/v1/traces"
#: What Langfuse's Python SDK sends with each export: Basic auth from its keys, its own headers, gzip.
LANGFUSE_HEADERS = {**PB, "Content-Encoding": "gzip", "Authorization": "Basic cGstbGY6c2stbGY=",
                    "x-langfuse-sdk-name": "python", "x-langfuse-public-key": "pk-lf"}


#: What Langfuse's TypeScript SDK (``@langfuse/otel`` 5.11) sends: OTLP JSON, not compressed, Basic auth, its headers.
LANGFUSE_JS_HEADERS = {**JS, "Authorization": "Basic cGstbGY6c2stbGY=", "x-langfuse-sdk-name": "javascript",
                       "x-langfuse-sdk-version": "5.11.1", "x-langfuse-public-key": "pk-lf"}


async def test_langfuse_typescript_export_is_served_as_v1_traces(tmp_path) -> None:
    """The TypeScript SDK's exporter sends OTLP JSON to the same path with the same Basic auth: taken as is."""
    from agenttrace_tui.config import Config
    from agenttrace_tui.runtime.monitor import Monitor

    monitor = Monitor(Config(db=str(tmp_path / "m.db"), otlp_port=0, otlp_grpc_port=None, udp_port=None,
                             tcp_port=None, socket=""))
    await monitor.start()
    try:
        span = {"traceId": "0c" * 16, "spanId": "0d" * 8, "name": "weather-agent", "startTimeUnixNano": "1000",
                "endTimeUnixNano": "2000", "attributes": [{"key": "session.id", "value": {"stringValue": "weather-1"}}]}
        status, headers, answer = await apost(monitor.otlp.address[1], LANGFUSE_PATH, json_request([span]),
                                              LANGFUSE_JS_HEADERS)
        assert status == 200 and headers["content-type"] == "application/json"
        assert "partialSuccess" not in jsonlib.loads(answer)
        assert monitor.store.span_count == 1 and "weather-1" in monitor.store.sessions
    finally:
        await monitor.stop()


async def test_langfuse_export_path_is_served_as_v1_traces(tmp_path) -> None:
    """An agent traced with Langfuse reports with only its base URL changed: a monitor takes
    ``/api/public/otel/v1/traces`` as ``/v1/traces`` and does not check the keys' Basic auth."""
    from agenttrace_tui.config import Config
    from agenttrace_tui.runtime.monitor import Monitor

    monitor = Monitor(Config(db=str(tmp_path / "m.db"), otlp_port=0, otlp_grpc_port=None, udp_port=None,
                             tcp_port=None, socket=""))
    await monitor.start()
    try:
        body = gzip.compress(pb_request(2, trace_id=b"\x0b" * 16, name="langfuse"))
        status, headers, answer = await apost(monitor.otlp.address[1], LANGFUSE_PATH, body, LANGFUSE_HEADERS)
        assert status == 200 and headers["content-type"] == "application/x-protobuf"
        assert not trace_service_pb2.ExportTraceServiceResponse.FromString(answer).HasField("partial_success")
        assert monitor.store.span_count == 2
        # Only that path: the rest of Langfuse's API is not served (404, counted).
        status, _h, _b = await apost(monitor.otlp.address[1], "/api/public/projects", b"", LANGFUSE_HEADERS, "GET")
        assert status == 404 and monitor.pipeline.stats.rejected["not_found"] == 1
    finally:
        await monitor.stop()


async def test_langfuse_export_path_needs_the_token_when_one_is_set() -> None:
    """A token guards the alias as it guards ``/v1/traces``: the keys' Basic auth is refused."""
    store, pipeline, server = await receiver(token="s3cret")
    try:
        body = gzip.compress(pb_request(1))
        status, _h, _b = await apost(server.address[1], LANGFUSE_PATH, body, LANGFUSE_HEADERS)
        assert status == 401 and store.span_count == 0 and pipeline.stats.rejected["unauthorized"] == 1
        status, _h, _b = await apost(server.address[1], LANGFUSE_PATH, body,
                                     {**LANGFUSE_HEADERS, "Authorization": "Bearer s3cret"})
        assert status == 200 and store.span_count == 1
    finally:
        await server.close()


BRAINTRUST_PATH = "/otel/v1/traces"
#: What Braintrust's ``BraintrustSpanProcessor`` (braintrust 0.48) sends: protobuf, its key as a Bearer token,
#: the project it names in ``x-bt-parent``.
BRAINTRUST_HEADERS = {**PB, "Authorization": "Bearer sk-bt", "x-bt-parent": "project_name:weather-agent"}


async def test_braintrust_export_path_is_served_as_v1_traces(tmp_path) -> None:
    """An agent traced with Braintrust's span processor reports with only ``BRAINTRUST_API_URL`` changed: a
    monitor takes ``/otel/v1/traces`` as ``/v1/traces``; the rest of Braintrust's API is not served."""
    from agenttrace_tui.config import Config
    from agenttrace_tui.runtime.monitor import Monitor

    monitor = Monitor(Config(db=str(tmp_path / "m.db"), otlp_port=0, otlp_grpc_port=None, udp_port=None,
                             tcp_port=None, socket=""))
    await monitor.start()
    try:
        body = pb_request(2, trace_id=b"\x0e" * 16, name="braintrust")
        status, headers, answer = await apost(monitor.otlp.address[1], BRAINTRUST_PATH, body, BRAINTRUST_HEADERS)
        assert status == 200 and headers["content-type"] == "application/x-protobuf"
        assert not trace_service_pb2.ExportTraceServiceResponse.FromString(answer).HasField("partial_success")
        assert monitor.store.span_count == 2
        status, _h, _b = await apost(monitor.otlp.address[1], "/otel/v1/logs", body, BRAINTRUST_HEADERS)
        assert status == 404 and monitor.pipeline.stats.rejected["not_found"] == 1
    finally:
        await monitor.stop()


async def test_braintrust_key_is_the_token_when_one_is_set() -> None:
    """A token guards the path as it guards ``/v1/traces``: Braintrust sends its key as a Bearer token, so
    ``BRAINTRUST_API_KEY`` set to the monitor's token is let in, any other key refused."""
    store, pipeline, server = await receiver(token="s3cret")
    try:
        body = pb_request(1)
        status, _h, _b = await apost(server.address[1], BRAINTRUST_PATH, body, BRAINTRUST_HEADERS)
        assert status == 401 and store.span_count == 0 and pipeline.stats.rejected["unauthorized"] == 1
        status, _h, _b = await apost(server.address[1], BRAINTRUST_PATH, body,
                                     {**BRAINTRUST_HEADERS, "Authorization": "Bearer s3cret"})
        assert status == 200 and store.span_count == 1
    finally:
        await server.close()


@pytest.mark.parametrize("module", ["agenttrace_tui.ingest.otlp_http", "agenttrace_tui.runtime.forward"])
def test_otlp_modules_do_not_import_the_ui_stack(module: str) -> None:
    import subprocess
    import sys

    code = (f"import sys, {module}\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
