"""Forward everything received to an upstream OTLP/HTTP endpoint (``--forward URL``).

OTLP requests go upstream exactly as they arrived (same bytes, media type
and encoding). Native records (UDP/TCP/Unix) are converted to OTLP protobuf:
ended spans with the GenAI attribute names this monitor reads back, events
as log records, metrics as gauges and delta sums.

The ingest side only appends to a bounded queue (``tap``/``forward_otlp`` never
block and never do I/O); a daemon thread converts, batches and POSTs with
``http.client``, retrying with exponential backoff and jitter. The queue is
bounded twice: by items (``max_queue``) and by bytes (``max_bytes``: a raw
OTLP body counts its length, a native item ``NATIVE_ITEM_BYTES``), so a few
huge requests cannot hold hundreds of megabytes. When the queue is full, or a
batch fails for good, the items are dropped and counted in ``dropped`` (and
their bytes in ``dropped_bytes``; the header shows the count). A dead or slow
upstream therefore costs ingest nothing but the drops.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.proto.resource.v1 import resource_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from ..model import AttachedEvent, Metric, Session, Span, SpanEnd, SpanKind, Status, Update

if TYPE_CHECKING:
    from ..store.memory import Store

log = logging.getLogger(__name__)

DEFAULT_MAX_QUEUE = 50_000
#: Bytes the queue may hold (raw OTLP bodies by length, native items estimated).
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
#: What a queued native item (a span, event or metric) is counted as: about
#: what one costs in memory once the store let go of it.
NATIVE_ITEM_BYTES = 2048
DEFAULT_BATCH = 512
SCOPE = common_pb2.InstrumentationScope(name="agenttrace-tui")
MAX_SESSIONS = 10_000

_OPERATION = {
    SpanKind.LLM_CALL: "chat",
    SpanKind.TOOL_EXECUTION: "execute_tool",
    SpanKind.AGENT: "invoke_agent",
    SpanKind.EMBEDDING: "embeddings",
    SpanKind.RETRIEVAL: "retrieval",
}
_PART_KEYS = {
    "llm": {"provider": "gen_ai.provider.name", "model": "gen_ai.request.model", "temperature": "gen_ai.request.temperature",
            "max_tokens": "gen_ai.request.max_tokens", "cached": "llm.cached", "prompt_preview": "input.value",
            "response_preview": "output.value"},
    "tool": {"name": "gen_ai.tool.name", "action": "tool.action", "target": "tool.target", "status": "tool.status",
             "call_id": "gen_ai.tool.call.id", "input_preview": "gen_ai.tool.call.arguments",
             "output_preview": "gen_ai.tool.call.result", "server": "github.copilot.tool.parameters.mcp_server_name"},
    "agent": {"name": "gen_ai.agent.name", "iteration": "agent.iteration", "state": "agent.state",
              "stop_reason": "agent.stop_reason"},
    "rag": {"query": "rag.query", "sources_found": "rag.sources_found", "top_score": "rag.top_score"},
    "file": {"path": "file.path", "operation": "file.operation", "bytes": "file.bytes"},
}
_USAGE_KEYS = {"input": "input_tokens", "output": "output_tokens", "cache_read": "cache_read.input_tokens",
               "cache_write": "cache_creation.input_tokens", "reasoning": "reasoning.output_tokens"}


# -- native -> OTLP ----------------------------------------------------------------


def otlp_id(value: str, nbytes: int) -> bytes:
    """Our id as OTLP bytes: hex ids as they are, any other string hashed."""
    if len(value) == 2 * nbytes:
        try:
            raw = bytes.fromhex(value)
            if any(raw):
                return raw
        except ValueError:
            pass
    return hashlib.blake2b(value.encode(), digest_size=nbytes).digest()


def any_value(v: Any, depth: int = 0) -> common_pb2.AnyValue:
    if isinstance(v, str):
        return common_pb2.AnyValue(string_value=v)
    if isinstance(v, bool):
        return common_pb2.AnyValue(bool_value=v)
    if isinstance(v, int):
        if -(2**63) <= v < 2**63:
            return common_pb2.AnyValue(int_value=v)
        return common_pb2.AnyValue(string_value=str(v))
    if isinstance(v, float):
        return common_pb2.AnyValue(double_value=v)
    if depth < 8 and isinstance(v, (list, tuple)):
        return common_pb2.AnyValue(array_value=common_pb2.ArrayValue(values=[any_value(x, depth + 1) for x in v]))
    if depth < 8 and isinstance(v, dict):
        return common_pb2.AnyValue(kvlist_value=common_pb2.KeyValueList(values=key_values(v, depth + 1)))
    return common_pb2.AnyValue(string_value=str(v))


def key_values(attrs: dict[str, Any], depth: int = 0) -> list[common_pb2.KeyValue]:
    return [common_pb2.KeyValue(key=str(k), value=any_value(v, depth)) for k, v in attrs.items() if v is not None]


def span_attributes(s: Span) -> dict[str, Any]:
    """The span's typed parts spelled in the conventions this monitor reads back."""
    attrs: dict[str, Any] = dict(s.attributes)
    attrs["agenttrace.kind"] = s.kind.value
    op = _OPERATION.get(s.kind)
    if op is not None:
        attrs.setdefault("gen_ai.operation.name", op)
    if s.session_id:
        attrs["session.id"] = s.session_id
    for part, keys in _PART_KEYS.items():
        value = getattr(s, part)
        if value is None:
            continue
        for field, key in keys.items():
            v = getattr(value, field)
            if v is not None:
                attrs[key] = v
    if s.llm is not None and s.llm.stop_reason:
        attrs["gen_ai.response.finish_reasons"] = [s.llm.stop_reason]
    u = s.usage
    if u is not None:
        prefix = "gen_ai.usage." if u.scope == "span" else "gen_ai.aggregated_usage."
        for field, key in _USAGE_KEYS.items():
            v = getattr(u, field)
            if v:
                attrs[prefix + key] = v
        if u.estimated:
            attrs["agenttrace.usage.estimated"] = True
    c = s.cost
    if c is not None and c.total is not None:
        attrs["llm.cost.total"] = c.total
        if c.input is not None:
            attrs["llm.cost.prompt"] = c.input
        if c.output is not None:
            attrs["llm.cost.completion"] = c.output
        attrs["agenttrace.cost.source"] = c.source
    return attrs


