"""One model call, counted once: where usage and cost belong, and calls reported twice.

The rule (docs/conventions.md, "Counting"): usage and cost belong to the span
of the model call. The store enforces it here, in one place, on every span it
stores -- live OTLP or native input, imports and replays alike -- because only
the store sees every report of a call and the tree around it, whatever order
and batches they arrive in (normalisation sees one request at a time). Nothing
here prices or estimates: enrichment runs after, on the merged span.

* **Aggregates are shown, never added.** Usage on an agent, workflow or task
  span (Strands' ``invoke_agent``, a turn span) is what the client reports
  for its subtree: its scope becomes ``"subtree"``, so the detail shows it
  and no rollup adds it (as pydantic-ai's ``gen_ai.aggregated_usage.*``).
* **One call reported twice is one span.** Some clients report the same call
  twice in one trace: Claude Code's ``api_request`` event and its
  ``claude_code.llm_request`` span, Codex's ``response.completed`` event and
  its ``handle_responses`` span, the anthropic SDK tracing itself inside an
  OpenInference span. When a span arrives that is such a second report of a
  call already stored in the same trace, it is folded into the stored span
  (its fields merged in, its id made an alias of the stored one) instead of
  being stored beside it. Four rules say "same call", in this order:

  1. the same id -- a request id, response id or tool call id
     (``ID_KEYS``, ``ToolInfo.call_id``) -- on reports from two reporters
     (one rebuilt from log events and one not, or one nested in the other;
     for a tool call id also two running at the same time, wherever
     in the tree: ``same_tool_call``);
  2. nesting: a model call directly inside, and within the time of, a model
     call of the same model, their usage agreeing where both report it (an
     SDK tracing itself inside an OpenInference or LangChain span; a direct
     child that started within the call's time, reports the same usage and
     names the response the call does not name may end after it:
     ``_trails``); and for a
     refused request, a failed model call naming no model whose only child is
     a failed model call within its time (an instrumentation that reads the
     model from the answer has none to read: OpenInference's Mistral span
     around the SDK's own span of the request). Two failed calls inside one
     such span are two requests: kept apart, and the outer span with them.
     The same holds for a model call that succeeded: an instrumentation of a
     framework's model component that names no model (OpenLLMetry's Haystack
     span of ``OpenAIChatGenerator.run``, reading the model only from the
     call's ``generation_kwargs``) around the OpenAI client's span of the
     request is one call, not two (a failed span around a successful one,
     or the reverse, stays apart). Nested deeper, through up to
     ``DEEP_BETWEEN`` spans that are no model call and no tool call (the AI
     SDK's ``ai.generateText`` between VoltAgent's ``llm:generateText`` and
     its ``ai.generateText.doGenerate`` of each step), a model call is the
     one around it when both report usage, the same (input, output, cache
     read), and the outer one is folded with no other call that way
     (``deep_twins``): the outer span may run a loop of calls and report
     only one of them. The spans may arrive in any order; when the one
     between them comes last, both calls are stored already: the inner one's
     report is folded into the outer span, and the inner span stays in the
     tree as a plain span naming it (``FOLDED_INTO``), its usage gone (a
     stored span is never deleted: it may be written already);
     A refused request through a gateway that traces it in its client's trace
     (``traceparent`` honoured): the gateway's failed model call, naming the
     route it served (``SERVED_KEY``), is the client's failed call of the same
     model it runs in, through up to ``DEEP_BETWEEN`` spans (the client's HTTP
     span, the gateway's request span), the only one there
     (``served_failed_twin``; ``served_nested_pair`` when the span between
     comes last): the gateway names its own call id as the response's, the
     client none, so rule 1 does not see them;
  3. logfire's streamed call: its request span and the "streaming
     response" log span beside it (``logfire.span_type = log``);
  4. a tight match: both are model calls with the same reported usage
     (input, output, cache read), compatible models, times within
     ``MATCH_NS`` of each other, from two reporters as in 1, or one of them
     a usage record (``cv.USAGE_RECORD_KEY``: AG2's ``record_usage`` span
     beside its ``chat`` span of the call) and the other not -- so two real
     calls of one instrumentation are never merged.

  The merged span carries ``agenttrace.merged_by`` naming the rule, which
  the span detail shows. A usage record adds nothing to the call's span but
  what it lacks: the call's span keeps its name, kind, place, times, status
  and attributes, whichever of the two came first.

  An instrumentation that starts its span outside the context a provider SDK
  traces itself in (OpenLLMetry's, which never makes its span current) makes
  two one-span traces of one call; the store folds the second into the first
  (``StoreUpsert._report_elsewhere``) when both answer with one response id,
  or when they are ``nested_elsewhere``: one runs within the other's time, as
  in rule 2, and only one of them names the response (the SDK's own span of
  the request may not: mistralai 1.x's names none). Inside an agent's trace
  the same happens to a chat model's span: OpenInference's LangChain
  instrumentation never makes it current, so the SDK's span of the request
  is the root of a trace of its own, folded into the chat model's span (same
  usage, nested in time, only the SDK's naming the response) whichever
  arrives first (``_nested_elsewhere``, ``_root_call_elsewhere``: the SDK's
  span stored first stays as a plain span naming the merged one,
  ``FOLDED_INTO``); OpenLLMetry's puts the SDK's span beside it, under the
  same parent: rule 4, the two reporters told apart by the response id
  (``two_reporters``). A gateway that reports
  the calls it serves (a LiteLLM proxy's ``litellm_request``, in its own
  trace of the request when the client sends no ``traceparent``) reports
  each call its client reports too, from another service: a model call that
  answers with the response id of a call another service reported, or a
  failed one that runs within (or around) the one failed call of the same
  model among another service's latest (a refused request names no response
  on the client's side), is one call with it. The client's report keeps the
  call whichever arrives first (the gateway's names the route it served,
  ``http.route``); the other stays in its tree as a plain span naming it
  (``StoreUpsert._call_elsewhere``).
* **A tool call reported in two traces.** An instrumentation's tool span naming no call
  id and a tool span rebuilt from the client's log events naming one, in one session, the
  same tool with the same arguments (``loose_tool_key``, ``same_tool_args``) running at the same time, are one
  call, whichever arrives first (``StoreUpsert._tool_elsewhere``): OpenInference's Claude
  Agent SDK instrumentation for TypeScript reports each tool call the Claude Code CLI
  reports too, and the CLI's events are a trace of their own (the SDK starts the CLI
  outside the agent span).
* **A call named by the chain around it.** OpenLLMetry's LangChain instrumentation names a chat
  model call whose request names no model (an ``AzureChatOpenAI`` deployment) ``unknown``
  (``cv.MODEL_PLACEHOLDERS``), and streamed it never reads the answer's model; LangChain's
  result on the chain span around it (a task, ``prompt | model``: the model's answer message) names the
  model that answered (``cv.CHAIN_ANSWER_MODEL_KEY``, read in normalisation). The store gives
  that model to the call (``chain_answered``): the chain's only model call, within its time,
  naming none, its tokens the answer's where both report them; the call carries
  ``MODEL_FROM`` (the chain span's id) and is priced as that model. Either may arrive first.
* **A call named by the turn around it.** OpenInference's Codex instrumentation names the model on
  the turn's span only (an agent span), each call a record of the session file with its usage and
  nothing else. The store gives the turn's model to each model call directly inside it, within its
  time, that names none (``turn_model``); the call carries ``MODEL_FROM`` (the turn's span id) and is
  priced as that model. Either may arrive first (the turn, the root, arrives last).
* **An answer recorded inside its call.** AgentOps' OpenAI instrumentation leaves a model call's
  tool calls out of its span's answer and records each as a zero-length child span of the call
  (``tool_call.<tool>``, internal: not a run of the tool). The store gives the call that answer
  (``answer_from_records``: the records rendered as its response), whichever arrives first;
  the call carries ``ANSWER_FROM`` (how many records).
* **Calls recorded onto one span are apart.** A model call's inference details
  record (``gen_ai.client.inference.operation.details``: one per call) names
  the span the call ran in. When that span is a model call reporting usage
  other than the record's, the record is another call recorded onto it: Google
  ADK's telemetry (schema 2) records each model call onto its caller's span
  when nothing opens a span for the call (OpenInference's instrumentation
  suppresses ADK's ``generate_content`` span), so all the calls of an agent
  run land on one span, each one's attributes overwriting the last one's, and
  only the records keep every call's usage. ``calls_recorded_on`` rebuilds
  each such call from its record, as a model call beside that span (in its
  parent, within its time; with its model where the record names none: ADK's
  records do not), so the earlier calls are counted and priced instead of
  lost; the record whose usage is the span's stays the span's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import msgspec

from ..model import INTERNAL_ATTR, LlmInfo, Span, SpanEvent, SpanKind, Status, TokenUsage
from ..normalize import conventions as cv
from .merge import attach_events, merge_part

if TYPE_CHECKING:
    from .entries import TraceEntry

#: Attribute naming the rule that merged two reports of one call.
MERGED_BY = "agenttrace.merged_by"
#: Attribute on spans the monitor rebuilt from log events (Claude Code, Codex).
REBUILT = "agenttrace.rebuilt_from"
#: Attribute of a turn rebuilt from log events holding its prompt's text, which names the turn
#: (``prompt: …``; ingest.otlp_logs): without it (prompts not logged) the name is ``prompt`` alone.
REBUILT_PROMPT = "prompt"
#: Attribute on a report of a tool call naming the tool as the model called it (its value), where the
#: client's own span of the call names it otherwise: Codex's ``codex.tool_result`` event names a tool
#: of a namespace (an MCP server's, ``mcp__weather``) with its namespace, ``mcp__weather__get_weather``,
#: its span of the dispatch the two run together (``mcp__weatherget_weather``). That name stands,
#: whichever report came first.
CALLED_AS = "agenttrace.called_as"
#: Attribute on a report of a span whose usage is the client's own account of the call (the
#: log event named here: Gemini CLI's ``gemini_cli.api_response``), where its span reports
#: less (no cached or thinking tokens): that usage replaces the span's, whichever came first.
USAGE_FROM = "agenttrace.usage_from"
#: Attribute on a model call rebuilt from its inference details record, naming the span its
#: client recorded it onto (``calls_recorded_on``).
RECORDED_ON = "agenttrace.recorded_on"
#: Attribute on a client's internal framework spans (kept, not counted as tool or LLM calls).
INTERNAL = INTERNAL_ATTR
#: Attributes that identify one model call, first found wins per span.
ID_KEYS: tuple[str, ...] = ("gen_ai.response.id", "request_id", "auth.request_id", "llm.response.id")
#: Kinds whose usage is what they report for their subtree (agents, workflows, turns).
AGGREGATE_KINDS = frozenset({SpanKind.AGENT, SpanKind.TASK})
NESTED_RULE = "model call nested in a model call of the same model"
FAILED_NESTED_RULE = "failed model call, the only one in a failed model call naming no model"
UNNAMED_NESTED_RULE = "model call, the only one in a model call naming no model"
DEEP_NESTED_RULE = "model call nested, through spans that are no model call, in a model call of the same model"
NESTED_ELSEWHERE_RULE = "model call nested in a model call of the same model, in another trace"
NESTED_TOOL_RULE = "tool call nested in a call of the same tool"
#: A tool call an instrumentation reports naming no call id, and the client's log events report
#: naming one, the same tool with the same arguments at the same time (``loose_tool_key``).
TOOL_ELSEWHERE_RULE = "same tool, arguments and time as the call's report from log events"
STREAM_RULE = "logfire streaming response of the same request"
SERVED_FAILED_RULE = "failed model call a gateway served, in a failed model call of the same model"
FAILED_REPORTS_RULE = "failed model call of the same model beside it, under another name (one refused request)"
#: What a model call's span carries when its reporter made the call serving an HTTP request (a
#: gateway: LiteLLM proxy's ``litellm_request`` names its route): of two reports of one call, the
#: other one (its client's) keeps the call's place.
SERVED_KEY = "http.route"
LOGFIRE_SPAN_TYPE = "logfire.span_type"
#: How many spans that are no model call may lie between two reports of one call (``deep_outer``).
DEEP_BETWEEN = 2
#: Attribute on a stored model call's span whose call was folded, after it was stored, into the
#: span of the call it is nested in (``deep_nested_pair``): the id of that span.
FOLDED_INTO = "agenttrace.folded_into"
#: Attribute on a model call's span whose model the chain span around it named
#: (``chain_answered``): that span's id.
MODEL_FROM = "agenttrace.model_from"
#: Attribute on a model call's span whose answer the records of its answer's tool calls inside it
#: gave (``answer_from_records``): how many of them.
ANSWER_FROM = "agenttrace.answer_from"
#: Slack when one report must lie within the other's time (one process, one clock: none).
CLOCK_NS = 0
#: How far apart two reports of one call may start or end.
MATCH_NS = 2_000_000_000
# Enum members as module constants: ``SpanKind.X`` on the class costs ~0.2 µs a
# read on Python 3.11 (EnumType attribute lookup), several per stored span here.
_LLM = SpanKind.LLM_CALL
_AGENT = SpanKind.AGENT
_TOOL = SpanKind.TOOL_EXECUTION
_ERROR = Status.ERROR
_USAGE_RECORD = cv.USAGE_RECORD_KEY


def scope_usage(span: Span) -> None:
    """Usage on an agent, workflow or turn span covers its subtree: shown, never added."""
    u = span.usage
    if u is not None and u.scope == "span" and span.kind in AGGREGATE_KINDS and not u.estimated:
        u.scope = "subtree"


class ToolCallKey(msgspec.Struct, frozen=True, gc=False):
    """A tool call's key in its trace's index of calls: its call id, as a class of its own, so that
    no model call's id is ever the same key."""

    call_id: str


