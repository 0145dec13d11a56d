"""``agenttrace-tui stats``: spans, tokens, cost, error rate and latency percentiles.

Broken down by span kind and by model. Percentiles are nearest-rank over the
spans that finished (running spans have no latency yet). Token counts the
monitor estimated are marked ``≈`` in the table and counted in
``estimated_spans`` / ``tokens_estimated`` in JSON.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterable
from typing import Any

from ..format.numbers import (
    column_digits,
    cost_json,
    fmt_cost,
    fmt_count,
    fmt_duration,
    fmt_row_cost,
    fmt_tokens,
    plural,
)
from ..model import counted_cost, counts_as_error, span_flags, waiting_call
from .history_common import (
    add_common,
    cost_footnote,
    guarded,
    open_reader,
    print_json,
    time_arg,
)
from .table import EXTRA, CliTable, console, name_col, num_col

#: Most spans a stats run reads without --session (oldest first; the JSON says when it was cut).
MAX_SPANS = 5_000_000


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "stats",
        help="spans, time, tokens, cost, error rate and latency p50/p90/p99 by kind and model",
        description="Aggregate statistics over saved spans.",
    )
    p.add_argument("--session", metavar="ID", help="one session ('latest' for the most recent)")
    p.add_argument("--since", metavar="TIME", help="spans started at or after TIME (ISO, or 30m, 1h, 2d, today)")
    add_common(p, wide=True)
    p.set_defaults(func=guarded(run))


def percentile(sorted_values: list[int], q: float) -> int | None:
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


class _Acc:
    __slots__ = (
        "spans", "errors", "input", "output", "cache_read", "cache_write", "cost", "estimated", "unpriced",
        "running", "cut", "durations", "traces", "busy_ns", "runs",
    )

    def __init__(self) -> None:
        self.spans = self.errors = self.input = self.output = self.cache_read = self.cache_write = self.estimated = 0
        self.unpriced = 0
        #: model calls open with nothing counted: to come (their session runs), never to end
        self.running = self.cut = 0
        self.cost = 0.0
        self.durations: list[int] = []
        self.traces: set[str] = set()
        #: how long some span of the row ran in the sessions' runs closed so far (``time_ns``)
        self.busy_ns = 0
        #: session id -> [start, end] of the spans of the row running one into another, so far
        self.runs: dict[str, list[int]] = {}

    def add(self, s: Any, live: bool = False, until: int | None = None) -> None:
        """Count span ``s`` (``live``: its session runs; ``until``: where its session's time ends,
        up to which a span still running ran)."""
        self.spans += 1
        self.traces.add(s.trace_id)
        if counts_as_error(s):  # (a client's framework internal's failure is not counted)
            self.errors += 1
        u = s.usage
        if u is not None and u.scope == "span":
            self.input += u.input
            self.output += u.output
            self.cache_read += u.cache_read
            self.cache_write += u.cache_write
            if u.estimated:
                self.estimated += 1
        # Summed as the store sums: subtree costs once, unpriced calls counted apart.
        self.cost += counted_cost(s)
        self.unpriced += span_flags(s)[0]
        if waiting_call(s):
            if live:
                self.running += 1
            else:
                self.cut += 1
        if s.end_ns is not None:
            self.durations.append(s.duration_ns())
            if s.end_ns > s.start_ns:
                self._ran(s.session_id, s.start_ns, s.end_ns)
        elif until is not None and until > s.start_ns:
            self._ran(s.session_id, s.start_ns, until)

    def _ran(self, session_id: str, start: int, end: int) -> None:
        """Count a span's time, what it shares with the row's other spans of its session once (the
        cost pane's time by kind, ``store.kind_time``): spans come by start time, so a span that
        starts after the run before it ends closes that run."""
        run = self.runs.get(session_id)
        if run is None:
            self.runs[session_id] = [start, end]
        elif start >= run[1]:
            self.busy_ns += run[1] - run[0]
            run[0], run[1] = start, end
        elif end > run[1]:
            run[1] = end

    def as_dict(self) -> dict[str, Any]:
        d = sorted(self.durations)
        return {
            "spans": self.spans,
            "errors": self.errors,
            "error_rate": self.errors / self.spans if self.spans else 0.0,
            "input_tokens": self.input,
            "output_tokens": self.output,
            "cache_read_tokens": self.cache_read,
            "cache_write_tokens": self.cache_write,
            "tokens": self.input + self.output,
            "estimated_spans": self.estimated,
            "tokens_estimated": self.estimated > 0,
            **cost_json(self.cost, self.unpriced + self.cut, self.estimated, self.running),
            "calls_never_ended": self.cut,
            "time_ns": self.busy_ns + sum(b - a for a, b in self.runs.values()),
            "p50_ns": percentile(d, 50),
            "p90_ns": percentile(d, 90),
            "p99_ns": percentile(d, 99),
        }


def compute_stats(spans: Iterable[Any], live: Callable[[str], bool] | None = None,
                  until: Callable[[str], int] | None = None) -> dict[str, Any]:
    """Totals, by kind and by model (pure; spans are model.Span, by start time as the reader reads
    them). ``live(session_id)``: whether a session still runs (its open model calls are to come;
    else they never end). A row's ``time_ns``: how long some span of it ran, in each session the
    time its spans shared counted once (as the cost pane's time by kind), the sessions' added; a
    span still running ran until ``until(session_id)``, where its session's time ends (without
    ``until`` only ended spans count)."""
    total = _Acc()
    by_kind: dict[str, _Acc] = {}
    by_model: dict[str, _Acc] = {}
    sessions: set[str] = set()
    for s in spans:
        on = False
        to = None
        if s.end_ns is None:
            on = live is not None and live(s.session_id)
            to = until(s.session_id) if until is not None else None
        total.add(s, on, to)
        sessions.add(s.session_id)
        by_kind.setdefault(s.kind.value, _Acc()).add(s, on, to)
        if s.llm is not None and s.llm.model:
            by_model.setdefault(s.llm.model, _Acc()).add(s, on, to)
    out = total.as_dict()
    out["sessions"] = len(sessions)
    out["traces"] = len(total.traces)

    def rows(d: dict[str, _Acc], key: str) -> list[dict[str, Any]]:
        items = [{key: k, **a.as_dict()} for k, a in d.items()]
        items.sort(key=lambda r: (-r["cost_priced"], -r["spans"], r[key]))
        return items

    out["by_kind"] = rows(by_kind, "kind")
    out["by_model"] = rows(by_model, "model")
    return out


def _spans(reader: Any, session: str | None, since: int | None) -> Iterable[Any]:
    if session is not None:
        for s in reader.iter_spans(session):
            if since is None or s.start_ns >= since:
                yield s
    else:
        yield from reader.query_spans(since_ns=since, limit=MAX_SPANS)


def run(args: argparse.Namespace) -> int:
    from .history_common import resolve_session_id

    since = time_arg(args.since, "--since")
    with open_reader(args) as reader:
        sid = resolve_session_id(reader, args.session) if args.session is not None else None
        session_rows: dict[str, Any] = {}

        def row_of(session_id: str) -> Any:
            if session_id not in session_rows:
                session_rows[session_id] = reader.session(session_id)
            return session_rows[session_id]

        def live(session_id: str) -> bool:
            row = row_of(session_id)
            return row is not None and row.status == "running"

        def until(session_id: str) -> int:
            # Where the session's time ends as `sessions list` reads it (its end, else its last report).
            row = row_of(session_id)
            return 0 if row is None else row.first_ns + row.duration_ns

        result = compute_stats(_spans(reader, sid, since), live, until)
    result["truncated"] = sid is None and result["spans"] >= MAX_SPANS
    if sid is not None:
        result["session_id"] = sid
    if args.json:
        print_json(result)
        return 0
    c = console()
    tot = result
    c.print(
        f"{plural(tot['spans'], 'span')} in {plural(tot['traces'], 'trace')}, {plural(tot['sessions'], 'session')}; "
        f"{plural(tot['errors'], 'error')} ({tot['error_rate']:.1%}); "
        f"tokens {fmt_count(tot['tokens'], tot['tokens_estimated'])} ({fmt_count(tot['input_tokens'])} in, "
        f"{fmt_count(tot['output_tokens'])} out, {fmt_count(tot['cache_read_tokens'])} cache read); "
        f"cost {fmt_cost(tot['cost_priced'], tot['tokens_estimated'], tot['unpriced'], running=tot['calls_running'])}",
        highlight=False,
        markup=False,
    )
    cut = tot["calls_never_ended"]
    cost_footnote(c, tot["unpriced"] - cut, tot["estimated_spans"], sid, cut=cut, running=tot["calls_running"])
    for key, title in (("kind", "by kind"), ("model", "by model")):
        rows = result[f"by_{key}"]
        if not rows:
            continue
        t = CliTable(
            name_col(key.upper(), rank=0, limit=80),
            num_col("SPANS", rank=12),
            num_col("TIME", rank=13),
            num_col("ERR%", rank=13),
            num_col("TOKENS", rank=11),
            num_col("COST", rank=10),
            num_col("P50", rank=14),
            # (The tail's two go first in a narrow terminal, before a name is shortened.)
            num_col("P90", rank=EXTRA),
            num_col("P99", rank=EXTRA + 1),
            title=title,
        )
        digits = column_digits(r["cost_priced"] for r in rows)
        for r in rows:
            t.add_row(
                r[key],
                fmt_count(r["spans"]),
                fmt_duration(r["time_ns"]),
                f"{r['error_rate']:.1%}",
                fmt_tokens(r["tokens"], r["tokens_estimated"]),
                # (A row that counted nothing, as agents and tools: a dash, never $0.)
                fmt_row_cost(r["cost_priced"], r["tokens_estimated"], r["unpriced"], digits, tokens=r["tokens"],
                             running=r["calls_running"]),
                fmt_duration(r["p50_ns"]),
                fmt_duration(r["p90_ns"]),
                fmt_duration(r["p99_ns"]),
            )
        t.print(c, wide=args.wide)
    return 0
