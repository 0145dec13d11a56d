"""agenttrace_tui.sdk: report a Python agent's work to the monitor.

    from agenttrace_tui.sdk import Tracer
    tracer = Tracer(session_name="my-agent")

Light on purpose: importing it loads msgspec and the standard library only
(no Textual, no Rich, none of the monitor), and sending happens on a
background thread. See docs/sdk.md.
"""

from __future__ import annotations

from typing import Any

from .context import copy_context, current_span, wrap
from .decorators import trace
from .sampling import Sampler, clamp_rate
from .span import Span
from .tracer import Tracer, get_tracer, set_tracer
from .transport import DEFAULT_ENDPOINT, EndpointError, parse_endpoint

__all__ = [
    "Tracer",
    "Span",
    "Sampler",
    "trace",
    "get_tracer",
    "set_tracer",
    "current_span",
    "wrap",
    "copy_context",
    "clamp_rate",
    "parse_endpoint",
    "EndpointError",
    "DEFAULT_ENDPOINT",
    "AgentTraceLogHandler",
    "instrument_anthropic",
    "uninstrument_anthropic",
    "instrument_openai",
    "uninstrument_openai",
]


def __getattr__(name: str) -> Any:
    # Loaded on first use so that `import agenttrace_tui.sdk` stays light.
    if name == "AgentTraceLogHandler":
        from .logging import AgentTraceLogHandler

        return AgentTraceLogHandler
    if name in ("instrument_anthropic", "uninstrument_anthropic"):
        from .instrument import anthropic as mod

        return getattr(mod, name)
    if name in ("instrument_openai", "uninstrument_openai"):
        from .instrument import openai

        return getattr(openai, name)
    raise AttributeError(f"module 'agenttrace_tui.sdk' has no attribute {name!r}")