def span_to_otlp(s: Span) -> trace_pb2.Span:
    status = trace_pb2.Status()
    if s.status in (Status.ERROR, Status.TIMEOUT, Status.CANCELLED):
        status.code = trace_pb2.Status.STATUS_CODE_ERROR
        status.message = s.status_message or s.status.value
    out = trace_pb2.Span(
        trace_id=otlp_id(s.trace_id, 16),
        span_id=otlp_id(s.span_id, 8),
        name=s.name,
        kind=trace_pb2.Span.SPAN_KIND_CLIENT if s.kind in (SpanKind.LLM_CALL, SpanKind.API_CALL)
        else trace_pb2.Span.SPAN_KIND_INTERNAL,
        start_time_unix_nano=s.start_ns,
        end_time_unix_nano=s.end_ns or s.start_ns,
        attributes=key_values(span_attributes(s)),
        status=status,
    )
    if s.parent_span_id:
        out.parent_span_id = otlp_id(s.parent_span_id, 8)
    for e in s.events:
        out.events.add(time_unix_nano=e.time_ns, name=e.name, attributes=key_values(e.attributes))
    for ln in s.links:
        out.links.add(trace_id=otlp_id(ln.trace_id, 16), span_id=otlp_id(ln.span_id, 8),
                      attributes=key_values(ln.attributes))
    return out


def _resource(sid: str, session: Session | None) -> resource_pb2.Resource:
    attrs: dict[str, Any] = {"service.name": (session.service if session and session.service else "agenttrace")}
    if sid:
        attrs["session.id"] = sid
    if session is not None:
        if session.hostname:
            attrs["host.name"] = session.hostname
        if session.framework:
            attrs["agenttrace.framework"] = session.framework
        if session.name:
            attrs["session.name"] = session.name
    return resource_pb2.Resource(attributes=key_values(attrs))


def spans_request(spans: Iterable[Span], sessions: dict[str, Session]) -> trace_service_pb2.ExportTraceServiceRequest:
    """Native spans -> one ExportTraceServiceRequest, one resource per session."""
    by_session: dict[str, list[Span]] = {}
    for s in spans:
        by_session.setdefault(s.session_id, []).append(s)
    req = trace_service_pb2.ExportTraceServiceRequest()
    for sid, group in by_session.items():
        rs = req.resource_spans.add(resource=_resource(sid, sessions.get(sid)))
        ss = rs.scope_spans.add(scope=SCOPE)
        ss.spans.extend(span_to_otlp(s) for s in group)
    return req