class UsageKey(msgspec.Struct, frozen=True, gc=False):
    """A model call's key in its trace's index of calls by the usage it reported itself (``usage_key``)."""

    input: int
    output: int
    cache_read: int


#: A call's key in its trace's index (``TraceEntry.calls``): a model call's response or request id
#: (a ``str``), its usage (a ``UsageKey``), a tool call's id (a ``ToolCallKey``). None of them is
#: an object Python's collector tracks (structs made with ``gc=False``): as tuples (``("id", …)``,
#: ``("usage", …)``, ``("tool", …)``) the keys were 1.4 of the 2.6 objects a span of the OTLP
#: benchmark left for the collector to walk, and made each trace's index one more. (As one int,
#: ``(input << 40 | output) << 40 | cache_read``, a usage key cost ~1k instructions more a model
#: call than the tuple: multi-digit ints are made and hashed digit by digit.)
CallKey = str | UsageKey | ToolCallKey


def call_keys(span: Span) -> list[CallKey]:
    """The keys under which a trace remembers this span as a call."""
    keys: list[CallKey] = []
    if span.kind is _LLM:
        a = span.attributes
        for k in ID_KEYS:
            v = a.get(k)
            if v not in (None, ""):
                keys.append(str(v))
                break
        key = usage_key(span.usage)
        if key is not None:
            keys.append(key)
    elif span.kind is _TOOL and span.tool is not None and span.tool.call_id:
        keys.append(ToolCallKey(span.tool.call_id))
    return keys


