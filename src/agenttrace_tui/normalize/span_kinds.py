"""Span kinds: what a span is (LLM call, tool, agent, retrieval ...) from what it carries.

In order of trust: an explicit kind attribute (ours, GenAI's operation name,
OpenInference's or traceloop's span kind), a known client's own span names,
then a guess from the typed parts and from the name. The tables here are the
conventions' kind rows (docs/conventions.md renders them); read through
``conventions``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..model import INTERNAL_ATTR, RUNS_AGENT_ATTR, SpanKind

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
    "agent_step": SpanKind.AGENT,  # one step of an agent's loop (the AI SDK's, Mastra's), as an iteration
    "model_generation": SpanKind.TASK,  # Mastra: the generation loop over its steps
    "llm_call": SpanKind.LLM_CALL,  # Gemini CLI
    "tool_call": SpanKind.TOOL_EXECUTION,  # Gemini CLI
    "schedule_tool_calls": SpanKind.TASK,  # Gemini CLI: the scheduler around a turn's tool calls
    "embeddings": SpanKind.EMBEDDING,
    "embedding": SpanKind.EMBEDDING,
    "retrieval": SpanKind.RETRIEVAL,
}

#: GenAI's name for a model call's span, ``{gen_ai.operation.name} {gen_ai.request.model}``: it names the
#: model a call whose attributes name none asked for (EDOT Python's default sampler drops every attribute a
#: span starts with: its failed call keeps its name and ``error.type`` only).
MODEL_CALL_SPAN_NAME = re.compile(r"(?:chat|text_completion|generate_content) ([A-Za-z0-9][\w.:/@+-]*)")


def model_in_span_name(name: str) -> str | None:
    """The model a model call's span name says it asked for (``MODEL_CALL_SPAN_NAME``), else None."""
    m = MODEL_CALL_SPAN_NAME.fullmatch(name)
    return m.group(1) if m is not None else None


#: OpenInference's request parameters of a model call (JSON): ``model`` the model it asked for. The
#: OpenAI instrumentation sets ``llm.model_name`` from the answer only, so a refused call names its
#: model there alone.
INVOCATION_PARAMETERS_KEY = "llm.invocation_parameters"
#: Longest ``llm.invocation_parameters`` read for its model (a request's parameters are small).
_INVOCATION_PARAMETERS_CHARS = 10_000


def invocation_model(attrs: dict[str, Any]) -> str | None:
    """The model a model call's request parameters (``INVOCATION_PARAMETERS_KEY``) asked for, else None."""
    raw = attrs.get(INVOCATION_PARAMETERS_KEY)
    if raw.__class__ is not str or len(raw) > _INVOCATION_PARAMETERS_CHARS or '"model"' not in raw:
        return None
    try:
        params = json.loads(raw)
    except ValueError:
        return None
    model = params.get("model") if isinstance(params, dict) else None
    if not isinstance(model, str) or not model.strip():
        return None
    return model.strip()


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
#: The tool an OpenLLMetry task span runs: its LlamaIndex instrumentation marks every step of a
#: workflow agent ``task`` and names the tool the ``call_tool`` step runs (with ``tool.arguments``):
#: that step is the tool's call (the tool's own ``FunctionTool.task`` inside it stays a task).
TRACELOOP_TOOL_STEP_KEY = "tool.name"
#: OpenLLMetry's entity attributes -> the tool part's fields, on its tool spans (``traceloop.span.kind``
#: ``tool``: the SDKs' ``@tool`` decorator, ``withTool`` in Node.js), which name the tool and carry its
#: arguments and result only there; a GenAI key present says them first.
TRACELOOP_TOOL_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "traceloop.entity.name"),
    ("input_preview", "traceloop.entity.input"),
    ("output_preview", "traceloop.entity.output"),
)
OPERATION_KEY = "gen_ai.operation.name"
OPENINFERENCE_KEY = "openinference.span.kind"
#: The tool an OpenInference span runs, sent on tool runs alone. Its LangChain instrumentation marks
#: any run whose name holds "agent" an AGENT span, a tool's too: langgraph-supervisor's handoff tool
#: ``transfer_to_weather_agent`` comes as an AGENT span naming its tool; that span is the tool's call.
OPENINFERENCE_TOOL_NAME_KEY = "tool.name"
#: The Vercel AI SDK's operation (its ``ai.*`` telemetry: AI SDK 4-6, and 7's
#: ``LegacyOpenTelemetry``): the call of a function that may loop over steps
#: with tools, each model call it makes (``.doGenerate``/``.doStream``/``.doEmbed``),
#: and each tool call it runs.
AI_SDK_OPERATION_KEY = "ai.operationId"
AI_SDK_KINDS: dict[str, SpanKind] = {
    **{f"ai.{fn}": SpanKind.AGENT for fn in ("generateText", "streamText", "generateObject", "streamObject")},
    **{f"ai.{fn}.{step}": SpanKind.LLM_CALL for fn, step in (("generateText", "doGenerate"), ("streamText", "doStream"),
                                                             ("generateObject", "doGenerate"),
                                                             ("streamObject", "doStream"))},
    "ai.toolCall": SpanKind.TOOL_EXECUTION,
    "ai.embed": SpanKind.TASK,
    "ai.embedMany": SpanKind.TASK,
    "ai.embed.doEmbed": SpanKind.EMBEDDING,
    "ai.embedMany.doEmbed": SpanKind.EMBEDDING,
}
#: Langfuse's observation type (its SDKs' ``@observe(as_type=...)``, ``start_observation``; every
#: span the SDK makes has one). ``span`` (the default) and ``event`` are a plain unit of work: kind
#: custom, not a guess from the name (a Langfuse span named ``chat_handler`` is no model call).
LANGFUSE_KIND_KEY = "langfuse.observation.type"
LANGFUSE_KINDS: dict[str, SpanKind] = {
    "generation": SpanKind.LLM_CALL,
    "embedding": SpanKind.EMBEDDING,
    "tool": SpanKind.TOOL_EXECUTION,
    "agent": SpanKind.AGENT,
    "chain": SpanKind.TASK,
    "retriever": SpanKind.RETRIEVAL,
    "evaluator": SpanKind.VERIFICATION,
    "guardrail": SpanKind.VERIFICATION,
    "span": SpanKind.CUSTOM,
    "event": SpanKind.CUSTOM,
}
#: MLflow Tracing's span type (``@mlflow.trace(span_type=...)``, its autologging; every span it
#: makes has one, JSON-encoded: ``conventions.JSON_VALUE_KEYS``). ``UNKNOWN`` (the default) and
#: ``PARSER`` are a plain unit of work: kind custom, not a guess from the name. ``MEMORY`` (a read
#: or a write) is left to the name.
MLFLOW_KIND_KEY = "mlflow.spanType"
MLFLOW_KINDS: dict[str, SpanKind] = {
    "LLM": SpanKind.LLM_CALL,
    "CHAT_MODEL": SpanKind.LLM_CALL,
    "EMBEDDING": SpanKind.EMBEDDING,
    "TOOL": SpanKind.TOOL_EXECUTION,
    "AGENT": SpanKind.AGENT,
    "CHAIN": SpanKind.TASK,
    "WORKFLOW": SpanKind.TASK,
    "TASK": SpanKind.TASK,
    "RETRIEVER": SpanKind.RETRIEVAL,
    "RERANKER": SpanKind.RETRIEVAL,
    "GUARDRAIL": SpanKind.VERIFICATION,
    "EVALUATOR": SpanKind.VERIFICATION,
    "PARSER": SpanKind.CUSTOM,
    "UNKNOWN": SpanKind.CUSTOM,
}
#: Laminar's span type (``lmnr.span.type``: its SDKs' ``@observe(span_type=...)``, its own
#: instrumentations' model and tool spans; only on the spans Laminar makes). ``DEFAULT`` (what
#: ``@observe()`` makes, and Laminar's framework instrumentations for their agent and step spans)
#: is left to the steps below; ``PIPELINE`` is Laminar's internal one.
LAMINAR_KIND_KEY = "lmnr.span.type"
LAMINAR_KINDS: dict[str, SpanKind] = {
    "LLM": SpanKind.LLM_CALL,
    "TOOL": SpanKind.TOOL_EXECUTION,
    "EXECUTOR": SpanKind.TASK,  # the function an evaluation runs on a datapoint
    "EVALUATION": SpanKind.TASK,  # an evaluation of one datapoint: its executor and evaluators
    "EVALUATOR": SpanKind.VERIFICATION,
    "HUMAN_EVALUATOR": SpanKind.VERIFICATION,
}
#: TruLens's span type (``ai.observability.span_type``: its ``@instrument(span_type=...)``, every span of a
#: recorded app; ``unknown`` for a plain ``@instrument()``, left to the steps below). ``record_root`` is the
#: app's main method, one record (a turn); ``eval_root`` / ``eval`` its feedback functions' runs.
TRULENS_KIND_KEY = "ai.observability.span_type"
TRULENS_KINDS: dict[str, SpanKind] = {
    "record_root": SpanKind.TASK,
    "nested_record_root": SpanKind.TASK,
    "generation": SpanKind.LLM_CALL,
    "tool": SpanKind.TOOL_EXECUTION,
    "mcp": SpanKind.TOOL_EXECUTION,
    "agent": SpanKind.AGENT,
    "retrieval": SpanKind.RETRIEVAL,
    "reranking": SpanKind.RETRIEVAL,
    "workflow_step": SpanKind.TASK,
    "graph_task": SpanKind.TASK,
    "graph_node": SpanKind.TASK,
    "eval_root": SpanKind.VERIFICATION,
    "eval": SpanKind.VERIFICATION,
    "guardrail": SpanKind.VERIFICATION,
}
#: AgentOps' span kind (``agentops.span.kind``: its decorators' spans, ``@trace`` a ``session``, ``@agent``,
#: ``@operation`` and ``@task`` a ``task``, ``@workflow``, ``@tool``, ``@guardrail``, ``@track_endpoint`` an
#: ``http``; its instrumentations' spans too). Its session span is the root of the trace AgentOps lists as a
#: session (the monitor's session: ``TRACE_SESSION_RESOURCE_KEYS``), the turn it runs a task. ``text`` and
#: ``unknown`` are left to the steps below.
AGENTOPS_KIND_KEY = "agentops.span.kind"
AGENTOPS_KINDS: dict[str, SpanKind] = {
    "session": SpanKind.TASK,
    "workflow": SpanKind.TASK,
    "task": SpanKind.TASK,
    "operation": SpanKind.TASK,
    "chain": SpanKind.TASK,
    "agent": SpanKind.AGENT,
    "tool": SpanKind.TOOL_EXECUTION,
    "llm": SpanKind.LLM_CALL,
    "guardrail": SpanKind.VERIFICATION,
    "http": SpanKind.API_CALL,
}
#: The arguments and result of an AgentOps ``@tool`` span (its decorator records a call's arguments as
#: ``{"args": [...], "kwargs": {...}}`` and its return value, under ``agentops.<kind>.input`` /
#: ``.output``): the tool part's previews (``agentops_arguments`` reads the arguments). AgentOps'
#: processor of the OpenAI Agents SDK's traces sends a function tool's span with the model's arguments
#: (JSON) as ``tool.parameters`` and what the tool returned as ``tool.result``.
AGENTOPS_TOOL_FIELDS: tuple[tuple[str, str], ...] = (
    ("input_preview", "agentops.tool.input"),
    ("output_preview", "agentops.tool.output"),
    ("input_preview", "tool.parameters"),
    ("output_preview", "tool.result"),
)
#: Braintrust's span type: the ``type`` of the JSON object ``braintrust.span_attributes``, which
#: Braintrust's OpenTelemetry guide has a user set on a span of their own to give it a Braintrust
#: span type (its SDK's ``SpanTypeAttribute``); its span processor sets none itself. The other types
#: (``automation``, ``facet``, ``log`` ...) are left to the steps below.
BRAINTRUST_KIND_KEY = "braintrust.span_attributes"
BRAINTRUST_KINDS: dict[str, SpanKind] = {
    "llm": SpanKind.LLM_CALL,
    "tool": SpanKind.TOOL_EXECUTION,
    "task": SpanKind.TASK,
    "function": SpanKind.TASK,
    "eval": SpanKind.TASK,
    "score": SpanKind.VERIFICATION,
}
#: The longest ``braintrust.span_attributes`` value read for its type (a type and a name fit many times over).
BRAINTRUST_SPAN_ATTRIBUTES_CHARS = 4096


