"""OTLP ``KeyValue``/``AnyValue`` protobuf values from plain Python values, and export requests of
spans given by their attributes (shared by the OTLP tests)."""

from __future__ import annotations

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2


def kv(key: str, value: object) -> common_pb2.KeyValue:
    """A ``KeyValue`` holding ``value`` encoded as its Python type says."""
    out = common_pb2.KeyValue(key=key)
    set_value(out.value, value)
    return out


def set_value(av: common_pb2.AnyValue, value: object) -> None:
    """Fill ``av`` with ``value`` (bool before int: a bool is an int in Python)."""
    if isinstance(value, bool):
        av.bool_value = value
    elif isinstance(value, int):
        av.int_value = value
    elif isinstance(value, float):
        av.double_value = value
    elif isinstance(value, str):
        av.string_value = value
    elif isinstance(value, bytes):
        av.bytes_value = value
    elif isinstance(value, list):
        av.array_value.SetInParent()
        for v in value:
            set_value(av.array_value.values.add(), v)
    elif isinstance(value, dict):
        av.kvlist_value.SetInParent()
        for k, v in value.items():
            av.kvlist_value.values.append(kv(k, v))


def spans_request(spans: list[dict[str, object]], *, scope: str, name: str, repeat: int = 1) -> bytes:
    """An encoded trace export request of one service (``weather-app``) and one scope: a span named
    ``name`` per attribute dict of ``spans``, ``repeat`` times over, all in one trace, ids counting up."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(kv("service.name", "weather-app"))
    ss = rs.scope_spans.add()
    ss.scope.name = scope
    n = 0
    for _ in range(repeat):
        for attrs in spans:
            n += 1
            sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=n.to_bytes(8, "big"), name=name,
                              start_time_unix_nano=10, end_time_unix_nano=20)
            sp.attributes.extend(kv(k, v) for k, v in attrs.items())
    return req.SerializeToString()
