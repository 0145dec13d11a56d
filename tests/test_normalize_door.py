"""The door's test done while normalising (``normalize_at_door``) never lets past what the door fixes.

``Pipeline._take`` skips the door's second pass (``normalize.limits.check``) over a read whose
updates ``normalize_at_door`` found the door would keep as they are. Over real decoded records with
values on and past every bound the door has (times, tokens, costs, typed part numbers, attribute
integers, nested attributes), a read it passes must be one the door keeps whole, fixing and
reporting nothing; and the pipeline must count, fix and refuse exactly what the door does.
"""

from __future__ import annotations

import json
import random

import msgspec
import pytest

from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.ingest.protocol import decode_batch
from agenttrace_tui.normalize.limits import I64, MAX_COST, MAX_FUTURE_NS, MAX_TOKENS, check
from agenttrace_tui.normalize.native import normalize, normalize_at_door
from agenttrace_tui.store.memory import Store

NOW = 1_700_000_000_000_000_000
LIMIT = min(NOW + MAX_FUTURE_NS, I64)


def _record(rnd: random.Random, seq: int, good: bool) -> dict:
    """A span or span_start record of the common shape, each value on or past a bound at random
    (``good``: each value the first of its choices, within every bound)."""
    choice = (lambda xs: xs[0]) if good else rnd.choice
    kind = rnd.choice(["span", "span", "span_start"])
    start = choice([NOW, NOW, 0, LIMIT, LIMIT + 1])
    rec: dict = {"v": 1, "type": kind, "sender": "s", "seq": seq, "trace_id": "t", "span_id": f"s{seq}",
                 "session_id": "x", "name": "n", "kind": rnd.choice(["llm_call", "agent", "retrieval"]),
                 "start_ns": start}
    if kind == "span":
        rec["end_ns"] = choice([start + 5, start + 5, LIMIT, LIMIT + 1, I64])
    if rnd.random() < 0.3:
        rec["status"] = rnd.choice(["ok", "error"])
    rec["attributes"] = choice([{"a": "x", "n": 5, "f": 1.5, "b": True}, {}, {"big": 2**70},
                                {"neg": -(2**64)}, {"edge": I64, "edge2": -I64 - 1}, {"over": I64 + 1},
                                {"nested": {"ok": [1, "x"]}}, {"nested": [2**65]}, {"none": None}])

    def tokens() -> int:
        return choice([0, 1, 500, 500, MAX_TOKENS, MAX_TOKENS + 1, -1])

    if rnd.random() < 0.6:
        rec["usage"] = {"input": tokens(), "output": tokens(), "total": choice([0, 0, 10, MAX_TOKENS + 1])}
        for f in ("cache_read", "cache_write", "reasoning"):
            if rnd.random() < 0.3:
                rec["usage"][f] = tokens()
    if rnd.random() < 0.3:
        rec["cost"] = {"total": choice([0.0, 0.01, MAX_COST, MAX_COST * 2, -0.5, 3])}
    if rnd.random() < 0.5:
        rec["llm"] = {"provider": "p", "model": "m"}
        if rnd.random() < 0.5:
            rec["llm"]["max_tokens"] = choice([10, -1, I64, I64 + 1, 2**64])
        if rnd.random() < 0.5:
            rec["llm"]["temperature"] = choice([0.2, 1e308, -1e308])
    if rnd.random() < 0.2:
        rec["agent"] = {"name": "a", "iteration": choice([1, -2, 2**64])}
    if rnd.random() < 0.1:
        rec["rag"] = {"query": "q", "sources_found": choice([3, -1]), "top_score": 0.5}
    if rnd.random() < 0.1:
        rec["file"] = {"path": "f", "bytes": choice([10, -1, 2**64])}
    return rec


def _lines(rnd: random.Random, n: int) -> list[bytes]:
    good = rnd.random() < 0.5
    return [json.dumps(_record(rnd, i, good)).encode() for i in range(n)]


