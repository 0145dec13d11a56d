"""Shared test set-up.

SVG snapshots live in the top-level ``snapshots/`` folder (one sub-folder per
test module), not in syrupy's default ``tests/__snapshots__``:
pytest-textual-snapshot has no option for that, so its extension's
``dirname`` is overridden here.
"""

from __future__ import annotations

from pathlib import Path

import pytest_textual_snapshot

SNAPSHOT_DIR = Path(__file__).resolve().parent.parent / "snapshots"


def _snapshot_dirname(cls, *, test_location) -> str:
    return str(SNAPSHOT_DIR / test_location.basename)


pytest_textual_snapshot.SVGImageExtension.dirname = classmethod(_snapshot_dirname)
