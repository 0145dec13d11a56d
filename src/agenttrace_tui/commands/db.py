"""``agenttrace-tui db check`` and ``db recover``: a damaged database file.

``check`` runs the start-up checks with a full ``PRAGMA quick_check``
whatever the file's size. ``recover`` copies every row that can still be
read into a new file (store/recover.py) and says how many were recovered
and how many are known lost; the damaged file is never written.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..format.numbers import plural
from .history_common import CommandError, add_common, db_path, guarded, print_json


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "db",
        help="check a database file, or recover what can be read from a damaged one",
        description="Check the database file, or copy what can still be read from a damaged one into a new file.",
    )
    sub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    c = sub.add_parser("check", help="check the file (PRAGMA quick_check over every page)")
    add_common(c)
    c.set_defaults(func=guarded(run_check))
    r = sub.add_parser("recover", help="copy every readable row into a new file",
                       description="Copy every row that can still be read into a new database file; "
                                   "the damaged file is only read.")
    r.add_argument("--to", "-o", metavar="PATH", help="the new file (default: <db>.recovered.db next to it)")
    add_common(r)
    r.set_defaults(func=guarded(run_recover))


def run_check(args: argparse.Namespace) -> int:
    from ..store.check import DatabaseProblem, inspect

    path = db_path(args)
    if not path.exists():
        raise CommandError(f"no database at {path}")
    try:
        inspect(path, quick_check=True, max_bytes=None)
    except DatabaseProblem as exc:
        if args.json:
            print_json({"path": str(path), "ok": False, "problem": str(exc), "damaged": exc.damaged})
            return 1
        raise CommandError(str(exc)) from None
    if args.json:
        print_json({"path": str(path), "ok": True})
    else:
        print(f"{path}: ok")
    return 0


def _default_dest(src: Path) -> Path:
    """``<name>.recovered.db`` beside the file, then ``<name>.recovered-2.db``..."""
    dest = src.with_name(f"{src.stem}.recovered.db")
    n = 2
    while dest.exists():
        dest = src.with_name(f"{src.stem}.recovered-{n}.db")
        n += 1
    return dest


def run_recover(args: argparse.Namespace) -> int:
    from ..store.recover import recover

    src = db_path(args)
    if not src.exists():
        raise CommandError(f"no database at {src}")
    dest = Path(args.to).expanduser() if args.to else _default_dest(src)
    if dest.exists():
        raise CommandError(f"{dest} exists; recover writes a new file (choose another with --to)")
    if dest.resolve() == src.resolve():
        raise CommandError("--to must name a new file, not the damaged one")
    result = recover(src, dest)
    if args.json:
        print_json({"source": result.source, "dest": result.dest, "recovered": result.recovered,
                    "lost": result.lost, "tables": result.tables})
        return 0
    for t in result.tables:
        if t.recovered or t.damaged:
            lost = "" if not t.damaged else (" (damaged; rows lost: unknown)" if t.lost is None
                                             else f" (damaged; {plural(t.lost, 'row')} lost)")
            print(f"  {t.table}: {plural(t.recovered, 'row')} recovered{lost}")
    print(f"recovered {plural(result.recovered, 'row')} into {dest}"
          + (f"; {plural(result.lost, 'row')} known lost" if result.lost else ""))
    print(f"use it with --db {dest}, or move {src.name} and its -wal/-shm files away, then rename it to {src.name}")
    return 0
