"""The span model every layer speaks: msgspec Structs, no I/O.

Times are integers in nanoseconds since the Unix epoch. Ids are opaque strings
(OTLP hex ids, UUIDs, or whatever a native sender chose). Typed parts (llm,
tool, agent, rag, file) are present only when the span carries them, so a
plain span costs a handful of slots and nothing more.

Token convention: ``TokenUsage.input`` counts *all* prompt tokens, cache reads
and cache writes included (the OpenTelemetry GenAI convention). Receivers that
get Anthropic-style numbers (cache reported beside input) add them in while
normalising, so everything above ingest sees one convention.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, Literal

import msgspec

__all__ = [
    "SpanKind",
    "Status",
    "LlmInfo",
    "ToolInfo",
    "AgentInfo",
    "RagInfo",
    "FileInfo",
    "TokenUsage",
    "Cost",
    "SpanEvent",
    "SpanLink",
    "Span",
    "SpanEnd",
    "Session",
    "Metric",
    "FINISHED",
    "AttachedEvent",
    "Update",
    "counted_cost",
    "span_flags",
    "unpriced_reasons",
]


class SpanKind(str, enum.Enum):
    TASK = "task"
    AGENT = "agent"
    LLM_CALL = "llm_call"
    TOOL_EXECUTION = "tool_execution"
    REASONING = "reasoning"
    MEMORY_RETRIEVAL = "memory_retrieval"
    MEMORY_STORE = "memory_store"
    RETRIEVAL = "retrieval"
    EMBEDDING = "embedding"
    FILE_READ = "file_read"
    FILE_WRITE = "file_write"
    API_CALL = "api_call"
    CODE_EXECUTION = "code_execution"
    VERIFICATION = "verification"
    CUSTOM = "custom"


class Status(str, enum.Enum):
    RUNNING = "running"
    OK = "ok"
    ERROR = "error"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"


#: Statuses of a span that has ended.
FINISHED = frozenset({Status.OK, Status.ERROR, Status.CANCELLED, Status.TIMEOUT})


class _Part(msgspec.Struct, omit_defaults=True, gc=False, kw_only=True):
    """Base of the typed parts: compact on the wire, untracked by the GC."""


class LlmInfo(_Part):
    provider: str | None = None
    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    stop_reason: str | None = None
    cached: bool | None = None
    prompt_preview: str | None = None
    response_preview: str | None = None


class ToolInfo(_Part):
    name: str | None = None
    action: str | None = None
    target: str | None = None
    status: str | None = None
    call_id: str | None = None
    input_preview: str | None = None
    output_preview: str | None = None
    #: The MCP server the tool ran on, where the client names it beside the tool's name (GitHub
    #: Copilot CLI's ``<server>-<tool>``: the server's own name, as the name starts with it).
    server: str | None = None


class AgentInfo(_Part):
    name: str | None = None
    iteration: int | None = None
    state: str | None = None
    stop_reason: str | None = None


class RagInfo(_Part):
    query: str | None = None
    sources_found: int | None = None
    top_score: float | None = None


class FileInfo(_Part):
    path: str | None = None
    operation: str | None = None
    bytes: int | None = None


class TokenUsage(_Part):
    """Tokens of one span. ``input`` includes cache_read and cache_write.

    ``scope="subtree"`` marks usage an agent span reports for its whole
    subtree: it is shown on that span but never added to rollups, which
    would count its children twice. ``estimated`` marks numbers the monitor
    counted itself (no usage was reported).
    """

    input: int = 0
    output: int = 0
    total: int = 0
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0
    estimated: bool = False
    scope: Literal["span", "subtree"] = "span"

    @property
    def sum(self) -> int:
        """Total tokens: the reported total, or input + output when absent."""
        return self.total or (self.input + self.output)


class Cost(_Part):
    """Dollar cost of a span. ``total is None`` means unknown (see reason).

    ``priced_as`` names the price used (``"openai/gpt-5.5"``) when it is not
    the span's own provider's: a proxy or framework name the price list does
    not know, priced by the model alone.
    """

    total: float | None = None
    input: float | None = None
    output: float | None = None
    source: Literal["computed", "reported", "unknown"] = "computed"
    reason: str | None = None
    priced_as: str | None = None


class SpanEvent(_Part):
    name: str
    time_ns: int
    attributes: dict[str, Any] = {}


class SpanLink(_Part):
    trace_id: str
    span_id: str
    attributes: dict[str, Any] = {}


class Span(msgspec.Struct, omit_defaults=True, gc=False):
    """One unit of agent work. ``end_ns is None`` while it runs.

    Its fields may be given by position, in this order: the native receivers' common spans are
    built so (``normalize.native``), a call by keyword costing some 800 instructions more a span
    (msgspec matches each keyword to its field). Elsewhere, name them.
    """

    span_id: str
    trace_id: str
    session_id: str
    name: str
    start_ns: int
    parent_span_id: str | None = None
    kind: SpanKind = SpanKind.CUSTOM
    end_ns: int | None = None
    status: Status = Status.OK
    status_message: str | None = None
    status_code: str | None = None
    llm: LlmInfo | None = None
    tool: ToolInfo | None = None
    agent: AgentInfo | None = None
    rag: RagInfo | None = None
    file: FileInfo | None = None
    usage: TokenUsage | None = None
    cost: Cost | None = None
    events: tuple[SpanEvent, ...] = ()
    links: tuple[SpanLink, ...] = ()
    attributes: dict[str, Any] = {}

    @property
    def running(self) -> bool:
        return self.end_ns is None

    def duration_ns(self, now_ns: int | None = None) -> int:
        """Duration so far: up to ``now_ns`` for a running span (0 if not given)."""
        end = self.end_ns if self.end_ns is not None else now_ns
        if end is None:
            return 0
        return max(0, end - self.start_ns)


#: The OpenTelemetry SDKs' ``service.name`` when none is set (``unknown_service:<executable>`` in some).
UNNAMED_SERVICE = "unknown_service"
#: A session attribute the monitor sets: the first prompt of a coding agent's session (Claude
#: Code's, Codex's, Gemini CLI's, Qwen Code's, when they log prompts), which shows as its name when it has none of its own:
#: a service's name (``claude-code``) would name every such session alike.
FIRST_PROMPT_KEY = "agenttrace.first_prompt"
#: The name of the span a coding agent's session events tied to no span are kept on (its log
#: records: ``ingest/otlp_logs.py``), its trace of its own: the session's log, not a turn of it.
SESSION_LOG_NAME = "session log"


class Session(msgspec.Struct, omit_defaults=True, gc=False, kw_only=True):
    """One agent run: groups traces. ``ended_ns is None`` while it runs."""

    id: str
    name: str | None = None
    service: str | None = None
    #: The service's own version (OTLP's ``service.version``): an application's, or a coding
    #: agent's where the service is the agent (Claude Code's ``2.1.337``).
    service_version: str | None = None
    framework: str | None = None
    #: The agent framework's version, as our SDK's ``Tracer(framework_version=...)``, a transcript
    #: or a log record's ``app.version`` name it.
    framework_version: str | None = None
    hostname: str | None = None
    tags: tuple[str, ...] = ()
    started_ns: int | None = None
    ended_ns: int | None = None
    attributes: dict[str, Any] = {}

    @property
    def shown_name(self) -> str | None:
        """Its name, else its first prompt (``FIRST_PROMPT_KEY``), else its service's, but not the
        OpenTelemetry SDK's placeholder for a service nobody named (``unknown_service``,
        ``unknown_service:python``: Langfuse's SDK sends it), which would name every such session alike."""
        if self.name:
            return self.name
        prompt = self.attributes.get(FIRST_PROMPT_KEY)
        if prompt.__class__ is str and prompt:
            return prompt
        service = self.service
        if service is not None and service.startswith(UNNAMED_SERVICE):
            service = None
        return service

    @property
    def label(self) -> str:
        return self.shown_name or self.id

    @property
    def versions(self) -> tuple[str | None, str | None]:
        """(the service's version, the framework's version). Files written before the service's
        version was kept apart hold an OTLP sender's ``service.version`` as the framework's, its
        resource's ``service.version`` attribute beside it: read as the service's, as it is."""
        fv = self.framework_version
        if self.service_version is None and fv is not None and self.attributes.get("service.version") == fv:
            return fv, None
        return self.service_version, fv


