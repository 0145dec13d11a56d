"""OpenTelemetry spans -> the span model, through the convention tables.

``build_span`` takes one span already read into plain shapes (ids as hex,
attributes as a dict, events as tuples) and applies every table in
``conventions``: kind, typed parts (LLM, tool, agent, retrieval, file),
usage, cost, previews from messages and events, status from the status code
and exception events. ``ResourceInfo`` is what a resource says about the
session. Both OTLP encodings and the transcript importers end here.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

from ..model import (
    AgentInfo,
    FileInfo,
    LlmInfo,
    RagInfo,
    Session,
    Span,
    SpanEvent,
    SpanKind,
    SpanLink,
    Status,
    TokenUsage,
    ToolInfo,
)
from . import conventions as cv

#: Free string attributes longer than this are cut (memory per span).
MAX_ATTR_CHARS = 4096

_PARTS = {"llm": LlmInfo, "tool": ToolInfo, "agent": AgentInfo, "rag": RagInfo, "file": FileInfo}


def _cut(value: Any, limit: int = MAX_ATTR_CHARS) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


# -- resources and sessions --------------------------------------------------------


class ResourceInfo:
    """What one resource says about the session its telemetry belongs to."""

    __slots__ = ("attrs", "pinned_sid", "explicit_sid", "derived_sid", "service", "framework", "version", "hostname",
                 "trace_sessions", "_kept")

    def __init__(self, attrs: dict[str, Any], scope_name: str | None) -> None:
        self.attrs = attrs
        #: The session everything of this resource goes to, whatever session a record names (``run``).
        self.pinned_sid = _session_attr(attrs, (cv.PINNED_SESSION_KEY,))
        self.explicit_sid = self.pinned_sid or _session_attr(attrs)
        service = attrs.get("service.name")
        self.service = str(service) if service is not None else None
        instance = next((attrs[k] for k in cv.INSTANCE_KEYS if attrs.get(k) not in (None, "")), None)
        base = self.service or "unknown_service"
        self.derived_sid = f"{base}/{instance}" if instance is not None else base
        #: Each trace of this resource is a session of its own, by the trace's id (AgentOps').
        self.trace_sessions = any(k in attrs for k in cv.TRACE_SESSION_RESOURCE_KEYS)
        self.framework = cv.framework_hint(scope_name, attrs)
        v = attrs.get("service.version")
        self.version = str(v) if v is not None else None
        h = attrs.get("host.name")
        self.hostname = str(h) if h is not None else None
        #: The attributes its sessions keep (``session``), worked out when first asked.
        self._kept: dict[str, Any] | None = None

    def session(self, sid: str) -> Session:
        """The session record this resource says of session ``sid`` (its attributes a copy of its own:
        one resource may be read for many requests, ``otlp_decode._RESOURCES``, and the door may fix a
        record's attributes in place)."""
        keep = self._kept
        if keep is None:
            keep = self._kept = {k: _cut(v, 256) for k, v in self.attrs.items() if isinstance(v, (str, int, float, bool))}
            if self.pinned_sid is not None:
                # ``run`` names its pin as ``session.id`` too (for SDKs that read only that): not a
                # session id of the client's own, which its records may name (Gemini CLI's) and keep.
                for key in cv.SESSION_KEYS:
                    if keep.get(key) == self.pinned_sid:
                        del keep[key]
        return Session(
            id=sid,
            service=self.service,
            service_version=self.version,
            framework=self.framework,
            hostname=self.hostname,
            attributes=dict(keep),
        )


def _session_attr(attrs: dict[str, Any], keys: tuple[str, ...] | None = None) -> str | None:
    """The span's (or resource's) own session; ``keys``: those of SESSION_KEYS to look at, in order
    (all of them by default: looked up one by one only when the attributes hold one)."""
    if keys is None:
        if cv.SESSION_KEY_SET.isdisjoint(attrs):
            return None
        keys = cv.SESSION_KEYS
    for key in keys:
        v = attrs.get(key)
        if v not in (None, ""):
            return v if isinstance(v, str) else str(v)
    return None


# -- spans -----------------------------------------------------------------------


def self_named_provider(scope_name: str | None, res: ResourceInfo) -> str | None:
    """The provider name a sender puts on its model calls when it names their system after itself:
    the Strands Agents SDK for TypeScript names its tracer and every span's ``gen_ai.system`` after
    the service (``OTEL_SERVICE_NAME``, an application's own name), which ``PROVIDER_NAMES`` cannot
    list. Only a scope named exactly as its resource's service: an instrumentation's own scope
    (``openai``, ``bedrock``) names the provider it traces. None for any other scope."""
    if not scope_name or scope_name != res.service:
        return None
    return cv.provider_name(scope_name)


def unname_provider(spans: list[Span], own: str) -> None:
    """Drop the provider ``own`` (``self_named_provider``) from the model calls of ``spans``: the
    sender named itself, not the model's provider; the price is found by the model alone, as for
    the names ``PROVIDER_NAMES`` lists as no provider's."""
    for span in spans:
        llm = span.llm
        if llm is not None and llm.provider == own:
            rest = msgspec.structs.replace(llm, provider=None)
            span.llm = None if rest == _NO_LLM else rest  # (as build_span drops a part with nothing in it)


def gateway_provider(scope_name: str | None) -> str | None:
    """The gateway whose SDK's instrumentation (``cv.GATEWAY_SCOPES``) traced a scope's model calls,
    naming no provider on them; None for any other scope."""
    return cv.GATEWAY_SCOPES.get(scope_name) if scope_name else None


def name_gateway(spans: list[Span], gateway: str) -> None:
    """Name ``gateway`` (``gateway_provider``) as the provider of the model calls of ``spans`` that
    name none: the calls went through it."""
    for span in spans:
        llm = span.llm
        if llm is not None and llm.provider is None:
            span.llm = msgspec.structs.replace(llm, provider=gateway)


_NO_LLM = LlmInfo()


def mark_tracer(spans: list[Span], tracer: str) -> None:
    """Mark the model calls of ``spans``, of one of a framework's two tracers (``cv.TWIN_TRACER_SCOPES``),
    with that tracer (``cv.TWIN_TRACER_KEY``): the store counts a call both report once."""
    for span in spans:
        if span.kind is SpanKind.LLM_CALL:
            span.attributes[cv.TWIN_TRACER_KEY] = tracer


_ERROR_WORDS = (("timeout", Status.TIMEOUT), ("timedout", Status.TIMEOUT), ("cancel", Status.CANCELLED))


#: The finish reason of a model call that failed (``gen_ai.response.finish_reasons``: the AI SDK's).
FAILED_FINISH = "error"


#: The keys a model call's input count is read from (``ATTRIBUTE_MAP``), first present wins.
_INPUT_KEYS = next(keys for part, field, _c, keys in cv.ATTRIBUTE_MAP if (part, field) == ("usage", "input"))


def _input_key(used: set[str]) -> str | None:
    """The key a span's input count was read from, of the keys its parts consumed."""
    return next((k for k in _INPUT_KEYS if k in used), None)


def _error_status(code: str | None) -> Status:
    low = (code or "").lower()
    for word, status in _ERROR_WORDS:
        if word in low:
            return status
    return Status.ERROR


def build_span(
    trace_id: str,
    span_id: str,
    parent: str | None,
    name: str,
    start: int,
    end: int,
    attrs: dict[str, Any],
    raw_events: list[tuple[str, int, dict[str, Any]]],
    links: tuple[SpanLink, ...],
    status_code: int,
    status_message: str,
    session_id: str,
    client: str | None = None,
    plan: cv.Plan | None = None,
    try_fast: bool = True,
) -> Span:
    """One OTel span -> model span, applying every convention table.

    ``client`` is the framework its resource/scope names (``cv.framework_hint``):
    a known client's own names decide the kind before any guess. ``plan``:
    ``cv.plan_for(attrs)`` when the caller has it already. ``try_fast=False``:
    the caller tried ``fast_plan(plan).build`` already and got None.
    """
    if client is not None and client in cv.TRACED_METHODS and cv.read_traced_method(
            client, name, attrs, raw_events, status_code):
        plan = cv.plan_for(attrs)  # a method span of a server tracing itself: the GenAI keys it means, added
        try_fast = False
    if plan is None:
        plan = cv.plan_for(attrs)
    if plan.json_values:
        cv.decode_json_strings(attrs, plan.json_values)
    if plan.genkit:
        cv.unwrap_genkit_tool_output(attrs)  # Genkit for Python's tool result envelope: the tool's output
    if plan.chain_result and (answer := cv.langchain_chain_answer(attrs, plan.chain_result)) is not None:
        # The model that answered the chat model call a chain ran, and its tokens: kept (the result
        # is cut below) for the store to name that call by, when it names no model itself.
        model, inp, out = answer
        attrs[cv.CHAIN_ANSWER_MODEL_KEY] = model
        if inp is not None:
            attrs[cv.CHAIN_ANSWER_INPUT_KEY] = inp
        if out is not None:
            attrs[cv.CHAIN_ANSWER_OUTPUT_KEY] = out
    if not raw_events and try_fast:
        fast = plan.fast
        if fast is None:
            fast = plan.fast = _FastPlan.make(plan)
        if fast is not _NO_FAST:
            span = fast.build(trace_id, span_id, parent, name, start, end, attrs, links, status_code, status_message,
                              session_id, client)
            if span is not None:
                return span
    shown = attrs.get(cv.RENDERED_NAME_KEY)
    if isinstance(shown, str) and shown and "{" in name:
        name = shown  # logfire names spans by template; the rendered message is the name
    kind, internal = cv.client_kind(client, name, attrs) if client is not None else (None, False)
    if kind is None and plan.kind:
        kind = cv.kind_from_attributes(attrs)[0]
    if (parent is None and (plan.messages or raw_events)
            and (turn_prompt := cv.turn_root_prompt(client, name, attrs, raw_events)) is not None):
        # The root of a turn named alike on every turn (an agent's ``invoke_agent …``, a client's own): the
        # trace is named by its prompt (``trace_name_of``), read from the messages it carries before they
        # become its preview.
        attrs[cv.TURN_PROMPT_KEY] = turn_prompt
    prompt, response, used_msgs = (cv.extract_messages(attrs, values_first=kind is SpanKind.TOOL_EXECUTION, client=client)
                                   if plan.messages else (None, None, []))
    fields, used = cv.parts_from_plan(plan, attrs)
    for k in used_msgs:
        used.add(k)
    if plan.genkit and (genkit := cv.genkit_model_call(attrs)) is not None:
        # A Genkit model action: the model its name says, the usage its output reports (no GenAI keys).
        named, counts = genkit
        if named:
            said = fields.setdefault("llm", {})
            for said_field, said_value in named.items():
                said.setdefault(said_field, said_value)
        if counts and "usage" not in fields:
            fields["usage"] = dict(counts)
    if client is not None and cv.names_placeholder_agent(client, attrs):
        # The instrumentor's default agent name on a span not an agent's: it names no agent (kept as sent).
        agent = fields.get("agent")
        if agent is not None and agent.pop("name", None) is not None:
            used.discard(cv.AGENT_NAME_KEY)
            if not agent:
                del fields["agent"]
    llm = fields.get("llm")
    if client is not None and llm is not None and (
            named_model := cv.client_model(client, attrs, llm.get("model"))) is not None:
        llm["model"] = named_model  # a call the span names ``unknown``: the model its client's own key names
    if llm is not None:
        # Previews are placed by kind below; they must not make a span an LLM call.
        p = llm.pop("prompt_preview", None)
        r = llm.pop("response_preview", None)
        prompt = prompt or p
        if response is None and r is not None and (rendered := cv.langchain_result_text(r, True)) is not None:
            r = rendered or None  # LangChain's result object: its messages, or nothing (never the raw object)
        response = response or r
        if not llm:
            del fields["llm"]
        else:
            if plan.provider_metadata and "provider" not in llm and (
                    in_metadata := cv.metadata_provider(attrs, plan.provider_metadata)) is not None:
                # A call naming no provider whose run metadata does (LangChain's ``ls_provider``, which
                # OpenInference's LangChain.js instrumentation leaves there): as if the span named it.
                llm["provider"] = in_metadata
            if plan.host:
                cv.provider_by_host(llm, attrs, plan.host)  # the openai SDK on another provider's API
        # The model that answered, when only LangChain's result names it (an Azure deployment
        # streamed): kept so a deployment's call is priced as that model (``cv.answered_model``).
        if llm and (answered := cv.langchain_answered_model(attrs)) is not None:
            attrs[cv.LANGCHAIN_ANSWERED_KEY] = answered
    usage_fields = fields.pop("usage", None)
    if plan.response_usage and usage_fields:
        # The API's own usage in the answer the span carries, whole: the flat keys were taken from it.
        whole_usage, whole_used = cv.extract_response_usage(attrs)
        if whole_usage:
            usage_fields = whole_usage
            used.update(whole_used)
    if plan.usage_object:
        more, more_used, whole = cv.extract_usage_object(attrs)
        # A completing object (LiteLLM's) adds to usage the flat keys report and never makes a
        # call alone; a whole one (Langfuse's) is the call's usage.
        if usage_fields or (whole and more):
            usage_fields = usage_fields or {}
            for usage_field, count in more.items():
                usage_fields.setdefault(usage_field, count)
            used.update(more_used)
    if usage_fields and cv.ANSWER_KEY in attrs and (left_out := cv.extract_answer_usage(attrs, usage_fields)):
        usage_fields.update(left_out)  # what the flat counts left out of the answer they came from
    beside = llm is not None and cv.cache_beside(llm.get("provider"), client, _input_key(used) if usage_fields else None,
                                                 used if usage_fields else ())
    thinking = llm is not None and cv.thinking_beside(llm.get("provider"), llm.get("model"))
    usage = cv.finish_usage(usage_fields, beside=beside, thinking=thinking, request=attrs) if usage_fields else None
    if usage is None and plan.subtree:
        sub, sub_used = cv.extract_subtree_usage(attrs)
        if sub:
            usage = cv.finish_usage(sub, "subtree")
            used.update(sub_used)
    cost = None
    if plan.cost and client not in cv.GUESSED_COST_CLIENTS:
        cost, cost_used = cv.extract_cost(attrs)
        used.update(cost_used)

    # Events: exception details, deprecated per-message events.
    events: list[SpanEvent] = []
    exc_type = exc_msg = None
    escaped = False
    # A known client's event of its tool call's result, in its span of the call (Claude Code's ``tool.output``).
    output_event = (cv.CLIENT_TOOL_OUTPUT_EVENTS.get(client)
                    if client is not None and kind is SpanKind.TOOL_EXECUTION and raw_events else None)
    for ev_name, ev_time, ev_attrs in raw_events:
        if ev_name == "exception":
            if exc_type is None:
                exc_type = ev_attrs.get("exception.type")
                exc_msg = ev_attrs.get("exception.message")
                escaped = cv._bool(ev_attrs.get("exception.escaped", False))
            st = ev_attrs.get("exception.stacktrace")
            if isinstance(st, str) and len(st) > cv.STACK_CHARS:
                ev_attrs["exception.stacktrace"] = cv.cut_tail(st, cv.STACK_CHARS)
        elif ev_name in cv.MESSAGE_DETAIL_EVENTS and not used_msgs:
            p_text, r_text, _keys = cv.extract_messages(ev_attrs)
            if p_text:
                prompt = f"{prompt}\n{p_text}" if prompt else p_text
            if r_text:
                response = f"{response}\n{r_text}" if response else r_text
        elif output_event is not None and ev_name == output_event[0]:
            result = ev_attrs.get(output_event[1])
            if result.__class__ is str and result and response is None:
                response = result  # placed as the tool's output below
        elif ev_name in cv.MESSAGE_EVENTS:
            got = cv.message_event_text(ev_name, ev_attrs)
            if got is not None:
                side, text = got
                if side == "prompt" and not used_msgs:
                    prompt = f"{prompt}\n{text}" if prompt else text
                elif side == "response" and not used_msgs:
                    response = f"{response}\n{text}" if response else text
        for k, v in ev_attrs.items():
            if isinstance(v, str) and len(v) > MAX_ATTR_CHARS and k != "exception.stacktrace":
                ev_attrs[k] = _cut(v)
        events.append(SpanEvent(name=ev_name, time_ns=ev_time, attributes=ev_attrs))

    if kind is None:
        kind = cv.guess_kind(name, {**fields, **({"usage": usage} if usage is not None and usage.scope == "span" else {})})
    if (kind is SpanKind.LLM_CALL and parent is None and cv.TURN_PROMPT_KEY not in attrs
            and (user_text := cv.input_prompt(attrs)) is not None):
        # A trace that is one model call (a provider SDK's instrumentation makes each call one, named by the
        # operation and model alike on every row): named by the user's text it was sent (``trace_name_of``).
        attrs[cv.TURN_PROMPT_KEY] = cv.prompt_name(user_text, first_line=True)
    elif kind is SpanKind.LLM_CALL and (turn_prompt := cv.call_turn_prompt(client, attrs)) is not None:
        # A model call of a turn whose root carries no input (the OpenAI Agents SDK's ``Agent workflow``): the
        # user's text it was sent is the turn's prompt, which the store puts on the root (``_name_turn``).
        attrs[cv.TURN_PROMPT_KEY] = turn_prompt
    if internal:
        attrs[cv.INTERNAL_KEY] = True
    llm_fields = fields.get("llm")
    if llm_fields is not None and kind not in (SpanKind.LLM_CALL, SpanKind.EMBEDDING) and not cv._names_a_call(llm_fields):
        del fields["llm"]  # a provider stamped on every span of a client says nothing about this one
    if client is not None and kind is SpanKind.TOOL_EXECUTION:
        named = fields.setdefault("tool", {})
        called = attrs.get(cv.CLIENT_CALLED_TOOL_NAME_KEYS.get(client, ""))
        if isinstance(called, str) and called:
            named["name"] = called  # (not gen_ai.tool.name: the server's own name of an MCP tool)
        for field, keys in (("name", cv.CLIENT_TOOL_NAME_KEYS), ("call_id", cv.CLIENT_TOOL_CALL_KEYS)):
            if field not in named:
                v = next((attrs[k] for k in keys if attrs.get(k) not in (None, "")), None)
                if v is not None:
                    named[field] = str(v)
        if "name" not in named or "call_id" not in named:
            context_name, context_call = cv.client_context_tool_call(client, attrs)
            if context_name is not None:
                named.setdefault("name", context_name)
            if context_call is not None:
                named.setdefault("call_id", context_call)
        if "name" not in named and (tool_name := cv.client_tool_name(client, name)) is not None:
            named["name"] = tool_name
        if (input_key := cv.CLIENT_TOOL_INPUT_KEYS.get(client)) is not None and isinstance(attrs.get(input_key), str):
            named.setdefault("input_preview", attrs[input_key])  # (kept as sent, the tool's own key)
        if (own := cv.client_function_tool_name(client, named.get("name"), attrs)) is not None:
            named["name"] = own
        if "server" not in named and (server := cv.client_mcp_server(client, named.get("name"))) is not None:
            named["server"] = server  # the MCP server the client's name of the tool names (Droid's)
    if kind is SpanKind.TOOL_EXECUTION and cv.MCP_METHOD_KEY in attrs:
        named = fields.setdefault("tool", {})
        if "name" not in named and (tool_name := cv.mcp_tool_name(name, attrs)) is not None:
            named["name"] = tool_name
    if kind is SpanKind.TOOL_EXECUTION and name and cv.braintrust_span_type(attrs.get(cv.BRAINTRUST_KIND_KEY)) == "tool":
        # A span a user typed a tool for Braintrust is named after the tool (its guide's recipe).
        fields.setdefault("tool", {}).setdefault("name", name)
    if kind is SpanKind.AGENT and (agent_key := cv.client_agent_name_key(client, kind, attrs)) is not None:
        fields.setdefault("agent", {})["name"] = str(attrs[agent_key])
    if kind is SpanKind.TOOL_EXECUTION and (runs := cv.delegated_agent(client, name, attrs)) is not None:
        attrs[cv.RUNS_AGENT_KEY] = runs  # the agent run inside this tool call (CrewAI's delegation)
    if kind is SpanKind.AGENT and (span_agent := cv.client_span_agent(client, name)) is not None:
        fields.setdefault("agent", {}).setdefault("name", span_agent)
    if (named_agent := cv.client_named_agent(client, kind, name)) is not None:
        fields.setdefault("agent", {}).setdefault("name", named_agent)
    if ((graph_key := cv.client_graph_agent_key(client, kind, attrs)) is not None
            and (graph_agent := cv.graph_agent_name(attrs[graph_key])) is not None):
        fields.setdefault("agent", {}).setdefault("name", graph_agent)
    if kind is SpanKind.TOOL_EXECUTION:
        traceloop = cv.traceloop_tool_fields(attrs)
        if traceloop:
            tool = fields.setdefault("tool", {})
            for field, key in traceloop:
                if field not in tool:
                    tool[field] = attrs[key]
                    used.add(key)
        agentops = cv.agentops_tool_fields(attrs)
        if agentops:
            tool = fields.setdefault("tool", {})
            for field, key in agentops:
                if field not in tool:
                    value = attrs[key]
                    tool[field] = cv.agentops_arguments(value) if field == "input_preview" else value
                    used.add(key)
    named_by = fields.get("llm")
    if (client == "bedrock" and named_by is not None
            and (asked := cv.bedrock_request_model(named_by.get("model"), attrs)) is not None):
        named_by["model"] = asked  # a cross-region profile's model named by its vendor alone: the id asked for
    if named_by is not None and (model_id := cv.resource_model(named_by.get("model"))) is not None:
        # A model named by its Vertex AI resource name: the model, the name (its project and location)
        # kept among the span's attributes.
        used.difference_update([k for k in used if attrs.get(k) == named_by["model"]])
        named_by["model"] = model_id
    if named_by is not None and (raw_provider := named_by.get("provider")).__class__ is str:
        one_name = cv.provider_name(raw_provider)  # one name per provider, however the client spelled it
        if one_name is None:
            del named_by["provider"]
            if not named_by:
                del fields["llm"]
        else:
            named_by["provider"] = one_name
    if kind is SpanKind.LLM_CALL and not (fields.get("llm") or {}).get("model") and (
            in_name := cv.model_in_span_name(name)) is not None:
        # A model call whose attributes name no model: the one its GenAI span name says (``chat
        # <model>``; EDOT Python's default sampler drops every attribute a span starts with).
        fields.setdefault("llm", {})["model"] = in_name
    if kind is SpanKind.LLM_CALL and not (fields.get("llm") or {}).get("model") and (
            asked := cv.invocation_model(attrs)) is not None:
        # OpenInference's model call that names no model (a refused call: its OpenAI instrumentation
        # names the model from the answer): the one its request parameters asked for.
        fields.setdefault("llm", {})["model"] = asked
    parts: dict[str, Any] = {}
    if prompt is not None or response is not None:
        if kind is SpanKind.LLM_CALL or (kind is SpanKind.EMBEDDING and "llm" in fields):
            llm = fields.setdefault("llm", {})
            if prompt is not None:
                llm["prompt_preview"] = cv.cut_tail(prompt)
            if response is not None:
                llm["response_preview"] = cv.cut_head(response)
        elif kind is SpanKind.TOOL_EXECUTION:
            tool = fields.setdefault("tool", {})
            if prompt is not None:
                tool.setdefault("input_preview", prompt)
            if response is not None:
                tool.setdefault("output_preview", response)
        else:
            if kind is SpanKind.RETRIEVAL and prompt is not None:
                fields.setdefault("rag", {}).setdefault("query", cv.cut_head(prompt, 500))
            # Other kinds have no preview slot: keep the text as attributes.
            for key, value in (("input.value", prompt), ("output.value", response)):
                if value is not None:
                    attrs[key] = value
                    used.discard(key)
    tool_fields = fields.get("tool")
    if (kind is SpanKind.TOOL_EXECUTION and tool_fields is not None and "call_id" not in tool_fields
            and (call_id := cv.langchain_tool_call_id(attrs.get("output.value"))) is not None):
        tool_fields["call_id"] = call_id  # a LangChain tool's span names the call only in its tool message
    tool_failed: str | None = None  # the state a known client's tool output says its tool failed with
    if (tool_fields is not None and client is not None
            and (result := cv.client_tool_result(client, tool_fields.get("output_preview"))) is not None):
        tool_fields["output_preview"], tool_failed = result  # the framework's output object: its result
    if tool_fields is not None:
        for k in ("input_preview", "output_preview"):
            if k in tool_fields:
                tool_fields[k] = cv.tool_preview(tool_fields[k])
    for part, values in fields.items():
        cls = _PARTS.get(part)
        if cls is not None:
            parts[part] = cls(**values)

    # Status: the OTel status code, then exception events (an escaped one under an unset status; any
    # one from a sender whose failed spans keep an OK status: ``cv.FAILED_BY_EXCEPTION_KEYS``).
    status = Status.OK
    code: str | None = None
    message: str | None = status_message or None
    err_type = attrs.get("error.type")
    if status_code == 2 or (exc_type is not None and (
            (status_code == 0 and escaped) or cv.failed_by_exception(attrs))):
        code = str(exc_type or err_type or "error")
        status = _error_status(code)
        if message is None and (exc_type or exc_msg):
            message = f"{exc_type}: {exc_msg}" if exc_type and exc_msg else str(exc_type or exc_msg)
    elif (llm := parts.get("llm")) is not None and llm.stop_reason == FAILED_FINISH and kind is SpanKind.LLM_CALL:
        # A model call that finished for the reason "error" (the AI SDK's) failed, whatever status
        # its span was given (Mastra marks it OK): no tokens to estimate, no cost.
        code = FAILED_FINISH
        status = Status.ERROR
        message = (message if status_code != 1 else None) or "the model call finished with reason: error"
    elif kind is SpanKind.LLM_CALL and status_code == 0 and (http := cv.failed_http_status(attrs)) is not None:
        # A model call whose request got an HTTP error failed, though its span left the status unset
        # (the mistralai SDK's own spans): OTel's HTTP conventions make a client's 4xx and 5xx errors.
        code = str(err_type or http)
        status = _error_status(code)
        message = message or f"HTTP {http}"
    elif client == "genkit" and status_code == 0 and (failure := cv.genkit_failure(attrs)) is not None:
        # A Genkit action its state says failed, its status left unset (Genkit for Python's generate
        # step around a refused model call).
        code = failure[0]
        status = _error_status(code)
        message = message or failure[1]
    elif tool_failed is not None and kind is SpanKind.TOOL_EXECUTION:
        # A tool its client's output object says failed, its span ended OK (AgentScope hands the tool's
        # exception to the model as its result): the result's text is the error.
        code = tool_failed
        status = _error_status(code)
        message = (tool_fields or {}).get("output_preview") or tool_failed
    elif client is not None and cv.client_failure_span(client, name):
        # A span that records a failure by its name, its status left OK (OpenInference's BeeAI
        # instrumentation for JavaScript: a chat model's or a tool's ``error`` event), the error only
        # in its ``exception.*`` attributes.
        failed_type, failed_message = attrs.get("exception.type"), attrs.get("exception.message")
        code = str(failed_type or err_type or "error")
        status = _error_status(code)
        message = (f"{failed_type}: {failed_message}" if failed_type and failed_message
                   else str(failed_type or failed_message or "error"))
    elif status_code == 1:
        message = None

    free = {
        k: v if v.__class__ is not str or len(v) <= MAX_ATTR_CHARS else _cut(v)
        for k, v in attrs.items()
        if k not in used
    }
    if end and end < start:
        raise ValueError(f"end time {end} is before start time {start}")
    if not start and not end:
        # No times at all: not "running since 1970". Taken as a finished,
        # instant span at its arrival, and marked so.
        start = end = time.time_ns()
        free["agenttrace.times_missing"] = True
    return Span(
        span_id=span_id,
        trace_id=trace_id,
        session_id=session_id,
        parent_span_id=parent,
        name=name,
        kind=kind,
        start_ns=start or end,
        end_ns=end or None,
        status=status if end else Status.RUNNING,
        status_message=cut_msg(message),
        status_code=code,
        usage=usage,
        cost=cost,
        events=tuple(events),
        links=links,
        attributes=free,
        **parts,
    )


def fast_plan(plan: cv.Plan) -> _FastPlan | None:
    """The key set's recipes (see below), or None when its spans take the general path."""
    fast = plan.fast
    if fast is None:
        fast = plan.fast = _FastPlan.make(plan)
    return None if fast is _NO_FAST else fast


def cut_msg(message: str | None) -> str | None:
    return cv.cut_head(message, 1000) if message else None


def cut_free_strings(spans: list[Span]) -> None:
    """Cut free string attributes longer than ``MAX_ATTR_CHARS``, as ``build_span`` does.

    For spans built by raw recipes (``_compile(raw=True)``), whose caller saw a
    string that long among the attributes it read; a cut string is not cut again.
    """
    for span in spans:
        attrs = span.attributes
        for k, v in list(attrs.items()):
            if v.__class__ is str and len(v) > MAX_ATTR_CHARS:
                attrs[k] = _cut(v)


# -- the same tables, decided once per key set ----------------------------------------
#
# Spans of one instrumentation repeat the same attribute keys, names and
# operation values endlessly. For a key set whose rows only copy typed values
# (no messages, events, cost, subtree usage, file parts, previews or stop
# reasons), everything ``build_span`` decides but the values themselves (the
# kind, which key fills which field, which keys stay free attributes) depends
# only on the keys, the client, the name and the values of the kind
# attributes (and, for a key set with cache counts, the provider's value:
# ``cv.CACHE_BESIDE_INPUT``). That decision is made once, by the same
# functions, and kept per key set as a recipe; each span then only copies its
# values. A value of an unexpected type (or any shape not covered) takes the
# general path.

#: Field types the recipes copy without conversion: (converter, the value's exact class).
_TYPED: dict[Any, type] = {cv._str: str, cv._int: int, cv._float: float}
#: Keys whose values decide the kind (``client_kind``, ``kind_from_attributes``).
_KIND_KEYS = (*cv.EXPLICIT_KIND_KEYS, *cv.CLIENT_TOOL_NAME_KEYS, *dict.fromkeys(k for k, _v in cv.CLIENT_KIND_KEYS.values()))
#: Recipes kept per key set (client x name x kind values); cleared when full.
MAX_RECIPES = 256
#: Uses after which a recipe (or a key set's type probe) is compiled to one function.
COMPILE_AFTER = 256
_NO_FAST: Any = object()
#: ``Plan.fast`` of a key set whose spans always take the general path.
NO_FAST = _NO_FAST
#: TokenUsage fields ``finish_usage`` reads or corrects (written out by ``_compile``).
_USAGE_FIELDS = frozenset({"input", "output", "total", "cache_read", "cache_write", "reasoning"})
_INF = float("inf")


class _Recipe:
    """What the tables make of one (key set, client, name, kind values).

    ``interpret`` builds a span by the recipe. A recipe used ``COMPILE_AFTER``
    times is compiled (``_compile``) into a function written for it alone: the
    same steps with the keys, part classes and fields fixed, so a span costs
    one call and its values. Compiling costs about a millisecond, so one-off
    recipes (ever-new span names) are never compiled.
    """

    __slots__ = ("kind", "internal", "parts", "usage", "beside", "thinking", "free", "build", "raw", "uses")

    def __init__(self, kind: SpanKind, internal: bool, parts: tuple[tuple[str, Any, tuple[tuple[str, str, type, bool], ...]], ...],
                 usage: tuple[tuple[str, str, type, bool], ...], free: tuple[str, ...], beside: bool = False,
                 thinking: bool = False) -> None:
        self.kind = kind
        self.internal = internal
        self.parts = parts
        self.usage = usage
        #: The provider counts cache tokens beside input (``cv.CACHE_BESIDE_INPUT``).
        self.beside = beside
        #: The provider counts thinking tokens beside output (``cv.THINKING_BESIDE_OUTPUT``).
        self.thinking = thinking
        self.free = free
        #: The compiled recipe, once used often enough.
        self.build: Any = None
        #: ``build`` that leaves free strings uncut (``_compile(raw=True)``), compiled with it.
        self.raw: Any = None
        self.uses = 0

    def interpret(self, trace_id: str, span_id: str, parent: str | None, name: str, start: int, end: int,
                  attrs: dict[str, Any], links: tuple[SpanLink, ...], status_code: int, status_message: str,
                  session_id: str) -> Span:
        parts: dict[str, Any] = {}
        for part, cls, fields in self.parts:
            values: dict[str, Any] = {}
            for field, k, _typ, cut in fields:
                v = attrs[k]
                values[field] = cv.tool_preview(v) if cut else v
            parts[part] = cls(**values)
        usage = (cv.finish_usage({field: attrs[k] for field, k, _t, _c in self.usage}, beside=self.beside,
                                 thinking=self.thinking, request=attrs) if self.usage else None)
        if self.internal:
            attrs[cv.INTERNAL_KEY] = True
        free = {}
        for k in self.free:
            v = attrs[k]
            free[k] = v if v.__class__ is not str or len(v) <= MAX_ATTR_CHARS else _cut(v)
        if self.internal:
            free[cv.INTERNAL_KEY] = True
        status = Status.OK
        code: str | None = None
        message: str | None = status_message or None
        if status_code == 2:
            code = str(attrs.get("error.type") or "error")
            status = _error_status(code)
        elif status_code == 1:
            message = None
        if end and end < start:
            raise ValueError(f"end time {end} is before start time {start}")
        if not start and not end:
            start = end = time.time_ns()  # as build_span: a finished instant span at its arrival, marked
            free["agenttrace.times_missing"] = True
        return Span(
            span_id=span_id,
            trace_id=trace_id,
            session_id=session_id,
            parent_span_id=parent,
            name=name,
            kind=self.kind,
            start_ns=start or end,
            end_ns=end or None,
            status=status if end else Status.RUNNING,
            status_message=cut_msg(message),
            status_code=code,
            usage=usage,
            links=links,
            attributes=free,
            **parts,
        )


def _compile(recipe: _Recipe, raw: bool = False) -> Any:
    """The recipe as one Python function (keys reach it as bound names, never as source text).

    ``raw=True``: the free attributes are copied as they are, in one dict display,
    without cutting strings longer than ``MAX_ATTR_CHARS`` and without writing
    ``INTERNAL_KEY`` into ``attrs``: for a caller that knows no value is that long,
    or cuts them after (``cut_free_strings``), and does not read ``attrs`` after.
    """
    env: dict[str, Any] = {}
    key = _namer(env, "k")
    lines = ["def build(trace_id, span_id, parent, name, start, end, attrs, links, status_code, status_message,"
             " session_id):"]
    lines += _recipe_lines(recipe, raw, env, key, lambda k: f"attrs[{key(k)}]", "    ")
    exec("\n".join(lines), env)  # source built above from our own names only
    return env["build"]


def _namer(env: dict[str, Any], prefix: str) -> Any:
    """``name(k)``: the name ``k`` is bound to in ``env`` (``prefix`` and a number), bound on first use."""
    names: dict[str, str] = {}

    def name(k: str) -> str:
        if k not in names:
            names[k] = f"{prefix}{len(names)}"
            env[names[k]] = k
        return names[k]

    return name


def _recipe_lines(recipe: _Recipe, raw: bool, env: dict[str, Any], key: Any, val: Any, pad: str) -> list[str]:
    """The body of ``_compile``'s function, each line after ``pad``: ``key(k)`` names key ``k``
    (bound in ``env``, as are the names the body uses), ``val(k)`` is the source of its value."""
    env.update({
        "Span": Span, "Status": Status, "time": time, "finish_usage": cv.finish_usage, "cut_head": cv.cut_head,
        "tool_preview": cv.tool_preview, "TEXT_STARTS": cv.TEXT_BLOCK_STARTS,
        "TokenUsage": TokenUsage, "OK": Status.OK, "RUNNING": Status.RUNNING,
        "cut_msg": cut_msg, "error_status": _error_status, "cut": _cut, "KIND": recipe.kind,
        "INTERNAL_KEY": cv.INTERNAL_KEY, "PREVIEW": cv.TOOL_PREVIEW_CHARS, "MAX": MAX_ATTR_CHARS,
    })
    lines: list[str] = []
    kwargs = []
    for i, (part, cls, fields) in enumerate(recipe.parts):
        env[f"P{i}"] = cls
        args = []
        for field, k, _typ, cutting in fields:
            value = val(k)
            # (tool_preview's test written out: a call more per preview costs ~1% of a span's conversion)
            args.append(f"{field}=(tool_preview(_t) if (_t := {value}).startswith(TEXT_STARTS) else cut_head(_t, PREVIEW))"
                        if cutting else f"{field}={value}")
        lines.append(f"p{i} = P{i}({', '.join(args)})")
        kwargs.append(f"{part}=p{i}")
    if recipe.usage:
        # ``finish_usage`` written out: its two corrections on local numbers, then one
        # TokenUsage with the final values (the same struct, without the dict and the
        # attribute writes; fields the key set lacks keep their defaults, 0).
        got = {field: val(k) for field, k, _t, _c in recipe.usage}
        if recipe.thinking or set(got) - _USAGE_FIELDS:  # (the thinking rule is not written out)
            lines.append(f"usage = finish_usage({{{', '.join(f'{f!r}: {v}' for f, v in got.items())}}}, "
                         f"beside={recipe.beside}, thinking={recipe.thinking}, request=attrs)")
        else:
            for field in sorted(got):
                lines.append(f"u_{field} = {got[field]}")
            for field in ("input", "output", "total"):
                if field not in got:
                    lines.append(f"u_{field} = 0")  # the arithmetic below reads it
            cached = " + ".join(f"u_{f}" for f in ("cache_read", "cache_write") if f in got)
            if cached:
                lines += [
                    f"cached = {cached}",
                    "if cached:" if recipe.beside else "if cached and u_input < cached:",
                    "    u_input += cached",
                ]
            if recipe.beside and "total" in got:  # the cache a Bedrock sender left out of its counts, in its total
                lines += ["beyond = u_total - u_input - u_output", "if beyond > 0:", "    u_input += beyond"]
            lines += [
                "if u_total < u_input + u_output:",
                "    u_total = u_input + u_output",
                "usage = TokenUsage(" + ", ".join(f"{f}=u_{f}" for f in sorted({*got, "input", "output", "total"}))
                + ")",
            ]
        kwargs.append("usage=usage")
    if raw:
        # The same dict as below: keys in the same order; an INTERNAL_KEY the span sent
        # itself keeps its place and reads True (below: written into attrs first).
        items = [f"{key(k)}: True" if recipe.internal and k == cv.INTERNAL_KEY else f"{key(k)}: {val(k)}"
                 for k in recipe.free]
        if recipe.internal and cv.INTERNAL_KEY not in recipe.free:
            items.append("INTERNAL_KEY: True")
        lines.append(f"free = {{{', '.join(items)}}}")
    else:
        if recipe.internal:
            lines.append("attrs[INTERNAL_KEY] = True")
        lines.append("free = {}")
        for k in recipe.free:
            lines.append(f"v = {val(k)}")
            lines.append(f"free[{key(k)}] = v if v.__class__ is not str or len(v) <= MAX else cut(v)")
        if recipe.internal:
            lines.append("free[INTERNAL_KEY] = True")
    error_type = key("error.type")
    common = ("span_id=span_id, trace_id=trace_id, session_id=session_id, parent_span_id=parent, name=name, kind=KIND,"
              " links=links, attributes=free" + "".join(f", {a}" for a in kwargs))
    lines += [
        # The common span (ended after a start, no status): the steps below leave its
        # status fields at their defaults, so it is made at once, without them.
        "if 0 < start <= end and not status_code and not status_message:",
        f"    return Span({common}, start_ns=start, end_ns=end)",
        "status = OK",
        "code = None",
        "message = status_message or None",
        "if status_code == 2:",
        f"    code = str(attrs.get({error_type}) or 'error')",
        "    status = error_status(code)",
        "elif status_code == 1:",
        "    message = None",
        "if end and end < start:",
        "    raise ValueError(f'end time {end} is before start time {start}')",
        "if not start and not end:",
        "    start = end = time.time_ns()",
        "    free['agenttrace.times_missing'] = True",
        f"return Span({common}, start_ns=start or end, end_ns=end or None, status=status if end else RUNNING,"
        " status_message=cut_msg(message) if message else None, status_code=code)",
    ]
    return [pad + line for line in lines]


class _FastPlan:
    """A key set's typed rows and its recipes (see above)."""

    __slots__ = ("rows", "kind_keys", "keys", "host", "recipes", "probe", "entry", "raw_entry", "inlined", "uses")

    def __init__(self, rows: tuple[tuple[str, str, type, str], ...], kind_keys: tuple[str, ...],
                 keys: tuple[str, ...], host: str | None = None) -> None:
        self.rows = rows  # (part, field, class, key)
        self.kind_keys = kind_keys  # keys whose values pick the recipe (beside the client and name)
        self.keys = keys  # the key set, in its order
        self.host = host  # the host key that may name a model call's provider (one of kind_keys), if any
        self.recipes: dict[tuple[Any, ...], _Recipe | None] = {}
        #: ``_compile_probe()`` once the key set has been seen ``COMPILE_AFTER`` times.
        self.probe: Any = None
        #: ``build`` in one compiled function (``_compile_entry``), made with the probe.
        self.entry: Any = None
        #: ``entry`` calling the recipes' ``raw`` builds (free strings left uncut, see ``_compile``).
        self.raw_entry: Any = None
        #: Whether ``raw_entry`` holds a compiled recipe's steps itself (``_compile_probe(inline=...)``).
        self.inlined = False
        self.uses = 0

    def interpret_probe(self, attrs: dict[str, Any], client: str | None, name: str) -> tuple[Any, ...] | None:
        """The recipe key, or None when a value lacks its row's type."""
        for _p, _f, typ, k in self.rows:
            v = attrs[k]
            if v.__class__ is not typ or (typ is float and (v != v or v == _INF or v == -_INF)):
                return None
        return (client, name, *[attrs[k] for k in self.kind_keys])

    def _compile_probe(self, entry: bool = False, raw: bool = False,
                       inline: tuple[tuple[Any, ...], _Recipe] | None = None) -> Any:
        """``interpret_probe`` written for this key set alone, as ``_compile`` writes a recipe.

        ``entry=True``: ``build`` instead, once the probe is compiled: the probe's
        checks, then the recipe's compiled function called directly (a recipe not
        made or not compiled yet is left to ``_build``). ``raw=True`` (with ``entry``):
        the recipes' ``raw`` builds (``_build`` cuts, which is the same span then),
        reading the values by their place in the key set (``attrs`` has exactly its
        keys, in its order: the caller's plan is the one of ``tuple(attrs)``), not by key.
        ``inline`` (with ``raw``): (key, recipe) of a compiled recipe whose steps the
        entry takes itself, on the locals, for a span of that key: no call, no key tuple
        (a key set's spans usually share one client, name and kind values).
        """
        env: dict[str, Any] = {"str": str, "int": int, "float": float, "INF": _INF, "recipes": self.recipes,
                               "MISSING": _NO_FAST, "slow": self._build}
        args = "trace_id, span_id, parent, name, start, end, attrs, links, status_code, status_message, session_id"
        lines = [f"def probe({args}, client):" if entry else "def probe(attrs, client, name):"]
        place = {k: i for i, k in enumerate(self.keys)} if entry and raw else {}

        def value(k: str, prefix: str) -> str:
            if k in place:
                return f"a{place[k]}"
            return f"attrs[{prefix}]"

        if place:
            lines.append(f"    {''.join(f'a{i}, ' for i in range(len(place)))}= attrs.values()")
        for i, (_p, _f, typ, k) in enumerate(self.rows):
            env[f"r{i}"] = k
            v = value(k, f"r{i}")
            if not place:
                lines.append(f"    v = {v}")  # one lookup
                v = "v"
            nonfinite = f" or {v} != {v} or {v} == INF or {v} == -INF" if typ is float else ""
            lines.append(f"    if {v}.__class__ is not {typ.__name__}{nonfinite}:")
            lines.append("        return None")
        kinds = []
        for i, k in enumerate(self.kind_keys):
            env[f"c{i}"] = k
            kinds.append(f", {value(k, f'c{i}')}")
        if not entry:
            lines.append(f"    return (client, name{''.join(kinds)})")
        else:
            if inline is not None and place:
                # Equal to the recipe's key as the dict finds it (``==`` on each part; a part
                # ``==`` misses but the dict finds, a NaN by identity, goes on to the dict).
                (i_client, i_name, *i_kinds), recipe = inline
                env["I_CLIENT"] = i_client
                env["I_NAME"] = i_name
                same = ["client == I_CLIENT", "name == I_NAME"]
                for i, (k, v) in enumerate(zip(self.kind_keys, i_kinds, strict=True)):
                    env[f"I_KIND{i}"] = v
                    same.append(f"{value(k, '')} == I_KIND{i}")
                lines.append(f"    if {' and '.join(same)}:")
                lines += _recipe_lines(recipe, True, env, _namer(env, "k"), lambda k: value(k, ""), "        ")
            lines += [
                "    try:",
                f"        recipe = recipes.get((client, name{''.join(kinds)}), MISSING)",
                "    except TypeError:  # an unhashable kind value: let the general path judge it",
                "        return None",
                "    if recipe is None:",
                "        return None",
                "    if recipe is not MISSING:",
                f"        build = recipe.{'raw' if raw else 'build'}",
                "        if build is not None:",
                f"            return build({args})",
                f"    return slow({args}, client)",
            ]
        exec("\n".join(lines), env)  # source built above from our own names only
        return env["probe"]

    @staticmethod
    def make(plan: cv.Plan) -> Any:
        if (plan.messages or plan.subtree or plan.usage_object or plan.response_usage or plan.cost or plan.json_values
                or plan.chain_result or plan.genkit or cv.RENDERED_NAME_KEY in plan.keys):
            return _NO_FAST
        if plan.provider_metadata and (llm_fields := {field for part, field, _c, _k in plan.rows if part == "llm"}) and (
                "provider" not in llm_fields):
            return _NO_FAST  # a model call naming no provider: its run metadata may (``cv.metadata_provider``)
        rows = []
        for part, field, conv, keys in plan.rows:
            typ = _TYPED.get(conv)
            if typ is None or (part not in _PARTS and part != "usage") or part == "file" or field in ("stop_reason", "prompt_preview", "response_preview"):
                return _NO_FAST
            rows.append((part, field, typ, keys[0]))  # the first key present wins when its value has the type
        present = set(plan.keys)
        recipe_keys = tuple(k for k in _KIND_KEYS if k in present)
        # One recipe per provider and model value: the provider's spelling decides whether the call
        # takes the general path (``recipe``: ``cv.provider_name``), and the provider whether cache
        # counts are beside input and thinking tokens beside output; without a provider the model
        # decides the thinking rule; a model named by its resource name takes the general path
        # (``cv.resource_model``).
        named = {field: k for part, field, _t, k in rows if part == "llm" and field in ("provider", "model")}
        recipe_keys += tuple(k for k in (named.get("provider"), named.get("model")) if k is not None)
        host = None
        if plan.host and any(part == "llm" for part, _f, _t, _k in rows):
            # The host a model call was sent to may name its provider (``cv.provider_by_host``): one
            # recipe per host too; a call the host renames takes the general path (``recipe``).
            host = plan.host[0]
            if host not in recipe_keys:
                recipe_keys += (host,)
        return _FastPlan(tuple(rows), recipe_keys, plan.keys, host)

    def _compiled(self) -> tuple[tuple[Any, ...], _Recipe] | None:
        """A recipe of this key set compiled already, with its key (None when there is none)."""
        return next(((key, r) for key, r in self.recipes.items() if r is not None and r.raw is not None), None)

    def recipe(self, key: tuple[Any, ...], name: str, attrs: dict[str, Any], client: str | None) -> _Recipe | None:
        """The recipe for this span's (client, name, kind values), made by the general functions."""
        kind, internal = cv.client_kind(client, name, attrs) if client is not None else (None, False)
        if kind is None:
            kind = cv.kind_from_attributes(attrs)[0]
        parts: dict[str, dict[str, Any]] = {}
        for part, field, _typ, k in self.rows:
            parts.setdefault(part, {})[field] = attrs[k]
        usage = parts.pop("usage", None)
        if kind is None:
            shown: dict[str, Any] = dict(parts)
            if usage:
                shown["usage"] = usage  # any TokenUsage is truthy, as in build_span
            kind = cv.guess_kind(name, shown)
        recipe: _Recipe | None = None
        client_tool = client is not None and kind is SpanKind.TOOL_EXECUTION
        llm = parts.get("llm")
        # A call the host renames, whose provider is spelled otherwise than shown
        # (``cv.provider_name``), or whose model is a resource name (``cv.resource_model``), takes
        # the general path.
        renamed = llm is not None and ((self.host is not None and cv.provider_by_host(dict(llm), attrs, (self.host,)))
                                       or ((named := llm.get("provider")).__class__ is str
                                           and cv.provider_name(named) != named)
                                       or cv.resource_model(llm.get("model")) is not None)
        if not renamed and not ((client_tool and (any(k in attrs for k in (*cv.CLIENT_TOOL_NAME_KEYS, *cv.CLIENT_TOOL_CALL_KEYS))
                                  or cv.CLIENT_FUNCTION_KEYS.get(client or "", "") in attrs
                                  or cv.client_tool_name(client, name) is not None
                                  or client in cv.CLIENT_TOOL_RESULT_ENTRIES
                                  or cv.CLIENT_MCP_TOOL_SEPARATORS.get(client or "", "\0") in name))
                or (kind is SpanKind.TOOL_EXECUTION and (any(k in attrs for _f, k in cv.TRACELOOP_TOOL_FIELDS)
                                                         or any(k in attrs for _f, k in cv.AGENTOPS_TOOL_FIELDS)
                                                         or cv.MCP_METHOD_KEY in attrs or cv.BRAINTRUST_KIND_KEY in attrs))
                or cv.client_agent_name_key(client, kind, attrs) is not None
                or cv.client_span_agent(client, name) is not None
                or cv.client_named_agent(client, kind, name) is not None
                or cv.client_delegation(client, name) is not None
                or cv.client_failure_span(client, name)
                or cv.traced_method(client, name) is not None
                or cv.client_graph_agent_key(client, kind, attrs) is not None
                or cv.client_graph_metadata_key(client, attrs) is not None
                or cv.client_placeholder_agent_key(client, attrs) is not None
                or (kind is SpanKind.LLM_CALL and any(k in attrs for k in cv.HTTP_STATUS_KEYS))
                or (kind is SpanKind.LLM_CALL and not (llm or {}).get("model") and (
                    cv.model_in_span_name(name) is not None or cv.INVOCATION_PARAMETERS_KEY in attrs))):
            # A known client's tool span always has a tool part (build_span); one that names
            # its tool by the client's own keys or by its span name or whose result may be its output
            # object (``cv.client_tool_result``), or whose span name may name an MCP server's tool
            # (``cv.client_mcp_server``: Droid's span is named after the tool), a tool span with
            # OpenLLMetry's or AgentOps' entity keys (by key, not value: one recipe serves a key set), an
            # MCP ``tools/call`` span (which may name its tool only in its span name) and a span
            # typed a tool by ``braintrust.span_attributes`` (named after its span name), take
            # the general path; so does a known client's agent span naming its agent by a key of
            # its own or by LangGraph's run metadata (its value decides, in build_span), a known client's
            # delegation span (by its name: the agent its arguments name, in build_span), any span of a
            # known client carrying that metadata (the agent it names may make the span that agent's:
            # client_kind), a known
            # client's span that may name its placeholder agent (by key: the name's value decides,
            # in build_span), a model call reporting an HTTP status (an error one makes it
            # failed: build_span), one naming no model but in its span name or its request
            # parameters (build_span names it), and a known client's method span its arguments and
            # status may make a model or tool call (``cv.read_traced_method``, in build_span).
            llm = parts.get("llm")
            drop_llm = llm is not None and kind not in (SpanKind.LLM_CALL, SpanKind.EMBEDDING) and not cv._names_a_call(llm)
            by_part: dict[str, list[tuple[str, str, type, bool]]] = {}
            for part, field, typ, k in self.rows:
                if part == "llm" and drop_llm:
                    continue
                by_part.setdefault(part, []).append(
                    (field, k, typ, part == "tool" and field in ("input_preview", "output_preview")))
            if client_tool:
                by_part.setdefault("tool", [])
            used = {k for _p, _f, _t, k in self.rows}
            recipe = _Recipe(
                kind, internal,
                tuple((p, _PARTS[p], tuple(fs)) for p, fs in by_part.items() if p != "usage"),
                tuple(by_part.get("usage", ())),
                tuple(k for k in attrs if k not in used),
                beside=llm is not None and cv.cache_beside(
                    llm.get("provider"), client,
                    next((k for part, field, _t, k in self.rows if part == "usage" and field == "input"), None),
                    {k for part, _f, _t, k in self.rows if part == "usage"}),
                thinking=llm is not None and cv.thinking_beside(llm.get("provider"), llm.get("model")),
            )
        if len(self.recipes) >= MAX_RECIPES:
            self.recipes.clear()  # ever-new names: start over rather than grow
        self.recipes[key] = recipe
        return recipe

    def build(self, trace_id: str, span_id: str, parent: str | None, name: str, start: int, end: int,
              attrs: dict[str, Any], links: tuple[SpanLink, ...], status_code: int, status_message: str,
              session_id: str, client: str | None) -> Span | None:
        """The span by its recipe; None when this span needs the general path."""
        entry = self.entry
        if entry is not None:
            return entry(trace_id, span_id, parent, name, start, end, attrs, links, status_code, status_message,
                         session_id, client)
        return self._build(trace_id, span_id, parent, name, start, end, attrs, links, status_code, status_message,
                           session_id, client)

    def _build(self, trace_id: str, span_id: str, parent: str | None, name: str, start: int, end: int,
               attrs: dict[str, Any], links: tuple[SpanLink, ...], status_code: int, status_message: str,
               session_id: str, client: str | None) -> Span | None:
        """``build`` step by step: probe, make or find the recipe, count its uses."""
        probe = self.probe
        if probe is None:
            self.uses += 1
            if self.uses >= COMPILE_AFTER:
                self.probe = self._compile_probe()
                self.entry = self._compile_probe(entry=True)
                inline = self._compiled()
                self.raw_entry = self._compile_probe(entry=True, raw=True, inline=inline)
                self.inlined = inline is not None
            probe = self.interpret_probe
        key = probe(attrs, client, name)
        if key is None:
            return None
        try:
            recipe = self.recipes.get(key, _NO_FAST)
        except TypeError:  # an unhashable kind value: let the general path judge it
            return None
        if recipe is _NO_FAST:
            recipe = self.recipe(key, name, attrs, client)
        if recipe is None:
            return None
        build = recipe.build
        if build is None:
            recipe.uses += 1
            if recipe.uses >= COMPILE_AFTER:
                recipe.build = _compile(recipe)
                recipe.raw = _compile(recipe, raw=True)
                if self.raw_entry is not None and not self.inlined:
                    self.raw_entry = self._compile_probe(entry=True, raw=True, inline=(key, recipe))
                    self.inlined = True
            build = recipe.interpret
        return build(trace_id, span_id, parent, name, start, end, attrs, links, status_code,
                     status_message, session_id)
