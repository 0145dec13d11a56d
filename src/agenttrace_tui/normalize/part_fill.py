"""Typed parts merged in place: a later report's set fields written onto an earlier part.

A span reported twice (a span_start and its span_end, or a repeated export)
merges its typed parts field by field: the later report's set fields win, the
fields it leaves out keep their value (``store.merge.merge_part``). These
write one part's set fields onto another, in place: the store calls them on a
copy of its stored part; a span_start held for its end calls them on its own
part, which no one else holds yet (normalize/native.py). Every field of these
parts defaults to None, so "set" is "not None". Each is spelled out field by
field: a loop over the fields costs several times as much.
"""

from __future__ import annotations

from typing import Any

from ..model import AgentInfo, FileInfo, LlmInfo, RagInfo, ToolInfo


def llm_fill(o: LlmInfo, n: LlmInfo) -> None:
    """Set on ``o``, in place, every field ``n`` sets (what the merge of the two is)."""
    v: Any
    if (v := n.provider) is not None:
        o.provider = v
    if (v := n.model) is not None:
        o.model = v
    if (v := n.temperature) is not None:
        o.temperature = v
    if (v := n.max_tokens) is not None:
        o.max_tokens = v
    if (v := n.stop_reason) is not None:
        o.stop_reason = v
    if (v := n.cached) is not None:
        o.cached = v
    if (v := n.prompt_preview) is not None:
        o.prompt_preview = v
    if (v := n.response_preview) is not None:
        o.response_preview = v


def tool_fill(o: ToolInfo, n: ToolInfo) -> None:
    """``llm_fill`` of a tool part."""
    v: Any
    if (v := n.name) is not None:
        o.name = v
    if (v := n.action) is not None:
        o.action = v
    if (v := n.target) is not None:
        o.target = v
    if (v := n.status) is not None:
        o.status = v
    if (v := n.call_id) is not None:
        o.call_id = v
    if (v := n.input_preview) is not None:
        o.input_preview = v
    if (v := n.output_preview) is not None:
        o.output_preview = v
    if (v := n.server) is not None:
        o.server = v


def agent_fill(o: AgentInfo, n: AgentInfo) -> None:
    """``llm_fill`` of an agent part."""
    v: Any
    if (v := n.name) is not None:
        o.name = v
    if (v := n.iteration) is not None:
        o.iteration = v
    if (v := n.state) is not None:
        o.state = v
    if (v := n.stop_reason) is not None:
        o.stop_reason = v


def rag_fill(o: RagInfo, n: RagInfo) -> None:
    """``llm_fill`` of a retrieval part."""
    v: Any
    if (v := n.query) is not None:
        o.query = v
    if (v := n.sources_found) is not None:
        o.sources_found = v
    if (v := n.top_score) is not None:
        o.top_score = v


def file_fill(o: FileInfo, n: FileInfo) -> None:
    """``llm_fill`` of a file part."""
    v: Any
    if (v := n.path) is not None:
        o.path = v
    if (v := n.operation) is not None:
        o.operation = v
    if (v := n.bytes) is not None:
        o.bytes = v