def braintrust_span_type(value: Any) -> str | None:
    """The ``type`` of a ``braintrust.span_attributes`` JSON object, lower-cased; None for anything else."""
    if not isinstance(value, str) or not value.startswith("{") or len(value) > BRAINTRUST_SPAN_ATTRIBUTES_CHARS:
        return None
    try:
        got = json.loads(value)
    except ValueError:
        return None
    kind = got.get("type") if isinstance(got, dict) else None
    return kind.strip().lower() if isinstance(kind, str) else None


#: The LangSmith SDK's run type (``@traceable(run_type=...)``, its LangChain tracer: every span its
#: OTel export makes has one). Read before ``gen_ai.operation.name``, which the SDK derives from it
#: loosely: ``chain`` (a LangGraph graph or node: its ``tools`` node too) passes through as an
#: operation no table knows, a ``prompt`` run (a template filled in, no model called) becomes
#: ``chat`` and a ``retriever`` run ``embeddings``. ``prompt`` and ``parser`` are a plain unit of work.
LANGSMITH_KIND_KEY = "langsmith.span.kind"
LANGSMITH_KINDS: dict[str, SpanKind] = {
    "llm": SpanKind.LLM_CALL,
    "tool": SpanKind.TOOL_EXECUTION,
    "chain": SpanKind.TASK,
    "retriever": SpanKind.RETRIEVAL,
    "embedding": SpanKind.EMBEDDING,
    "prompt": SpanKind.CUSTOM,
    "parser": SpanKind.CUSTOM,
}
#: Genkit's action type (``genkit:metadata:subtype``: Genkit traces every action it runs, each span
#: carrying its type, name, path, input and output as ``genkit:*`` attributes). A flow
#: (``ai.defineFlow``) is the app's own run around the models and tools it calls: its agent, named by
#: ``genkit:name`` (``CLIENT_AGENT_NAME_KEYS``). A prompt (``ai.definePrompt``, a Dotprompt file) is a
#: step of it. The other types (``custom``, ``indexer`` ...) are left to the steps below.
GENKIT_KIND_KEY = "genkit:metadata:subtype"
GENKIT_KINDS: dict[str, SpanKind] = {
    "model": SpanKind.LLM_CALL,
    "background-model": SpanKind.LLM_CALL,
    "tool": SpanKind.TOOL_EXECUTION,
    "tool.v2": SpanKind.TOOL_EXECUTION,  # Genkit for Python's every tool (its result wrapped: ``{"output": ...}``)
    "flow": SpanKind.AGENT,
    "embedder": SpanKind.EMBEDDING,
    "retriever": SpanKind.RETRIEVAL,
    "reranker": SpanKind.RETRIEVAL,
    "evaluator": SpanKind.VERIFICATION,
    "prompt": SpanKind.TASK,
    "executable-prompt": SpanKind.TASK,
}
#: Genkit's span type (``genkit:type``), for the spans that name no action type: ``util`` is Genkit's
#: own step (``generate``: one turn of ``ai.generate``, its tool loop, each later turn a ``generate``
#: inside the one before), ``flowStep`` a step a flow runs (``ai.run``). Not a model call, whatever the
#: name says (the word "generate" made each one a model call, its answer's usage counted again).
GENKIT_TYPE_KEY = "genkit:type"
GENKIT_TYPE_KINDS: dict[str, SpanKind] = {"util": SpanKind.TASK, "flowStep": SpanKind.TASK}
#: The method of an MCP request (OTel's MCP conventions; the MCP Python SDK traces each request it
#: serves on the global tracer provider). Only ``tools/call`` runs a tool (its spans say
#: ``execute_tool`` too); the others (``initialize``, ``tools/list``, notifications ...) are the
#: protocol's own requests: kind custom, not a guess from a name such as "tools/list".
MCP_METHOD_KEY = "mcp.method.name"
MCP_METHOD_KINDS: dict[str, SpanKind] = {"tools/call": SpanKind.TOOL_EXECUTION}
#: An MCP request's span name (OTel's MCP conventions: ``{mcp.method.name} {target}``; the MCP
#: Python SDK's client span of a request is ``MCP send {method} {target}``): for ``tools/call``
#: the target is the tool, the only place the client's span names it (``gen_ai.tool.name`` is
#: the server's alone).
_MCP_TOOL_CALL_NAME = re.compile(r"(?:^|\s)tools/call (\S+)$")
#: A message-passing operation (OTel's messaging conventions: ``messaging.operation.type``, and
#: ``messaging.operation`` before it): a message created, sent, published or processed, not a model or
#: tool call whatever its name says. AutoGen's agent runtime traces every message between a team's
#: agents so, named ``autogen {operation} {recipient}`` (``autogen process
#: RoundRobinGroupChatManager_…``: the word "Chat" made each one a model call, ``weather_agent_…`` an
#: agent naming none): kind custom.
MESSAGING_OPERATION_KEYS: tuple[str, ...] = ("messaging.operation.type", "messaging.operation")
#: Every attribute that says a span's kind outright (``kind_from_attributes`` reads them in this order).
EXPLICIT_KIND_KEYS: tuple[str, ...] = (KIND_KEY, LANGSMITH_KIND_KEY, OPERATION_KEY, OPENINFERENCE_KEY, TRACELOOP_KIND_KEY,
                                       AI_SDK_OPERATION_KEY, LANGFUSE_KIND_KEY, MLFLOW_KIND_KEY, LAMINAR_KIND_KEY,
                                       BRAINTRUST_KIND_KEY, TRULENS_KIND_KEY, AGENTOPS_KIND_KEY, GENKIT_KIND_KEY, GENKIT_TYPE_KEY,
                                       MCP_METHOD_KEY, *MESSAGING_OPERATION_KEYS)

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
#: An HTTP request's span as OTel's HTTP conventions name it (``{method} {route}``): a gateway's
#: ``POST /v1/chat/completions`` server span is the request, not the model call it leads to (a
#: span of its own, LiteLLM's ``litellm_request``); its path's words say nothing of its kind.
HTTP_SPAN_NAME = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /")


