"""Attribute conventions -> model: the tables every receiver reads, in one namespace.

Agents name the same facts many ways (the agenttrace SDK's ``llm.model``, OTel GenAI's
``gen_ai.request.model``, OpenInference's ``llm.model_name`` ...). The tables say
which attribute keys fill which field of which typed part (``attribute_map``),
what kind a span is (``span_kinds``), where prompt/response text comes from
(``messages``), and here: where a session id, a reported cost, subtree usage and
a framework name come from. docs/conventions.md renders these tables for users,
and a test checks that it lists every key named in them (``all_documented_keys``).

Receivers import this module only (``from ..normalize import conventions as cv``);
it re-exports the other three. ``Plan`` caches what the tables make of one set of
attribute keys, the OTLP fast path.

Only ``extract_parts``, ``kind_from_string`` and ``guess_kind`` are used by
the native path; the OTLP receiver uses everything.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterable
from typing import Any

import msgspec

from ..model import Cost, TokenUsage
from .attribute_map import ATTRIBUTE_MAP, Row, _bool, _float, _int, _str, extract_parts, first_reason
from .messages import (
    _MSG_PREFIXES,
    CLIENT_ARGUMENT_PREFIXES,
    CLIENT_VALUE_KEYS,
    MESSAGE_DETAIL_EVENTS,
    MESSAGE_EVENT_CONTENT_KEYS,
    MESSAGE_EVENTS,
    MESSAGE_JSON_KEYS,
    MESSAGE_LIST_PREFIXES,
    OBSERVATION_KEYS,
    PREVIEW_CHARS,
    PREVIEWS_FROM_RECORDS,
    STACK_CHARS,
    TEXT_BLOCK_STARTS,
    TOOL_CALL_EVENTS,
    TOOL_PREVIEW_CHARS,
    VALUE_KEYS,
    cut_head,
    cut_tail,
    extract_messages,
    langchain_result,
    langchain_result_text,
    langchain_tool_call_id,
    message_event_text,
    message_record_text,
    render_messages,
    tool_call_record,
    tool_preview,
)
from .span_kinds import (
    AGENT_NAME_KEY,
    AGENTOPS_KIND_KEY,
    AGENTOPS_KINDS,
    AGENTOPS_TOOL_FIELDS,
    AI_SDK_KINDS,
    AI_SDK_OPERATION_KEY,
    ANSWER_TOOL_CALL_KEYS,
    BRAINTRUST_KIND_KEY,
    BRAINTRUST_KINDS,
    BRAINTRUST_SPAN_ATTRIBUTES_CHARS,
    CLIENT_AGENT_KEYS,
    CLIENT_AGENT_NAME_KEYS,
    CLIENT_AGENT_SPAN_NAMES,
    CLIENT_AGENTS_BY_SPAN_NAME,
    CLIENT_CALLED_TOOL_NAME_KEYS,
    CLIENT_DELEGATION_SPANS,
    CLIENT_FAILURE_SPAN_NAMES,
    CLIENT_FUNCTION_KEYS,
    CLIENT_GRAPH_METADATA_KEYS,
    CLIENT_INTERNAL_KEYS,
    CLIENT_INTERNAL_NAMES,
    CLIENT_KIND_KEYS,
    CLIENT_MARKED_SPAN_KINDS,
    CLIENT_MCP_TOOL_SEPARATORS,
    CLIENT_NODE_NAMES,
    CLIENT_PLACEHOLDER_AGENTS,
    CLIENT_RUN_AGENT_KEYS,
    CLIENT_SPAN_KIND_PATTERNS,
    CLIENT_SPAN_KINDS,
    CLIENT_TOOL_CALL_KEYS,
    CLIENT_TOOL_CONTEXT_KEYS,
    CLIENT_TOOL_INPUT_KEYS,
    CLIENT_TOOL_NAME_KEYS,
    CLIENT_TOOL_OUTPUT_EVENTS,
    CLIENT_TOOL_RESULT_ENTRIES,
    CLIENT_TOOL_SPAN_NAMES,
    CLIENT_TOOL_SPAN_PATTERNS,
    EXPLICIT_KIND_KEYS,
    GENKIT_KIND_KEY,
    GENKIT_KINDS,
    GENKIT_TYPE_KEY,
    GENKIT_TYPE_KINDS,
    GRAPH_AGENT_NAME_ENTRY,
    GRAPH_METADATA_CHARS,
    INTERNAL_BY_DEFAULT,
    INTERNAL_KEY,
    INVOCATION_PARAMETERS_KEY,
    KIND_BY_NAME,
    KIND_KEY,
    LAMINAR_KIND_KEY,
    LAMINAR_KINDS,
    LANGFUSE_KIND_KEY,
    LANGFUSE_KINDS,
    LANGSMITH_KIND_KEY,
    LANGSMITH_KINDS,
    MCP_METHOD_KEY,
    MCP_METHOD_KINDS,
    MESSAGING_OPERATION_KEYS,
    MLFLOW_KIND_KEY,
    MLFLOW_KINDS,
    MODEL_CALL_SPAN_NAME,
    OPENINFERENCE_KEY,
    OPENINFERENCE_KINDS,
    OPERATION_KEY,
    OPERATION_KINDS,
    RENDERED_NAME_KEY,
    RUNS_AGENT_KEY,
    SEED_NAME_KINDS,
    TRACELOOP_KIND_KEY,
    TRACELOOP_KINDS,
    TRACELOOP_TOOL_FIELDS,
    TRACELOOP_TOOL_STEP_KEY,
    _names_a_call,
    agentops_arguments,
    agentops_tool_fields,
    answer_tool_call,
    braintrust_span_type,
    client_agent_name_key,
    client_context_tool_call,
    client_delegation,
    client_failure_span,
    client_function_tool_name,
    client_graph_agent_key,
    client_graph_metadata_key,
    client_kind,
    client_mcp_server,
    client_named_agent,
    client_placeholder_agent_key,
    client_span_agent,
    client_tool_name,
    client_tool_result,
    delegated_agent,
    graph_agent_name,
    guess_kind,
    invocation_model,
    kind_from_attributes,
    kind_from_name,
    kind_from_string,
    mcp_tool_name,
    model_in_span_name,
    names_placeholder_agent,
    run_agent_name,
    traceloop_tool_fields,
)
from .traced_methods import TRACED_METHOD_KEYS, TRACED_METHODS, python_dict_json, read_traced_method, traced_method

__all__ = [
    # attribute_map
    "ATTRIBUTE_MAP", "Row", "_bool", "_float", "_int", "_str", "extract_parts", "first_reason",
    # span_kinds
    "AGENT_NAME_KEY", "AGENTOPS_KIND_KEY", "AGENTOPS_KINDS", "AGENTOPS_TOOL_FIELDS", "agentops_arguments",
    "agentops_tool_fields", "ANSWER_TOOL_CALL_KEYS", "answer_tool_call", "AI_SDK_KINDS", "AI_SDK_OPERATION_KEY", "CLIENT_AGENT_KEYS", "CLIENT_AGENT_NAME_KEYS", "CLIENT_AGENTS_BY_SPAN_NAME", "CLIENT_KIND_KEYS", "CLIENT_AGENT_SPAN_NAMES", "CLIENT_DELEGATION_SPANS", "CLIENT_GRAPH_METADATA_KEYS", "CLIENT_INTERNAL_KEYS", "CLIENT_MARKED_SPAN_KINDS", "CLIENT_NODE_NAMES", "CLIENT_INTERNAL_NAMES", "CLIENT_PLACEHOLDER_AGENTS", "CLIENT_RUN_AGENT_KEYS", "CLIENT_SPAN_KIND_PATTERNS", "CLIENT_SPAN_KINDS", "CLIENT_TOOL_SPAN_PATTERNS", "CLIENT_TOOL_CALL_KEYS", "CLIENT_CALLED_TOOL_NAME_KEYS", "CLIENT_TOOL_NAME_KEYS",
    "CLIENT_MCP_TOOL_SEPARATORS", "client_mcp_server",
    "CLIENT_TOOL_SPAN_NAMES", "CLIENT_TOOL_CONTEXT_KEYS", "CLIENT_TOOL_INPUT_KEYS", "CLIENT_TOOL_OUTPUT_EVENTS", "CLIENT_TOOL_RESULT_ENTRIES", "client_tool_result", "CLIENT_FAILURE_SPAN_NAMES", "client_failure_span", "client_context_tool_call", "EXPLICIT_KIND_KEYS", "GENKIT_KIND_KEY", "GENKIT_KINDS", "GENKIT_TYPE_KEY", "GENKIT_TYPE_KINDS", "GRAPH_AGENT_NAME_ENTRY", "GRAPH_METADATA_CHARS", "INTERNAL_BY_DEFAULT", "INTERNAL_KEY", "RUNS_AGENT_KEY",
    "BRAINTRUST_KIND_KEY", "BRAINTRUST_KINDS", "BRAINTRUST_SPAN_ATTRIBUTES_CHARS", "braintrust_span_type", "KIND_BY_NAME", "KIND_KEY", "LAMINAR_KIND_KEY", "LAMINAR_KINDS", "LANGFUSE_KIND_KEY", "LANGFUSE_KINDS", "LANGSMITH_KIND_KEY", "LANGSMITH_KINDS", "MCP_METHOD_KEY", "MCP_METHOD_KINDS", "MESSAGING_OPERATION_KEYS", "MLFLOW_KIND_KEY", "MLFLOW_KINDS", "OPENINFERENCE_KEY", "OPENINFERENCE_KINDS", "OPERATION_KEY", "OPERATION_KINDS",
    "RENDERED_NAME_KEY", "SEED_NAME_KINDS", "TRACELOOP_KIND_KEY", "TRACELOOP_KINDS", "TRACELOOP_TOOL_FIELDS",
    "TRACELOOP_TOOL_STEP_KEY", "_names_a_call", "client_kind",
    "client_agent_name_key", "CLIENT_FUNCTION_KEYS", "client_function_tool_name", "client_delegation", "delegated_agent", "client_graph_agent_key", "client_graph_metadata_key", "client_placeholder_agent_key", "client_named_agent", "client_span_agent", "client_tool_name", "graph_agent_name", "guess_kind", "kind_from_attributes",
    "kind_from_name", "kind_from_string", "mcp_tool_name", "MODEL_CALL_SPAN_NAME", "model_in_span_name", "INVOCATION_PARAMETERS_KEY", "invocation_model", "names_placeholder_agent", "run_agent_name", "traceloop_tool_fields",
    # traced_methods
    "TRACED_METHOD_KEYS", "TRACED_METHODS", "python_dict_json", "read_traced_method", "traced_method",
    # messages
    "CLIENT_ARGUMENT_PREFIXES", "CLIENT_VALUE_KEYS", "MESSAGE_DETAIL_EVENTS", "MESSAGE_EVENTS", "TOOL_CALL_EVENTS", "tool_call_record", "MESSAGE_EVENT_CONTENT_KEYS", "MESSAGE_JSON_KEYS",
    "MESSAGE_LIST_PREFIXES", "OBSERVATION_KEYS", "PREVIEW_CHARS", "PREVIEWS_FROM_RECORDS", "STACK_CHARS", "TOOL_PREVIEW_CHARS", "VALUE_KEYS",
    "cut_head", "cut_tail", "extract_messages", "langchain_result_text", "langchain_tool_call_id", "message_event_text", "message_record_text", "render_messages",
    "TEXT_BLOCK_STARTS", "tool_preview",
    # this module
    "CACHE_BESIDE_CLIENTS", "CACHE_BESIDE_INPUT", "GUESSED_COST_CLIENTS", "CACHE_IN_INPUT_SCOPES", "SCOPE_PREFIX_CLIENTS", "GATEWAY_SCOPES", "PROVIDER_METADATA_KEYS", "metadata_provider", "CACHE_BESIDE_KEYS", "COST_KEYS", "FAILED_BY_EXCEPTION_KEYS", "FRAMEWORK_BUILT_ON", "FRAMEWORK_HINTS", "FRAMEWORK_SCOPES", "HTTP_STATUS_KEYS", "INSTRUMENTATION_FAMILIES", "INSTANCE_KEYS", "TRACE_SESSION_RESOURCE_KEYS", "SESSION_SPAN_NAME_KEYS", "session_span_name", "JSON_VALUE_KEYS",
    "PINNED_SESSION_KEY", "RESOURCE_FRAMEWORKS", "RESOURCE_SESSION_KEYS", "RESPONSE_MODEL_KEYS", "SESSION_KEY_SET", "SESSION_KEYS", "TRACE_NAME_KEYS", "TURN_PROMPT_KEY", "GENERIC_TURN_ROOTS", "PROMPT_ID_ROOTS", "PROMPT_ID_RECORDS", "PROMPT_NAME_CHARS", "prompt_name", "TURN_ROOT_PROMPTS", "TURN_MESSAGES_KEY", "turn_root_prompt", "AGENT_INVOCATION_ROOT", "INPUT_TURN_ROOTS", "AI_PROMPT_KEY", "HAYSTACK_USER_MESSAGE", "CALL_CONTEXT_TAGS", "CALL_TURN_ROOTS", "INPUT_PROMPT_KEYS", "CREW_TASKS_KEYS", "named_like", "names_turn_alike", "input_prompt", "call_turn_prompt", "USER_MESSAGE_EVENT", "TURN_INPUT_KEYS",
    "SUBTREE_USAGE_KEYS", "THINKING_BESIDE_OUTPUT", "GEMINI_BUILTIN_TOOLS", "TOOL_DEFINITION_KEYS", "GEMINI_FEE_TOOLS", "USAGE_OBJECT_KEYS", "RESPONSE_USAGE_KEYS", "GEMINI_USAGE_FIELDS", "USAGE_RECORD_KEY", "USAGE_OBJECT_PATHS", "USAGE_TYPE_PATHS", "USAGE_TYPES_BESIDE",
    "GENKIT_INPUT_KEY", "GENKIT_MODEL_TYPES", "GENKIT_NAME_KEY", "GENKIT_OUTPUT_KEY", "GENKIT_USAGE_FIELDS", "genkit_model_call",
    "GENKIT_ERROR_KEY", "GENKIT_STATE_KEY", "GENKIT_TOOL_ENVELOPE_TYPES", "genkit_failure", "unwrap_genkit_tool_output",
    "Plan", "all_documented_keys", "cache_beside", "decode_json_strings", "extract_cost", "extract_subtree_usage", "extract_usage_object", "extract_response_usage", "extract_answer_usage", "ANSWER_KEY", "GEMINI_ANSWER_USAGE_KEYS", "gemini_answer_usage", "is_usage_record", "thinking_beside", "asks_builtin_tool",
    "answered_model", "langchain_answered_model", "LANGCHAIN_ANSWERED_KEY", "CHAIN_ANSWER_INPUT_KEY",
    "CHAIN_ANSWER_MODEL_KEY", "SESSION_FILE_TURN_KEY", "TWIN_TRACER_KEY", "TWIN_TRACER_SCOPES", "CHAIN_ANSWER_OUTPUT_KEY", "CHAIN_RESULT_KEYS", "CLIENT_MODEL_KEYS", "client_model", "MODEL_PLACEHOLDERS", "langchain_chain_answer", "failed_by_exception", "failed_http_status", "finish_usage",
    "built_on", "framework_hint", "BEDROCK_VENDORS", "bedrock_request_model", "resource_model",
    "parts_from_plan", "plan_for", "resource_scope", "span_client",
]

# -- status ---------------------------------------------------------------------

#: The HTTP response status a span of one request reports (OTel's HTTP conventions, then their old name).
HTTP_STATUS_KEYS: tuple[str, ...] = ("http.response.status_code", "http.status_code")


def failed_http_status(attributes: dict[str, Any]) -> int | None:
    """The HTTP response status (400 or more: the request failed) the attributes report, else None."""
    for key in HTTP_STATUS_KEYS:
        v = attributes.get(key)
        if v is not None:
            try:
                code = int(v)
            except (TypeError, ValueError):
                return None
            return code if code >= 400 else None
    return None


#: Attributes whose sender marks a failed span by its ``exception`` event alone, whatever status the
#: span has: the LangSmith SDK's OTel export sets a run's span OK when the run starts and ERROR when
#: it fails, which the OTel SDK ignores (an OK status is final), so the event it records with the
#: run's error (``exception.type`` ``Exception``, not escaped) is all that says the run failed.
#: AgentOps' processor of the OpenAI Agents SDK's traces does the same when an SDK span ends with an
#: error (a refused model call's ``response`` span: OK, then ERROR, its ``exception`` event and
#: ``error.type`` ``AgentError``); its own decorators' spans record an exception only when they fail.
FAILED_BY_EXCEPTION_KEYS: tuple[str, ...] = ("langsmith.span.kind", "agentops.span.kind")


def failed_by_exception(attributes: dict[str, Any]) -> bool:
    """Whether an ``exception`` event on a span with these attributes means it failed (``FAILED_BY_EXCEPTION_KEYS``)."""
    return any(k in attributes for k in FAILED_BY_EXCEPTION_KEYS)


# -- model ----------------------------------------------------------------------

#: Where a model call names the model that answered it, beside the name it asked for
#: (``llm.model``). They differ when the name asked for is the caller's own: an Azure OpenAI
#: deployment (``gen_ai.request.model`` "prod-chat", ``gen_ai.response.model``
#: "gpt-4o-mini-2024-07-18"), which no price list knows; the model that answered prices it.
RESPONSE_MODEL_KEYS: tuple[str, ...] = ("gen_ai.response.model", "llm.response_model")


#: Where a sender keeps LangChain's result of a chat model run (``{"generations": [[{"generation_info",
#: "message"}]], "llm_output"}``: OpenInference's ``output.value``). The chat model puts the
#: response's model there as ``model_name``; a streamed ``AzureChatOpenAI`` call is named by its
#: deployment elsewhere (``llm.model_name``), the model that answered only here.
LANGCHAIN_RESULT_KEY = "output.value"
#: The key a model call's answered model read from that result is kept under (``RESPONSE_MODEL_KEYS``).
LANGCHAIN_ANSWERED_KEY = "llm.response_model"


def langchain_answered_model(attributes: dict[str, Any]) -> str | None:
    """The model that answered a LangChain chat model run, as its result (``LANGCHAIN_RESULT_KEY``)
    names it (a generation's ``generation_info`` or its message's ``response_metadata``, else
    ``llm_output``), when no response-model key names one (else None)."""
    if any(k in attributes for k in RESPONSE_MODEL_KEYS):
        return None
    got = langchain_result(attributes.get(LANGCHAIN_RESULT_KEY))
    if got is None:
        return None
    places: list[Any] = []
    for batch in got["generations"]:
        for gen in batch if isinstance(batch, list) else [batch]:
            if isinstance(gen, dict):
                msg = gen.get("message")
                fields = msg.get("kwargs", msg) if isinstance(msg, dict) else None  # serialized or as fields
                places += [gen.get("generation_info"), fields.get("response_metadata") if isinstance(fields, dict) else None]
    places.append(got.get("llm_output"))
    for place in places:
        name = place.get("model_name") if isinstance(place, dict) else None
        if isinstance(name, str) and name.strip():
            return name
    return None


#: Where OpenLLMetry's LangChain instrumentation keeps a chain's result on the chain's span
#: (``{"outputs": ..., "kwargs": ...}``), first found wins. A chain that ends with a chat model
#: (``prompt | model``: how LangGraph's prebuilt agent calls its model) returns the model's
#: message, serialized: its ``response_metadata.model_name`` is the model that answered, its
#: ``usage_metadata`` the call's tokens. A streamed call's own span may name no model (the request
#: named none: an Azure deployment), the model that answered only here (``langchain_chain_answer``).
CHAIN_RESULT_KEYS: tuple[str, ...] = ("gen_ai.task.output", "traceloop.entity.output")
#: The keys the model that answered and the tokens of that message are kept under, on the chain's
#: span (the result itself is cut to 4 KiB with the other free attributes): the store gives the
#: model to the model call the chain ran that names none (``store.calls.chain_answered``).
CHAIN_ANSWER_MODEL_KEY = "agenttrace.answer.model"
CHAIN_ANSWER_INPUT_KEY = "agenttrace.answer.input_tokens"
CHAIN_ANSWER_OUTPUT_KEY = "agenttrace.answer.output_tokens"
#: The key every span of OpenInference's Codex instrumentation carries, the turn it reports (its session-file
#: forwarder rebuilds each turn from Codex's session file: ``codex.turn.id``; Codex's own spans name it
#: ``turn.id``). Codex reports the same turn itself when its own telemetry is on too: the store counts each
#: call and tool call of such a turn once (``SpanUpserts._turn_reported_elsewhere``).
SESSION_FILE_TURN_KEY = "codex.turn.id"
#: The key the monitor marks a model call with, by the tracer its span came from, where one framework has
#: two tracers that each report every call in a trace of their own (``TWIN_TRACER_SCOPES``): the value
#: names the tracer. The store counts a call the two report once (``SpanUpserts._turn_reported_elsewhere``).
TWIN_TRACER_KEY = "agenttrace.tracer"
#: Instrumentation scopes of a framework's two tracers -> the tracer: Pipecat's own tracing (its services'
#: spans, scope ``pipecat``) and OpenInference's Pipecat instrumentation, both on, report each model call
#: twice, in two traces of the conversation's session, neither naming a response.
TWIN_TRACER_SCOPES: dict[str, str] = {"pipecat": "pipecat", "openinference.instrumentation.pipecat": "openinference"}
#: What an instrumentation names a model call's model when it knows none: OpenLLMetry's LangChain
#: one, for a chat model whose request names no model (an ``AzureChatOpenAI`` deployment) and whose
#: answer it does not read (streamed: no ``llm_output``). No model is called that.
MODEL_PLACEHOLDERS: frozenset[str] = frozenset({"unknown"})
#: A known client's own key naming a model call's model, read when the span names none or only a
#: placeholder (``MODEL_PLACEHOLDERS``): OpenInference's Pipecat instrumentation names a call's model by
#: attributes Pipecat 1.x's services no longer have (``llm.model_name`` ``unknown`` on a service's first
#: call), and the model Pipecat's usage metrics of the call name as ``metrics.model``.
CLIENT_MODEL_KEYS: dict[str, str] = {"pipecat": "metrics.model"}


def client_model(client: str | None, attributes: dict[str, Any], model: str | None) -> str | None:
    """The model a client's own key names (``CLIENT_MODEL_KEYS``) for a call whose span names ``model``,
    when that is none or a placeholder; else None."""
    key = CLIENT_MODEL_KEYS.get(client or "")
    if key is None or (model and model not in MODEL_PLACEHOLDERS):
        return None
    named = attributes.get(key)
    return named if isinstance(named, str) and named.strip() and named not in MODEL_PLACEHOLDERS else None
#: How the chain results ``langchain_chain_answer`` reads start (a chain's result that is one message).
_CHAIN_MESSAGE_HEAD = '{"outputs": {'
#: LangChain's classes of a model's answer message, as serialized (``id``'s last item).
_AI_MESSAGE_CLASSES = frozenset({"AIMessage", "AIMessageChunk"})


def langchain_chain_answer(attributes: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, int | None, int | None] | None:
    """The model that answered, and the input and output tokens, of the one answer message that
    a chain's result (the first of ``keys``, ``CHAIN_RESULT_KEYS`` present) is, else None: a chain
    whose result is anything else (a graph's state, a list of messages, text) names no call's model."""
    value = attributes.get(keys[0])
    if not isinstance(value, str) or not value.startswith(_CHAIN_MESSAGE_HEAD):
        return None
    try:
        got = msgspec.json.decode(value)
    except msgspec.DecodeError:
        return None
    msg = got.get("outputs") if isinstance(got, dict) else None
    if not isinstance(msg, dict):
        return None
    cls = msg.get("id")
    if msg.get("lc") is not None and isinstance(cls, list) and cls and cls[-1] in _AI_MESSAGE_CLASSES:
        fields = msg.get("kwargs")  # serialized
    else:
        fields = msg if msg.get("type") in ("ai", "AIMessageChunk") else None  # as its fields
    if not isinstance(fields, dict):
        return None
    meta = fields.get("response_metadata")
    name = meta.get("model_name") if isinstance(meta, dict) else None
    if not isinstance(name, str) or not name.strip() or name in MODEL_PLACEHOLDERS:
        return None
    usage = fields.get("usage_metadata")
    tokens = [usage.get(k) if isinstance(usage, dict) else None for k in ("input_tokens", "output_tokens")]
    inp, out = (t if isinstance(t, int) and not isinstance(t, bool) else None for t in tokens)
    return name, inp, out


def answered_model(attributes: dict[str, Any], asked: str | None) -> str | None:
    """The model that answered a call whose span asked for ``asked``, when the attributes name
    another one (else None)."""
    for key in RESPONSE_MODEL_KEYS:
        v = attributes.get(key)
        if isinstance(v, str) and v.strip():
            return v if v != asked else None
    return None


# -- values ---------------------------------------------------------------------

#: Attributes whose sender JSON-encodes every value it sets: MLflow Tracing passes each span
#: attribute through ``json.dumps``, so a string arrives quoted (``"\"CHAT_MODEL\""``). A quoted
#: string is read as the string it encodes before any table reads it; objects and lists stay
#: the JSON text they are (the tables that read them parse JSON). Laminar's SDKs JSON-encode a
#: traced function's arguments and return value (``lmnr.span.input`` / ``lmnr.span.output``) so too, and
#: Braintrust's OpenTelemetry guide has a span's input and output set as JSON (``braintrust.input_json`` /
#: ``braintrust.output_json``), and Genkit every action's input and output (``genkit:input`` /
#: ``genkit:output``: a flow's question and answer, a tool's text result, arrive quoted).
JSON_VALUE_KEYS: frozenset[str] = frozenset({MLFLOW_KIND_KEY, "mlflow.llm.model", "mlflow.spanInputs",
                                             "mlflow.spanOutputs", "lmnr.span.input", "lmnr.span.output",
                                             "braintrust.input_json", "braintrust.output_json",
                                             "genkit:input", "genkit:output"})


def decode_json_strings(attributes: dict[str, Any], keys: Iterable[str]) -> None:
    """Replace each value of ``keys`` (``JSON_VALUE_KEYS``) that is a JSON string literal by that string."""
    for key in keys:
        v = attributes.get(key)
        if isinstance(v, str) and len(v) >= 2 and v[0] == '"' and v[-1] == '"':
            try:
                got = msgspec.json.decode(v)
            except msgspec.DecodeError:
                continue
            if isinstance(got, str):
                attributes[key] = got


# -- sessions -------------------------------------------------------------------

#: A turn's prompt as its trace's name (``prompt_name``, its first line). Set by the monitor on an event of a span
#: of the turn's tree that holds the prompt's text (Codex's ``codex.user_prompt`` log record, with ``log_user_prompt
#: = true``, kept on the span it was logged in), and from there on the turn's root span when that root is named
#: alike on every turn (``GENERIC_TURN_ROOTS``): the trace list then names the turn by what was asked. Set on the
#: root itself as it is read when the root carries the turn's messages (``TURN_ROOT_PROMPTS``: Copilot's, Droid's, Cline's).
TURN_PROMPT_KEY = "agenttrace.turn_prompt"
#: Span attributes that name the trace a span belongs to, as the app named it: Langfuse's SDKs put the
#: trace name a user sets (``propagateAttributes({ traceName })``, ``update_current_trace(name=...)``)
#: on its spans as ``langfuse.trace.name``. A trace list names the trace so, not after its root span;
#: so does the turn's prompt the monitor put on a turn's root (``TURN_PROMPT_KEY``).
TRACE_NAME_KEYS: tuple[str, ...] = ("langfuse.trace.name", TURN_PROMPT_KEY)
#: Root span names a client gives every turn alike, so that a list of its traces reads the same name on every
#: row: such a trace is named by its turn's prompt when the prompt is known (``TURN_PROMPT_KEY``). Codex's
#: ``turn/start``, Qwen Code's ``qwen-code.interaction``. (Claude Code's ``claude_code.interaction`` is named by
#: its prompt already: the turn rebuilt from its ``user_prompt`` event is that span, named ``prompt: …``.)
GENERIC_TURN_ROOTS: frozenset[str] = frozenset({"turn/start", "qwen-code.interaction"})
#: Clients whose turn's prompt comes in a log record naming no trace, only an id of the prompt that the turn's
#: root span carries too: the client -> the root's name and its key for that id. The monitor joins the two by
#: that id, whichever comes first (``ingest.turn_prompts``), and names the turn's trace by its prompt. Qwen
#: Code's ``qwen-code.interaction`` (``qwen-code.prompt_id``), whose prompt is its ``qwen-code.user_prompt``
#: record (``PROMPT_ID_RECORDS``).
PROMPT_ID_ROOTS: dict[str, tuple[str, str]] = {"qwen-code": ("qwen-code.interaction", "qwen-code.prompt_id")}
#: The log records holding such a turn's prompt (``PROMPT_ID_ROOTS``): the record's event name -> its key for
#: the prompt's id and its key for the prompt's text (logged unless the user turns it off: Qwen Code's
#: ``telemetry.logPrompts``). The session's first such prompt names the session too (``FIRST_PROMPT_KEY``).
PROMPT_ID_RECORDS: dict[str, tuple[str, str]] = {"qwen-code.user_prompt": ("prompt_id", "prompt")}
#: Characters of a prompt kept where it names something: a session (its first prompt), a turn's trace.
PROMPT_NAME_CHARS = 80


def prompt_name(text: str, first_line: bool = False) -> str:
    """A prompt as a name: its whitespace runs one space each, cut to ``PROMPT_NAME_CHARS``; with
    ``first_line``, of its first line that is not blank only (a turn's trace)."""
    if first_line:
        text = next((line for line in text.splitlines() if line.strip()), "")
    return cut_head(" ".join(text.split()), PROMPT_NAME_CHARS)


#: Clients that name the root span of every turn alike (OTel GenAI's agent invocation, ``invoke_agent …``)
#: and put the turn's messages on it (``gen_ai.input.messages``) -> the root's name (how it begins: Cline's
#: names the model after it) and the tags of the blocks the client writes before the user's own text in
#: the user's message (``<tag>…</tag>``). The monitor names such a turn's trace by its prompt
#: (``TURN_PROMPT_KEY`` on the root, from ``turn_root_prompt``). GitHub Copilot CLI's root is
#: ``invoke_agent``, its user message begins with ``<current_datetime>…</current_datetime>``; Factory's
#: Droid's is ``invoke_agent droid``; the Cline CLI's ``invoke_agent <model>``, one trace per model call; Qwen
#: Code's ``qwen-code.interaction`` when its sensitive span attributes are on (``agenttrace-tui run`` turns them
#: on; else its prompt is joined to the root by id: ``PROMPT_ID_ROOTS``).
TURN_ROOT_PROMPTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "copilot-cli": ("invoke_agent", ("current_datetime",)),
    "droid": ("invoke_agent", ()),
    "cline": ("invoke_agent", ()),
    "qwen-code": ("qwen-code.interaction", ()),
}
#: The message list read for a turn's prompt (``turn_root_prompt``).
TURN_MESSAGES_KEY = "gen_ai.input.messages"
#: Where a turn's root holds its input, the first present read (``turn_root_prompt``): GenAI's message list;
#: Pydantic AI's messages of the whole run (the turn's prompt its last user message with text, after any
#: history the run was given); Mastra's agent run input (the prompt's text, or a message list).
TURN_INPUT_KEYS: tuple[str, ...] = (TURN_MESSAGES_KEY, "pydantic_ai.all_messages", "mastra.agent_run.input")
_messages_json = msgspec.json.Decoder()


def _decoded(text: str) -> Any:
    """``text`` decoded as JSON, or None when it is none (a turn's input read for its prompt)."""
    try:
        return _messages_json.decode(text)
    except (msgspec.DecodeError, ValueError):
        return None


def _message_text(msg: dict[str, Any]) -> str:
    """The text parts of one message (GenAI's ``parts``, or a chat message's ``content``), joined by lines."""
    parts = msg.get("parts")
    if parts is None:
        parts = msg.get("content")
    if isinstance(parts, str):
        return parts
    if not isinstance(parts, list):
        return ""
    texts = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict) and part.get("type", "text") == "text":
            text = part.get("content", part.get("text"))
            if isinstance(text, str):
                texts.append(text)
    return "\n".join(texts)