class Metric(msgspec.Struct, omit_defaults=True, gc=False, kw_only=True):
    """A metric sample: name, labels, value."""

    name: str
    value: float
    labels: dict[str, str] = {}
    time_ns: int = 0
    kind: Literal["gauge", "counter"] = "gauge"
    #: The session the sample belongs to (its resource's or its own session.id), if known.
    session_id: str | None = None


class AttachedEvent(msgspec.Struct, gc=False, kw_only=True):
    """An event for a span that may not have arrived yet."""

    trace_id: str
    span_id: str
    event: SpanEvent


class SpanEnd(msgspec.Struct, gc=False):
    """The end of a span and nothing else: its ids, end time and status.

    What the second half of a live span usually says (our SDK over a stream,
    most senders that report a start and an end). Normalisation makes one of
    a span_end record that sets nothing more, and the store ends the stored
    span with it in place of merging a whole report: a span_end that carries
    more (a name, a session, a start, parts, attributes) is a ``Span``.
    """

    trace_id: str
    span_id: str
    end_ns: int
    status: Status = Status.OK
    status_message: str | None = None
    status_code: str | None = None

    def as_span(self) -> Span:
        """The same end as a report of the span (a span_end that arrived without its start)."""
        span = Span(span_id=self.span_id, trace_id=self.trace_id, session_id="", name="", start_ns=0,
                    end_ns=self.end_ns, status=self.status)
        if self.status_message is not None:
            span.status_message = self.status_message
        if self.status_code is not None:
            span.status_code = self.status_code
        return span


