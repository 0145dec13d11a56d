"""Attribute conventions -> model: the tables every receiver reads.

Agents name the same facts many ways (the agenttrace SDK's ``llm.model``, OTel GenAI's
``gen_ai.request.model``, OpenInference's ``llm.model_name`` ...). Each row of
``ATTRIBUTE_MAP`` says which attribute keys fill which field of which typed
part, first key found wins. The other tables say where a session id, a span
kind, a reported cost, subtree usage, prompt/response text and a framework
name come from. docs/conventions.md renders these tables for users, and a
test checks that it lists every key named here.

Only ``extract_parts``, ``kind_from_string`` and ``guess_kind`` are used by
the native path; the OTLP receiver uses everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec

from ..model import Cost, SpanKind, TokenUsage

# (part, field, converter, keys in priority order)
Row = tuple[str, str, Callable[[Any], Any], tuple[str, ...]]


def _str(v: Any) -> str:
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
    ("llm", "provider", _str, ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")),
    ("llm", "model", _str, ("gen_ai.request.model", "gen_ai.response.model", "llm.model_name", "llm.model")),
    ("llm", "temperature", _float, ("gen_ai.request.temperature", "llm.temperature")),
    ("llm", "max_tokens", _int, ("gen_ai.request.max_tokens", "llm.max_tokens")),
    ("llm", "stop_reason", _str, ("gen_ai.response.finish_reasons", "llm.stop_reason", "llm.finish_reason")),
    ("llm", "cached", _bool, ("llm.cached",)),
    ("llm", "prompt_preview", _str, ("llm.prompt", "gen_ai.prompt", "input.value")),
    ("llm", "response_preview", _str, ("llm.response", "gen_ai.completion", "output.value")),
    (
        "usage",
        "input",
        _int,
        ("gen_ai.usage.input_tokens", "llm.token_count.prompt", "gen_ai.usage.prompt_tokens", "llm.usage.prompt_tokens"),
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
        ),
    ),
    ("usage", "total", _int, ("llm.token_count.total", "gen_ai.usage.total_tokens", "llm.usage.total_tokens")),
    (
        "usage",
        "cache_read",
        _int,
        (
            "gen_ai.usage.cache_read.input_tokens",
            "llm.token_count.prompt_details.cache_read",
            "gen_ai.usage.cache_read_input_tokens",
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
        ),
    ),
    (
        "usage",
        "reasoning",
        _int,
        ("gen_ai.usage.reasoning.output_tokens", "llm.token_count.completion_details.reasoning"),
    ),
    ("tool", "name", _str, ("gen_ai.tool.name", "tool.name")),
    ("tool", "action", _str, ("tool.action",)),
    ("tool", "target", _str, ("tool.target",)),
    ("tool", "status", _str, ("tool.status",)),
    ("tool", "call_id", _str, ("gen_ai.tool.call.id", "tool.call_id", "tool_call.id")),
    ("tool", "input_preview", _str, ("gen_ai.tool.call.arguments", "tool.input", "tool_call.function.arguments")),
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
    """The first finish reason of a list, also of a list sent as a JSON string (``'["tool_calls"]'``)."""
    if isinstance(value, str) and value[:1] == "[":
        try:
            value = _json.decode(value)
        except (msgspec.DecodeError, ValueError):
            return value
    if isinstance(value, (list, tuple)):
        return value[0]
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


_KIND_VALUES = {k.value: k for k in SpanKind}

#: Span-name patterns (agenttrace SDK style and common words) -> kind, first match wins.
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
    (re.compile(r"(\btask|_task|task_|workflow)", re.I), SpanKind.TASK),
]


def kind_from_string(value: str | None) -> SpanKind | None:
    """A kind spelled as one of our kind names (``"llm_call"``), else None."""
    if not value:
        return None
    return _KIND_VALUES.get(value.strip().lower())


def _names_a_call(llm: Any) -> bool:
    """An llm part that says more than the provider (a provider alone is often
    stamped on every span of a client, e.g. Claude Code's and Strands')."""
    if isinstance(llm, dict):
        return any(k != "provider" for k in llm)
    return bool(llm) and any(getattr(llm, f, None) is not None for f in ("model", "temperature", "max_tokens"))


def guess_kind(name: str, parts: dict[str, Any]) -> SpanKind:
    """Kind from the typed parts a span has, then from its name."""
    if _names_a_call(parts.get("llm")) or (parts.get("usage") and not parts.get("agent")):
        return SpanKind.LLM_CALL
    if parts.get("tool"):
        return SpanKind.TOOL_EXECUTION
    if parts.get("rag"):
        return SpanKind.RETRIEVAL
    if parts.get("agent"):
        return SpanKind.AGENT
    if file := parts.get("file"):
        op = (file.get("operation") if isinstance(file, dict) else getattr(file, "operation", None)) or ""
        return SpanKind.FILE_WRITE if op.lower() in ("write", "create", "delete", "move") else SpanKind.FILE_READ
    return kind_from_name(name) or SpanKind.CUSTOM


# --------------------------------------------------------------------------
# OTLP: sessions, kinds, cost, subtree usage, messages, frameworks
# --------------------------------------------------------------------------

#: Span (then resource) attributes that name the session, first found wins.
SESSION_KEYS: tuple[str, ...] = ("session.id", "gen_ai.conversation.id", "langfuse.session.id", "conversation.id")
#: Without a session attribute: one session per service.name + the first of these.
INSTANCE_KEYS: tuple[str, ...] = ("service.instance.id", "process.pid", "host.name")

#: Our own explicit kind attribute, for senders that know our kind names.
KIND_KEY = "agenttrace.kind"

#: ``gen_ai.operation.name`` values -> kind.
OPERATION_KINDS: dict[str, SpanKind] = {
    "chat": SpanKind.LLM_CALL,
    "text_completion": SpanKind.LLM_CALL,
    "generate_content": SpanKind.LLM_CALL,
    "completion": SpanKind.LLM_CALL,
    "execute_tool": SpanKind.TOOL_EXECUTION,
    "invoke_agent": SpanKind.AGENT,
    "create_agent": SpanKind.AGENT,
    "invoke_workflow": SpanKind.AGENT,
    "embeddings": SpanKind.EMBEDDING,
    "embedding": SpanKind.EMBEDDING,
    "retrieval": SpanKind.RETRIEVAL,
}

#: ``openinference.span.kind`` values (upper case) -> kind.
OPENINFERENCE_KINDS: dict[str, SpanKind] = {
    "LLM": SpanKind.LLM_CALL,
    "TOOL": SpanKind.TOOL_EXECUTION,
    "AGENT": SpanKind.AGENT,
    "CHAIN": SpanKind.TASK,
    "RETRIEVER": SpanKind.RETRIEVAL,
    "EMBEDDING": SpanKind.EMBEDDING,
    "RERANKER": SpanKind.RETRIEVAL,
    "GUARDRAIL": SpanKind.VERIFICATION,
    "EVALUATOR": SpanKind.VERIFICATION,
}

#: Other attributes that carry an operation kind (OpenLLMetry's traceloop).
TRACELOOP_KINDS: dict[str, SpanKind] = {
    "workflow": SpanKind.TASK,
    "task": SpanKind.TASK,
    "agent": SpanKind.AGENT,
    "tool": SpanKind.TOOL_EXECUTION,
}
TRACELOOP_KIND_KEY = "traceloop.span.kind"
OPERATION_KEY = "gen_ai.operation.name"
OPENINFERENCE_KEY = "openinference.span.kind"

#: The agenttrace SDK's span names, matched exactly (``iteration_N`` by pattern).
SEED_NAME_KINDS: dict[str, SpanKind] = {
    "llm_inference": SpanKind.LLM_CALL,
    "chat_completion": SpanKind.LLM_CALL,
    "llm_planning_call": SpanKind.LLM_CALL,
    "tool_execute": SpanKind.TOOL_EXECUTION,
    "rag_context_retrieval": SpanKind.RETRIEVAL,
    "rag_retrieval": SpanKind.RETRIEVAL,
    "vector_search": SpanKind.RETRIEVAL,
    "query_embedding": SpanKind.EMBEDDING,
    "react_loop": SpanKind.AGENT,
    "orchestrator_decompose": SpanKind.AGENT,
    "task_execution": SpanKind.TASK,
    "execute_workflow_dag": SpanKind.TASK,
    "validate_result": SpanKind.VERIFICATION,
    "parse_plan": SpanKind.REASONING,
}
_ITERATION = re.compile(r"^iteration_\d+$")


def kind_from_name(name: str) -> SpanKind | None:
    """Kind from a span name: the SDK's names exactly, then the patterns."""
    kind = SEED_NAME_KINDS.get(name)
    if kind is not None:
        return kind
    if _ITERATION.match(name):
        return SpanKind.AGENT
    for pattern, k in KIND_BY_NAME:
        if pattern.search(name):
            return k
    return None


