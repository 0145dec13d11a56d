"""The door: every number a sender gives is range-checked before the model keeps it.

Every update (native record, OTLP span/log/metric, replayed or imported
span) passes ``check`` once, in ``ingest.pipeline.Pipeline.apply``, before
enrichment and the store. The rule is one table (docs/protocol.md, "Limits"):

* **Tokens** (every ``usage`` field) must be integers in ``[0, MAX_TOKENS]``.
  A usage with any field outside is dropped whole (the span is kept, its
  tokens become unknown): reason ``bad_tokens``.
* **Costs** (``cost.total``/``input``/``output``) must be finite and in
  ``[0, MAX_COST]`` dollars. Otherwise the cost becomes unknown
  (``source="unknown"``), so a price table may still compute it from the
  tokens: reason ``bad_cost``.
* **Times** (span start/end, event times, session start/end, metric time)
  must be in ``[0, now + MAX_FUTURE_NS]``. A span whose own start or end is
  outside is rejected: reason ``bad_time``. An event outside is dropped;
  a session's bad start/end is forgotten; a metric's bad time becomes now.
* **Other typed integers** (``llm.max_tokens``, ``agent.iteration``,
  ``rag.sources_found``, ``file.bytes``) must fit a signed 64-bit integer
  and typed floats (``llm.temperature``, ``rag.top_score``) must be finite;
  otherwise the field is forgotten: reason ``out_of_range``.
* **Free attributes** (span, event, link, session): an integer beyond
  signed 64 bits becomes its decimal text (the digits are kept, SQLite and
  msgpack can store it): reason ``big_int``. A value nested more than
  ``MAX_NESTING`` lists and maps deep refuses its record (a span with its
  events and links, a lone event, a session update): reason ``too_deep``.
  The bound is the monitor's own, so the outcome does not depend on the
  Python version: on 3.12 and later the JSON decoder parses far deeper than
  Python code can recurse, and even on 3.11 a value 450 levels deep decoded
  and then broke the code that walks values.
* **Metric values** must be finite with magnitude at most ``MAX_METRIC``
  (so a running sum stays finite): otherwise the sample is rejected,
  reason ``bad_value``.

With these bounds no sum the store or SQLite keeps can overflow to inf or
become NaN: 2^63 spans would be needed to overflow a token sum, and
``MAX_COST`` times any realistic span count stays far below 1e308.

``check`` edits updates in place (the model's structs are mutable) and
returns the kept ones plus what it fixed or refused, by reason; the caller
counts those in the ingest stats.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from ..model import AttachedEvent, Cost, Metric, Session, Span, SpanEnd, SpanEvent, SpanKind, Update

__all__ = [
    "MAX_TOKENS",
    "MAX_COST",
    "MAX_FUTURE_NS",
    "MAX_METRIC",
    "I64",
    "MAX_NESTING",
    "TOKENS_OUT_OF_RANGE",
    "check",
    "clean_attributes",
    "usage_and_cost_kept",
]

#: Tokens one span may report in any usage field (100x the largest context window).
MAX_TOKENS = 1_000_000_000
#: Dollars one span may report.
MAX_COST = 1_000_000.0
#: How far ahead of this machine's clock a time may be (clock skew between hosts).
MAX_FUTURE_NS = 24 * 3600 * 1_000_000_000
#: Largest magnitude of one metric sample.
MAX_METRIC = 1e15
#: SQLite's (and msgpack's signed) integer range.
I64 = 2**63 - 1
#: Its lower end, once: ``-I64 - 1`` in a test makes two new ints each time it runs.
I64_MIN = -I64 - 1
#: How deep a free attribute value may nest lists and maps: deeper than real
#: attributes go (OTLP's protobuf parser refuses a body past about 48 levels of
#: arrays), far inside what the code that walks values can recurse.
MAX_NESTING = 100
#: Why a model call whose reported tokens were out of range has no cost (not "none reported").
TOKENS_OUT_OF_RANGE = "its reported tokens were out of range (dropped)"

_USAGE_FIELDS = ("input", "output", "total", "cache_read", "cache_write", "reasoning")
_TYPED_INTS = (("llm", "max_tokens"), ("agent", "iteration"), ("rag", "sources_found"), ("file", "bytes"))
_TYPED_FLOATS = (("llm", "temperature"), ("rag", "top_score"))

_isfinite = math.isfinite

#: Called with (reason, detail, refused) for every value fixed (refused=False)
#: or record refused (refused=True).
Report = Callable[[str, str, bool], None]


def _big(v: Any) -> bool:
    return v.__class__ is int and not I64_MIN <= v <= I64


def _needs_clean(obj: Any) -> bool:
    cls = obj.__class__
    if cls is int:
        return not I64_MIN <= obj <= I64
    if cls is dict:
        return any(_needs_clean(v) for v in obj.values())
    if cls is list or cls is tuple:
        return any(_needs_clean(v) for v in obj)
    return False


def too_deep(attrs: dict[str, Any]) -> bool:
    """Whether a value of ``attrs`` nests lists and maps more than ``MAX_NESTING`` deep.

    Walked with a stack of its own, not by recursion, so a value of any depth
    is measured without running out of Python's stack (what it guards against).
    """
    stack: list[tuple[Any, int]] = []
    for v in attrs.values():
        cls = v.__class__
        if cls is dict or cls is list or cls is tuple:
            stack.append((v, 1))
    while stack:
        obj, depth = stack.pop()
        if depth > MAX_NESTING:
            return True
        for v in obj.values() if obj.__class__ is dict else obj:
            cls = v.__class__
            if cls is dict or cls is list or cls is tuple:
                stack.append((v, depth + 1))
    return False


def _clean(obj: Any) -> Any:
    cls = obj.__class__
    if cls is int:
        return obj if I64_MIN <= obj <= I64 else str(obj)
    if cls is dict:
        return {k: _clean(v) for k, v in obj.items()}
    if cls is list or cls is tuple:
        return [_clean(v) for v in obj]
    return obj


def clean_attributes(attrs: dict[str, Any]) -> dict[str, Any] | None:
    """A copy of ``attrs`` with integers beyond 64 bits as text, or None if none were.

    The common case (a flat dict of strings and small numbers) is one pass
    over the values with no allocation.
    """
    for v in attrs.values():
        cls = v.__class__
        if cls is str or cls is float or cls is bool or (cls is int and I64_MIN <= v <= I64):
            continue
        if _needs_clean(v):
            return {k: _clean(v) for k, v in attrs.items()}
    return None


def _time_ok(t: int | None, limit: int) -> bool:
    return t is None or 0 <= t <= limit


def _finite_cost(v: float | None) -> bool:
    return v is None or (v.__class__ in (float, int) and 0.0 <= v <= MAX_COST and not math.isnan(v))


def _cost_ok(c: Cost) -> bool:
    """``_finite_cost`` of the three amounts, inlined (a NaN fails ``0 <= v``)."""
    t, i, o = c.total, c.input, c.output
    return ((t is None or ((t.__class__ is float or t.__class__ is int) and 0.0 <= t <= MAX_COST))
            and (i is None or ((i.__class__ is float or i.__class__ is int) and 0.0 <= i <= MAX_COST))
            and (o is None or ((o.__class__ is float or o.__class__ is int) and 0.0 <= o <= MAX_COST)))


def usage_and_cost_kept(s: Span) -> bool:
    """Whether the door keeps the span's usage and cost as they are: it drops a usage with any count
    out of range, and replaces a cost with any amount out of range, whole (``check``'s ``apart``;
    and a field merged into one from another report must not keep the rest of it:
    ``Pipeline._merge_ends``)."""
    u, c = s.usage, s.cost
    try:
        return ((u is None or 0 <= (u.input | u.output | u.total | u.cache_read | u.cache_write | u.reasoning) <= MAX_TOKENS)
                and (c is None or _cost_ok(c)))
    except TypeError:  # (a value of another type: the door's own rules decide, field by field)
        return False


def _parts_ok(s: Span) -> bool:
    """Whether every typed int and float of the span's parts is in range (no report: the common case)."""
    llm = s.llm
    if llm is not None and (((n := llm.max_tokens) is not None and not 0 <= n <= I64)
                            or ((x := llm.temperature) is not None and not math.isfinite(x))):
        return False
    agent = s.agent
    if agent is not None and (n := agent.iteration) is not None and not 0 <= n <= I64:
        return False
    rag = s.rag
    if rag is not None and (((n := rag.sources_found) is not None and not 0 <= n <= I64)
                            or ((x := rag.top_score) is not None and not math.isfinite(x))):
        return False
    file = s.file
    return file is None or (n := file.bytes) is None or 0 <= n <= I64


