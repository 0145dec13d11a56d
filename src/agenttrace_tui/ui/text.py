"""Untrusted text -> Rich ``Text``: shown literally, never parsed as markup.

Rich never interprets the contents of a ``Text`` as markup, and
``sanitize.clean`` has already made every control character visible, so a
span named ``[@click=app.quit]x`` or ``\\x1b[2J`` shows exactly those characters.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from ..format.sanitize import clean, clean_multiline

__all__ = ["clean", "clean_multiline", "safe_text"]


def safe_text(value: object, style: str | Style = "", limit: int = 4096) -> Text:
    """Untrusted value as a Rich Text: shown literally, never interpreted."""
    return Text(clean(value, limit), style=style, no_wrap=True, end="")
