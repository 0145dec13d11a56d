"""OTLP/HTTP receiver: POST /v1/traces, /v1/logs, /v1/metrics on the monitor's loop.

A minimal HTTP/1.1 server on asyncio streams (keep-alive, Content-Length or
chunked bodies, ``Expect: 100-continue``): OTLP/HTTP needs nothing more, it
runs on the monitor's own event loop with no extra thread or dependency, and
every limit is ours to enforce. Bodies are ``application/x-protobuf`` or
``application/json`` (OTLP JSON), optionally ``Content-Encoding: gzip``.

Responses follow the OTLP/HTTP spec: 200 with the Export*ServiceResponse in
the request's encoding (``partial_success`` counts rejected items), 400 for
an undecodable body, 413 over the body or decompressed-size limit, 415 for
other media types or encodings, 405 for a method other than POST, 404 for
other paths (``GET /health`` answers 200 and names the monitor); error bodies
are a ``google.rpc.Status``. Every reject is
counted by reason in ``pipeline.stats`` under source "otlp". Gzip is
inflated incrementally with a cap, so a small bomb never becomes a big buffer.
"""

from __future__ import annotations

import asyncio
import errno
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

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
BODY_TIMEOUT_S = 30.0
#: Compressed bodies above this are inflated on a worker thread (zlib drops the GIL).
THREAD_INFLATE_BYTES = 256 * 1024

PATHS = {"/v1/traces": "traces", "/v1/logs": "logs", "/v1/metrics": "metrics"}
HEALTH_PATH = "/health"
HEALTH_BODY = b'{"status":"ok","service":"agenttrace-tui"}'
_PROTOBUF_TYPES = ("application/x-protobuf", "application/protobuf")
_JSON_TYPES = ("application/json",)
_RESPONSES: dict[str, tuple[Any, str, str]] = {
    "traces": (trace_service_pb2.ExportTraceServiceResponse, "rejected_spans", "rejectedSpans"),
    "logs": (logs_service_pb2.ExportLogsServiceResponse, "rejected_log_records", "rejectedLogRecords"),
    "metrics": (metrics_service_pb2.ExportMetricsServiceResponse, "rejected_data_points", "rejectedDataPoints"),
}
_REASONS = {200: "OK", 100: "Continue", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            408: "Request Timeout", 411: "Length Required", 413: "Payload Too Large", 415: "Unsupported Media Type",
            431: "Request Header Fields Too Large", 503: "Service Unavailable"}
