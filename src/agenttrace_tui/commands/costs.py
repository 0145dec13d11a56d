"""``agenttrace-tui costs``: spend from the database, grouped, as a table or JSON.

Spans are read session by session from the SQLite file and replayed into an
in-memory store with the monitor's pricing as its span hook, so the numbers
obey exactly the rules the live monitor uses (subtree usage never summed
twice, a stored cost is the figure every other view shows, spans saved
without a price are priced now with the monitor's price file, unknown models
stay unknown). Estimated figures carry "≈"; unknown prices are listed with
their reasons, never shown as $0.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ..format.cost import NEVER_ENDED
from ..model import span_flags, waiting_call
from ..store.agents import NO_AGENT, agent_of, parent_in, spellings

GROUPS = ("model", "provider", "kind", "tool", "agent", "day")


def register(subparsers: Any) -> argparse.ArgumentParser:
    from .history_common import add_common

    p = subparsers.add_parser(
        "costs",
        help="show token and dollar spend from the database",
        description="Spend from the database, grouped by model, provider, span kind, tool, agent or day.",
    )
    p.add_argument("--session", metavar="ID", help="only this session")
    p.add_argument("--since", metavar="WHEN", help="only spans that started since: 30m, 12h, 7d, or a date/time (2025-06-01, 2025-06-01T14:00)")
    p.add_argument("--group-by", choices=GROUPS, default="model", help="rows of the table (default: model)")
    p.add_argument("--prices", metavar="TOML", default=argparse.SUPPRESS,
                   help="price file for spans saved without a price (default: $AGENTTRACE_PRICES or the "
                        "config file's prices, as the monitor); a stored cost is kept")
    add_common(p, wide=True)
    p.set_defaults(func=run)
    return p


def parse_since(value: str, now_ns: int | None = None) -> int:
    """``30m`` / ``12h`` / ``7d`` / ``2w`` ago, or an ISO date/time (UTC unless it says otherwise) -> ns."""
    from ..format.timeparse import TimeParseError, parse_duration

    now = time.time_ns() if now_ns is None else now_ns
    try:
        return now - parse_duration(value.removesuffix("ago"))  # the one duration grammar
    except TimeParseError:
        pass
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"--since: expected 30m, 12h, 7d or a date like 2025-06-01, got {value!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1e9)


class Row:
    """One line of the report."""

    __slots__ = ("key", "spans", "input", "output", "cache_read", "cache_write", "cost", "unknown", "estimated", "decided",
                 "consumed", "decided_calls", "consumed_calls", "running", "decided_unpriced", "consumed_unpriced",
                 "decided_waiting", "consumed_waiting")

    def __init__(self, key: str) -> None:
        self.key = key
        self.spans = self.input = self.output = self.cache_read = self.cache_write = 0
        self.cost = self.decided = self.consumed = 0.0
        self.unknown = self.estimated = 0
        #: (tools) its calls a model call decided, and that one consumed; of those, the calls whose
        #: model call had no price, and that one still running with nothing counted
        self.decided_calls = self.consumed_calls = 0
        self.decided_unpriced = self.consumed_unpriced = self.decided_waiting = self.consumed_waiting = 0
        #: model calls still running with nothing counted (their cost is to come)
        self.running = 0

    def as_dict(self, group: str) -> dict[str, Any]:
        d: dict[str, Any] = {
            group: self.key,
            "spans": self.spans,
            "input_tokens": self.input,
            "output_tokens": self.output,
            "cache_read_tokens": self.cache_read,
            "cache_write_tokens": self.cache_write,
            # null unless every call was priced (never a silent 0); the priced part apart.
            "cost_usd": None if self.unknown or self.running else round(self.cost, 10),
            "cost_priced_usd": round(self.cost, 10),
            "unpriced_calls": self.unknown,
            "estimated": self.estimated > 0,
        }
        d["calls_running"] = self.running
        if group == "tool":
            d = {
                "tool": self.key,
                "calls": self.spans,
                # null when no call of it had a deciding (consuming) model call (no share, not $0), or
                # when a share is not known (a model call with no price, or still running): the
                # known part apart, as every cost of the JSON
                "decided_cost_usd": round(self.decided, 10) if self.decided_calls and not (
                    self.decided_unpriced or self.decided_waiting) else None,
                "consumed_cost_usd": round(self.consumed, 10) if self.consumed_calls and not (
                    self.consumed_unpriced or self.consumed_waiting) else None,
                "decided_cost_priced_usd": round(self.decided, 10),
                "consumed_cost_priced_usd": round(self.consumed, 10),
                "decided_calls": self.decided_calls,
                "consumed_calls": self.consumed_calls,
                "decided_unpriced_calls": self.decided_unpriced,
                "consumed_unpriced_calls": self.consumed_unpriced,
                "decided_running_calls": self.decided_waiting,
                "consumed_running_calls": self.consumed_waiting,
                "cost_usd": None if (self.decided_unpriced or self.consumed_unpriced or self.decided_waiting
                                     or self.consumed_waiting) else round(self.cost, 10),
                "decided_tokens": self.input,
                "consumed_tokens": self.output,
                "estimated": self.estimated > 0,
            }
        return d


class Report:
    """Accumulates rows over sessions (each replayed into its own store)."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.rows: dict[str, Row] = {}
        self.total = Row("total")
        self.sessions = 0
        self.unknown_reasons: Counter[str] = Counter()
        #: Why calls priced at $0 cost nothing (a local model's), by reason: a $0 always says why.
        self.zero_reasons: Counter[str] = Counter()
        #: What a priced call's figure leaves out, by note (a Gemini call's grounding fee).
        self.noted_reasons: Counter[str] = Counter()

    def row(self, key: str) -> Row:
        r = self.rows.get(key)
        if r is None:
            r = self.rows[key] = Row(key)
        return r

    def add_store(self, store: Any, live: bool = False) -> None:
        """One session's spans, replayed into ``store``; ``live``: the session still runs (its
        model calls open with nothing counted are to come; else they never end: unpriced)."""
        totals = store.totals
        if not totals.spans:
            return
        self.sessions += 1
        t = self.total
        t.spans += totals.spans
        t.input += totals.input_tokens
        t.output += totals.output_tokens
        t.cache_read += totals.cache_read
        t.cache_write += totals.cache_write
        t.cost += totals.cost
        t.unknown += totals.cost_unknown
        t.estimated += totals.estimated
        if totals.llm_waiting:
            if live:
                t.running += totals.llm_waiting
            else:
                t.unknown += totals.llm_waiting
                self.unknown_reasons[NEVER_ENDED] += totals.llm_waiting
        for span in store.iter_spans():
            c = span.cost
            if c is not None and c.reason:
                if span_flags(span)[0]:
                    self.unknown_reasons[c.reason] += 1
                elif c.total == 0:
                    self.zero_reasons[c.reason] += 1
                elif c.total is not None:
                    self.noted_reasons[c.reason] += 1
        if self.group == "tool":
            for tc in store.tool_costs():
                r = self.row(tc.name)
                r.spans += tc.calls
                r.decided += tc.decided_cost
                r.consumed += tc.consumed_cost
                r.decided_calls += tc.decided_calls
                r.consumed_calls += tc.consumed_calls
                r.decided_unpriced += tc.decided_unpriced
                r.consumed_unpriced += tc.consumed_unpriced
                if live:
                    r.decided_waiting += tc.decided_waiting
                    r.consumed_waiting += tc.consumed_waiting
                else:  # its session stopped with the call open: what it cost never came ($?), as above
                    r.decided_unpriced += tc.decided_waiting
                    r.consumed_unpriced += tc.consumed_waiting
                r.cost += tc.cost
                r.input += round(tc.decided_tokens)
                r.output += round(tc.consumed_tokens)
                r.estimated += tc.estimated
        elif self.group == "day":
            self._add_days(store, live)
        elif self.group == "agent":
            self._add_agents(store, live)
        else:
            rows = totals.breakdown(self.group)
            # Its model calls open with nothing counted, by row: to come (live) or never known,
            # as the total counts them.
            waiting: dict[tuple[str, str], int] = {}
            for entry in store.sessions.values():
                for k, n in entry.waiting_calls().items():
                    waiting[k] = waiting.get(k, 0) + n
            rows_waiting = 0
            for key, b in rows:
                r = self.row(key)
                n = waiting.get((self.group, key), 0)
                rows_waiting += n
                if live:
                    r.running += n
                else:
                    r.unknown += n
                r.spans += b.spans
                r.input += b.input_tokens
                r.output += b.output_tokens
                r.cache_read += b.cache_read
                r.cache_write += b.cache_write
                r.cost += b.cost
                r.unknown += b.cost_unknown
                r.estimated += b.estimated
            # The spans no row of this dimension holds (no model named: tools, agents, ...), as
            # a row of their own, so the rows add up to the total (it counted them, the rows not).
            rest = totals.spans - sum(b.spans for _, b in rows)
            if rest > 0:
                r = self.row(f"(no {self.group})")
                r.spans += rest
                r.input += totals.input_tokens - sum(b.input_tokens for _, b in rows)
                r.output += totals.output_tokens - sum(b.output_tokens for _, b in rows)
                r.cache_read += totals.cache_read - sum(b.cache_read for _, b in rows)
                r.cache_write += totals.cache_write - sum(b.cache_write for _, b in rows)
                # (A difference of float sums: noise, e.g. 2e-16, where these spans cost nothing;
                # the JSON rounds it away, the table's fmt_row_cost reads it as nothing counted.)
                r.cost += totals.cost - sum(b.cost for _, b in rows)
                r.unknown += totals.cost_unknown - sum(b.cost_unknown for _, b in rows)
                r.estimated += totals.estimated - sum(b.estimated for _, b in rows)
                if totals.llm_waiting > rows_waiting:  # (calls that name no model)
                    if live:
                        r.running += totals.llm_waiting - rows_waiting
                    else:
                        r.unknown += totals.llm_waiting - rows_waiting

    def _add_days(self, store: Any, live: bool) -> None:
        # Day rows come from the spans themselves (the minute series has no cache/unknown split).
        self._add_spans(store, live, lambda span, c: datetime.fromtimestamp(c.minute * 60, tz=UTC).strftime("%Y-%m-%d"))

    def _add_agents(self, store: Any, live: bool) -> None:
        # Each span is the agent's that runs it: the nearest agent span above it (or itself) that
        # names its agent. In a run of several agents (a triage agent handing off to a specialist)
        # each model call is charged to the agent that made it, not to the first one or to all.
        spans = {(s.trace_id, s.span_id): s for s in store.iter_spans()}
        parent, spelled = parent_in(spans), spellings(spans.values())
        self._add_spans(store, live, lambda span, c: agent_of(span, parent, spelled=spelled) or NO_AGENT)

    def _add_spans(self, store: Any, live: bool, key: Any) -> None:
        from ..store.aggregates import Contribution

        for span in store.iter_spans():
            c = Contribution(span)
            r = self.row(key(span, c))
            r.spans += 1
            r.input += c.input_tokens
            r.output += c.output_tokens
            r.cache_read += c.cache_read
            r.cache_write += c.cache_write
            r.cost += c.cost
            r.unknown += c.cost_unknown
            r.estimated += c.estimated
            if waiting_call(span):  # (as the total: to come, or never known)
                if live:
                    r.running += 1
                else:
                    r.unknown += 1

    def sorted_rows(self) -> list[Row]:
        rows = list(self.rows.values())
        if self.group == "day":
            return sorted(rows, key=lambda r: r.key)
        return sorted(rows, key=lambda r: (-r.cost, -(r.input + r.output), r.key))

    def as_json(self) -> dict[str, Any]:
        return {
            "group_by": self.group,
            "sessions": self.sessions,
            "rows": [r.as_dict(self.group) for r in self.sorted_rows()],
            "total": self.total.as_dict("total"),
            "unpriced": dict(self.unknown_reasons.most_common()),
            "no_charge": dict(self.zero_reasons.most_common()),
            "notes": dict(self.noted_reasons.most_common()),
        }