def usage_key(u: TokenUsage | None) -> UsageKey | None:
    """A model call's key by the usage it reported itself (None: no usage to know it by)."""
    if u is not None and u.scope == "span" and not u.estimated and (u.input or u.output):
        return UsageKey(u.input, u.output, u.cache_read)
    return None


#: How the rule of a merge by response or request id starts (``agenttrace.merged_by``).
ID_RULE = "same id "


#: The rule of a merge by usage (rule 4): ``agenttrace.merged_by``.
USAGE_RULE = "same usage, model and time"


def _rule(key: CallKey) -> str:
    if isinstance(key, str):
        return f"{ID_RULE}{key}"
    if isinstance(key, ToolCallKey):
        return f"same tool call id {key.call_id}"
    return USAGE_RULE


def _tight(a: Span, b: Span) -> bool:
    # Two reporters first: the test that fails for two calls of one instrumentation
    # (most spans that get here: calls with the same usage), the others after it.
    return two_reporters(a, b) and same_call(a, b)


def same_call(a: Span, b: Span) -> bool:
    """Two model call spans that may be one call: the same model (where both name one,
    or one a prefixed spelling of the other) and times no further apart than
    ``MATCH_NS``. Enough for two that answer with one response id: a provider's response
    id names one response, so two spans of it are two reports of one call, whoever sent
    them (a provider SDK tracing itself beside an instrumentation of it, in one trace
    or, when neither sees the other's context, in two)."""
    ma = a.llm.model if a.llm is not None else None
    mb = b.llm.model if b.llm is not None else None
    if ma and mb and ma != mb and not (ma.endswith(mb) or mb.endswith(ma)):
        return False
    a_end = a.end_ns if a.end_ns is not None else a.start_ns
    b_end = b.end_ns if b.end_ns is not None else b.start_ns
    return not (a.start_ns > b_end + MATCH_NS or b.start_ns > a_end + MATCH_NS)


def two_reporters(a: Span, b: Span) -> bool:
    """One report rebuilt from log events and one not, one a usage record and one not
    (``cv.is_usage_record``), one nested in the other, or siblings, one naming the response
    and the other not, one running within the other's time: two reports of one call, never
    two calls of one reporter (a retried tool call may reuse its call id; an instrumentation
    names every response it reports or none, as ``nested_elsewhere`` has it). The last is a
    provider SDK tracing itself beside an instrumentation's span that it does not see as its
    parent (OpenLLMetry's LangChain span of a ``ChatAnthropic`` call and the anthropic SDK's
    own span of the request, both under the chain that runs the model); a call further down
    (a sub-agent's, in a tool) is no sibling."""
    aa, ba = a.attributes, b.attributes
    return ((REBUILT in aa) != (REBUILT in ba)
            or (b.parent_span_id == a.span_id and within(a, b)) or (a.parent_span_id == b.span_id and within(b, a))
            # Last, and spelled out: it runs for each candidate twin of most new model calls (a
            # usage another call had); two calls of cv.is_usage_record cost ~7k instructions a
            # span of the stream benchmark (bench_stream_ir's store part), this ~0.1k.
            or (_USAGE_RECORD in aa) != (_USAGE_RECORD in ba)
            or (a.parent_span_id == b.parent_span_id
                # within both ways (CLOCK_NS is 0), spelled out and first: calls of one reporter
                # with one usage seldom nest, and each has_call_id costs ~1.5k instructions.
                and (be := b.end_ns) is not None and (ae := a.end_ns) is not None
                and ((be <= ae and b.start_ns >= a.start_ns) or (a.start_ns >= b.start_ns and ae <= be))
                and has_call_id(a) != has_call_id(b)))


