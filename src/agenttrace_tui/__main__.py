"""``python -m agenttrace_tui`` is the ``agenttrace-tui`` command."""

import sys

from .cli import main

sys.exit(main())
