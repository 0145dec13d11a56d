"""The native wire protocol: JSON records in, typed wire records out.

One JSON object or a JSON array of objects per UDP datagram; one per line on a
stream socket. Every record has ``"v": 1`` and a ``"type"``. Unknown fields are
ignored; a record that lacks a required field, has a wrong type, or is not
JSON is rejected with a reason and never stops the records after it.
See docs/protocol.md for the format a sender writes.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..normalize.records import (
    DEFAULT_MAX_RECORD_BYTES,
    PROTOCOL_VERSION,
    Reject,
    WireRecord,
)

_one = msgspec.json.Decoder(WireRecord)
_many = msgspec.json.Decoder(WireRecord | list[WireRecord])
_raw_list = msgspec.json.Decoder(list[msgspec.Raw])


def _classify(exc: Exception) -> Reject:
    msg = str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return Reject("invalid_utf8", msg)
    if isinstance(exc, RecursionError) or "recursion" in msg:
        return Reject("too_deep", "JSON nested too deeply")
    if isinstance(exc, msgspec.ValidationError):
        if "missing required field" in msg:
            if "`type`" in msg:
                return Reject("unknown_type", "record has no \"type\" field")
            return Reject("missing_field", msg)
        if "at `$.type`" in msg or msg.endswith("- at `$[...].type`"):
            return Reject("unknown_type", msg)
        return Reject("invalid_field", msg)
    if "invalid utf-8" in msg.lower() or "utf8" in msg.lower():
        return Reject("invalid_utf8", msg)
    return Reject("malformed_json", msg)


def _check(rec: WireRecord) -> Reject | None:
    """Checks msgspec's types do not express (ids and times are checked while decoding)."""
    if rec.v != PROTOCOL_VERSION:
        return Reject("unsupported_version", f"protocol version {rec.v!r} is not supported (expected {PROTOCOL_VERSION})")
    return None


class _Versioned(msgspec.Struct):
    v: Any = None


_version_only = msgspec.json.Decoder(_Versioned)


def _version_reject(data: bytes | memoryview | msgspec.Raw) -> Reject | None:
    """On the error path: a record from a newer protocol says so, not "missing field"."""
    try:
        v = _version_only.decode(data).v
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    if v is None or v == PROTOCOL_VERSION:
        return None
    return Reject("unsupported_version", f"protocol version {v!r} is not supported (expected {PROTOCOL_VERSION})")


def decode(data: bytes | memoryview, max_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> tuple[list[WireRecord], list[Reject]]:
    """Decode one datagram or one stream line into records and rejects.

    The fast path decodes the whole payload in one call; only when that fails
    are the elements of an array decoded one by one, so one bad record in a
    batch costs only itself. Every payload yields at least one record or one
    reject (an empty payload or ``[]`` is rejected as "empty").
    """
    if len(data) > max_bytes:
        return [], [Reject("oversized", f"{len(data)} bytes exceeds the {max_bytes}-byte record limit")]
    try:
        out = _many.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        if isinstance(exc, msgspec.ValidationError):
            # bytes(): a memoryview has no lstrip (error path only, so the copy is cheap).
            if bytes(data).lstrip()[:1] == b"[":
                return _decode_each(data)
            return [], [_version_reject(data) or _classify(exc)]
        if not bytes(data).strip():
            return [], [Reject("empty", "no record in payload")]
        return [], [_classify(exc)]
    if isinstance(out, list):
        if not out:
            return [], [Reject("empty", "empty batch: no record in the array")]
        records = out
    else:
        records = [out]
    good: list[WireRecord] = []
    bad: list[Reject] = []
    for rec in records:
        problem = _check(rec)
        if problem is None:
            good.append(rec)
        else:
            bad.append(problem)
    return good, bad


def _decode_each(data: bytes | memoryview) -> tuple[list[WireRecord], list[Reject]]:
    try:
        raws = _raw_list.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        return [], [_classify(exc)]
    good: list[WireRecord] = []
    bad: list[Reject] = []
    for raw in raws:
        try:
            rec = _one.decode(raw)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
            problem = _version_reject(raw) if isinstance(exc, msgspec.ValidationError) else None
            bad.append(problem or _classify(exc))
            continue
        problem = _check(rec)
        if problem is None:
            good.append(rec)
        else:
            bad.append(problem)
    return good, bad


_encoder = msgspec.json.Encoder()


def encode(records: WireRecord | list[WireRecord]) -> bytes:
    """Encode records the way a sender should (used by the SDK and the demo)."""
    return _encoder.encode(records)
