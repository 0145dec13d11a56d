"""Glyph and colour per span kind, shared by every view that draws spans.

Glyphs are single-cell characters with no emoji presentation (so terminals
agree on their width). Colours are mid-tone so they read on both the dark
default and the light theme; the tree draws errors in the theme's error
colour instead.
"""

from __future__ import annotations

from typing import NamedTuple

from ..model import SpanKind

__all__ = ["KindStyle", "KIND_STYLES", "kind_style", "kind_label"]


class KindStyle(NamedTuple):
    glyph: str
    color: str
    label: str


KIND_STYLES: dict[SpanKind, KindStyle] = {
    SpanKind.TASK: KindStyle("◆", "#5b8fd9", "task"),
    SpanKind.AGENT: KindStyle("◉", "#9b6fdc", "agent"),
    SpanKind.LLM_CALL: KindStyle("✦", "#d9559e", "llm"),
    SpanKind.TOOL_EXECUTION: KindStyle("λ", "#2aa198", "tool"),
    SpanKind.REASONING: KindStyle("∴", "#8c82d6", "reasoning"),
    SpanKind.MEMORY_RETRIEVAL: KindStyle("◐", "#c49a2c", "memory read"),
    SpanKind.MEMORY_STORE: KindStyle("◑", "#b58a28", "memory write"),
    SpanKind.RETRIEVAL: KindStyle("◎", "#d68a35", "retrieval"),
    SpanKind.EMBEDDING: KindStyle("◇", "#c07f4a", "embedding"),
    SpanKind.FILE_READ: KindStyle("▤", "#5f9f4c", "file read"),
    SpanKind.FILE_WRITE: KindStyle("▥", "#4d8f3e", "file write"),
    SpanKind.API_CALL: KindStyle("⇄", "#3d95c6", "api"),
    SpanKind.CODE_EXECUTION: KindStyle("$", "#849d3a", "code"),
    SpanKind.VERIFICATION: KindStyle("✓", "#3aa56b", "verify"),
    SpanKind.CUSTOM: KindStyle("•", "#8a9099", "span"),
}


def kind_style(kind: SpanKind | str) -> KindStyle:
    """Style of a kind; unknown kinds (a newer sender) look like custom spans."""
    try:
        return KIND_STYLES[SpanKind(kind)]
    except (ValueError, KeyError):
        return KIND_STYLES[SpanKind.CUSTOM]


def kind_label(kind: SpanKind | str) -> str:
    return kind_style(kind).label