def kind_from_name(name: str) -> SpanKind | None:
    """Kind from a span name: the SDK's names exactly, then the patterns (none for an HTTP request's)."""
    kind = SEED_NAME_KINDS.get(name)
    if kind is not None:
        return kind
    if _ITERATION.match(name):
        return SpanKind.AGENT
    if HTTP_SPAN_NAME.match(name):
        return None
    for pattern, k in KIND_BY_NAME:
        if pattern.search(name):
            return k
    return None


def _traceloop_kind(attributes: dict[str, Any]) -> SpanKind | None:
    """The kind ``traceloop.span.kind`` says (a task running a named tool is that tool's call), else None."""
    v = attributes.get(TRACELOOP_KIND_KEY)
    kind = TRACELOOP_KINDS.get(v.strip().lower()) if isinstance(v, str) else None
    if kind is SpanKind.TASK and TRACELOOP_TOOL_STEP_KEY in attributes:  # by key (one recipe serves a key set)
        return SpanKind.TOOL_EXECUTION
    return kind


def traceloop_tool_fields(attributes: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, key) of ``TRACELOOP_TOOL_FIELDS`` present on an OpenLLMetry tool span; [] on any other span."""
    if _traceloop_kind(attributes) is not SpanKind.TOOL_EXECUTION:
        return []
    return [(field, key) for field, key in TRACELOOP_TOOL_FIELDS if isinstance(attributes.get(key), str) and attributes[key]]


def agentops_tool_fields(attributes: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, key) of ``AGENTOPS_TOOL_FIELDS`` present on an AgentOps tool span; [] on any other span."""
    v = attributes.get(AGENTOPS_KIND_KEY)
    if not isinstance(v, str) or AGENTOPS_KINDS.get(v.strip().lower()) is not SpanKind.TOOL_EXECUTION:
        return []
    return [(field, key) for field, key in AGENTOPS_TOOL_FIELDS if isinstance(attributes.get(key), str) and attributes[key]]


def agentops_arguments(value: str) -> str:
    """A call's arguments as AgentOps' decorators record them (``{"args": [...], "kwargs": {...}}``, JSON)
    as the call's own: the keyword arguments of a call made with no positional one (as a model's tool
    call is made), the one positional argument of a call with no keyword one; else as sent."""
    if not value.startswith("{"):
        return value
    try:
        got = json.loads(value)
    except ValueError:
        return value
    if not isinstance(got, dict) or got.keys() != {"args", "kwargs"}:
        return value
    args, kwargs = got["args"], got["kwargs"]
    if args == [] and isinstance(kwargs, dict):
        return json.dumps(kwargs)
    if kwargs == {} and isinstance(args, list) and len(args) == 1:
        return args[0] if isinstance(args[0], str) else json.dumps(args[0])
    return value


