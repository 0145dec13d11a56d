"""OTLP request bodies: parsing, size limits and per-request rejects.

A body is counted on the wire before anything is built (``check_size``),
then parsed by the generated protobuf classes or msgspec (``parse``); only a
body that cannot be parsed at all is an error (the server answers 400). Items
rejected later, one by one, are counted in ``Rejects`` and become the
response's ``partial_success``.
"""

from __future__ import annotations

import functools
from typing import Any

import msgspec
from google.protobuf.message import DecodeError as _PbDecodeError
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from .otlp_fastpb import FastTraceRequest

SIGNALS = ("traces", "logs", "metrics")


class BodyError(ValueError):
    """The body cannot be parsed as the request it should be (HTTP 400)."""


class Rejects:
    """Items rejected while converting one request: counts by reason."""

    __slots__ = ("by_reason", "first", "total")

    def __init__(self) -> None:
        # (Plain dicts: one is made for every request, most of which reject nothing.)
        self.by_reason: dict[str, int] = {}
        self.first: dict[str, str] = {}
        self.total = 0

    def add(self, reason: str, detail: str, n: int = 1) -> None:
        self.by_reason[reason] = self.by_reason.get(reason, 0) + n
        self.first.setdefault(reason, detail)
        self.total += n

    def message(self) -> str:
        """The reasons, the most items first, each with the first detail given for it."""
        most = sorted(self.by_reason.items(), key=lambda rn: -rn[1])
        return "; ".join(f"{n} {r} ({self.first[r]})" for r, n in most)[:1000]


# -- parsing -------------------------------------------------------------------

_PB_REQUEST: dict[str, Any] = {
    "traces": trace_service_pb2.ExportTraceServiceRequest,
    "logs": logs_service_pb2.ExportLogsServiceRequest,
    "metrics": metrics_service_pb2.ExportMetricsServiceRequest,
}
_JSON_ROOT = {"traces": "resourceSpans", "logs": "resourceLogs", "metrics": "resourceMetrics"}
_json_decoder = msgspec.json.Decoder()


def parse(signal: str, body: bytes, json: bool) -> Any:
    """Parse a request body; raise BodyError when it is not one."""
    if json:
        try:
            doc = _json_decoder.decode(body)
        except (msgspec.DecodeError, ValueError, RecursionError) as exc:
            raise BodyError(f"invalid JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise BodyError("OTLP JSON must be an object")
        root = _JSON_ROOT[signal]
        items = doc.get(root, doc.get(_snake(root), []))
        if not isinstance(items, list):
            raise BodyError(f"`{root}` must be a list")
        return items
    if signal == "traces":
        # The twin reads the body with span attributes and statuses left encoded, which
        # conversion reads ~2x faster (see otlp_fastpb). It judges every other field as the
        # real classes do; what it leaves encoded is judged span by span as it is read
        # (otlp_decode: a span with a malformed attribute is rejected, its request kept).
        # It keeps of a span's events and links only whether it has some, and the body,
        # for conversion to read such a span again with them (FullTraceRequest).
        try:
            req = FastTraceRequest.FromString(body)
            req.body = body
            return req
        except (_PbDecodeError, RuntimeError, ValueError, RecursionError):
            pass  # the real classes give the error (or read what the twin could not)
    try:
        return _PB_REQUEST[signal].FromString(body)
    except (_PbDecodeError, RuntimeError, ValueError, RecursionError) as exc:
        raise BodyError(f"invalid protobuf: {exc or 'truncated or malformed message'}") from None


#: Items (spans, log records, metric data points) one request may hold. A
#: request is counted on the wire before anything is materialised: an empty
#: protobuf span costs 2 bytes on the wire and ~170 bytes as an object.
MAX_ITEMS = 20_000
#: JSON objects ("{") one OTLP JSON body may hold, for the same reason.
MAX_JSON_OBJECTS = 1_000_000
# Field paths to the counted items: request -> resource_* (1) -> scope_* (2) -> item (2);
# metrics go on to the data points (1) of gauge/sum/histogram/exp. histogram/summary.
_ITEM_PATHS: dict[str, tuple[frozenset[int], ...]] = {
    "traces": (frozenset({1}), frozenset({2}), frozenset({2})),
    "logs": (frozenset({1}), frozenset({2}), frozenset({2})),
    "metrics": (frozenset({1}), frozenset({2}), frozenset({2}), frozenset({5, 7, 9, 10, 11}), frozenset({1})),
}


class TooManyItems(ValueError):
    """The request holds more items than one request may (HTTP 413)."""


def _pb_count(buf: memoryview, start: int, stop: int, path: tuple[frozenset[int], ...], left: int) -> int:
    """Count the messages at ``path`` inside buf[start:stop], giving up past ``left``.

    Walks the protobuf wire format without building anything; a malformed
    body is left for the real parser to reject (the count stops there).
    """
    count = 0
    i = start
    want = path[0]
    last = len(path) == 1
    while i < stop:
        key = 0
        shift = 0
        while True:  # varint key
            if i >= stop:
                return count
            b = buf[i]
            i += 1
            key |= (b & 0x7F) << shift
            if b < 0x80:
                break
            shift += 7
            if shift > 63:
                return count
        wt = key & 7
        if wt == 0:
            while i < stop and buf[i] >= 0x80:
                i += 1
            i += 1
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        elif wt == 2:
            n = 0
            shift = 0
            while True:
                if i >= stop:
                    return count
                b = buf[i]
                i += 1
                n |= (b & 0x7F) << shift
                if b < 0x80:
                    break
                shift += 7
                if shift > 63:
                    return count
            end = i + n
            if end > stop:
                return count
            if (key >> 3) in want:
                if last:
                    count += 1
                else:
                    count += _pb_count(buf, i, end, path[1:], left - count)
                if count > left:
                    return count
            i = end
        else:
            return count  # groups (deprecated) or garbage: the parser decides
    return count


def check_size(signal: str, body: bytes, json: bool, max_items: int = MAX_ITEMS) -> None:
    """Raise TooManyItems when a body holds more items than one request may.

    Cheap and allocation-free: run before ``parse`` so a small body of many
    tiny items is refused before it becomes millions of objects.
    """
    if json:
        objects = body.count(b"{")
        if objects > MAX_JSON_OBJECTS:
            raise TooManyItems(f"OTLP JSON body holds over {MAX_JSON_OBJECTS} objects")
        return
    n = _pb_count(memoryview(body), 0, len(body), _ITEM_PATHS[signal], max_items)
    if n > max_items:
        noun = {"traces": "spans", "logs": "log records", "metrics": "data points"}[signal]
        raise TooManyItems(f"request holds more than {max_items} {noun}; send smaller batches")


@functools.cache
def _snake(camel: str) -> str:
    """An OTLP JSON field name as the protobuf classes spell it (the code's own names only: kept)."""
    return "".join("_" + c.lower() if c.isupper() else c for c in camel)
