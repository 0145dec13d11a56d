"""``python -m agenttrace_tui`` is the ``agenttrace-tui`` command."""

from .cli import run

run()
