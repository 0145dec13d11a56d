"""The door's test done while normalising (``normalize_at_door``) never lets past what the door fixes.

``Pipeline._take`` has the door (``normalize.limits.check``) check only the updates of a read that
``normalize_at_door`` did not find it would keep as they are. Over real decoded records with values
on and past every bound the door has (times, tokens, costs, typed part numbers, attribute integers,
nested attributes), sent complete or as a held start and its end, each update passed must be one
the door keeps as it is, reporting nothing; the door over the rest must keep, fix, refuse and report
what it does over the whole read; and the pipeline must count what the door does.
"""

from __future__ import annotations

import json
import random

import msgspec
import pytest

from agenttrace_tui.ingest.hold import StartHold
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
        if not good:
            # Its numbers on and past their bounds too, from a generator of their own (the main one's
            # draws, and so each seed's records besides, stay as they were).
            own = random.Random(seq)
            rec["rag"].update(sources_found=own.choice([3, -1, I64, I64 + 1, 2**64]),
                              top_score=own.choice([0.5, 1e308, -1e308, -0.0, 0]))
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


def _door_as_always(lines: list[bytes], held: bool = False) -> list[int] | None:
    """Normalise a read with the door's test (held: its span_starts paired with their ends first, as
    ``StartHold.pair`` does) and check it as the pipeline does, only the updates not passed; and the
    same read normalised and checked whole, as before: the same updates, kept, fixed and reported
    alike. Returns the indices of the updates left to the door (None: a record was refused while
    normalising)."""
    def records() -> list:
        recs = decode_batch(lines)[0]
        if held:
            recs = StartHold(lambda _d, _c: None).pair(recs, None, [b""] * len(recs), "tcp")[0]
        return recs

    updates, bad, unchecked = normalize_at_door(records(), LIMIT)
    # (each read decoded anew: normalising fills a usage's total in place)
    whole, wrong = normalize(records())
    assert msgspec.json.encode(updates) == msgspec.json.encode(whole) and bad == wrong
    if bad:
        return None
    assert unchecked is not None
    got: list = []
    expected: list = []
    kept = check(updates, lambda *a: got.append(a), NOW, only=unchecked)
    kept_whole = check(whole, lambda *a: expected.append(a), NOW)
    assert got == expected and msgspec.json.encode(kept) == msgspec.json.encode(kept_whole)
    # Each update passed is one the door keeps as it is, reporting nothing.
    left = {id(u) for u in unchecked}
    assert [u for u in updates if id(u) in left] == unchecked  # (of the updates, in order)
    for u in updates:
        if id(u) not in left:
            before = msgspec.json.encode(u)
            assert _reports([u]) == [] and msgspec.json.encode(u) == before
    return [i for i, u in enumerate(updates) if id(u) in left]


@pytest.mark.parametrize("seed", range(40))
def test_the_door_checks_what_was_not_passed_while_normalising_and_decides_as_always(seed: int) -> None:
    rnd = random.Random(seed)
    passed = 0
    for size in (1, 2, 3, 5, 8, 8):
        passed += _door_as_always(_lines(rnd, size)) == []
    assert passed  # (the common case comes up in every seed)


@pytest.mark.parametrize("seed", range(40))
def test_a_read_of_held_starts_and_their_ends_is_checked_as_always(seed: int) -> None:
    rnd = random.Random(2000 + seed)
    passed = 0
    for k, size in enumerate((1, 2, 4, 1, 2, 4)):
        lines = _live_lines(rnd, size, k % 2 == 0 or rnd.random() < 0.5)
        unchecked = _door_as_always(lines, held=True)
        passed += unchecked == []
    assert passed  # (the common case comes up in every seed)


def test_an_update_of_another_kind_is_left_to_the_door_alone() -> None:
    common = {"v": 1, "type": "span", "trace_id": "t", "name": "n", "kind": "agent", "start_ns": 1, "end_ns": 2}
    lines = [json.dumps({**common, "span_id": "a"}).encode(),
             json.dumps({"v": 1, "type": "span_end", "trace_id": "t", "span_id": "z", "end_ns": 5}).encode(),
             json.dumps({**common, "span_id": "b", "status_message": "went wrong"}).encode(),
             json.dumps({"v": 1, "type": "session", "session_id": "s"}).encode(),
             json.dumps({**common, "span_id": "c", "attributes": {"n": I64 + 1}}).encode(),
             json.dumps({**common, "span_id": "d"}).encode()]
    assert _door_as_always(lines) == [1, 2, 3, 4]


def test_a_record_refused_while_normalising_leaves_no_mark() -> None:
    common = {"v": 1, "type": "span", "trace_id": "t", "name": "n", "kind": "agent", "start_ns": 10, "end_ns": 20}
    lines = [json.dumps({**common, "span_id": "a", "status": "nonsense"}).encode(),
             json.dumps({"v": 1, "type": "span_end", "trace_id": "t", "span_id": "z", "end_ns": 5, "status": "bad"}).encode(),
             json.dumps({**common, "span_id": "b"}).encode()]
    updates, bad, unchecked = normalize_at_door(decode_batch(lines)[0], LIMIT)
    assert len(bad) == 2 and len(updates) == 1 and unchecked == []


def test_no_limit_tests_nothing() -> None:
    records = decode_batch(_lines(random.Random(0), 3))[0]
    assert normalize_at_door(records, None)[2] is None


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


def _live_lines(rnd: random.Random, n: int, good: bool) -> list[bytes]:
    """Each span as a span_start and a plain span_end (ids, end time, maybe a status and usage), as a
    live sender sends them: held and paired in the read (``StartHold.pair``); ``good`` as for ``_record``."""
    choice = (lambda xs: xs[0]) if good else rnd.choice
    out: list[bytes] = []
    for i in range(n):
        start = _record(rnd, i, good)
        start["type"] = "span_start"
        start.pop("end_ns", None)
        start.pop("status", None)
        end: dict = {"v": 1, "type": "span_end", "trace_id": "t", "span_id": start["span_id"],
                     "end_ns": start["start_ns"] + choice([5, 5, 5, MAX_FUTURE_NS * 2])}
        if "usage" not in start and rnd.random() < 0.5:
            end["usage"] = {"input": choice([7, 7, -1, MAX_TOKENS + 1]), "output": 3}
        if rnd.random() < 0.3:
            end["llm"] = {"provider": "p", "max_tokens": choice([5, 5, -5])}
        out += [json.dumps(start).encode(), json.dumps(end).encode()]
    return out


def test_the_pipeline_fixes_the_tokens_of_a_held_start_ended_with_tokens_out_of_range() -> None:
    pipe = Pipeline(Store())
    pipe.hold(lambda _d, _c: None)
    start = {"v": 1, "type": "span_start", "trace_id": "t", "span_id": "a", "name": "n", "kind": "llm_call",
             "start_ns": 1_000}
    end = {"v": 1, "type": "span_end", "trace_id": "t", "span_id": "a", "end_ns": 2_000,
           "usage": {"input": MAX_TOKENS + 1, "output": 1}}
    ok = {**start, "span_id": "b", "type": "span", "end_ns": 2_000}
    assert pipe.feed_many([json.dumps(r).encode() for r in (start, ok, end)], "tcp") == 3
    assert pipe.stats.fixed["bad_tokens"] == 1 and pipe.stats.rejected_total == 0
    assert pipe.store.span_count == 2