def _refusal(s: Span, limit: int) -> tuple[str, str] | None:
    """Why the door refuses this span (reason, detail), or None: a time out of range, an attribute
    nested too deep."""
    t, e = s.start_ns, s.end_ns
    if not ((t is None or 0 <= t <= limit) and (e is None or 0 <= e <= limit)):
        return "bad_time", f"span {s.span_id[:40]!r}: time outside [0, now + 1 day]"
    if ((s.attributes and too_deep(s.attributes)) or any(too_deep(e.attributes) for e in s.events if e.attributes)
            or any(too_deep(ln.attributes) for ln in s.links if ln.attributes)):
        return "too_deep", f"span {s.span_id[:40]!r}: an attribute value nested more than {MAX_NESTING} levels deep"
    return None


def _fix_span(s: Span, limit: int, report: Report) -> None:
    """The door's fixes of a span it keeps (``_refusal``: whether it does)."""
    # Each rule is tested inline first and reported by its own loop only when
    # it fails: a span that passes (nearly all) costs a few comparisons.
    u = s.usage
    if u is not None:
        vals = (u.input, u.output, u.total, u.cache_read, u.cache_write, u.reasoning)
        for f, v in zip(_USAGE_FIELDS, vals, strict=True) if not 0 <= min(vals) <= max(vals) <= MAX_TOKENS else ():
            if not 0 <= v <= MAX_TOKENS:
                report("bad_tokens", f"span {s.span_id[:40]!r}: usage.{f} = {str(v)[:40]} outside [0, {MAX_TOKENS}]", False)
                s.usage = None
                if s.kind is SpanKind.LLM_CALL and s.cost is None:
                    # Its cost is unknown, and why: tokens were reported, not none (the pricing step keeps it).
                    s.cost = Cost(total=None, source="unknown", reason=TOKENS_OUT_OF_RANGE)
                break
    c = s.cost
    if c is not None and not _cost_ok(c):
        bad = next(str(v)[:40] for v in (c.total, c.input, c.output) if not _finite_cost(v))
        report("bad_cost", f"span {s.span_id[:40]!r}: cost {bad} is not a finite amount in [0, {MAX_COST:g}]", False)
        s.cost = Cost(total=None, source="unknown", reason="the reported cost was out of range")
    if (s.llm is not None or s.agent is not None or s.rag is not None or s.file is not None) and not _parts_ok(s):
        _fix_parts(s, report)
    if s.attributes:
        fixed = clean_attributes(s.attributes)
        if fixed is not None:
            report("big_int", f"span {s.span_id[:40]!r}: attribute integer beyond 64 bits kept as text", False)
            s.attributes = fixed
    if s.events:
        s.events = _check_events(s.events, limit, report, s.span_id)
    if s.links:
        for ln in s.links:
            if ln.attributes:
                fixed = clean_attributes(ln.attributes)
                if fixed is not None:
                    report("big_int", f"link of span {s.span_id[:40]!r}: attribute integer beyond 64 bits kept as text", False)
                    ln.attributes = fixed