assert CLOCK_NS == 0, "two_reporters spells within out with no slack"


def same_tool_call(a: Span, b: Span) -> bool:
    """Two tool spans with one tool call id that are two reports of the call: from two
    reporters (``two_reporters``), or running at the same time (VoltAgent's
    ``tool.execution:*`` span beside the AI SDK's ``ai.toolCall`` of the same call, each in
    its own part of the tree; OpenCode's ``Tool.execute`` beside it, ending a moment after
    it). A call retried under its id runs after the failed attempt, not during it."""
    return two_reporters(a, b) or _overlap(a, b)


def loose_tool_key(span: Span) -> tuple[bool, str] | None:
    """For a tool span that may be one of two reports of a tool call in two traces, (rebuilt,
    tool name): a span rebuilt from log events naming its call id (Claude Code's ``tool_result``),
    or an instrumentation's naming none (OpenInference's Claude Agent SDK instrumentation for
    TypeScript, whose hooks know the call id and send none, and which starts the CLI outside its
    agent span's context, so the CLI's events are a trace of their own). None for any other span,
    or one with no arguments: nothing else tells the call (``same_tool_args``)."""
    tool = span.tool
    if tool is None or not tool.name or not tool.input_preview:
        return None
    rebuilt = REBUILT in span.attributes
    if rebuilt != bool(tool.call_id):
        return None
    return rebuilt, tool.name


def same_tool_args(a: Span, b: Span) -> bool:
    """Whether two tool spans name the same arguments: their previews as canonical JSON (the two
    reporters write theirs apart), else as text. Only for spans ``loose_tool_key`` paired."""
    return _canonical_args(a.tool.input_preview) == _canonical_args(b.tool.input_preview)  # type: ignore[union-attr]


def _canonical_args(text: str | None) -> str | None:
    if not text:
        return text
    try:
        return msgspec.json.encode(msgspec.json.decode(text), order="sorted").decode()
    except msgspec.DecodeError:
        return text


def tools_overlap(a: Span, b: Span) -> bool:
    """Two tool spans running at the same time (each of some length)."""
    return _overlap(a, b)


def _overlap(a: Span, b: Span) -> bool:
    # A zero-length span says nothing of what ran during it.
    if a.end_ns is None or b.end_ns is None or a.end_ns <= a.start_ns or b.end_ns <= b.start_ns:
        return False
    return a.start_ns < b.end_ns and b.start_ns < a.end_ns


def within(outer: Span, inner: Span) -> bool:
    if outer.end_ns is None or inner.end_ns is None:
        return False
    return inner.start_ns + CLOCK_NS >= outer.start_ns and inner.end_ns <= outer.end_ns + CLOCK_NS


def same_model(a: Span, b: Span) -> bool:
    ma = a.llm.model if a.llm is not None else None
    mb = b.llm.model if b.llm is not None else None
    return bool(ma and mb and (ma == mb or ma.endswith(mb) or mb.endswith(ma)))


def _nested_twins(outer: Span, inner: Span) -> bool:
    """The inner model call runs within the outer one's time, same model, and
    their usage (where both report it) agrees."""
    # Within first: cheaper than comparing models, and what tells most nested calls apart.
    if outer.kind is not _LLM or inner.kind is not _LLM or not (within(outer, inner) or _trails(outer, inner)):
        return False
    if not same_model(outer, inner):
        return False
    return _usage_agrees(outer, inner)


def _trails(outer: Span, inner: Span) -> bool:
    """The inner model call, the outer one's child, started within its time and ended after it,
    both reporting the same usage (input, output, cache read), the inner one naming the response
    and the outer one not (``has_call_id``: two reporters, as ``nested_elsewhere`` has it): a provider SDK's own
    span of the request, which the SDK ends only once the instrumentation around it has had the
    answer (the Anthropic SDK for TypeScript ends it after the parse that the instrumentation's
    transform is part of; a streamed call's, when the application has read its copy of the
    stream, which the instrumentation tees off and reads apart). Calls of one reporter in a call
    they outlive stay calls."""
    end = outer.end_ns
    if inner.parent_span_id != outer.span_id or end is None or not outer.start_ns <= inner.start_ns <= end:
        return False
    key = usage_key(outer.usage)
    return key is not None and key == usage_key(inner.usage) and has_call_id(inner) and not has_call_id(outer)


def deep_twins(outer: Span, inner: Span) -> bool:
    """Rule 2 through spans between (``deep_outer``, ``deep_inner``): the inner model call runs
    within the outer one's time, of the same model, both report the same usage (input, output,
    cache read), and neither was folded that way already (an outer span around a loop of calls
    with the same usage is one of them, not all)."""
    if outer.kind is not _LLM or inner.kind is not _LLM or not within(outer, inner):
        return False
    key = usage_key(outer.usage)
    if key is None or key != usage_key(inner.usage) or not same_model(outer, inner):
        return False
    return (outer.attributes.get(MERGED_BY) != DEEP_NESTED_RULE
            and inner.attributes.get(MERGED_BY) != DEEP_NESTED_RULE)


def deep_outer(trace: TraceEntry, span: Span, between: int = 0) -> Span | None:
    """The first model call above ``span`` with only spans that are neither model nor tool
    calls between them, at most ``DEEP_BETWEEN`` (``between`` of them below ``span``
    already), none missing; None if a tool call, a missing span or the limit comes first."""
    spans = trace.spans
    pid = span.parent_span_id
    while pid is not None:
        up = spans.get(pid)
        if up is None or up.kind is _TOOL:
            return None
        if up.kind is _LLM:
            return up
        if between == DEEP_BETWEEN:
            return None
        between += 1
        pid = up.parent_span_id
    return None