def events_request(events: Iterable[AttachedEvent]) -> logs_service_pb2.ExportLogsServiceRequest:
    req = logs_service_pb2.ExportLogsServiceRequest()
    rl = req.resource_logs.add(resource=_resource("", None))
    sl = rl.scope_logs.add(scope=SCOPE)
    for ev in events:
        sl.log_records.add(
            time_unix_nano=ev.event.time_ns,
            event_name=ev.event.name,
            body=common_pb2.AnyValue(string_value=ev.event.name),
            attributes=key_values(ev.event.attributes),
            trace_id=otlp_id(ev.trace_id, 16),
            span_id=otlp_id(ev.span_id, 8),
        )
    return req


def metrics_request(metrics: Iterable[Metric]) -> metrics_service_pb2.ExportMetricsServiceRequest:
    req = metrics_service_pb2.ExportMetricsServiceRequest()
    rm = req.resource_metrics.add(resource=_resource("", None))
    sm = rm.scope_metrics.add(scope=SCOPE)
    for m in metrics:
        point = metrics_pb2.NumberDataPoint(time_unix_nano=m.time_ns or time.time_ns(), as_double=m.value,
                                            attributes=key_values(m.labels))
        if m.kind == "counter":
            sm.metrics.add(name=m.name, sum=metrics_pb2.Sum(
                data_points=[point], aggregation_temporality=metrics_pb2.AGGREGATION_TEMPORALITY_DELTA))
        else:
            sm.metrics.add(name=m.name, gauge=metrics_pb2.Gauge(data_points=[point]))
    return req


# -- the forwarder ------------------------------------------------------------------


