"""The native wire protocol: JSON records in, typed wire records out.

One JSON object or a JSON array of objects per UDP datagram; one per line on a
stream socket. Every record has ``"v": 1`` and a ``"type"``. Unknown fields are
ignored; a record that lacks a required field, has a wrong type, or is not
JSON is rejected with a reason and never stops the records after it.
See docs/protocol.md for the format a sender writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice
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
    # Ids, times and the protocol version are checked while decoding: what decoded is good.
    if isinstance(out, list):
        if not out:
            return [], [Reject("empty", "empty batch: no record in the array")]
        return out, []
    return [out], []


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
        good.append(rec)
    return good, bad


def decode_batch(
    payloads: Sequence[bytes | memoryview], max_bytes: int = DEFAULT_MAX_RECORD_BYTES
) -> tuple[list[WireRecord], list[int] | None, list[tuple[int, Reject]]]:
    """Decode a wake-up's worth of payloads (stream lines or datagrams) at once.

    Returns the records, the index of the payload each record came from
    (``None`` when record i came from payload i, the common case), and the
    rejects with the index of their payload. The result is exactly what
    ``decode`` gives payload by payload.

    Why not one msgspec call over the payloads joined into one JSON array:
    it is no faster than one call per payload (measured: 1.12x the time),
    and a joined decode can accept a malformed payload that would be rejected
    on its own (a string left open in one line and closed in the next), so it
    needs a second pass to check that elements line up with payloads. The time
    per payload that batching saves is Python's, not the parser's: a read
    whose payloads are all single good objects is one ``map`` of the decoder
    (no Python per payload); otherwise a loop decodes one object per payload
    and the first payload it cannot take (an array, bad JSON, a wrong field)
    goes through ``decode`` alone, so it costs only itself, and the loop
    resumes after it. A bad payload makes its read's good prefix decode twice
    (at most 2x for that read); it never takes a good payload with it.
    """
    records: list[WireRecord] = []
    rejects: list[tuple[int, Reject]] = []
    n = len(payloads)
    if n and max(map(len, payloads)) > max_bytes:
        each: list[int] = []
        for i, payload in enumerate(payloads):
            good, bad = decode(payload, max_bytes)
            records += good
            each += [i] * len(good)
            rejects += [(i, r) for r in bad]
        return records, each, rejects
    one = _one.decode
    try:
        # The common read (every payload one good object): one C loop, no Python per payload.
        return list(map(one, payloads)), None, rejects
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        pass  # a payload it cannot take: redo the read the careful way below
    append = records.append
    owners: list[int] | None = None
    i = 0
    while i < n:
        start = len(records)
        try:
            for payload in islice(payloads, i, None):
                append(one(payload))
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            pass
        taken = len(records) - start
        if owners is not None:
            owners += range(i, i + taken)
        i += taken
        if i >= n:
            break
        # payloads[i] is not one valid object: decode it alone, the careful way.
        if owners is None:
            owners = list(range(len(records)))
        good, bad = decode(payloads[i], max_bytes)
        records += good
        owners += [i] * len(good)
        rejects += [(i, r) for r in bad]
        i += 1
    return records, owners, rejects


_encoder = msgspec.json.Encoder()


def encode(records: WireRecord | list[WireRecord]) -> bytes:
    """Encode records the way a sender should (used by the SDK and the demo)."""
    return _encoder.encode(records)