def deep_inner(trace: TraceEntry, outer: Span, top: str, between: int) -> Span | None:
    """The one stored model call below the span ``top`` (``outer`` itself, or a span between
    it and the calls, ``between`` of them down to ``top`` included) that is ``outer``'s deep
    twin (``deep_twins``), through spans that are neither model nor tool calls; None when
    none is, or more than one."""
    spans, children = trace.spans, trace.children
    found: Span | None = None
    level = [top]
    while level:
        down: list[str] = []
        for pid in level:
            for cid in children.get(pid, ()):
                child = spans.get(cid)
                if child is None or child.kind is _TOOL:
                    continue
                if child.kind is _LLM:
                    if between and deep_twins(outer, child):
                        if found is not None:
                            return None
                        found = child
                elif between < DEEP_BETWEEN:
                    down.append(cid)
        level = down
        between += 1
    return found


def deep_nested_pair(trace: TraceEntry, span: Span) -> tuple[Span, Span] | None:
    """For a new span that is neither a model nor a tool call, with children stored: the model
    call above it and the one below it that are one call through it (``deep_twins``), both
    stored -- the case of the span between them arriving last."""
    outer = deep_outer(trace, span, 1)
    if outer is None:
        return None
    # How many spans lie between ``outer`` and ``span``'s children: ``span`` and those above it.
    between, up = 1, span
    while up.parent_span_id != outer.span_id:
        up = trace.spans[up.parent_span_id]  # type: ignore[index]  # (deep_outer walked it)
        between += 1
    inner = deep_inner(trace, outer, span.span_id, between)
    return (outer, inner) if inner is not None else None


def _usage_agrees(a: Span, b: Span) -> bool:
    ua, ub = a.usage, b.usage
    if ua is not None and ub is not None and not ua.estimated and not ub.estimated:
        return (ua.input, ua.output) == (ub.input, ub.output)
    return True


def _unnamed_twins(outer: Span, inner: Span) -> bool:
    """Both model calls failed or neither did, the outer names no model, the inner runs
    within its time, their usage agreeing where both report it. (Only child: ``_unnamed_nested``.)"""
    if outer.kind is not _LLM or inner.kind is not _LLM or (outer.status is _ERROR) != (inner.status is _ERROR):
        return False
    if outer.llm is not None and outer.llm.model:
        return False
    return within(outer, inner) and _usage_agrees(outer, inner)


def _unnamed_nested(trace: TraceEntry, span: Span) -> Span | None:
    """The model call (parent or child) that this one reports again: rule 2 for a call whose
    outer report names no model (``_unnamed_twins``; a refused request, or a framework
    component's span), when the inner one is the outer's only child among the spans stored
    so far -- a span around two requests (retries, or calls it made at once) is neither of them."""
    children = trace.children
    parent = trace.spans.get(span.parent_span_id) if span.parent_span_id is not None else None
    # ``span`` is new: not among its parent's children yet.
    if parent is not None and not children.get(parent.span_id) and _unnamed_twins(parent, span):
        return parent
    kids = children.get(span.span_id)
    if kids is not None and len(kids) == 1:
        child = trace.spans.get(kids[0])
        if child is not None and _unnamed_twins(span, child):
            return child
    return None


def names_no_model(span: Span) -> bool:
    """A model call whose span names no model, or only an instrumentation's placeholder for none."""
    llm = span.llm
    return span.kind is _LLM and (llm is None or not llm.model or llm.model in cv.MODEL_PLACEHOLDERS)


def answer_from_records(trace: TraceEntry, call: Span) -> tuple[str, int] | None:
    """The answer of ``call``, a stored model call whose span carries none, as the records of the tool
    calls that answer asked for, stored inside it, render it (``cv.answer_tool_call``: AgentOps' OpenAI
    instrumentation records each as an internal ``tool_call.<tool>`` span), and how many there are;
    None when it has an answer of its own or no record. An answer the records gave is given anew
    when another record arrives (``ANSWER_FROM`` counts them)."""
    llm = call.llm
    if call.kind is not _LLM or (llm is not None and llm.response_preview and ANSWER_FROM not in call.attributes):
        return None
    parts = []
    for cid in trace.children.get(call.span_id, ()):
        child = trace.spans.get(cid)
        if child is not None and child.tool is not None and (
                part := cv.answer_tool_call(child.attributes, child.tool.name)) is not None:
            parts.append(part)
    if not parts or call.attributes.get(ANSWER_FROM) == len(parts):
        return None
    answer = cv.render_messages([{"role": "assistant", "parts": parts}])
    return (cv.cut_head(answer), len(parts)) if answer else None


def chain_answered(trace: TraceEntry, chain: Span) -> tuple[Span, str] | None:
    """The model call of ``trace`` that ``chain``'s answer (``cv.CHAIN_ANSWER_MODEL_KEY``: LangChain's
    result of a chain that ends with a chat model) was the answer of, and the model that answered
    it: the chain's only model call among its children stored so far, naming no model
    (``names_no_model``), within the chain's time, its input and output tokens the answer's where
    both report them; else None. A chain that ran two model calls says which one answered only by
    the tokens: none is named then."""
    a = chain.attributes
    model = a.get(cv.CHAIN_ANSWER_MODEL_KEY)
    if not isinstance(model, str) or not model:
        return None
    found: Span | None = None
    for cid in trace.children.get(chain.span_id, ()):
        child = trace.spans.get(cid)
        if child is None or child.kind is not _LLM:
            continue
        if found is not None:
            return None
        found = child
    if found is None or not names_no_model(found) or not within(chain, found):
        return None
    u = found.usage
    if u is not None and not u.estimated:
        for key, count in ((cv.CHAIN_ANSWER_INPUT_KEY, u.input), (cv.CHAIN_ANSWER_OUTPUT_KEY, u.output)):
            said = a.get(key)
            if said is not None and said != count:
                return None
    return found, model


def turn_model(turn: Span, call: Span) -> str | None:
    """The model ``call``, a model call directly inside ``turn`` naming none itself (``names_no_model``),
    ran on: the one ``turn``, an agent span, names, when ``call`` ran within its time; else None.
    OpenInference's Codex instrumentation names the model on the turn only, each call a record of the
    session file with its usage alone."""
    llm = turn.llm
    if (turn.kind is not _AGENT or llm is None or not llm.model or llm.model in cv.MODEL_PLACEHOLDERS
            or not names_no_model(call) or not within(turn, call)):
        return None
    return llm.model