def kind_from_attributes(attributes: dict[str, Any]) -> tuple[SpanKind | None, str | None]:
    """An explicit kind attribute and the key that said it (kept, not consumed)."""
    v = attributes.get(KIND_KEY)
    if isinstance(v, str) and (k := kind_from_string(v)) is not None:
        return k, KIND_KEY
    v = attributes.get(LANGSMITH_KIND_KEY)
    if isinstance(v, str) and (k := LANGSMITH_KINDS.get(v.strip().lower())) is not None:
        return k, LANGSMITH_KIND_KEY
    v = attributes.get(OPERATION_KEY)
    if isinstance(v, str) and (k := OPERATION_KINDS.get(v.strip().lower())) is not None:
        return k, OPERATION_KEY
    v = attributes.get(OPENINFERENCE_KEY)
    if isinstance(v, str) and (k := OPENINFERENCE_KINDS.get(v.strip().upper())) is not None:
        if k is SpanKind.AGENT and OPENINFERENCE_TOOL_NAME_KEY in attributes:  # by key (one recipe serves a key set)
            return SpanKind.TOOL_EXECUTION, OPENINFERENCE_KEY
        return k, OPENINFERENCE_KEY
    if (k := _traceloop_kind(attributes)) is not None:
        return k, TRACELOOP_KIND_KEY
    v = attributes.get(AI_SDK_OPERATION_KEY)
    if isinstance(v, str) and (k := AI_SDK_KINDS.get(v.strip())) is not None:
        return k, AI_SDK_OPERATION_KEY
    v = attributes.get(LANGFUSE_KIND_KEY)
    if isinstance(v, str) and (k := LANGFUSE_KINDS.get(v.strip().lower())) is not None:
        return k, LANGFUSE_KIND_KEY
    v = attributes.get(MLFLOW_KIND_KEY)
    if isinstance(v, str) and (k := MLFLOW_KINDS.get(v.strip().upper())) is not None:
        return k, MLFLOW_KIND_KEY
    v = attributes.get(LAMINAR_KIND_KEY)
    if isinstance(v, str) and (k := LAMINAR_KINDS.get(v.strip().upper())) is not None:
        return k, LAMINAR_KIND_KEY
    v = attributes.get(BRAINTRUST_KIND_KEY)
    if v is not None and (k := BRAINTRUST_KINDS.get(braintrust_span_type(v) or "")) is not None:
        return k, BRAINTRUST_KIND_KEY
    v = attributes.get(TRULENS_KIND_KEY)
    if isinstance(v, str) and (k := TRULENS_KINDS.get(v.strip().lower())) is not None:
        return k, TRULENS_KIND_KEY
    v = attributes.get(AGENTOPS_KIND_KEY)
    if isinstance(v, str) and (k := AGENTOPS_KINDS.get(v.strip().lower())) is not None:
        return k, AGENTOPS_KIND_KEY
    v = attributes.get(GENKIT_KIND_KEY)
    if isinstance(v, str) and (k := GENKIT_KINDS.get(v.strip().lower())) is not None:
        return k, GENKIT_KIND_KEY
    v = attributes.get(GENKIT_TYPE_KEY)
    if isinstance(v, str) and (k := GENKIT_TYPE_KINDS.get(v.strip())) is not None:
        return k, GENKIT_TYPE_KEY
    v = attributes.get(MCP_METHOD_KEY)
    if isinstance(v, str) and v.strip():
        return MCP_METHOD_KINDS.get(v.strip(), SpanKind.CUSTOM), MCP_METHOD_KEY
    for key in MESSAGING_OPERATION_KEYS:
        v = attributes.get(key)
        if isinstance(v, str) and v.strip():
            return SpanKind.CUSTOM, key
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
    "qwen-code": {  # its spans are named after Claude Code's
        "qwen-code.interaction": SpanKind.AGENT,
        "qwen-code.llm_request": SpanKind.LLM_CALL,
        "qwen-code.tool": SpanKind.TOOL_EXECUTION,
        "qwen-code.tool.blocked_on_user": None,  # the permission wait
        "qwen-code.tool.execution": None,  # inside qwen-code.tool, same call
        "qwen-code.hook": None,  # a hook run around a tool call (it reports "no output" as a failed one)
    },
    "strands": {
        "execute_event_loop_cycle": SpanKind.TASK,
        "execute_agent_loop_cycle": SpanKind.TASK,  # the same cycle, as the SDK for TypeScript names it
        # A multi-agent run (``gen_ai.operation.name`` alike) around its agents' ``invoke_agent`` spans: a step,
        # no agent (it names none).
        "invoke_swarm": SpanKind.TASK,
        "invoke_graph": SpanKind.TASK,
    },
    # Pipecat's own tracing: the conversation (the pipeline worker's run, the root of its trace) and each
    # turn in it, around the turn's service spans (``llm``, ``stt``, ``tts``).
    "pipecat": {"conversation": SpanKind.TASK, "turn": SpanKind.TASK},
    # LiveKit Agents' own tracing: the session (``agent_session``, GenAI's ``invoke_workflow``: the root of its trace,
    # its agents' turns inside) and the steps of an agent's activity are steps, not agents (the agent is the turn's,
    # ``agent_turn``, ``invoke_agent``, naming it); ``setup_toolsets`` readies the agent's tools, running none. A model
    # call is its ``llm_request`` (GenAI's ``chat``: the model, the messages, the usage) inside the agent's
    # ``llm_node`` (the node of the agent's pipeline around it, which may call no model or several), and each try of
    # the request its ``llm_request_run`` (the request's failure is on ``llm_request``).
    "livekit": {
        "agent_session": SpanKind.TASK,
        "start_agent_activity": SpanKind.TASK,
        "pause_agent_activity": SpanKind.TASK,
        "resume_agent_activity": SpanKind.TASK,
        "drain_agent_activity": SpanKind.TASK,
        "update_agent": SpanKind.TASK,
        "setup_toolsets": SpanKind.TASK,
        "agent_speaking": SpanKind.TASK,
        "llm_node": SpanKind.TASK,
        "llm_request_run": None,
    },
    "codex": {
        "turn/start": SpanKind.AGENT,
        "session_task.turn": SpanKind.TASK,
        # OpenInference's Codex instrumentation (its session-file forwarder): a turn as an LLM span carrying
        # the turn's model and its last call's usage, each call's usage on a CHAIN span of the session file's
        # token_count record, each tool call a TOOL span with its result as a TOOL span inside, each message
        # and reasoning summary a CHAIN span. The turn is the agent's; the calls its token_count records.
        "codex.turn": SpanKind.AGENT,
        "codex.event.token_count": SpanKind.LLM_CALL,
        "codex.shell.command.result": None,  # the result of the tool call it is in (same call id)
        "codex.file_change.result": None,
        "codex.tool.function_result": None,
        "codex.tool.mcp.result": None,
        "codex.tool.search.result": None,
        "codex.message.user": None,  # the turn's messages and reasoning summaries, as records
        "codex.message.assistant": None,
        "codex.reasoning": None,
    },
    # OpenCode's runtime, and Kilo Code's (a fork that reports as OpenCode, its AI SDK telemetry off):
    # a tool call (its name, call id and session; OpenCode's AI SDK ``ai.toolCall`` of the same call
    # is folded into it), and Kilo's attempt at one step of a turn (the model call and what it asks
    # for), which fails with the model call's error.
    "opencode": {
        "Tool.execute": SpanKind.TOOL_EXECUTION,
        "SessionProcessor.incompleteAttempt": SpanKind.TASK,
    },
    # The Letta server's tracing of its own methods: an agent's turn (``LettaAgent.step``, and its streamed
    # forms) and each step of its loop (``agent_step``: one model call and the tool it asks for). Its model
    # calls and tool runs are method spans read by their arguments (``traced_methods``); every other
    # method span (its managers' database work, the prompt's compiling ...) is internal.
    "letta": {
        "LettaAgent.step": SpanKind.AGENT,
        "LettaAgent.step_stream": SpanKind.AGENT,
        "LettaAgent.step_stream_no_tokens": SpanKind.AGENT,
        "agent_step": SpanKind.TASK,
    },
    # Upsonic's own tracing: an agent's run (``upsonic.agent.name``; the run's summed usage on it, shown for
    # the subtree), the pipeline that runs it and each tool call (``upsonic.tool.name``). Its pipeline's
    # steps are ``CLIENT_SPAN_KIND_PATTERNS``'; its model calls are ``chat <model>`` GenAI spans.
    "upsonic": {
        "agent.run": SpanKind.AGENT,
        "pipeline.execute": SpanKind.TASK,
        "tool.execute": SpanKind.TOOL_EXECUTION,
    },
}
#: Known clients' spans of ``CLIENT_SPAN_KINDS`` left to their own kind when they carry a key (by key, not
#: value): OpenInference's Codex instrumentation has a second program, ``codex-otlp-interceptor``, fed
#: Codex's own OTLP, that names its turn ``codex.turn`` too: an ``LLM`` span carrying the turn's summed
#: usage, each call only a span event on it, nothing below it to count: the turn's calls as one model call.
CLIENT_SPAN_KINDS_UNLESS: dict[str, dict[str, str]] = {"codex": {"codex.turn": "codex.native_otlp.signals"}}
#: Clients whose spans are internal unless named above or told apart by ``client_kind``:
#: Codex's Rust ``tracing`` spans, OpenCode's Effect spans (every service call, SQL
#: statement and HTTP request of its runtime: ``LLM.run``, ``ToolRegistry.register`` ...),
#: the Letta server's method spans (``AgentManager.get_agent_by_id_async``, ``Memory.compile`` ...).
INTERNAL_BY_DEFAULT = frozenset({"codex", "opencode", "letta"})
#: Clients of ``INTERNAL_BY_DEFAULT`` whose HTTP request spans (``HTTP_SPAN_NAME``) stay plain spans: a
#: server's spans of the requests it served (the Letta server's ``POST /agents/{agent_id}/messages``
#: around an agent's turn, ``POST /agents/`` creating one), each the root of its trace.
REQUEST_SPANS_SHOWN = frozenset({"letta"})
#: Known clients' spans that are internal by their name's pattern: LlamaIndex's instrumentor
#: traces an LLM class's request preparation (``OpenAI._prepare_chat_with_tools``) as an LLM
#: span, with the request's arguments as its text (no model is called in it); Mastra sends
#: each streamed chunk of an answer as a span of its own.
CLIENT_INTERNAL_NAMES: dict[str, re.Pattern[str]] = {
    "llama-index": re.compile(r"\._prepare_\w+$"),
    "mastra": re.compile(r"^model_chunk "),  # a streamed chunk of a model call's answer, as its own span
}
#: Known clients' spans whose kind their name's pattern says (first match wins; None: internal), for
#: span names that hold the user's agent name. mcp-agent (LastMile AI) names its spans
#: ``Class.method`` or ``Class.<agent>.method``: an augmented LLM's ``generate`` is the agent's loop
#: over its model calls (each its ``…CompletionTasks.request_completion_task`` span, with the provider
#: SDK's span inside) and the tools they ask for, and sends their summed usage with the model asked for
#: (``generate_str`` and ``generate_structured`` wrap it); ``attach_llm`` names the LLM class it
#: attaches (``llm.provider``), no call. One tool call is reported by the augmented LLM
#: (``execute_tool_call`` with ``call_tool`` inside, the model's call id on both), then again by the
#: agent (``Agent.<agent>.call_tool``), its MCP aggregator (``MCPAggregator.call_tool``) and the MCP
#: client session's ``tools/call`` request (``MCPAgentClientSession.send_request``, the server's own
#: tool name): those three, and the aggregator's and session's other spans (connecting, listing), are
#: the framework's plumbing.
CLIENT_SPAN_KIND_PATTERNS: dict[str, tuple[tuple[re.Pattern[str], SpanKind | None], ...]] = {
    "mcp-agent": (
        (re.compile(r"AugmentedLLM\.[^.]+\.generate(?:_str|_structured)?$"), SpanKind.AGENT),
        (re.compile(r"^Agent\.[^.]+\.(?:attach_llm|call_tool)$"), None),
        (re.compile(r"^(?:MCPAggregator|MCPAgentClientSession)\."), None),
    ),
    # Griptape's observability driver names a span after the method it observes, ``<Class>.<method>()``,
    # and puts nothing on it but a ``tags`` list on two of them (``CLIENT_MARKED_SPAN_KINDS``). Untagged:
    # a prompt driver's request inside its ``run()`` (each attempt of it: ``try_run``, ``try_stream``), a
    # structure's (an ``Agent``'s, a ``Pipeline``'s ...) run of its tasks, and its steps before and after.
    # Langtrace's langchain-core instrumentation traces every public method of LangChain's model classes,
    # ``<Class>.<method>``, each naming the model: only running the model is a call (``invoke`` around
    # ``generate_prompt`` around ``generate`` around the provider SDK's span: one call, folded); building,
    # serializing or binding it (``model_post_init``, ``asdict``, ``bind_tools`` ...) is none.
    "langtrace": (
        (re.compile(r"^(?:BaseChatModel|SimpleChatModel|BaseLanguageModel|BaseLLM|LLM)\."
                    r"(?!(?:a?invoke|a?stream|a?batch|batch_as_completed|abatch_as_completed|a?generate|"
                    r"a?generate_prompt|a?predict|a?predict_messages|call_as_llm)$)\w+$"), None),
    ),
    # Upsonic runs an agent as a pipeline of named steps, one span each, ``pipeline.step.<step>`` (24 of
    # them: ``initialization``, ``memory_prepare``, ``tool_setup``, ``model_execution`` (the model calls and
    # tool calls inside it), ``cache_storage`` ...): steps of the run, whatever their names hold (by name
    # ``llm_manager`` was a model call, ``tool_setup`` a tool call, ``memory_prepare`` a memory read).
    "upsonic": ((re.compile(r"^pipeline\.step\."), SpanKind.TASK),),
    # Microsoft Agent Framework's workflow run (``workflow.run`` up to 1.25, ``invoke_workflow <name>`` with
    # GenAI's ``invoke_workflow`` since 1.26) around its executors, each running an agent (``invoke_agent``):
    # a step, no agent (it names none), as a Strands swarm's.
    "agent-framework": ((re.compile(r"^invoke_workflow "), SpanKind.TASK),),
    # OpenInference's BeeAI instrumentation for JavaScript makes a span of each event of the framework's
    # emitter, named by its path and a count (``backend.openai.chat.success-1``, ``tool.dynamic.getWeather.start-1``,
    # ``agent.toolCalling.start-2``), under one ``beeai-framework-main`` span of the run; each zero-length, made
    # when the run ends. A chat model's ``success`` (the model, the usage, the answer) or ``error`` is the
    # model call, a tool's ``success`` or ``error`` the tool call; every other event (a call's ``start`` with
    # its prompt, ``finish``, an agent iteration's ``start`` around the iteration's calls, the agent's own
    # ``toolStart``/``toolSuccess`` beside the tool's) is a record of the run, not a call of its own.
    "beeai": (
        (re.compile(r"^backend\.[\w.]+\.chat\.(?:success|error)-\d+$"), SpanKind.LLM_CALL),
        (re.compile(r"^tool\.[\w.]+\.(?:success|error)-\d+$"), SpanKind.TOOL_EXECUTION),
        (re.compile(r"^(?:backend|tool|agent)\.[\w.]+-\d+$"), None),
    ),
    "griptape": (
        (re.compile(r"PromptDriver\.try_(?:run|stream)\(\)$"), SpanKind.LLM_CALL),
        (re.compile(r"^[A-Za-z_]\w*\.try_run\(\)$"), SpanKind.TASK),
        (re.compile(r"^[A-Za-z_]\w*\.(?:before_run|after_run)\(\)$"), None),
    ),
}
#: Known clients whose spans are all of one kind unless a kind attribute on one says another (read before
#: any guess by the span's name). Burr's OpenTelemetry bridge (``OpenTelemetryBridge``, scope
#: ``burr.integrations.opentelemetry``) makes a span of the application's call (``run``, ``step``,
#: ``iterate``, ``stream_result`` and their async forms), one of each action it runs, named after the
#: action (the user's own name: Burr's tool-calling example's ``select_tool`` calls the model, its tool's
#: action is named after the tool), and one of each traced block inside an action, with nothing on them but
#: what the user logs: the steps of the application's run. None is a model call or a tool call by its name
#: (a model call inside one is its LLM instrumentation's span); without this ``select_tool`` was a tool call.
CLIENT_DEFAULT_KINDS: dict[str, SpanKind] = {"burr": SpanKind.TASK}
#: Known clients' spans whose kind their name's pattern says when they carry the client's marker key
#: (by key, not value: one recipe serves a key set), read before ``CLIENT_SPAN_KIND_PATTERNS``: Griptape's
#: observability driver tags a prompt driver's ``run()`` (``["PromptDriver.run()"]``: the model call, its
#: retries inside) and a tool's ``try_run()`` (``["Tool.run()"]``: the tool's call, named after its class),
#: and nothing else it observes.
CLIENT_MARKED_SPAN_KINDS: dict[str, tuple[str, tuple[tuple[re.Pattern[str], SpanKind], ...]]] = {
    "griptape": ("tags", ((re.compile(r"^[A-Za-z_]\w*\.run\(\)$"), SpanKind.LLM_CALL),
                          (re.compile(r"^[A-Za-z_]\w*\.try_run\(\)$"), SpanKind.TOOL_EXECUTION))),
}
#: Known clients' spans that are internal by an attribute they carry: OpenInference's BeeAI
#: instrumentor turns each framework event it does not read (a chat model's ``error`` or streamed
#: ``new_token``, a RequirementAgent's ``final_answer`` ...) into a zero-length child span of the
#: same kind as its parent (an LLM span inside the model call's), carrying the event's emitter
#: path (``metadata.path``) and its payload as input: a record of the call, not one of its own.
CLIENT_INTERNAL_KEYS: dict[str, str] = {
    "beeai": "metadata.path",
    # AgentOps' OpenAI instrumentation records each tool call a model's answer asks for as a zero-length
    # child span of the model call (``tool_call.<tool>``, with the call's ``tool.call.id`` and
    # ``tool.call.type``): the answer, not a run of the tool (``@tool``'s span is that).
    "agentops": "tool.call.type",
}
#: A client's internal span that records one tool call a model call's answer asks for, inside the
#: model call's span, whose own attributes leave that answer out: AgentOps' OpenAI instrumentation
#: (``tool_call.<tool>``, internal by ``CLIENT_INTERNAL_KEYS``, the tool named by ``tool.name``):
#: its marker key -> the key of the call's arguments. The store gives the model call that answer
#: (``store.calls.answer_from_records``).
ANSWER_TOOL_CALL_KEYS: dict[str, str] = {"tool.call.type": "tool.parameters"}


