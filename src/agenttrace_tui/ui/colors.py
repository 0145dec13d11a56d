"""Theme-aware colours for what the app's panes draw by hand (Rich styles).

Line-API widgets and Rich renderables cannot use CSS variables, so they ask
the running theme for its resolved colours here; panes drop their caches
when the theme changes (``AgentTraceApp.watch_theme``).
"""

from __future__ import annotations

from rich.style import Style
from textual.app import App
from textual.color import Color

from . import kinds

_FALLBACK = {
    "success": "green",
    "error": "red",
    "warning": "yellow",
    "primary": "blue",
    "accent": "magenta",
    "secondary": "cyan",
    "text-muted": "bright_black",
    "foreground": "default",
}


_cache: dict[tuple, str] = {}


def _parse(value: str | None) -> Color | None:
    if not value:
        return None
    try:
        return Color.parse(value)
    except Exception:  # "auto 60%" and other CSS-only forms
        return None


def theme_color(app: App, name: str) -> str:
    """The theme's colour for ``name`` as a hex string Rich accepts."""
    variables = app.theme_variables if app is not None else {}
    # Keyed by the inputs themselves: app.theme changes before theme_variables
    # are recomputed, so a key on the theme name could cache the old colours.
    key = (variables.get(name), variables.get("foreground"), variables.get("background"), name)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    colour = _parse(variables.get(name))
    if colour is None and name == "text-muted":
        fg, bg = _parse(variables.get("foreground")), _parse(variables.get("background"))
        if fg is not None and bg is not None:
            colour = fg.blend(bg, 0.4)
    out = colour.hex6 if colour is not None else _FALLBACK.get(name, "default")
    if len(_cache) > 256:
        _cache.clear()
    _cache[key] = out
    return out


def style(app: App, name: str, *, bold: bool = False, dim: bool = False) -> Style:
    return Style(color=theme_color(app, name), bold=bold, dim=dim)


#: Session/trace/span status -> theme colour name.
STATUS_COLOR = {
    "running": "accent",
    "done": "success",
    "ok": "success",
    "error": "error",
    "timeout": "error",
    "cancelled": "warning",
}

#: One glyph per status, readable without colour (NO_COLOR).
STATUS_GLYPH = {
    "running": "◐",
    "done": "✓",
    "ok": "✓",
    "error": "✗",
    "timeout": "⧗",
    "cancelled": "⊘",
}


def status_style(app: App, status: str, *, bold: bool = False) -> Style:
    return style(app, STATUS_COLOR.get(status, "foreground"), bold=bold)


def kind_glyph(kind) -> str:
    return kinds.kind_style(kind).glyph


def kind_style(app: App, kind) -> Style:
    return Style(color=kinds.kind_style(kind).color, bold=True)
