"""``agenttrace-tui import-claude [PATH ...]``: Claude Code transcripts into the database.

Default PATH: ``$CLAUDE_CONFIG_DIR/projects`` (else ``~/.claude/projects``),
searched recursively for ``*.jsonl``. See ``claude_transcripts`` for the
mapping. Importing again is safe: span ids derive from Claude's ids.
Transcripts found but nothing stored from them (no session in any) is an
error, exit status 1, after the summary.
"""

from __future__ import annotations

import argparse
import sqlite3
from typing import Any

from .history_common import (
    CommandError,
    add_common,
    db_path_for_write,
    guarded,
    prices_path,
    pricing_hook,
    print_json,
)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "import-claude",
        help="import Claude Code session transcripts (~/.claude/projects/**/*.jsonl)",
        description="Turn Claude Code transcripts into sessions, traces (one per prompt), LLM spans with tokens "
        "and tool spans, so past sessions can be inspected and priced with no instrumentation.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="transcript files or directories (default: Claude's projects dir)")
    add_common(p)
    p.set_defaults(func=guarded(run))


def import_claude(paths: list[str] | None, db: Any, enrich: bool = True, prices: str | None = None) -> Any:
    """Import transcripts into ``db``; returns ClaudeImportStats (the DB import stats as ``.db``).
    ``prices``: the monitor's price file (``history_common.pricing_hook``)."""
    from ..history.claude_transcripts import (
        ClaudeImportStats,
        default_paths,
        find_transcripts,
        iter_updates,
    )
    from ..store.bulk import BulkWriter
    from .importer import ImportStats

    files = find_transcripts(paths or default_paths())
    stats = ClaudeImportStats()
    db_stats = ImportStats()
    hook = pricing_hook(prices) if enrich else None
    sink = BulkWriter(db, db_stats)
    sink.span_hook = hook
    try:
        for updates in iter_updates(files, stats):
            sink.add(updates)
    finally:
        sink.close()
    stats.db = db_stats  # type: ignore[attr-defined]
    return stats


def run(args: argparse.Namespace) -> int:
    from ..enrich.prices import PriceFileError
    from ..format.numbers import plural
    from ..format.sanitize import clean

    db = db_path_for_write(args)
    try:
        stats = import_claude(args.paths, db, prices=prices_path(args))
    except PriceFileError as exc:
        raise CommandError(str(exc)) from None
    except sqlite3.Error as exc:
        raise CommandError(f"cannot write {db}: {exc}") from None
    if stats.files == 0:
        where = ", ".join(args.paths) if args.paths else "Claude Code's projects directory"
        raise CommandError(f"no transcripts (*.jsonl) found in {where}")
    result = stats.as_dict()
    result["stored_spans"] = stats.db.spans
    if args.json:
        print_json(result)
    else:
        print(
            f"imported {plural(stats.sessions, 'session')}, {plural(stats.traces, 'prompt')}, "
            f"{plural(stats.llm_spans, 'LLM call')}, {plural(stats.tool_spans, 'tool call')} "
            f"from {plural(stats.files, 'file')} into {clean(db)}"
            f" ({plural(stats.duplicates, 'duplicate record')} merged, {plural(stats.sidechains_linked, 'sub-agent')} nested)"
        )
        for reason, n in sorted(stats.skipped.items()):
            print(f"  skipped {n} {clean(reason, 80)}")
        # What the door refused or fixed on the way into the file (store.bulk).
        for reason, n in stats.db.rejected.most_common():
            print(f"  skipped {n} {clean(reason, 80)}: {clean(stats.db.examples.get(reason, ''), 200)}")
        for reason, n in stats.db.fixed.most_common():
            print(f"  fixed {n} {clean(reason, 80)}: {clean(stats.db.fix_examples.get(reason, ''), 200)}")
    if stats.db.spans == 0 and not stats.db.sessions:
        # Transcripts were found and none of them gave a session: not a success.
        skipped = ", ".join(f"{n} {reason}" for reason, n in [*sorted(stats.skipped.items()),
                                                              *stats.db.rejected.most_common()])
        raise CommandError(f"nothing imported from {plural(stats.files, 'transcript')}"
                           + (f": all skipped ({skipped})" if skipped else ""))
    return 0