def answer_tool_call(attributes: dict[str, Any], tool_name: str | None) -> dict[str, Any] | None:
    """The tool call (a GenAI ``tool_call`` part) an internal span records of its model call's answer
    (``ANSWER_TOOL_CALL_KEYS``), else None."""
    if not tool_name or not attributes.get(INTERNAL_ATTR):
        return None
    for marker, arguments in ANSWER_TOOL_CALL_KEYS.items():
        if marker in attributes:
            return {"type": "tool_call", "name": tool_name, "arguments": attributes.get(arguments)}
    return None


#: Known clients' tool spans by their name's pattern (group 1 is the tool), when nothing on the span
#: says its kind: logfire's OpenAI Agents integration names a function tool's span ``Function: {name}``
#: (rendered: ``Function: get_weather``), its only attributes the tool's name, arguments and result.
CLIENT_TOOL_SPAN_PATTERNS: dict[str, re.Pattern[str]] = {
    "openai-agents": re.compile(r"^Function: (.+)$"),
    # fast-agent's span of a tool call it sends to an MCP server, named after the tool as offered
    # to the model (``MCP Tool: weather__get_weather``); its ``tool_name`` names the server's tool.
    "fast-agent": re.compile(r"^MCP Tool: (.+)$"),
}
#: Known clients' agent spans by their name's pattern (group 1 is the agent), when nothing on the
#: span says its kind: fast-agent names the span of each agent's turn ``Agent: '{name}' generate``
#: (``structured``, ``structured_schema`` for a structured answer, ``apply_prompt_template``), and
#: its workflow agents' after their type (``Chain``, ``Parallel``, ``Routing``, ``EvaluatorOptimizer``,
#: ``Maker``); nothing else on them. Without it the word "generate" made each one a model call.
#: OpenInference's smolagents instrumentor names each agent's run span ``<agent>.run`` (its ``name``, a
#: Python identifier, or its class for an agent given none: ``ToolCallingAgent.run``), its only word of
#: the agent: a manager's and each managed agent's (run inside the manager's step) alike.
CLIENT_AGENT_SPAN_NAMES: dict[str, re.Pattern[str]] = {
    "fast-agent": re.compile(r"^(?:Agent|Chain|Parallel|Routing|EvaluatorOptimizer|Maker): '(.+)' "
                             r"(?:generate|structured|structured_schema|apply_prompt_template)$"),
    "smolagents": re.compile(r"^([A-Za-z_]\w*)\.run$"),
    # Griptape's observability driver: a structure's ``run()`` (``run_stream()``), named after its class
    # (``Agent``, ``Pipeline``, ``Workflow`` or the user's own), the only word of it (a structure has no name).
    "griptape": re.compile(r"^([A-Za-z_]\w*)\.run(?:_stream)?\(\)$"),
}
#: Known clients' own kind attribute: (its key, its values -> kind; a value not listed says nothing).
#: PraisonAI's observability suite (its Langfuse provider) sends the kind of the span it built as
#: ``span.kind``: ``agent`` for an agent's turn (named after the agent, which holds no word of an
#: agent otherwise), ``llm``, ``tool``; ``workflow`` for a team's run (``AgentTeam``), ``chain``, ``custom``.
CLIENT_KIND_KEYS: dict[str, tuple[str, dict[str, SpanKind]]] = {
    "praisonai": ("span.kind", {"agent": SpanKind.AGENT, "llm": SpanKind.LLM_CALL,
                                "tool": SpanKind.TOOL_EXECUTION, "retrieval": SpanKind.RETRIEVAL}),
}
#: Known clients whose agent spans (of the kind their own attributes give) are named after the agent alone,
#: whatever the name: PraisonAI's observability suite names an agent's span ``Agent(name=...)``'s name
#: (``span.kind`` ``agent``). By the kind, not the name, which says nothing of the kind here.
CLIENT_AGENTS_BY_SPAN_NAME: frozenset[str] = frozenset({"praisonai"})
#: Known clients' agent spans by an attribute they carry, whatever kind their instrumentor gave them: the
#: run of a team whose leader has a model of its own, the delegations to its members and its answer being
#: that leader's calls. OpenLLMetry's Agno instrumentor marks an Agno ``Team``'s run a workflow
#: (``traceloop.span.kind``) and names the team as ``agno.team.name`` alone (``CLIENT_AGENT_NAME_KEYS``);
#: without it the leader's calls were no agent's.
CLIENT_AGENT_KEYS: dict[str, str] = {"agno": "agno.team.name"}
INTERNAL_KEY = INTERNAL_ATTR
#: Known clients' tool calls inside which another agent runs with no agent span of its own, by the span's
#: name: (the attribute holding the tool's arguments as JSON, the argument naming that agent). CrewAI runs
#: the coworker an agent hands a question or a task to (``allow_delegation=True``: its ``Ask question to
#: coworker`` and ``Delegate work to coworker`` tools) inside the tool's ``run``, which OpenInference's
#: CrewAI instrumentor traces (``<tool>.run``), by the coworker's ``execute_task``, which it does not: the
#: tool's ``coworker`` argument (the coworker's role) is the only word of the agent whose model calls and
#: tools are below it. Marked ``RUNS_AGENT_KEY`` (that agent's name), read by ``store.agents.agent_of``.
#: OpenCode runs a sub-agent inside its ``task`` tool's call (the AI SDK's ``ai.toolCall``), in a session of
#: its own with no span naming the agent: the tool's ``subagent_type`` argument is its only word of it.
CLIENT_DELEGATION_SPANS: dict[str, dict[str, tuple[str, str]]] = {
    "crewai": {"Ask question to coworker.run": ("input.value", "coworker"),
               "Delegate work to coworker.run": ("input.value", "coworker")},
    "opencode": {"ai.toolCall": ("ai.toolCall.args", "subagent_type")},
}
#: Known clients' delegation spans (``CLIENT_DELEGATION_SPANS``) of one tool only: (the attribute naming
#: the tool, its name). OpenCode's every tool call is an ``ai.toolCall``; its ``task`` tool runs a sub-agent.
CLIENT_DELEGATION_TOOLS: dict[str, tuple[str, str]] = {"opencode": ("ai.toolCall.name", "task")}
#: The attribute a delegation span names the agent it runs with (``CLIENT_DELEGATION_SPANS``).
RUNS_AGENT_KEY = RUNS_AGENT_ATTR
#: The longest tool arguments read for the agent they name (a question and its context fit many times over).
DELEGATION_INPUT_CHARS = 65536
#: The rendered message of a span named by a template (logfire): shown as its name.
RENDERED_NAME_KEY = "logfire.msg"
#: Attributes a known client names its tool with.
CLIENT_TOOL_NAME_KEYS: tuple[str, ...] = ("tool_name",)
#: A known client's attribute naming its tool as the model called it, read before ``gen_ai.tool.name``:
#: Claude Code's span of an MCP server's tool sends the server's own name of it as ``gen_ai.tool.name``
#: (``get_weather``, the server as ``anthropic.mcp.server.name``) and the name the model called as
#: ``tool_name`` (``mcp__weather__get_weather``), the name its ``tool_result`` event gives the same call.
CLIENT_CALLED_TOOL_NAME_KEYS: dict[str, str] = {"claude-code": "tool_name"}
#: A known client that names an MCP server's tool ``<server><separator><tool>`` and the server nowhere else on
#: the tool's span: the separator. Factory's Droid offers and reports a server's tool as ``weather___get_weather``
#: (three underscores; none of its own tools has them).
CLIENT_MCP_TOOL_SEPARATORS: dict[str, str] = {"droid": "___"}


