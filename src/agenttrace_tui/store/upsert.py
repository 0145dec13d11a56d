"""Storing one span: merge with earlier reports, index by parent, fold call twins.

``SpanUpserts._upsert_span`` stores one span: it interns repeated strings,
stores a new span, or has ``_merge_report`` merge a report of a stored span
with it (``store.merge``) or fold the second report of one LLM or tool call
into the first (``store.calls``); it keeps the children index, runs the span
hook (the cost enricher) and marks the span changed for the lazy totals and
the writer.

``SpanUpserts._upsert_spans`` is the store's hot path: it takes a batch's
spans in one loop (the store's tables and the hook bound once per batch, not
once per span) and stores a span that is *new* -- not stored yet, in a trace
that names no other session and folded no call twins, and no second report of
a call -- itself, inline: such a span needs no merge and no twin fold, only
the steps ``_upsert_span`` takes for it, in the same order. Another report
of a stored span goes to ``_merge_report`` from here, or, when it is the end
of a span the totals counted as running and brings only typed parts, usage,
its time and status (our SDK's span_end over a stream: what changed since its
span_start), to ``_end_report``, that merge's steps for such an end spelled
out; every other span goes to ``_upsert_span``.

``SpanUpserts._end_spans`` takes a run of ``SpanEnd`` updates (the second
half of a live span as our SDK sends it over a stream and as most senders
of a start and an end do: ids, end time, status) the same way: one copy of
the stored span with what the end sets, the totals moved by what the end
moves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from itertools import islice
from typing import Any

import msgspec

from ..model import INTERNAL_ATTR, LlmInfo, Span, SpanEnd, SpanEvent, SpanKind, Status
from ..normalize.conventions import (
    CHAIN_ANSWER_MODEL_KEY,
    SESSION_FILE_TURN_KEY,
    TURN_PROMPT_KEY,
    TWIN_TRACER_KEY,
    names_turn_alike,
)
from .aggregates import EndTally
from .aggregates import counted as counted_of
from .calls import (
    AGGREGATE_KINDS,
    ANSWER_FROM,
    CALLED_AS,
    CLOCK_NS,
    DEEP_NESTED_RULE,
    FOLDED_INTO,
    ID_KEYS,
    ID_RULE,
    LOGFIRE_SPAN_TYPE,
    MERGED_BY,
    MODEL_FROM,
    NESTED_ELSEWHERE_RULE,
    NESTED_TOOL_RULE,
    REBUILT,
    REBUILT_PROMPT,
    SERVED_FAILED_RULE,
    SERVED_KEY,
    TOOL_ELSEWHERE_RULE,
    USAGE_FROM,
    USAGE_RULE,
    CallKey,
    ToolCallKey,
    UsageKey,
    answer_from_records,
    call_keys,
    calls_recorded_on,
    chain_answered,
    deep_nested_pair,
    deep_outer,
    deep_twins,
    failed_reports,
    find_twin,
    fold_into,
    found_by_usage,
    has_call_id,
    loose_tool_key,
    nested_elsewhere,
    nested_tool_twins,
    remember,
    same_call,
    same_model,
    same_tool_args,
    same_tool_call,
    scope_usage,
    served_nested_pair,
    tools_overlap,
    turn_model,
    turn_named,
    two_reporters,
    usage_key,
    within,
)
from .entries import DEFAULT_SESSION, SessionEntry, TraceEntry
from .index import StoreIndex
from .merge import (
    attach_events,
    copy_with_plain,
    is_bare,
    merge_part,
    merge_plain,
    merge_same,
    merge_span,
)

_LLM = SpanKind.LLM_CALL
#: No span (``_upsert_spans``' parent kept before it keeps one): never a stored span, nor None.
_NO_SPAN = object()
#: Response ids of model calls kept for ``_report_elsewhere`` and ``_call_elsewhere`` (each table).
MAX_ROOT_CALLS = 65_536
SAME_RESPONSE_RULE = "same response id, in another trace"
#: A model call answered with the response id of a model call another service reported (a
#: gateway's report of the call its client reports too: ``_call_elsewhere``).
CALL_ELSEWHERE_RULE = "same response id, reported by another service"
#: A failed model call of the same model running within (or around) a failed model call another
#: service reported, the only one (``_call_elsewhere``): a refused request names no response.
FAILED_ELSEWHERE_RULE = "failed model call of the same model, reported by another service"
#: A call (or tool call) of a Codex turn reported from Codex's session file and by Codex itself, each in
#: its own trace of the session (``_turn_reported_elsewhere``).
SESSION_FILE_RULE = "same turn's call, reported by Codex and from its session file"
#: A model call reported by each of a framework's two tracers (``cv.TWIN_TRACER_KEY``: Pipecat's own tracing
#: and OpenInference's), each in its own trace of the session (``_turn_reported_elsewhere``).
TWIN_TRACER_RULE = "same call, reported by two tracers of one framework"
#: How many of a session's latest traces ``_turn_reported_elsewhere`` looks through: Codex sends many
#: one-span traces of its own beside the turn's.
SESSION_FILE_TRACES = 64
#: A model call's keys tested together: its id keys, and the marks of a report from Codex's session file and
#: of one of a framework's two tracers.
ID_OR_FILE_KEYS = frozenset((*ID_KEYS, SESSION_FILE_TURN_KEY, TWIN_TRACER_KEY, TURN_PROMPT_KEY))  # (a set: the test walks the smaller side)
_ERROR = Status.ERROR
#: How many of a session's latest traces ``_nested_elsewhere`` looks through.
NESTED_ELSEWHERE_TRACES = 8
#: Tool calls of one session and tool kept for a report from the other side (``_tool_elsewhere``):
#: the other report comes within a batch or two, and an agent runs a tool a few times at once at most.
LOOSE_TOOLS_KEPT = 16
#: A trace with more spans than this is not searched for such a call (``_unnamed_tool_stored``).
LOOSE_SCAN_SPANS = 5_000
_CUSTOM = SpanKind.CUSTOM
_TOOL = SpanKind.TOOL_EXECUTION
_TASK = SpanKind.TASK
_AGENT = SpanKind.AGENT

log = logging.getLogger(__name__)


def _same_sig(a: Span, b: Span) -> bool:
    """Whether two reports of a span have the same model, provider and tool name (its buckets)."""
    la, lb = a.llm, b.llm
    if la is not lb and ((la.model if la is not None else None) != (lb.model if lb is not None else None)
                         or (la.provider if la is not None else None) != (lb.provider if lb is not None else None)):
        return False
    ta, tb = a.tool, b.tool
    return ta is tb or (ta.name if ta is not None else None) == (tb.name if tb is not None else None)


def _same_call_id(a: Span, b: Span) -> bool:
    ta, tb = a.tool, b.tool
    return (ta.call_id if ta is not None else None) == (tb.call_id if tb is not None else None)


class SpanUpserts(StoreIndex):
    """The span write path of the store."""

    def _intern(self, s: str) -> str:
        # Span names and models repeat endlessly; one string object each.
        got = self._names.get(s)
        if got is None:
            if len(self._names) < 100_000:
                self._names[s] = s
            return s
        return got

    def _intern_parts(self, span: Span) -> None:
        """Share the few distinct values typed parts repeat (models, tools, states)."""
        get = self._names.get
        intern = self._intern
        llm = span.llm
        if llm is not None:
            # Assigned only when another object holds the value already (most
            # strings of a new report are new objects equal to an interned one).
            if (v := llm.model) and (got := get(v)) is not v:
                llm.model = intern(v) if got is None else got
            if (v := llm.provider) and (got := get(v)) is not v:
                llm.provider = intern(v) if got is None else got
            if (v := llm.stop_reason) and (got := get(v)) is not v:
                llm.stop_reason = intern(v) if got is None else got
        tool = span.tool
        if tool is not None:
            if (v := tool.name) and (got := get(v)) is not v:
                tool.name = intern(v) if got is None else got
            if (v := tool.action) and (got := get(v)) is not v:
                tool.action = intern(v) if got is None else got
            if (v := tool.status) and (got := get(v)) is not v:
                tool.status = intern(v) if got is None else got
        agent = span.agent
        if agent is not None:
            if (v := agent.name) and (got := get(v)) is not v:
                agent.name = intern(v) if got is None else got
            if (v := agent.state) and (got := get(v)) is not v:
                agent.state = intern(v) if got is None else got

    def _upsert_spans(self, updates: list, start: int = 0) -> int:
        """Store the spans of ``updates`` from ``start`` up to the first update that is no span;
        returns that update's index (``len(updates)`` when all were spans).

        A new span (see the module docstring) is stored here, with exactly the
        steps ``_upsert_span`` takes for it (``call_keys``, ``remember``,
        ``_intern_parts`` and ``_mark`` spelled out: calls cost more than their
        bodies here); any other goes there. The trace of the previous span,
        its session and their change marks are kept while spans of one trace
        follow each other (a batch is mostly runs of one trace).
        """
        traces = self.traces
        sessions = self.sessions
        names_get = self._names.get
        intern = self._intern
        hook = self.span_hook
        version = self.version
        upsert = self._upsert_span
        root_usage_calls = self._root_usage_calls
        root_calls, nested_calls, failed_calls = self._root_calls, self._nested_calls, self._failed_calls
        loose_sessions = self._loose_tool_sessions
        file_sessions, file_key, tracer_key = self._twice_reported_sessions, SESSION_FILE_TURN_KEY, TWIN_TRACER_KEY
        id_or_file_keys = ID_OR_FILE_KEYS
        answer_key = CHAIN_ANSWER_MODEL_KEY
        last = None  # the trace of the previous span stored here (None after any other step)
        session: SessionEntry | None = None
        recorded: tuple[Span, ...] | list[Span] = ()  # calls recorded onto the span, rebuilt (store.calls)
        # The changed spans of ``marked``'s trace (``changed``, spelled out), and how many this loop added;
        # none kept when nothing persists the store (``track_dirty``).
        track = self.track_dirty
        dirty = self._dirty_spans
        marked: TraceEntry | None = None
        changed: dict[str, Span] = {}
        n_changed = 0
        # Spans stored here (``span_count``, added once at the end: nothing in the loop reads it).
        added = 0
        pending_events = self._pending_events  # (events held for spans not stored yet: never rebound)
        # The trace id of the last span whose trace was found or made here, and that trace: a batch
        # is mostly runs of one trace, and comparing the id (a new string object each span) costs
        # less than hashing it for the lookup. Valid all through the loop: a trace is stored under
        # its id once and never replaced or removed while a batch is applied (eviction runs after).
        prev_tid: str | None = None
        prev_trace: TraceEntry | None = None
        # The parent of the last new span stored here, its id and its children's list: the spans of
        # a run mostly share a parent (the calls of an agent's turn), found so by comparing the id
        # instead of hashing it twice (``tspans`` and ``children``). Used only while ``last`` is
        # its trace and no other step ran since it was kept (nothing replaced the parent or its list):
        # forgotten by ``_end_report``'s step, which keeps ``last`` but may replace a stored span, and
        # by a root stored after another step or another trace's span (which makes ``last`` its trace).
        memo_parent_id: str | None = None
        memo_parent: Any = _NO_SPAN
        memo_kids: list[str] = []
        # The interned span name, model and provider of the last new span that had one: most spans
        # repeat the last one's (a model's calls; tool spans have no model), and comparing a new
        # string with it costs less than hashing it for ``names_get``. (``_names`` only grows, so
        # it is the object ``names_get`` would give, or an equal one if that table was full.)
        memo_name: str | None = None
        memo_model: str | None = None
        memo_provider: str | None = None
        i = start
        for span in (islice(updates, start, None) if start else updates):
            if not isinstance(span, Span):
                break
            i += 1
            tid = span.trace_id
            if tid == prev_tid:
                trace = prev_trace
            else:
                trace = traces.get(tid)
                if trace is not None:
                    prev_tid, prev_trace = tid, trace
            sid = span.session_id
            if (span.kind is _TOOL and (trace is None or (span.span_id not in trace.spans and not trace.aliases))
                    and ((sid or DEFAULT_SESSION) in loose_sessions or REBUILT in span.attributes)
                    and (told := self._tool_elsewhere(span)) is not None):
                self._fold_across(span, *told)
                last = None
                continue
            if trace is None:
                if span.kind is _LLM and span.parent_span_id is None:
                    elsewhere = self._report_elsewhere(span)
                    if elsewhere is not None:
                        self._fold_across(span, *elsewhere)
                        last = None
                        continue
                self._seq += 1
                trace = TraceEntry(tid, sid or DEFAULT_SESSION, self._seq, self)
                traces[tid] = trace
                prev_tid, prev_trace = tid, trace
                self._session_for(trace.session_id, span.start_ns).trace_ids[tid] = None
            elif (sid and sid != trace.session_id) or trace.aliases:
                upsert(span)  # moves the trace to another session / may be a folded call's second report
                last = None
                continue
            tspans = trace.spans
            span_id = span.span_id
            if span_id in tspans:  # (a test, not a get: most spans of a batch are new)
                # Another report of a stored span (a span_end with more than its end
                # goes here, a bare one is a SpanEnd: ``_end_spans``): merged there.
                if trace is not last:
                    session = sessions[trace.session_id]
                # The report itself as _upsert_span leaves it (the taps see it after the store).
                span.trace_id = trace.trace_id
                span.session_id = trace.session_id
                name = span.name
                if name:
                    got = names_get(name)
                    span.name = intern(name) if got is None else got
                old = tspans[span_id]
                running = trace.counted_running
                if (running and span.kind is _CUSTOM and span.end_ns and span.cost is None
                        and not span.attributes and not span.events
                        and (span.parent_span_id is None or span.parent_span_id == old.parent_span_id)
                        and (span.usage is None or old.usage is None)
                        and (span.llm is not None or span.tool is not None or span.agent is not None
                             or span.rag is not None or span.file is not None or span.usage is not None)
                        and (counted := running.pop(span_id, None)) is not None):
                    # The end of a span the last fold counted as running, with the parts it
                    # changed (our SDK's span_end over a stream): ``_end_report``.
                    self._end_report(trace, session, old, span, counted)  # type: ignore[arg-type]
                    memo_parent_id, memo_parent = None, _NO_SPAN  # (it may have replaced the parent kept)
                    # (It marked the trace changed, dirty for the totals, as this loop does.)
                    last = trace
                else:
                    self._merge_report(trace, session, old, span, bare=is_bare(span))  # type: ignore[arg-type]
                    last = None
                continue
            kind = span.kind
            parent_id = span.parent_span_id
            if parent_id is None:
                parent = None
            elif parent_id == memo_parent_id and trace is last:
                parent = memo_parent
            else:
                parent = tspans.get(parent_id)
            # Its call keys (``call_keys``: a response or request id, its usage; a tool call id).
            id_key: str | ToolCallKey | None = None
            usage_key: UsageKey | None = None
            maybe_twin = middle = False
            if kind is _LLM:
                attrs = span.attributes
                # What ``find_twin`` needs to find one (else it finds none): a parent that is
                # a model call it runs within (``calls.within``, spelled out) or trails, a waiting child, a
                # logfire span, or a call key naming another span of the trace from another
                # reporter (below). Tested here: most spans that pass looser tests are no twin
                # (a call in a call it outlives, calls of one reporter with the same usage),
                # and the search costs ~9k instructions a span, these tests half as much.
                end = span.end_ns
                if attrs and not attrs.keys().isdisjoint(id_or_file_keys):
                    if TURN_PROMPT_KEY in attrs:
                        # The turn's prompt it was sent (its turn's root holds none): stored there, which
                        # names the trace by it (a few clients' calls; a test here for every other call's
                        # would cost each span of the stream benchmark some 80 instructions).
                        upsert(span)
                        last = None
                        continue
                    if file_key in attrs:  # reported from Codex's session file: its session is searched
                        file_sessions.add(trace.session_id)
                    for k in ID_KEYS:
                        v = attrs.get(k)
                        if v not in (None, ""):
                            id_key = str(v)
                            break
                    else:
                        # No response named: perhaps one of a framework's two tracers' report of a call (its
                        # session is searched too). Tested here only: a call naming one pays nothing more.
                        if tracer_key in attrs:
                            file_sessions.add(trace.session_id)
                u = span.usage
                if u is not None and u.scope == "span" and not u.estimated and (u.input or u.output):
                    usage_key = UsageKey(u.input, u.output, u.cache_read)  # (``calls.usage_key``, spelled out)
                if parent is not None:
                    if (pk := parent.kind) is _LLM:
                        # Within it, or started within it naming the response its parent does not
                        # name, reporting usage (``calls._trails``: a provider SDK's span of the
                        # request, which it may end after its parent's). The parent's id keys by a set
                        # test first: has_call_id (~1.5k instructions) only for a parent that has one.
                        maybe_twin = (end is not None and (pe := parent.end_ns) is not None
                                      and span.start_ns + CLOCK_NS >= parent.start_ns
                                      and (end <= pe + CLOCK_NS or (id_key is not None and usage_key is not None
                                                                    and span.start_ns <= pe
                                                                    and (parent.attributes.keys().isdisjoint(ID_KEYS)
                                                                         or not has_call_id(parent)))))
                    elif usage_key is not None and pk is not _TOOL and parent.parent_span_id is not None:
                        # A model call above it through spans between (``calls.deep_twins``): the parent
                        # neither a model nor a tool call, nor the root (tested first: the search
                        # costs ~1.7k instructions a model call span of the stream benchmark).
                        maybe_twin = (o := deep_outer(trace, span)) is not None and deep_twins(o, span)
                    elif span.status is _ERROR and (SERVED_KEY in attrs or u is None):
                        # A gateway's failed call, perhaps in its client's; a refused request
                        # reported beside itself (``calls.failed_sibling``).
                        maybe_twin = True
                maybe_twin = maybe_twin or span_id in trace.children or LOGFIRE_SPAN_TYPE in attrs
            elif kind is _TOOL:
                tool = span.tool
                if tool is not None and tool.call_id:
                    id_key = ToolCallKey(tool.call_id)
                    if file_key in span.attributes:  # (as a model call's, above)
                        file_sessions.add(trace.session_id)
                # One tool call reported by two instrumentations, one inside the other (``find_twin``).
                maybe_twin = (parent is not None and parent.kind is _TOOL) or span_id in trace.children
            elif parent is not None and span_id in trace.children and (
                    (pk := parent.kind) is _LLM or (pk is not _TOOL and parent.parent_span_id is not None)):
                # Perhaps the span between two reports of one call, both stored (``_fold_stored``).
                middle = True
            calls = trace.calls
            if (maybe_twin or (calls is not None and (
                    (id_key is not None and (other := calls.get(id_key)) is not None and other != span_id
                     and (o := tspans.get(other)) is not None
                     and (same_call(o, span) if kind is _LLM else same_tool_call(o, span)))
                    or (usage_key is not None and (other := calls.get(usage_key)) is not None and other != span_id
                        and (o := tspans.get(other)) is not None and two_reporters(o, span))))
                    ) and (twin := find_twin(trace, span, (id_key, usage_key))):
                # A second report of a stored call: folded into it there. (A span that only might
                # have been one -- a model call in a model call, a usage another call had too --
                # is new: stored below, the steps _upsert_span takes when find_twin finds none.)
                upsert(span, twin)
                last = None
                continue
            # (A model call's id key is the id it names, a str: no tool call's ``ToolCallKey``.)
            if kind is _LLM and ((id_key is not None and (
                    ((w := root_calls.get(id_key)) is not None and w[0] != tid)  # type: ignore[arg-type]
                    or (w is None and (n := nested_calls.get(id_key)) is not None and n != tid)))  # type: ignore[arg-type]
                    or (span.status is _ERROR and failed_calls)):
                # Perhaps a report of a call another trace holds (``_call_elsewhere``): stored there.
                upsert(span)
                last = None
                continue
            if (file_sessions and (usage_key is not None or (id_key is not None and kind is _TOOL))
                    and trace.session_id in file_sessions):
                # Perhaps a Codex turn's call reported by Codex and from its session file, or a call
                # reported by two tracers of one framework (``_turn_reported_elsewhere``): stored there.
                # (The set is empty but for sessions with such a report, noted above: one test a span
                # for every other sender.)
                upsert(span)
                last = None
                continue
            # -- a new span: _upsert_span's steps for it, in its order --
            if trace is not last:
                session = sessions[trace.session_id]
            span.trace_id = trace.trace_id
            span.session_id = trace.session_id
            name = span.name
            if name == memo_name:
                span.name = memo_name
            elif name:
                got = names_get(name)
                span.name = memo_name = intern(name) if got is None else got
            if kind is _AGENT or kind is _TASK:  # (AGGREGATE_KINDS: tests of identity, not a set's hash)
                scope_usage(span)
            if not span.start_ns and span.end_ns is not None:
                span.start_ns = span.end_ns  # span_end with no span_start: zero-length
            if parent is memo_parent and trace is last:
                span.parent_span_id = parent_id = memo_parent_id  # (the parent's own id, as below)
                kids = memo_kids
            else:
                if parent is not None:
                    span.parent_span_id = parent_id = parent.span_id  # one string per id, not one per child
                children = trace.children
                kids = children.get(parent_id)  # type: ignore[assignment]  # (None: made below)
                if kids is None:
                    kids = children[parent_id] = []  # grown by append, as setdefault's: the same memory
                if parent is not None:
                    memo_parent_id, memo_parent, memo_kids = parent_id, parent, kids
                elif trace is not last:
                    # A root after another step or another trace's span: the parent kept may be another
                    # trace's (span ids are unique within a trace only) or replaced since; forgotten.
                    memo_parent_id, memo_parent = None, _NO_SPAN
            kids.append(span_id)
            added += 1
            trace.pending[span_id] = None
            if trace is not last:
                self._agg_dirty[trace.trace_id] = trace
            if pending_events:
                held = pending_events.pop((trace.trace_id, span_id), None)
                if held:
                    # Calls recorded onto this span (store.calls): stored after it, below.
                    kept, recorded = calls_recorded_on(span, held)
                    if kept:
                        attach_events(span, kept)
                        self._turn_prompt(trace, kept)
            # _intern_parts, inlined: calling it costs ~890 instructions a span here
            # (29.0k -> 29.9k, bench_store_apply --callgrind); keep the two in step. (The model
            # and provider first compared with the last ones interned: see ``memo_name``.)
            llm = span.llm
            if llm is not None:
                if (v := llm.model) == memo_model:
                    if v is not memo_model:
                        llm.model = memo_model
                elif v and (got := names_get(v)) is not v:
                    llm.model = memo_model = intern(v) if got is None else got
                if (v := llm.provider) == memo_provider:
                    if v is not memo_provider:
                        llm.provider = memo_provider
                elif v and (got := names_get(v)) is not v:
                    llm.provider = memo_provider = intern(v) if got is None else got
                if (v := llm.stop_reason) and (got := names_get(v)) is not v:
                    llm.stop_reason = intern(v) if got is None else got
            tool = span.tool
            if tool is not None:
                if (v := tool.name) and (got := names_get(v)) is not v:
                    tool.name = intern(v) if got is None else got
                if (v := tool.action) and (got := names_get(v)) is not v:
                    tool.action = intern(v) if got is None else got
                if (v := tool.status) and (got := names_get(v)) is not v:
                    tool.status = intern(v) if got is None else got
            agent = span.agent
            if agent is not None:
                if (v := agent.name) and (got := names_get(v)) is not v:
                    agent.name = intern(v) if got is None else got
                if (v := agent.state) and (got := names_get(v)) is not v:
                    agent.state = intern(v) if got is None else got
            tspans[span_id] = span
            # remember:
            if id_key is not None or usage_key is not None:
                if calls is None:
                    calls = trace.calls = {}
                if id_key is not None:
                    calls.setdefault(id_key, span_id)
                    if kind is _LLM:  # (its id key a str, as above)
                        if span.parent_span_id is None:
                            self._note_call(id_key, tid, span_id, True, usage_key)  # type: ignore[arg-type]
                        elif (rid := id_key) not in nested_calls:  # _note_call's, spelled out: most calls
                            if len(nested_calls) >= MAX_ROOT_CALLS:
                                del nested_calls[next(iter(nested_calls))]
                            nested_calls[rid] = tid  # type: ignore[index]
                if usage_key is not None and calls.setdefault(usage_key, span_id) != span_id:
                    trace.shared_usage = True  # another call of that usage holds the key (``found_by_usage``)
            if kind is _LLM and span.status is _ERROR:
                failed_calls.append((tid, span_id))
            if hook is not None:
                try:
                    hook(span)
                except Exception as exc:  # noqa: BLE001 - enrichment must never lose the span
                    self._hook_failed(span, exc)
            # _mark:
            if span.parent_span_id is None and (trace.root_id is None or trace.root_id not in tspans):
                trace.root_id = span_id
                if trace.prompt is not None:  # (the turn's prompt came first: ``_turn_prompt``)
                    _name_turn(trace, span)
            start_ns = span.start_ns
            if not trace.start_ns or start_ns < trace.start_ns:
                trace.start_ns = start_ns
            end_ns = span.end_ns
            if end_ns is None:
                end_ns = start_ns
            if end_ns > trace.end_ns:
                trace.end_ns = end_ns
            if not session.first_ns or start_ns < session.first_ns:  # type: ignore[union-attr]
                session.first_ns = start_ns  # type: ignore[union-attr]
            if end_ns > session.last_ns:  # type: ignore[union-attr]
                session.last_ns = end_ns  # type: ignore[union-attr]
            if trace is not last:
                trace.version = session.version = version  # type: ignore[union-attr]
                last = trace
            if track:  # (no writer: ``apply`` would drain the mark unread)
                if trace is not marked:
                    marked = trace
                    changed = dirty.get(tid) or dirty.setdefault(tid, {})
                if span_id not in changed:
                    n_changed += 1
                changed[span_id] = span
            if recorded:
                for call in recorded:
                    upsert(call)
                recorded = ()
                last = None
            if middle:  # (one test of it for the two rules)
                if (pair := deep_nested_pair(trace, span)) is not None:
                    self._fold_stored(trace, *pair)
                    last = None
                elif (pair := served_nested_pair(trace, span)) is not None:
                    self._fold_stored(trace, *pair, SERVED_FAILED_RULE)
                    last = None
            if (usage_key is not None and id_key is None and root_usage_calls and usage_key in root_usage_calls
                    and span.parent_span_id is not None
                    and (found := self._root_call_elsewhere(span, usage_key)) is not None):
                self._fold_root_into(trace, span, *found)
                last = None
            # A model call named by LangChain's answer on the chain span around it, a task
            # (``calls.chain_answered``), whichever of the two came last. (The kind first: an identity
            # test, where the attribute's is a dict lookup.)
            # A model call's answer recorded inside it (``calls.answer_from_records``), whichever came
            # last: tested in the same branches by kind (a test per span costs ~400 instructions here).
            if kind is _LLM:
                if parent is not None and (pk := parent.kind) is not _LLM:  # (a call in a call: neither)
                    if (pk is _TASK and answer_key in parent.attributes
                            and (answered := chain_answered(trace, parent)) is not None):
                        self._name_by_chain(trace, parent, *answered)
                        last = None
                    elif pk is _AGENT and parent.llm is not None and (model := turn_model(parent, span)) is not None:
                        self._name_by_chain(trace, parent, span, model)  # a call named by the turn around it
                        last = None
                if span_id in trace.children and (answer := answer_from_records(trace, span)) is not None:
                    self._answer_by_records(trace, span, *answer)
                    last = None
            elif kind is _TASK and answer_key in span.attributes and (answered := chain_answered(trace, span)) is not None:
                self._name_by_chain(trace, span, *answered)
                last = None
            elif kind is _AGENT and span.llm is not None and span_id in trace.children:
                for call, model in turn_named(trace, span):
                    self._name_by_chain(trace, span, call, model)
                    last = None
            elif (span.tool is not None and parent is not None and parent.kind is _LLM and INTERNAL_ATTR in span.attributes
                  and (answer := answer_from_records(trace, parent)) is not None):
                self._answer_by_records(trace, parent, *answer)
                last = None
        self._dirty_n += n_changed
        self.span_count += added
        return i

    def _end_spans(self, updates: list, start: int) -> int:
        """End stored spans by the ``SpanEnd`` updates of ``updates`` from ``start`` up to the
        first that is none; returns that update's index.

        A stored span's end is ``_merge_report``'s bare case, spelled out (a call
        per end costs more than its body): one copy of the span with the end time
        and status, the totals moved by what the end moves. An end whose span is
        not stored (it came first, or the span was evicted) goes to ``_upsert_span``
        as a report of the span; so does the end of a call twin folded into another
        span (``store.calls``: a folded twin's id names no stored span).
        """
        traces = self.traces
        sessions = self.sessions
        hook = self.end_hook or self.span_hook
        version = self.version
        track = self.track_dirty
        dirty = self._dirty_spans
        agg = self._agg_dirty
        copy = msgspec.structs.replace
        last = None  # the trace of the previous end stored here (None after any other step)
        session: SessionEntry | None = None
        marked: TraceEntry | None = None  # the trace of ``changed`` (as in _upsert_spans)
        changed: dict[str, Span] = {}
        n_changed = 0
        i = start
        n = len(updates)
        while i < n:
            end = updates[i]
            if end.__class__ is not SpanEnd:
                break
            i += 1
            trace = traces.get(end.trace_id)
            old = trace.spans.get(end.span_id) if trace is not None else None
            if trace is None or old is None:
                self._upsert_span(end.as_span())
                last = None
                continue
            if trace is not last:
                session = sessions[trace.session_id]
            span_id = old.span_id
            tspans = trace.spans
            running = trace.counted_running
            counted = running.pop(span_id, None) if running else None
            # merge_plain(old, end.as_span(), same_ids=True), spelled out:
            new = copy(old)
            if at := end.end_ns:
                new.end_ns = at
            new.status = end.status
            if message := end.status_message:
                new.status_message = message
            if code := end.status_code:
                new.status_code = code
            usage = old.usage
            if usage is not None and usage.total < usage.input + usage.output:
                usage.total = usage.input + usage.output
            tspans[span_id] = new
            if hook is not None:
                try:
                    hook(new)
                except Exception as exc:  # noqa: BLE001 - enrichment must never lose the span
                    self._hook_failed(new, exc)
            end_ns = new.end_ns
            if counted is not None and end_ns is not None and new.usage is usage and new.cost is old.cost:
                # As in _merge_report: the totals change by what the end moves, counted now.
                ended = trace.ended
                if ended is None:
                    ended = trace.ended = EndTally()
                ended.add(counted, new)
                agg[trace.trace_id] = trace
            elif span_id not in trace.pending:
                trace.pending[span_id] = counted if counted is not None else counted_of(old)
                agg[trace.trace_id] = trace
            # _mark:
            if new.parent_span_id is None and (trace.root_id is None or trace.root_id not in tspans):
                trace.root_id = span_id
                if trace.prompt is not None:
                    _name_turn(trace, new)
            start_ns = new.start_ns
            if not trace.start_ns or start_ns < trace.start_ns:
                trace.start_ns = start_ns
            if end_ns is None:
                end_ns = start_ns
            if end_ns > trace.end_ns:
                trace.end_ns = end_ns
            if not session.first_ns or start_ns < session.first_ns:  # type: ignore[union-attr]
                session.first_ns = start_ns  # type: ignore[union-attr]
            if end_ns > session.last_ns:  # type: ignore[union-attr]
                session.last_ns = end_ns  # type: ignore[union-attr]
            if trace is not last:
                trace.version = session.version = version  # type: ignore[union-attr]
                last = trace
            if track:  # (as in _upsert_spans)
                if trace is not marked:
                    marked = trace
                    changed = dirty.get(trace.trace_id) or dirty.setdefault(trace.trace_id, {})
                if span_id not in changed:
                    n_changed += 1
                changed[span_id] = new
        self._dirty_n += n_changed
        return i

    def _end_report(self, trace: TraceEntry, session: SessionEntry, old: Span, span: Span, counted: tuple) -> None:
        """``_merge_report`` of an end that brings typed parts (no kind, attributes, events,
        cost or other parent) for a span the last fold counted as running (``counted``,
        taken off ``trace.counted_running`` by the caller), spelled out: its steps for such
        a report, in its order, without the calls and the tests whose answer is known
        here (its kind, attributes and parent stay the stored span's; no reported-wins
        rule applies: the end carries no cost, and usage only where none was stored)."""
        old_usage, old_cost = old.usage, old.cost
        # merge_same(old, span), its steps for such an end (the end time set: the caller's condition):
        new = copy_with_plain(old, span)
        new.status = span.status
        # A part the end brings is merged into the stored one (``merge_part``: the end's part as
        # it is when it sets every field the stored one sets; no equality test first, as
        # merge_same has: a part the end sends has changed, and the merge of an equal part is it).
        p: Any
        if (p := span.llm) is not None:
            new.llm = merge_part(old.llm, p)
        if (p := span.tool) is not None:
            new.tool = merge_part(old.tool, p)
        if (p := span.agent) is not None:
            new.agent = merge_part(old.agent, p)
        if (p := span.rag) is not None:
            new.rag = merge_part(old.rag, p)
        if (p := span.file) is not None:
            new.file = merge_part(old.file, p)
        if span.llm is not None or span.tool is not None or span.agent is not None:
            self._intern_parts(new)
        kind = new.kind
        usage = new.usage
        if (p := span.usage) is not None:
            new.usage = usage = p  # (none was stored: the end's is taken as it is)
        if usage is not None:
            if usage.total < usage.input + usage.output:
                usage.total = usage.input + usage.output
            # scope_usage:
            if usage.scope == "span" and kind in AGGREGATE_KINDS and not usage.estimated:
                usage.scope = "subtree"
        span_id = new.span_id
        trace.spans[span_id] = new
        # Its call keys as the end changed them (``remember``): the usage key, or a tool call
        # id the end brought. (The id key comes from the attributes, which the end leaves as
        # stored: remembered with the stored span.)
        if kind is _LLM:
            if usage != old_usage and (key := usage_key(usage)) is not None:
                remember(trace, new, [key])
        elif kind is _TOOL and (tool := new.tool) is not None and (call_id := tool.call_id) and (
                (o := old.tool) is None or o.call_id != call_id):
            remember(trace, new, [ToolCallKey(call_id)])
        hook = self.span_hook
        if hook is not None:
            try:
                hook(new)
            except Exception as exc:  # noqa: BLE001 - enrichment must never lose the span
                self._hook_failed(new, exc)
        self._mark(trace, session, new)
        # The totals, as _merge_report moves them for a span that ran. Only a part the end
        # brought can have changed the model, provider or tool name (``_same_sig``): they are
        # compared with the signature the fold counted for the stored span (``counted[0]``).
        sig = counted[0]
        same_sig = ((span.llm is None or ((llm := new.llm) is not None and llm.model == sig[1]
                                          and llm.provider == sig[2]))
                    and (span.tool is None or ((tool := new.tool) is not None and tool.name == sig[3])))
        if new.usage == old_usage and new.cost == old_cost and same_sig:
            ended = trace.ended
            if ended is None:
                ended = trace.ended = EndTally()
            ended.add(counted, new)
        elif counted[6] and same_sig:
            ended = trace.ended
            if ended is None:
                ended = trace.ended = EndTally()
            ended.add_spend(counted, counted_of(new))
        else:
            trace.pending[span_id] = counted
        self._agg_dirty[trace.trace_id] = trace

    def _upsert_span(self, span: Span, twin: tuple[Span, str] | None = None) -> None:
        """Store one span (any report). ``twin``: what ``find_twin`` found for this new span,
        when the batch path searched already (nothing changes between its search and this one)."""
        trace = self.traces.get(span.trace_id)
        sid = span.session_id
        if (twin is None and span.kind is _TOOL
                and (trace is None or (span.span_id not in trace.spans
                                       and not (trace.aliases and span.span_id in trace.aliases)))
                and ((sid or DEFAULT_SESSION) in self._loose_tool_sessions or REBUILT in span.attributes)
                and (told := self._tool_elsewhere(span)) is not None):
            self._fold_across(span, *told)
            return
        if trace is None:
            if twin is None and span.kind is _LLM and span.parent_span_id is None:
                elsewhere = self._report_elsewhere(span)
                if elsewhere is not None:
                    self._fold_across(span, *elsewhere)
                    return
            self._seq += 1
            trace = TraceEntry(span.trace_id, sid or DEFAULT_SESSION, self._seq, self)
            self.traces[span.trace_id] = trace
            self._session_for(trace.session_id, span.start_ns).trace_ids[trace.trace_id] = None
        elif sid and sid != trace.session_id:
            moved = trace.session_id in self._twice_reported_sessions
            self._rehome(trace, sid)
            if moved:
                self._file_reports_rehomed(trace)
        span.trace_id = trace.trace_id
        span.session_id = trace.session_id
        name = span.name
        if name:
            got = self._names.get(name)
            span.name = self._intern(name) if got is None else got
        aliases = trace.aliases
        if aliases:
            # A second report of a call already folded into another span (store.calls).
            span.span_id = aliases.get(span.span_id, span.span_id)
            if span.parent_span_id is not None:
                span.parent_span_id = aliases.get(span.parent_span_id, span.parent_span_id)
        old = trace.spans.get(span.span_id)
        session = self.sessions[trace.session_id]
        kind = span.kind
        #: Its call keys (store.calls), when a new span needs them for the twin search and the index.
        keys = None
        if old is None and (twin is not None or kind is _LLM or kind is _TOOL):
            if twin is None:
                keys = call_keys(span)
                twin = find_twin(trace, span, keys)
            if twin is not None:
                old, rule = twin
                # A tool call's report folded into another: the tool spans stored under it may
                # report the call a third time (``_fold_nested_tools``).
                below = trace.children.get(span.span_id) if rule == NESTED_TOOL_RULE else None
                below = list(below) if below else None
                if (rule.startswith(ID_RULE) or rule == SAME_RESPONSE_RULE) and old.usage is not None and (
                        span.usage is not None):
                    # Two reports of one response that disagree on its tokens: the first stands
                    # (a provider SDK's own span ends, and arrives, first; OpenLLMetry adds
                    # the first event's count to a streamed Anthropic call's output). Where they
                    # agree on input and output, what either adds is kept (a gateway's cached
                    # tokens, which its client's instrumentation does not report).
                    if (old.usage.input, old.usage.output) != (span.usage.input, span.usage.output):
                        span.usage = None
                    span.cost = None
                self._merge_report(trace, session, old, span, self._fold(trace, old, span, rule))
                if below:
                    self._fold_nested_tools(trace, old.span_id, below)
                return
        called = handed = None
        if old is None and (kind is _LLM or kind is _TOOL) and (called := (
                self._call_elsewhere(trace, span, keys) if kind is _LLM else None)
                or ((self._twice_reported_sessions or SESSION_FILE_TURN_KEY in span.attributes
                     or TWIN_TRACER_KEY in span.attributes)
                    and self._turn_reported_elsewhere(trace, span)) or None) is not None:
            if SERVED_KEY in called[1].attributes and SERVED_KEY not in span.attributes:
                handed, called = called, None  # the stored one is a gateway's: this one keeps the call (below)
            else:
                # The call is another trace's: its report is merged there (below), a plain span
                # naming it stays here in its place, its children under it.
                report = msgspec.structs.replace(span)
                span = msgspec.structs.replace(span, kind=_CUSTOM, llm=None, tool=None, usage=None, cost=None,
                                               events=(), attributes={FOLDED_INTO: called[1].span_id})
                kind = _CUSTOM
        if old is not None:
            self._merge_report(trace, session, old, span, bare=is_bare(span))
            return
        new = span
        if kind in AGGREGATE_KINDS:
            scope_usage(new)
        if not new.start_ns and new.end_ns is not None:
            new.start_ns = new.end_ns  # span_end with no span_start: zero-length
        if new.parent_span_id is not None:
            parent = trace.spans.get(new.parent_span_id)
            if parent is not None:
                new.parent_span_id = parent.span_id  # one string per id, not one per child
        trace.children.setdefault(new.parent_span_id, []).append(new.span_id)
        self.span_count += 1
        trace.pending[new.span_id] = None
        self._agg_dirty[trace.trace_id] = trace
        recorded: list[Span] = []
        if self._pending_events:
            held = self._pending_events.pop((trace.trace_id, new.span_id), None)
            if held:
                kept, recorded = calls_recorded_on(new, held)
                if kept:
                    attach_events(new, kept)
                    self._turn_prompt(trace, kept)
        if new.llm is not None or new.tool is not None or new.agent is not None:
            self._intern_parts(new)
        trace.spans[new.span_id] = new
        if kind is _LLM or kind is _TOOL:
            if keys is None:
                keys = call_keys(new)
            remember(trace, new, keys)
            if kind is _LLM:
                for key in keys:
                    if isinstance(key, str):
                        self._note_call(key, trace.trace_id, new.span_id, new.parent_span_id is None,
                                        usage_key(new.usage))
                if new.status is _ERROR:
                    self._failed_calls.append((trace.trace_id, new.span_id))
                if trace.prompt is None and (prompt := new.attributes.get(TURN_PROMPT_KEY)):
                    self._named_by_prompt(trace, prompt)  # (the batch path sends such a call here)
        self._stored(trace, session, new)
        if kind is _LLM and new.parent_span_id is not None:
            if (own := usage_key(new.usage)) is not None:
                if (found := self._root_call_elsewhere(new, own)) is not None:
                    self._fold_root_into(trace, new, *found)
            elif (new.status is _ERROR and new.usage is None
                  and (found := self._refused_elsewhere(new, session)) is not None):
                self._fold_root_into(trace, new, *found)
        for call in recorded:
            self._upsert_span(call)
        if called is not None:
            self._fold_elsewhere(report, *called)
        elif handed is not None:
            self._hand_over(handed[0], handed[1], trace, new, handed[2])
        if kind is not _LLM and kind is not _TOOL and new.parent_span_id is not None and new.span_id in trace.children:
            # The span between two reports of one call, both stored: folded now.
            if (pair := deep_nested_pair(trace, new)) is not None:
                self._fold_stored(trace, *pair)
            elif (pair := served_nested_pair(trace, new)) is not None:
                self._fold_stored(trace, *pair, SERVED_FAILED_RULE)
        # A model call named by LangChain's answer on the chain span around it (``calls.chain_answered``).
        chain = trace.spans.get(new.parent_span_id) if kind is _LLM and new.parent_span_id is not None else new
        if (chain is not None and chain.kind is _TASK and CHAIN_ANSWER_MODEL_KEY in chain.attributes
                and (answered := chain_answered(trace, chain)) is not None):
            self._name_by_chain(trace, chain, *answered)
        elif chain is not None and chain.kind is _AGENT and chain.llm is not None:
            # A model call named by the turn around it (``calls.turn_model``), whichever of the two came last.
            if chain is new:
                named = turn_named(trace, chain)
            else:
                named = [(new, m)] if (m := turn_model(chain, new)) is not None else []
            for call, model in named:
                self._name_by_chain(trace, chain, call, model)
        # A model call's answer recorded inside it (``calls.answer_from_records``), whichever came last.
        asked: Span | None = trace.spans.get(new.span_id) if kind is _LLM else (
            trace.spans.get(new.parent_span_id) if new.parent_span_id is not None and INTERNAL_ATTR in new.attributes
            else None)
        if asked is not None and asked.kind is _LLM and (answer := answer_from_records(trace, asked)) is not None:
            self._answer_by_records(trace, asked, *answer)

    def _answer_by_records(self, trace: TraceEntry, call: Span, answer: str, records: int) -> None:
        """Give ``call``, a stored model call, the answer the records of its tool calls inside it
        render (``calls.answer_from_records``): stored again with that response and ``ANSWER_FROM``."""
        llm = msgspec.structs.replace(call.llm, response_preview=answer) if call.llm is not None else LlmInfo(
            response_preview=answer)
        new = msgspec.structs.replace(call, llm=llm, attributes={**call.attributes, ANSWER_FROM: records})
        trace.spans[call.span_id] = new
        self._mark(trace, self.sessions[trace.session_id], new)

    def _name_by_chain(self, trace: TraceEntry, chain: Span, call: Span, model: str) -> None:
        """Give ``call``, a stored model call naming no model, the model that answered it as the
        chain span around it (``chain``) names it (``calls.chain_answered``): the call is stored
        again with that model and ``MODEL_FROM``, priced anew, and the totals count it so."""
        span_id = call.span_id
        self._recount(trace, call)
        llm = msgspec.structs.replace(call.llm, model=model) if call.llm is not None else LlmInfo(model=model)
        new = msgspec.structs.replace(call, llm=llm, attributes={**call.attributes, MODEL_FROM: chain.span_id})
        self._intern_parts(new)
        trace.spans[span_id] = new
        self._stored(trace, self.sessions[trace.session_id], new)

    def _fold_stored(self, trace: TraceEntry, outer: Span, inner: Span, rule: str = DEEP_NESTED_RULE) -> None:
        """Fold ``inner``, a stored model or tool call, into ``outer``, the stored call it reports
        again through the spans between them (``calls.deep_nested_pair``: the span between them
        came last), its id an alias of ``outer``'s for later reports of it (``_stub_out``)."""
        report = self._stub_out(trace, inner, outer.span_id)
        reparent = self._fold(trace, outer, report, rule)
        self._merge_report(trace, self.sessions[trace.session_id], outer, report, reparent)

    def _fold_nested_tools(self, trace: TraceEntry, keeper_id: str, below: list[str]) -> None:
        """Fold into the tool call ``keeper_id`` the stored tool spans of ``below`` (the children of
        a report of that call just folded into it, now its own) that report it again
        (``calls.nested_tool_twins``): an MCP server's ``tools/call`` span, exported by its own
        process before the client's span of the request, stored under that span's id before the
        agent's span of the call and the client's span met."""
        for cid in below:
            keeper = trace.spans.get(keeper_id)
            child = trace.spans.get(cid)
            if keeper is None or child is None or cid == keeper_id or child.parent_span_id != keeper_id:
                continue
            if child.kind is _TOOL and nested_tool_twins(keeper, child):
                self._fold_stored(trace, keeper, child, NESTED_TOOL_RULE)

    def _recount(self, trace: TraceEntry, span: Span) -> None:
        """Have the next fold count stored ``span`` anew, about to be replaced: what the totals
        count for it until then (as running, or as stored) is what that fold takes out."""
        span_id = span.span_id
        running = trace.counted_running
        counted = running.pop(span_id, None) if running else None
        if span_id not in trace.pending:
            trace.pending[span_id] = counted if counted is not None else counted_of(span)
        self._agg_dirty[trace.trace_id] = trace

    def _stub_out(self, trace: TraceEntry, span: Span, into: str) -> Span:
        """Take ``span``, a stored model or tool call of ``trace`` found to report the call of span
        ``into`` again, out of the count; returns its report, to merge into that span. It is not
        deleted (it may be written already): it stays where it is as a plain span naming
        ``into`` (``FOLDED_INTO``), with no model, tool, usage or cost, so it counts as no call."""
        span_id = span.span_id
        self._recount(trace, span)
        calls = trace.calls
        if calls:
            for key in call_keys(span):
                if calls.get(key) == span_id:
                    del calls[key]  # the merged span is remembered under them
        report = msgspec.structs.replace(span)
        stub = msgspec.structs.replace(span, kind=_CUSTOM, llm=None, tool=None, usage=None, cost=None, events=(),
                                       attributes={FOLDED_INTO: into})
        trace.spans[span_id] = stub
        self._mark(trace, self.sessions[trace.session_id], stub)
        return report

    def _note_call(self, response_id: str, trace_id: str, span_id: str, root: bool, usage: UsageKey | None = None) -> None:
        """Remember a model call by its response id (bounded), the root of its trace or not, and
        a root by its usage key (``usage``) too when it has one."""
        calls: dict[str, Any] = self._root_calls if root else self._nested_calls
        if response_id not in calls:
            if len(calls) >= MAX_ROOT_CALLS:
                del calls[next(iter(calls))]  # the oldest: its second report came long ago, if ever
            calls[response_id] = (trace_id, span_id) if root else trace_id
        if root and usage is not None:
            by_usage = self._root_usage_calls
            by_usage.pop(usage, None)  # the latest call of a usage, last in order
            if len(by_usage) >= MAX_ROOT_CALLS:
                del by_usage[next(iter(by_usage))]
            by_usage[usage] = (trace_id, span_id)

    def _report_elsewhere(self, span: Span) -> tuple[TraceEntry, Span, str] | None:
        """The model call of another trace that this new model call, the root of a trace not
        stored yet, reports again, and the rule: the root of its own trace in the same session,
        answered with the same response id (``calls.same_call``), else the only span of one
        of the session's latest traces that is one call with it (``calls.nested_elsewhere``).
        An instrumentation that starts its span outside the context a provider SDK traces
        itself in (OpenLLMetry's Anthropic and Mistral ones) makes two one-span traces of
        one call: counted twice, before."""
        attrs = span.attributes
        rid = None
        if attrs and not attrs.keys().isdisjoint(ID_KEYS):
            rid = next((str(v) for k in ID_KEYS if (v := attrs.get(k)) not in (None, "")), None)
        where = self._root_calls.get(rid) if rid is not None else None
        if where is not None:
            trace = self.traces.get(where[0])
            old = trace.spans.get(where[1]) if trace is not None else None
            if (trace is not None and old is not None and old.kind is _LLM and old.parent_span_id is None
                    and trace.session_id == (span.session_id or DEFAULT_SESSION) and same_call(old, span)):
                return trace, old, SAME_RESPONSE_RULE
        return self._nested_elsewhere(span)

    def _tool_elsewhere(self, span: Span) -> tuple[TraceEntry, Span, str] | None:
        """The stored tool call that this new tool span reports again, and the rule: a tool call
        of the same session, the same tool with the same arguments, running at the same time,
        one of the two rebuilt from log events naming its call id and the other an
        instrumentation's naming none (``calls.loose_tool_key``), each folded with one other at
        most. OpenInference's Claude Agent SDK instrumentation for TypeScript reports the tool
        calls of the Claude Code CLI the SDK runs, which reports them too, in a trace of its own:
        shown twice, before. Else the span is noted for the other report, which may come later.

        Only a session that has a tool call rebuilt from log events notes its instrumentations'
        tool calls (most sessions never do: their tool spans pay one set test); a rebuilt call
        that finds none noted looks for one among the session's latest traces."""
        key = loose_tool_key(span)
        if key is None:
            return None
        rebuilt, name = key
        sid = span.session_id or DEFAULT_SESSION
        where_key = (sid, name)
        others = (self._unnamed_tools if rebuilt else self._rebuilt_tools).get(where_key)
        if others:
            for i, (tid, span_id) in enumerate(others):
                trace = self.traces.get(tid)
                if (trace is not None and (old := trace.spans.get(span_id)) is not None
                        and self._loose_twin(trace, old, span, sid)):
                    del others[i]  # one report of each reporter: a third is another call
                    return trace, old, TOOL_ELSEWHERE_RULE
        if rebuilt:
            self._loose_tool_sessions.add(sid)
            found = self._unnamed_tool_stored(span, sid, name)
            if found is not None:
                return found[0], found[1], TOOL_ELSEWHERE_RULE
        own = self._rebuilt_tools if rebuilt else self._unnamed_tools
        mine = own.get(where_key)
        if mine is None:
            if len(own) >= MAX_ROOT_CALLS:
                del own[next(iter(own))]
            mine = own[where_key] = []
        elif len(mine) >= LOOSE_TOOLS_KEPT:
            del mine[0]
        mine.append((span.trace_id, span.span_id))
        return None

    def _loose_twin(self, trace: TraceEntry, old: Span, span: Span, sid: str) -> bool:
        """Whether stored tool span ``old`` and new ``span`` are two reports of one call (``_tool_elsewhere``)."""
        return (old.kind is _TOOL and trace.session_id == sid and old.span_id != span.span_id
                and tools_overlap(old, span) and same_tool_args(old, span))

    def _unnamed_tool_stored(self, span: Span, sid: str, name: str) -> tuple[TraceEntry, Span] | None:
        """An instrumentation's report of the tool call ``span`` (rebuilt from log events) reports,
        stored before its session noted such reports: in the session's latest traces."""
        entry = self.sessions.get(sid)
        if entry is None:
            return None
        for tid in islice(reversed(entry.trace_ids), NESTED_ELSEWHERE_TRACES):
            trace = self.traces.get(tid)
            if trace is None or tid == span.trace_id or len(trace.spans) > LOOSE_SCAN_SPANS:
                continue
            for old in trace.spans.values():
                tool = old.tool
                if (tool is not None and tool.name == name and not tool.call_id and REBUILT not in old.attributes
                        and self._loose_twin(trace, old, span, sid)):
                    return trace, old
        return None

    def _nested_elsewhere(self, span: Span) -> tuple[TraceEntry, Span, str] | None:
        """``_report_elsewhere``'s second rule: among the session's ``NESTED_ELSEWHERE_TRACES``
        latest traces (the other report of a call ended just before or after it), a trace of
        one model call, or a model call inside a larger trace's tree with the same usage (its
        call key) that names no response where ``span`` names it, that is one call with
        ``span`` (``calls.nested_elsewhere``). The larger trace is an agent's whose
        instrumentation never makes its model call's span current (OpenInference's LangChain
        one): the provider SDK's own span of the request is the root of a trace of its own."""
        session = self.sessions.get(span.session_id or DEFAULT_SESSION)
        if session is None:
            return None
        traces = self.traces
        key = usage_key(span.usage)
        # In a larger trace: a call inside the agent's tree naming no response, this one naming it.
        named = has_call_id(span)
        if span.status is _ERROR and span.usage is None and not named:
            # A refused request: the one failed report of it inside an agent's tree (``_refused_elsewhere``).
            found = self._refused_elsewhere(span, session)
            if found is not None:
                return found[0], found[1], NESTED_ELSEWHERE_RULE
        for tid in islice(reversed(session.trace_ids), NESTED_ELSEWHERE_TRACES):
            trace = traces.get(tid)
            if trace is None:
                continue
            if len(trace.spans) == 1:
                old = next(iter(trace.spans.values()))
                if old.kind is _LLM and old.parent_span_id is None and nested_elsewhere(old, span):
                    return trace, old, NESTED_ELSEWHERE_RULE
            elif named and key is not None and trace.calls is not None and (sid := trace.calls.get(key)) is not None:
                old = trace.spans.get(sid)  # type: ignore[assignment]
                if old is not None and old.kind is _LLM and old.parent_span_id is not None and nested_elsewhere(old, span):
                    return trace, old, NESTED_ELSEWHERE_RULE
        return None

    def _root_call_elsewhere(self, span: Span, key: UsageKey) -> tuple[TraceEntry, Span] | None:
        """``_nested_elsewhere`` the other way round: for a new model call inside a trace, with
        usage (``key``, its usage key) and no response id, a model call naming the response
        stored first as the only span of one of the session's ``NESTED_ELSEWHERE_TRACES`` latest
        traces, with the same usage, that is one call with it (``calls.nested_elsewhere``): the
        provider SDK's own span of the request, which ends (and is often exported) before the
        agent instrumentation's span around it."""
        # It runs for every new model call with usage inside a trace: one lookup in the calls
        # noted as roots of their traces (``_note_call``) first, the rest on a hit.
        hit = self._root_usage_calls.get(key)
        if hit is None:
            return None
        tid, sid = hit
        trace = self.traces.get(tid)
        if trace is None or tid == span.trace_id or len(trace.spans) != 1 or trace.session_id != span.session_id:
            return None
        session = self.sessions.get(span.session_id)
        if session is None or tid not in islice(reversed(session.trace_ids), NESTED_ELSEWHERE_TRACES):
            return None
        old = trace.spans.get(sid)
        if (old is None or old.kind is not _LLM or old.parent_span_id is not None or usage_key(old.usage) != key
                or has_call_id(span) or not nested_elsewhere(old, span)):
            return None
        return trace, old

    def _refused_elsewhere(self, span: Span, session: SessionEntry) -> tuple[TraceEntry, Span] | None:
        """For a new failed model call with no usage, of ``session``: the one other report of the
        same refused request (``calls.failed_reports``) in another of the session's
        ``NESTED_ELSEWHERE_TRACES`` latest traces, inside an agent's tree where ``span`` is the
        root of a trace of its own, or the only span of its trace where ``span`` is inside one.
        OpenInference's LangChain instrumentation never makes its model call's span current, so
        when the API refuses the request the anthropic SDK's own span of it is a trace of its own:
        one refused request showed as two failed calls. Two candidates (two requests refused at
        once): neither is taken. Failed calls are few (``_failed_calls`` keeps the latest 64)."""
        if not self._failed_calls:
            return None
        latest = set(islice(reversed(session.trace_ids), NESTED_ELSEWHERE_TRACES))
        root = span.parent_span_id is None
        found: tuple[TraceEntry, Span] | None = None
        for tid, span_id in self._failed_calls:
            trace = self.traces.get(tid) if tid != span.trace_id and tid in latest else None
            old = trace.spans.get(span_id) if trace is not None else None
            if (trace is None or old is None or old.kind is not _LLM or (old.parent_span_id is None) == root
                    or (not root and len(trace.spans) != 1) or not failed_reports(old, span)):
                continue
            if found is not None:
                return None
            found = (trace, old)
        return found

    def _fold_root_into(self, trace: TraceEntry, span: Span, old_trace: TraceEntry, old: Span,
                        rule: str = NESTED_ELSEWHERE_RULE) -> None:
        """Fold ``old``, a stored model call alone in ``old_trace`` (``_root_call_elsewhere``),
        into ``span``, the stored model call of ``trace`` it reports again, as ``_fold_stored``
        does within a trace: ``old`` stays in its trace as a plain span naming ``span``
        (``_stub_out``), its report merged into ``span``, in the agent's tree."""
        report = self._stub_out(old_trace, old, span.span_id)
        report.trace_id, report.session_id = trace.trace_id, trace.session_id
        reparent = self._fold(trace, span, report, rule)
        self._merge_report(trace, self.sessions[trace.session_id], span, report, reparent)

    def _call_elsewhere(self, trace: TraceEntry, span: Span,
                        keys: list[CallKey] | None) -> tuple[TraceEntry, Span, str] | None:
        """The model call of another trace that ``span``, a new model call of ``trace`` that
        is no twin of a call of its own trace, reports again: the first one stored that
        answered with its response id (``calls.same_call``), reported by another service
        (in another session: each process is its own). A gateway that
        reports the calls it serves (a LiteLLM proxy's ``litellm_request`` span, in its own
        service's trace of the request when the client sends no ``traceparent``) reports
        each call its client reports too: counted twice, before. A failed call names no
        response on the client's side: a failed model call is the one failed model call of
        the same model among another service's latest ones that runs within its time or
        around it (two such: concurrent requests, neither taken)."""
        rid = next((key for key in (call_keys(span) if keys is None else keys) if isinstance(key, str)), None)
        where = None if rid is None else self._root_calls.get(rid)
        if where is None and rid is not None and (tid := self._nested_calls.get(rid)) is not None:
            # A call nested in its trace: noted by trace only, its span the one that trace's index holds for the id.
            calls = t.calls if (t := self.traces.get(tid)) is not None else None
            sid = calls.get(rid) if calls is not None else None
            where = (tid, sid) if sid is not None else None
        if where is not None and where[0] != trace.trace_id:
            other_trace = self.traces.get(where[0])
            old = other_trace.spans.get(where[1]) if other_trace is not None else None
            if (other_trace is not None and old is not None and old.kind is _LLM and same_call(old, span)
                    and self._other_service(trace, other_trace)):
                return other_trace, old, CALL_ELSEWHERE_RULE
        if span.status is not _ERROR:
            return None
        found: tuple[TraceEntry, Span, str] | None = None
        for tid, sid in self._failed_calls:
            other_trace = self.traces.get(tid) if tid != trace.trace_id else None
            old = other_trace.spans.get(sid) if other_trace is not None else None
            if (other_trace is None or old is None or old.kind is not _LLM or old.status is not _ERROR
                    or old.attributes.get(MERGED_BY) == FAILED_ELSEWHERE_RULE
                    or not (within(old, span) or within(span, old)) or not same_model(old, span)
                    or not self._other_service(trace, other_trace)):
                continue
            if found is not None:
                return None
            found = (other_trace, old, FAILED_ELSEWHERE_RULE)
        return found

    def _turn_reported_elsewhere(self, trace: TraceEntry, span: Span) -> tuple[TraceEntry, Span, str] | None:
        """The call of another trace of the session that ``span``, a new model or tool call of ``trace``,
        reports again, and the rule:

        * one of the two reported from Codex's session file (``cv.SESSION_FILE_TURN_KEY``: OpenInference's
          Codex instrumentation rebuilds each turn from it, in a trace of its own) and the other by Codex
          itself (its own telemetry on too): a model call with the same usage (input, output, cache read)
          and a compatible model within ``MATCH_NS`` (``calls.same_call``), a tool call of the same tool
          with the same call id;
        * a model call reported by each of a framework's two tracers (``cv.TWIN_TRACER_KEY``, two different
          tracers: Pipecat's own tracing and OpenInference's, each in a trace of its own) with the same usage
          and a compatible model within ``MATCH_NS``.

        The first stored keeps the call. Only sessions with such a report pay the search; neither report
        names a response."""
        attrs = span.attributes
        from_file = SESSION_FILE_TURN_KEY in attrs
        tracer = attrs.get(TWIN_TRACER_KEY)
        sid = trace.session_id
        if from_file or tracer is not None:
            self._twice_reported_sessions.add(sid)
        elif sid not in self._twice_reported_sessions:
            return None
        key: CallKey | None
        if span.kind is _LLM:
            key = usage_key(span.usage)
        elif tracer is not None:
            return None
        else:
            key = ToolCallKey(span.tool.call_id) if span.tool is not None and span.tool.call_id else None
        session = self.sessions.get(sid)
        if key is None or session is None:
            return None
        for tid in islice(reversed(session.trace_ids), SESSION_FILE_TRACES):
            other = self.traces.get(tid) if tid != trace.trace_id else None
            calls = other.calls if other is not None else None
            old_id = calls.get(key) if calls is not None else None
            old = other.spans.get(old_id) if other is not None and old_id is not None else None
            if old is None or old.kind is not span.kind:
                continue
            theirs = old.attributes.get(TWIN_TRACER_KEY)
            if tracer is not None or theirs is not None:
                # Two tracers of one framework: each report from one of them, not the same one.
                if tracer is not None and theirs is not None and theirs != tracer and same_call(old, span):
                    return other, old, TWIN_TRACER_RULE  # type: ignore[return-value]
                continue
            if (SESSION_FILE_TURN_KEY in old.attributes) == from_file:
                continue
            if span.kind is _LLM and same_call(old, span):
                return other, old, SESSION_FILE_RULE  # type: ignore[return-value]
            if (span.kind is _TOOL and old.tool is not None and span.tool is not None
                    and old.tool.name == span.tool.name and same_call(old, span)):
                return other, old, SESSION_FILE_RULE  # type: ignore[return-value]
        return None

    def _file_reports_rehomed(self, trace: TraceEntry) -> None:
        """Fold each call of ``trace`` reported from Codex's session file, or by one of a framework's two
        tracers, that the other reporter reported in another trace of the session ``trace`` just moved to
        (``_turn_reported_elsewhere``) into that report: the forwarder's spans, and Pipecat's tracers', name
        the session on the trace's root only, exported last, so its calls wait in a session of their own
        until it comes."""
        for call in [s for s in trace.spans.values() if (s.kind is _LLM or s.kind is _TOOL)
                     and (SESSION_FILE_TURN_KEY in s.attributes or TWIN_TRACER_KEY in s.attributes)]:
            if trace.spans.get(call.span_id) is not call:
                continue
            found = self._turn_reported_elsewhere(trace, call)
            if found is not None:
                self._fold_root_into(found[0], found[1], trace, call, found[2])

    def _other_service(self, trace: TraceEntry, other: TraceEntry) -> bool:
        """Whether two traces are two services' (a client's and its gateway's): the same data
        sent again as another session of the same service (a replay, an import) is a session
        of its own, its calls its own."""
        here = self.sessions.get(trace.session_id)
        there = self.sessions.get(other.session_id)
        mine = here.session.service if here is not None else None
        theirs = there.session.service if there is not None else None
        return mine is not None and theirs is not None and mine != theirs

    def _fold_elsewhere(self, report: Span, trace: TraceEntry, old: Span, rule: str) -> None:
        """Merge ``report``, a model call of another trace (``_call_elsewhere``), into ``old``:
        ``old`` keeps its place, name and times; where both report usage of the same input and
        output, the merge keeps what either adds (a gateway's cached-token count the client's
        span lacks); where they disagree the first stands, as for any two reports of one response."""
        report.trace_id = trace.trace_id
        report.session_id = trace.session_id
        report.parent_span_id = old.parent_span_id
        report.name = old.name
        report.start_ns, report.end_ns = old.start_ns, old.end_ns
        if old.usage is not None and report.usage is not None:
            report.cost = None
            if (old.usage.input, old.usage.output) != (report.usage.input, report.usage.output):
                report.usage = None
        self._upsert_span(report, (old, rule))

    def _hand_over(self, trace: TraceEntry, stored: Span, here: TraceEntry, new: Span, rule: str) -> None:
        """Fold ``stored``, a gateway's report of a call (``SERVED_KEY``) another service's trace
        holds, into ``new``, the client's report of it that came after (``_call_elsewhere``), as
        ``_fold_stored`` folds a stored call: it stays in its tree as a plain span naming ``new``
        (``_stub_out``), and its report is merged into ``new`` (``_fold_elsewhere``)."""
        self._fold_elsewhere(self._stub_out(trace, stored, new.span_id), here, new, rule)

    def _fold_across(self, span: Span, trace: TraceEntry, old: Span, rule: str) -> None:
        """Fold ``span`` into ``old``, the same call reported in another trace (``_report_elsewhere``,
        which names the ``rule``), as a twin of one trace is folded (the first report's token counts
        stand there too when both answer with one response id)."""
        span.trace_id = trace.trace_id
        span.session_id = trace.session_id
        self._upsert_span(span, (old, rule))

    def _merge_report(self, trace: TraceEntry, session: SessionEntry, old: Span, span: Span,
                      reparent: tuple[str, str | None] | None = None, bare: bool = False) -> None:
        """Store a report of a stored span ``old`` (a span_end, a repeat), or a second report
        of a call folded into it (``reparent``: what ``_fold`` returned), merged with it.
        ``span``'s ids and name are the store's already; ``bare``: it is a bare span_end
        (``is_bare``, which the caller tested; a ``SpanEnd`` is stored by ``_end_spans``)."""
        pending = trace.pending
        running = trace.counted_running
        # What the last fold counted for a running span (None after a twin fold, which changed ``old``).
        counted = running.pop(old.span_id, None) if running else None
        if bare:
            # A bare span_end (the second half of a live span): one copy of
            # the stored span with the times and status it sets. Its parts,
            # usage, kind and attributes are the stored span's, already
            # interned, scoped and indexed under their call keys.
            new = merge_plain(old, span, same_ids=True)
            if old.parent_span_id != new.parent_span_id:
                self._unlink(trace, old)
                trace.children.setdefault(new.parent_span_id, []).append(new.span_id)
            trace.spans[new.span_id] = new
            # (A report that moves its start is priced afresh: a price may depend on the day.)
            self._enrich(new, self.end_hook if new.start_ns == old.start_ns else None)
            if (counted is not None and new.end_ns is not None and new.usage is old.usage
                    and new.cost is old.cost):
                # It ran when the totals last counted it and nothing has changed it
                # since (``counted`` is dropped when anything does) but this end,
                # and enrichment left its usage and cost as they were: the totals
                # change by what the end moves, counted now instead of at the fold.
                ended = trace.ended
                if ended is None:
                    ended = trace.ended = EndTally()
                ended.add(counted, new)
                self._agg_dirty[trace.trace_id] = trace
            elif old.span_id not in pending:
                # What the totals count for this span until the next fold.
                pending[old.span_id] = counted if counted is not None else counted_of(old)
                self._agg_dirty[trace.trace_id] = trace
            self._mark(trace, session, new)
            return
        # Counted as running by the last fold and not changed since: what the totals
        # count for it is ``counted``, settled below once the merged span is known.
        ran = counted is not None and reparent is None
        if not ran and old.span_id not in pending:
            # What the totals count for this span until the next fold
            # (computed before the reported-wins rules below touch ``old``).
            pending[old.span_id] = counted_of(old)
            self._agg_dirty[trace.trace_id] = trace
        old_usage, old_cost = old.usage, old.cost
        # Reported numbers replace derived ones whole: usage the monitor
        # estimated, a cost it computed (no field-wise mixing of the two).
        if span.usage is not None and old.usage is not None and old.usage.estimated and not span.usage.estimated:
            old.usage = None
        if span.cost is not None and old.cost is not None and span.cost.source == "reported" and old.cost.source != "reported":
            old.cost = None
        # The client's own account of the call's tokens (``USAGE_FROM``: its log event) replaces the
        # usage its span reports, in either order; the span's own times stand.
        if USAGE_FROM in span.attributes:
            if USAGE_FROM not in old.attributes:
                old.usage = None
                span.start_ns = old.start_ns
                if old.end_ns is not None:
                    span.end_ns = old.end_ns
        elif old.usage is not None and span.usage is not None and USAGE_FROM in old.attributes:
            span.usage = old.usage
        if reparent is None and span.attributes and (REBUILT in span.attributes) != (REBUILT in old.attributes):
            _own_span_stands(old, span)
        if reparent is None:
            new = merge_same(old, span)
        else:
            new = merge_span(old, span)
            if new.parent_span_id == reparent[0]:
                new.parent_span_id = reparent[1]  # the stored span was nested in its twin
            if (tool := new.tool) is not None and (called := new.attributes.get(CALLED_AS)) and tool.name != called:
                # The tool as the model called it (``CALLED_AS``: the client's event of the call),
                # whichever report came first.
                new.tool = msgspec.structs.replace(tool, name=called)
        scope_usage(new)
        if old.parent_span_id != new.parent_span_id:
            self._unlink(trace, old)
            trace.children.setdefault(new.parent_span_id, []).append(new.span_id)
        if new.llm is not None or new.tool is not None or new.agent is not None:
            self._intern_parts(new)
        trace.spans[new.span_id] = new
        kind = new.kind
        if (kind is _LLM or kind is _TOOL) and not (
                ran and kind is old.kind and new.attributes is old.attributes
                and new.usage == old_usage and (kind is _LLM or _same_call_id(new, old))):
            # (Not again for a running span's end that left what its call keys are made of as it was.)
            remember(trace, new, None)
        self._stored(trace, session, new)
        if ran and counted is not None:
            if new.end_ns is None or kind is not old.kind:
                trace.pending[old.span_id] = counted
            elif new.usage == old_usage and new.cost == old_cost and _same_sig(new, old):
                # Its end changed nothing the totals count but what an end moves (the
                # report repeated the rest, or changed parts they do not count): as for
                # a bare span_end, the totals change by that, counted now, not at the fold.
                ended = trace.ended
                if ended is None:
                    ended = trace.ended = EndTally()
                ended.add(counted, new)
            elif counted[6] and _same_sig(new, old):
                # It ran with no tokens and no cost counted, and its end brought them
                # (a model call's usage): they are added, counted now, not at the fold.
                ended = trace.ended
                if ended is None:
                    ended = trace.ended = EndTally()
                ended.add_spend(counted, counted_of(new))
            else:
                trace.pending[old.span_id] = counted
            self._agg_dirty[trace.trace_id] = trace

    def _stored(self, trace: TraceEntry, session: SessionEntry, new: Span) -> None:
        """What every stored span does last: enrichment, the trace's root and times, change marks."""
        self._enrich(new)
        self._mark(trace, session, new)

    def _enrich(self, new: Span, hook: Callable[[Span], None] | None = None) -> None:
        """Run the span hook (the cost enricher) on a span as it will be stored
        (``hook``, when given, instead: the end hook for a span a bare end closed)."""
        hook = hook or self.span_hook
        if hook is not None:
            try:
                hook(new)
            except Exception as exc:  # noqa: BLE001 - enrichment must never lose the span
                self._hook_failed(new, exc)

    def _hook_failed(self, span: Span, exc: Exception) -> None:
        name = type(exc).__name__
        if name not in self.hook_errors:  # once per kind: the counter has the rest
            log.warning("enrichment failed on span %r (%s: %s); kept unpriced", span.span_id[:64], name, exc)
        self.hook_errors[name] = self.hook_errors.get(name, 0) + 1

    def _mark(self, trace: TraceEntry, session: SessionEntry, new: Span) -> None:
        """The trace's root and times, change marks."""
        if new.parent_span_id is None and (trace.root_id is None or trace.root_id not in trace.spans):
            trace.root_id = new.span_id
            if trace.prompt is not None:
                _name_turn(trace, new)
        start = new.start_ns
        if not trace.start_ns or start < trace.start_ns:
            trace.start_ns = start
        last = new.end_ns
        if last is None:
            last = start
        if last > trace.end_ns:
            trace.end_ns = last
        if not session.first_ns or start < session.first_ns:
            session.first_ns = start
        if last > session.last_ns:
            session.last_ns = last
        trace.version = session.version = self.version
        self.changed(trace.trace_id, new)

    def _fold(self, trace: TraceEntry, keeper: Span, twin: Span, rule: str) -> tuple[str, str | None]:
        """Fold a new second report of a call into the stored span (``store.calls``).

        Returns (the twin's own id, its parent) so the merge can take the
        twin's parent when the stored span was nested in it.
        """
        orig_id, orig_parent = twin.span_id, twin.parent_span_id
        # Through spans between (``calls.deep_twins``): which of the two is the outer call.
        deep = rule == DEEP_NESTED_RULE
        keeper_outer = deep and deep_outer(trace, twin) is keeper
        twin_outer = False
        if ((rule.startswith(ID_RULE) or rule == SERVED_FAILED_RULE)
                and REBUILT not in twin.attributes and REBUILT not in keeper.attributes):
            # One report deeper inside the other than its child (a gateway's span of the call, in
            # the client's trace when it sends traceparent, under the client's HTTP and the
            # gateway's request spans): the merged span takes the outer one's place, never one
            # under the spans between it and the inner one (a cycle). A root is around every
            # other span of its trace, the spans between stored or not.
            kp = keeper.parent_span_id
            if orig_parent not in (None, keeper.span_id) and (kp is None or _inside(trace, orig_parent, keeper.span_id)):
                keeper_outer = True
            elif kp not in (None, orig_id) and (orig_parent is None or _inside(trace, kp, orig_id)):
                twin_outer = True
        if rule == USAGE_RULE and trace.shared_usage:
            found_by_usage(trace, keeper.span_id, usage_key(twin.usage))
        fold_into(keeper, twin, rule, keeper_outer)
        if trace.aliases is None:
            trace.aliases = {}
        trace.aliases[orig_id] = keeper.span_id
        # Children that arrived before the twin wait under its id: move them under the keeper.
        kids = trace.children.pop(orig_id, None)
        for cid in kids or ():
            child = trace.spans.get(cid)
            if child is None or cid == keeper.span_id:
                continue
            child.parent_span_id = keeper.span_id
            trace.children.setdefault(keeper.span_id, []).append(cid)
            self.changed(trace.trace_id, child)
        if keeper.parent_span_id == orig_id:
            trace.children.setdefault(orig_id, []).append(keeper.span_id)  # unlinked by the merge below
        if (deep and not keeper_outer) or twin_outer:
            # The stored inner span takes the outer one's place, the spans between now inside it:
            # where the new report names no parent, the merge must not keep the inner's own.
            return keeper.parent_span_id, orig_parent  # type: ignore[return-value]
        return orig_id, orig_parent

    def _turn_prompt(self, trace: TraceEntry, events: list[SpanEvent] | tuple[SpanEvent, ...]) -> None:
        """Events just kept on a span of ``trace``: one holding the turn's prompt as a name
        (``TURN_PROMPT_KEY``: Codex's ``codex.user_prompt`` record) names the trace, the first
        one that does; its root too, when that is stored and named alike on every turn
        (``_name_turn``), changed so that the file keeps the name (a reopened or replayed file
        names the turn so with no event read). Called for events attached, never per span."""
        if trace.prompt is not None:
            return
        for e in events:
            name = e.attributes.get(TURN_PROMPT_KEY) if e.attributes else None
            if name.__class__ is str and name:
                self._named_by_prompt(trace, name)
                return

    def _named_by_prompt(self, trace: TraceEntry, name: str) -> None:
        """``trace`` named by its turn's prompt ``name`` (``trace.prompt``, none before), its root too
        (``_name_turn``): from an event (``_turn_prompt``) or a model call of the turn that holds it
        (``cv.call_turn_prompt``: the OpenAI Agents SDK's, whose root carries no input)."""
        trace.prompt = name
        root = trace.spans.get(trace.root_id) if trace.root_id is not None else None
        if root is not None and _name_turn(trace, root):
            self.changed(trace.trace_id, root)
        session = self.sessions.get(trace.session_id)
        trace.version = self.version
        if session is not None:
            session.version = self.version

    def _unlink(self, trace: TraceEntry, span: Span) -> None:
        kids = trace.children.get(span.parent_span_id)
        if kids is not None:
            try:
                kids.remove(span.span_id)
            except ValueError:
                pass
            if not kids:
                del trace.children[span.parent_span_id]


#: How far up ``_inside`` walks (a trace deeper than this is not one call's reports).
INSIDE_DEPTH = 64


def _name_turn(trace: TraceEntry, root: Span) -> bool:
    """Put the turn's prompt (``trace.prompt``) on the trace's root when the root is named alike on
    every turn (``names_turn_alike``: Codex's ``turn/start``), where ``trace_name_of`` reads it
    (``TURN_PROMPT_KEY``); whether it changed the root. New attributes, not changed in place: a
    report's parts may be shared with the taps."""
    prompt = trace.prompt
    if prompt is None or not names_turn_alike(root.name) or root.attributes.get(TURN_PROMPT_KEY) == prompt:
        return False
    root.attributes = {**root.attributes, TURN_PROMPT_KEY: prompt}
    return True


def _inside(trace: TraceEntry, span_id: str, outer_id: str) -> bool:
    """Whether the stored span ``span_id`` is ``outer_id`` or lies under it (a span whose parent
    is not stored yet ends the walk)."""
    spans = trace.spans
    pid: str | None = span_id
    for _ in range(INSIDE_DEPTH):
        if pid is None:
            return False
        if pid == outer_id:
            return True
        up = spans.get(pid)
        if up is None:
            return False
        pid = up.parent_span_id
    return False


def _own_span_stands(old: Span, span: Span) -> None:
    """One of two reports of one span id is rebuilt from log events (``REBUILT``), the other is
    the client's own: the span the events were logged in (Claude Code's interaction span, or an
    instrumentation's agent span whose context the Claude Agent SDK hands to its CLI). The rebuilt
    turn adds to that span, never overrides it: its kind, times and status stand whichever came
    first (the rebuilt turn's times are its events', its status never failed), and the merged span
    is the client's, not marked rebuilt. The name is the rebuilt one's when it quotes the prompt
    (``REBUILT_PROMPT``), else the client's, whichever came first: ``prompt: fix the test`` tells
    the user which turn this is, where the client's name (``claude_code.interaction``,
    ``ClaudeAgentSDK.query``) is the same on every turn; a rebuilt ``prompt`` alone (prompts not
    logged) tells less than the client's name. (A report with no attributes, a span's end, says
    nothing of who sent it: it merges as it is, ``_end_report``'s case.)"""
    if REBUILT in span.attributes:
        if not span.attributes.get(REBUILT_PROMPT):
            span.name = old.name
        span.attributes = {k: v for k, v in span.attributes.items() if k != REBUILT}
        if old.kind is not SpanKind.CUSTOM:
            span.kind = old.kind
        span.start_ns = old.start_ns
        if old.end_ns is not None:
            span.end_ns = old.end_ns
            span.status = old.status
    else:
        if old.attributes.get(REBUILT_PROMPT):
            span.name = old.name
        old.attributes = {k: v for k, v in old.attributes.items() if k != REBUILT}
