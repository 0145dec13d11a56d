"""Theme-aware colours for what the app's panes draw by hand (Rich styles).

Line-API widgets and Rich renderables cannot use CSS variables, so they ask
the running theme for its resolved colours here; panes drop their caches
when the theme changes (``AgentTraceApp._on_theme_changed``, subscribed to
Textual's ``theme_changed_signal``).
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
    except Exception:  # noqa: BLE001 -- "auto 60%" and other CSS-only forms
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
    colour = theme_color(app, name)
    if colour.startswith("#") and app is not None:
        # Theme accents are tuned for widgets' own backgrounds; hand-drawn
        # text sits on the surface, so make sure it reads there.
        colour = readable(colour, surface_hex(app))
    return Style(color=colour, bold=bold, dim=dim)


#: Session/trace/span status -> theme colour name.
STATUS_COLOR = {
    "running": "accent",
    "done": "success",
    "ok": "success",
    "error": "error",
    "timeout": "error",
    "cancelled": "warning",
    "unfinished": "text-muted",
    "interrupted": "warning",
}

#: One glyph per status, readable without colour (NO_COLOR).
STATUS_GLYPH = {
    "running": "◐",
    "done": "✓",
    "ok": "✓",
    "error": "✗",
    "timeout": "⧗",
    "cancelled": "⊘",
    "unfinished": "◌",
    "interrupted": "⊗",
}


def shown_status(app: object, status: str, over: str = "unfinished") -> str:
    """The status a pane shows: "running" in a recording that is over (history,
    the end of a replay) is ``over``: "unfinished" for a span or a trace (the
    recording never saw it end), "interrupted" for a session (the word every
    other surface has for a session left with spans open)."""
    if status == "running" and getattr(app, "recording_over", False):
        return over
    return status


def status_style(app: App, status: str, *, bold: bool = False) -> Style:
    return style(app, STATUS_COLOR.get(status, "foreground"), bold=bold)


def kind_glyph(kind) -> str:
    return kinds.kind_style(kind).glyph


def kind_style(app: App, kind) -> Style:
    return Style(color=kind_color(app, kind), bold=True)


# -- contrast ---------------------------------------------------------------
# Hand-picked hues (kinds, bars) are mid-tones; on a light surface some fall
# below a readable contrast, on the cursor row others do. ``readable`` nudges
# a colour toward black or white until it reads on the given background,
# keeping its hue, so each theme gets legible kinds without a second palette.

_readable_cache: dict[tuple[str, str, float], str] = {}


def contrast(a: Color, b: Color) -> float:
    """WCAG contrast ratio between two opaque colours (1..21)."""
    la, lb = _luminance(a), _luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def _luminance(c: Color) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)


def readable(color: str, background: str, min_ratio: float = 3.0) -> str:
    """``color`` (hex) adjusted toward black or white to reach ``min_ratio`` on ``background``."""
    key = (color, background, min_ratio)
    hit = _readable_cache.get(key)
    if hit is not None:
        return hit
    fg, bg = _parse(color), _parse(background)
    if fg is None or bg is None:
        return color
    target = Color(0, 0, 0) if _luminance(bg) > 0.4 else Color(255, 255, 255)
    out = fg
    for step in range(1, 11):
        if contrast(out, bg) >= min_ratio:
            break
        out = fg.blend(target, step / 10)
    if len(_readable_cache) > 1024:
        _readable_cache.clear()
    _readable_cache[key] = out.hex6
    return out.hex6


def surface_hex(app: App) -> str:
    """The panes' background colour (what most hand-drawn text sits on)."""
    return theme_color(app, "surface")


def kind_color(app: App, kind) -> str:
    """A kind's hue made readable on the current theme's surface."""
    return readable(kinds.kind_style(kind).color, surface_hex(app))