def _session_ids(reader: Any, session: str | None, since_ns: int | None) -> list[str]:
    if session is not None:
        return [session] if reader.session(session) is not None else []
    return [row.id for row in reader.sessions(limit=1_000_000, since_ns=since_ns)]


def build_report(reader: Any, group: str, session: str | None = None, since_ns: int | None = None, prices: str | None = None) -> Report:
    """Replay the selected spans, one session at a time, into stores that price what was
    saved without a price (``pricing_hook``, with the price file ``prices``)."""
    from ..store.memory import Store
    from .history_common import pricing_hook

    hook = pricing_hook(prices)
    report = Report(group)
    for sid in _session_ids(reader, session, since_ns):
        store = Store(max_spans=10_000_000, span_hook=hook)
        batch: list[Any] = []
        for span in reader.iter_spans(sid):
            if since_ns is not None and span.start_ns < since_ns:
                continue
            batch.append(span)
            if len(batch) >= 5000:
                store.apply(batch)
                batch = []
        if batch:
            store.apply(batch)
        row = reader.session(sid)
        report.add_store(store, live=row is not None and row.status == "running")
    return report


def render(report: Report, console: Any, wide: bool = False) -> None:
    """The report through the CLI's one table renderer (totals as its footer)."""
    from rich.text import Text

    from ..format.numbers import column_digits, fmt_attributed, fmt_cost, fmt_count, fmt_row_cost, plural
    from ..format.sanitize import clean
    from .table import CliTable, name_col, num_col

    group = report.group
    rows = report.sorted_rows()
    t = report.total
    total_cost = t.cost or 0.0
    digits = column_digits([t.cost, *(r.cost for r in rows), *(r.decided for r in rows), *(r.consumed for r in rows)])

    def share_bar(cost: float) -> tuple[str, str]:
        width = 10
        filled = round(width * cost / total_cost) if total_cost > 0 else 0
        return "█" * filled + "·" * (width - filled), "cyan"

    key = name_col(group, rank=0, limit=200)
    share = name_col("share", rank=90)
    if group == "tool":
        est_any = any(r.estimated for r in rows)
        table = CliTable(
            key, num_col("calls", 13), num_col("deciding LLM", 11), num_col("consuming LLM", 12),
            num_col("tokens", 14), num_col("cost", 10), share, title=f"Costs by {group}",
        )
        for r in rows:
            est = r.estimated > 0
            table.add_row(
                r.key, fmt_count(r.spans),
                fmt_attributed(r.decided, r.decided_calls, est, digits, None, r.decided_unpriced, r.decided_waiting),
                fmt_attributed(r.consumed, r.consumed_calls, est, digits, None, r.consumed_unpriced, r.consumed_waiting),
                fmt_count(r.input + r.output, est),
                fmt_cost(r.cost, est, r.decided_unpriced + r.consumed_unpriced, digits,
                         running=r.decided_waiting + r.consumed_waiting), share_bar(r.cost),
            )
        table.set_footer(
            "total", fmt_count(sum(r.spans for r in rows)),
            fmt_attributed(sum(r.decided for r in rows), sum(r.decided_calls for r in rows), est_any, digits, None,
                           sum(r.decided_unpriced for r in rows), sum(r.decided_waiting for r in rows)),
            fmt_attributed(sum(r.consumed for r in rows), sum(r.consumed_calls for r in rows), est_any, digits, None,
                           sum(r.consumed_unpriced for r in rows), sum(r.consumed_waiting for r in rows)),
            fmt_count(sum(r.input + r.output for r in rows), est_any),
            fmt_cost(sum(r.cost for r in rows), est_any, sum(r.decided_unpriced + r.consumed_unpriced for r in rows),
                     digits, running=sum(r.decided_waiting + r.consumed_waiting for r in rows)), "",
        )
    else:
        est = t.estimated > 0
        unpriced = t.unknown > 0
        table = CliTable(
            key, num_col("spans", 13), num_col("input", 14), num_col("cache r/w", 16), num_col("output", 15),
            num_col("cost", 10), *([num_col("unpriced", 11)] if unpriced else []), share, title=f"Costs by {group}",
        )
        for r in rows:
            e = r.estimated > 0
            table.add_row(
                r.key, fmt_count(r.spans), fmt_count(r.input, e),
                f"{fmt_count(r.cache_read)}/{fmt_count(r.cache_write)}", fmt_count(r.output, e),
                # A row that counted nothing (spans no model names) reads a dash, one whose
                # calls still run $… or $0.42+…, as in the cost pane: not a $0 it may not be.
                (fmt_row_cost(r.cost, e, r.unknown, digits, tokens=r.input + r.output, running=r.running),
                 "yellow" if r.unknown else ""),
                *([fmt_count(r.unknown) if r.unknown else ""] if unpriced else []),
                share_bar(r.cost),
            )
        table.set_footer(
            "total", fmt_count(t.spans), fmt_count(t.input, est), f"{fmt_count(t.cache_read)}/{fmt_count(t.cache_write)}",
            fmt_count(t.output, est), (fmt_cost(t.cost, est, t.unknown, digits, running=t.running), "yellow" if t.unknown else ""),
            *([fmt_count(t.unknown)] if unpriced else []), "",
        )
    table.print(console, wide=wide)
    if t.estimated:
        console.print(Text(f"≈ estimated: {plural(t.estimated, 'LLM call')} reported no usage; tokens counted from their text."))
    for reason, n in report.unknown_reasons.most_common(10):
        console.print(Text(f"$? unpriced: {plural(n, 'call')}: {clean(reason, 200)}"))
    for reason, n in report.zero_reasons.most_common(10):
        console.print(Text(f"$0 no charge: {plural(n, 'call')}: {clean(reason, 200)}"))
    for reason, n in report.noted_reasons.most_common(10):
        console.print(Text(f"note: {plural(n, 'call')}: {clean(reason, 200)}"))
    if t.running:
        console.print(Text(f"… running: {plural(t.running, 'LLM call')} still running; the total grows when they end."))


