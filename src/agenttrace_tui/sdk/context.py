"""Which span is current: one ContextVar, and helpers to carry it elsewhere.

Also the process-wide default tracer (``get_tracer``/``set_tracer``): the
decorators find it here without importing the tracer module, which imports them.

asyncio copies the context into every task it creates (``gather``,
``create_task``, ``TaskGroup``, ``to_thread``), so parenting there is automatic.
A plain ``threading.Thread`` or an executor does not copy it: hand the function
through :func:`wrap` (or ``Tracer.wrap``) and it runs with the caller's
current span as parent.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .span import Span
    from .tracer import Tracer

F = TypeVar("F", bound=Callable[..., Any])

_current: contextvars.ContextVar[Span | None] = contextvars.ContextVar("agenttrace_current_span", default=None)


_global: Tracer | None = None


def get_tracer() -> Tracer | None:
    """The global tracer (the first one created, or the one set last)."""
    return _global


def set_tracer(tracer: Tracer | None) -> None:
    global _global
    _global = tracer


def current_span() -> Span | None:
    """The span the calling code runs inside, or None."""
    return _current.get()


def wrap(fn: F) -> F:
    """``fn`` bound to a copy of the calling context (current span included).

    Use it for ``threading.Thread(target=wrap(work))`` or
    ``executor.submit(wrap(work), ...)``. Each call runs in its own copy, so a
    wrapped function may be called from several threads at once.
    """
    ctx = contextvars.copy_context()

    @functools.wraps(fn)
    def run_in_context(*args: Any, **kwargs: Any) -> Any:
        return ctx.copy().run(fn, *args, **kwargs)

    return run_in_context  # type: ignore[return-value]


def copy_context() -> contextvars.Context:
    """A snapshot of the current context, for ``ctx.run(fn)`` in another thread."""
    return contextvars.copy_context()
