"""``@trace``: a span around a function, coroutine, or generator.

For generators (sync and async) the span covers the whole iteration, from the
first ``next`` to exhaustion, an exception, or ``close()``. The span is made
current only while the generator's own code runs (each step), never while
the consumer runs between steps, so spans the consumer opens are not
mistaken for the generator's children.

The tracer is looked up at call time (``get_tracer()`` unless one is bound),
so functions can be decorated at import time, before any Tracer exists;
without a tracer they run untraced.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .context import _current, get_tracer

_CO_GENERATOR = 0x20
_CO_COROUTINE = 0x80
_CO_ASYNC_GENERATOR = 0x200


def _flavour(fn: Callable[..., Any]) -> str:
    """'agen', 'gen', 'coro' or 'sync' (code flags: `inspect` is slow to import)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        import inspect

        if inspect.isasyncgenfunction(fn):
            return "agen"
        if inspect.isgeneratorfunction(fn):
            return "gen"
        return "coro" if inspect.iscoroutinefunction(fn) else "sync"
    flags = code.co_flags
    if flags & _CO_ASYNC_GENERATOR:
        return "agen"
    if flags & _CO_GENERATOR:
        return "gen"
    if flags & _CO_COROUTINE or getattr(fn, "_is_coroutine_marker", None) is not None:
        return "coro"
    return "sync"


def _resolve(bound: Any) -> Any:
    if bound is not None:
        return bound
    return get_tracer()


def trace(_fn: Any = None, *, name: str | None = None, kind: Any = "custom", tracer: Any = None, **attributes: Any) -> Any:
    """Decorate a function so each call is a span.

    ``@trace``, ``@trace(kind=...)``, ``@trace("span name", kind=...)``;
    other keyword arguments become attributes of every span.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        span_name = name or getattr(fn, "__qualname__", None) or repr(fn)
        flavour = _flavour(fn)

        if flavour == "agen":

            @functools.wraps(fn)
            async def agen_wrapper(*args: Any, **kwargs: Any) -> Any:
                t = _resolve(tracer)
                agen = fn(*args, **kwargs)
                if t is None:
                    async for item in agen:
                        yield item
                    return
                span = t.span(span_name, kind, **attributes).start()
                value: Any = None
                pending: BaseException | None = None
                try:
                    while True:
                        token = _current.set(span)
                        try:
                            if pending is None:
                                item = await agen.asend(value)
                            else:
                                err, pending = pending, None
                                item = await agen.athrow(err)
                        except StopAsyncIteration:
                            break
                        finally:
                            _reset(token, span)
                        try:
                            value = yield item
                        except GeneratorExit:
                            await agen.aclose()
                            raise
                        except BaseException as exc:  # noqa: BLE001 -- thrown in by the consumer: pass it on
                            pending = exc
                except BaseException as exc:
                    span.end(exc)
                    raise
                span.end()

            return agen_wrapper

        if flavour == "gen":

            @functools.wraps(fn)
            def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
                t = _resolve(tracer)
                gen = fn(*args, **kwargs)
                if t is None:
                    return (yield from gen)
                span = t.span(span_name, kind, **attributes).start()
                value: Any = None
                pending: BaseException | None = None
                try:
                    while True:
                        token = _current.set(span)
                        try:
                            if pending is None:
                                item = gen.send(value)
                            else:
                                err, pending = pending, None
                                item = gen.throw(err)
                        except StopIteration as stop:
                            result = stop.value
                            break
                        finally:
                            _reset(token, span)
                        try:
                            value = yield item
                        except GeneratorExit:
                            gen.close()
                            raise
                        except BaseException as exc:  # noqa: BLE001 -- thrown in by the consumer: pass it on
                            pending = exc
                except BaseException as exc:
                    span.end(exc)
                    raise
                span.end()
                return result

            return gen_wrapper

        if flavour == "coro":

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                t = _resolve(tracer)
                if t is None:
                    return await fn(*args, **kwargs)
                async with t.span(span_name, kind, **attributes):
                    return await fn(*args, **kwargs)

            return async_wrapper

        @functools.wraps(fn)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            t = _resolve(tracer)
            if t is None:
                return fn(*args, **kwargs)
            with t.span(span_name, kind, **attributes):
                return fn(*args, **kwargs)

        return sync_wrapper

    if isinstance(_fn, str):  # @trace("span name", kind=...)
        name = _fn
    elif _fn is not None and callable(_fn):
        return decorate(_fn)
    return decorate


def _reset(token: Any, span: Any) -> None:
    try:
        _current.reset(token)
    except (ValueError, RuntimeError):
        _current.set(None)
