"""The filter bar under the span tree: ``/`` opens it, Enter applies, Esc clears.

The bar owns its own widgets and what they show (open or not, the query,
the match count or the error); the app applies the query to the tree and
hands back the result (``show_result``).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Input, Static

from ..analysis.filter import FilterResult
from .text import clean

PLACEHOLDER = "text  status:error  kind:llm  model:gpt-4o  dur>2s  cost>0.01"


class FilterBar(Horizontal):
    """One line: ``/``, the query input, and what the query matched."""

    def compose(self) -> ComposeResult:
        yield Static("/", id="filter-label")
        self.input = Input(placeholder=PLACEHOLDER, id="filter-input")
        yield self.input
        self.result = Static("", id="filter-result")
        yield self.result

    @property
    def active(self) -> bool:
        return self.has_class("-active")

    def open(self) -> None:
        self.add_class("-active")
        self.input.focus()

    def show_result(self, result: FilterResult) -> None:
        self.result.set_class(bool(result.error), "-error")
        if result.error:
            self.result.update(Content(clean(result.error, 200)))
        else:
            self.result.update(f"{result.matches} match{'es' if result.matches != 1 else ''}")

    def close(self) -> None:
        """Empty and hide the bar."""
        self.input.value = ""
        self.result.update("")
        self.result.remove_class("-error")
        self.remove_class("-active")