def kind_from_attributes(attributes: dict[str, Any]) -> tuple[SpanKind | None, str | None]:
    """An explicit kind attribute and the key that said it (kept, not consumed)."""
    v = attributes.get(KIND_KEY)
    if isinstance(v, str) and (k := kind_from_string(v)) is not None:
        return k, KIND_KEY
    v = attributes.get(OPERATION_KEY)
    if isinstance(v, str) and (k := OPERATION_KINDS.get(v.strip().lower())) is not None:
        return k, OPERATION_KEY
    v = attributes.get(OPENINFERENCE_KEY)
    if isinstance(v, str) and (k := OPENINFERENCE_KINDS.get(v.strip().upper())) is not None:
        return k, OPENINFERENCE_KEY
    v = attributes.get(TRACELOOP_KIND_KEY)
    if isinstance(v, str) and (k := TRACELOOP_KINDS.get(v.strip().lower())) is not None:
        return k, TRACELOOP_KIND_KEY
    return None, None


#: Known clients' own span names -> kind, before any guess (``client_kind``).
#: Spans marked internal are a client's framework internals: kept and shown,
#: never counted as tool or LLM calls (kind custom + ``agenttrace.internal``).
CLIENT_SPAN_KINDS: dict[str, dict[str, SpanKind | None]] = {
    "claude-code": {
        "claude_code.interaction": SpanKind.AGENT,
        "claude_code.llm_request": SpanKind.LLM_CALL,
        "claude_code.tool": SpanKind.TOOL_EXECUTION,
        "claude_code.tool.blocked_on_user": None,  # the permission wait
        "claude_code.tool.execution": None,  # inside claude_code.tool, same call
    },
    "strands": {
        "execute_event_loop_cycle": SpanKind.TASK,
    },
    "codex": {
        "turn/start": SpanKind.AGENT,
        "session_task.turn": SpanKind.TASK,
    },
}
#: Clients whose spans are internal unless named above or told apart by ``client_kind``.
INTERNAL_BY_DEFAULT = frozenset({"codex"})
INTERNAL_KEY = "agenttrace.internal"
#: The rendered message of a span named by a template (logfire): shown as its name.
RENDERED_NAME_KEY = "logfire.msg"
#: Attributes a known client names its tool with.
CLIENT_TOOL_NAME_KEYS: tuple[str, ...] = ("tool_name",)
#: Attributes a known client names its tool call id with.
CLIENT_TOOL_CALL_KEYS: tuple[str, ...] = ("call_id", "tool_use_id")


