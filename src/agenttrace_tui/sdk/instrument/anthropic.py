"""Auto-instrumentation of the official ``anthropic`` SDK.

``instrument_anthropic()`` wraps ``messages.create`` (sync and async, with and
without ``stream=True``) and ``messages.stream`` (sync and async) on every
client. Each call becomes an ``llm_call`` span named
``anthropic.messages.create`` / ``anthropic.messages.stream`` with model,
provider, temperature, max_tokens, stop reason, token usage and truncated
prompt/response previews; an API error marks it ``error`` and is re-raised.

Anthropic reports cache tokens *beside* ``input_tokens``; the monitor's
convention counts them *in* ``input`` (see ``Span.set_tokens``), so they are
added here: input = input_tokens + cache_read_input_tokens +
cache_creation_input_tokens. Previews follow the tracer's ``previews``
switch, or ``instrument_anthropic(previews=False)``.
"""

from __future__ import annotations

import functools
from typing import Any

from ..span import Span
from ..tracer import Tracer
from ._common import (
    fail,
    field,
    given,
    is_patched,
    last_user_text,
    patch,
    text_of,
    tracer_or_none,
    unpatch,
    wrap_acreate,
    wrap_create,
)

PROVIDER = "anthropic"
_settings: dict[str, Any] = {"previews": True, "tracer": None}


def _classes() -> tuple[type, type]:
    from anthropic.resources.messages.messages import AsyncMessages, Messages

    return Messages, AsyncMessages


def instrument_anthropic(tracer: Tracer | None = None, *, previews: bool = True) -> bool:
    """Patch the anthropic SDK; False if it is not installed. Idempotent."""
    try:
        Messages, AsyncMessages = _classes()
    except ImportError:
        return False
    _settings["previews"] = previews
    _settings["tracer"] = tracer
    patch(Messages, "create", _wrap_create)
    patch(AsyncMessages, "create", _wrap_acreate)
    patch(Messages, "stream", _wrap_stream)
    patch(AsyncMessages, "stream", _wrap_astream)
    return True


def uninstrument_anthropic() -> None:
    try:
        Messages, AsyncMessages = _classes()
    except ImportError:
        return
    for cls in (Messages, AsyncMessages):
        unpatch(cls, "create")
        unpatch(cls, "stream")


def is_instrumented() -> bool:
    try:
        return is_patched(_classes()[0], "create")
    except ImportError:
        return False


# -- recording ---------------------------------------------------------------
def _start(tracer: Tracer, name: str, kwargs: dict[str, Any], streaming: bool) -> Span:
    span = tracer.span(name, kind="llm_call")
    previews = _settings["previews"]
    span.set_llm(
        model=kwargs.get("model") if given(kwargs.get("model")) else None,
        provider=PROVIDER,
        temperature=kwargs.get("temperature") if given(kwargs.get("temperature")) else None,
        max_tokens=kwargs.get("max_tokens") if given(kwargs.get("max_tokens")) else None,
        prompt=last_user_text(kwargs.get("messages")) if previews else None,
    )
    attrs: dict[str, Any] = {"llm.stream": streaming}
    for key in ("top_p", "top_k"):
        if given(kwargs.get(key)):
            attrs[f"gen_ai.request.{key}"] = kwargs[key]
    tools: Any = kwargs.get("tools")
    if given(tools):
        try:
            attrs["llm.tools"] = len(tools)
        except TypeError:
            pass
    thinking = kwargs.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type"):
        attrs["llm.thinking"] = thinking["type"]
    span.set_attributes(attrs)
    return span.start()


def _usage(span: Span, usage: Any) -> None:
    if usage is None:
        return
    cache_read = field(usage, "cache_read_input_tokens", 0) or 0
    cache_write = field(usage, "cache_creation_input_tokens", 0) or 0
    inp = (field(usage, "input_tokens", 0) or 0) + cache_read + cache_write
    reasoning = field(field(usage, "output_tokens_details"), "thinking_tokens", 0) or 0
    span.set_tokens(inp, field(usage, "output_tokens", 0) or 0, cache_read=cache_read, cache_write=cache_write, reasoning=reasoning)


def _record_message(span: Span, msg: Any) -> None:
    _usage(span, field(msg, "usage"))
    model = field(msg, "model")
    if model:
        span.set_attribute("llm.response_model", model)
    span.set_llm(
        stop_reason=field(msg, "stop_reason"),
        response=text_of(field(msg, "content")) if _settings["previews"] else None,
    )


