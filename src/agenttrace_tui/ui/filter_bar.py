"""The filter bar under the span tree: ``/`` opens it, Enter applies, Esc clears.

The bar owns its own widgets and what they show (open or not, the query,
the match count or the error); the app applies the query to the tree and
hands back the result (``show_result``).

An error goes on lines of its own under the query, the bar's whole width:
beside the query it had what the input left (51 columns at 80x24), and
"unknown status 'bogus'; try canceled, cancelled, err," was all one saw of
the values it lists. It wraps, up to ``ERROR_LINES`` lines, the last cut
with "…" when even those are too few (the whole text is the line's tooltip).
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Static

from ..analysis.filter import FilterResult
from .text import clean, wrap_plain

PLACEHOLDER = "text  status:error  kind:llm  model:gpt-4o  dur>2s  cost>0.01"
#: Lines an error may take under the query (the tree and the detail give them up meanwhile).
ERROR_LINES = 3


class FilterBar(Vertical):
    """One line: ``/``, the query input, and what the query matched; an error under it."""

    #: The whole error of the last query ("" when it had none), however much of it fits.
    error_text = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-row"):
            yield Static("/", id="filter-label")
            self.input = Input(placeholder=PLACEHOLDER, id="filter-input")
            yield self.input
            self.result = Static("", id="filter-result")
            yield self.result
        self.error = Static("", id="filter-error")
        yield self.error

    @property
    def active(self) -> bool:
        return self.has_class("-active")

    def open(self) -> None:
        self.add_class("-active")
        self.input.focus()

    def show_result(self, result: FilterResult) -> None:
        self.set_class(bool(result.error), "-error")
        self.error_text = clean(result.error, 1000) if result.error else ""
        if result.error:
            self.result.update("")
            self._fit_error()
        else:
            self.result.update(f"{result.matches} match{'es' if result.matches != 1 else ''}")

    def _fit_error(self) -> None:
        """The error wrapped to the bar's width, at most ``ERROR_LINES`` lines."""
        message = self.error_text
        width = max(8, self.size.width - self.error.styles.gutter.width)
        lines = wrap_plain(message, width, self.app.console)
        cut = len(lines) > ERROR_LINES
        if cut:
            lines = lines[:ERROR_LINES]
            last = Text(lines[-1])
            last.truncate(width - 2)  # in cells: the query's own text can be wide
            lines[-1] = last.plain.rstrip() + " …"
        self.error.update(Content("\n".join(lines)))
        self.error.tooltip = message if cut else None

    def on_resize(self, event: events.Resize) -> None:
        if self.has_class("-error"):
            self._fit_error()

    def close(self) -> None:
        """Empty and hide the bar."""
        self.input.value = ""
        self.result.update("")
        self.error.update("")
        self.error.tooltip = None
        self.error_text = ""
        self.remove_class("-active", "-error")