def turn_named(trace: TraceEntry, turn: Span) -> list[tuple[Span, str]]:
    """The model calls of ``trace`` directly inside ``turn`` that ran on the model it names
    (``turn_model``), with that model; empty for any other span."""
    out = []
    for cid in trace.children.get(turn.span_id, ()):
        child = trace.spans.get(cid)
        if child is not None and (model := turn_model(turn, child)) is not None:
            out.append((child, model))
    return out


def has_call_id(span: Span) -> bool:
    """Whether the span names the call by one of ``ID_KEYS`` (a response or request id)."""
    a = span.attributes
    return any(a.get(k) not in (None, "") for k in ID_KEYS)


def nested_elsewhere(a: Span, b: Span) -> bool:
    """Two model calls, each the only span of its trace in one session, that are one call
    reported by two reporters that do not see each other's context: one runs within the
    other's time, of the same model, their usage agreeing where both report it, both failed
    or neither, and exactly one of them names the response (``has_call_id``). An
    instrumentation names every response it reports or none, so concurrent calls of one
    reporter, nested in time, are never taken for one call."""
    if has_call_id(a) == has_call_id(b):
        return a.status is _ERROR and failed_reports(a, b)  # (neither names one: a refused request)
    if (a.status is Status.ERROR) != (b.status is Status.ERROR):
        return False
    return _nested_twins(a, b) or _nested_twins(b, a)


def failed_reports(a: Span, b: Span) -> bool:
    """Two failed model calls that are one refused request reported by two instrumentations:
    both failed with no usage (the API answered none) and naming no response, of the same
    model, one within the other's time, under two span names. An instrumentation names its
    calls of one model alike, so two of its concurrent requests refused at once stay two."""
    return (a.status is _ERROR and b.status is _ERROR and a.usage is None and b.usage is None
            and a.name != b.name and (within(a, b) or within(b, a)) and same_model(a, b)
            and not has_call_id(a) and not has_call_id(b))


def failed_sibling(trace: TraceEntry, span: Span) -> Span | None:
    """For a new failed model call naming no response: the one failed model call beside it
    (same parent) that is the same refused request reported again (``failed_reports``): a
    provider SDK tracing itself beside an instrumentation's span it does not see as its
    parent (OpenLLMetry's LangChain span of a ``ChatAnthropic`` call). Two such: none."""
    found: Span | None = None
    for sid in trace.children.get(span.parent_span_id, ()):
        other = trace.spans.get(sid)
        if other is None or other is span or other.kind is not _LLM or not failed_reports(other, span):
            continue
        if found is not None:
            return None
        found = other
    return found


def nested_tool_twins(outer: Span, inner: Span) -> bool:
    """The inner tool span runs within the outer one's time, for the same tool, and no call
    id (where both have one) tells them apart: two instrumentations of one tool call
    (autogen-core's ``execute_tool`` inside OpenInference's span of it). Three reports nest so
    when a tool runs on an MCP server that exports its spans in the agent's trace: the agent's
    span of the tool call, the MCP client's ``tools/call`` span inside it and the server's inside
    that (``SpanUpserts._fold_nested_tools``: the one between them arriving last).

    Two spans of the same name with the same attribute keys are one reporter's, so two calls: a
    tool that calls itself (a recursive ``list_dir`` traced with our SDK, or by any one
    instrumentation). Two instrumentations name a call's span each their own way and leave
    keys of their own conventions (every nested report of one call among the recorded clients
    differs in its keys, most in its name too)."""
    if outer.kind is not _TOOL or inner.kind is not _TOOL or not within(outer, inner):
        return False
    a, b = outer.tool, inner.tool
    if a is None or b is None or not a.name or a.name != b.name:
        return False
    if a.call_id and b.call_id and a.call_id != b.call_id:
        return False
    return not (outer.name == inner.name and outer.attributes.keys() == inner.attributes.keys())


def _is_stream_log(span: Span) -> bool:
    return span.attributes.get(LOGFIRE_SPAN_TYPE) == "log"


def _logfire_stream_twin(trace: TraceEntry, span: Span) -> Span | None:
    """logfire reports a streamed call as its request span plus a zero-length
    "streaming response" log span (usage, answer) beside it: one call.
    ``span`` is a logfire span (it has ``logfire.span_type``)."""
    log = _is_stream_log(span)
    for sid in trace.children.get(span.parent_span_id, ()):
        other = trace.spans.get(sid)
        if other is None or other.kind is not _LLM or not same_model(other, span):
            continue
        if _is_stream_log(other) == log or LOGFIRE_SPAN_TYPE not in other.attributes:
            continue
        request, stream = (other, span) if log else (span, other)
        reported = request.usage is not None and not request.usage.estimated
        if not reported and request.end_ns is not None and request.end_ns <= stream.start_ns + MATCH_NS:
            return other
    return None


def find_twin(trace: TraceEntry, span: Span,
              keys: Sequence[CallKey | None] | None = None) -> tuple[Span, str] | None:
    """A stored span of the same trace that this new span reports again, and the rule.

    ``keys``: the span's ``call_keys`` when the caller has them already (a
    ``None`` among them stands for a key the span does not have).
    """
    if span.kind is _LLM:
        # A model call directly inside a model call of the same model: two
        # instrumentations of one call (an SDK tracing itself inside an
        # OpenInference or LangChain span).
        nested = _nested(trace, span, _nested_twins)
        if nested is not None:
            return nested, NESTED_RULE
        nested = _unnamed_nested(trace, span)
        if nested is not None:
            return nested, FAILED_NESTED_RULE if span.status is _ERROR else UNNAMED_NESTED_RULE
        if usage_key(span.usage) is not None:
            # Through spans between: the model call above it, or the one below it.
            outer = deep_outer(trace, span)
            if outer is not None and outer.span_id != span.parent_span_id and deep_twins(outer, span):
                return outer, DEEP_NESTED_RULE
            if span.span_id in trace.children:
                inner = deep_inner(trace, span, span.span_id, 0)
                if inner is not None:
                    return inner, DEEP_NESTED_RULE
        elif span.status is _ERROR and span.usage is None:
            served = served_failed_twin(trace, span)
            if served is not None:
                return served, SERVED_FAILED_RULE
            if span.parent_span_id is not None and (sibling := failed_sibling(trace, span)) is not None:
                return sibling, FAILED_REPORTS_RULE
        if LOGFIRE_SPAN_TYPE in span.attributes:  # (tested here: a call costs more than the test)
            twin = _logfire_stream_twin(trace, span)
            if twin is not None:
                return twin, STREAM_RULE
    elif span.kind is _TOOL:
        nested = _nested(trace, span, nested_tool_twins)
        if nested is not None:
            return nested, NESTED_TOOL_RULE
    index = trace.calls
    if index is None:
        return None
    for key in call_keys(span) if keys is None else keys:
        if key is None:
            continue
        sid = index.get(key)
        if sid is None or sid == span.span_id:
            continue
        other = trace.spans.get(sid)
        if other is None or other.kind is not span.kind:
            continue
        kind = key.__class__
        if not (_tight(other, span) if kind is UsageKey else same_call(other, span) if kind is str
                else same_tool_call(other, span)):
            continue
        return other, _rule(key)
    return None


