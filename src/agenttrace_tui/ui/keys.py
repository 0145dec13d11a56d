"""Human-readable key names for help and palette ("left_square_bracket" -> "[")."""

from __future__ import annotations

from textual.binding import Binding

_NAMES = {
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "question_mark": "?",
    "slash": "/",
    "space": "space",
    "escape": "esc",
    "shift+tab": "shift+tab",
    "ctrl+t": "ctrl+t",
    "ctrl+p": "ctrl+p",
    "enter": "enter",
    "pageup": "pgup",
    "pagedown": "pgdn",
}


def key_label(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    parts = [k.strip() for k in binding.key.split(",")]
    return " ".join(_NAMES.get(k, {"up": "↑", "down": "↓", "left": "←", "right": "→"}.get(k, k)) for k in parts)
