"""Shared plumbing for the SDK instrumentations: patching and stream proxies.

Patching replaces a method on the SDK's resource *class* (so every client,
existing or future, is covered) and remembers the original for
``uninstrument``. A streaming call returns a proxy around the SDK's stream:
it passes every event through unchanged, lets the instrumentation read each
one, and ends the span when the stream is exhausted, fails, or is closed.
The span of a stream is not made current while the consumer iterates (the
consumer's own spans are not the LLM call's children).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..span import Span
from ..tracer import Tracer, get_tracer

_originals: dict[tuple[type, str], Any] = {}


def patch(cls: type, name: str, make: Callable[[Any], Any]) -> None:
    if (cls, name) in _originals:
        return  # already instrumented: never wrap twice
    original = cls.__dict__[name]
    _originals[(cls, name)] = original
    wrapper = make(original)
    wrapper.__wrapped__ = original
    setattr(cls, name, wrapper)


def unpatch(cls: type, name: str) -> None:
    original = _originals.pop((cls, name), None)
    if original is not None:
        setattr(cls, name, original)


def is_patched(cls: type, name: str) -> bool:
    return (cls, name) in _originals


def tracer_or_none(bound: Tracer | None) -> Tracer | None:
    return bound if bound is not None and not bound.closed else get_tracer()


def given(value: Any) -> bool:
    """The SDKs mark absent arguments with NotGiven/Omit sentinels."""
    return value is not None and type(value).__name__ not in ("NotGiven", "Omit")


def text_of(content: Any) -> str | None:
    """Plain text of a message content: a string or a list of text blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, (list, tuple)):
        parts = []
        for block in content:
            if isinstance(block, dict):
                t = block.get("text") or block.get("content")
            else:
                t = getattr(block, "text", None)
            if isinstance(t, str):
                parts.append(t)
        return "\n".join(parts) if parts else None
    return None


def last_user_text(messages: Any) -> str | None:
    """The last user message's text: what the call was asked."""
    if not isinstance(messages, (list, tuple)):
        return text_of(messages)
    for msg in reversed(messages):
        role = msg.get("role") if isinstance(msg, dict) else getattr(msg, "role", None)
        if role in (None, "user"):
            content = msg.get("content") if isinstance(msg, dict) else getattr(msg, "content", None)
            text = text_of(content)
            if text:
                return text
    return None


def field(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    value = getattr(obj, name, default)
    return default if value is None else value


def fail(span: Span, exc: BaseException) -> None:
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        span.set_attribute("http.response.status_code", status)
    span.end(exc)


class _StreamProxy:
    """What the sync and async stream proxies share: the span and how it ends."""

    def __init__(self, stream: Any, span: Span, on_event: Callable[[Any], None], on_done: Callable[[], None]) -> None:
        self._stream = stream
        self._span = span
        self._on_event = on_event
        self._on_done = on_done
        self._iter: Any = None

    def _finish(self, exc: BaseException | None = None) -> None:
        if self._span.end_ns is not None:
            return
        if exc is None:
            try:
                self._on_done()
            except Exception:  # noqa: BLE001 - never break the agent's stream
                pass
            self._span.end()
        else:
            fail(self._span, exc)


class SyncStreamProxy(_StreamProxy):
    """Iterates a sync SDK stream, feeding each event to ``on_event``; ends the span."""

    def __iter__(self) -> SyncStreamProxy:
        return self

    def __next__(self) -> Any:
        if self._iter is None:
            self._iter = iter(self._stream)
        try:
            event = next(self._iter)
        except StopIteration:
            self._finish()
            raise
        except BaseException as exc:
            self._finish(exc)
            raise
        try:
            self._on_event(event)
        except Exception:  # noqa: BLE001
            pass
        return event

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            self._finish()

    def __enter__(self) -> SyncStreamProxy:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class AsyncStreamProxy(_StreamProxy):
    """The async twin of SyncStreamProxy."""

    def __aiter__(self) -> AsyncStreamProxy:
        return self

    async def __anext__(self) -> Any:
        if self._iter is None:
            self._iter = self._stream.__aiter__()
        try:
            event = await self._iter.__anext__()
        except StopAsyncIteration:
            self._finish()
            raise
        except BaseException as exc:
            self._finish(exc)
            raise
        try:
            self._on_event(event)
        except Exception:  # noqa: BLE001
            pass
        return event

    async def close(self) -> None:
        try:
            await self._stream.close()
        finally:
            self._finish()

    async def __aenter__(self) -> AsyncStreamProxy:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


#: How one SDK call is recorded: start(tracer, kwargs, streaming) -> Span,
#: record(span, result) for a whole response, stream_state(span) -> an object
#: with on_event(event) and on_done() for a streamed one.
Start = Callable[[Tracer, dict[str, Any], bool], Span]
Record = Callable[[Span, Any], None]
StreamState = Callable[[Span], Any]


def wrap_create(original: Any, settings: dict[str, Any], start: Start, record: Record, stream_state: StreamState) -> Any:
    """A traced ``create`` (sync): one span per call, streamed or not."""

    @functools.wraps(original)
    def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = tracer_or_none(settings["tracer"])
        if tracer is None:
            return original(self, *args, **kwargs)
        streaming = kwargs.get("stream") is True
        span = start(tracer, kwargs, streaming)
        try:
            result = original(self, *args, **kwargs)
        except BaseException as exc:
            fail(span, exc)
            raise
        if streaming:
            state = stream_state(span)
            return SyncStreamProxy(result, span, state.on_event, state.on_done)
        record(span, result)
        span.end()
        return result

    return create


def wrap_acreate(original: Any, settings: dict[str, Any], start: Start, record: Record, stream_state: StreamState) -> Any:
    """The async twin of ``wrap_create``."""

    @functools.wraps(original)
    async def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = tracer_or_none(settings["tracer"])
        if tracer is None:
            return await original(self, *args, **kwargs)
        streaming = kwargs.get("stream") is True
        span = start(tracer, kwargs, streaming)
        try:
            result = await original(self, *args, **kwargs)
        except BaseException as exc:
            fail(span, exc)
            raise
        if streaming:
            state = stream_state(span)
            return AsyncStreamProxy(result, span, state.on_event, state.on_done)
        record(span, result)
        span.end()
        return result

    return create
