"""Attribute conventions -> model: one table, read by every receiver.

Agents name the same facts many ways (seed 002's ``llm.model``, OTel GenAI's
``gen_ai.request.model``, OpenInference's ``llm.model_name`` ...). Each row of
``ATTRIBUTE_MAP`` says which attribute keys fill which field of which typed
part, first key found wins. ``KIND_BY_NAME`` guesses a span kind from a span
name when nothing else says it. docs/conventions.md renders these tables.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .model import SpanKind

# (part, field, converter, keys in priority order)
Row = tuple[str, str, Callable[[Any], Any], tuple[str, ...]]


def _str(v: Any) -> str:
    return v if isinstance(v, str) else str(v)


def _int(v: Any) -> int:
    if isinstance(v, bool):
        raise ValueError("bool is not a count")
    return int(v)


def _float(v: Any) -> float:
    return float(v)


def _bool(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "yes")
    return bool(v)


ATTRIBUTE_MAP: list[Row] = [
    ("llm", "provider", _str, ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")),
    ("llm", "model", _str, ("gen_ai.request.model", "gen_ai.response.model", "llm.model_name", "llm.model")),
    ("llm", "temperature", _float, ("gen_ai.request.temperature", "llm.temperature")),
    ("llm", "max_tokens", _int, ("gen_ai.request.max_tokens", "llm.max_tokens")),
    ("llm", "stop_reason", _str, ("gen_ai.response.finish_reasons", "llm.stop_reason")),
    ("llm", "cached", _bool, ("llm.cached",)),
    ("llm", "prompt_preview", _str, ("llm.prompt", "gen_ai.prompt", "input.value")),
    ("llm", "response_preview", _str, ("llm.response", "gen_ai.completion", "output.value")),
    ("usage", "input", _int, ("gen_ai.usage.input_tokens", "llm.token_count.prompt", "llm.usage.prompt_tokens")),
    ("usage", "output", _int, ("gen_ai.usage.output_tokens", "llm.token_count.completion", "llm.usage.completion_tokens")),
    ("usage", "total", _int, ("llm.token_count.total", "llm.usage.total_tokens")),
    ("usage", "cache_read", _int, ("gen_ai.usage.cache_read.input_tokens", "llm.token_count.prompt_details.cache_read")),
    (
        "usage",
        "cache_write",
        _int,
        (
            "gen_ai.usage.cache_creation.input_tokens",
            "gen_ai.usage.cache_write.input_tokens",
            "llm.token_count.prompt_details.cache_write",
        ),
    ),
    ("usage", "reasoning", _int, ("gen_ai.usage.reasoning.output_tokens", "llm.token_count.completion_details.reasoning")),
    ("tool", "name", _str, ("gen_ai.tool.name", "tool.name")),
    ("tool", "action", _str, ("tool.action",)),
    ("tool", "target", _str, ("tool.target",)),
    ("tool", "status", _str, ("tool.status",)),
    ("tool", "call_id", _str, ("gen_ai.tool.call.id", "tool.call_id")),
    ("tool", "input_preview", _str, ("gen_ai.tool.call.arguments", "tool.input")),
    ("tool", "output_preview", _str, ("gen_ai.tool.call.result", "tool.output")),
    ("agent", "name", _str, ("gen_ai.agent.name", "agent.name")),
    ("agent", "iteration", _int, ("agent.iteration",)),
    ("agent", "state", _str, ("agent.state",)),
    ("agent", "stop_reason", _str, ("agent.stop_reason",)),
    ("rag", "query", _str, ("rag.query", "retrieval.query")),
    ("rag", "sources_found", _int, ("rag.sources_found", "retrieval.documents.count")),
    ("rag", "top_score", _float, ("rag.top_score",)),
    ("file", "path", _str, ("file.path",)),
    ("file", "operation", _str, ("file.operation",)),
    ("file", "bytes", _int, ("file.bytes",)),
]

def extract_parts(attributes: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Fields per typed part found in ``attributes``, and the keys consumed.

    The first matching key of a row wins and is consumed; other spellings stay
    free attributes. A value the converter refuses (``"llm.max_tokens":
    "lots"``) is left in the free attributes rather than failing the span.
    """
    parts: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    if not attributes:
        return parts, used
    for part, field, conv, keys in ATTRIBUTE_MAP:
        for key in keys:
            if key in attributes:
                value = attributes[key]
                if isinstance(value, list) and value and field == "stop_reason":
                    value = value[0]
                try:
                    parts.setdefault(part, {})[field] = conv(value)
                except (TypeError, ValueError, OverflowError):
                    continue
                used.add(key)
                break
    return parts, used


_KIND_VALUES = {k.value: k for k in SpanKind}

#: Span-name patterns (seed 002 style and common words) -> kind, first match wins.
KIND_BY_NAME: list[tuple[re.Pattern[str], SpanKind]] = [
    (re.compile(r"(llm|chat|completion|inference|generate|messages\.create)", re.I), SpanKind.LLM_CALL),
    (re.compile(r"embed", re.I), SpanKind.EMBEDDING),
    (re.compile(r"(rag|retriev|vector_search|search_docs)", re.I), SpanKind.RETRIEVAL),
    (re.compile(r"(tool|function_call)", re.I), SpanKind.TOOL_EXECUTION),
    (re.compile(r"(react_loop|iteration_\d+|agent|orchestrat)", re.I), SpanKind.AGENT),
    (re.compile(r"(reason|think|plan)", re.I), SpanKind.REASONING),
    (re.compile(r"(validat|verif|test)", re.I), SpanKind.VERIFICATION),
    (re.compile(r"(read_file|file_read)", re.I), SpanKind.FILE_READ),
    (re.compile(r"(write_file|file_write)", re.I), SpanKind.FILE_WRITE),
    (re.compile(r"(memory_store|remember)", re.I), SpanKind.MEMORY_STORE),
    (re.compile(r"(memory|recall)", re.I), SpanKind.MEMORY_RETRIEVAL),
]


def kind_from_string(value: str | None) -> SpanKind | None:
    """A kind spelled as one of our kind names (``"llm_call"``), else None."""
    if not value:
        return None
    return _KIND_VALUES.get(value.strip().lower())


def guess_kind(name: str, parts: dict[str, Any]) -> SpanKind:
    """Kind from the typed parts a span has, then from its name."""
    if parts.get("llm") or (parts.get("usage") and not parts.get("agent")):
        return SpanKind.LLM_CALL
    if parts.get("tool"):
        return SpanKind.TOOL_EXECUTION
    if parts.get("rag"):
        return SpanKind.RETRIEVAL
    if parts.get("agent"):
        return SpanKind.AGENT
    if file := parts.get("file"):
        op = (getattr(file, "operation", None) or "").lower()
        return SpanKind.FILE_WRITE if op in ("write", "create", "delete", "move") else SpanKind.FILE_READ
    for pattern, kind in KIND_BY_NAME:
        if pattern.search(name):
            return kind
    return SpanKind.CUSTOM
