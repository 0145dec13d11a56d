"""Finding and reading Claude Code transcript files (JSON Lines), counting what is skipped.

Where the files live (``~/.claude/projects`` or ``$CLAUDE_CONFIG_DIR``), which
session a file belongs to, and its records one by one: a broken line or a
non-object is counted in ``ClaudeImportStats`` and skipped, never fatal. What
the records mean is ``claude_transcripts``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import msgspec


class ClaudeImportStats:
    def __init__(self) -> None:
        self.files = 0
        self.records = 0
        self.sessions = 0
        self.traces = 0
        self.llm_spans = 0
        self.tool_spans = 0
        self.duplicates = 0
        self.sidechains_linked = 0
        self.sidechains_unlinked = 0
        self.skipped: Counter[str] = Counter()

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "records": self.records,
            "sessions": self.sessions,
            "traces": self.traces,
            "llm_spans": self.llm_spans,
            "tool_spans": self.tool_spans,
            "duplicates": self.duplicates,
            "sidechains_linked": self.sidechains_linked,
            "sidechains_unlinked": self.sidechains_unlinked,
            "skipped": dict(self.skipped),
        }


# -- finding files ----------------------------------------------------------------------
def default_paths(env: dict[str, str] | None = None) -> list[Path]:
    """``$CLAUDE_CONFIG_DIR/projects`` when set, else ``~/.claude/projects``."""
    base = (os.environ if env is None else env).get("CLAUDE_CONFIG_DIR")
    root = Path(base).expanduser() if base else Path.home() / ".claude"
    return [root / "projects"]


def find_transcripts(paths: Iterable[str | Path]) -> list[Path]:
    """Every ``*.jsonl`` under the given files/directories (recursively), sorted."""
    out: set[Path] = set()
    for p in paths:
        p = Path(p).expanduser()
        if p.is_dir():
            out.update(q for q in p.rglob("*.jsonl") if q.is_file())
        elif p.is_file():
            out.add(p)
    return sorted(out)


def _read_records(path: Path, stats: ClaudeImportStats) -> Iterator[dict[str, Any]]:
    try:
        fh = open(path, "rb")  # noqa: SIM115 -- a generator: closed in its finally
    except OSError as exc:
        stats.skipped[f"unreadable_file ({exc.strerror})"] += 1
        return
    with fh:
        for raw in fh:
            raw = raw.strip()
            if not raw:
                continue
            try:
                rec = msgspec.json.decode(raw)
            except msgspec.DecodeError:
                stats.skipped["invalid_json"] += 1
                continue
            if not isinstance(rec, dict):
                stats.skipped["not_an_object"] += 1
                continue
            yield rec


def _session_of_file(path: Path) -> str | None:
    """The sessionId a file belongs to (its first record that names one)."""
    probe = ClaudeImportStats()  # the real pass counts; this one only looks
    for rec in _read_records(path, probe):
        sid = rec.get("sessionId")
        if isinstance(sid, str) and sid:
            return sid
    return None
