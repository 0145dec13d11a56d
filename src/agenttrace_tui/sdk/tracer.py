"""The Tracer: one agent process's session, its spans, and the way out.

Two lines::

    tracer = Tracer(session_name="my-agent", framework="custom")
    with tracer.span("plan", kind="llm_call", model="gpt-4o") as span: ...

The first Tracer becomes the global one that ``@trace`` and the
instrumentations use (``get_tracer()``). A ``session`` record is sent when the
tracer starts and again (with ``ended_ns``) when it closes; ``close`` also
runs at interpreter exit and flushes with a timeout.
"""

from __future__ import annotations

import atexit
import functools
import os
import socket
import time
import warnings
import weakref
from collections.abc import Callable, Iterable
from random import getrandbits
from typing import Any, TypeVar

from .. import __version__
from .context import _current, current_span, get_tracer, set_tracer, wrap
from .decorators import trace as _trace
from .sampling import KEEP, Sampler
from .sender import Sender, as_text
from .span import Span
from .transport import (
    DEFAULT_ENDPOINT,
    UDP_BATCH_BYTES,
    EndpointError,
    default_endpoint,
    open_transport,
)

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_PREVIEW_CHARS = 500

_live: weakref.WeakSet[Tracer] = weakref.WeakSet()


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw in ("0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    return default


def _kind_value(kind: Any) -> str:
    value = getattr(kind, "value", kind)
    return value if isinstance(value, str) else str(value)


class Tracer:
    """Sends one session's spans to a monitor. Thread-safe; cheap when unused."""

    def __init__(
        self,
        session_name: str | None = None,
        *,
        framework: str | None = None,
        framework_version: str | None = None,
        service: str | None = None,
        tags: Iterable[str] = (),
        endpoint: str | None = None,
        session_id: str | None = None,
        attributes: dict[str, Any] | None = None,
        sample_rate: float | None = None,
        keep_errors: bool | None = None,
        slow_ms: float | None = None,
        sampler: Sampler | None = None,
        previews: bool | None = None,
        preview_chars: int = DEFAULT_PREVIEW_CHARS,
        queue_size: int = 65_536,
        flush_timeout: float = 2.0,
        udp_batch_bytes: int = UDP_BATCH_BYTES,
        set_global: bool = True,
        token: str | None = None,
        _share: Tracer | None = None,
    ) -> None:
        self.endpoint: str = endpoint or (_share.endpoint if _share is not None else default_endpoint())
        # AGENTTRACE_SESSION_ID: set by `agenttrace-tui run` so the agent's spans join the run's session.
        env_sid = os.environ.get("AGENTTRACE_SESSION_ID") if _share is None else None
        self.session_id = session_id or env_sid or f"{getrandbits(128):032x}"
        self.session_name = session_name
        self.framework = framework
        self.framework_version = framework_version
        self.service = service
        self.tags = [str(t) for t in tags]
        self.session_attributes = {"sdk.name": "agenttrace_tui.sdk", "sdk.version": __version__, "process.pid": os.getpid(), **(attributes or {})}
        self.sampler: Sampler = sampler or Sampler(sample_rate, keep_errors=keep_errors, slow_ms=slow_ms)
        self._sample_all: bool = self.sampler.always
        self.previews = _env_bool("AGENTTRACE_PREVIEWS", True) if previews is None else bool(previews)
        self.preview_chars = max(0, int(preview_chars))
        self.flush_timeout = flush_timeout
        self.started_ns = time.time_ns()
        self.closed = False
        if _share is not None:
            # One sender thread and socket for many sessions (see fork_session).
            self._sender: Sender = _share._sender
            self._owner = False
            self.sampler = _share.sampler if sampler is None and sample_rate is None else self.sampler
            self._sample_all = self.sampler.always
            self._samplers: list[Sampler] = _share._samplers
            if self.sampler not in self._samplers:
                self._samplers.append(self.sampler)
        else:
            try:
                # token (else AGENTTRACE_TOKEN): a monitor's shared secret, sent in a hello line.
                transport = open_transport(self.endpoint, udp_batch_bytes, token)
            except EndpointError as exc:
                if endpoint:
                    raise  # a wrong argument is the caller's bug: say so
                # A typo in AGENTTRACE_ENDPOINT must not stop the agent.
                warnings.warn(f"agenttrace: {exc}; AGENTTRACE_ENDPOINT ignored, sending to {DEFAULT_ENDPOINT}", stacklevel=2)
                self.endpoint = DEFAULT_ENDPOINT
                transport = open_transport(self.endpoint, udp_batch_bytes, token)
            sender_id = f"{socket.gethostname()[:40]}:{os.getpid()}:{getrandbits(32):08x}"
            self._sender = Sender(transport, sender_id, maxsize=queue_size, periodic=self._periodic)
            self._owner = True
            self._samplers = [self.sampler]
        self._put: Callable[[Any], None] = self._sender.put
        # The hot path: a C-level partial instead of a Python method call.
        self.span = functools.partial(Span, self)  # type: ignore[method-assign]
        self._send_session()
        _live.add(self)
        if set_global:
            set_tracer(self)

    # -- spans -------------------------------------------------------------
    def span(
        self,
        name: str,
        kind: Any = "custom",
        *,
        parent: Span | None = None,
        trace_id: str | None = None,
        parent_span_id: str | None = None,
        attributes: dict[str, Any] | None = None,
        **attrs: Any,
    ) -> Span:
        """A span to use with ``with`` / ``async with``; keyword args become attributes.

        ``parent`` overrides the current span as parent; ``trace_id`` (and
        ``parent_span_id``) continue a trace started in another process.
        """
        return Span(self, name, kind, parent=parent, trace_id=trace_id, parent_span_id=parent_span_id, attributes=attributes, **attrs)

    def start_span(self, name: str, kind: Any = "custom", **kw: Any) -> Span:
        """A started span that is *not* made current; call ``span.end()``."""
        return Span(self, name, kind, **kw).start()

    def trace(self, _fn: Any = None, **kw: Any) -> Any:
        """``@tracer.trace(...)``: like the module-level ``trace`` bound to this tracer."""
        return _trace(_fn, tracer=self, **kw)

    def fork_session(self, session_name: str | None = None, **kw: Any) -> Tracer:
        """Another session sharing this tracer's socket and sender thread.

        For one process that runs many agent sessions at once (a server, the
        demo): each gets its own session id and metadata without its own
        thread. Closing it ends its session; closing the owner stops the sender.
        A span started inside another session's span joins that span's trace
        and so its session (a trace belongs to one session).
        """
        kw.setdefault("set_global", False)
        kw.setdefault("previews", self.previews)
        kw.setdefault("preview_chars", self.preview_chars)
        return Tracer(session_name, _share=self, **kw)

    def wrap(self, fn: F) -> F:
        """``fn`` carrying the current span into another thread or executor."""
        return wrap(fn)

    def current_span(self) -> Span | None:
        return current_span()

    def event(self, name: str, attributes: dict[str, Any] | None = None, **kw: Any) -> bool:
        """Add an event to the current span; False if there is none."""
        span = _current.get()
        if span is None:
            return False
        span.add_event(name, attributes, **kw)
        return True

    def metric(self, name: str, value: float, labels: dict[str, str] | None = None, kind: str = "gauge") -> None:
        rec: dict[str, Any] = {"v": 1, "type": "metric", "name": name, "value": float(value), "time_ns": time.time_ns(),
                               "metric_kind": kind, "session_id": self.session_id}
        if labels:
            rec["labels"] = {str(k): str(v) for k, v in labels.items()}
        self._put(rec)

    def preview(self, value: Any) -> str | None:
        """``value`` as text (``as_text``: a dict, list or tuple as JSON) cut to ``preview_chars``
        (None when previews are off)."""
        if value is None or not self.previews:
            return None
        text = as_text(value)
        if len(text) > self.preview_chars:
            return text[: self.preview_chars] + "…"
        return text

    # -- plumbing used by Span ---------------------------------------------
    def _emit_event(self, span: Span, ev: dict[str, Any]) -> None:
        if span._trace.decision != KEEP:
            return  # buffered spans carry their events with them
        rec = {"v": 1, "type": "event", "trace_id": span.trace_id, "span_id": span.span_id, **ev}
        self._put(rec)

    def _periodic(self) -> None:
        now = time.time_ns()
        for sampler in list(self._samplers):
            sampler.promote_slow(now, self._put)

    def _send_session(self, ended: bool = False) -> None:
        rec: dict[str, Any] = {
            "v": 1,
            "type": "session",
            "session_id": self.session_id,
            "hostname": socket.gethostname(),
            "started_ns": self.started_ns,
            "attributes": self.session_attributes,
        }
        for key in ("name", "framework", "framework_version", "service"):
            value = self.session_name if key == "name" else getattr(self, key)
            if value is not None:
                rec[key] = value
        if self.tags:
            rec["tags"] = self.tags
        if ended:
            rec["ended_ns"] = time.time_ns()
            stats = self.stats()
            rec["attributes"] = {**self.session_attributes, "sdk.dropped": stats["dropped"], "sdk.sent": stats["sent"]}
        self._put(rec)

    # -- lifecycle -----------------------------------------------------------
    def stats(self) -> dict[str, int]:
        """Counters: records sent, dropped (queue full), failed sends, etc."""
        s = self._sender
        return {
            "queued": len(s.queue),
            "sent": s.sent,
            "dropped": s.dropped,
            "failed": s.failed,
            "transport_errors": s.transport.errors,
            "connect_failures": getattr(s.transport, "connect_failures", 0),
            "oversized": s.oversized,
            "encode_errors": s.encode_errors,
            "sampled_out_traces": self.sampler.dropped_traces,
            "sampling_overflow": self.sampler.overflow,
            "seq": s.seq,
        }

    @property
    def sender_id(self) -> str:
        return self._sender.sender_id

    def flush(self, timeout: float | None = None) -> bool:
        """Block until queued records are written (True) or ``timeout`` passes."""
        return self._sender.flush(self.flush_timeout if timeout is None else timeout)

    def close(self, timeout: float | None = None) -> bool:
        """End the session, flush, stop the sender. Idempotent."""
        if self.closed:
            return True
        self.closed = True
        self._send_session(ended=True)
        wait = self.flush_timeout if timeout is None else timeout
        done = self._sender.stop(wait) if self._owner else self._sender.flush(wait)
        _live.discard(self)
        if get_tracer() is self:
            set_tracer(None)
        return done

    def __enter__(self) -> Tracer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


@atexit.register
def _close_all() -> None:
    # Sessions sharing a sender first, so their "ended" records still go out.
    for tracer in sorted(_live, key=lambda t: t._owner):
        try:
            tracer.close()
        except Exception:  # noqa: BLE001 - never fail interpreter exit
            pass


__all__ = ["Tracer", "get_tracer", "set_tracer", "EndpointError"]
