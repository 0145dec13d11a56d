"""OTLP/HTTP receiver: POST /v1/traces, /v1/logs, /v1/metrics on the monitor's loop.

``/api/public/otel/v1/traces``, where Langfuse's SDKs export their spans, and
``/otel/v1/traces``, where Braintrust's span processor exports them, are taken as
``/v1/traces``.

HTTP/1.1 on asyncio streams, parsed by h11 (keep-alive, Content-Length or
chunked bodies, ``Expect: 100-continue``): a strict, maintained parser with
no I/O of its own, so it runs on the monitor's own event loop with no extra
thread, and every limit stays ours to enforce. On top of h11 this server
refuses what RFC 9112 lets a recipient accept but a proxy in front could
read differently: a repeated Content-Length, Content-Length together with
Transfer-Encoding. Bodies are ``application/x-protobuf`` or
``application/json`` (OTLP JSON), optionally ``Content-Encoding: gzip``.

Responses follow the OTLP/HTTP spec: 200 with the Export*ServiceResponse in
the request's encoding (``partial_success`` counts rejected items), 400 for
a malformed request or an undecodable body, 401 without the shared token
when one is set, 408 for a head or body that stalls, 413 over the body or
decompressed-size limit, 415 for other media types or encodings, 431 for a
head over 64 KiB, 501 for a transfer coding other than chunked, 505 for
an HTTP version other than 1.0 and 1.1, 405 for a
method other than POST, 404 for other paths (``GET /health`` answers 200
and names the monitor); error bodies are a ``google.rpc.Status``. Every
reject is counted by reason in ``pipeline.stats`` under source "otlp".
Gzip is inflated incrementally with a cap, so a small bomb never becomes a
big buffer.

Length: OtlpIngest (decoding, limits, counters: shared with gRPC) and
OtlpServer (h11 connections, timeouts, the connection cap, authentication) are
kept side by side because every HTTP answer here is chosen by what the ingest
step said.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

import h11
import msgspec
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from .otlp_decode import (
    MAX_ITEMS,
    BodyError,
    Rejects,
    ServiceSessions,
    TooManyItems,
    check_size,
    convert_traces,
    parse,
)
from .otlp_logs import LogMapper
from .otlp_metrics import MetricState, convert_metrics, count_items
from .receivers import PortInUseError
from .turn_prompts import TurnPrompts

if TYPE_CHECKING:
    from ..model import Update
    from .pipeline import Pipeline


class Forwarder(Protocol):
    """Where raw request bodies go upstream (the runtime's forwarder)."""

    def forward_otlp(self, signal: str, body: bytes, content_type: str, encoding: str | None, items: int) -> None: ...


SOURCE = "otlp"
DEFAULT_PORT = 4318
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024
#: Request line + headers.
MAX_HEADER_BYTES = 64 * 1024
MAX_CONNECTIONS = 256
#: A connection must deliver a whole request head within this many seconds of
#: waiting for it (idle keep-alive included): a client sending one byte a
#: second cannot hold a slot for a minute.
IDLE_TIMEOUT_S = 10.0
#: A whole request body must arrive within this many seconds...
BODY_TIMEOUT_S = 30.0
#: ...and never pause longer than this (a stalled body is answered 408 in seconds).
BODY_STALL_S = 5.0
#: Compressed bodies above this are inflated on a worker thread (zlib drops the GIL).
THREAD_INFLATE_BYTES = 256 * 1024

#: Request path -> signal. Langfuse's SDKs export their spans (OTLP/HTTP, Basic auth from their keys)
#: to ``{LANGFUSE_BASE_URL}/api/public/otel/v1/traces``: served as ``/v1/traces`` is, so an agent
#: traced with Langfuse reports here with only its base URL changed (its Basic auth is not checked:
#: the receiver takes what reaches it, and listens on loopback unless a token guards it). Braintrust's
#: ``BraintrustSpanProcessor`` exports to ``{BRAINTRUST_API_URL}/otel/v1/traces`` with
#: ``Authorization: Bearer <BRAINTRUST_API_KEY>``: served likewise, the key checked as the token when one is set.
PATHS = {"/v1/traces": "traces", "/v1/logs": "logs", "/v1/metrics": "metrics",
         "/api/public/otel/v1/traces": "traces", "/otel/v1/traces": "traces"}
HEALTH_PATH = "/health"
#: What an OTLP/gRPC exporter pointed at this port is told: its HTTP/2 preface, or its method's path
#: (``/opentelemetry.proto.collector.trace.v1.TraceService/Export``) sent as HTTP/1.1 by a proxy.
GRPC_PATH_PREFIX = "/opentelemetry.proto.collector."
GRPC_HINT = (" (an OTLP/gRPC exporter? send gRPC to the monitor's gRPC port, 4317 unless --otlp-grpc-port,"
             " or set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf)")
HEALTH_BODY = b'{"status":"ok","service":"agenttrace-tui"}'
_PROTOBUF_TYPES = ("application/x-protobuf", "application/protobuf")
_JSON_TYPES = ("application/json",)
_RESPONSES: dict[str, tuple[Any, str, str]] = {
    "traces": (trace_service_pb2.ExportTraceServiceResponse, "rejected_spans", "rejectedSpans"),
    "logs": (logs_service_pb2.ExportLogsServiceResponse, "rejected_log_records", "rejectedLogRecords"),
    "metrics": (metrics_service_pb2.ExportMetricsServiceResponse, "rejected_data_points", "rejectedDataPoints"),
}
_REASONS = {200: "OK", 100: "Continue", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
            405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required", 413: "Payload Too Large",
            415: "Unsupported Media Type", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
            501: "Not Implemented", 503: "Service Unavailable", 505: "HTTP Version Not Supported"}
# google.rpc.Code values for the Status body.
_RPC_CODE = {400: 3, 401: 16, 404: 5, 405: 12, 408: 4, 411: 3, 413: 8, 415: 3, 431: 8, 500: 13, 501: 12, 503: 14, 505: 12}


class HttpError(Exception):
    def __init__(self, status: int, reason: str, detail: str, close: bool = True) -> None:
        super().__init__(detail)
        self.status = status
        self.reason = reason
        self.detail = detail
        self.close = close


class OtlpStats:
    """Counters of the receiver (the rejects themselves are in pipeline.stats)."""

    def __init__(self) -> None:
        self.requests = 0
        self.responses: Counter[int] = Counter()
        self.items: Counter[str] = Counter()  # accepted per signal
        self.rejected_items = 0
        self.bytes = 0
        self.connections = 0
        self.open_connections = 0


def _status_body(code: int, message: str, json: bool) -> bytes:
    """A google.rpc.Status (code, message) without depending on googleapis."""
    if json:
        return msgspec.json.encode({"code": code, "message": message})
    msg = message.encode("utf-8", "replace")
    out = bytearray(b"\x08")
    out += _varint(code)
    out += b"\x12"
    out += _varint(len(msg))
    out += msg
    return bytes(out)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def inflate(body: bytes, cap: int) -> bytes:
    """Gunzip ``body``, refusing to produce more than ``cap`` bytes."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    data = body
    try:
        while data:
            chunk = d.decompress(data, max(1, cap + 1 - len(out)))
            out += chunk
            if len(out) > cap:
                raise HttpError(413, "decompressed_too_large", f"gzip body inflates past {cap} bytes")
            data = d.unconsumed_tail
            if d.eof:
                break
            if not chunk and not data:
                break
        if not d.eof:
            raise HttpError(400, "bad_gzip", "truncated gzip body", close=False)
    except zlib.error as exc:
        raise HttpError(400, "bad_gzip", f"invalid gzip body: {exc}", close=False) from None
    return bytes(out)


class OtlpIngest:
    """What every OTLP transport shares: body limits, decoding, conversion, counters.

    The HTTP server here and the gRPC receiver (``otlp_grpc``) both hand a
    request body to ``export``; one instance serves both in a monitor, so a
    sender's cumulative metrics and log-built tool spans stay in one state
    whichever transport it uses. Rejects are counted in ``pipeline.stats``
    under the transport's source name.
    """

    def __init__(self, pipeline: Pipeline, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
                 max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
                 forwarder: Forwarder | None = None) -> None:
        self.pipeline = pipeline
        self.max_body_bytes = max_body_bytes
        self.max_decompressed_bytes = max_decompressed_bytes
        self.forwarder = forwarder
        #: The session each Codex-like service named last (shared by spans and log records).
        self.services = ServiceSessions()
        #: Turns' prompts logged apart from their traces, joined to their roots (by log records and spans).
        self.prompts = TurnPrompts()
        self.logs = LogMapper(self.services, self.prompts)
        self.metric_state = MetricState()

    def reject(self, reason: str, detail: str, payload: bytes | None = None, source: str = SOURCE) -> None:
        self.pipeline.stats.reject(source, reason, detail, payload)

    async def export(self, signal: str, body: bytes, *, gzip: bool, json: bool, ctype: str = "application/x-protobuf",
                     source: str = SOURCE, stats: OtlpStats | None = None) -> Rejects:
        """Decode and apply one Export request body; the items rejected in it.

        Raises ``HttpError`` (not yet counted: the caller answers and counts
        it) when the body as a whole is unusable.
        """
        raw = body
        if gzip:
            if len(body) > THREAD_INFLATE_BYTES:
                body = await asyncio.to_thread(inflate, body, self.max_decompressed_bytes)
            else:
                body = inflate(body, self.max_decompressed_bytes)
        elif len(body) > self.max_decompressed_bytes:
            raise HttpError(413, "decompressed_too_large", f"body of {len(body)} bytes is over the "
                            f"{self.max_decompressed_bytes}-byte limit")
        try:
            check_size(signal, body, json)
            req = parse(signal, body, json)
        except TooManyItems as exc:
            raise HttpError(413, "too_many_items", str(exc), close=False) from None
        except BodyError as exc:
            raise HttpError(400, "undecodable_body", str(exc), close=False) from None
        if json and count_items(signal, req, json) > MAX_ITEMS:
            raise HttpError(413, "too_many_items", f"request holds more than {MAX_ITEMS} items; send smaller batches",
                            close=False)
        if stats is not None:
            stats.bytes += len(raw)
        self.pipeline.stats.bytes += len(raw)
        rejects = Rejects()
        try:
            accepted = await self._convert(signal, req, json, rejects, source)
        except (RecursionError, MemoryError, ValueError, TypeError, AttributeError) as exc:
            # A body that parsed but defeats conversion as a whole (e.g. absurd nesting).
            raise HttpError(400, "unconvertible_body", f"{type(exc).__name__}: {exc}"[:300], close=False) from None
        if stats is not None:
            stats.items[signal] += accepted
        if self.forwarder is not None:
            self.forwarder.forward_otlp(signal, raw, ctype, "gzip" if gzip else None, accepted + rejects.total)
        if rejects.total:
            for reason, n in rejects.by_reason.items():
                self.pipeline.stats.reject(source, reason, rejects.first[reason], None, n=n)
            if stats is not None:
                stats.rejected_items += rejects.total
        durable = self.pipeline.durable
        if durable is not None and accepted and not await durable():
            # Held in memory, not on disk: the exporter keeps the batch and retries
            # (a retry merges into the same spans, nothing is counted twice).
            raise HttpError(503, "database_not_writable", "the database cannot be written now; retry later",
                            close=False)
        return rejects

    async def _convert(self, signal: str, req: Any, json: bool, rejects: Rejects, source: str) -> int:
        """Apply the request's updates chunk by chunk; returns items accepted."""
        store = self.pipeline.store
        tap = self.forwarder is None  # with a forwarder the raw body goes upstream instead
        chunks: Iterator[list[Update]]
        if signal == "traces":
            def trace_session(tid: str) -> str | None:
                t = store.traces.get(tid)
                return t.session_id if t is not None else None

            def trace_rooted(tid: str) -> bool:
                t = store.traces.get(tid)
                return t is not None and t.root_id is not None

            chunks = convert_traces(req, json, rejects, trace_session, services=self.services, trace_rooted=trace_rooted,
                                    prompts=self.prompts)
        elif signal == "logs":
            chunks = self.logs.convert(req, json, rejects)
        else:
            chunks = convert_metrics(req, json, rejects, self.metric_state, services=self.services)
        first = True
        for chunk in chunks:
            if not first:
                await asyncio.sleep(0)  # let the loop (UI, UDP) breathe between chunks
            first = False
            if chunk:
                self.pipeline.apply(chunk, tap=tap, source=source, on_refuse=rejects.add)
                self.pipeline.settle()  # fold per chunk, not 20k spans at once in the next reader
            for trace_id, sid, provisional in self.services.drain():
                store.claim_trace(trace_id, sid, provisional)
        total = count_items(signal, req, json)
        accepted = max(0, total - rejects.total)
        self.pipeline.stats.accepted[source] += accepted
        return accepted

    def success(self, signal: str, rejects: Rejects, json: bool) -> bytes:
        """The Export*ServiceResponse body, with ``partial_success`` when items were rejected."""
        cls, field, jfield = _RESPONSES[signal]
        if json:
            if not rejects.total:
                return b"{}"
            return msgspec.json.encode({"partialSuccess": {jfield: str(rejects.total), "errorMessage": rejects.message()}})
        resp = cls()
        if rejects.total:
            setattr(resp.partial_success, field, rejects.total)
            resp.partial_success.error_message = rejects.message()
        return resp.SerializeToString()


class OtlpServer:
    """A running OTLP/HTTP receiver."""

    def __init__(self, pipeline: Pipeline, max_body_bytes: int, max_decompressed_bytes: int,
                 forwarder: Forwarder | None = None, core: OtlpIngest | None = None, token: str | None = None) -> None:
        self.core = core or OtlpIngest(pipeline, max_body_bytes, max_decompressed_bytes, forwarder)
        self.pipeline = pipeline
        self.max_body_bytes = self.core.max_body_bytes
        #: The shared secret every request but /health must carry as a bearer token.
        self.token = token.encode() if token else None
        self.body_stall_s = BODY_STALL_S
        self.stats = OtlpStats()
        self.address: tuple[str, int] = ("", 0)
        self._server: asyncio.base_events.Server | None = None
        self._conns: set[asyncio.Task[Any]] = set()
        #: connections waiting for a request head -> since when (loop time)
        self._waiting: dict[asyncio.Task[Any], float] = {}

    @property
    def logs(self) -> LogMapper:
        return self.core.logs

    @property
    def endpoint(self) -> str:
        host, port = self.address
        host = f"[{host}]" if ":" in host else host
        return f"otlp http://{host}:{port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._conns):
            task.cancel()
        if self._conns:
            await asyncio.gather(*self._conns, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    # -- connection ------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        st = self.stats
        st.connections += 1
        if len(self._conns) >= MAX_CONNECTIONS and not self._make_room():
            self._reject("too_many_connections", f"more than {MAX_CONNECTIONS} open connections")
            writer.close()
            return
        if task is not None:
            self._conns.add(task)
        st.open_connections += 1
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADER_BYTES)
        try:
            while await self._request(conn, reader, writer):
                conn.start_next_cycle()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # noqa: BLE001 - a bug here must cost one connection, never a traceback per request
            self._reject("internal_error", f"{type(exc).__name__}: {exc}"[:300])
            try:
                await self._send(conn, writer, 500, _status_body(13, "internal error", False), False, False)
            except Exception:  # noqa: BLE001 - the peer may be gone already
                pass
        finally:
            st.open_connections -= 1
            if task is not None:
                self._conns.discard(task)
                self._waiting.pop(task, None)
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - a dying socket must not matter
                pass

    def _make_room(self) -> bool:
        """At the cap, close the connection that has waited longest for a request head.

        Room is reserved for new clients: connections that send nothing (or
        a head one byte at a time) give way to one that just arrived, while
        a connection busy with a request body or a response keeps its slot.
        """
        oldest: asyncio.Task[Any] | None = None
        since = float("inf")
        for task in self._conns:
            t = self._waiting.get(task)
            if t is not None and t < since:
                oldest, since = task, t
        if oldest is None:
            return False
        self._waiting.pop(oldest, None)
        self._conns.discard(oldest)
        oldest.cancel()
        self._reject("connection_evicted", "an idle connection gave way to a new client at the connection cap")
        return True

    async def _next_event(self, conn: h11.Connection, reader: asyncio.StreamReader, deadline: float, stall: float,
                          raw: bytearray | None = None) -> Any:
        """The next h11 event, reading as needed; TimeoutError past ``deadline`` or ``stall`` seconds of silence.

        ``raw`` collects the bytes read (the request head's, for the checks
        h11 leaves to the server).
        """
        loop = asyncio.get_running_loop()
        while True:
            event = conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            timeout = min(deadline - loop.time(), stall)
            if timeout <= 0:
                raise TimeoutError
            data = await asyncio.wait_for(reader.read(READ_BYTES), timeout)
            if raw is not None:
                raw += data
            conn.receive_data(data)  # b"" is the peer's end of stream

    async def _request(self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False when the connection must close."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        if task is not None:
            self._waiting[task] = loop.time()
        raw = bytearray()
        try:
            event = await self._next_event(conn, reader, loop.time() + IDLE_TIMEOUT_S, IDLE_TIMEOUT_S, raw)
        except TimeoutError:
            if raw.strip():  # a head begun and never finished (an idle keep-alive just closes)
                await self._error(conn, writer, HttpError(408, "head_timeout",
                                                          f"request head not received within {IDLE_TIMEOUT_S:g} s"))
            return False
        except h11.RemoteProtocolError as exc:
            status = exc.error_status_hint if exc.error_status_hint in (431, 501) else 400
            what = f"request head over {MAX_HEADER_BYTES} bytes" if status == 431 else f"malformed request head: {exc}"
            await self._error(conn, writer, HttpError(status, "bad_http", what[:300]))
            return False
        finally:
            if task is not None:
                self._waiting.pop(task, None)
        if not isinstance(event, h11.Request):  # ConnectionClosed: the peer is done
            return False
        self.stats.requests += 1
        headers = _headers(event.headers)
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        json = ctype in _JSON_TYPES
        method = event.method.decode("ascii", "replace")
        path = _path(event.target.decode("latin-1"))
        signal = PATHS.get(path)
        encoding = headers.get("content-encoding", "identity").strip().lower()
        try:
            if event.http_version not in (b"1.0", b"1.1"):
                raise HttpError(505, "bad_http", f"HTTP/{event.http_version.decode()} is not supported; use HTTP/1.1"
                                + (GRPC_HINT if event.http_version == b"2.0" else ""))
            _check_framing(raw, event.headers)
            health = path == HEALTH_PATH and method in ("GET", "HEAD")
            if not health:
                if self.token is not None and not authorized(headers.get("authorization", ""), self.token):
                    raise HttpError(401, "unauthorized", "missing or wrong token: send Authorization: Bearer <token>")
                if signal is None:
                    raise HttpError(404, "not_found", f"no OTLP endpoint at {path[:100]}"
                                    + (GRPC_HINT if path.startswith(GRPC_PATH_PREFIX) else ""))
                if method != "POST":
                    raise HttpError(405, "method_not_allowed", f"{method[:20]} {path}: only POST is allowed")
                if ctype not in _PROTOBUF_TYPES and not json:
                    raise HttpError(415, "unsupported_media_type",
                                    f"Content-Type {ctype[:60]!r}: use application/x-protobuf or application/json")
                if encoding not in ("gzip", "identity", ""):
                    raise HttpError(415, "unsupported_encoding", f"Content-Encoding {encoding[:40]!r}: only gzip")
            body = await self._body(conn, reader, writer, headers)
        except HttpError as err:
            await self._error(conn, writer, err, json)
            # The body (if any) was not read: the stream is out of step, so close; but read
            # what the client is still sending first (briefly, bounded), or its OS would see
            # a reset instead of our answer.
            await _linger(reader)
            return False
        if health:
            # How `agenttrace-tui run` tells this monitor from any other OTLP receiver.
            await self._send(conn, writer, 200, HEALTH_BODY, True, True, head=method == "HEAD")
            return _reusable(conn)
        assert signal is not None
        try:
            rejects = await self.core.export(signal, body, gzip=encoding == "gzip", json=json, ctype=ctype,
                                             stats=self.stats)
        except HttpError as err:
            await self._error(conn, writer, err, json, body)
            return _reusable(conn)
        await self._send(conn, writer, 200, self.core.success(signal, rejects, json), json, True)
        return _reusable(conn)

    async def _body(self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    headers: dict[str, str]) -> bytes:
        """The whole request body, within the byte limit and the body timeouts."""
        limit = self.max_body_bytes
        length = headers.get("content-length")
        if length is not None and int(length) > limit:  # h11 checked it is all digits
            raise HttpError(413, "body_too_large", f"body of {length} bytes is over the {limit}-byte limit")
        if conn.they_are_waiting_for_100_continue:
            writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])) or b"")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BODY_TIMEOUT_S
        out = bytearray()
        while True:
            try:
                event = await self._next_event(conn, reader, deadline, self.body_stall_s)
            except TimeoutError:
                raise HttpError(408, "body_timeout", f"request body stalled (no byte for {self.body_stall_s:g} s, "
                                f"or not whole within {BODY_TIMEOUT_S:g} s)") from None
            except h11.RemoteProtocolError as exc:
                # e.g. a chunk-size line over the head limit, a bad chunk header, a body cut short
                raise HttpError(400, "bad_http", f"malformed request body: {exc}"[:300]) from None
            if isinstance(event, h11.Data):
                if len(out) + len(event.data) > limit:
                    raise HttpError(413, "body_too_large", f"body is over the {limit}-byte limit")
                out += event.data
            elif isinstance(event, h11.EndOfMessage):
                return bytes(out)
            else:
                raise HttpError(400, "bad_http", "connection closed inside the request body")

    def _reject(self, reason: str, detail: str, payload: bytes | None = None) -> None:
        self.core.reject(reason, detail, payload)

    async def _error(self, conn: h11.Connection, writer: asyncio.StreamWriter, err: HttpError, json: bool = False,
                     payload: bytes | None = None) -> None:
        self._reject(err.reason, err.detail, payload)
        extra: list[tuple[bytes, bytes]] = []
        if err.status == 405:
            extra.append((b"Allow", b"POST"))
        elif err.status == 401:
            extra.append((b"WWW-Authenticate", b'Bearer realm="agenttrace-tui"'))
        try:
            await self._send(conn, writer, err.status, _status_body(_RPC_CODE.get(err.status, 2), err.detail, json),
                             json, not err.close, extra)
        except (ConnectionError, RuntimeError):
            pass  # the peer left before its answer

    async def _send(self, conn: h11.Connection, writer: asyncio.StreamWriter, status: int, body: bytes, json: bool,
                    keep: bool, extra: list[tuple[bytes, bytes]] | None = None, head: bool = False) -> None:
        """One response; ``head``: its headers only (the answer to HEAD, Content-Length as for GET)."""
        self.stats.responses[status] += 1
        headers = [(b"Content-Type", b"application/json" if json else b"application/x-protobuf"),
                   (b"Content-Length", b"%d" % len(body)), *(extra or [])]
        if not keep:
            headers.append((b"Connection", b"close"))
        reason = _REASONS.get(status, "Error").encode()
        try:
            data = conn.send(h11.Response(status_code=status, headers=headers, reason=reason)) or b""
            if not head:
                data += conn.send(h11.Data(data=body)) or b""
            data += conn.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError:
            # No request was parsed (its head was malformed): h11 has nothing to answer,
            # the peer still gets the same response written out by hand.
            data = b"HTTP/1.1 %d %s\r\n" % (status, reason)
            data += b"".join(b"%s: %s\r\n" % (k, v) for k, v in headers)
            if keep:
                data += b"Connection: close\r\n"
            data += b"\r\n" + body
        writer.write(data)
        await writer.drain()