class _StreamState:
    """Accumulates what the raw SSE events of ``create(stream=True)`` say."""

    def __init__(self, span: Span) -> None:
        self.span = span
        self.text: list[str] = []
        self.size = 0
        self.usage: dict[str, Any] = {}
        self.stop_reason: str | None = None
        self.model: str | None = None

    def on_event(self, event: Any) -> None:
        kind = field(event, "type")
        if kind == "message_start":
            msg = field(event, "message")
            self.model = field(msg, "model")
            self._merge_usage(field(msg, "usage"))
        elif kind == "content_block_delta":
            delta = field(event, "delta")
            text = field(delta, "text")
            if isinstance(text, str) and self.size < 8 * 1024:
                self.text.append(text)
                self.size += len(text)
        elif kind == "message_delta":
            self.stop_reason = field(field(event, "delta"), "stop_reason") or self.stop_reason
            self._merge_usage(field(event, "usage"))

    def _merge_usage(self, usage: Any) -> None:
        if usage is None:
            return
        for key in ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"):
            value = field(usage, key)
            if value is not None:
                self.usage[key] = value  # message_delta counts are cumulative
        details = field(usage, "output_tokens_details")
        if details is not None:
            self.usage["output_tokens_details"] = {"thinking_tokens": field(details, "thinking_tokens", 0)}

    def on_done(self) -> None:
        if self.usage:
            _usage(self.span, self.usage)
        if self.model:
            self.span.set_attribute("llm.response_model", self.model)
        self.span.set_llm(stop_reason=self.stop_reason, response="".join(self.text) if _settings["previews"] and self.text else None)


# -- wrappers ----------------------------------------------------------------
def _start_create(tracer: Tracer, kwargs: dict[str, Any], streaming: bool) -> Span:
    return _start(tracer, "anthropic.messages.create", kwargs, streaming)


def _wrap_create(original: Any) -> Any:
    return wrap_create(original, _settings, _start_create, _record_message, _StreamState)


def _wrap_acreate(original: Any) -> Any:
    return wrap_acreate(original, _settings, _start_create, _record_message, _StreamState)


class _StreamManager:
    """Wraps ``messages.stream(...)``: the span runs from ``__enter__`` to ``__exit__``."""

    def __init__(self, manager: Any, tracer: Tracer, kwargs: dict[str, Any]) -> None:
        self._manager = manager
        self._tracer = tracer
        self._kwargs = kwargs
        self._span: Span | None = None
        self._stream: Any = None

    def _begin(self) -> Span:
        self._span = _start(self._tracer, "anthropic.messages.stream", self._kwargs, True)
        return self._span

    def _end(self, exc: BaseException | None) -> None:
        span = self._span
        if span is None or span.end_ns is not None:
            return
        if exc is not None:
            fail(span, exc)
            return
        snapshot = getattr(self._stream, "_current_snapshot_or_none", None)
        try:
            msg = snapshot() if callable(snapshot) else self._stream.current_message_snapshot
        except Exception:  # noqa: BLE001 - no snapshot yet (nothing was read)
            msg = None
        if msg is not None:
            _record_message(span, msg)
        span.end()

    def __enter__(self) -> Any:
        span = self._begin()
        try:
            self._stream = self._manager.__enter__()
        except BaseException as exc:
            fail(span, exc)
            raise
        return self._stream

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> Any:
        try:
            return self._manager.__exit__(exc_type, exc, tb)
        finally:
            self._end(exc)

    async def __aenter__(self) -> Any:
        span = self._begin()
        try:
            self._stream = await self._manager.__aenter__()
        except BaseException as exc:
            fail(span, exc)
            raise
        return self._stream

    async def __aexit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> Any:
        try:
            return await self._manager.__aexit__(exc_type, exc, tb)
        finally:
            self._end(exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)


def _wrap_stream(original: Any) -> Any:
    @functools.wraps(original)
    def stream(self: Any, *args: Any, **kwargs: Any) -> Any:
        manager = original(self, *args, **kwargs)
        tracer = tracer_or_none(_settings["tracer"])
        return manager if tracer is None else _StreamManager(manager, tracer, kwargs)

    return stream


_wrap_astream = _wrap_stream  # AsyncMessages.stream is a plain def returning an async manager
