"""``import agenttrace_tui.sdk`` stays light: no UI stack, no monitor, no asyncio."""

from __future__ import annotations

import subprocess
import sys


def test_sdk_import_is_light():
    code = (
        "import sys, agenttrace_tui.sdk\n"
        "heavy = ('textual', 'rich', 'agenttrace_tui.store', 'agenttrace_tui.ingest.pipeline', 'agenttrace_tui.ui', 'asyncio', 'anthropic', 'openai')\n"
        "bad = sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"agenttrace_tui.sdk pulled in {out.stdout.strip()}"


def test_lazy_exports_resolve():
    import agenttrace_tui.sdk as sdk

    assert sdk.AgentTraceLogHandler.__name__ == "AgentTraceLogHandler"
    assert callable(sdk.instrument_anthropic) and callable(sdk.uninstrument_openai)