def run(args: argparse.Namespace) -> int:
    from ..enrich.prices import PriceFileError
    from ..store.sqlite import Reader, SchemaError
    from .history_common import CommandError, db_path, fail, prices_path, resolve_session_id

    # Errors as every history command says them: one line, "agenttrace-tui: ..." (sanitized).
    try:
        since_ns = parse_since(args.since) if args.since else None
    except ValueError as exc:
        return fail(str(exc), 2)
    path = db_path(args)
    try:
        reader = Reader(path)
    except FileNotFoundError:
        return fail(f"no database at {path} (run the monitor first, or pass --db)")
    except SchemaError as exc:
        return fail(str(exc))
    try:
        with reader:
            if args.session is not None:  # 'latest' and id prefixes, as every command
                try:
                    args.session = resolve_session_id(reader, args.session)
                except CommandError as exc:
                    return fail(str(exc))
            report = build_report(reader, args.group_by, args.session, since_ns, prices_path(args))
    except PriceFileError as exc:
        return fail(str(exc), 2)
    if args.json:
        import json

        sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n")
        return 0
    if args.session is not None and report.sessions == 0:
        return fail(f"no spans for session {args.session!r} in {path}")
    from .table import console

    render(report, console(), wide=args.wide)
    return 0


def main(argv: Iterable[str] | None = None) -> int:
    """Stand-alone entry (the main CLI mounts ``register`` as a subcommand)."""
    parser = argparse.ArgumentParser(prog="agenttrace-tui")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(list(argv) if argv is not None else None)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
