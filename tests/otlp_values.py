"""OTLP ``KeyValue``/``AnyValue`` protobuf values from plain Python values (shared by the OTLP tests)."""

from __future__ import annotations

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