#: The root span name OpenTelemetry's GenAI conventions give an agent's invocation (``invoke_agent {agent}``),
#: the same on every turn of the agent whichever framework sends it (Strands, Microsoft Agent Framework,
#: AgentScope, the Vercel AI SDK 7 ...): a list of its turns read one name on every row. Such a turn's trace
#: is named by its prompt when the root carries the turn's messages, as ``TURN_ROOT_PROMPTS``' are.
AGENT_INVOCATION_ROOT: tuple[str, tuple[str, ...]] = ("invoke_agent", ())
#: The per-message event an agent's root holds its user message in, in the GenAI conventions' older form
#: (Strands': its ``content`` a list of ``{"text": …}`` blocks); the newer form is an event of
#: ``MESSAGE_DETAIL_EVENTS`` holding ``gen_ai.input.messages``.
USER_MESSAGE_EVENT = "gen_ai.user.message"


#: Haystack's ``ChatMessage`` of the user as OpenInference writes it in a list of messages (its Python repr,
#: ``ChatMessage(_role=<ChatRole.USER: 'user'>, _content=[TextContent(text='…')], …)``): its texts are the
#: ``TextContent`` string literals, read as Python reads them (``ast.literal_eval`` of a literal: no code runs).
HAYSTACK_USER_MESSAGE = "ChatMessage(_role=<ChatRole.USER: 'user'>"
_HAYSTACK_TEXT = re.compile(r"""TextContent\(text=('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\)""")


