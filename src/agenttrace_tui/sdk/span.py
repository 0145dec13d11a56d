"""A span as the agent sees it: a context manager that records one unit of work.

``with tracer.span(...) as span`` (or ``async with``) starts the span at entry
and makes it current; exit ends it. Entry and exit each put the span object
itself on the sender's queue and return: building the wire record, encoding
it and writing the socket happen on the sender thread (see sender.py). That
keeps the agent-side cost to a few attribute stores and a deque append.

Status on exit: an exception marks the span ``error`` with the exception's
type and message (and re-raises); ``asyncio.CancelledError`` and
``KeyboardInterrupt`` mark it ``cancelled``; ``GeneratorExit`` (a consumer that
stopped iterating early) leaves it ``ok``. A status set explicitly with
``set_status`` wins over a clean exit.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import sys
import time
from random import getrandbits
from typing import TYPE_CHECKING, Any, Literal

from .context import _current
from .sampling import KEEP, KEPT, PENDING

if TYPE_CHECKING:
    from .tracer import Tracer

_time_ns = time.time_ns

#: Status values of the wire protocol.
STATUSES = ("running", "ok", "error", "cancelled", "timeout")


_M64 = (1 << 64) - 1
# Ids are counters from a random start, formatted to hex only when read
# (mostly by the sender thread): a counter step costs the agent ~30 ns where a
# formatted random id costs ~300 ns. next() on itertools.count is atomic. A
# trace id is a random per-process 64-bit prefix + a 64-bit counter: unique in
# the process, random across processes, and cheap to format.
_span_ids = itertools.count(getrandbits(64))
_trace_ids = itertools.count(getrandbits(64))
_trace_prefix = f"{getrandbits(64):016x}"


def _reseed() -> None:
    # A forked child must not continue its parent's id sequence.
    global _span_ids, _trace_ids, _trace_prefix
    _span_ids = itertools.count(getrandbits(64))
    _trace_ids = itertools.count(getrandbits(64))
    _trace_prefix = f"{getrandbits(64):016x}"


os.register_at_fork(after_in_child=_reseed)


def new_trace_id() -> str:
    return _trace_prefix + "%016x" % (next(_trace_ids) & _M64)


def new_span_id() -> str:
    return "%016x" % (next(_span_ids) & _M64)


class Span:
    """One unit of agent work. Methods return the span, so calls chain.

    Plain attributes with class-level defaults (no ``__slots__``): a span
    stores only what was set on it, which keeps creating one cheap.
    """

    # defaults; an instance sets only what it uses
    end_ns: int | None = None
    status: str | None = None
    status_message: str | None = None
    status_code: str | None = None
    events: list[dict[str, Any]] | None = None
    llm: dict[str, Any] | None = None
    tool: dict[str, Any] | None = None
    agent: dict[str, Any] | None = None
    rag: dict[str, Any] | None = None
    file: dict[str, Any] | None = None
    usage: dict[str, int] | None = None
    start_ns = 0
    _parent: Span | None = None
    _tid: Any = None  # int (our trace) or str (a remote parent's trace id)
    _sid: int = 0
    _pid: Any = None  # parent: int (our span) or str (remote), None for a root
    _token: Any = None
    #: Set when the parent belongs to another session (another Tracer): a
    #: trace lives in one session, so a child follows its parent's.
    _session: str | None = None
    _trace = KEPT
    #: Sender-side state: 0 nothing sent, 1 span_start sent, 2 finished record sent.
    _wire = 0
    #: Sender-side: what the span_start said, over a stream (see Sender._short_end).
    _sent: tuple | None = None

    def __init__(
        self,
        tracer: Tracer,
        name: str,
        kind: Any = "custom",
        *,
        parent: Span | None = None,
        trace_id: str | None = None,
        parent_span_id: str | None = None,
        attributes: dict[str, Any] | None = None,
        **attrs: Any,
    ) -> None:
        self._tracer = tracer
        self.name = name
        # A SpanKind member is a str enum: msgspec sends its value as it is.
        self.kind = kind
        if attributes:
            attrs = {**attributes, **attrs} if attrs else dict(attributes)
        self.attributes = attrs
        if parent is not None:
            self._parent = parent
        if trace_id is not None:
            self._tid = str(trace_id)
            if parent_span_id:
                self._pid = str(parent_span_id)

    # -- ids -----------------------------------------------------------------
    @property
    def trace_id(self) -> str:
        tid = self._tid
        if tid.__class__ is str:
            return tid
        # Formatted once per trace: children share the parent's string.
        text = _trace_prefix + "%016x" % (tid & _M64)
        self._tid = text
        return text

    @property
    def span_id(self) -> str:
        return "%016x" % (self._sid & _M64)

    @property
    def parent_span_id(self) -> str | None:
        pid = self._pid
        if pid is None or pid.__class__ is str:
            return pid
        return "%016x" % (pid & _M64)

    @property
    def session_id(self) -> str:
        return self._session or self._tracer.session_id

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> Span:
        """Begin the span without making it current (``with`` does both)."""
        tracer = self._tracer
        # A given trace id means a remote parent (another process sampled it).
        if self._tid is None:
            parent = self._parent or _current.get()
            if parent is not None:
                self._tid = parent._tid
                self._pid = parent._sid
                self._trace = state = parent._trace
                if parent._tracer is not tracer:
                    self._session = parent.session_id
            else:
                self._tid = next(_trace_ids)
                state = KEPT if tracer._sample_all else tracer.sampler.decide(self)
                self._trace = state
        else:
            state = KEPT
        self._sid = next(_span_ids)
        self.start_ns = _time_ns()
        if state.decision == KEEP:
            tracer._put(self)
        elif state.decision == PENDING:
            tracer.sampler.buffer(state, self, tracer._put)
        return self

    def end(self, exc: BaseException | None = None) -> None:
        """End the span (idempotent); ``exc`` sets the status as ``with`` would."""
        if self.end_ns is not None or not self.start_ns:
            return
        self.end_ns = _time_ns()
        if exc is not None and not isinstance(exc, GeneratorExit):
            if _is_cancel(exc):
                self.status = "cancelled"
                self.status_message = type(exc).__name__
            else:
                self.status = "error"
                self.status_code = type(exc).__name__
                self.status_message = _exc_message(exc)
        state = self._trace
        tracer = self._tracer
        if state.decision == KEEP:
            tracer._put(self)
        elif state.decision == PENDING:
            sampler = tracer.sampler
            sampler.buffer(state, self, tracer._put)
            if self.status == "error" and sampler.keep_errors:
                sampler.promote(state, tracer._put)
            elif state.root is self:
                sampler.root_ended(state, self.end_ns - self.start_ns, tracer._put)

    def __enter__(self) -> Span:
        # start() inlined for the common cases: a child of a kept trace, or
        # a root when everything is sampled.
        if self._tid is None and self._parent is None:
            parent = _current.get()
            if parent is None:
                fast = self._tracer._sample_all
                if fast:
                    self._tid = next(_trace_ids)
            else:
                fast = parent._trace.decision == KEEP
                if fast:
                    self._tid = parent._tid
                    self._pid = parent._sid
                    self._trace = parent._trace
                    if parent._tracer is not self._tracer:
                        self._session = parent.session_id
            if fast:
                self._sid = next(_span_ids)
                self.start_ns = _time_ns()
                self._tracer._put(self)
                self._token = _current.set(self)
                return self
        self.start()
        self._token = _current.set(self)
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> Literal[False]:
        if exc is None and self.end_ns is None and self._trace.decision == KEEP:
            self.end_ns = _time_ns()
            self._tracer._put(self)
        else:
            self.end(exc)
        try:
            _current.reset(self._token)
        except (ValueError, RuntimeError):
            self._restore()
        return False

    async def __aenter__(self) -> Span:
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        return self.__exit__(exc_type, exc, tb)

    def _restore(self) -> None:
        # Exited in another context than entered (a span handed across
        # tasks): put back what was current before rather than fail the agent.
        old = self._token.old_value if self._token is not None else None
        _current.set(None if old is contextvars.Token.MISSING else old)

    # -- recording ---------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.end_ns is None

    def set_attribute(self, key: str, value: Any) -> Span:
        if self.attributes:
            self.attributes[key] = value
        else:
            self.attributes = {key: value}
        return self

    def set_attributes(self, attributes: dict[str, Any]) -> Span:
        if attributes:
            self.attributes = {**self.attributes, **attributes}
        return self

    def add_event(self, name: str, attributes: dict[str, Any] | None = None, *, time_ns: int | None = None, **kw: Any) -> Span:
        """Record a point in time inside the span (shown live if the span runs)."""
        attrs = {**attributes, **kw} if attributes else kw
        ev: dict[str, Any] = {"name": str(name), "time_ns": time_ns or _time_ns()}
        if attrs:
            ev["attributes"] = attrs
        if self.events is None:
            self.events = [ev]
        else:
            self.events.append(ev)
        if self._wire == 1 and self.end_ns is None:
            self._tracer._emit_event(self, ev)
        return self

    def set_status(self, status: str, message: str | None = None, code: str | None = None) -> Span:
        """``ok``, ``error``, ``cancelled`` or ``timeout`` (also an enum member)."""
        value = getattr(status, "value", status)
        value = str(value).lower()
        if value not in STATUSES or value == "running":
            raise ValueError(f"status must be one of ok, error, cancelled, timeout; got {status!r}")
        self.status = value
        if message is not None:
            self.status_message = str(message)
        if code is not None:
            self.status_code = str(code)
        return self

    def record_exception(self, exc: BaseException) -> Span:
        """Mark the span error with ``exc``'s type and message and add an event."""
        self.status = "error"
        self.status_code = type(exc).__name__
        self.status_message = _exc_message(exc)
        return self.add_event("exception", {"exception.type": type(exc).__name__, "exception.message": self.status_message})

    def set_tokens(
        self,
        input: int,
        output: int,
        *,
        cache_read: int = 0,
        cache_write: int = 0,
        reasoning: int = 0,
        total: int | None = None,
    ) -> Span:
        """Token usage. ``input`` must already include ``cache_read`` and ``cache_write``.

        That is the OpenTelemetry GenAI convention the monitor uses. Anthropic
        reports cache tokens *beside* ``input_tokens``: pass
        ``input_tokens + cache_read_input_tokens + cache_creation_input_tokens``
        (``instrument_anthropic`` does this for you). OpenAI's
        ``prompt_tokens`` already includes its cached tokens.
        """
        usage = {"input": int(input), "output": int(output)}
        if cache_read:
            usage["cache_read"] = int(cache_read)
        if cache_write:
            usage["cache_write"] = int(cache_write)
        if reasoning:
            usage["reasoning"] = int(reasoning)
        usage["total"] = int(total) if total is not None else usage["input"] + usage["output"]
        self.usage = usage
        return self

    def set_llm(
        self,
        model: str | None = None,
        provider: str | None = None,
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        stop_reason: str | None = None,
        cached: bool | None = None,
        prompt: Any = None,
        response: Any = None,
    ) -> Span:
        """LLM call facts; ``prompt``/``response`` become truncated previews (if enabled)."""
        fields = {
            "model": model,
            "provider": provider,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "stop_reason": stop_reason,
            "cached": cached,
        }
        if self._tracer.previews:
            fields["prompt_preview"] = self._tracer.preview(prompt)
            fields["response_preview"] = self._tracer.preview(response)
        self.llm = _merge(self.llm, fields)
        return self

    def set_tool(
        self,
        name: str | None = None,
        action: str | None = None,
        target: str | None = None,
        *,
        status: str | None = None,
        call_id: str | None = None,
        input: Any = None,
        output: Any = None,
    ) -> Span:
        """Tool facts: which tool, what it did (action) and to what (target)."""
        fields = {"name": name, "action": action, "target": target, "status": status, "call_id": call_id}
        if self._tracer.previews:
            fields["input_preview"] = self._tracer.preview(input)
            fields["output_preview"] = self._tracer.preview(output)
        self.tool = _merge(self.tool, fields)
        return self

    def set_agent(
        self,
        name: str | None = None,
        iteration: int | None = None,
        state: str | None = None,
        stop_reason: str | None = None,
    ) -> Span:
        self.agent = _merge(self.agent, {"name": name, "iteration": iteration, "state": state, "stop_reason": stop_reason})
        return self

    def set_rag(self, query: str | None = None, sources_found: int | None = None, top_score: float | None = None) -> Span:
        if query is not None:
            query = self._tracer.preview(query) if self._tracer.previews else None
        self.rag = _merge(self.rag, {"query": query, "sources_found": sources_found, "top_score": top_score})
        return self

    def set_file(self, path: str | None = None, operation: str | None = None, bytes: int | None = None) -> Span:
        self.file = _merge(self.file, {"path": path, "operation": operation, "bytes": bytes})
        return self

    def __repr__(self) -> str:
        state = "running" if self.end_ns is None else (self.status or "ok")
        return f"<Span {self.name!r} {self.kind} {state} trace={self.trace_id} span={self.span_id}>"


def _merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any] | None:
    fields = {k: v for k, v in new.items() if v is not None}
    if old:
        return {**old, **fields}
    return fields or None


def _is_cancel(exc: BaseException) -> bool:
    if isinstance(exc, KeyboardInterrupt):
        return True
    # asyncio is not imported here (it would triple the SDK's import time):
    # if it was never imported, nothing can have raised its CancelledError.
    aio = sys.modules.get("asyncio")
    return aio is not None and isinstance(exc, aio.CancelledError)


def _exc_message(exc: BaseException) -> str:
    text = str(exc)
    return text[:1000] if text else type(exc).__name__
