"""``agenttrace-tui prune``: delete old sessions.

A session is pruned when its last activity is older than the cut-off, with
its traces, spans and events. ``--vacuum`` then gives the freed pages back
to the file system (it rewrites the file, so it is opt-in).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ..format.numbers import plural
from .history_common import CommandError, add_common, db_path, guarded, print_json


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "prune",
        help="delete sessions older than a time; optionally VACUUM the file",
        description="Delete saved sessions whose last activity is before --before (default: 30d ago).",
    )
    p.add_argument("--before", metavar="TIME", default=None, help="cut-off (ISO, or 30d, 12h, yesterday; default 30d)")
    p.add_argument("--vacuum", action="store_true", help="then compact the file (VACUUM)")
    p.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    add_common(p)
    p.set_defaults(func=guarded(run))


def _size(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal"):
        try:
            total += Path(f"{path}{suffix}").stat().st_size
        except OSError:
            pass
    return total


def run(args: argparse.Namespace) -> int:
    from ..store.sqlite import prune, vacuum
    from .history_common import time_arg

    path = db_path(args)
    if not path.exists():
        raise CommandError(f"no database at {path}")
    before = time_arg(args.before or "30d", "--before")
    assert before is not None
    size_before = _size(path)
    if args.dry_run:
        from .history_common import open_reader

        with open_reader(args) as reader:
            rows = [r for r in reader.sessions(limit=2**62) if r.last_ns < before]
        result: dict[str, Any] = {"would_delete": len(rows), "sessions": [r.id for r in rows], "before_ns": before}
        if args.json:
            print_json(result)
        else:
            print(f"would delete {plural(len(rows), 'session')} last active before {time.strftime('%Y-%m-%d %H:%M', time.localtime(before / 1e9))}")
        return 0
    deleted = prune(path, before)
    if args.vacuum:
        vacuum(path)
    size_after = _size(path)
    result = {"deleted": deleted, "before_ns": before, "vacuumed": args.vacuum, "size_before": size_before, "size_after": size_after}
    if args.json:
        print_json(result)
    else:
        msg = f"deleted {plural(deleted, 'session')}"
        if args.vacuum:
            msg += f"; file {size_before / 1e6:.1f} MB -> {size_after / 1e6:.1f} MB"
        print(msg)
    return 0