def _fix_parts(s: Span, report: Report) -> None:
    """Forget the typed ints and floats out of range, reporting each (the rule, in table order)."""
    for part, field in _TYPED_INTS:
        p = getattr(s, part)
        if p is not None:
            v = getattr(p, field)
            if v is not None and not 0 <= v <= I64:
                report("out_of_range", f"span {s.span_id[:40]!r}: {part}.{field} = {str(v)[:40]}", False)
                setattr(p, field, None)
    for part, field in _TYPED_FLOATS:
        p = getattr(s, part)
        if p is not None:
            v = getattr(p, field)
            if v is not None and not math.isfinite(v):
                report("out_of_range", f"span {s.span_id[:40]!r}: {part}.{field} = {v}", False)
                setattr(p, field, None)


def _check_event(e: SpanEvent, limit: int, report: Report, owner: str, alone: bool = True) -> bool:
    """``alone``: an event sent on its own (refused whole), else one of a kept span's events."""
    if not 0 <= e.time_ns <= limit:
        report("bad_time", f"event {e.name[:40]!r} of span {owner[:40]!r}: time outside [0, now + 1 day]", alone)
        return False
    if alone and e.attributes and too_deep(e.attributes):  # (a span's events: checked with the span)
        report("too_deep", f"event {e.name[:40]!r} of span {owner[:40]!r}: an attribute value nested more than "
                           f"{MAX_NESTING} levels deep", True)
        return False
    if e.attributes:
        fixed = clean_attributes(e.attributes)
        if fixed is not None:
            report("big_int", f"event {e.name[:40]!r} of span {owner[:40]!r}: attribute integer beyond 64 bits kept as text", False)
            e.attributes = fixed
    return True