def client_mcp_server(client: str | None, tool_name: Any) -> str | None:
    """The MCP server a known client's tool name names (``CLIENT_MCP_TOOL_SEPARATORS``), else None."""
    sep = CLIENT_MCP_TOOL_SEPARATORS.get(client) if client is not None else None
    if sep is None or not isinstance(tool_name, str):
        return None
    server, found, tool = tool_name.partition(sep)
    return server if found and server and tool else None
#: Attributes a known client names its tool call id with: the OpenHands SDK's span of a tool's result
#: (Laminar's ``@observe(span_type="TOOL", metadata={"tool_call_id": ...})``) names it as Laminar's
#: span metadata.
CLIENT_TOOL_CALL_KEYS: tuple[str, ...] = ("call_id", "tool_use_id", "lmnr.association.properties.metadata.tool_call_id")
#: A known client's attribute naming the agent of its agent span, read when no agent name is sent:
#: OpenInference's instrumentation of the OpenAI Agents SDK for TypeScript names the agent as
#: ``graph.node.id`` alone (its Python one sends ``agent.name`` beside it), and so does its CrewAI
#: instrumentor on the span of each agent's task (``<role>._execute_core``: the agent's role). Not for
#: every sender: OpenInference's Agno instrumentor puts an id there, Strands' processor a node of its own.
#: OpenLLMetry's Agno instrumentor names a team's run (``CLIENT_AGENT_KEYS``) as ``agno.team.name`` only.
#: Genkit names a flow's span (its agent: ``GENKIT_KINDS``) after the flow, as ``genkit:name`` too.
#: Upsonic names the agent of its ``agent.run`` span as ``upsonic.agent.name`` only.
CLIENT_AGENT_NAME_KEYS: dict[str, str] = {"openai-agents": "graph.node.id", "crewai": "graph.node.id",
                                          "langsmith": "langsmith.metadata.lc_agent_name", "agentops": "operation.name",
                                          "agno": "agno.team.name", "genkit": "genkit:name",
                                          "upsonic": "upsonic.agent.name",
                                          # OpenInference's BeeAI instrumentation for JavaScript: the run's span,
                                          # ``beeai-framework-main``, names the agent's class only as ``source``.
                                          "beeai": "source"}
#: A known client's key holding LangGraph's run metadata (JSON) on every span of a graph run:
#: OpenInference's LangChain instrumentation sends it as ``metadata``. Its ``langgraph_checkpoint_ns``
#: is the path of graph nodes a span runs in (``node:task|node:task``); a span inside a node that is
#: itself a graph, an agent of a multi-agent graph (langgraph-supervisor's ``supervisor`` and each agent
#: it hands off to, a ``create_react_agent`` named so), runs in that agent: the path's first node.
CLIENT_GRAPH_METADATA_KEYS: dict[str, str] = {"langchain": "metadata"}
#: The longest run metadata read for its graph path (a path and LangGraph's other entries fit many times over).
GRAPH_METADATA_CHARS = 8192
#: The run metadata's entry naming the agent a run is part of: LangChain 1.x's ``create_agent`` (and the
#: harnesses built on it: a Deep Agent, ``deepagents``, and each sub-agent its ``task`` tool runs) puts the
#: agent's ``name`` there on every run of the agent's graph, its model calls' too (null for an agent
#: given no name); the graph's own run is named after it. Read before the graph path: a sub-agent run
#: by a tool sits in the caller's ``tools`` node, the first node of its path.
GRAPH_AGENT_NAME_ENTRY = "lc_agent_name"
#: A known client's attribute holding that entry on its own: the LangSmith SDK's export makes each
#: metadata entry an attribute ``langsmith.metadata.<entry>`` (and it names the agent of an agent span:
#: ``CLIENT_AGENT_NAME_KEYS``).
CLIENT_RUN_AGENT_KEYS: dict[str, str] = {"langsmith": "langsmith.metadata." + GRAPH_AGENT_NAME_ENTRY}
#: Known clients' graph nodes by their name's pattern, whatever kind the instrumentor gave them:
#: LangChain 1.x's ``create_agent`` runs each middleware hook as a graph node named
#: ``<middleware>.before_agent``, ``.after_agent``, ``.before_model`` or ``.after_model``, and
#: OpenInference marks the ``*_agent`` ones AGENT spans (any run whose name holds "agent"): a step
#: of the agent, as its ``model`` and ``tools`` nodes are, not an agent of its own.
CLIENT_NODE_NAMES: dict[str, re.Pattern[str]] = {"langchain": re.compile(r"\.(?:before|after)_(?:agent|model)$")}
#: The keys an agent span names its agent with (``ATTRIBUTE_MAP``'s agent name row).
AGENT_NAME_KEY = "gen_ai.agent.name"
_AGENT_NAME_KEYS = (AGENT_NAME_KEY, "agent.name")
#: The agent name a known client puts on every span it makes when the user configured none: its
#: instrumentor's default, not an agent of the user's. The OpenTelemetry project's instrumentation of
#: the OpenAI Agents SDK (``opentelemetry-instrumentation-openai-agents-v2``) names the agent of each
#: model call, tool call and SDK step it does not know ``OpenAI Agent`` (beside ``gen_ai.agent.id``
#: ``agent``); only its agent spans (``invoke_agent``) name the SDK's agent. On any other span of that
#: client the name is no agent: the span is read as if it named none (the attribute is kept).
CLIENT_PLACEHOLDER_AGENTS: dict[str, str] = {"openai-agents": "OpenAI Agent"}
#: The operations of an agent's own span, whose agent name is always the sender's.
_AGENT_OPERATIONS = frozenset({"invoke_agent", "create_agent"})
#: A known client's tool span named after the tool and the method traced, with no tool name
#: among its attributes (group 1 is the tool): OpenInference's DSPy instrumentor names the span
#: of ``dspy.Tool.__call__`` ``get_weather.__call__`` (``get_weather.acall`` when awaited); Langfuse
#: names a tool observation after the tool itself (``@observe(as_type="tool")``: the function's name),
#: as MLflow Tracing names a tool span (``@mlflow.trace(span_type="TOOL")``, its autologged tools)
#: and Laminar its ``@observe(span_type="TOOL")`` span (the function's name); AgentOps names its ``@tool`` span
#: ``<tool>.tool``.
CLIENT_TOOL_SPAN_NAMES: dict[str, re.Pattern[str]] = {
    "dspy": re.compile(r"^(.+)\.(?:__call__|acall)$"),
    "langfuse": re.compile(r"^(.+)$"),
    "mlflow": re.compile(r"^(.+)$"),
    "laminar": re.compile(r"^(.+)$"),
    "agentops": re.compile(r"^(.+)\.tool$"),  # ``@tool``'s span: ``<name>.tool``
    "genkit": re.compile(r"^(.+)$"),  # a Genkit tool action's span: the tool's name (``genkit:name`` too)
    # Griptape's observability driver names a tool's call (``CLIENT_MARKED_SPAN_KINDS``) after the tool's
    # class, not its activity the model called (``WeatherTool_get_weather``) nor the tool's own ``name``.
    "griptape": re.compile(r"^([A-Za-z_]\w*)\.try_run\(\)$"),
    # OpenInference's BeeAI instrumentation for JavaScript (``CLIENT_SPAN_KIND_PATTERNS``): a tool's event span
    # is named by the tool's emitter path, whose last part is the tool's name in camel case (a
    # ``DynamicTool``'s; a built-in tool's own): read when the run's context names no tool call
    # (``client_context_tool_call``).
    "beeai": re.compile(r"^tool\.(?:\w+\.)*(\w+)\.(?:success|error)-\d+$"),
    **CLIENT_TOOL_SPAN_PATTERNS,
}
#: Known clients' tool spans carrying the run's context as JSON (key, entry): the tool call the agent ran
#: (its ``toolName``, ``toolCallId``). OpenInference's BeeAI instrumentation for JavaScript puts the context
#: of a tool's run as ``metadata``; a ``ToolCallingAgent`` runs each tool with the model's call in it
#: (``toolCallMsg``), the only place the tool's own name (``get_weather``, not ``getWeather``) is sent.
CLIENT_TOOL_CONTEXT_KEYS: dict[str, tuple[str, str]] = {"beeai": ("metadata", "toolCallMsg")}
#: Known clients' tool spans sending the tool's arguments under a key of their own: OpenInference's BeeAI
#: instrumentation for JavaScript sends a tool's input only as ``tool.parameters`` (elsewhere in OpenInference
#: the parameters' schema), JSON.
CLIENT_TOOL_INPUT_KEYS: dict[str, str] = {"beeai": "tool.parameters"}
#: Known clients' span events carrying a tool call's result inside their span of the call -> (the event, its key
#: of the result): Claude Code's ``claude_code.tool`` span (the traces beta) with ``OTEL_LOG_TOOL_CONTENT=1``
#: gets a ``tool.output`` event, ``output`` the text the model is given (an MCP server's tool, Bash's stdout),
#: the result's only report (its ``tool_result`` event sends the result's size alone).
CLIENT_TOOL_OUTPUT_EVENTS: dict[str, tuple[str, str]] = {"claude-code": ("tool.output", "output")}
#: Known clients whose tool result is the snapshot of the framework's output object, ``{"<entry>": result, ...}``
#: -> (the entry, the keys such an object may have): BeeAI for TypeScript's ``StringToolOutput``
#: (``{"result": "Sunny, 22 C in Paris"}``), as OpenInference's instrumentation for JavaScript sends it; Qwen
#: Code's function response (``{"output": "<the text the model is sent>"}``), its ``gen_ai.tool.call.result``
#: with its sensitive span attributes on;
#: AgentScope's ``ToolResponse`` (its ``ToolChunk`` when streamed), as its TracingMiddleware sends it:
#: ``{"content": [<text blocks>], "state": "success", "metadata": {}, "id": "<tool call id>"}``. The result
#: is shown, not its envelope (a list of text blocks as their text: ``tool_preview``).
CLIENT_TOOL_RESULT_ENTRIES: dict[str, tuple[str, frozenset[str]]] = {
    "beeai": ("result", frozenset({"result"})),
    "qwen-code": ("output", frozenset({"output"})),
    "agentscope": ("content", frozenset({"content", "state", "is_last", "metadata", "id"})),
}
#: Known clients whose tool output envelope says the tool failed -> (its key, the values that say so): AgentScope
#: hands a tool's exception to the model as its result (``"state": "error"``, the exception's text as the content)
#: and its TracingMiddleware ends the tool's span OK. (``denied`` and ``interrupted``, a tool its permission
#: engine or the user stopped, did not fail.)
CLIENT_TOOL_FAILED_STATES: dict[str, tuple[str, frozenset[str]]] = {"agentscope": ("state", frozenset({"error"}))}


