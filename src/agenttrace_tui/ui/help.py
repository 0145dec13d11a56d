"""The ``?`` help screen: every binding (app, lists, tree), the filter syntax and the HOTSPOT rule.

Built from the live ``BINDINGS`` lists, so a new binding shows up here
without anyone remembering to document it. The filter syntax and the HOTSPOT
rule are written wrapped at 78 columns (the CLI prints them as they are);
here they are laid out again for the box's width (``_reflowed``).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .keys import key_label

try:  # the tree's own documentation, when its analysis module is present
    from ..analysis.critical_path import HOTSPOT_RULE
    from ..analysis.filter import FILTER_HELP
except ImportError:  # pragma: no cover - only before the tree work is merged
    FILTER_HELP = "free text, status:error kind:llm model:gpt-4o tool:grep dur>2s cost>0.01"
    HOTSPOT_RULE = "A span on the critical path that takes a large share of the trace."


def _bindings_table(title: str, bindings: Iterable[Binding], keymap: dict[str, str] | None = None) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", min_width=14, no_wrap=True)
    table.add_column()
    table.add_column(style="dim")
    table.title = title
    table.title_justify = "left"
    table.title_style = "bold"
    seen: set[str] = set()
    for b in bindings:
        if b.id in seen:
            continue
        seen.add(b.id or b.action)
        table.add_row(key_label(b, keymap), b.description or b.action, b.id or "")
    return table


class _Example:
    """An indented line of a help text: it keeps its indent, and what wraps goes
    two cells further in, so a wrapped example does not read as the next one."""

    def __init__(self, text: str, indent: int) -> None:
        self.text = Text(text)
        self.indent = indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for n, line in enumerate(self.text.wrap(console, max(8, options.max_width - self.indent - 2))):
            yield Text(" " * (self.indent + (2 if n else 0))) + line


def _reflowed(text: str) -> list[RenderableType]:
    """A text wrapped by hand at 78 columns, for Rich to wrap at the width there is.

    Wrapped again as it is, in the help box at 80x24 (68 columns) each of its
    lines left a word or two alone on the next ("of the", "which is not").
    Here the lines of a paragraph are joined (a line ending with "." or ":"
    ends one, as does a blank line), and an indented line (the filter's
    examples) stays a line of its own that keeps its indent (``_Example``).
    """
    out: list[RenderableType] = []
    words: list[str] = []

    def end_paragraph() -> None:
        if words:
            out.append(Text(" ".join(words)))
            words.clear()

    for line in text.strip().splitlines():
        body = line.strip()
        if not body:
            end_paragraph()
            out.append(Text(""))
        elif line[0].isspace():
            end_paragraph()
            out.append(_Example(body, len(line) - len(line.lstrip())))
        else:
            words.append(body)
            if body.endswith((".", ":")):
                end_paragraph()
    end_paragraph()
    return out


def help_renderable(sections: list[tuple[str, list[Binding]]], keymap: dict[str, str] | None = None) -> Group:
    parts: list = [Text("agenttrace-tui keys", style="bold"), Text("")]
    if keymap:
        parts.append(Text(f"{len(keymap)} key(s) remapped by the config file's [keys] table.", style="dim"))
        parts.append(Text(""))
    for title, bindings in sections:
        parts.append(_bindings_table(title, bindings, keymap))
        parts.append(Text(""))
    parts.append(Text("Filter (/)", style="bold"))
    parts.extend(_reflowed(FILTER_HELP))
    parts.append(Text(""))
    parts.append(Text("HOTSPOT", style="bold"))
    parts.extend(_reflowed(HOTSPOT_RULE))
    parts.append(Text(""))
    parts.append(Text(
        "Every action is also in the command palette (ctrl+p). Remap a key by its id (third column) in the "
        'config file: [keys] "app.pause" = "p". j/k scroll this help, g/G go to its top and bottom; Esc or ? closes it.',
        style="dim",
    ))
    return Group(*parts)


class _HelpBody(VerticalScroll):
    """The help's text, scrolled by j/k and g/G as the panes are (the arrows, PgUp/PgDn
    and Home/End are VerticalScroll's)."""

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False, id="help.down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="help.up"),
        Binding("g", "scroll_home", "Top", show=False, id="help.top"),
        Binding("G", "scroll_end", "Bottom", show=False, id="help.bottom"),
    ]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss_help", "Close help", id="help.close"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    /* a column apart from the scrollbar: the longest key id ran into it */
    HelpScreen > VerticalScroll > Static { padding-right: 1; }
    """

    def __init__(self, sections: list[tuple[str, list[Binding]]], keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        with _HelpBody(id="help-body") as body:
            body.border_title = "Help"
            yield Static(help_renderable(self.sections, self.keymap))

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