#: Bytes asked of the socket per read.
READ_BYTES = 256 * 1024
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_CONTENT_LENGTH_LINE = re.compile(rb"(?im)^content-length:([^\r\n]*)")


def _headers(items: Any) -> dict[str, str]:
    """h11's (lower-cased name, value) pairs as a dict; a repeated header's values joined by commas."""
    out: dict[str, str] = {}
    for name, value in items:
        key = name.decode("latin-1")
        text = value.decode("latin-1")
        out[key] = f"{out[key]}, {text}" if key in out else text
    return out


def _check_framing(raw: bytes | bytearray, headers: Any) -> None:
    """What h11 accepts and we refuse: a head over the limit, body framing a proxy and we could read differently.

    h11 merges repeated identical Content-Length values and lets chunked
    win over Content-Length (both allowed by RFC 9112); a request smuggled
    past a proxy relies on exactly that, so both are a 400 here.
    """
    end = _HEAD_END.search(raw)
    if (end.end() if end else len(raw)) > MAX_HEADER_BYTES:
        # h11 checks its limit only while a head is incomplete: one that arrives whole in a read passes it.
        raise HttpError(431, "bad_http", f"request head over {MAX_HEADER_BYTES} bytes")
    names = [name for name, _ in headers]
    if b"content-length" in names and b"transfer-encoding" in names:
        raise HttpError(400, "bad_http", "Content-Length together with Transfer-Encoding")
    lines = _CONTENT_LENGTH_LINE.findall(raw[: end.start()] if end else raw)
    if len(lines) > 1 or any(b"," in v for v in lines):
        raise HttpError(400, "bad_http", "more than one Content-Length")