def client_tool_result(client: str | None, value: Any) -> tuple[str, str | None] | None:
    """The result a known client's tool output envelope holds (``CLIENT_TOOL_RESULT_ENTRIES``): its text, or its
    JSON when it is no text, and the state it says its tool failed with (``CLIENT_TOOL_FAILED_STATES``), else
    None; None for any other value."""
    spec = CLIENT_TOOL_RESULT_ENTRIES.get(client) if client is not None else None
    if spec is None or not isinstance(value, str) or not value.startswith('{"' + spec[0] + '":'):
        return None
    entry, keys = spec
    try:
        got = json.loads(value)
    except (ValueError, RecursionError):
        return None
    if not isinstance(got, dict) or entry not in got or not got.keys() <= keys:
        return None
    result = got[entry]
    failed = CLIENT_TOOL_FAILED_STATES.get(client or "")
    state = got.get(failed[0]) if failed is not None else None
    return (result if isinstance(result, str) else json.dumps(result, ensure_ascii=False),
            state if failed is not None and isinstance(state, str) and state in failed[1] else None)


#: Known clients' spans that record a failure by their name, whatever their status: OpenInference's BeeAI
#: instrumentation for JavaScript sends a chat model's or a tool's ``error`` event as a span with an OK
#: status, the error only as ``exception.type``/``exception.message`` attributes.
CLIENT_FAILURE_SPAN_NAMES: dict[str, re.Pattern[str]] = {
    "beeai": re.compile(r"^(?:backend|tool)\.[\w.]+\.error-\d+$"),
}


def client_failure_span(client: str | None, name: str) -> bool:
    """Whether a known client's span records a failure by its name (``CLIENT_FAILURE_SPAN_NAMES``)."""
    pattern = CLIENT_FAILURE_SPAN_NAMES.get(client) if client is not None else None
    return pattern is not None and pattern.match(name) is not None


def client_context_tool_call(client: str | None, attributes: dict[str, Any]) -> tuple[str | None, str | None]:
    """(tool name, call id) a known client's tool span's run context names (``CLIENT_TOOL_CONTEXT_KEYS``),
    (None, None) when it names none or is no JSON object."""
    spec = CLIENT_TOOL_CONTEXT_KEYS.get(client) if client is not None else None
    value = attributes.get(spec[0]) if spec is not None else None
    if spec is None or not isinstance(value, str) or not value.startswith("{"):
        return None, None
    try:
        got = json.loads(value)
    except (ValueError, RecursionError):
        return None, None
    call = got.get(spec[1]) if isinstance(got, dict) else None
    if not isinstance(call, dict):
        return None, None
    name, call_id = call.get("toolName"), call.get("toolCallId")
    return (name if isinstance(name, str) and name else None), (call_id if isinstance(call_id, str) and call_id else None)


#: A known client that names a tool span's tool (``gen_ai.tool.name``) by the traced function's qualified
#: name, sent under this key too: TruLens's ``@instrument(span_type=TOOL)``, ``__main__.WeatherAgent.get_weather``
#: as ``ai.observability.call.function``. The tool is the function's own name, the one a model asks for.
CLIENT_FUNCTION_KEYS: dict[str, str] = {"trulens": "ai.observability.call.function"}


def client_function_tool_name(client: str | None, tool_name: Any, attributes: dict[str, Any]) -> str | None:
    """The function's own name of a tool a known client named by its qualified name (``CLIENT_FUNCTION_KEYS``),
    else None (a name the user gave, unlike the traced function's, is kept)."""
    key = CLIENT_FUNCTION_KEYS.get(client) if client is not None else None
    if key is None or not isinstance(tool_name, str) or attributes.get(key) != tool_name or "." not in tool_name:
        return None
    return tool_name.rpartition(".")[2] or None


def mcp_tool_name(name: str, attributes: dict[str, Any]) -> str | None:
    """The tool an MCP ``tools/call`` request's span names in its span name (the MCP Python SDK's
    client span: ``MCP send tools/call get_weather``, no tool name among its attributes), else None."""
    if attributes.get(MCP_METHOD_KEY) != "tools/call":
        return None
    got = _MCP_TOOL_CALL_NAME.search(name)
    return got.group(1) if got is not None else None


def client_tool_name(client: str | None, name: str) -> str | None:
    """The tool a known client's tool span is named after (``CLIENT_TOOL_SPAN_NAMES``), else None."""
    pattern = CLIENT_TOOL_SPAN_NAMES.get(client) if client is not None else None
    got = pattern.match(name) if pattern is not None else None
    return got.group(1) if got is not None else None


def client_span_agent(client: str | None, name: str) -> str | None:
    """The agent a known client's agent span is named after (``CLIENT_AGENT_SPAN_NAMES``), else None."""
    pattern = CLIENT_AGENT_SPAN_NAMES.get(client) if client is not None else None
    got = pattern.match(name) if pattern is not None else None
    return got.group(1) if got is not None else None


def client_named_agent(client: str | None, kind: SpanKind | None, name: str) -> str | None:
    """The agent a known client's agent span is named after, the whole name
    (``CLIENT_AGENTS_BY_SPAN_NAME``), else None."""
    return name if kind is SpanKind.AGENT and client in CLIENT_AGENTS_BY_SPAN_NAME and name else None


def client_delegation(client: str | None, name: str) -> tuple[str, str] | None:
    """(arguments key, agent argument) of a known client's delegation span by its name
    (``CLIENT_DELEGATION_SPANS``), else None. By name: one recipe serves a (client, name)."""
    table = CLIENT_DELEGATION_SPANS.get(client) if client is not None else None
    return table.get(name) if table is not None else None