def _check_events(events: tuple[SpanEvent, ...], limit: int, report: Report, owner: str) -> tuple[SpanEvent, ...]:
    keep = [e for e in events if _check_event(e, limit, report, owner, False)]
    return events if len(keep) == len(events) else tuple(keep)


def _check_session(s: Session, limit: int, report: Report) -> bool:
    if s.attributes and too_deep(s.attributes):
        report("too_deep", f"session {s.id[:40]!r}: an attribute value nested more than {MAX_NESTING} levels deep", True)
        return False
    if not _time_ok(s.started_ns, limit):
        report("bad_time", f"session {s.id[:40]!r}: start outside [0, now + 1 day]", False)
        s.started_ns = None
    if not _time_ok(s.ended_ns, limit):
        report("bad_time", f"session {s.id[:40]!r}: end outside [0, now + 1 day]", False)
        s.ended_ns = None
    if s.attributes:
        fixed = clean_attributes(s.attributes)
        if fixed is not None:
            report("big_int", f"session {s.id[:40]!r}: attribute integer beyond 64 bits kept as text", False)
            s.attributes = fixed
    return True


def _check_metric(m: Metric, limit: int, report: Report) -> bool:
    v = m.value
    if not (v.__class__ in (float, int) and not _big(v) and math.isfinite(v) and abs(v) <= MAX_METRIC):
        report("bad_value", f"metric {m.name[:60]!r}: value {str(v)[:40]} is not finite or beyond {MAX_METRIC:g}", True)
        return False
    if not 0 <= m.time_ns <= limit:
        report("bad_time", f"metric {m.name[:60]!r}: time outside [0, now + 1 day], taken as now", False)
        m.time_ns = time.time_ns()
    return True


