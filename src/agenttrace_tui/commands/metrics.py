"""``agenttrace-tui metrics``: saved metric series with latest value, rate and sparkline.

Reads the SQLite file like the other history commands: every series (name +
labels) with its value (a counter's total, a gauge's latest), its rate over
the last minute of samples and a sparkline of its recent samples; Claude
Code's, the Continue CLI's and Codex's known metrics are named in words. ``--session`` shows the
series as one session's samples make them.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..analysis.metrics import describe, fmt_value, row_dict, series_values, short_labels, sparkline
from ..format.numbers import fmt_number
from .history_common import add_common, guarded, open_reader, print_json, resolve_session_id
from .table import CliTable, console, name_col, num_col


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "metrics",
        help="metric series (OTLP metrics): latest value, rate and sparkline",
        description="Saved metric series by name and labels: value, rate per second, recent samples.",
    )
    p.add_argument("--session", metavar="ID", help="only this session's samples ('latest' for the most recent)")
    p.add_argument("--name", metavar="TEXT", help="only series whose name contains TEXT")
    add_common(p, wide=True)
    p.set_defaults(func=guarded(run))


def collect(reader: Any, session_id: str | None, name: str | None = None) -> list[dict[str, Any]]:
    out = []
    for m in reader.metrics(session_id):
        if name and name not in m.name:
            continue
        points = reader.metric_points(m.name, m.labels, session_id=session_id)
        d = row_dict(m.name, m.labels, m.kind, m.last, m.sum, m.count, m.time_ns, points)
        d["spark"] = sparkline(series_values(points, m.kind))
        out.append(d)
    return out


def run(args: argparse.Namespace) -> int:
    with open_reader(args) as reader:
        sid = resolve_session_id(reader, args.session, allow_unknown=True) if args.session is not None else None
        rows = collect(reader, sid, args.name)
    if args.json:
        print_json({"session_id": sid, "series": rows})
        return 0
    c = console()
    if not rows:
        c.print("no metric series saved" + (f" for session {sid}" if sid else ""), markup=False, highlight=False)
        return 0
    t = CliTable(
        name_col("METRIC", rank=0, limit=90),
        name_col("LABELS", rank=30, limit=60),
        num_col("VALUE", rank=10),
        num_col("RATE/S", rank=20),
        name_col("RECENT", rank=90, limit=40),
        title=f"session {sid}" if sid else None,
    )
    for r in rows:
        words = describe(r["name"], r["labels"])
        rate = r["rate_per_s"]
        t.add_row(
            f"{words}  [{r['name']}]" if words else r["name"],
            short_labels(r["labels"]),
            fmt_value(r["name"], r["value"]),
            "" if rate is None else fmt_number(rate, 3),
            r["spark"],
        )
    t.print(c, wide=args.wide)
    return 0