def client_kind(client: str | None, name: str, attributes: dict[str, Any]) -> tuple[SpanKind | None, bool]:
    """(kind, internal) a known client says for a span; (None, False) when it says nothing.

    Codex's runtime spans come from Rust ``tracing`` (``fs.get_metadata``,
    ``build_tool_router`` ...): all internal but the turn, the model call (the
    ``handle_responses`` span that carries usage) and tool dispatches (a span
    named by its own ``tool_name``, with a ``call_id``).
    """
    if client is None:
        return None, False
    table = CLIENT_SPAN_KINDS.get(client)
    if table is not None and name in table:
        kind = table[name]
        return (kind, False) if kind is not None else (SpanKind.CUSTOM, True)
    if client in INTERNAL_BY_DEFAULT:
        if "gen_ai.usage.input_tokens" in attributes or "gen_ai.usage.output_tokens" in attributes:
            return SpanKind.LLM_CALL, False
        if attributes.get("tool_name") == name and "call_id" in attributes:  # the tool's dispatch span
            return SpanKind.TOOL_EXECUTION, False
        return SpanKind.CUSTOM, True
    return None, False


#: Reported dollar cost, first key found per field wins.
COST_KEYS: dict[str, tuple[str, ...]] = {
    "total": ("llm.cost.total", "operation.cost", "cost_usd", "gen_ai.usage.cost"),
    "input": ("llm.cost.prompt", "llm.cost.input"),
    "output": ("llm.cost.completion", "llm.cost.output"),
}