def _haystack_text(message: str) -> str:
    """The texts of a Haystack user ``ChatMessage``'s repr (``HAYSTACK_USER_MESSAGE``), joined by lines."""
    texts = []
    for literal in _HAYSTACK_TEXT.findall(message):
        try:
            text = ast.literal_eval(literal)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
        if isinstance(text, str):
            texts.append(text)
    return "\n".join(texts)


def _last_user_text(value: Any, tags: tuple[str, ...]) -> str | None:
    """The text of the last user message holding text in a message list (a JSON string or the list),
    the blocks of ``tags`` a client writes before the user's own text left out."""
    if isinstance(value, str):
        value = _decoded(value)
    if not isinstance(value, list):
        return None
    for msg in reversed(value):
        if isinstance(msg, list) and len(msg) == 2 and msg[0] in _USER_ROLES and isinstance(msg[1], str):
            msg = {"content": msg[1]}  # LangChain's (role, text) pair: ``["user", "..."]``
        elif isinstance(msg, str) and msg.startswith(HAYSTACK_USER_MESSAGE):
            msg = {"content": _haystack_text(msg)}
        elif not isinstance(msg, dict) or msg.get("role") != "user":
            continue
        text = _message_text(msg).lstrip()
        for tag in tags:
            opening, closing = f"<{tag}>", f"</{tag}>"
            if text.startswith(opening) and (end := text.find(closing)) >= 0:
                text = text[end + len(closing):].lstrip()
        if text.strip():
            return text
    return None


def _user_event_text(content: Any) -> str | None:
    """The text of a user message event's ``content``: a list of text blocks (as JSON or decoded) or text."""
    if isinstance(content, str) and content[:1] == "[" and (blocks := _decoded(content)) is not None:
        content = blocks  # (text that is no JSON list is the text it is)
    text = _message_text({"content": content})
    return text if text.strip() else None


#: The roles a (role, text) pair of LangChain's names the user by.
_USER_ROLES = ("user", "human")
#: Agent frameworks whose root span of a turn has one name on every turn (the graph's, the agent class's
#: method, the app's) and carries the turn's input as OpenInference writes it (``llm.input_messages.<i>.*``,
#: ``input.value``): the framework -> how its turn's root is named (``named_like``). LangGraph's run
#: (``LangGraph``: OpenInference's LangChain instrumentations for Python and JS, its input the graph's
#: ``{"messages": [...]}``), Agno's and smolagents' agent and team runs (``Agent.run``, ``Weather_Team.run``,
#: ``ToolCallingAgent.run``, ``manager.run``: the prompt's text, ``{"task": ...}``), Google ADK's invocation
#: (OpenInference's ``invocation [<app>]``: ``{"new_message": {"parts": [...]}}``), the OpenAI Agents SDK
#: for TypeScript's ``Agent workflow`` (its input items), Haystack's ``Agent.run`` (``{"messages": [...]}``
#: whose messages are the Python reprs of its ``ChatMessage``s: ``HAYSTACK_USER_MESSAGE``), OpenInference's Codex
#: instrumentation's turn (``codex.turn``, read from Codex's session file), the Vercel AI SDK 4-6's calls
#: (``ai.generateText``, ``ai.streamText`` ...: its ``ai.prompt``, ``AI_PROMPT_KEY``), VoltAgent's agent
#: (named after the agent, whatever it is: its ``input``); and a CrewAI crew's kickoff (OpenInference's
#: ``Crew_<id>.kickoff``, OpenLLMetry's ``crewai.workflow``), whose input is its tasks (``CREW_TASKS_KEYS``).
INPUT_TURN_ROOTS: dict[str, tuple[tuple[str, str], ...]] = {
    "langchain": (("=", "LangGraph"),), "langgraph": (("=", "LangGraph"),),
    "agno": (("$", ".run"),), "smolagents": (("$", ".run"),),
    "google-adk": (("^", "invocation"),), "openai-agents": (("=", "Agent workflow"),),
    "crewai": (("$", ".kickoff"), ("=", "crewai.workflow")),
    "haystack": (("=", "Agent.run"),),
    "codex": (("=", "codex.turn"),),
    "ai-sdk": (("=", "ai.generateText"), ("=", "ai.streamText"), ("=", "ai.generateObject"), ("=", "ai.streamObject")),
    "voltagent": (("^", ""),),
}
#: Where a crew's kickoff holds its tasks (a JSON list of objects): a crew is asked what its first task's
#: ``description`` says (OpenInference's ``crew_tasks``, OpenLLMetry's ``crewai.crew.tasks``).
CREW_TASKS_KEYS: tuple[str, ...] = ("crew_tasks", "crewai.crew.tasks")
#: Agent frameworks whose root span of a turn has one name on every turn and carries no input: the turn's
#: prompt is the user's text its first model call was sent (``call_turn_prompt``), which names the trace
#: and goes on the root (``TURN_PROMPT_KEY``) once both are stored. The framework -> its turn's root
#: (``named_like``): the OpenAI Agents SDK's workflow (``Agent workflow``, spelled ``Agent Workflow`` by
#: OpenLLMetry, ``OpenAI Agents trace: Agent workflow`` by logfire: the default workflow name, not one an
#: app gave), Google ADK's ``invoke_workflow <agent>`` (its calls' messages in their
#: ``gen_ai.client.inference.operation.details`` records), LlamaIndex's agent run (OpenInference's
#: ``FunctionAgent.run``, ``AgentWorkflow.run``: its input is the workflow's state, the prompt not in it),
#: Haystack's own tracing's agent run (``haystack.agent.run``: its calls OpenLLMetry's OpenAI instrumentation's).
CALL_TURN_ROOTS: dict[str, tuple[tuple[str, str], ...]] = {
    "openai-agents": (("=", "Agent workflow"), ("=", "Agent Workflow"), ("=", "OpenAI Agents trace: Agent workflow")),
    "google-adk": (("^", "invoke_workflow "),),
    "llama-index": (("$", ".run"),),
    "haystack": (("=", "haystack.agent.run"),),
}
#: Keys of OpenInference's ``input.value`` object that hold the prompt's text itself (smolagents' ``task``).
INPUT_PROMPT_KEYS: tuple[str, ...] = ("task",)
#: Where a model call holds the message list it was sent (``input_prompt``): GenAI's; logfire's, of the OpenAI
#: Agents SDK's calls (``raw_input``: Responses input items; ``input``: chat messages).
CALL_MESSAGES_KEYS: tuple[str, ...] = (TURN_MESSAGES_KEY, "raw_input", "input")
_FLAT_INPUT = "llm.input_messages."
_FLAT_ROLE = ".message.role"


def named_like(name: str, rule: tuple[str, str]) -> bool:
    """Whether ``name`` is named as ``rule`` says: ``("=", text)`` the whole name, ``("^", text)`` how it
    begins, ``("$", text)`` how it ends."""
    how, text = rule
    return name == text if how == "=" else name.startswith(text) if how == "^" else name.endswith(text)


def names_turn_alike(name: str) -> bool:
    """Whether a root span named ``name`` is named alike on every turn of its client and takes its turn's
    prompt from a span under it (``GENERIC_TURN_ROOTS``, ``CALL_TURN_ROOTS``)."""
    return name in GENERIC_TURN_ROOTS or any(named_like(name, rule) for rules in CALL_TURN_ROOTS.values()
                                             for rule in rules)


def _flat_user_text(attributes: dict[str, Any]) -> str | None:
    """The content of the last user message of OpenInference's flattened input messages
    (``llm.input_messages.<i>.message.role`` and ``.content``), if it holds text."""
    best, text = -1, None
    for key, value in attributes.items():
        if value != "user" or not key.startswith(_FLAT_INPUT) or not key.endswith(_FLAT_ROLE):
            continue
        index = key[len(_FLAT_INPUT):-len(_FLAT_ROLE)]
        if index.isdigit() and int(index) > best:
            content = attributes.get(f"{_FLAT_INPUT}{index}.message.content")
            if isinstance(content, str) and content.strip():
                best, text = int(index), content
    return text


def _input_value_text(value: Any) -> str | None:
    """The prompt in OpenInference's ``input.value``: text itself, a message list's last user text, or
    an object's messages (``{"messages": [...]}``), prompt (``INPUT_PROMPT_KEYS``) or new message's parts
    (``{"new_message": {"parts": [{"text": ...}]}}``)."""
    if not isinstance(value, str) or not value.strip():
        return None
    if value.lstrip()[:1] not in ("{", "["):
        return value
    doc = _decoded(value)
    if isinstance(doc, dict):
        for key in INPUT_PROMPT_KEYS:
            if isinstance(text := doc.get(key), str) and text.strip():
                return text
        if isinstance(message := doc.get("new_message"), dict):
            return _message_text(message).strip() or None
        doc = doc.get("messages")
    return _last_user_text(doc, ()) if isinstance(doc, list) else None


#: The Vercel AI SDK's prompt of a call (AI SDK 4-6's ``ai.generateText`` ...): a JSON object of its
#: ``system`` and its ``prompt`` (text, or messages) or ``messages``.
AI_PROMPT_KEY = "ai.prompt"


def _ai_prompt_text(value: Any) -> str | None:
    """The user's text of the AI SDK's ``ai.prompt``: its ``prompt`` text, else its messages' last user text."""
    if not isinstance(value, str) or value[:1] != "{" or not isinstance(doc := _decoded(value), dict):
        return None
    prompt = doc.get("prompt")
    if isinstance(prompt, str):
        return prompt if prompt.strip() else None
    return _last_user_text(prompt if isinstance(prompt, list) else doc.get("messages"), ())


def _crew_task(attributes: dict[str, Any]) -> str | None:
    """The ``description`` of a crew's first task (``CREW_TASKS_KEYS``), if it has text."""
    for key in CREW_TASKS_KEYS:
        value = attributes.get(key)
        if not isinstance(value, str) or value[:1] != "[":
            continue
        tasks = _decoded(value)
        first = tasks[0] if isinstance(tasks, list) and tasks else None
        text = first.get("description") if isinstance(first, dict) else None
        return text if isinstance(text, str) and text.strip() else None
    return None


#: The blocks a client writes at the start of the user's message before the user's own text (``<tag>…</tag>``),
#: left out of a model call's prompt as a name: Gemini CLI's ``<session_context>`` (its first message of a
#: session, or the first part of the user's message that holds the prompt), GitHub Copilot CLI's
#: ``<current_datetime>``.
CALL_CONTEXT_TAGS: tuple[str, ...] = ("session_context", "current_datetime")


def input_prompt(attributes: dict[str, Any]) -> str | None:
    """The user's text a model call's input holds: the last user message with text of its message list
    (``CALL_MESSAGES_KEYS``, the first that has one; a client's blocks before it, ``CALL_CONTEXT_TAGS``, left
    out), else of OpenInference's flattened messages, else its ``input.value`` (``_input_value_text``)."""
    for key in CALL_MESSAGES_KEYS:
        if ((messages := attributes.get(key)) is not None
                and (text := _last_user_text(messages, CALL_CONTEXT_TAGS)) is not None):
            return text
    return _flat_user_text(attributes) or _input_value_text(attributes.get("input.value"))


def call_turn_prompt(client: str | None, attributes: dict[str, Any]) -> str | None:
    """The turn's prompt as a name (``prompt_name``, its first line) a model call of ``client`` was sent,
    when ``client`` names its turns' roots alike and puts no input on them (``CALL_TURN_ROOTS``); else None."""
    if client not in CALL_TURN_ROOTS:
        return None
    text = input_prompt(attributes)
    return prompt_name(text, first_line=True) if text else None


