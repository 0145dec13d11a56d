"""The engine's log: Python ``logging`` to a rotated file in the user's state directory.

The monitor's screen belongs to Textual, and stderr under a TUI is the
terminal: so the engine (receivers, writer, forwarder, enrichment) logs to
a file, never to the terminal. ``log_file`` names it (default:
``agenttrace-tui/agenttrace-tui.log`` in the platform's user state directory,
``$XDG_STATE_HOME`` on Linux); it rotates at 1 MB keeping 3 old files, so it
never grows without bound. ``log_level`` (``--log-level``) is debug, info,
warning (default), error, or off. Failures are logged once per kind (a
reject reason, an exception type); the counters keep the rest. The log
quotes rejected input, so it is created 0600 in a 0700 directory
(store/paths.py).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

import platformdirs

from ..store.paths import FILE_MODE, create_private_file, make_private_dirs

__all__ = ["LEVELS", "default_log_path", "setup_engine_logging"]

LEVELS = ("debug", "info", "warning", "error", "off")
MAX_BYTES = 1_000_000
BACKUPS = 3
#: The package's top logger: every engine module logs under it.
ROOT = "agenttrace_tui"


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Creates the log (and each new one after a rotation) 0600: it quotes rejected input."""

    def _open(self):  # type: ignore[no-untyped-def,unused-ignore]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        create_private_file(Path(self.baseFilename))  # exists now: tightened if in our own state dir
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def default_log_path() -> Path:
    return Path(platformdirs.user_state_dir("agenttrace-tui", appauthor=False)) / "agenttrace-tui.log"


def setup_engine_logging(level: str = "warning", path: str | Path | None = None) -> Path | None:
    """Send the engine's log records to the rotated file; returns its path (None when off)."""
    logger = logging.getLogger(ROOT)
    for handler in list(logger.handlers):
        if getattr(handler, "_agenttrace", False):
            logger.removeHandler(handler)
            handler.close()
    logger.propagate = False  # never to the terminal the UI draws on
    if level == "off":
        logger.setLevel(logging.CRITICAL + 1)
        return None
    target = Path(path).expanduser() if path else default_log_path()
    make_private_dirs(target.parent)
    handler = _PrivateRotatingFileHandler(target, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler._agenttrace = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(getattr(logging, level.upper()))
    return target
