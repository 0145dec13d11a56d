"""Benchmark: where a span row's SQLite insert time goes, by schema variant.

Run: PYTHONPATH=src python bench/bench_schema.py [--spans 40000] [--runs 3] [--preload 0] [--callgrind]

The rows are the real ones: ``bench_store``'s realistic traffic decoded and
normalised, the final state of each span encoded once with the writer's own
``span_row``. Each variant is a fresh file holding only a ``spans`` table
(nothing else is touched by the span statement: no trigger fires on it),
opened with the writer's PRAGMAs; the rows go in as the writer sends them,
``executemany`` of 1,000 rows per transaction. Printed per variant: CPU
microseconds per row (thread time) for the ``executemany`` and for the
commit, medians of ``--runs``, the variants interleaved run by run so all
see the same load. ``--preload N`` first fills each file with N other rows
(a bigger file: deeper B-trees, more pages per batch). ``--callgrind``
instead counts instructions of the executemany + commit loop per row (load
independent; one run per variant). Writes nothing under docs/.

The variants answer: what each index costs, what the body's size costs,
whether the upsert statement costs more than a plain insert, what a
WITHOUT ROWID table or binary keys would change, what the PRAGMAs change.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from agenttrace_tui.model import Span  # noqa: E402
from agenttrace_tui.store import batch as batch_mod  # noqa: E402
from agenttrace_tui.store.batch import SPAN_BODY_COLUMN, span_row, span_statements  # noqa: E402
from agenttrace_tui.store.schema import WRITER_PRAGMAS, ddl_statements  # noqa: E402

UPSERT = batch_mod.UPSERT_SPAN
COLS = ("trace_id, span_id, session_id, parent, name, kind, status, model, provider, start_ns, end_ns,"
        " input_tokens, output_tokens, cost, body, unpriced, estimated, internal")
WIDTH = UPSERT.count("?")  # a span row's parameters
INSERT = f"INSERT INTO spans ({COLS}) VALUES ({', '.join('?' * WIDTH)})"


def _schema_parts() -> tuple[str, dict[str, str]]:
    """The real ``spans`` CREATE TABLE and its index statements, from schema.DDL."""
    table = ""
    idx: dict[str, str] = {}
    for stmt in ddl_statements():
        if stmt.startswith("CREATE TABLE IF NOT EXISTS spans "):
            table = stmt
        m = re.match(r"CREATE INDEX IF NOT EXISTS (\w+) ON spans ", stmt)
        if m:
            idx[m.group(1)] = stmt
    assert table and idx, "schema.DDL changed shape"
    return table, idx


TABLE, INDEXES = _schema_parts()
NO_UNIQUE = TABLE.replace(",\n    UNIQUE (trace_id, span_id)", "")
assert NO_UNIQUE != TABLE
WITHOUT_ROWID = NO_UNIQUE.rstrip(" ;\n").rstrip(")") + ",\n    PRIMARY KEY (trace_id, span_id)\n) WITHOUT ROWID"


def variants() -> dict[str, dict]:
    """name -> {ddl: [...], sql: statement, row: row transform or None, pragmas: extra}."""
    all_idx = list(INDEXES.values())
    v: dict[str, dict] = {
        "current schema (unique + 4 indexes), upsert": {"ddl": [TABLE, *all_idx]},
        "current schema, plain INSERT": {"ddl": [TABLE, *all_idx], "sql": INSERT},
        "unique key only": {"ddl": [TABLE]},
    }
    for name, stmt in INDEXES.items():
        v[f"unique + {name}"] = {"ddl": [TABLE, stmt]}
    v["unique + 3 (no spans_model)"] = {"ddl": [TABLE, *(s for n, s in INDEXES.items() if n != "spans_model")]}
    v["no index at all, plain INSERT (floor)"] = {"ddl": [NO_UNIQUE], "sql": INSERT}
    v["current, empty body"] = {"ddl": [TABLE, *all_idx], "row": "nobody"}
    v["unique only, empty body"] = {"ddl": [TABLE], "row": "nobody"}
    v["WITHOUT ROWID pk + 4 indexes"] = {"ddl": [WITHOUT_ROWID, *all_idx]}
    v["current, binary trace/span ids"] = {"ddl": [TABLE, *all_idx], "row": "binkeys"}
    v["current, synchronous=OFF"] = {"ddl": [TABLE, *all_idx], "pragmas": ["PRAGMA synchronous=OFF"]}
    v["current, page_size 8192"] = {"ddl": [TABLE, *all_idx], "page_size": 8192}
    v["current, page_size 16384"] = {"ddl": [TABLE, *all_idx], "page_size": 16384}
    v["current, 5000-row transactions"] = {"ddl": [TABLE, *all_idx], "txn": 5000}
    three = [s for n, s in INDEXES.items() if n != "spans_model"]
    v["current + identity adapters (None, bytes)"] = {"ddl": [TABLE, *all_idx], "adapt": True}
    v["no spans_model + adapters"] = {"ddl": [TABLE, *three], "adapt": True}
    v["no spans_model + adapters + page 16384"] = {"ddl": [TABLE, *three], "adapt": True, "page_size": 16384}
    for k in (10, 50, 100):
        v[f"current, {k} rows per statement"] = {"ddl": [TABLE, *all_idx], "multi": k}
    v["no spans_model + adapters, 50 rows per statement"] = {"ddl": [TABLE, *three], "adapt": True, "multi": 50}
    v["no spans_model + adapters + the writer's statements"] = {"ddl": [TABLE, *three], "adapt": True, "multi": -1}
    return v


def final_spans(n: int) -> list[Span]:
    import bench_store as bs

    spans: dict = {}
    for b in bs.updates_from(bs.payloads(bs.wire_records(n), per=100)):
        for u in b:
            if isinstance(u, Span):
                spans[(u.trace_id, u.span_id)] = u
    return list(spans.values())


def transform(rows: list[tuple], how: str | None) -> list[tuple]:
    if how is None:
        return rows
    if how == "nobody":
        return [r[:SPAN_BODY_COLUMN] + (b"",) + r[SPAN_BODY_COLUMN + 1:] for r in rows]
    if how == "binkeys":
        return [(bytes.fromhex(r[0]), bytes.fromhex(r[1]), *r[2:]) for r in rows]
    raise ValueError(how)


def open_variant(path: Path, spec: dict, preload: list[tuple]) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    if spec.get("page_size"):
        conn.execute(f"PRAGMA page_size={spec['page_size']}")
    for p in (*WRITER_PRAGMAS, *spec.get("pragmas", ())):
        conn.execute(p)
    for stmt in spec["ddl"]:
        conn.execute(stmt)
    if preload:
        conn.execute("BEGIN")
        conn.executemany(spec.get("sql", UPSERT), preload)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return conn


def multi_sql(sql: str, k: int) -> str:
    """The statement with ``k`` rows in its VALUES clause."""
    one = "(" + ", ".join("?" * WIDTH) + ")"
    head, tail = sql.split(one)
    return head + ", ".join([one] * k) + tail


def insert_all(conn: sqlite3.Connection, sql: str, rows: list[tuple], txn: int, multi: int = 0) -> tuple[float, float]:
    """CPU seconds in executemany and in commit, for all rows."""
    t_exec = t_commit = 0.0
    clock = time.thread_time
    many = multi_sql(sql, multi) if multi else ""
    chain = itertools.chain.from_iterable
    for i in range(0, len(rows), txn):
        part = rows[i:i + txn]
        a = clock()
        conn.execute("BEGIN IMMEDIATE")
        if multi < 0:  # the writer's own statements (store/batch.py)
            for stmt, params, _ in span_statements(part):
                conn.executemany(stmt, params)
            part = []
        elif multi:
            full = len(part) - len(part) % multi
            for j in range(0, full, multi):
                conn.execute(many, tuple(chain(part[j:j + multi])))
            part = part[full:]
        conn.executemany(sql, part)
        b = clock()
        conn.execute("COMMIT")
        c = clock()
        t_exec += b - a
        t_commit += c - b
    return t_exec, t_commit


def preload_rows(n: int, like: list[tuple]) -> list[tuple]:
    """``n`` rows shaped like ``like`` with other keys and earlier times."""
    out = []
    for i in range(n):
        r = like[i % len(like)]
        out.append((f"{i:032x}", r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9] - 10**15, r[10],
                    *r[11:]))
    return out


_ADAPTED = (bytes, type(None))


def _same(v: object) -> object:
    return v


def adapters(on: bool) -> None:
    """Identity adapters for bytes and None: Python's sqlite3 binds every value
    that is not exactly int, float, str or bytearray through its adapter
    protocol, whose failed attribute look-ups format an error message each."""
    for t in _ADAPTED:
        if on:
            sqlite3.register_adapter(t, _same)
        else:
            sqlite3.adapters.pop((t, sqlite3.PrepareProtocol), None)


def run_variant(name: str, n: int, preload: int, tmp: Path, rows: list[tuple]) -> tuple[float, float]:
    spec = variants()[name]
    adapters(bool(spec.get("adapt")))
    rows = transform(rows, spec.get("row"))
    pre = transform(preload_rows(preload, rows), spec.get("row")) if preload else []
    path = tmp / f"v{abs(hash(name))}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    conn = open_variant(path, spec, pre)
    try:
        return insert_all(conn, spec.get("sql", UPSERT), rows, spec.get("txn", 1000), spec.get("multi", 0))
    finally:
        conn.close()


def callgrind_child(name: str, n: int, preload: int) -> None:
    """Under callgrind: only the insert loop runs inside functools.reduce (counted)."""
    spans = final_spans(n)
    rows = [span_row(s) for s in spans]
    spec = variants()[name]
    adapters(bool(spec.get("adapt")))
    rows = transform(rows, spec.get("row"))
    pre = transform(preload_rows(preload, rows), spec.get("row")) if preload else []
    with tempfile.TemporaryDirectory(prefix="bench_schema_cg_") as tmp:
        conn = open_variant(Path(tmp) / "c.db", spec, pre)
        sql, txn = spec.get("sql", UPSERT), spec.get("txn", 1000)
        multi = spec.get("multi", 0)
        functools.reduce(lambda acc, _: insert_all(conn, sql, rows, txn, multi), [0], None)
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, default=40_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--preload", type=int, default=0)
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--only", help="substring: run only matching variants")
    a = ap.parse_args()
    names = [k for k in variants() if not a.only or a.only in k]
    spans = final_spans(a.spans)
    t = time.thread_time()
    rows = [span_row(s) for s in spans]
    enc_us = (time.thread_time() - t) / len(rows) * 1e6
    body = statistics.mean(len(r[SPAN_BODY_COLUMN]) for r in rows)
    print(f"{len(rows):,} rows, span_row {enc_us:.2f} us/row, body mean {body:.0f} B; preload {a.preload:,}; "
          f"sqlite {sqlite3.sqlite_version}; load {os.getloadavg()[0]:.2f}", flush=True)
    if a.callgrind:
        from callgrind import collected

        print(f"{'variant':45s} {'instr/row':>10s}")
        for name in names:
            ins = collected(__file__, "--cg-child", name, str(a.spans), str(a.preload))
            print(f"{name:45s} {ins / len(rows):10,.0f}", flush=True)
        return
    res: dict[str, list[tuple[float, float]]] = {k: [] for k in names}
    with tempfile.TemporaryDirectory(prefix="bench_schema_") as tmp:
        for _ in range(a.runs):
            for name in names:
                res[name].append(run_variant(name, a.spans, a.preload, Path(tmp), rows))
    base = statistics.median(e + c for e, c in res[names[0]])
    print(f"{'variant':45s} {'exec us':>8s} {'commit us':>9s} {'total us':>8s} {'rows/s CPU':>10s} {'vs first':>8s}")
    for name, rs in res.items():
        e = statistics.median(x[0] for x in rs) / len(rows) * 1e6
        c = statistics.median(x[1] for x in rs) / len(rows) * 1e6
        tot = statistics.median(x[0] + x[1] for x in rs)
        print(f"{name:45s} {e:8.2f} {c:9.2f} {tot / len(rows) * 1e6:8.2f} {len(rows) / tot:10,.0f} {tot / base:8.2f}")
    print(f"load after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "--cg-child":
        callgrind_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
