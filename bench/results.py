"""Saved benchmark results: what each bench_*.py leaves for bench/report.py.

Each benchmark calls :func:`save` once at the end of a run for the record. It
writes ``docs/bench/results/<area>.json`` holding the machine line, the
section the script rendered from its measurements, the rows it contributes to
the summary of targets, and its raw figures. ``bench/report.py`` builds
docs/benchmarks.md from these files only, so every number on that page was
produced by a script run.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent.parent / "docs" / "bench" / "results"

# The benchmarks read their few options from sys.argv by hand, so ``--help`` ran one (and
# saved its results). Every benchmark imports this module first: asked for help, it prints
# the running script's docstring (what it measures, how to run it) and stops there.
if {"-h", "--help"} & set(sys.argv[1:]):
    print((getattr(sys.modules.get("__main__"), "__doc__", None) or "").strip() or "no help")
    raise SystemExit(0)


def row(measure: str, target: str, measured: str, met: bool | None) -> dict[str, Any]:
    """One line of the summary: a target and where this run stands against it."""
    return {"measure": measure, "target": target, "measured": measured, "met": met}


def save(
    area: str,
    *,
    machine: str,
    section: str,
    summary: list[dict[str, Any]] | tuple[()] = (),
    data: Any = None,
    saved_utc: str | None = None,
) -> Path:
    """Write ``<area>.json``. ``saved_utc``: keep the time of the run being re-saved
    (a ``--resave`` that measures nothing), else now."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{area}.json"
    doc = {
        "area": area,
        "machine": machine,
        "saved_utc": saved_utc or time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "summary": list(summary),
        "section": section.rstrip() + "\n",
        "data": data,
    }
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


def load_all() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(RESULTS.glob("*.json"))}


def with_run(area: str, label: str, run: dict[str, Any]) -> dict[str, Any]:
    """The saved runs of a benchmark that keeps one per label, with ``run`` kept under ``label``
    (a saved run of that label replaced): ``{"runs": {label: run, ...}}``, oldest first."""
    prev = load(area)
    runs = prev["data"]["runs"] if prev else {}
    runs[label] = run
    return {"runs": runs}


def resave(area: str, render: Callable[[Any], str], summary: Callable[[Any], list[dict[str, Any]]]) -> None:
    """``--resave``: the saved runs of ``area`` saved again with this ``render`` and ``summary``,
    measuring nothing (the run's machine and time kept)."""
    prev = load(area)
    if prev is None:
        raise SystemExit("no saved run to re-save")
    data = prev["data"]
    save(area, machine=prev["machine"], section=render(data), summary=summary(data), data=data,
         saved_utc=prev["saved_utc"])


def load(area: str) -> dict[str, Any] | None:
    path = RESULTS / f"{area}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