class Forwarder:
    """Bounded, batched, retrying OTLP/HTTP forwarding on its own thread."""

    def __init__(
        self,
        url: str,
        *,
        max_queue: int = DEFAULT_MAX_QUEUE,
        max_bytes: int = DEFAULT_MAX_BYTES,
        batch: int = DEFAULT_BATCH,
        store: Store | None = None,
        timeout: float = 5.0,
        max_retries: int = 5,
        max_backoff: float = 8.0,
    ) -> None:
        parts = urlsplit(url if "://" in url else "http://" + url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--forward needs an http(s)://host:port URL, got {url!r}")
        self.url = url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        base = parts.path.rstrip("/")
        for suffix in ("/v1/traces", "/v1/logs", "/v1/metrics"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        self._base = base
        self.max_queue = max_queue
        self.max_bytes = max_bytes
        self.batch = max(1, batch)
        self.store = store
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_backoff = max_backoff
        self.sent = 0
        self.dropped = 0
        #: bytes of what was dropped (raw bodies exactly, native items estimated)
        self.dropped_bytes = 0
        self.retries = 0
        self.last_error: str | None = None
        #: (kind, item, items it carries, bytes it is counted as)
        self._queue: deque[tuple[str, Any, int, int]] = deque()
        self._queued = 0
        self._queued_bytes = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._sessions: dict[str, Session] = {}
        self._thread: threading.Thread | None = None
        self._conn: http.client.HTTPConnection | None = None
        self._deadline = float("inf")

    @property
    def queued(self) -> int:
        return self._queued

    @property
    def queued_bytes(self) -> int:
        return self._queued_bytes

    # -- ingest side (event loop): never blocks ------------------------------------
    def _put(self, items: list[tuple[str, Any, int, int]]) -> None:
        if not items:
            return
        with self._lock:
            room = self.max_queue - self._queued
            room_bytes = self.max_bytes - self._queued_bytes
            for item in items:
                n, size = item[2], item[3]
                if n > room or size > room_bytes:
                    self.dropped += n
                    self.dropped_bytes += size
                    continue
                room -= n
                room_bytes -= size
                self._queued += n
                self._queued_bytes += size
                self._queue.append(item)
        self._wake.set()

    def tap(self, updates: list[Update]) -> None:
        """Queue native updates (a pipeline tap): ended spans, events, metrics."""
        store = self.store
        items: list[tuple[str, Any, int, int]] = []
        size = NATIVE_ITEM_BYTES
        for u in updates:
            if isinstance(u, (Span, SpanEnd)):
                if store is not None:
                    u = store.span(u.trace_id, u.span_id) or u  # the merged span, not a bare span_end
                if isinstance(u, SpanEnd):
                    u = u.as_span()  # (no store: forwarded as the report it is)
                if u.end_ns is not None:
                    items.append(("span", u, 1, size))
            elif isinstance(u, Metric):
                items.append(("metric", u, 1, size))
            elif isinstance(u, AttachedEvent):
                items.append(("event", u, 1, size))
            elif isinstance(u, Session):
                if len(self._sessions) >= MAX_SESSIONS:
                    self._sessions.pop(next(iter(self._sessions)))
                self._sessions[u.id] = u
        self._put(items)

    def forward_otlp(self, signal: str, body: bytes, content_type: str, encoding: str | None, items: int) -> None:
        """Queue one OTLP request body to go upstream unchanged."""
        self._put([("raw", (signal, body, content_type, encoding), max(1, items), len(body))])

    # -- lifecycle ----------------------------------------------------------------
    async def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="agenttrace-forward", daemon=True)
            self._thread.start()

    async def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (up to ``timeout``), then stop; the rest is dropped."""
        self._deadline = time.monotonic() + timeout
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, timeout + 1.0)
            self._thread = None
        with self._lock:
            left = self._queued
            self.dropped_bytes += self._queued_bytes
            self._queue.clear()
            self._queued = self._queued_bytes = 0
        self.dropped += left

    # -- sender thread ----------------------------------------------------------------
    def _run(self) -> None:
        while True:
            self._wake.wait(0.5)
            self._wake.clear()
            while self._queue:
                if self._stop.is_set() and time.monotonic() > self._deadline:
                    return
                _kind, path, body, ctype, encoding, n, size = self._next()
                self._deliver(path, body, ctype, encoding, n, size)
            if self._stop.is_set():
                if self._conn is not None:
                    self._conn.close()
                return

    def _next(self) -> tuple[str, str, bytes, str, str | None, int, int]:
        """Pop one raw body, or up to ``batch`` native items of one kind, encoded."""
        with self._lock:
            kind, item, n, size = self._queue.popleft()
            self._queued -= n
            self._queued_bytes -= size
            if kind == "raw":
                signal, body, ctype, encoding = item
                return kind, f"/v1/{signal}", body, ctype, encoding, n, size
            items = [item]
            while len(items) < self.batch and self._queue and self._queue[0][0] == kind:
                _k, nxt, _n, nsize = self._queue.popleft()
                items.append(nxt)
                self._queued -= 1
                self._queued_bytes -= nsize
                size += nsize
        if kind == "span":
            req: Any = spans_request(items, self._sessions)
            path = "/v1/traces"
        elif kind == "event":
            req, path = events_request(items), "/v1/logs"
        else:
            req, path = metrics_request(items), "/v1/metrics"
        return kind, path, req.SerializeToString(), "application/x-protobuf", None, len(items), size

    def _deliver(self, path: str, body: bytes, ctype: str, encoding: str | None, n: int, size: int) -> None:
        headers = {"Content-Type": ctype, "User-Agent": "agenttrace-tui"}
        if encoding:
            headers["Content-Encoding"] = encoding
        for attempt in range(self.max_retries + 1):
            status = self._post(self._base + path, body, headers)
            if status is not None and 200 <= status < 300:
                self.sent += n
                return
            if status is not None and status not in (408, 429) and 400 <= status < 500:
                break  # the upstream refuses this body: retrying cannot help
            if attempt == self.max_retries:
                break
            self.retries += 1
            delay = min(self.max_backoff, 0.25 * 2**attempt) * (0.5 + random.random() / 2)
            if self._stop.wait(delay) and time.monotonic() > self._deadline:
                break
        self.dropped += n
        self.dropped_bytes += size

    def _post(self, path: str, body: bytes, headers: dict[str, str]) -> int | None:
        try:
            if self._conn is None:
                cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
                self._conn = cls(self._host, self._port, timeout=self.timeout)
            self._conn.request("POST", path or "/", body=body, headers=headers)
            resp = self._conn.getresponse()
            resp.read()
            if resp.will_close:
                self._conn.close()
                self._conn = None
            if resp.status >= 300:
                if self.last_error is None:
                    log.warning("forwarding to %s failed: HTTP %s", self.url, resp.status)
                self.last_error = f"HTTP {resp.status} from {self.url}"
            return resp.status
        except (OSError, http.client.HTTPException) as exc:
            if self.last_error is None:
                log.warning("forwarding to %s failed: %s: %s", self.url, type(exc).__name__, exc)
            self.last_error = f"{type(exc).__name__}: {exc}"[:200]
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            return None