def _reports(updates: list) -> list[tuple[str, str, bool]]:
    """What the door reports of ``updates`` (fixing them in place); asserts it keeps them all when it reports nothing."""
    got: list[tuple[str, str, bool]] = []
    kept = check(updates, lambda reason, detail, refused: got.append((reason, detail, refused)), NOW)
    assert got or kept is updates
    return got


@pytest.mark.parametrize("seed", range(40))
def test_a_read_passed_while_normalising_is_one_the_door_keeps_whole(seed: int) -> None:
    rnd = random.Random(seed)
    passed = 0
    for size in (1, 2, 3, 5, 8):
        records, _, rejects = decode_batch(_lines(rnd, size))
        assert not rejects
        updates, bad, door = normalize_at_door(records, LIMIT)
        if bad:  # (an end before its start: refused while normalising, and the read goes record by record)
            assert not door
            continue
        # The same updates as normalize gives the same records (decoded again: normalize fills usage in place).
        again, _ = normalize(decode_batch([msgspec.json.encode(r) for r in records])[0])
        assert msgspec.json.encode(updates) == msgspec.json.encode(again)
        if door:
            passed += 1
            before = msgspec.json.encode(updates)
            got = _reports(updates)
            assert got == [] and msgspec.json.encode(updates) == before
    assert passed  # (the common case comes up in every seed)


@pytest.mark.parametrize("seed", range(40))
def test_a_read_the_door_would_change_is_never_passed(seed: int) -> None:
    rnd = random.Random(1000 + seed)
    for _ in range(10):
        lines = _lines(rnd, rnd.choice([1, 3]))
        records = decode_batch(lines)[0]
        door = normalize_at_door(records, LIMIT)[2]
        if _reports(normalize(decode_batch(lines)[0])[0]):
            assert not door


def test_no_limit_tests_nothing() -> None:
    records = decode_batch(_lines(random.Random(0), 3))[0]
    assert normalize_at_door(records, None)[2] is False


@pytest.mark.parametrize("rec, reason", [
    ({"usage": {"input": MAX_TOKENS + 1, "output": 1}}, "bad_tokens"),
    ({"usage": {"input": 5, "output": 1, "reasoning": -1}}, "bad_tokens"),
    ({"cost": {"total": MAX_COST * 2}}, "bad_cost"),
    ({"llm": {"model": "m", "max_tokens": -1}}, "out_of_range"),
    ({"agent": {"name": "a", "iteration": -1}}, "out_of_range"),
    ({"file": {"path": "p", "bytes": 2**64}}, "out_of_range"),
    ({"attributes": {"n": I64 + 1}}, "big_int"),
    ({"attributes": {"deep": [2**70]}}, "big_int"),
])
def test_the_pipeline_fixes_and_counts_a_value_out_of_range_among_good_records(rec: dict, reason: str) -> None:
    def line(i: int, extra: dict) -> bytes:
        return json.dumps({"v": 1, "type": "span", "trace_id": "t", "span_id": f"s{i}", "name": "n", "kind": "llm_call",
                           "start_ns": 1_000, "end_ns": 2_000, "attributes": {"a": "x"}, **extra}).encode()

    pipe = Pipeline(Store())
    assert pipe.feed_many([line(0, {}), line(1, rec), line(2, {})], "tcp") == 3
    assert pipe.stats.fixed[reason] == 1 and pipe.stats.rejected_total == 0
    assert pipe.store.span_count == 3


def test_the_pipeline_refuses_a_span_ending_past_the_limit_among_good_records() -> None:
    def line(i: int, end: int) -> bytes:
        return json.dumps({"v": 1, "type": "span", "trace_id": "t", "span_id": f"s{i}", "name": "n", "kind": "agent",
                           "start_ns": 1_000, "end_ns": end}).encode()

    pipe = Pipeline(Store())
    assert pipe.feed_many([line(0, 2_000), line(1, I64), line(2, 3_000)], "tcp") == 2
    assert pipe.stats.rejected["bad_time"] == 1
    assert pipe.store.span_count == 2