def authorized(header: str, token: bytes) -> bool:
    """Whether an ``Authorization`` value is ``Bearer <token>`` (compared in constant time)."""
    scheme, _, cred = header.strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(cred.strip().encode("utf-8", "replace"), token)


def _reusable(conn: h11.Connection) -> bool:
    """Whether the connection can carry another request (both sides done, keep-alive)."""
    return conn.our_state is h11.DONE and conn.their_state is h11.DONE


def _path(target: str) -> str:
    path = target.split("?", 1)[0]
    if path.startswith("http://") or path.startswith("https://"):
        path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
    return path


LINGER_S = 1.0
LINGER_BYTES = 64 * 1024 * 1024


async def _linger(reader: asyncio.StreamReader) -> None:
    """Discard what the peer still sends, for at most LINGER_S / LINGER_BYTES."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LINGER_S
    left = LINGER_BYTES
    try:
        while left > 0:
            timeout = deadline - loop.time()
            if timeout <= 0:
                return
            data = await asyncio.wait_for(reader.read(min(left, 1 << 20)), timeout)
            if not data:
                return
            left -= len(data)
    except (TimeoutError, ConnectionError):
        return


async def start_otlp(
    pipeline: Pipeline,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    forwarder: Forwarder | None = None,
    core: OtlpIngest | None = None,
    token: str | None = None,
) -> OtlpServer:
    """Bind the OTLP/HTTP receiver on the running loop (port 0: any free port).

    With a ``forwarder`` the raw request bodies are forwarded upstream as
    received (and the pipeline's taps skip them, so nothing goes twice).
    ``core`` shares decoding state and limits with another transport. With a
    ``token`` every request but ``/health`` needs ``Authorization: Bearer <token>``
    (else 401, counted as "unauthorized").
    """
    server = OtlpServer(pipeline, max_body_bytes, max_decompressed_bytes, forwarder, core, token)
    try:
        srv = await asyncio.start_server(server._connection, host, port, limit=MAX_HEADER_BYTES)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError("otlp", host, port, "--otlp-port") from None
        raise
    server._server = srv
    sock = srv.sockets[0].getsockname()
    server.address = (sock[0], sock[1])
    return server