def turn_root_prompt(client: str | None, name: str, attributes: dict[str, Any],
                     events: list[tuple[str, int, dict[str, Any]]] | tuple[()] = ()) -> str | None:
    """The prompt of a turn as its trace's name (``prompt_name``, its first line), when ``name`` is the root
    span of a turn of ``client`` (``TURN_ROOT_PROMPTS``) or of an agent's invocation (``AGENT_INVOCATION_ROOT``):
    the text of the last user message holding text in its input (``TURN_INPUT_KEYS``; else in its message
    ``events``, the last that holds one), the client's own blocks before it left out; or of a framework's run
    that carries its input as OpenInference writes it (``INPUT_TURN_ROOTS``). None for any other span, or
    when there is no such text. Read for root spans only."""
    if (client is not None and (rules := INPUT_TURN_ROOTS.get(client)) is not None
            and any(named_like(name, rule) for rule in rules)):
        text = (_flat_user_text(attributes) or _input_value_text(attributes.get("input.value")) or _crew_task(attributes)
                or _ai_prompt_text(attributes.get(AI_PROMPT_KEY)) or _input_value_text(attributes.get("input")))
        return prompt_name(text, first_line=True) if text else None
    turn = TURN_ROOT_PROMPTS.get(client, AGENT_INVOCATION_ROOT) if client else AGENT_INVOCATION_ROOT
    if not name.startswith(turn[0]):
        return None
    text = None
    for key in TURN_INPUT_KEYS:
        value = attributes.get(key)
        if value is None:
            continue
        if isinstance(value, str) and value[:1] != "[":
            text = value if value.strip() else None  # the prompt's text itself (Mastra's)
        else:
            text = _last_user_text(value, turn[1])
        break
    if text is None:
        for ev_name, _time, ev_attrs in reversed(events):
            if ev_name == USER_MESSAGE_EVENT:
                text = _user_event_text(ev_attrs.get("content"))
            elif ev_name in MESSAGE_DETAIL_EVENTS:
                text = _last_user_text(ev_attrs.get(TURN_MESSAGES_KEY), turn[1])
            if text is not None:
                break
    return prompt_name(text, first_line=True) if text is not None else None


#: Span (then resource) attributes that name the session, first found wins. The LangSmith SDK
#: groups runs into a thread by the run metadata ``session_id``, ``thread_id`` or ``conversation_id``
#: (LangGraph copies a run config's ``configurable.thread_id`` into it), each exported as
#: ``langsmith.metadata.<key>``; its ``langsmith.trace.session_id`` is the tracing project, not a
#: conversation. Laminar's SDKs put the session a trace was given (``Laminar.set_trace_session_id``,
#: ``@observe(session_id=...)``) on each span as ``lmnr.association.properties.session_id``; OpenLLMetry
#: (``traceloop-sdk``) the association properties an app sets (``Traceloop.set_association_properties``,
#: ``Associations.set``) as ``traceloop.association.properties.<key>``. The Vercel AI SDK sends the
#: telemetry ``metadata`` an app gives a call (AI SDK 4-6) as ``ai.telemetry.metadata.<key>``, and
#: AI SDK 7 the runtime context it lets into telemetry as ``ai.settings.context.<key>``: ``sessionId``
#: there, as the AI SDK's documentation and Langfuse's name it. The Letta server names the agent a
#: request is for (``POST /agents/{agent_id}/messages``: its conversation) as ``http.agent_id`` on its span
#: of the request alone (its other spans join it: ``PROCESS_SESSION_CLIENTS``).
SESSION_KEYS: tuple[str, ...] = ("session.id", "gen_ai.conversation.id", "langfuse.session.id", "conversation.id",
                                 "langsmith.metadata.session_id", "langsmith.metadata.thread_id",
                                 "langsmith.metadata.conversation_id", "lmnr.association.properties.session_id",
                                 "traceloop.association.properties.session_id", "ai.telemetry.metadata.sessionId",
                                 "ai.settings.context.sessionId", "http.agent_id")
#: The same keys as a set: whether a record names any (``isdisjoint``) costs the same however many there are.
SESSION_KEY_SET: frozenset[str] = frozenset(SESSION_KEYS)
#: A resource attribute that files everything its process sends under one session, whatever
#: session its records name (``agenttrace-tui run`` sets it: a client that names its own
#: session, as Claude Code and Codex do, still reports into the run's).
PINNED_SESSION_KEY = "agenttrace.session.id"
#: Resource attributes of a tracer provider each of whose traces is a session of its own, by the trace's id:
#: AgentOps' SDK (``agentops.init``) gives its resource ``agentops.project.id`` and lists every trace it
#: starts (a ``@trace`` function's run, ``start_trace``, the one ``init`` starts) as a session, its
#: dashboard's link to it naming the trace id; its spans name no session. Read after a session the
#: resource pins or a span names.
TRACE_SESSION_RESOURCE_KEYS: tuple[str, ...] = ("agentops.project.id",)
#: The root span of such a trace that names its session: AgentOps' session span (``agentops.span.kind``
#: ``session``) -> the key of its name (its ``@trace(name=...)``, the function's name by default).
SESSION_SPAN_NAME_KEYS: dict[tuple[str, str], str] = {(AGENTOPS_KIND_KEY, "session"): "operation.name"}


def session_span_name(attributes: dict[str, Any]) -> str | None:
    """The session name a trace's root span gives its session (``SESSION_SPAN_NAME_KEYS``), else None."""
    for (key, value), name_key in SESSION_SPAN_NAME_KEYS.items():
        if attributes.get(key) == value:
            name = attributes.get(name_key)
            if isinstance(name, str) and name.strip():
                return name.strip()
    return None


#: Without a session attribute: one session per service.name + the first of these.
INSTANCE_KEYS: tuple[str, ...] = ("service.instance.id", "process.pid", "host.name")

#: Reported dollar cost, first key found per field wins.
COST_KEYS: dict[str, tuple[str, ...]] = {
    "total": ("llm.cost.total", "operation.cost", "cost_usd", "gen_ai.usage.cost"),
    "input": ("llm.cost.prompt", "llm.cost.input"),
    "output": ("llm.cost.completion", "llm.cost.output"),
}

#: Known clients whose reported cost is their own guess, not what the call was billed: PraisonAI's agents
#: price a call by a built-in table of some twenty-five models (any other at $1 and $3 a million tokens),
#: every input token at the input price (cached ones too), rounded to six decimals, and its observability
#: suite sends that as ``gen_ai.usage.cost``. Not taken: the call is priced by the price table as any other,
#: the attribute kept as sent.
GUESSED_COST_CLIENTS: frozenset[str] = frozenset({"praisonai"})


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
    "reasoning": ("gen_ai.aggregated_usage.reasoning.output_tokens",
                  # pydantic-ai's sums of its calls' usage details (see the reasoning row of ATTRIBUTE_MAP).
                  "gen_ai.aggregated_usage.details.reasoning_tokens", "gen_ai.aggregated_usage.details.thoughts_tokens"),
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


#: The attribute that marks a span as a usage record: a client's account of the tokens of a unit
#: of work, not the span of a model call. AG2's ``TelemetryMiddleware`` sends a ``record_usage <kind>``
#: span (``ag2.usage.kind``: ``model_call``, ``compaction``, ``aggregation``, ``subtask``) for every
#: usage event, beside the ``chat`` span of the call when one traced it (a live session's calls and
#: its maintenance calls have none): the store folds a record into the call it repeats
#: (``store.calls``), and one that repeats none stays the only report of its call. One key, tested
#: as ``key in attributes``: the store tests it for each candidate twin of most new model calls.
USAGE_RECORD_KEY = "ag2.usage.kind"


def is_usage_record(attributes: dict[str, Any]) -> bool:
    """Whether the attributes are a usage record's (``USAGE_RECORD_KEY``)."""
    return USAGE_RECORD_KEY in attributes


#: Attributes that hold a call's whole usage object in one value -> whether the object alone is
#: the call's usage. LiteLLM's ``metadata.usage_object`` (its logging payload's usage, a Python
#: dict repr) only completes the flat keys: its OTel callback sends input, output and total as
#: ``gen_ai.usage.*``, the cached prompt tokens are in this object only, and the object alone
#: never makes a call. Langfuse's ``langfuse.observation.usage_details`` (JSON) is the only usage
#: its SDKs put on a generation: the usage its integration was given, OpenAI's own object from
#: ``langfuse.openai``, or Langfuse's usage types (``USAGE_TYPE_PATHS``). MLflow Tracing's
#: ``mlflow.chat.tokenUsage`` (JSON: ``input_tokens`` with the cache reads and writes in, as its
#: autologging normalizes every provider's, ``output_tokens``, ``total_tokens``,
#: ``cache_read_input_tokens``, ``cache_creation_input_tokens``) is the only usage it puts on a
#: model call; its integrations that roll usage up put the sum on an agent or chain span
#: (kind agent/task: counted for their subtree, never added). The LangSmith SDK's
#: ``langsmith.metadata.usage_metadata`` is LangChain's ``UsageMetadata`` of a model call (JSON:
#: ``input_tokens`` with the cache reads and writes in, ``output_tokens`` with the reasoning, their
#: ``input_token_details``/``output_token_details``); LangChain's tracer puts it on model runs only,
#: and the cached and reasoning counts are only there. logfire's OpenAI Agents integration puts the
#: Agents SDK's ``Usage`` of a model call on its span as ``usage`` (JSON), beside flat ``gen_ai.usage.*``
#: input and output: on a Chat Completions model's span the cached tokens are only in that object. Its
#: turn and task spans carry a ``usage`` too (their sums, with no flat keys): completing only, so
#: never a call. Mirascope's ``ops`` tracing puts its ``Usage`` of a model call on the call's ``chat``
#: span as ``mirascope.response.usage`` (JSON: ``input_tokens`` with the cache reads and writes in, as it
#: normalizes every provider's, ``output_tokens`` with the reasoning, ``cache_read_tokens``,
#: ``cache_write_tokens``, ``reasoning_tokens``), beside flat ``gen_ai.usage.*`` input and output: the
#: cache counts are only in the object. Its spans around the call (the ``@ops.trace`` function that
#: made it, ``Response.resume``) repeat the object with no flat keys: completing only, so never a call.
USAGE_OBJECT_KEYS: dict[str, bool] = {"metadata.usage_object": False, "langfuse.observation.usage_details": True,
                                      "mlflow.chat.tokenUsage": True, "langsmith.metadata.usage_metadata": True,
                                      "mirascope.response.usage": False, "usage": False}
#: Usage field -> paths into the object, first found wins: an API's own usage object. OpenAI's
#: Chat Completions and Responses shapes (LiteLLM's usage has the former for every provider), and
#: LangChain's ``UsageMetadata`` (its ``*_token_details``), the Agents SDK's ``Usage`` (its cache writes as
#: ``input_tokens_details.cache_write_tokens``), Mirascope's ``Usage`` (its counts flat, beside input and output):
#: ``prompt_tokens``/``input_tokens`` include cache reads and writes, ``completion_tokens``/
#: ``output_tokens`` the reasoning, as the monitor counts them; Anthropic's cache counts (beside
#: input) are added in by ``finish_usage``.
USAGE_OBJECT_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "input": (("prompt_tokens",), ("input_tokens",)),
    "output": (("completion_tokens",), ("output_tokens",)),
    "total": (("total_tokens",),),
    "cache_read": (("prompt_tokens_details", "cached_tokens"), ("input_tokens_details", "cached_tokens"),
                   ("cache_read_input_tokens",), ("input_token_details", "cache_read"), ("cache_read_tokens",)),
    "cache_write": (("prompt_tokens_details", "cache_creation_tokens"), ("cache_creation_input_tokens",),
                    ("input_token_details", "cache_creation"), ("input_tokens_details", "cache_write_tokens"),
                    ("cache_write_tokens",)),
    "reasoning": (("completion_tokens_details", "reasoning_tokens"), ("output_tokens_details", "reasoning_tokens"),
                  ("output_token_details", "reasoning"), ("reasoning_tokens",)),
}
#: Langfuse's own usage types, read when the object has no API input or output count: ``input``,
#: ``output``, ``total`` and the detail types its integrations split off (its LangChain handler
#: turns ``input_token_details.cache_read`` into ``input_cache_read``, ``prompt_tokens_details.
#: cached_tokens`` into ``input_cached_tokens``; its docs send Anthropic's ``cache_read_input_tokens``).
USAGE_TYPE_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "input": (("input",),),
    "output": (("output",),),
    "total": (("total",),),
    "cache_read": (("input_cache_read",), ("input_cached_tokens",), ("cache_read_input_tokens",)),
    "cache_write": (("input_cache_creation",), ("input_cache_write",), ("cache_creation_input_tokens",)),
    "reasoning": (("output_reasoning",), ("output_reasoning_tokens",)),
}
#: Langfuse's types count the details beside ``input`` and ``output`` (its total is the sum of all
#: types): they are added in, as the monitor counts input and output.
USAGE_TYPES_BESIDE: dict[str, tuple[str, ...]] = {"input": ("cache_read", "cache_write"), "output": ("reasoning",)}
#: A longer value is not read: a usage object is a few hundred characters.
USAGE_OBJECT_CHARS = 4096