# google.rpc.Code values for the Status body.
_RPC_CODE = {400: 3, 404: 5, 405: 12, 408: 4, 411: 3, 413: 8, 415: 3, 431: 8, 503: 14}


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
        self.logs = LogMapper(self.services)
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

            chunks = convert_traces(req, json, rejects, trace_session, services=self.services)
        elif signal == "logs":
            chunks = self.logs.convert(req, json, rejects)
        else:
            chunks = convert_metrics(req, json, rejects, self.metric_state)
        first = True
        for chunk in chunks:
            if not first:
                await asyncio.sleep(0)  # let the loop (UI, UDP) breathe between chunks
            first = False
            if chunk:
                self.pipeline.apply(chunk, tap=tap, source=source, on_refuse=rejects.add)
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
                 forwarder: Forwarder | None = None, core: OtlpIngest | None = None) -> None:
        self.core = core or OtlpIngest(pipeline, max_body_bytes, max_decompressed_bytes, forwarder)
        self.pipeline = pipeline
        self.max_body_bytes = self.core.max_body_bytes
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
        try:
            while True:
                keep = await self._request(reader, writer)
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
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

    async def _request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False when the connection must close."""
        task = asyncio.current_task()
        if task is not None:
            self._waiting[task] = asyncio.get_running_loop().time()
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_TIMEOUT_S)
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                self._reject("bad_http", "connection closed inside the request head")
            return False
        except asyncio.LimitOverrunError:
            await self._error(writer, HttpError(431, "bad_http", f"request head over {MAX_HEADER_BYTES} bytes"), False)
            return False
        except TimeoutError:
            return False
        finally:
            if task is not None:
                self._waiting.pop(task, None)
        self.stats.requests += 1
        json = False
        try:
            method, path, version, headers = _parse_head(head)
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            json = ctype in _JSON_TYPES
            keep = _keep_alive(version, headers)
            if path == HEALTH_PATH and method in ("GET", "HEAD"):
                # How `agenttrace-tui run` tells this monitor from any other OTLP receiver.
                await self._send(writer, 200, HEALTH_BODY, True, keep)
                return keep
            signal = PATHS.get(path)
            if signal is None:
                raise HttpError(404, "not_found", f"no OTLP endpoint at {path[:100]}")
            if method != "POST":
                raise HttpError(405, "method_not_allowed", f"{method[:20]} {path}: only POST is allowed")
            if ctype not in _PROTOBUF_TYPES and not json:
                raise HttpError(415, "unsupported_media_type",
                                f"Content-Type {ctype[:60]!r}: use application/x-protobuf or application/json")
            encoding = headers.get("content-encoding", "identity").strip().lower()
            if encoding not in ("gzip", "identity", ""):
                raise HttpError(415, "unsupported_encoding", f"Content-Encoding {encoding[:40]!r}: only gzip")
            body = await self._body(reader, writer, headers)
        except HttpError as err:
            await self._error(writer, err, json)
            # The body (if any) was not read: the stream is out of step, so close; but read
            # what the client is still sending first (briefly, bounded), or its OS would see
            # a reset instead of our answer.
            await _linger(reader)
            return False
        try:
            rejects = await self.core.export(signal, body, gzip=encoding == "gzip", json=json, ctype=ctype,
                                             stats=self.stats)
        except HttpError as err:
            await self._error(writer, err, json, body)
            return keep and not err.close
        await self._send(writer, 200, self.core.success(signal, rejects, json), json, keep)
        return keep

    async def _body(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: dict[str, str]) -> bytes:
        limit = self.max_body_bytes
        te = headers.get("transfer-encoding", "").lower()
        length_h = headers.get("content-length")
        if "chunked" in te:
            if headers.get("expect", "").lower() == "100-continue":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            return await asyncio.wait_for(_read_chunked(reader, limit), BODY_TIMEOUT_S)
        if length_h is None:
            return b""
        try:
            length = int(length_h)
            if length < 0:
                raise ValueError
        except ValueError:
            raise HttpError(400, "bad_http", f"invalid Content-Length {length_h[:30]!r}") from None
        if length > limit:
            raise HttpError(413, "body_too_large", f"body of {length} bytes is over the {limit}-byte limit")
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            return await asyncio.wait_for(reader.readexactly(length), BODY_TIMEOUT_S)
        except TimeoutError:
            raise HttpError(408, "body_timeout", "body not received in time") from None

    def _reject(self, reason: str, detail: str, payload: bytes | None = None) -> None:
        self.core.reject(reason, detail, payload)

    async def _error(self, writer: asyncio.StreamWriter, err: HttpError, json: bool, payload: bytes | None = None) -> None:
        self._reject(err.reason, err.detail, payload)
        await self._send(writer, err.status, _status_body(_RPC_CODE.get(err.status, 2), err.detail, json), json,
                         not err.close, extra=b"Allow: POST\r\n" if err.status == 405 else b"")

    async def _send(self, writer: asyncio.StreamWriter, status: int, body: bytes, json: bool, keep: bool,
                    extra: bytes = b"") -> None:
        self.stats.responses[status] += 1
        ctype = b"application/json" if json else b"application/x-protobuf"
        head = (
            b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s%s\r\n"
            % (status, _REASONS.get(status, "Error").encode(), ctype, len(body), extra,
               b"" if keep else b"Connection: close\r\n")
        )
        writer.write(head + body)
        await writer.drain()


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes anything
        raise HttpError(400, "bad_http", "undecodable request head") from None
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpError(400, "bad_http", f"bad request line {lines[0][:80]!r}")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise HttpError(400, "bad_http", f"bad header line {line[:80]!r}")
        headers[name.lower()] = value.strip()
    path = target.split("?", 1)[0]
    if path.startswith("http://") or path.startswith("https://"):
        path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
    return method, path, version, headers


def _keep_alive(version: str, headers: dict[str, str]) -> bool:
    conn = headers.get("connection", "").lower()
    if version == "HTTP/1.0":
        return "keep-alive" in conn
    return "close" not in conn


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


async def _read_chunked(reader: asyncio.StreamReader, limit: int) -> bytes:
    out = bytearray()
    while True:
        line = await reader.readuntil(b"\r\n")
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise HttpError(400, "bad_http", "invalid chunk size") from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return bytes(out)
        if len(out) + size > limit:
            raise HttpError(413, "body_too_large", f"chunked body is over the {limit}-byte limit")
        out += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise HttpError(400, "bad_http", "chunk not followed by CRLF")


async def start_otlp(
    pipeline: Pipeline,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    forwarder: Forwarder | None = None,
    core: OtlpIngest | None = None,
) -> OtlpServer:
    """Bind the OTLP/HTTP receiver on the running loop (port 0: any free port).

    With a ``forwarder`` the raw request bodies are forwarded upstream as
    received (and the pipeline's taps skip them, so nothing goes twice).
    ``core`` shares decoding state and limits with another transport.
    """
    server = OtlpServer(pipeline, max_body_bytes, max_decompressed_bytes, forwarder, core)
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
