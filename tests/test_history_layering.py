"""The history core modules never import the UI stack; the CLI loads Rich only for tables."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "agenttrace_tui.history.replay",
    "agenttrace_tui.history.export",
    "agenttrace_tui.analysis.compare",
    "agenttrace_tui.commands.ascii_tree",
    "agenttrace_tui.history.claude_transcripts",
    "agenttrace_tui.format.timeparse",
    "agenttrace_tui.commands.importer",
]


@pytest.mark.parametrize("module", CORE)
def test_history_core_does_not_import_textual_or_rich(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "", f"{module} pulled in {out.stdout.strip()}"


def test_json_commands_do_not_load_rich(tmp_path) -> None:
    code = (
        "import sys, io, contextlib\n"
        "from agenttrace_tui import cli\n"
        f"from agenttrace_tui.store.schema import ensure_schema; ensure_schema({str(tmp_path / 'e.db')!r})\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        f"    assert cli.main(['sessions', 'list', '--json', '--db', {str(tmp_path / 'e.db')!r}]) == 0\n"
        "assert buf.getvalue().strip() == '[]', buf.getvalue()\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
