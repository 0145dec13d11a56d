"""The ``?`` help screen: every binding (app, lists, tree), the filter syntax and the HOTSPOT rule.

Built from the live ``BINDINGS`` lists, so a new binding shows up here
without anyone remembering to document it.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group
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


def help_renderable(sections: list[tuple[str, list[Binding]]], keymap: dict[str, str] | None = None) -> Group:
    parts: list = [Text("agenttrace-tui keys", style="bold"), Text("")]
    if keymap:
        parts.append(Text(f"{len(keymap)} key(s) remapped by the config file's [keys] table.", style="dim"))
        parts.append(Text(""))
    for title, bindings in sections:
        parts.append(_bindings_table(title, bindings, keymap))
        parts.append(Text(""))
    parts.append(Text("Filter (/)", style="bold"))
    parts.append(Text(FILTER_HELP.strip()))
    parts.append(Text(""))
    parts.append(Text("HOTSPOT", style="bold"))
    parts.append(Text(HOTSPOT_RULE.strip()))
    parts.append(Text(""))
    parts.append(Text(
        "Every action is also in the command palette (ctrl+p). Remap a key by its id (third column) in the "
        'config file: [keys] "app.pause" = "p". Esc or ? closes this help.',
        style="dim",
    ))
    return Group(*parts)


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
    """

    def __init__(self, sections: list[tuple[str, list[Binding]]], keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Help"
            yield Static(help_renderable(self.sections, self.keymap))

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