#: What normalisation hands the store.
Update = Span | SpanEnd | Session | AttachedEvent | Metric


# -- what sums count ------------------------------------------------------------
#: Kinds whose cost, when reported without span-scoped usage, covers their subtree.
SUBTREE_KINDS = frozenset({SpanKind.AGENT, SpanKind.TASK})
# A module constant: ``SpanKind.LLM_CALL`` on the class costs ~0.2 µs a read on
# Python 3.11 (EnumType attribute lookup), and rollups count every span.
_LLM_CALL = SpanKind.LLM_CALL


def span_state(span: Span, session_running: bool) -> str:
    """"ended", or for a span with no end "running" while its session runs, else "unfinished"
    (no end will come), as every table, export and the monitor read it."""
    return "ended" if span.end_ns is not None else "running" if session_running else "unfinished"


#: Set on a client's framework internals (``normalize`` marks them; kind custom): kept
#: and shown, never counted as tool or LLM calls, nor as errors of their trace.
INTERNAL_ATTR = "agenttrace.internal"
#: Set on a span inside which another agent runs with no agent span of its own (``normalize`` marks a
#: known client's delegation tool call: CrewAI's ``Ask question to coworker``): that agent's name. The
#: span stays its caller's (a tool call of the agent that delegated); the spans below it are the named
#: agent's (``store.agents.agent_of``).
RUNS_AGENT_ATTR = "agenttrace.runs_agent"
_FAILED = frozenset({Status.ERROR, Status.TIMEOUT})


def counts_as_error(span: Span) -> bool:
    """Whether a span is one of the errors every sum counts: it failed (error or timeout) and is
    no client's framework internal (OpenCode's runtime logs a file it probes and does not find
    as a failed span; it is not the agent's failure)."""
    return span.status in _FAILED and not span.attributes.get(INTERNAL_ATTR)


def counted_cost(span: Span) -> float:
    """The part of a span's cost that rollups add up (docs/costs.md).

    A cost that covers a subtree -- usage scoped "subtree", or an agent /
    task span without usage of its own -- is shown on the span, never summed:
    its children carry that spend already. Unknown costs count as 0 here
    (they are counted separately as unpriced).
    """
    c = span.cost
    if c is None or c.total is None:
        return 0.0
    u = span.usage
    if u is not None:
        return c.total if u.scope == "span" else 0.0
    return 0.0 if span.kind in SUBTREE_KINDS else c.total


def unpriced_reasons(spans: Iterable[Span]) -> list[str]:
    """Why the unpriced calls among ``spans`` (``span_flags``) have no price, the most
    frequent first, each reason once: what a ``$?`` says beside it."""
    why: dict[str, int] = {}
    for span in spans:
        if span_flags(span)[0]:
            c = span.cost
            reason = (c.reason if c is not None else None) or "no price"
            why[reason] = why.get(reason, 0) + 1
    return sorted(why, key=lambda r: -why[r])


def waiting_call(span: Span) -> bool:
    """A model call still open with nothing counted yet (no tokens, no cost, not unpriced):
    what it costs comes with its end. A sum holding one reads ``$0.42+…`` while its session
    runs, and counts it unpriced (``$?``) once the session stopped with it open (it will
    never end) -- as the store's ``Totals.llm_waiting`` counts it (docs/costs.md)."""
    if span.kind is not _LLM_CALL or span.end_ns is not None:
        return False
    u = span.usage
    c = span.cost
    return ((u is None or not (u.input or u.output)) and (c is None or not c.total)
            and not span_flags(span)[0])


def span_flags(span: Span) -> tuple[int, int]:
    """(unpriced, estimated) of one span, 0 or 1 each, as every rollup counts them.

    Unpriced: an LLM call with usage of its own and no known cost (no price,
    no model), or with no usage at all and a cost the pricing step marked
    unknown (it ended, did not fail and reported no tokens). Estimated: usage
    of its own that the monitor counted itself. Sums carrying either show
    ``$?`` / ``≈`` on every surface (docs/costs.md).
    """
    u = span.usage
    c = span.cost
    if u is None:
        return (1 if span.kind is _LLM_CALL and c is not None and c.total is None else 0), 0
    if u.scope != "span":
        return 0, 0
    unpriced = 1 if span.kind is _LLM_CALL and (c is None or c.total is None) else 0
    return unpriced, 1 if u.estimated else 0