def _served_twins(outer: Span, inner: Span) -> bool:
    """A refused request through a gateway, reported by both: the inner model call names the
    route it served (``SERVED_KEY``), the outer (its client's) does not; both failed with no
    usage, of the same model, the inner within the outer's time, not folded that way already."""
    return (inner.kind is _LLM and outer.kind is _LLM and inner.status is _ERROR and outer.status is _ERROR
            and inner.usage is None and outer.usage is None and SERVED_KEY in inner.attributes
            and SERVED_KEY not in outer.attributes and outer.attributes.get(MERGED_BY) != SERVED_FAILED_RULE
            and within(outer, inner) and same_model(outer, inner))


def served_failed_twin(trace: TraceEntry, span: Span) -> Span | None:
    """For a new failed model call: the failed call of its client around it (through up to
    ``DEEP_BETWEEN`` spans that are no model or tool call, all stored) when it is a gateway's
    report of a refused request; or, for the client's, the one such gateway report below it.
    A failed call's reports name no shared response (the gateway names its own call id),
    so rule 1 does not see them; retries of a framework name no route served."""
    if SERVED_KEY in span.attributes:
        outer = deep_outer(trace, span)
        return outer if outer is not None and _served_twins(outer, span) else None
    if span.span_id not in trace.children:
        return None
    found: Span | None = None
    level, between = [span.span_id], 0
    while level and between <= DEEP_BETWEEN:
        down: list[str] = []
        for pid in level:
            for cid in trace.children.get(pid, ()):
                child = trace.spans.get(cid)
                if child is None or child.kind is _TOOL:
                    continue
                if child.kind is _LLM:
                    if _served_twins(span, child):
                        if found is not None:
                            return None
                        found = child
                else:
                    down.append(cid)
        level = down
        between += 1
    return found


def served_nested_pair(trace: TraceEntry, span: Span) -> tuple[Span, Span] | None:
    """For a new span that is neither a model nor a tool call, with children stored: the failed
    model call above it and the gateway's report of it below (``served_failed_twin``), both
    stored -- the span between them (the gateway's request span, which ends last) came last."""
    outer = deep_outer(trace, span, 1)
    if outer is None or outer.status is not _ERROR:
        return None
    inner = served_failed_twin(trace, outer)
    return (outer, inner) if inner is not None else None


def _nested(trace: TraceEntry, span: Span, twins: Callable[[Span, Span], bool]) -> Span | None:
    """The span's parent, or one of its children already stored, that ``twins(outer, inner)``
    says is the same call."""
    parent = trace.spans.get(span.parent_span_id) if span.parent_span_id is not None else None
    if parent is not None and twins(parent, span):
        return parent
    for cid in trace.children.get(span.span_id, ()):
        child = trace.spans.get(cid)
        if child is not None and twins(span, child):
            return child
    return None


def remember(trace: TraceEntry, span: Span, keys: list[CallKey] | None = None) -> None:
    """Index the span under its call keys (``keys``: its ``call_keys`` when the caller has them)."""
    if keys is None:
        keys = call_keys(span)
    if not keys:
        return
    if trace.calls is None:
        trace.calls = {}
    for key in keys:
        if trace.calls.setdefault(key, span.span_id) != span.span_id and key.__class__ is UsageKey:
            trace.shared_usage = True  # another call of that usage holds the key (``found_by_usage``)


def found_by_usage(trace: TraceEntry, keeper_id: str, key: UsageKey | None) -> None:
    """A call folded with its second report by their usage (rule 4): both reports of it are in, so
    the first stored call of the same usage still without its second report takes its place in the
    index, to be found by its own. Two calls of one turn that asked for a tool each may report the
    same usage: Codex's, each reported by its ``handle_responses`` span and its ``response.completed``
    event; without this both events were folded into the first call's span, and the second call's
    span stayed alone, its model unnamed. (Looked for here, in the trace's spans in the order they
    were stored, and only in a trace where two calls shared a usage key (``shared_usage``): noting
    each such call as it is stored cost ~1.8k instructions a span of the stream benchmark, whose
    calls all report one usage.)"""
    calls = trace.calls
    if key is None or calls is None or calls.get(key) != keeper_id:
        return
    for span in trace.spans.values():
        if (span.kind is _LLM and span.span_id != keeper_id and MERGED_BY not in span.attributes
                and usage_key(span.usage) == key):
            calls[key] = span.span_id
            return


