"""Assemble docs/benchmarks.md from the sections each bench_*.py writes.

Each benchmark writes its own section to docs/bench/<area>.md (machine,
date, medians, ratios against a baseline measured in the same run); this
script puts them behind one index so docs/benchmarks.md is always the sum
of the latest runs. Run it after any benchmark:

    python bench/report.py
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["pipeline", "ingest", "store", "otlp", "otlp_grpc", "cost", "sdk", "ui_tree", "ui_app", "history", "replay_ui"]
INTRO = """# Benchmarks

Every number here comes from a script under `bench/` (run it with
`PYTHONPATH=src python bench/bench_<area>.py`; each writes its section to
`docs/bench/<area>.md`, and `python bench/report.py` rebuilds this page).
Figures are medians of several runs with the machine noted; comparisons are
ratios against a baseline measured in the same run, because these machines
are shared (2 cores) and their absolute speed drifts. Nothing here is a
timed assertion in the test suite.

"""


def main() -> None:
    sections = sorted((ROOT / "docs" / "bench").glob("*.md"), key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER else 99, p.stem))
    summary = ROOT / "docs" / "bench" / "SUMMARY.md"
    parts = [INTRO]
    if summary.exists():
        parts.append(summary.read_text().strip() + "\n\n")
    for path in sections:
        if path.name == "SUMMARY.md":
            continue
        text = path.read_text().strip()
        # Sections start at "#"/"##"; nest them one level under this page.
        lines = [("#" + line) if line.startswith("#") else line for line in text.splitlines()]
        parts.append("\n".join(lines) + "\n\n")
    out = ROOT / "docs" / "benchmarks.md"
    out.write_text("".join(parts).rstrip() + "\n")
    print(f"wrote {out} from {len(sections)} sections")


if __name__ == "__main__":
    main()
