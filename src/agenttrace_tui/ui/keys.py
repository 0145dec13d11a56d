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


def key_label(binding: Binding, keymap: dict[str, str] | None = None) -> str:
    """The keys of ``binding`` as a person reads them; ``keymap`` (binding id ->
    keys, the config file's ``[keys]``) wins over the default keys."""
    remapped = keymap.get(binding.id) if keymap and binding.id else None
    if binding.key_display and not remapped:
        return binding.key_display
    parts = [k.strip() for k in (remapped or binding.key).split(",")]
    return " ".join(_NAMES.get(k, {"up": "↑", "down": "↓", "left": "←", "right": "→"}.get(k, k)) for k in parts)
