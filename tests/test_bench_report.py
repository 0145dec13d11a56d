"""docs/benchmarks.md is exactly what bench/report.py builds from the saved results.

No figure on that page is typed by hand: editing it, or a benchmark saving new
results without the page being rebuilt, fails here.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import report  # noqa: E402
from results import load_all  # noqa: E402


def test_benchmarks_page_is_the_report_of_the_saved_results() -> None:
    built = report.render(load_all())
    assert (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8") == built, (
        "docs/benchmarks.md differs from the saved results: run `python bench/report.py`"
    )


def test_every_saved_result_has_its_section_on_the_page() -> None:
    results = load_all()
    assert results
    page = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    for area, doc in results.items():
        first = doc["section"].strip().splitlines()[0]
        assert ("#" + first) in page, area