def extract_cost(attributes: dict[str, Any]) -> tuple[Cost | None, list[str]]:
    """A reported cost (``source="reported"``) and the keys it consumed."""
    found: dict[str, float] = {}
    used: list[str] = []
    for field, keys in COST_KEYS.items():
        for key in keys:
            if key in attributes:
                try:
                    value = _float(attributes[key])
                except (TypeError, ValueError):
                    continue
                if value < 0:
                    continue
                found[field] = value
                used.append(key)
                break
    if not found:
        return None, used
    total = found.get("total")
    if total is None:
        total = found.get("input", 0.0) + found.get("output", 0.0)
    return Cost(total=total, input=found.get("input"), output=found.get("output"), source="reported"), used


#: Usage an agent span reports for its whole subtree: shown, never summed.
SUBTREE_USAGE_KEYS: dict[str, tuple[str, ...]] = {
    "input": ("gen_ai.aggregated_usage.input_tokens",),
    "output": ("gen_ai.aggregated_usage.output_tokens",),
    "total": ("gen_ai.aggregated_usage.total_tokens",),
    "cache_read": ("gen_ai.aggregated_usage.cache_read.input_tokens",),
    "cache_write": (
        "gen_ai.aggregated_usage.cache_creation.input_tokens",
        "gen_ai.aggregated_usage.cache_write.input_tokens",
    ),
    "reasoning": ("gen_ai.aggregated_usage.reasoning.output_tokens",),
}


def extract_subtree_usage(attributes: dict[str, Any]) -> tuple[dict[str, int], list[str]]:
    """Fields of subtree-scoped usage and the keys consumed."""
    found: dict[str, int] = {}
    used: list[str] = []
    for field, keys in SUBTREE_USAGE_KEYS.items():
        for key in keys:
            if key in attributes:
                try:
                    found[field] = _int(attributes[key])
                except (TypeError, ValueError, OverflowError):
                    continue
                used.append(key)
                break
    return found, used


def finish_usage(fields: dict[str, int], scope: str = "span") -> TokenUsage | None:
    """A TokenUsage from extracted fields, in the model's convention.

    ``input`` must include cache reads and writes (the OTel GenAI rule). When
    a sender's input is smaller than its cache reads + writes it evidently
    reported them Anthropic-style (beside input), so they are added in.
    """
    if not fields:
        return None
    u = TokenUsage(**fields, scope=scope)  # type: ignore[arg-type]
    cached = u.cache_read + u.cache_write
    if cached and u.input < cached:
        u.input += cached
    if u.total < u.input + u.output:
        u.total = u.input + u.output
    return u


# -- messages -> previews ----------------------------------------------------

#: Longest prompt / response preview kept (characters). The prompt keeps its
#: end (the newest message matters most), the response its beginning.
PREVIEW_CHARS = 2000
#: Longest tool argument / result preview and exception stack kept.
TOOL_PREVIEW_CHARS = 2000
STACK_CHARS = 8000

