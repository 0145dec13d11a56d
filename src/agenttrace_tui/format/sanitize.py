"""Untrusted text -> a string safe to print: no escape sequence ever passes.

Span names, attributes and previews come from agents we do not control.
Every control character is replaced by a visible stand-in before it can reach
a terminal: C0 controls become the Unicode "control pictures" (U+2400 block,
ESC shows as ␛), DEL as ␡, C1 controls and bidi/zero-width overrides as
``\\x..``/``\\u....``. Long strings are cut with an ellipsis so a 100 KB name
costs no more than what can be shown. Pure: used by the UI and the CLI alike.
"""

from __future__ import annotations

import re

# C0 (except nothing: even \t and \n are shown, a row is one line), DEL, C1,
# the bidi/zero-width controls that can reorder or hide what follows (the
# Arabic letter mark U+061C is one of Unicode's Bidi_Control set too), the
# Mongolian vowel separator (U+180E), the line/paragraph separators (U+2028/9:
# a line break to some terminals and editors), the word joiner and invisible
# operators (U+2060-2064), the deprecated format controls (U+206A-206F) and
# the tag characters (U+E0000-E007F: invisible text riding after an emoji).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f\x80-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\U000e0000-\U000e007f]"
)


def _visible(m: re.Match[str]) -> str:
    ch = m.group()
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    if code <= 0x9F:
        return f"\\x{code:02x}"
    if code > 0xFFFF:
        return f"\\U{code:08x}"
    return f"\\u{code:04x}"


def clean(value: object, limit: int = 4096) -> str:
    """A plain string safe to put on screen: controls made visible, cut at ``limit``."""
    s = value if isinstance(value, str) else repr(value) if isinstance(value, bytes) else str(value)
    if len(s) > limit:
        s = s[: max(0, limit - 1)] + "…"
    return _UNSAFE.sub(_visible, s)


def clean_multiline(value: object, limit: int = 64 * 1024) -> str:
    """Like ``clean`` but keeps newlines (and tabs as spaces) for previews."""
    s = value if isinstance(value, str) else str(value)
    if len(s) > limit:
        s = s[: max(0, limit - 1)] + "…"
    s = s.replace("\r\n", "\n").replace("\t", "    ")
    return "\n".join(_UNSAFE.sub(_visible, line) for line in s.split("\n"))