def check(updates: list[Update], report: Report, now_ns: int | None = None,
          apart: Callable[[Span], list[Update] | None] | None = None, only: list[Update] | None = None) -> list[Update]:
    """Range-check updates in place; returns those kept (the same list if all were).

    ``report(reason, detail)`` is called once per value fixed or record
    refused (see the module docstring for the rule per field).

    ``apart(span)``: the updates a span stands for, or None (a held span_start and its end made one
    span, ingest/hold.py). A span the door would refuse, or whose usage or cost it would drop whole,
    is checked as those instead, in its place: one report's attributes nested too deep, time or
    tokens out of range refuse or lose that report's alone, by the rules of its own kind, as when
    the two come apart. (Another value the door fixes is fixed in the span, where the other
    report's may have replaced it.)

    ``only``: the updates to check (of ``updates``, in order); the others are known to pass as they
    are, reporting nothing (``normalize.native.normalize_at_door``), and are kept. None: all.
    """
    now = now_ns if now_ns is not None else time.time_ns()
    limit = min(now + MAX_FUTURE_NS, I64)
    dropped: set[int] | None = None
    replaced: dict[int, list[Update]] | None = None
    max_tokens, i64, i64_min, isfinite = MAX_TOKENS, I64, I64_MIN, _isfinite
    for u in updates if only is None else only:
        cls = u.__class__
        if cls is Span:
            # Nearly every span passes every rule: tested here first, inline, as one condition
            # (a call per rule cost more than the rules). Only when one might fail do
            # ``_refusal`` and ``_fix_span`` take the span from the start, refusing, fixing and
            # reporting exactly as the door always has. Each test below passes only if that rule
            # passes there; a value of another type (a start of None, a float among the tokens)
            # raises TypeError in a comparison or an OR, and the rules there decide.
            s: Span = u  # type: ignore[assignment]
            try:
                if (0 <= s.start_ns <= limit and ((e := s.end_ns) is None or 0 <= e <= limit)
                        and not s.events and not s.links
                        # Integers (as decoded): their OR is in [0, MAX_TOKENS] only if each is
                        # (a negative one makes it negative).
                        and ((us := s.usage) is None or 0 <= (us.input | us.output | us.total | us.cache_read
                                                              | us.cache_write | us.reasoning) <= max_tokens)
                        and ((c := s.cost) is None or _cost_ok(c))
                        # _parts_ok, its llm part spelled out
                        and ((llm := s.llm) is None or (((n := llm.max_tokens) is None or 0 <= n <= i64)
                                                       and ((x := llm.temperature) is None or isfinite(x))))
                        and ((s.agent is None and s.rag is None and s.file is None) or _parts_ok(s))):
                    for v in s.attributes.values():
                        vc = v.__class__
                        if not (vc is str or (vc is int and i64_min <= v <= i64) or vc is float or vc is bool):
                            break  # a nested or big value: clean_attributes decides
                    else:
                        continue
            except TypeError:
                pass
            why = _refusal(s, limit)
            if (apart is not None and (why is not None or ((s.usage is not None or s.cost is not None)
                                                           and not usage_and_cost_kept(s)))
                    and (two := apart(s)) is not None):
                if replaced is None:
                    replaced = {}
                replaced[id(u)] = check(two, report, now)
                continue
            if why is None:
                _fix_span(s, limit, report)
                continue
            report(*why, True)
        elif cls is SpanEnd:
            end: SpanEnd = u  # type: ignore[assignment]
            if 0 <= end.end_ns <= limit:
                continue
            report("bad_time", f"span {end.span_id[:40]!r}: time outside [0, now + 1 day]", True)  # as a Span's
        elif cls is Session:
            if _check_session(u, limit, report):  # type: ignore[arg-type]
                continue
        elif cls is AttachedEvent:
            if _check_event(u.event, limit, report, u.span_id):  # type: ignore[union-attr]
                continue
        elif cls is Metric:
            if _check_metric(u, limit, report):  # type: ignore[arg-type]
                continue
        else:
            continue
        if dropped is None:
            dropped = set()
        dropped.add(id(u))
    if replaced is not None:
        out: list[Update] = []
        for u in updates:
            if (two := replaced.get(id(u))) is not None:
                out += two
            elif dropped is None or id(u) not in dropped:
                out.append(u)
        return out
    if dropped is None:
        return updates
    return [u for u in updates if id(u) not in dropped]