#: JSON-string message attributes (OTel GenAI, current).
MESSAGE_JSON_KEYS: dict[str, str] = {
    "gen_ai.system_instructions": "prompt",
    "gen_ai.input.messages": "prompt",
    "gen_ai.output.messages": "response",
}
#: Flattened message lists: prefix -> prompt/response. Keys look like
#: ``<prefix>.<N>.message.role`` (OpenInference) or ``<prefix>.<N>.role``
#: (OpenLLMetry's deprecated ``gen_ai.prompt.N.content``).
MESSAGE_LIST_PREFIXES: dict[str, str] = {
    "llm.input_messages": "prompt",
    "llm.output_messages": "response",
    "gen_ai.prompt": "prompt",
    "gen_ai.completion": "response",
}
#: Plain-text input/output (OpenInference), used when no messages are given.
VALUE_KEYS: dict[str, str] = {"input.value": "prompt", "output.value": "response"}
#: Deprecated GenAI per-message span events -> prompt/response.
MESSAGE_EVENTS: dict[str, str] = {
    "gen_ai.system.message": "prompt",
    "gen_ai.user.message": "prompt",
    "gen_ai.assistant.message": "prompt",
    "gen_ai.tool.message": "prompt",
    "gen_ai.choice": "response",
    "gen_ai.content.prompt": "prompt",
    "gen_ai.content.completion": "response",
}
#: Span events that carry a whole call's messages as GenAI message attributes
#: (``gen_ai.input.messages`` ...: latest GenAI conventions, Strands' opt-in mode).
MESSAGE_DETAIL_EVENTS: tuple[str, ...] = ("gen_ai.client.inference.operation.details",)
#: Attribute keys inside those events that hold the text.
MESSAGE_EVENT_CONTENT_KEYS: tuple[str, ...] = ("gen_ai.event.content", "content", "gen_ai.prompt", "gen_ai.completion", "message")

_MSG_PREFIXES = ("llm.input_messages.", "llm.output_messages.", "gen_ai.prompt.", "gen_ai.completion.")
_MSG_RE = re.compile(r"^(llm\.input_messages|llm\.output_messages|gen_ai\.prompt|gen_ai\.completion)\.(\d+)\.(.+)$")
_json = msgspec.json.Decoder()


