"""The core never imports the UI stack (architecture rule, DEVELOPERS.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "agenttrace_tui.model",
    "agenttrace_tui.normalize.conventions",
    "agenttrace_tui.normalize.native",
    "agenttrace_tui.ingest.pipeline",
    "agenttrace_tui.ingest.protocol",
    "agenttrace_tui.ingest.stats",
    "agenttrace_tui.analysis.tree",
    "agenttrace_tui.analysis.filter",
    "agenttrace_tui.store.memory",
    "agenttrace_tui.format.sanitize",
    "agenttrace_tui.config",
    "agenttrace_tui.runtime.monitor",
]


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_textual_or_rich(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} pulled in {out.stdout.strip()}"