def fold_into(keeper: Span, twin: Span, rule: str, keeper_outer: bool = False) -> None:
    """Make ``twin`` (the new report) merge into ``keeper`` (the stored span), in place.

    The client's own span (not rebuilt from log events) keeps its name, kind
    and place in the tree; when one report is nested in the other, the merged
    span takes the outer one's parent (``keeper_outer``: the stored span is
    the outer one of ``DEEP_NESTED_RULE``, whose name and times stand too). A usage record folded into the call's
    span brings only what that span lacks; the call's span folded into a usage
    record stored first takes the record's place, no longer a usage record.
    """
    orig_id, orig_parent = twin.span_id, twin.parent_span_id
    twin.span_id = keeper.span_id
    if cv.is_usage_record(twin.attributes) and not cv.is_usage_record(keeper.attributes):
        twin.name, twin.kind, twin.parent_span_id = keeper.name, keeper.kind, keeper.parent_span_id
        twin.start_ns, twin.end_ns, twin.status = keeper.start_ns, keeper.end_ns, keeper.status
        twin.status_message, twin.status_code = keeper.status_message, keeper.status_code
        twin.attributes = {MERGED_BY: rule}
        return
    if cv.is_usage_record(keeper.attributes) and not cv.is_usage_record(twin.attributes):
        keeper.attributes = {}  # a usage record's, none of them the call's
    if keeper.status is _ERROR and twin.status is not _ERROR:
        # A failure either report saw is the call's, whichever came first (Claude Code's failed
        # tool_result event, then its tool span of the call, status unset: it read ok).
        twin.status = _ERROR
        twin.status_message = twin.status_message or keeper.status_message
        twin.status_code = twin.status_code or keeper.status_code
    if REBUILT in twin.attributes and REBUILT not in keeper.attributes:
        twin.name = keeper.name
        twin.kind = keeper.kind
        twin.parent_span_id = keeper.parent_span_id
    elif orig_parent == keeper.span_id:
        twin.parent_span_id = keeper.parent_span_id
        if rule == NESTED_TOOL_RULE:
            # The inner report is the transport's (an MCP request's ``tools/call get_weather``): the
            # call keeps the name the agent's span gives it.
            twin.name = keeper.name
    elif keeper_outer:
        # The new report is the inner one: the stored outer span keeps its name, place and times
        # (the spans between, and the other calls under it, stay inside it). (The outer one
        # arriving last brings them itself.)
        twin.name, twin.parent_span_id = keeper.name, keeper.parent_span_id
        twin.start_ns, twin.end_ns = keeper.start_ns, keeper.end_ns
    elif (rule in (UNNAMED_NESTED_RULE, FAILED_NESTED_RULE) and keeper.parent_span_id == orig_id
          and keeper.llm is not None):
        # The outer report names no model: it did not read the request or the answer, the
        # stored span inside it did (OpenLLMetry's Haystack span puts the answer dict's key,
        # "replies", where the answer's text belongs; OpenInference's Guardrails span of a
        # guard's LLM callable keeps the callable's arguments, JSON, as its input, answered or
        # refused). The inner one's details stand.
        twin.llm = merge_part(twin.llm, keeper.llm)
    attrs = dict(twin.attributes)
    if (REBUILT in attrs) != (REBUILT in keeper.attributes):
        if twin.kind is _TOOL and REBUILT in attrs and keeper.end_ns is not None:
            # A tool call lasted as long as the client's own span of it says, whichever came
            # first: Claude Code's ``claude_code.tool`` span covers the call (the permission
            # check and the run), its ``tool_result`` event is stamped when the result was
            # logged, after that span ended, its duration the run's alone.
            twin.start_ns, twin.end_ns = keeper.start_ns, keeper.end_ns
        elif twin.kind is not _TOOL or keeper.kind is not _TOOL:
            # A model call lasted as long as both reports say together, whichever came first:
            # Codex's own span of a model call is only its handling of the completed answer
            # (6 ms), its ``api_request`` event the request from its start (109 ms).
            if keeper.start_ns and (not twin.start_ns or keeper.start_ns < twin.start_ns):
                twin.start_ns = keeper.start_ns
            if keeper.end_ns is not None and (twin.end_ns is None or keeper.end_ns > twin.end_ns):
                twin.end_ns = keeper.end_ns
        attrs.pop(REBUILT, None)
        keeper.attributes = {k: v for k, v in keeper.attributes.items() if k != REBUILT}
    attrs[MERGED_BY] = rule
    twin.attributes = attrs


def calls_recorded_on(span: Span, events: tuple[SpanEvent, ...] | list[SpanEvent]) -> tuple[list[SpanEvent], list[Span]]:
    """The events of ``span`` that stay its own, and the model calls rebuilt from the others:
    inference details records (``cv.MESSAGE_DETAIL_EVENTS``) whose usage is not the usage
    ``span``, a model call, reports -- other calls its client recorded onto it (module
    docstring). Each rebuilt call is a zero-length span beside ``span`` (a model call is never
    inside another) at its record's time (within ``span``'s), with the record (and so its
    previews), the record's usage, and ``span``'s model and provider where the record names
    none; its id is derived from the record, so the same record sent again is another report
    of the same call."""
    u = span.usage
    if (span.kind is not _LLM or u is None or u.scope != "span" or u.estimated
            or not any(ev.name in cv.MESSAGE_DETAIL_EVENTS for ev in events)):
        return list(events), []
    kept: list[SpanEvent] = []
    calls: list[Span] = []
    for ev in events:
        call = _recorded_call(span, u, ev) if ev.name in cv.MESSAGE_DETAIL_EVENTS else None
        if call is None:
            kept.append(ev)
        else:
            calls.append(call)
    return kept, calls


def _recorded_call(span: Span, u: TokenUsage, ev: SpanEvent) -> Span | None:
    parts, _used = cv.extract_parts(ev.attributes)
    llm = span.llm or LlmInfo()
    got = parts.get("llm", {})
    model = got.get("model") or llm.model
    named = got.get("provider")
    provider = cv.provider_name(named) if named and named.__class__ is str else llm.provider  # as build_span names it
    usage = cv.finish_usage(parts["usage"]) if "usage" in parts else None
    if usage is None or (usage.input, usage.output) == (u.input, u.output):
        return None  # no usage to tell it by, or the span's own call
    end = span.end_ns if span.end_ns is not None else ev.time_ns
    t = ev.time_ns if span.start_ns <= ev.time_ns <= end else span.start_ns
    record = repr((span.span_id, ev.time_ns, sorted(ev.attributes.items(), key=lambda kv: kv[0])))
    digest = hashlib.blake2b(record.encode(), digest_size=8).hexdigest()
    operation = ev.attributes.get("gen_ai.operation.name") or span.attributes.get("gen_ai.operation.name") or "chat"
    call = Span(span_id=digest, trace_id=span.trace_id, session_id=span.session_id, parent_span_id=span.parent_span_id,
                name=f"{operation} {model}" if model else str(operation), start_ns=t, end_ns=t, kind=_LLM,
                llm=LlmInfo(model=model, provider=provider, stop_reason=got.get("stop_reason")), usage=usage,
                attributes={RECORDED_ON: span.span_id})
    attach_events(call, (ev,))
    return call