def cut_tail(text: str, limit: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def cut_head(text: str, limit: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _part_text(part: Any) -> str:
    """Text of one GenAI message part (text, tool_call, tool_call_response ...)."""
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        return str(part)
    ptype = part.get("type")
    if "content" in part and isinstance(part["content"], str):
        return part["content"]
    if ptype == "tool_call":
        args = part.get("arguments")
        if not isinstance(args, str):
            args = msgspec.json.encode(args).decode() if args is not None else ""
        return f"[tool_call {part.get('name', '')}({args})]"
    if "toolUse" in part and isinstance(part["toolUse"], dict):  # Strands (Bedrock Converse shape)
        use = part["toolUse"]
        args = use.get("input")
        return f"[tool_call {use.get('name', '')}({args if isinstance(args, str) else msgspec.json.encode(args).decode()})]"
    if "toolResult" in part and isinstance(part["toolResult"], dict):
        content = part["toolResult"].get("content")
        texts = [c.get("text", "") for c in content if isinstance(c, dict)] if isinstance(content, list) else [str(content)]
        return f"[tool result {' '.join(t for t in texts if t)}]"
    if ptype == "tool_call_response":
        resp = part.get("response", part.get("result", ""))
        return f"[tool result {resp if isinstance(resp, str) else msgspec.json.encode(resp).decode()}]"
    if "text" in part and isinstance(part["text"], str):
        return part["text"]
    return f"[{ptype or 'part'}]"


def render_messages(value: Any) -> str | None:
    """A GenAI message list (JSON string or list) -> "role: text" lines."""
    if isinstance(value, str):
        try:
            value = _json.decode(value)
        except (msgspec.DecodeError, ValueError):
            return value
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return None
    lines = []
    for msg in value:
        if isinstance(msg, dict):
            role = msg.get("role")
            parts = msg.get("parts")
            if parts is None and "content" in msg:
                parts = [msg["content"]]
            if parts is None and ("type" in msg or "text" in msg or "toolUse" in msg or "toolResult" in msg):
                parts = [msg]  # a list of parts (system instructions, Strands' content blocks)
            if not isinstance(parts, list):
                parts = [parts] if parts is not None else []
            text = " ".join(_part_text(p) for p in parts)
            lines.append(f"{role}: {text}" if role else text)
        else:
            lines.append(_part_text(msg))
    return "\n".join(lines)


def extract_messages(attributes: dict[str, Any]) -> tuple[str | None, str | None, list[str]]:
    """Prompt and response previews from message attributes, and keys consumed."""
    prompt: list[str] = []
    response: list[str] = []
    used: list[str] = []
    target = {"prompt": prompt, "response": response}
    for key, side in MESSAGE_JSON_KEYS.items():
        if key in attributes:
            text = render_messages(attributes[key])
            if text:
                target[side].append(text)
            used.append(key)
    flat: dict[str, dict[int, dict[str, Any]]] | None = None
    for key in attributes:
        if key.startswith(_MSG_PREFIXES) and (m := _MSG_RE.match(key)):
            if flat is None:
                flat = {}
            flat.setdefault(m.group(1), {}).setdefault(int(m.group(2)), {})[m.group(3)] = attributes[key]
            used.append(key)
    if flat:
        for prefix, msgs in flat.items():
            lines = []
            for _i, fields in sorted(msgs.items()):
                role = fields.get("message.role", fields.get("role"))
                content = fields.get("message.content", fields.get("content"))
                if content is None:
                    texts = [v for k, v in sorted(fields.items()) if k.endswith(".text") and isinstance(v, str)]
                    calls = [v for k, v in sorted(fields.items()) if k.endswith("function.name")]
                    content = " ".join(texts + [f"[tool_call {c}]" for c in calls])
                lines.append(f"{role}: {content}" if role else str(content))
            target[MESSAGE_LIST_PREFIXES[prefix]].append("\n".join(lines))
    for key, side in VALUE_KEYS.items():
        if key in attributes and not target[side]:
            v = attributes[key]
            target[side].append(v if isinstance(v, str) else str(v))
            used.append(key)
    p = cut_tail("\n".join(prompt)) if prompt else None
    r = cut_head("\n".join(response)) if response else None
    return p, r, used


def message_event_text(name: str, attributes: dict[str, Any]) -> tuple[str, str] | None:
    """(side, text) of a deprecated per-message GenAI event, else None."""
    side = MESSAGE_EVENTS.get(name)
    if side is None:
        return None
    for key in MESSAGE_EVENT_CONTENT_KEYS:
        if key in attributes:
            v = attributes[key]
            text = render_messages(v) if not isinstance(v, str) or v[:1] in "[{" else v
            role = name.split(".")[1] if name.count(".") >= 2 else ""
            return side, (f"{role}: {text}" if role and side == "prompt" else (text or ""))
    return None


# -- resource -> session metadata ------------------------------------------------

#: Instrumentation scope name fragments -> framework (first match wins).
FRAMEWORK_HINTS: list[tuple[str, str]] = [
    ("claude_code", "claude-code"),
    ("codex", "codex"),
    ("langgraph", "langgraph"),
    ("langchain", "langchain"),
    ("llama_index", "llama-index"),
    ("llamaindex", "llama-index"),
    ("crewai", "crewai"),
    ("autogen", "autogen"),
    ("openai_agents", "openai-agents"),
    ("openai.agents", "openai-agents"),
    ("pydantic-ai", "pydantic-ai"),
    ("pydantic_ai", "pydantic-ai"),
    ("smolagents", "smolagents"),
    ("haystack", "haystack"),
    ("dspy", "dspy"),
    ("semantickernel", "semantic-kernel"),
    ("semantic_kernel", "semantic-kernel"),
    ("strands", "strands"),
    ("google.adk", "google-adk"),
    ("gcp.vertex.agent", "google-adk"),
    ("mastra", "mastra"),
    ("agno", "agno"),
    ("bedrock", "bedrock"),
    ("openllmetry", "openllmetry"),
    ("traceloop", "openllmetry"),
    ("openinference", "openinference"),
]
#: Resource attributes copied onto the session.
RESOURCE_SESSION_KEYS: dict[str, str] = {
    "service.name": "service",
    "host.name": "hostname",
    "service.version": "framework_version",
}


def framework_hint(scope_name: str | None, resource: dict[str, Any]) -> str | None:
    """A framework name from the instrumentation scope, then the SDK name."""
    names = [scope_name or "", str(resource.get("service.name", ""))]
    for text in names:
        low = text.lower()
        if not low:
            continue
        for fragment, framework in FRAMEWORK_HINTS:
            if fragment in low:
                return framework
    sdk = resource.get("telemetry.sdk.name")
    if isinstance(sdk, str) and sdk and sdk != "opentelemetry":
        return sdk
    return None


class Plan:
    """What the tables make of one *set* of attribute keys, computed once.

    Spans from one instrumentation repeat the same keys endlessly, so the
    OTLP path looks the key tuple up here instead of probing every table
    for every span: only the rows whose keys are present are tried.
    """

    __slots__ = ("rows", "kind", "messages", "subtree", "cost")

    def __init__(self, keys: tuple[str, ...]) -> None:
        present = set(keys)
        rows = []
        for part, field, conv, row_keys in ATTRIBUTE_MAP:
            got = tuple(k for k in row_keys if k in present)
            if got:
                rows.append((part, field, conv, got))
        self.rows = rows
        self.kind = bool(present & {KIND_KEY, OPERATION_KEY, OPENINFERENCE_KEY, TRACELOOP_KIND_KEY})
        self.messages = bool(present & (set(MESSAGE_JSON_KEYS) | set(VALUE_KEYS))) or any(
            k.startswith(_MSG_PREFIXES) for k in keys)
        self.subtree = any(k in present for ks in SUBTREE_USAGE_KEYS.values() for k in ks)
        self.cost = any(k in present for ks in COST_KEYS.values() for k in ks)


_PLANS: dict[tuple[str, ...], Plan] = {}
_MAX_PLANS = 4096


def plan_for(attributes: dict[str, Any]) -> Plan:
    keys = tuple(attributes)
    plan = _PLANS.get(keys)
    if plan is None:
        if len(_PLANS) >= _MAX_PLANS:
            _PLANS.clear()  # senders with ever-changing keys: start over rather than grow
        plan = _PLANS[keys] = Plan(keys)
    return plan


def parts_from_plan(plan: Plan, attributes: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """``extract_parts`` for a known key set (same result, fewer lookups)."""
    parts: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    for part, field, conv, keys in plan.rows:
        for key in keys:
            value = attributes[key]
            cls = value.__class__
            # Fast paths: the value already has the field's type (the usual case).
            if ((conv is _str and cls is str) or (conv is _int and cls is int)) and not (
                    field == "stop_reason" and value[:1] == "["):
                converted = value
            else:
                try:
                    if field == "stop_reason":
                        value = first_reason(value)
                    converted = conv(value)
                except (TypeError, ValueError, OverflowError, IndexError):
                    continue
            fields = parts.get(part)
            if fields is None:
                fields = parts[part] = {}
            fields[field] = converted
            used.add(key)
            break
    return parts, used


def all_documented_keys() -> set[str]:
    """Every attribute key the tables above read (docs/conventions.md lists them)."""
    keys: set[str] = set()
    for _p, _f, _c, ks in ATTRIBUTE_MAP:
        keys.update(ks)
    keys.update(SESSION_KEYS)
    keys.update(INSTANCE_KEYS)
    keys.update((KIND_KEY, OPERATION_KEY, OPENINFERENCE_KEY, TRACELOOP_KIND_KEY))
    for ks in COST_KEYS.values():
        keys.update(ks)
    for ks in SUBTREE_USAGE_KEYS.values():
        keys.update(ks)
    keys.update(MESSAGE_JSON_KEYS)
    keys.update(MESSAGE_LIST_PREFIXES)
    keys.update(VALUE_KEYS)
    keys.update(MESSAGE_EVENTS)
    keys.update(RESOURCE_SESSION_KEYS)
    keys.update(CLIENT_TOOL_NAME_KEYS)
    keys.update(CLIENT_TOOL_CALL_KEYS)
    keys.update(MESSAGE_DETAIL_EVENTS)
    keys.update((INTERNAL_KEY, RENDERED_NAME_KEY))
    for names in CLIENT_SPAN_KINDS.values():
        keys.update(names)
    return keys
