"""The core never imports the UI stack (architecture rule, DEVELOPERS.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "agenttrace_tui.model",
    "agenttrace_tui.conventions",
    "agenttrace_tui.normalize",
    "agenttrace_tui.pipeline",
    "agenttrace_tui.ingest.protocol",
    "agenttrace_tui.ingest.stats",
    "agenttrace_tui.store.memory",
    "agenttrace_tui.sanitize",
    "agenttrace_tui.config",
    "agenttrace_tui.runtime",
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