def _usage_object(value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value.startswith("{") or len(value) > USAGE_OBJECT_CHARS:
        return None
    try:
        got = msgspec.json.decode(value)
    except msgspec.DecodeError:
        try:  # a Python dict repr (single quotes, None): literals only, never evaluated as code
            got = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
    return got if isinstance(got, dict) else None


def _read_usage(obj: dict[str, Any], paths: dict[str, tuple[tuple[str, ...], ...]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for field, field_paths in paths.items():
        for path in field_paths:
            v: Any = obj
            for step in path:
                v = v.get(step) if isinstance(v, dict) else None
            if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
                found[field] = v
                break
    return found


def extract_usage_object(attributes: dict[str, Any]) -> tuple[dict[str, int], list[str], bool]:
    """Usage fields found in the first usage object present, its key, and whether the object
    alone is the call's usage (``USAGE_OBJECT_KEYS``)."""
    for key, whole in USAGE_OBJECT_KEYS.items():
        obj = _usage_object(attributes.get(key))
        if obj is None:
            continue
        found = _read_usage(obj, USAGE_OBJECT_PATHS)
        if "input" not in found and "output" not in found:
            types = _read_usage(obj, USAGE_TYPE_PATHS)
            if "input" in types or "output" in types:
                for field, beside in USAGE_TYPES_BESIDE.items():
                    if field in types:
                        types[field] += sum(types.get(b, 0) for b in beside)
                found = types
        return found, [key], whole
    return {}, [], False


#: Attributes holding a model call's whole answer as JSON -> the key of the API's usage object in it,
#: which is the call's usage (in Gemini's convention: ``GEMINI_USAGE_FIELDS``), in place of the flat
#: ``gen_ai.usage.*`` the sender took from it. ADK for TypeScript puts each call's ``LlmResponse`` on its
#: ``call_llm`` span as ``gcp.vertex.agent.llm_response``, its ``usageMetadata`` Gemini's (ADK's type for
#: any model), and beside it ``gen_ai.usage.input_tokens`` (``promptTokenCount``) and ``output_tokens``
#: (``candidatesTokenCount``) alone: the thoughts, billed as output, and the cached tokens are only in
#: the object.
RESPONSE_USAGE_KEYS: dict[str, str] = {"gcp.vertex.agent.llm_response": "usageMetadata"}
#: The monitor's usage fields -> Gemini's counts that add up to it: the prompt and a built-in tool's
#: prompt (``toolUsePromptTokenCount``, billed as input) are the input, the cached tokens inside the
#: prompt's count; the answer and the thoughts (``thoughtsTokenCount``, beside it) the output.
GEMINI_USAGE_FIELDS: dict[str, tuple[str, ...]] = {
    "input": ("promptTokenCount", "toolUsePromptTokenCount"),
    "output": ("candidatesTokenCount", "thoughtsTokenCount"),
    "total": ("totalTokenCount",),
    "cache_read": ("cachedContentTokenCount",),
    "reasoning": ("thoughtsTokenCount",),
}
#: A longer answer is not read for its usage (the flat keys count it then): an answer is text, the
#: usage object at its end.
RESPONSE_USAGE_CHARS = 1 << 20


def json_object(value: Any, limit: int) -> dict[str, Any] | None:
    """``value`` decoded when it is the text of a JSON object of at most ``limit`` characters (an
    answer, an output a sender keeps whole as one attribute); else None."""
    if value.__class__ is not str or value[:1] != "{" or len(value) > limit:
        return None
    try:
        got = msgspec.json.decode(value)
    except msgspec.DecodeError:
        return None
    return got if isinstance(got, dict) else None


def extract_response_usage(attributes: dict[str, Any]) -> tuple[dict[str, int], list[str]]:
    """Usage fields from the first answer of ``RESPONSE_USAGE_KEYS`` present with a usage object in
    it (Gemini's, ``GEMINI_USAGE_FIELDS``), and its key; nothing when none has a prompt or answer count."""
    for key, usage_key in RESPONSE_USAGE_KEYS.items():
        answer = json_object(attributes.get(key), RESPONSE_USAGE_CHARS)
        usage = answer.get(usage_key) if answer is not None else None
        if not isinstance(usage, dict):
            continue
        found: dict[str, int] = {}
        for field, names in GEMINI_USAGE_FIELDS.items():
            counts = [usage[n] for n in names if n in usage]
            if counts and all(c.__class__ is int and c >= 0 for c in counts):
                found[field] = sum(counts)
        if "input" in found or "output" in found:
            return found, [key]
    return {}, []


#: Where a model call's span keeps the API's whole answer as JSON: OpenInference's ``output.value``.
#: An OpenAI Chat Completions answer there (``choices`` and ``usage``) completes the flat counts the
#: instrumentation took from it, as a completing usage object does: OpenInference's Portkey
#: instrumentation passes ``prompt_tokens``, ``completion_tokens`` and ``total_tokens`` on as
#: ``llm.token_count.*`` and no more, the cached tokens (``prompt_tokens_details.cached_tokens``)
#: only in the answer. Read only when the answer's prompt and completion counts are the flat ones
#: (the same call's answer), and only for what the flat keys lack.
#: A Gemini answer there (``candidates`` and its usage, ``GEMINI_ANSWER_USAGE_KEYS``) is the call's
#: usage whole when the flat counts are its own (``gemini_answer_usage``): OpenInference's Vertex AI
#: instrumentation passes ``promptTokenCount``, ``candidatesTokenCount`` and ``totalTokenCount`` on
#: and no more, the cached tokens (inside the prompt's count) and the thoughts (beside the answer's)
#: only in the answer, which it writes as the SDK's types serialize it (``usage_metadata``,
#: ``cached_content_token_count``...).
ANSWER_KEY = "output.value"
#: What an answer holds when it is worth decoding for its usage: a count the flat keys often lack
#: (OpenAI's), any of Gemini's counts (either spelling).
_ANSWER_USAGE_HINTS = ('"cached_tokens"', '"reasoning_tokens"', 'token_count"', 'TokenCount"')
#: The key of a Gemini answer's usage object: the API's spelling, then the Python SDKs' types'
#: (proto-plus ``to_dict`` in the Vertex AI SDK, pydantic in the Google Gen AI SDK), whose counts
#: are spelled in snake_case too (``prompt_token_count``).
GEMINI_ANSWER_USAGE_KEYS = ("usageMetadata", "usage_metadata")


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def gemini_answer_usage(answer: dict[str, Any], usage: dict[str, int]) -> dict[str, int]:
    """The usage (``GEMINI_USAGE_FIELDS``) of the Gemini answer ``answer`` when the flat counts
    ``usage`` are its own: their input its prompt count (with a built-in tool's prompt or without),
    their output its answer's (with the thoughts or without), their total its total; else nothing."""
    for key in GEMINI_ANSWER_USAGE_KEYS:
        raw = answer.get(key)
        if isinstance(raw, dict):
            break
    else:
        return {}
    counts: dict[str, int] = {}
    for name in ("promptTokenCount", "toolUsePromptTokenCount", "candidatesTokenCount", "thoughtsTokenCount",
                 "totalTokenCount", "cachedContentTokenCount"):
        count = raw.get(name, raw.get(_snake_case(name)))
        if count is None:
            continue
        if count.__class__ is not int or count < 0:
            return {}
        counts[name] = count
    prompt, tool_prompt = counts.get("promptTokenCount"), counts.get("toolUsePromptTokenCount", 0)
    answered, thoughts = counts.get("candidatesTokenCount", 0), counts.get("thoughtsTokenCount", 0)
    if prompt is None or usage.get("input") not in (prompt, prompt + tool_prompt) or usage.get("output", answered) not in (
            answered, answered + thoughts) or usage.get("total", counts.get("totalTokenCount")) != counts.get("totalTokenCount"):
        return {}
    return {field: sum(counts[n] for n in names if n in counts)
            for field, names in GEMINI_USAGE_FIELDS.items() if any(n in counts for n in names)}


def extract_answer_usage(attributes: dict[str, Any], usage: dict[str, int]) -> dict[str, int]:
    """The usage fields of the answer in ``ANSWER_KEY`` that ``usage`` (the flat counts) lacks, when
    that answer's prompt and completion counts are ``usage``'s; else nothing. A Gemini answer's
    usage is given whole (``gemini_answer_usage``): it is what the flat counts left parts of out."""
    value = attributes.get(ANSWER_KEY)
    if value.__class__ is not str or not any(hint in value for hint in _ANSWER_USAGE_HINTS):
        return {}
    answer = json_object(value, RESPONSE_USAGE_CHARS)
    if answer is None:
        return {}
    if isinstance(answer.get("candidates"), list):
        return gemini_answer_usage(answer, usage)
    if not isinstance(answer.get("choices"), list):
        return {}
    raw = answer.get("usage")
    if not isinstance(raw, dict):
        return {}
    found = _read_usage(raw, USAGE_OBJECT_PATHS)
    if any(found.get(field) != usage.get(field) for field in ("input", "output")):
        return {}
    return {field: count for field, count in found.items() if field not in usage}


#: Providers (``gen_ai.system`` / ``gen_ai.provider.name`` / ``llm.provider``, lower-cased) whose API
#: counts the input without the cache reads and writes it reports beside it: Amazon Bedrock
#: (``aws.bedrock``; ``aws``, OpenInference's name for it), its ``inputTokens`` beside
#: ``cacheReadInputTokens`` and ``cacheWriteInputTokens``, all four in its ``totalTokens``.
CACHE_BESIDE_INPUT = frozenset({"aws.bedrock", "aws"})
#: The instrumentations (``framework_hint``) that pass those counts on as the API sent them, as
#: ``gen_ai.usage.input_tokens``: the contrib botocore instrumentation and OpenLLMetry's Bedrock one
#: (their scopes name ``bedrock``), and OpenInference's for the AWS SDK for JavaScript, which passes
#: ``inputTokens`` on as ``llm.token_count.prompt`` and ``totalTokens`` as the total but not the
#: cache counts (``finish_usage`` counts what the total has beyond as input). Only their spans have the cache counts added in, however the
#: numbers compare. Every other sender keeps the OTel rule (the cache inside input), whatever
#: provider it names: Claude Code on Bedrock names ``aws.bedrock`` and counts the cache in, as
#: pydantic-ai and LangChain's Bedrock models do (a list of such clients would miss the next one).
CACHE_BESIDE_CLIENTS = frozenset({"bedrock"})
#: Scopes whose name hints a client of ``CACHE_BESIDE_CLIENTS`` but whose spans count the cache in
#: input, as OTel does -> the client whose tables read them: OpenInference's Bedrock instrumentation
#: for Python (boto3) sends ``inputTokens`` + ``cacheReadInputTokens`` + ``cacheWriteInputTokens`` as
#: ``llm.token_count.prompt``, the two cache counts as its prompt details, ``totalTokens`` as the total.
CACHE_IN_INPUT_SCOPES: dict[str, str] = {"openinference.instrumentation.bedrock": "openinference"}
#: Scope name prefixes of a tracing SDK whose instrumentations send spans of its own shape, whatever
#: library they trace -> the client whose tables read them, whatever framework their resource names:
#: Langtrace's instrumentation of langchain-core traces every public method of LangChain's model
#: classes (``BaseChatModel.asdict`` ...) under a LangGraph or CrewAI session alike.
SCOPE_PREFIX_CLIENTS: dict[str, str] = {"langtrace_python_sdk.": "langtrace",
                                         # Laminar's SDK: every span it makes, under ``lmnr.tracer``, in its own
                                         # shape (``lmnr.span.type``), whichever framework it traces (OpenHands).
                                         "lmnr.": "laminar"}
#: Scopes of an instrumentation of a gateway's SDK whose model calls name no provider -> the gateway,
#: the provider shown for them: OpenInference's Portkey instrumentation sends the model, usage and
#: messages of each call through Portkey's gateway but neither ``llm.provider`` nor ``llm.system``
#: (the provider the gateway passed the call to is a header of the request, never on the span).
#: Not a provider genai-prices prices: the call is priced by its model alone (``priced as``), as a
#: call through any gateway that names itself (LiteLLM, Cline's).
GATEWAY_SCOPES: dict[str, str] = {"openinference.instrumentation.portkey": "portkey"}


#: The vendors of Bedrock's model ids (``<vendor>.<model>``). OpenInference's instrumentation for
#: the AWS SDK for JavaScript names a call's model by the id's second part: for a cross-region
#: inference profile's id (``us.anthropic.claude-sonnet-4-20250514-v1:0``, how newer Claude models
#: are called) that is the vendor, ``anthropic``, a model no price list knows.
BEDROCK_VENDORS = frozenset({"amazon", "anthropic", "ai21", "cohere", "deepseek", "meta", "mistral", "openai",
                             "qwen", "writer"})
#: The model id in the request that instrumentation sends as ``input.value`` (the command's input, as JSON).
_REQUEST_MODEL_ID = re.compile(r'"modelId":"([A-Za-z0-9.:_/-]{1,200})"')


def bedrock_request_model(model: Any, attrs: dict[str, Any]) -> str | None:
    """The model id the request of a Bedrock instrumentation's span asked for, when the span names
    its model by the vendor alone (``BEDROCK_VENDORS``): the id in its ``input.value``, if any."""
    if model not in BEDROCK_VENDORS or (request := attrs.get("input.value")).__class__ is not str:
        return None
    found = _REQUEST_MODEL_ID.search(request)
    return found.group(1) if found is not None else None


#: A model named by its Vertex AI resource name, as the Vertex AI SDK's requests name it and
#: OpenInference's Vertex AI instrumentation passes it on as ``llm.model_name``:
#: ``projects/<project>/locations/<location>/publishers/<publisher>/models/<model>``, or without the
#: project and location. The last part is the model.
_RESOURCE_MODEL = re.compile(r"(?:projects/[^/]+/locations/[^/]+/)?publishers/[^/]+/models/([^/]+)")


def resource_model(model: Any) -> str | None:
    """The model a Vertex AI resource name (``_RESOURCE_MODEL``) names, else None."""
    if model.__class__ is not str or "publishers/" not in model:
        return None
    found = _RESOURCE_MODEL.fullmatch(model.strip())
    return found.group(1) if found is not None else None


def span_client(framework: str | None, scope_name: str | None) -> str | None:
    """``_span_client``, kept per (framework, scope): read for every scope of every request."""
    key = (framework, scope_name)
    got = _SPAN_CLIENTS.get(key, _UNREAD)
    if got is _UNREAD:
        got = _span_client(framework, scope_name)
        if len(_SPAN_CLIENTS) >= MAX_NAMED:
            _SPAN_CLIENTS.clear()  # scope names come from senders: bounded, started over rather than grown
        _SPAN_CLIENTS[key] = got
    return got


_SPAN_CLIENTS: dict[tuple[str | None, str | None], str | None] = {}


def _span_client(framework: str | None, scope_name: str | None) -> str | None:
    """The client whose tables read a span: the framework its resource names (``framework_hint``
    of ``resource_scope``), but a span of an instrumentation of ``CACHE_BESIDE_CLIENTS`` is that
    instrumentation's, whatever framework shares its resource: OpenLLMetry's Bedrock spans pass
    Bedrock's counts on as sent beside its Agno spans, and the resource names Agno. A scope of
    ``CACHE_IN_INPUT_SCOPES`` is the client it names there, whatever its resource names, and so is a
    scope of ``SCOPE_PREFIX_CLIENTS``."""
    if scope_name in CACHE_IN_INPUT_SCOPES:
        return CACHE_IN_INPUT_SCOPES[scope_name]
    for prefix, client in SCOPE_PREFIX_CLIENTS.items():
        if scope_name and scope_name.startswith(prefix):
            return client
    if scope_name and (hint := framework_hint(scope_name, {})) in CACHE_BESIDE_CLIENTS:
        return hint
    return framework


#: (client, the key its input count came from) -> the providers (lower-cased) whose own input
#: count that key passes on, cache reads and writes beside it: Agno's metrics keep each model's
#: API count (its ``Claude`` model Anthropic's ``input_tokens``; its ``AwsBedrock`` models,
#: provider ``AwsBedrock``, Bedrock's Converse ``inputTokens`` and Anthropic's on Bedrock), and
#: OpenInference's Agno instrumentation sends them as ``llm.token_count.prompt``, with the cache
#: counts as its prompt details. Keyed on the key, not the client alone: the anthropic SDK tracing
#: itself in the same process (so under the same resource, the same client) sends
#: ``gen_ai.usage.input_tokens`` with the cache counted in.
CACHE_BESIDE_KEYS: dict[tuple[str, str], frozenset[str]] = {
    ("agno", "llm.token_count.prompt"): frozenset({"anthropic", "awsbedrock"}),
}
#: Cache-count keys only one sender writes -> the providers (lower-cased) whose own input count that
#: sender passes on as its input, the cache reads and writes beside it under these keys: AgentScope's
#: TracingMiddleware sends each model class's ``ChatUsage`` (the API's counts) as
#: ``gen_ai.usage.input_tokens`` with ``agentscope.usage.cache_input_tokens`` and
#: ``agentscope.usage.cache_creation_input_tokens``; its ``AnthropicChatModel`` (and ``MiniMaxChatModel``,
#: built on it) keeps Anthropic's ``input_tokens``, which leaves them out, its other models an input that
#: holds them (OpenAI's ``prompt_tokens``). Keyed on the cache key, not the client: the anthropic SDK
#: tracing itself beside it (the same resource, the same client) sends its ``gen_ai.usage.input_tokens``
#: with the cache counted in, its cache counts under the GenAI keys.
CACHE_BESIDE_CACHE_KEYS: dict[str, frozenset[str]] = {
    "agentscope.usage.cache_input_tokens": frozenset({"anthropic", "minimax"}),
    "agentscope.usage.cache_creation_input_tokens": frozenset({"anthropic", "minimax"}),
}
#: Every provider of ``CACHE_BESIDE_CACHE_KEYS``: a span of any other is decided by one set lookup.
_CACHE_KEY_PROVIDERS: frozenset[str] = frozenset().union(*CACHE_BESIDE_CACHE_KEYS.values())


def cache_beside(provider: Any, client: str | None = None, input_key: str | None = None,
                 read: Collection[str] = ()) -> bool:
    """Whether a span of this provider from this instrumentation counts its cache tokens beside
    input (``CACHE_BESIDE_INPUT`` and ``CACHE_BESIDE_CLIENTS``; ``CACHE_BESIDE_KEYS`` for the
    key ``input_key`` its input count was read from; ``CACHE_BESIDE_CACHE_KEYS`` for the keys its
    usage was ``read`` from)."""
    if not isinstance(provider, str) or client is None:
        return False
    low = provider.lower()
    if client in CACHE_BESIDE_CLIENTS and low in CACHE_BESIDE_INPUT:
        return True
    if low in _CACHE_KEY_PROVIDERS and any(k in read and low in providers
                                           for k, providers in CACHE_BESIDE_CACHE_KEYS.items()):
        return True
    return input_key is not None and low in CACHE_BESIDE_KEYS.get((client, input_key), ())


#: Providers (lower-cased) whose API counts a thinking model's thoughts beside the answer and both
#: in its total: Gemini's ``thoughtsTokenCount`` beside ``candidatesTokenCount``, its
#: ``totalTokenCount`` the prompt's, the answer's and the thoughts' (the names Gemini is sent
#: under: OTel's ``gcp.gen_ai``, ``gcp.gemini``, ``gcp.vertex_ai``, the older ``vertex_ai`` and
#: LiteLLM's ``gemini``, OpenInference's ``google``). Thoughts are billed as output. An
#: instrumentation that passes ``candidatesTokenCount`` on as the output and ``totalTokenCount``
#: as the total (OpenLLMetry's for google-genai) leaves them only in what the total has beyond
#: input + output: ``finish_usage`` counts that as output, and as its reasoning. Genkit's Google plugins
#: (``googleai``, ``vertexai``: ``GENKIT_NAME_KEY``) pass Gemini's counts on as they come, the thoughts as
#: ``thoughtsTokens`` beside ``outputTokens``.
THINKING_BESIDE_OUTPUT = frozenset({"gcp.gen_ai", "gcp.gemini", "gcp.vertex_ai", "vertex_ai", "gemini", "google",
                                    "googleai", "vertexai"})
#: Gemini's built-in tools, as a request's tool definitions name them (the SDK's and the API's
#: spellings): Google runs them and reads their results as a prompt of their own,
#: ``toolUsePromptTokenCount``, billed as input and counted in ``totalTokenCount`` too. A request
#: that asked for one can leave those tokens, not only the thoughts, in what its total has beyond
#: input + output (``finish_usage``).
GEMINI_BUILTIN_TOOLS = frozenset({
    "google_search", "googleSearch", "google_search_retrieval", "googleSearchRetrieval", "code_execution",
    "codeExecution", "url_context", "urlContext", "google_maps", "googleMaps", "enterprise_web_search",
    "enterpriseWebSearch", "file_search", "fileSearch",
})
#: Those of them Google bills a fee for beside the tokens (grounding with Google Search, Google
#: Maps, enterprise web search: per grounded prompt or per query, past a free tier): a call's
#: spans never say whether the fee applied, so a price by tokens alone says it leaves it out.
GEMINI_FEE_TOOLS = frozenset({
    "google_search", "googleSearch", "google_search_retrieval", "googleSearchRetrieval", "google_maps", "googleMaps",
    "enterprise_web_search", "enterpriseWebSearch",
})
#: Keys of the tool definitions a model call was sent: OTel's ``gen_ai.tool.definitions`` (a JSON
#: list; OpenLLMetry names a built-in tool as ``{"google_search": {}}``, the contrib google-genai
#: instrumentation as ``{"type": "google_search", "name": "google_search"}``) and OpenInference's
#: ``llm.tools.<n>.tool.json_schema`` (one JSON object each). A key ending with ``.`` is a prefix.
TOOL_DEFINITION_KEYS = ("gen_ai.tool.definitions", "llm.tools.")


def asks_builtin_tool(attributes: dict[str, Any], tools: frozenset[str] = GEMINI_BUILTIN_TOOLS) -> bool:
    """Whether a model call's tool definitions (``TOOL_DEFINITION_KEYS``) ask for one of Gemini's
    built-in tools (``tools``: ``GEMINI_BUILTIN_TOOLS``, or those with a fee): a definition keyed by
    one, or of its type; a function of the same name (``{"name": "google_search"}``, type
    ``function``) is not one."""
    for key, value in attributes.items():
        if key != TOOL_DEFINITION_KEYS[0] and not (key.startswith(TOOL_DEFINITION_KEYS[1])
                                                    and key.endswith(".tool.json_schema")):
            continue
        if isinstance(value, str):
            try:
                value = msgspec.json.decode(value)
            except msgspec.DecodeError:
                continue
        for tool in value if isinstance(value, list) else (value,):
            if isinstance(tool, dict) and (not tools.isdisjoint(tool)
                                           or (isinstance(tool.get("type"), str) and tool["type"] in tools)):
                return True
    return False


def thinking_beside(provider: Any, model: Any = None) -> bool:
    """Whether this provider counts thinking tokens beside the answer's (``THINKING_BESIDE_OUTPUT``);
    a call that names no provider, by its model: a Gemini model's usage is Gemini's (OpenInference's
    LlamaIndex spans name none, and LlamaIndex passes ``candidatesTokenCount`` on as the completion
    and ``totalTokenCount`` as the total, the thoughts only in the latter). A Gemini model served
    OpenAI-style counts its thoughts in the completion, its total no more than both: no difference."""
    if isinstance(provider, str):
        return provider.lower() in THINKING_BESIDE_OUTPUT
    return isinstance(model, str) and model.rsplit("/", 1)[-1].lower().startswith("gemini")


#: Keys naming the host a model call was sent to, first present wins: OTel's ``server.address``
#: (a host name; the official OpenAI instrumentation sends it) and OpenLLMetry's
#: ``gen_ai.openai.api_base`` (the client's base URL).
HOST_KEYS = ("server.address", "gen_ai.openai.api_base")
#: Provider names that say which API's shape a call had, not who served it: every OpenAI
#: instrumentation names ``openai`` whatever OpenAI-compatible endpoint the SDK was pointed at.
SHAPE_PROVIDERS = frozenset({"openai"})
#: Hosts of providers' APIs (a host, or a domain any of whose hosts is the provider's: Azure's
#: resources are ``<name>.openai.azure.com``) -> that provider, by genai-prices' ids: with the
#: ``openai`` SDK pointed at one, the host is the only word of who served (and prices) the call.
API_HOSTS = {
    "api.groq.com": "groq",
    "api.deepseek.com": "deepseek",
    "api.together.xyz": "together",
    "api.together.ai": "together",
    "openrouter.ai": "openrouter",
    "api.fireworks.ai": "fireworks",
    "api.mistral.ai": "mistral",
    "api.x.ai": "x-ai",
    "api.cerebras.ai": "cerebras",
    "api.perplexity.ai": "perplexity",
    "api.moonshot.ai": "moonshotai",
    "api.moonshot.cn": "moonshotai",
    "api.novita.ai": "novita",
    "api.z.ai": "zai",
    "api.minimax.io": "minimax",
    "api.minimaxi.com": "minimax",
    "api.anthropic.com": "anthropic",
    "api.cohere.ai": "cohere",
    "api.cohere.com": "cohere",
    "openai.azure.com": "azure",
    "services.ai.azure.com": "azure",
    "cognitiveservices.azure.com": "azure",
    "generativelanguage.googleapis.com": "google",
    "aiplatform.googleapis.com": "google",
}
#: API hosts with a region in them, which the domain walk of ``host_provider`` cannot match:
#: (the host's first label, or what it ends with after a region and "-"; the domain the host is
#: in; the provider). Vertex AI's ``us-central1-aiplatform.googleapis.com``; Amazon Bedrock's
#: runtime (its OpenAI-compatible API too), ``bedrock-runtime.us-east-1.amazonaws.com``.
REGIONAL_API_HOSTS = (("aiplatform", "googleapis.com", "google"), ("bedrock-runtime", "amazonaws.com", "aws"),
                      ("bedrock-runtime-fips", "amazonaws.com", "aws"))


#: Names clients give one provider -> the one name shown, broken down by and filtered on (lower-cased
#: first: agno sends ``OpenAI``; Mistral's SDK telemetry names its calls ``mistralai`` and its failed
#: ones ``mistral_ai``). genai-prices' ids where it has one (``google``, ``azure``, ``mistral``, ``x-ai``, the
#: ids the host table gives), the OTel name ``aws.bedrock`` for Bedrock (its price id, ``aws``, would
#: not say Bedrock). None: a name that is not a provider's (Strands names itself, ``strands-agents``;
#: the model's price is then found by the model alone, as before).
PROVIDER_NAMES: dict[str, str | None] = {
    "mistralai": "mistral", "mistral_ai": "mistral",
    "gcp.gemini": "google", "gcp.gen_ai": "google", "gcp.vertex_ai": "google", "vertex_ai": "google",
    "vertexai": "google", "gemini": "google", "google_genai": "google", "google_vertexai": "google",
    "az.ai.inference": "azure", "azure.ai.inference": "azure", "az.ai.openai": "azure", "azure.ai.openai": "azure",
    "azure_openai": "azure",
    "amazon_bedrock": "aws.bedrock", "amazon-bedrock": "aws.bedrock", "bedrock": "aws.bedrock",
    "aws_bedrock": "aws.bedrock", "awsbedrock": "aws.bedrock",  # agno's AwsBedrock
    "aws": "aws.bedrock",  # OpenInference's llm.provider for Bedrock (its instrumentations for boto3 and the JS SDK)
    # LangChain's own names of a chat model's provider (``ls_provider`` in its run metadata:
    # ``PROVIDER_METADATA_KEYS``) that no other table names: Bedrock's Converse models, Azure AI
    # Foundry's (Python's ``azure_ai``, JavaScript's ``azure-ai-inference``), Claude on Vertex AI.
    "bedrock_converse": "aws.bedrock", "azure_ai": "azure", "azure-ai-inference": "azure",
    "google_anthropic_vertex": "google",
    # Genkit's plugin for the Gemini API names its models ``googleai/<model>`` (``GENKIT_NAME_KEY``).
    "googleai": "google",
    "x_ai": "x-ai", "xai": "x-ai", "togetherai": "together", "fireworks_ai": "fireworks",
    "strands-agents": None,
    # Google ADK's own name (its scope's), as ADK for TypeScript names every model call's system: ADK
    # runs any model, so the model says whose it is.
    "gcp.vertex.agent": None,
    # Agno's own name: OpenLLMetry's Agno instrumentor names each agent's and team's run so
    # (``gen_ai.system`` beside the summed usage of its calls), a framework, no provider.
    "agno": None,
    # Microsoft Agent Framework's own name, on each agent's run (``invoke_agent``, beside the summed usage
    # of its calls, which name their provider themselves): a framework, no provider.
    "microsoft.agent_framework": None,
    # OpenLLMetry's CrewAI instrumentation names a crew's run so (``gen_ai.system``), OpenLIT's LangGraph and
    # LangChain instrumentations their graph's and chain's spans: frameworks, no providers.
    "crewai": None, "langgraph": None, "langchain": None,
    # BAML's provider names (a ``client<llm>``'s ``provider``, OpenInference's BAML instrumentation's
    # ``llm.provider``), and its ``llm.system`` ``baml``, a framework. ``openai-generic`` is any OpenAI-shaped
    # API at a ``base_url`` of the user's: it says whose API the call had the shape of, not who served it,
    # so the model alone names the price.
    "baml": None, "openai-generic": None,
    "google-ai": "google", "vertex-ai": "google", "aws-bedrock": "aws.bedrock", "azure-openai": "azure",
    "openai-responses": "openai",
}
#: The API part of the Vercel AI SDK's provider names, ``<provider>.<api>`` (``openai.responses``,
#: ``anthropic.messages``, ``google.generative-ai``): the provider is the part before it.
API_SUFFIXES = frozenset({"chat", "responses", "messages", "completion", "completions", "generative-ai",
                          "embedding", "embeddings", "converse"})
_provider_names: dict[str, str | None] = {}


def provider_name(value: str) -> str | None:
    """The one name shown for a provider as a client named it (``PROVIDER_NAMES``), None when the
    name is not a provider's. Remembered: a monitor sees a handful of names."""
    got = _provider_names.get(value, value)
    if got is not value:
        return got
    name = value.strip().lower()
    head, dot, api = name.rpartition(".")
    if dot and api in API_SUFFIXES and head:
        name = head
    name = PROVIDER_NAMES.get(name, name)  # type: ignore[assignment]
    if len(_provider_names) < 1024:
        _provider_names[value] = name
    return name


def host_provider(value: Any) -> str | None:
    """The provider whose API a host key's value (a host, or a URL) names (``API_HOSTS``), else None."""
    if value.__class__ is not str or not value:
        return None
    host = value.lower()
    if "://" in host:
        host = host.partition("://")[2]
    host = host.partition("/")[0].rpartition("@")[2].partition(":")[0].rstrip(".")
    first, _, rest = host.partition(".")
    while host:
        provider = API_HOSTS.get(host)
        if provider is not None:
            return provider
        host = host.partition(".")[2]  # the domain it is in (a label boundary: no "xapi.groq.com")
    for label, domain, provider in REGIONAL_API_HOSTS:
        if ((first == label or first.endswith("-" + label))
                and (rest == domain or rest.endswith("." + domain))):
            return provider
    return None


def provider_by_host(llm: dict[str, Any], attributes: dict[str, Any], keys: tuple[str, ...]) -> bool:
    """Name the provider of a model call's ``llm`` fields by the host it was sent to (``keys``, the
    ``HOST_KEYS`` present) when the span names none, or only the API's shape (``SHAPE_PROVIDERS``);
    a provider named otherwise is never overridden. Whether it changed."""
    named = llm.get("provider")
    if named is not None and named.lower() not in SHAPE_PROVIDERS:
        return False
    provider = host_provider(attributes[keys[0]])
    if provider is None or provider == named:
        return False
    llm["provider"] = provider
    return True


#: Where a model call's span keeps its framework's run metadata (JSON) -> the entry of it naming the
#: call's provider. OpenInference's LangChain instrumentations put LangChain's run metadata on every
#: span as ``metadata``; a chat model's run holds LangChain's ``ls_provider`` there (beside
#: ``ls_model_name`` and ``ls_model_type``): ``openai``, ``anthropic``, ``google_genai``,
#: ``google_vertexai``, ``amazon_bedrock``, ``bedrock``, ``azure``, ``groq``, ``mistralai``, ``ollama``
#: ... The instrumentation for Python names the provider itself from it (``llm.provider``); the one for
#: JavaScript (``@arizeai/openinference-instrumentation-langchain`` 4.x) sends neither ``llm.provider``
#: nor ``llm.system``, the provider only there. Read for a model call whose span names no provider.
PROVIDER_METADATA_KEYS: dict[str, str] = {"metadata": "ls_provider"}
#: The longest metadata read for its provider (a run's metadata is a few hundred characters).
PROVIDER_METADATA_CHARS = 8192


def metadata_provider(attributes: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """The provider the run metadata of ``keys`` (``PROVIDER_METADATA_KEYS`` present, in order) names,
    as shown (``provider_name``), else None. Metadata without the entry is never decoded."""
    for key in keys:
        value = attributes[key]
        entry = PROVIDER_METADATA_KEYS[key]
        if value.__class__ is not str or f'"{entry}"' not in value:
            continue
        got = json_object(value, PROVIDER_METADATA_CHARS)
        named = got.get(entry) if got is not None else None
        if named.__class__ is str and named.strip():
            return provider_name(named)
    return None


def finish_usage(fields: dict[str, int], scope: str = "span", beside: bool = False,
                 thinking: bool = False, request: dict[str, Any] | None = None) -> TokenUsage | None:
    """A TokenUsage from extracted fields, in the model's convention.

    ``input`` must include cache reads and writes (the OTel GenAI rule). When
    a sender's input is smaller than its cache reads + writes it evidently
    reported them Anthropic-style (beside input), so they are added in; with
    ``beside`` (a provider of ``CACHE_BESIDE_INPUT``) they are added in always,
    and what its total has beyond input + output then is cache the sender left
    out (Bedrock's ``totalTokens`` counts the cache reads and writes): input too.
    ``output`` must include the reasoning: with ``thinking`` (a provider of
    ``THINKING_BESIDE_OUTPUT``) a total beyond input + output is the thinking
    the output left out (unless a reasoning count other than that says otherwise).
    When the call's attributes (``request``) ask for a built-in tool
    (``asks_builtin_tool``), what is beyond is the tool's prompt, billed as input,
    and is counted as input, unless it is the reasoning count the sender gave:
    a sender that reports neither the tool's prompt nor the thoughts apart
    (OpenLLMetry's for google-genai) leaves them one sum, which the tool's results
    (thousands of tokens for a web search) usually outweigh, so the thoughts in it
    are counted as input too rather than the tool's prompt as output.
    """
    if not fields:
        return None
    u = TokenUsage(**fields, scope=scope)  # type: ignore[arg-type]
    cached = u.cache_read + u.cache_write
    if cached and (beside or u.input < cached):
        u.input += cached
    beyond = u.total - u.input - u.output
    if beside and beyond > 0:
        u.input += beyond
    elif thinking and beyond > 0:
        if u.reasoning != beyond and request is not None and asks_builtin_tool(request):
            u.input += beyond
        elif u.reasoning in (0, beyond):
            u.reasoning = beyond
            u.output = u.total - u.input
    if u.total < u.input + u.output:
        u.total = u.input + u.output
    return u


# -- Genkit ---------------------------------------------------------------------

#: Genkit's attributes of an action's span: its name, its input and its output (JSON: ``JSON_VALUE_KEYS``).
GENKIT_NAME_KEY = "genkit:name"
GENKIT_INPUT_KEY = "genkit:input"
GENKIT_OUTPUT_KEY = "genkit:output"
#: The action types (``GENKIT_KIND_KEY``) of a model's action: its span is the model call, named
#: ``<plugin>/<model>`` (``openai/gpt-4o-mini``, ``googleai/gemini-2.5-flash``): the plugin's name is
#: the provider (``PROVIDER_NAMES`` spells it), the rest the model. Genkit sends no GenAI attribute:
#: the call's usage is only in its output, Genkit's model response (``GENKIT_USAGE_FIELDS``).
GENKIT_MODEL_TYPES = frozenset({"model", "background-model"})
#: The monitor's usage fields -> the counts of Genkit's ``GenerationUsage`` (the ``usage`` of a model
#: action's output; Genkit for Python writes them as floats, ``1234.0``, and its OpenAI-compatible plugin
#: passes the cache reads on as ``cachedContentTokens``). Its ``generate`` steps (``GENKIT_TYPE_KINDS``) repeat the last call's usage in their
#: own output: only a model action's is read. A plugin that passes no cache count on (the OpenAI-compatible
#: plugin, ``@genkit-ai/compat-oai``) keeps the API's answer as ``raw``: an OpenAI Chat Completions usage
#: there whose prompt and completion counts are Genkit's input and output gives the cache reads and
#: reasoning (``USAGE_OBJECT_PATHS``).
GENKIT_USAGE_FIELDS: dict[str, str] = {"input": "inputTokens", "output": "outputTokens", "total": "totalTokens",
                                      "cache_read": "cachedContentTokens", "reasoning": "thoughtsTokens"}
#: A longer output is not read for its usage (the answer's text and the API's whole answer are in it).
GENKIT_OUTPUT_CHARS = 1 << 20
#: The usage fields read from the API's own answer (``raw``) of a Genkit model action.
_GENKIT_RAW_FIELDS = ("cache_read", "cache_write", "reasoning")


def genkit_model_call(attributes: dict[str, Any]) -> tuple[dict[str, str], dict[str, int]] | None:
    """(llm fields, usage fields) of a Genkit model action's span (``GENKIT_MODEL_TYPES``): the
    provider and model its name says, the usage its output reports; None for any other span."""
    subtype = attributes.get(GENKIT_KIND_KEY)
    if subtype.__class__ is not str or subtype not in GENKIT_MODEL_TYPES:
        return None
    llm: dict[str, str] = {}
    name = attributes.get(GENKIT_NAME_KEY)
    if isinstance(name, str) and name.strip():
        plugin, slash, model = name.strip().partition("/")
        llm = {"provider": plugin, "model": model} if slash and plugin and model else {"model": name.strip()}
    usage: dict[str, int] = {}
    got = json_object(attributes.get(GENKIT_OUTPUT_KEY), GENKIT_OUTPUT_CHARS)
    counts = got.get("usage") if got is not None else None
    if got is None or not isinstance(counts, dict):
        return llm, usage
    for field, key in GENKIT_USAGE_FIELDS.items():
        count = counts.get(key)
        if count.__class__ is float and count.is_integer():  # Genkit for Python's counts (1234.0)
            count = int(count)
        if count.__class__ is int and count >= 0:
            usage[field] = count
    raw = got.get("raw")
    wire = raw.get("usage") if isinstance(raw, dict) else None
    if (isinstance(wire, dict) and "input" in usage and wire.get("prompt_tokens") == usage["input"]
            and wire.get("completion_tokens") == usage.get("output")):
        for field, count in _read_usage(wire, USAGE_OBJECT_PATHS).items():
            if field in _GENKIT_RAW_FIELDS:
                usage.setdefault(field, count)
    return llm, usage


#: The action types whose output is Genkit's multipart tool envelope: Genkit for Python registers every
#: tool as ``tool.v2`` (``GENKIT_KINDS``), its span's output ``{"output": <what the tool returned>}``, with
#: the ``content`` parts and ``metadata`` a tool may return beside it. The model is given the output: it
#: is the tool's result shown (a string as itself, anything else as its JSON).
GENKIT_TOOL_ENVELOPE_TYPES = frozenset({"tool.v2"})
_GENKIT_ENVELOPE_KEYS = frozenset({"output", "content", "metadata"})
#: Genkit's outcome of an action (``success``, ``error``). Genkit for Python leaves the status of a
#: ``generate`` step unset when a model call in it failed (``generate`` returns the failed response
#: rather than raising): its state ``error`` and its output's ``error`` say it failed.
GENKIT_STATE_KEY = "genkit:state"
GENKIT_ERROR_KEY = "genkit:error"


def unwrap_genkit_tool_output(attributes: dict[str, Any]) -> None:
    """Replace the output of a Genkit tool action whose output is the multipart envelope
    (``GENKIT_TOOL_ENVELOPE_TYPES``) by the tool's own output."""
    if attributes.get(GENKIT_KIND_KEY) not in GENKIT_TOOL_ENVELOPE_TYPES:
        return
    got = json_object(attributes.get(GENKIT_OUTPUT_KEY), GENKIT_OUTPUT_CHARS)
    if got is None or "output" not in got or not got.keys() <= _GENKIT_ENVELOPE_KEYS:
        return
    output = got["output"]
    if output is None:
        return
    attributes[GENKIT_OUTPUT_KEY] = output if isinstance(output, str) else msgspec.json.encode(output).decode()


def genkit_failure(attributes: dict[str, Any]) -> tuple[str, str | None] | None:
    """(code, message) of a Genkit action its state says failed (``GENKIT_STATE_KEY``): the status of
    its output's ``error`` (``INVALID_ARGUMENT``) or ``error``, and Genkit's error text after that status
    (as Genkit words a failed span's status); None otherwise."""
    if attributes.get(GENKIT_STATE_KEY) != "error":
        return None
    code, message = "error", attributes.get(GENKIT_ERROR_KEY)
    got = json_object(attributes.get(GENKIT_OUTPUT_KEY), GENKIT_OUTPUT_CHARS)
    error = got.get("error") if got is not None else None
    if isinstance(error, dict):
        if isinstance(status := error.get("status"), str) and status:
            code = status
        if not isinstance(message, str) and isinstance(text := error.get("message"), str):
            message = text
    if not isinstance(message, str) or not message:
        return code, None
    return code, message if code == "error" else f"{code}: {message}"


# -- resource -> session metadata ------------------------------------------------

#: Instrumentation scope name fragments -> framework (first match wins).
FRAMEWORK_HINTS: list[tuple[str, str]] = [
    ("claude_code", "claude-code"),
    ("codex", "codex"),
    ("gemini-cli", "gemini-cli"),
    ("gemini_cli", "gemini-cli"),
    ("opencode", "opencode"),
    ("qwen-code", "qwen-code"),
    ("github.copilot", "copilot-cli"),  # GitHub Copilot CLI's scope (COPILOT_OTEL_SOURCE_NAME's default)
    ("github-copilot", "copilot-cli"),  # and its service name (OTEL_SERVICE_NAME's default)
    ("langgraph", "langgraph"),
    ("langchain", "langchain"),
    ("llama_index", "llama-index"),
    ("llamaindex", "llama-index"),
    ("crewai", "crewai"),
    ("autogen", "autogen"),
    ("openai_agents", "openai-agents"),
    ("openai.agents", "openai-agents"),
    # The npm packages' spelling: OpenInference's ``@arizeai/openinference-instrumentation-openai-agents``
    # (the SDK for TypeScript, ``@openai/agents``), before the family its scope names too.
    ("openai-agents", "openai-agents"),
    ("pydantic-ai", "pydantic-ai"),
    ("pydantic_ai", "pydantic-ai"),
    ("smolagents", "smolagents"),
    ("haystack", "haystack"),
    ("dspy", "dspy"),
    ("semantickernel", "semantic-kernel"),
    ("semantic_kernel", "semantic-kernel"),
    ("agent_framework", "agent-framework"),  # Microsoft Agent Framework's scope (and default service name)
    # mcp-agent (LastMile AI) names its tracer after its ``otel.service_name``, ``mcp-agent`` unless configured.
    ("mcp-agent", "mcp-agent"),
    ("mcp_agent", "mcp-agent"),
    ("fast_agent", "fast-agent"),  # fast-agent's own spans: scopes ``fast_agent.agents.llm_decorator`` ...
    ("strands", "strands"),
    ("google.adk", "google-adk"),
    ("gcp.vertex.agent", "google-adk"),
    ("mastra", "mastra"),
    ("genkit", "genkit"),  # Genkit's tracer, ``genkit-tracer`` (Firebase Genkit's SDKs)
    ("voltagent", "voltagent"),  # VoltAgent's scope, ``@voltagent/core`` (and its default service name)
    ("agno", "agno"),
    # AG2 1.x's own TelemetryMiddleware (scope ``opentelemetry.instrumentation.ag2``), and
    # OpenInference's AG2 instrumentor (``openinference.instrumentation.ag2``): before the family.
    ("ag2", "ag2"),
    ("beeai", "beeai"),  # IBM's BeeAI Framework (OpenInference's ``openinference.instrumentation.beeai``)
    # Griptape's observability driver names its tracer after its ``service_name``, ``griptape`` unless given
    # one (an application's own name then: ``SPAN_NAME_FRAMEWORKS`` tells its spans apart).
    ("griptape", "griptape"),
    # PraisonAI's agents: the spans its observability suite (praisonai-tools) builds itself, scope
    # ``praisonai.observability``, its resource's ``service.name`` ``praisonai``; before the Langfuse and
    # LangSmith providers' names, which only say where it meant to send them.
    ("praisonai", "praisonai"),
    # Burr's OpenTelemetry bridge and tracker: scope ``burr.integrations.opentelemetry`` (the dot keeps
    # out names that merely start so).
    ("burr.", "burr"),
    ("langfuse", "langfuse"),  # the Langfuse SDK's scope, ``langfuse-sdk``
    ("langsmith", "langsmith"),  # the LangSmith SDK's scope (and its tracer provider's default service name)
    # instructor (structured outputs over a provider's SDK), by OpenInference's ``openinference.instrumentation.instructor``.
    ("instructor", "instructor"),
    # BAML's generated clients, by OpenInference's BAML instrumentation (``openinference.instrumentation.baml``,
    # its spans' ``llm.system`` ``baml``): before the family.
    ("baml", "baml"),
    # Guardrails AI's guards, by OpenInference's ``openinference.instrumentation.guardrails`` (each attempt's
    # ``Runner.step``, its LLM callable, its validators): before the family.
    ("guardrails", "guardrails"),
    # Mirascope's own tracing (``mirascope.ops``): its model calls' scope ``mirascope.llm``, its traced
    # functions' ``mirascope.ops``.
    ("mirascope", "mirascope"),
    # Upsonic's own tracing (``DefaultTracingProvider``, any ``TracingProvider``): every span it makes, its
    # model calls' too, under the scope ``upsonic`` (and the service ``upsonic`` unless the app names one).
    ("upsonic", "upsonic"),
    # Pipecat's own tracing (``enable_tracing``): its services' spans under the scope ``pipecat``, its
    # conversation and turn spans under ``pipecat.turn``; OpenInference's Pipecat instrumentation's scope
    # names it too (``openinference.instrumentation.pipecat``), before the family.
    ("pipecat", "pipecat"),
    # LiveKit Agents' own tracing (``livekit.agents.telemetry.set_tracer_provider``): every span it makes, its
    # model and tool calls' too, under the scope ``livekit-agents``.
    ("livekit", "livekit"),
    ("trulens", "trulens"),  # TruLens's OpenTelemetry mode: every span its @instrument makes, scope ``trulens``
    # The OpenHands Software Agent SDK: its spans go out under Laminar's scope (``FAMILY_SPAN_NAME_FRAMEWORKS``
    # tells them apart), this name read from their names.
    ("openhands", "openhands"),
    ("lmnr", "laminar"),  # Laminar's SDK: every span it makes, its instrumentations' too, under ``lmnr.tracer``
    # AgentOps' SDK: its decorators' scope ``agentops``, its instrumentations' ``agentops.instrumentation.*``
    # (an agent framework's named above wins), its service name ``agentops``.
    ("agentops", "agentops"),
    # Langtrace's SDK: its instrumentations' scopes ``langtrace_python_sdk.instrumentation.<library>.*`` (an
    # agent framework's named above wins: ``...instrumentation.langgraph``), its root span's ``...utils.with_root_span``.
    ("langtrace", "langtrace"),
    ("bedrock", "bedrock"),
    ("openllmetry", "openllmetry"),
    ("traceloop", "openllmetry"),
    ("openinference", "openinference"),
]
#: Frameworks that name a family of instrumentations, a model-call library agent frameworks
#: call (LiteLLM; boto3's Bedrock runtime, by its instrumentations' ``bedrock`` scopes), or a tracing SDK whose exporter sends other instrumentations' spans beside
#: its own (Langfuse's sends pydantic-ai's, OpenInference's ...; LangSmith's exports on the global
#: tracer provider when one is set; Laminar's sends any other instrumentation's beside its own), not
#: the agent framework:
#: a resource whose scopes name both
#: (OpenInference's CrewAI and OpenAI instrumentors) is the other's, and a session's
#: framework is never replaced by one of these. OpenLIT is named by its SDK (``telemetry.sdk.name``)
#: on the spans of instrumentations whose scope names no framework (its httpx and OpenAI ones), sent
#: beside the ones that do (its LangGraph instrumentation's).
INSTRUMENTATION_FAMILIES = frozenset({"openinference", "openllmetry", "openlit", "litellm", "langfuse", "langsmith",
                                      "bedrock", "laminar", "agentops", "langtrace"})
#: A framework -> the framework it is built on. One agent turn of a framework built on another
#: also reports the one below (OpenLIT's LangChain spans and log records name ``langchain`` within
#: a LangGraph run): a session named by the framework above is never renamed to one below it.
FRAMEWORK_BUILT_ON: dict[str, str] = {"langgraph": "langchain"}


def built_on(framework: str | None, base: str | None) -> bool:
    """Whether ``framework`` is built on ``base`` (``FRAMEWORK_BUILT_ON``, on down)."""
    seen: set[str] = set()
    while framework is not None and framework not in seen:
        seen.add(framework)
        framework = FRAMEWORK_BUILT_ON.get(framework)
        if framework is not None and framework == base:
            return True
    return False


#: Instrumentation scopes named too briefly (or too commonly) for a fragment match: the whole name -> framework.
FRAMEWORK_SCOPES: dict[str, str] = {
    "ai": "ai-sdk",  # the Vercel AI SDK's ``ai.*`` telemetry
    # LiteLLM's own OTel callback; not OpenInference's ``openinference.instrumentation.litellm``.
    "litellm": "litellm",
    # Factory's Droid: the tracer of its GenAI spans (``OTEL_TELEMETRY_FORMAT=genai``); its service is ``cli``.
    "cli-agent-trace": "droid",
    # The Cline CLI's tracers of its model calls (the AI SDK's GenAI spans, through Langfuse's span processor):
    # its own one to a Langfuse server of the user's (``LANGFUSE_BASE_URL``), and the one relayed to Cline's
    # collector; named after Langfuse, whose name (an instrumentation family) would otherwise name the session.
    "cline-langfuse-direct": "cline",
    "cline-provider-langfuse": "cline",
    # The Letta server's tracing of its own methods (``LETTA_OTEL_EXPORTER_OTLP_ENDPOINT``); its service is
    # ``letta-server``.
    "letta.otel.tracing": "letta",
    # AgentScope's TracingMiddleware (2.x; 1.x's tracing decorators): its tracer, named ``agentscope`` alone.
    "agentscope": "agentscope",
}
#: Resource attributes whose exact value names a framework, read after the scope and the service
#: name: the Strands Agents SDK for TypeScript names its tracer after the service (``OTEL_SERVICE_NAME``,
#: an application's own name), so its scope says nothing, but its telemetry helper
#: (``setupTracer``) gives the resource the service namespace ``strands`` unless told another.
RESOURCE_FRAMEWORKS: dict[tuple[str, str], str] = {("service.namespace", "strands"): "strands"}
#: Resource attributes copied onto the session.
RESOURCE_SESSION_KEYS: dict[str, str] = {
    "service.name": "service",
    "host.name": "hostname",
    "service.version": "service_version",
}


#: Span names that say which framework made them, for a scope whose name names none -> that framework
#: (read as its scope's name by ``framework_hint``). Griptape's observability driver names its tracer
#: after the service it is given, an application's own name, and each span after the method it observes,
#: ``<Class>.<method>()``: a structure's ``run()``, ``run_stream()``, ``try_run()``, ``before_run()`` and
#: ``after_run()``, a prompt driver's ``run()``, ``try_run()`` and ``try_stream()``, a tool's ``try_run()``.
SPAN_NAME_FRAMEWORKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^[A-Za-z_]\w*\.(?:run|run_stream|try_run|try_stream|before_run|after_run)\(\)$"), "griptape"),
)
#: Span names that say which framework made them under the scope of a tracing SDK (an instrumentation
#: family's, ``INSTRUMENTATION_FAMILIES``) -> that framework. The OpenHands Software Agent SDK traces
#: itself with Laminar's SDK, every span under ``lmnr.tracer``: its conversation's span (``conversation``),
#: ``conversation.send_message`` / ``.run`` / ``.arun`` and each ``agent.step`` (``acp_agent.step`` for an
#: agent over the Agent Client Protocol; ``astep`` awaited) are its ``@observe`` names.
FAMILY_SPAN_NAME_FRAMEWORKS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "laminar": ((re.compile(r"^(?:conversation(?:\.(?:send_message|run|arun))?|(?:acp_)?agent\.a?step)$"),
                 "openhands"),),
}
#: The spans of a scope looked at for ``SPAN_NAME_FRAMEWORKS`` (its first; every span of Griptape's but
#: the root, ``main``, is named so).
SPAN_NAMES_READ = 4


def span_names_framework(names: Iterable[str],
                         patterns: tuple[tuple[re.Pattern[str], str], ...] = SPAN_NAME_FRAMEWORKS) -> str | None:
    """The framework the first ``SPAN_NAMES_READ`` of a scope's span names say made them
    (``patterns``: ``SPAN_NAME_FRAMEWORKS``, or a family's ``FAMILY_SPAN_NAME_FRAMEWORKS``), else None."""
    for n, name in enumerate(names):
        if n == SPAN_NAMES_READ:
            break
        if name.__class__ is str:
            for pattern, framework in patterns:
                if pattern.match(name):
                    return framework
    return None


def framework_scope(scope_name: str | None, span_names: Iterable[str]) -> str | None:
    """The name a scope of spans is read as for its framework (``resource_scope``): its own, unless
    that names no framework, or only a tracing SDK's with names of its own for a framework's spans
    (``FAMILY_SPAN_NAME_FRAMEWORKS``), and its spans' names name one (``span_names_framework``): then
    that framework."""
    hint = framework_hint(scope_name, {}) if scope_name else None
    if hint is None:
        return span_names_framework(span_names) or scope_name
    if hint in FAMILY_SPAN_NAME_FRAMEWORKS:
        return span_names_framework(span_names, FAMILY_SPAN_NAME_FRAMEWORKS[hint]) or scope_name
    return scope_name


def framework_hint(scope_name: str | None, resource: dict[str, Any]) -> str | None:
    """A framework name from the instrumentation scope, then the SDK name."""
    if scope_name in FRAMEWORK_SCOPES:
        return FRAMEWORK_SCOPES[scope_name]
    for text in (scope_name, resource.get("service.name")):
        if text is None:
            continue
        if text.__class__ is not str:
            text = str(text)
        if text:
            hint = _NAMED.get(text, _UNREAD)
            if hint is _UNREAD:
                hint = _named_framework(text)
            if hint is not None:
                return hint
    for (key, value), framework in RESOURCE_FRAMEWORKS.items():
        if resource.get(key) == value:
            return framework
    sdk = resource.get("telemetry.sdk.name")
    if isinstance(sdk, str) and sdk and sdk != "opentelemetry":
        return sdk
    return None


def _named_framework(text: str) -> str | None:
    """The framework of the first ``FRAMEWORK_HINTS`` fragment in ``text`` (a scope's or a
    service's name), else None; kept in ``_NAMED`` (every request names its scopes and service
    again: ~60 fragments searched each time, the most of a small request's framework work)."""
    low = text.lower()
    hint = None
    for fragment, framework in FRAMEWORK_HINTS:
        if fragment in low:
            hint = framework
            break
    if len(_NAMED) >= MAX_NAMED:
        _NAMED.clear()  # names come from senders: bounded, started over rather than grown
    _NAMED[text] = hint
    return hint


#: Scope and service names read by ``_named_framework`` -> their framework or None.
_NAMED: dict[str, str | None] = {}
MAX_NAMED = 4096
_UNREAD: Any = object()


def resource_scope(scope_names: Iterable[str | None], resource: dict[str, Any] | None = None) -> str | None:
    """The scope a resource's framework is read from (``framework_hint``): the first that
    names a framework other than an instrumentation family; else the first, unless neither it
    nor ``resource`` (the resource's attributes) names anything and a later scope names a family:
    then that one. Langfuse's exporter sends the AI SDK's spans (scope ``gen_ai``, naming nothing)
    before its own in one export, and a later export of only its own would name the session
    ``langfuse`` anyway: the framework does not hang on how the spans were batched."""
    first: str | None = None
    family: str | None = None
    for n, name in enumerate(scope_names):
        if n == 0:
            first = name
        if name and (hint := framework_hint(name, {})) is not None:
            if hint not in INSTRUMENTATION_FAMILIES:
                return name
            if family is None:
                family = name
    if family is not None and framework_hint(first, resource or {}) is None:
        return family
    return first


#: Every attribute key a preview may come from (but the flattened lists': ``_MSG_PREFIXES``).
#: (With where a turn's root holds its input: a span carrying one takes the path that reads its name.)
_MESSAGE_KEYS: frozenset[str] = frozenset({*MESSAGE_JSON_KEYS, *VALUE_KEYS, *OBSERVATION_KEYS, *TURN_INPUT_KEYS, *CREW_TASKS_KEYS, AI_PROMPT_KEY,
                                           *(k for keys in CLIENT_VALUE_KEYS.values() for k in keys)})


#: Prefixes of the keys a preview may come from: the flattened message lists', a client's arguments'.
_MESSAGE_PREFIXES: tuple[str, ...] = (*_MSG_PREFIXES, *CLIENT_ARGUMENT_PREFIXES.values())


#: Usage fields that are details of a call's input (``TokenUsage.cache_read`` / ``cache_write``).
CACHE_COUNT_FIELDS = frozenset({"cache_read", "cache_write"})


def cache_counts_alone(fields: Iterable[str]) -> bool:
    """Whether a span's usage fields are cache counts and nothing else: no input, output or total.
    Such a span reports no usage of its own, only details of a call's usage reported on another
    span (the OpenHands SDK's ``llm.<model>`` span around each LiteLLM call sets the call's cache
    reads and writes and its cost; the usage is on Laminar's ``litellm.completion`` span inside
    it): read as a usage, its cache reads would count as input (``finish_usage``) and the span as a
    call of its own. Its keys stay attributes."""
    got = set(fields)
    return bool(got) and got <= CACHE_COUNT_FIELDS


class Plan:
    """What the tables make of one *set* of attribute keys, computed once.

    Spans from one instrumentation repeat the same keys endlessly, so the
    OTLP path looks the key tuple up here instead of probing every table
    for every span: only the rows whose keys are present are tried.
    """

    __slots__ = ("rows", "kind", "messages", "subtree", "usage_object", "response_usage", "cost", "keys", "fast",
                 "session_keys", "json_values", "host", "chain_result", "genkit",
                 "provider_metadata")

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        #: What the OTel span builder precomputes for this key set (``normalize.otel``), once asked.
        self.fast: Any = None
        present = set(keys)
        rows = []
        for part, field, conv, row_keys in ATTRIBUTE_MAP:
            got = tuple(k for k in row_keys if k in present)
            if got:
                rows.append((part, field, conv, got))
        if cache_counts_alone(field for part, field, _c, _k in rows if part == "usage"):
            rows = [row for row in rows if row[0] != "usage"]
        self.rows = rows
        self.kind = not present.isdisjoint(EXPLICIT_KIND_KEYS)
        # By key (the plan knows no client): a key of any client's own (``CLIENT_VALUE_KEYS``) takes
        # the general path, which reads it for that client only.
        self.messages = bool(present & _MESSAGE_KEYS) or any(k.startswith(_MESSAGE_PREFIXES) for k in keys)
        self.subtree = any(k in present for ks in SUBTREE_USAGE_KEYS.values() for k in ks)
        self.usage_object = not present.isdisjoint(USAGE_OBJECT_KEYS)
        self.response_usage = not present.isdisjoint(RESPONSE_USAGE_KEYS)
        #: The session keys present, in ``SESSION_KEYS`` order (usually none).
        self.session_keys = tuple(k for k in SESSION_KEYS if k in present)
        self.cost = any(k in present for ks in COST_KEYS.values() for k in ks)
        #: The keys present whose values are JSON-encoded (``JSON_VALUE_KEYS``; usually none).
        self.json_values = tuple(k for k in keys if k in JSON_VALUE_KEYS)
        #: The ``HOST_KEYS`` present, in their order (usually none).
        self.host = tuple(k for k in HOST_KEYS if k in present)
        #: The ``CHAIN_RESULT_KEYS`` present, in their order (OpenLLMetry's LangChain chain spans).
        self.chain_result = tuple(k for k in CHAIN_RESULT_KEYS if k in present)
        #: A Genkit action's span, which may be a model call (``genkit_model_call``).
        self.genkit = GENKIT_KIND_KEY in present
        #: The ``PROVIDER_METADATA_KEYS`` present, in their order (OpenInference's LangChain spans).
        self.provider_metadata = tuple(k for k in PROVIDER_METADATA_KEYS if k in present)


_PLANS: dict[tuple[str, ...], Plan] = {}
_MAX_PLANS = 4096


#: The plan of a key tuple already seen, else None (``plan_for`` without the call, for hot loops).
cached_plan = _PLANS.get


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
                    field == "stop_reason" and (value[:1] == "[" or "." in value)):
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
    keys.update(HTTP_STATUS_KEYS)
    keys.update(RESPONSE_MODEL_KEYS)
    keys.update(CHAIN_RESULT_KEYS)
    keys.update(FAILED_BY_EXCEPTION_KEYS)
    keys.add(PINNED_SESSION_KEY)
    keys.update(INSTANCE_KEYS)
    keys.update(EXPLICIT_KIND_KEYS)
    for ks in COST_KEYS.values():
        keys.update(ks)
    for ks in SUBTREE_USAGE_KEYS.values():
        keys.update(ks)
    keys.update(USAGE_OBJECT_KEYS)
    keys.update(RESPONSE_USAGE_KEYS)
    keys.add(USAGE_RECORD_KEY)
    keys.update(MESSAGE_JSON_KEYS)
    keys.update(MESSAGE_LIST_PREFIXES)
    keys.update(VALUE_KEYS)
    keys.update(OBSERVATION_KEYS)
    for client_keys in CLIENT_VALUE_KEYS.values():
        keys.update(client_keys)
    keys.update(JSON_VALUE_KEYS)
    keys.update(HOST_KEYS)
    keys.update(PROVIDER_METADATA_KEYS)
    keys.update(TOOL_DEFINITION_KEYS)
    keys.update((GENKIT_NAME_KEY, GENKIT_INPUT_KEY, GENKIT_OUTPUT_KEY, GENKIT_STATE_KEY, GENKIT_ERROR_KEY))
    keys.update(MESSAGE_EVENTS)
    keys.update(RESOURCE_SESSION_KEYS)
    keys.update(CLIENT_TOOL_NAME_KEYS)
    keys.update(CLIENT_TOOL_CALL_KEYS)
    keys.update(CLIENT_FUNCTION_KEYS.values())
    keys.update(k for k, _entry in CLIENT_TOOL_CONTEXT_KEYS.values())
    keys.update(CLIENT_TOOL_INPUT_KEYS.values())
    keys.update(CLIENT_AGENT_KEYS.values())
    keys.update(CLIENT_AGENT_NAME_KEYS.values())
    keys.update(CLIENT_GRAPH_METADATA_KEYS.values())
    keys.update(k for _f, k in TRACELOOP_TOOL_FIELDS)
    keys.update(k for _f, k in AGENTOPS_TOOL_FIELDS)
    for marker, arguments in ANSWER_TOOL_CALL_KEYS.items():
        keys.update((marker, arguments))
    keys.update(TRACE_SESSION_RESOURCE_KEYS)
    keys.update(SESSION_SPAN_NAME_KEYS.values())
    keys.update(MESSAGE_DETAIL_EVENTS)
    keys.update((INTERNAL_KEY, RUNS_AGENT_KEY, RENDERED_NAME_KEY))
    keys.update(k for table in CLIENT_DELEGATION_SPANS.values() for k, _argument in table.values())
    for names in CLIENT_SPAN_KINDS.values():
        keys.update(names)
    keys.update(CLIENT_INTERNAL_KEYS.values())
    keys.update(TRACED_METHOD_KEYS)
    return keys