def delegated_agent(client: str | None, name: str, attributes: dict[str, Any]) -> str | None:
    """The agent a known client's delegation span runs (``CLIENT_DELEGATION_SPANS``): its argument
    naming the agent as CrewAI reads it to find the coworker (of a list, ``[a, b]``, the first;
    whitespace runs made one space, double quotes left out), else None. Its case stays the model's:
    CrewAI ignores it, and ``store.agents`` spells the name as the agent's own span does."""
    got = client_delegation(client, name)
    if got is None:
        return None
    only = CLIENT_DELEGATION_TOOLS.get(client) if client is not None else None
    if only is not None and attributes.get(only[0]) != only[1]:
        return None
    key, argument = got
    value = attributes.get(key)
    if not isinstance(value, str) or not value.startswith("{") or len(value) > DELEGATION_INPUT_CHARS:
        return None
    try:
        arguments = json.loads(value)
    except ValueError:
        return None
    agent = arguments.get(argument) if isinstance(arguments, dict) else None
    if not isinstance(agent, str):
        return None
    if agent.startswith("[") and agent.endswith("]"):
        agent = agent[1:-1].split(",")[0]
    return " ".join(agent.replace('"', "").split()) or None


def client_agent_name_key(client: str | None, kind: SpanKind | None, attributes: dict[str, Any]) -> str | None:
    """The key of a known client's agent span naming its agent (``CLIENT_AGENT_NAME_KEYS``), when
    the span sends no agent name of its own; else None."""
    if kind is not SpanKind.AGENT or client is None or (key := CLIENT_AGENT_NAME_KEYS.get(client)) is None:
        return None
    if attributes.get(key) in (None, "") or any(k in attributes for k in _AGENT_NAME_KEYS):
        return None
    return key


def client_graph_agent_key(client: str | None, kind: SpanKind | None, attributes: dict[str, Any]) -> str | None:
    """The key of a known client's agent span carrying LangGraph's run metadata
    (``CLIENT_GRAPH_METADATA_KEYS``), when the span sends no agent name of its own; else None. By key,
    not value (one recipe serves a key set): ``graph_agent_name`` reads the value."""
    if kind is not SpanKind.AGENT or client is None or (key := CLIENT_GRAPH_METADATA_KEYS.get(client)) is None:
        return None
    if key not in attributes or any(k in attributes for k in _AGENT_NAME_KEYS):
        return None
    return key


def client_graph_metadata_key(client: str | None, attributes: dict[str, Any]) -> str | None:
    """The key of a known client's LangGraph run metadata (``CLIENT_GRAPH_METADATA_KEYS``), or of its
    agent entry alone (``CLIENT_RUN_AGENT_KEYS``), when the span carries it, whatever its kind; else
    None. Its value may make the span an agent's (``client_kind``): by key, a recipe never decides for it."""
    if client is None:
        return None
    for table in (CLIENT_RUN_AGENT_KEYS, CLIENT_GRAPH_METADATA_KEYS):
        key = table.get(client)
        if key is not None and key in attributes:
            return key
    return None


def run_agent_name(client: str | None, attributes: dict[str, Any]) -> str | None:
    """The agent a known client's run metadata says a span is part of (``GRAPH_AGENT_NAME_ENTRY``:
    an attribute of its own, or an entry of the metadata's JSON), else None."""
    if client is None:
        return None
    if (key := CLIENT_RUN_AGENT_KEYS.get(client)) is not None:
        value = attributes.get(key)
        return value.strip() or None if isinstance(value, str) else None
    meta = CLIENT_GRAPH_METADATA_KEYS.get(client)
    got = _graph_metadata(attributes.get(meta)) if meta is not None else None
    return _named_agent(got) if got is not None else None


def _graph_metadata(value: Any) -> dict[str, Any] | None:
    """LangGraph run metadata (a JSON object, not too long), else None."""
    if not isinstance(value, str) or not value.startswith("{") or len(value) > GRAPH_METADATA_CHARS:
        return None
    try:
        got = json.loads(value)
    except ValueError:
        return None
    return got if isinstance(got, dict) else None


def _named_agent(got: dict[str, Any]) -> str | None:
    name = got.get(GRAPH_AGENT_NAME_ENTRY)
    return name.strip() or None if isinstance(name, str) else None


def graph_agent_name(value: Any) -> str | None:
    """The agent LangGraph run metadata (JSON) says its span runs in: the agent it names
    (``GRAPH_AGENT_NAME_ENTRY``), else the first node of its ``langgraph_checkpoint_ns`` when that
    path goes through more than one graph; else None (a single graph's node is no agent of its own:
    ``create_react_agent``'s ``agent`` node)."""
    got = _graph_metadata(value)
    if got is None:
        return None
    if (named := _named_agent(got)) is not None:
        return named
    path = got.get("langgraph_checkpoint_ns")
    if not isinstance(path, str) or "|" not in path:
        return None
    node = path.split("|", 1)[0].split(":", 1)[0].strip()
    return node or None


def client_placeholder_agent_key(client: str | None, attributes: dict[str, Any]) -> str | None:
    """The key of a known client's span that may carry its placeholder agent name
    (``CLIENT_PLACEHOLDER_AGENTS``): ``gen_ai.agent.name`` on a span whose operation is not an
    agent's. By key, not value (a key set's recipe decides once); None for any other span."""
    if client is None or client not in CLIENT_PLACEHOLDER_AGENTS or AGENT_NAME_KEY not in attributes:
        return None
    operation = attributes.get(OPERATION_KEY)
    if isinstance(operation, str) and operation.strip().lower() in _AGENT_OPERATIONS:
        return None
    return AGENT_NAME_KEY


def names_placeholder_agent(client: str | None, attributes: dict[str, Any]) -> bool:
    """Whether a known client's span names its placeholder agent (``client_placeholder_agent_key``)."""
    key = client_placeholder_agent_key(client, attributes)
    return key is not None and client is not None and attributes[key] == CLIENT_PLACEHOLDER_AGENTS[client]


def client_kind(client: str | None, name: str, attributes: dict[str, Any]) -> tuple[SpanKind | None, bool]:
    """(kind, internal) a known client says for a span; (None, False) when it says nothing.

    Codex's runtime spans come from Rust ``tracing`` (``fs.get_metadata``,
    ``build_tool_router`` ...): all internal but the turn, the model call (the
    ``handle_responses`` span that carries usage) and tool dispatches (a span
    named by its own ``tool_name``, with a ``call_id``). OpenCode's come from
    Effect: all internal but the AI SDK's spans among them.
    """
    if client is None:
        return None, False
    table = CLIENT_SPAN_KINDS.get(client)
    if table is not None and name in table and CLIENT_SPAN_KINDS_UNLESS.get(client, {}).get(name) not in attributes:
        kind = table[name]
        return (kind, False) if kind is not None else (SpanKind.CUSTOM, True)
    node = CLIENT_NODE_NAMES.get(client)
    if node is not None and node.search(name):
        return SpanKind.TASK, False
    own = CLIENT_KIND_KEYS.get(client)
    if own is not None and (said_kind := own[1].get(str(attributes.get(own[0])))) is not None:
        return said_kind, False  # by value: the key is one of the fast path's kind keys (otel._KIND_KEYS)
    agent_key = CLIENT_AGENT_KEYS.get(client)
    if agent_key is not None and agent_key in attributes:  # by key, not value (one recipe serves a key set)
        return SpanKind.AGENT, False
    if name and run_agent_name(client, attributes) == name:
        return SpanKind.AGENT, False  # the run of the agent's own graph, named after it
    internal = CLIENT_INTERNAL_NAMES.get(client)
    if internal is not None and internal.search(name):
        return SpanKind.CUSTOM, True
    marked = CLIENT_MARKED_SPAN_KINDS.get(client)
    if marked is not None and marked[0] in attributes:  # by key, not value (one recipe serves a key set)
        for pattern, kind in marked[1]:
            if pattern.search(name):
                return kind, False
    for pattern, said in CLIENT_SPAN_KIND_PATTERNS.get(client, ()):
        if pattern.search(name):
            return (said, False) if said is not None else (SpanKind.CUSTOM, True)
    # By key, not value: every span of one key set gets the same answer (the recipes rely on it).
    marker = CLIENT_INTERNAL_KEYS.get(client)
    if marker is not None and marker in attributes:
        return SpanKind.CUSTOM, True
    tool = CLIENT_TOOL_SPAN_PATTERNS.get(client)
    if tool is not None and tool.match(name):
        return SpanKind.TOOL_EXECUTION, False
    if client_span_agent(client, name) is not None:
        return SpanKind.AGENT, False
    if (default := CLIENT_DEFAULT_KINDS.get(client)) is not None and kind_from_attributes(attributes)[0] is None:
        return default, False
    if client in INTERNAL_BY_DEFAULT:
        if client in REQUEST_SPANS_SHOWN and HTTP_SPAN_NAME.match(name):
            return None, False
        if kind_from_attributes(attributes)[0] is not None:
            return None, False  # an instrumentation's span that says its kind (OpenInference's for Codex)
        if "gen_ai.usage.input_tokens" in attributes or "gen_ai.usage.output_tokens" in attributes:
            return SpanKind.LLM_CALL, False
        if attributes.get("tool_name") == name and "call_id" in attributes:  # the tool's dispatch span
            return SpanKind.TOOL_EXECUTION, False
        if AI_SDK_OPERATION_KEY in attributes:
            return None, False  # the AI SDK's own spans inside it (OpenCode's calls): their table decides
        return SpanKind.CUSTOM, True
    return None, False
