"""Where the stylesheets are: inside the installed package, else the source tree.

A wheel carries ``styles/`` as ``agenttrace_tui/styles`` (pyproject's
force-include); running from a checkout (``PYTHONPATH=src``) finds the
repository's top-level ``styles/`` instead.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def styles_dir() -> Path:
    installed = _PACKAGE / "styles"
    if installed.is_dir():
        return installed
    return _PACKAGE.parent.parent / "styles"


def stylesheet(name: str) -> Path:
    return styles_dir() / name
