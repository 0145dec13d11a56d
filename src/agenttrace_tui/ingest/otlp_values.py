"""OTLP values in plain shapes: attributes as dicts, ids as lower-case hex.

Both encodings (the generated protobuf classes and OTLP JSON) are read into
the same shapes here, so the convention mapping is written once.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

_HEX = frozenset("0123456789abcdef")


def pb_value(v: Any) -> Any:
    w = v.WhichOneof("value")
    if w == "string_value":
        return v.string_value
    if w == "int_value":
        return v.int_value
    if w == "double_value":
        return v.double_value
    if w == "bool_value":
        return v.bool_value
    if w == "array_value":
        return [pb_value(x) for x in v.array_value.values]
    if w == "kvlist_value":
        return {kv.key: pb_value(kv.value) for kv in v.kvlist_value.values}
    if w == "bytes_value":
        return v.bytes_value.hex()
    return None


def pb_attrs(kvs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in kvs:
        v = kv.value
        s = v.string_value
        if s:  # most values are non-empty strings: one C call instead of two
            out[kv.key] = s
            continue
        w = v.WhichOneof("value")
        out[kv.key] = v.int_value if w == "int_value" else pb_value(v)
    return out


def _jget(d: dict[str, Any], camel: str, snake: str | None = None) -> Any:
    v = d.get(camel)
    if v is None and snake is not None:
        v = d.get(snake)
    return v


def jint(v: Any) -> int:
    """A 64-bit integer from OTLP JSON (a decimal string, or a JSON number)."""
    if isinstance(v, bool):
        raise ValueError("bool is not an integer")
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        return int(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    raise ValueError(f"not an integer: {v!r}")


def json_value(v: Any) -> Any:
    if not isinstance(v, dict):
        return v
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        try:
            return jint(v["intValue"])
        except ValueError:
            return v["intValue"]
    if "doubleValue" in v:
        d = v["doubleValue"]
        if isinstance(d, str):
            try:
                return float(d)
            except ValueError:
                return d
        return d
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "arrayValue" in v:
        vals = (v["arrayValue"] or {}).get("values") or []
        return [json_value(x) for x in vals] if isinstance(vals, list) else []
    if "kvlistValue" in v:
        return json_attrs((v["kvlistValue"] or {}).get("values") or [])
    if "bytesValue" in v:
        try:
            return base64.b64decode(v["bytesValue"]).hex()
        except (binascii.Error, TypeError, ValueError):
            return v["bytesValue"]
    for snake, camel in (("string_value", "stringValue"), ("int_value", "intValue"), ("double_value", "doubleValue"),
                         ("bool_value", "boolValue"), ("array_value", "arrayValue"), ("kvlist_value", "kvlistValue")):
        if snake in v:
            return json_value({camel: v[snake]})
    return None


def json_attrs(kvs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(kvs, list):
        return out
    for kv in kvs:
        if isinstance(kv, dict):
            key = kv.get("key")
            if isinstance(key, str):
                out[key] = json_value(kv.get("value"))
    return out


def hex_id(raw: Any, nbytes: int) -> str | None:
    """A valid id as lower-case hex; None when absent; ValueError when invalid.

    Protobuf ids are bytes; OTLP JSON ids are hex strings (some senders use
    base64, the protobuf JSON default, which is accepted too).
    """
    if isinstance(raw, (bytes, bytearray)):
        if not raw:
            return None
        if len(raw) != nbytes:
            raise ValueError(f"id of {len(raw)} bytes, expected {nbytes}")
        if not any(raw):
            raise ValueError("all-zero id")
        return raw.hex()
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise ValueError("id must be a hex string")
    s = raw.lower()
    if len(s) != 2 * nbytes or not _HEX.issuperset(s):
        try:
            b = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            b = b""
        if len(b) != nbytes:
            raise ValueError(f"invalid id {raw[:40]!r}: expected {2 * nbytes} hex digits")
        s = b.hex()
    if s.count("0") == len(s):
        raise ValueError("all-zero id")
    return s
