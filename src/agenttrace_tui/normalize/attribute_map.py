"""The attribute map: which attribute keys fill which field of a span's typed parts.

Agents name the same facts many ways (the agenttrace SDK's ``llm.model``, OTel
GenAI's ``gen_ai.request.model``, OpenInference's ``llm.model_name`` ...). Each
row of ``ATTRIBUTE_MAP`` says which keys fill which field of which typed part
(llm, tool, agent, rag, file, usage), first key found wins; ``extract_parts``
applies it to one span's attributes. Read through ``conventions``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

__all__ = ["ATTRIBUTE_MAP", "Row", "extract_parts", "first_reason"]

_json = msgspec.json.Decoder()

# (part, field, converter, keys in priority order)
Row = tuple[str, str, Callable[[Any], Any], tuple[str, ...]]


def _str(v: Any) -> str:
    if v is None:
        # An attribute sent with no value (an empty AnyValue: OpenLLMetry's LlamaIndex spans
        # send their model so) fills nothing, as if absent: never the text "None".
        raise ValueError("no value")
    return v if isinstance(v, str) else str(v)


def _int(v: Any) -> int:
    if isinstance(v, bool):
        raise ValueError("bool is not a count")
    if isinstance(v, str):
        v = v.strip()
        return int(float(v)) if "." in v or "e" in v.lower() else int(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise ValueError("not a finite count")
        return int(v)
    return int(v)


def _float(v: Any) -> float:
    if isinstance(v, bool):
        raise ValueError("bool is not a number")
    f = float(v)
    if f != f or f in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return f


def _bool(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "yes")
    return bool(v)


ATTRIBUTE_MAP: list[Row] = [
    ("llm", "provider", _str, ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system", "ai.model.provider")),
    ("llm", "model", _str, ("gen_ai.request.model", "gen_ai.response.model", "llm.model_name", "llm.model", "ai.model.id",
                            "langfuse.observation.model.name", "mlflow.llm.model",
                            # TruLens: the model its cost tracking priced the call by (the call's own span).
                            "ai.observability.cost.model")),
    ("llm", "temperature", _float, ("gen_ai.request.temperature", "llm.temperature")),
    ("llm", "max_tokens", _int, ("gen_ai.request.max_tokens", "llm.max_tokens")),
    ("llm", "stop_reason", _str,
     ("gen_ai.response.finish_reasons", "gen_ai.response.finish_reason", "llm.stop_reason", "llm.finish_reason",
      "ai.response.finishReason", "gen_ai.completion.0.finish_reason")),
    ("llm", "cached", _bool, ("llm.cached",)),
    ("llm", "prompt_preview", _str, ("llm.prompt", "gen_ai.prompt", "input.value")),
    ("llm", "response_preview", _str, ("llm.response", "gen_ai.completion", "output.value", "ai.response.text")),
    (
        "usage",
        "input",
        _int,
        ("gen_ai.usage.input_tokens", "llm.token_count.prompt", "gen_ai.usage.prompt_tokens", "llm.usage.prompt_tokens",
         "ai.usage.inputTokens", "ai.usage.promptTokens",
         # TruLens's cost tracking, on the span around the call (cached tokens in, none sent apart).
         "ai.observability.cost.num_prompt_tokens"),
    ),
    (
        "usage",
        "output",
        _int,
        (
            "gen_ai.usage.output_tokens",
            "llm.token_count.completion",
            "gen_ai.usage.completion_tokens",
            "llm.usage.completion_tokens",
            "ai.usage.outputTokens",
            "ai.usage.completionTokens",
            "ai.observability.cost.num_completion_tokens",
        ),
    ),
    ("usage", "total", _int,
     ("llm.token_count.total", "gen_ai.usage.total_tokens", "llm.usage.total_tokens", "ai.usage.totalTokens",
      "ai.observability.cost.num_tokens")),
    (
        "usage",
        "cache_read",
        _int,
        (
            "gen_ai.usage.cache_read.input_tokens",
            "llm.token_count.prompt_details.cache_read",
            "gen_ai.usage.cache_read_input_tokens",
            "ai.usage.inputTokenDetails.cacheReadTokens",
            "ai.usage.cachedInputTokens",
            # BeeAI's own usage (OpenInference's BeeAI instrumentor flattens it under metadata):
            # its only cached-token count.
            "metadata.usage.cached_prompt_tokens",
            # VoltAgent's llm spans, beside its llm.usage.prompt_tokens (which include them).
            "llm.usage.cached_tokens",
            # Langtrace's OpenAI instrumentation, beside its gen_ai.usage.input_tokens (which include them).
            "gen_ai.usage.cached_tokens",
            # pydantic-ai's usage details (genai-prices' names), inside its gen_ai.usage.input_tokens: its
            # only cache count on Upsonic's copy of its instrumentation (no gen_ai.usage.cache_read.*).
            "gen_ai.usage.details.cache_read_tokens",
            # AgentScope's TracingMiddleware, beside its gen_ai.usage.input_tokens (the API's own input count).
            "agentscope.usage.cache_input_tokens",
        ),
    ),
    (
        "usage",
        "cache_write",
        _int,
        (
            "gen_ai.usage.cache_creation.input_tokens",
            "gen_ai.usage.cache_write.input_tokens",
            "llm.token_count.prompt_details.cache_write",
            "gen_ai.usage.cache_creation_input_tokens",
            "ai.usage.inputTokenDetails.cacheWriteTokens",
            "metadata.usage.cached_creation_tokens",
            "gen_ai.usage.details.cache_write_tokens",  # pydantic-ai's usage details (Upsonic's only count)
            "agentscope.usage.cache_creation_input_tokens",  # AgentScope's TracingMiddleware
        ),
    ),
    (
        "usage",
        "reasoning",
        _int,
        ("gen_ai.usage.reasoning.output_tokens", "llm.token_count.completion_details.reasoning",
         "ai.usage.outputTokenDetails.reasoningTokens", "ai.usage.reasoningTokens",
         # OpenLLMetry's spellings (semconv-ai): the older one, then its gen_ai one (0.5 and later).
         "llm.usage.reasoning_tokens", "gen_ai.usage.reasoning_tokens",
         # pydantic-ai (and logfire) put the provider's own usage details under gen_ai.usage.details.*,
         # its gen_ai.usage.output_tokens counting them in: OpenAI's reasoning tokens, Gemini's thinking
         # tokens (thoughtsTokenCount) are only there.
         "gen_ai.usage.details.reasoning_tokens", "gen_ai.usage.details.thoughts_tokens",
         "ai.observability.cost.num_reasoning_tokens"),
    ),
    ("tool", "name", _str, ("gen_ai.tool.name", "tool.name", "ai.toolCall.name",
                            "upsonic.tool.name")),  # Upsonic's tool.execute span
    ("tool", "action", _str, ("tool.action",)),
    ("tool", "target", _str, ("tool.target",)),
    ("tool", "status", _str, ("tool.status",)),
    # OpenInference's TOOL spans name the model's tool call as ``tool.id`` (its Claude Agent SDK
    # instrumentor: the tool_use id, which Claude Code's tool events carry as ``tool_use_id``);
    # VoltAgent's ``tool.execution:*`` spans as ``tool.call.id`` (the AI SDK's ``ai.toolCall.id``).
    # Upsonic's ``tool.execute`` spans as ``upsonic.tool.call_id``.
    # Gemini CLI's ``tool_call`` span spells it ``gen_ai.tool.call_id``.
    ("tool", "call_id", _str, ("gen_ai.tool.call.id", "tool.call_id", "tool.call.id", "tool_call.id", "ai.toolCall.id",
                               "tool.id", "upsonic.tool.call_id", "gen_ai.tool.call_id")),
    ("tool", "input_preview", _str, ("gen_ai.tool.call.arguments", "tool.input", "tool_call.function.arguments",
                                     "ai.toolCall.args", "ai.toolCall.input", "tool.arguments")),
    ("tool", "output_preview", _str, ("gen_ai.tool.call.result", "tool.output", "ai.toolCall.result", "ai.toolCall.output")),
    # GitHub Copilot CLI's span of a call of an MCP server's tool names the server (the tool named ``<server>-<tool>``),
    # and so does Claude Code's (the traces beta; the tool named ``mcp__<server>__<tool>``).
    ("tool", "server", _str, ("github.copilot.tool.parameters.mcp_server_name", "anthropic.mcp.server.name")),
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

# key -> [(row index, priority within the row)]; lets extract_parts walk the
# span's (few) attributes instead of every row of the table.
_KEY_INDEX: dict[str, tuple[int, int]] = {}


def _build_index() -> None:
    _KEY_INDEX.clear()
    for r, (_part, _field, _conv, keys) in enumerate(ATTRIBUTE_MAP):
        for p, key in enumerate(keys):
            _KEY_INDEX.setdefault(key, (r, p))


_build_index()


def first_reason(value: Any) -> Any:
    """The first finish reason of a list, also of a list sent as a JSON string (``'["tool_calls"]'``);
    a reason sent as an enum's repr (Semantic Kernel's ``FinishReason.TOOL_CALLS``) as the API
    spells it (``tool_calls``)."""
    if isinstance(value, str) and value[:1] == "[":
        try:
            value = _json.decode(value)
        except (msgspec.DecodeError, ValueError):
            return value
    if isinstance(value, (list, tuple)):
        value = value[0]
    if isinstance(value, str) and "." in value:
        head, _, member = value.rpartition(".")
        if head.isidentifier() and member.isidentifier():
            return member.lower()
    return value


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
    # Best key per row, found by walking the (few) attributes once.
    best: dict[int, tuple[int, str]] = {}
    index = _KEY_INDEX
    for key in attributes:
        slot = index.get(key)
        if slot is not None:
            r, p = slot
            got = best.get(r)
            if got is None or p < got[0]:
                best[r] = (p, key)
    for r, (_p, key) in best.items():
        part, field, conv, keys = ATTRIBUTE_MAP[r]
        value = attributes[key]
        try:
            if field == "stop_reason":
                value = first_reason(value)
            converted = conv(value)
        except (TypeError, ValueError, OverflowError, IndexError):
            # Rare: the preferred spelling holds junk; try the row's other keys in order.
            alt, converted = _fallback(attributes, field, conv, keys, key)
            if alt is None:
                continue
        fields = parts.get(part)
        if fields is None:
            fields = parts[part] = {}
        fields[field] = converted
        used.add(key)
    return parts, used


def _fallback(attributes: dict[str, Any], field: str, conv: Callable[[Any], Any], keys: tuple[str, ...],
              bad: str) -> tuple[str | None, Any]:
    for key in keys:
        if key == bad or key not in attributes:
            continue
        value = attributes[key]
        try:
            if field == "stop_reason":
                value = first_reason(value)
            return key, conv(value)
        except (TypeError, ValueError, OverflowError, IndexError):
            continue
    return None, None
