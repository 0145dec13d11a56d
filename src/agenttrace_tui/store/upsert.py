"""Storing one span: merge with earlier reports, index by parent, fold call twins.

``SpanUpserts._upsert_span`` is the store's hot path (every span of every
batch passes here once): it interns repeated strings, merges a span with what
the trace already holds (``store.merge``), folds the second report of one LLM
or tool call into the first (``store.calls``), keeps the children index, runs
the span hook (the cost enricher) and marks the span changed for the lazy
totals and the writer.
"""

from __future__ import annotations

import logging

from ..model import Span, SpanKind
from .aggregates import Contribution
from .calls import find_twin, fold_into, remember, scope_usage
from .entries import DEFAULT_SESSION, TraceEntry
from .index import StoreIndex
from .merge import merge_span

log = logging.getLogger(__name__)


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
        intern = self._intern
        llm = span.llm
        if llm is not None:
            if llm.model:
                llm.model = intern(llm.model)
            if llm.provider:
                llm.provider = intern(llm.provider)
            if llm.stop_reason:
                llm.stop_reason = intern(llm.stop_reason)
        tool = span.tool
        if tool is not None:
            if tool.name:
                tool.name = intern(tool.name)
            if tool.action:
                tool.action = intern(tool.action)
            if tool.status:
                tool.status = intern(tool.status)
        agent = span.agent
        if agent is not None:
            if agent.name:
                agent.name = intern(agent.name)
            if agent.state:
                agent.state = intern(agent.state)


    def _upsert_span(self, span: Span) -> None:
        trace = self.traces.get(span.trace_id)
        sid = span.session_id
        if trace is None:
            self._seq += 1
            trace = TraceEntry(span.trace_id, sid or DEFAULT_SESSION, self._seq, self)
            self.traces[span.trace_id] = trace
            self._session_for(trace.session_id, span.start_ns).trace_ids[trace.trace_id] = None
        elif sid and sid != trace.session_id:
            self._rehome(trace, sid)
        span.trace_id = trace.trace_id
        span.session_id = trace.session_id
        span.name = self._intern(span.name)
        aliases = trace.aliases
        if aliases:
            # A second report of a call already folded into another span (store.calls).
            span.span_id = aliases.get(span.span_id, span.span_id)
            if span.parent_span_id is not None:
                span.parent_span_id = aliases.get(span.parent_span_id, span.parent_span_id)
        old = trace.spans.get(span.span_id)
        session = self.sessions[trace.session_id]
        reparent: tuple[str, str | None] | None = None
        if old is None and (span.kind is SpanKind.LLM_CALL or trace.calls is not None) and (
            twin := find_twin(trace, span)
        ) is not None:
            old, rule = twin
            reparent = self._fold(trace, old, span, rule)
        if old is not None:
            pending = trace.pending
            running = trace.counted_running
            # What the last fold counted for a running span (None after a twin fold, which changed ``old``).
            counted = running.pop(old.span_id, None) if running else None
            if old.span_id not in pending:
                # What the totals count for this span until the next fold
                # (computed before the reported-wins rules below touch ``old``).
                pending[old.span_id] = counted if counted is not None and reparent is None else Contribution(old)
                self._agg_dirty[trace.trace_id] = trace
            # Reported numbers replace derived ones whole: usage the monitor
            # estimated, a cost it computed (no field-wise mixing of the two).
            if old.usage is not None and old.usage.estimated and span.usage is not None and not span.usage.estimated:
                old.usage = None
            if old.cost is not None and span.cost is not None and span.cost.source == "reported" and old.cost.source != "reported":
                old.cost = None
            new = merge_span(old, span)
            if reparent is not None and new.parent_span_id == reparent[0]:
                new.parent_span_id = reparent[1]  # the stored span was nested in its twin
            scope_usage(new)
            if old.parent_span_id != new.parent_span_id:
                self._unlink(trace, old)
                trace.children.setdefault(new.parent_span_id, []).append(new.span_id)
        else:
            new = span
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
            if self._pending_events:
                held = self._pending_events.pop((trace.trace_id, new.span_id), None)
                if held:
                    new.events = new.events + tuple(held)
        self._intern_parts(new)
        trace.spans[new.span_id] = new
        if new.kind is SpanKind.LLM_CALL or new.kind is SpanKind.TOOL_EXECUTION:
            remember(trace, new)
        if self.span_hook is not None:
            try:
                self.span_hook(new)
            except Exception as exc:  # noqa: BLE001 - enrichment must never lose the span
                name = type(exc).__name__
                if name not in self.hook_errors:  # once per kind: the counter has the rest
                    log.warning("enrichment failed on span %r (%s: %s); kept unpriced", new.span_id[:64], name, exc)
                self.hook_errors[name] = self.hook_errors.get(name, 0) + 1
        if new.parent_span_id is None and (trace.root_id is None or trace.root_id not in trace.spans):
            trace.root_id = new.span_id
        if not trace.start_ns or new.start_ns < trace.start_ns:
            trace.start_ns = new.start_ns
        last = new.end_ns if new.end_ns is not None else new.start_ns
        if last > trace.end_ns:
            trace.end_ns = last
        if not session.first_ns or new.start_ns < session.first_ns:
            session.first_ns = new.start_ns
        if last > session.last_ns:
            session.last_ns = last
        trace.version = session.version = self.version
        self._dirty_spans[(trace.trace_id, new.span_id)] = new

    def _fold(self, trace: TraceEntry, keeper: Span, twin: Span, rule: str) -> tuple[str, str | None]:
        """Fold a new second report of a call into the stored span (``store.calls``).

        Returns (the twin's own id, its parent) so the merge can take the
        twin's parent when the stored span was nested in it.
        """
        orig_id, orig_parent = twin.span_id, twin.parent_span_id
        fold_into(keeper, twin, rule)
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
            self._dirty_spans[(trace.trace_id, cid)] = child
        if keeper.parent_span_id == orig_id:
            trace.children.setdefault(orig_id, []).append(keeper.span_id)  # unlinked by the merge below
        return orig_id, orig_parent

    def _unlink(self, trace: TraceEntry, span: Span) -> None:
        kids = trace.children.get(span.parent_span_id)
        if kids is not None:
            try:
                kids.remove(span.span_id)
            except ValueError:
                pass
            if not kids:
                del trace.children[span.parent_span_id]
