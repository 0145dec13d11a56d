"""Auto-instrumentation of the official ``openai`` SDK.

``instrument_openai()`` wraps ``chat.completions.create`` and
``responses.create``, sync and async, including ``stream=True``. Each call is
an ``llm_call`` span (``openai.chat.completions.create`` /
``openai.responses.create``) with model, provider, temperature, max tokens,
finish reason, token usage (cached and reasoning tokens included), truncated
prompt/response previews, and errors.

OpenAI's ``prompt_tokens`` / ``input_tokens`` already include cached tokens,
which is the monitor's convention, so they are passed through as they are.
A streamed chat completion carries usage only if the caller asked for it
(``stream_options={"include_usage": True}``); the request is never changed
behind the caller's back, so without it the span has no usage (the monitor
may estimate it). The ``.stream()`` helper methods are not wrapped.
"""

from __future__ import annotations

import functools
from typing import Any

from ..span import Span
from ..tracer import Tracer
from ._common import (
    field,
    given,
    is_patched,
    last_user_text,
    patch,
    text_of,
    unpatch,
    wrap_acreate,
    wrap_create,
)

PROVIDER = "openai"
_settings: dict[str, Any] = {"previews": True, "tracer": None}


def _classes() -> dict[str, tuple[type, type]]:
    from openai.resources.chat.completions.completions import (
        AsyncCompletions,
        Completions,
    )
    from openai.resources.responses.responses import AsyncResponses, Responses

    return {"chat": (Completions, AsyncCompletions), "responses": (Responses, AsyncResponses)}


def instrument_openai(tracer: Tracer | None = None, *, previews: bool = True) -> bool:
    """Patch the openai SDK; False if it is not installed. Idempotent."""
    try:
        classes = _classes()
    except ImportError:
        return False
    _settings["previews"] = previews
    _settings["tracer"] = tracer
    for api, (sync_cls, async_cls) in classes.items():
        patch(sync_cls, "create", functools.partial(_wrap, api=api))
        patch(async_cls, "create", functools.partial(_awrap, api=api))
    return True


def uninstrument_openai() -> None:
    try:
        classes = _classes()
    except ImportError:
        return
    for sync_cls, async_cls in classes.values():
        unpatch(sync_cls, "create")
        unpatch(async_cls, "create")


def is_instrumented() -> bool:
    try:
        return is_patched(_classes()["chat"][0], "create")
    except ImportError:
        return False


# -- recording ---------------------------------------------------------------
def _opt(kwargs: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = kwargs.get(key)
        if given(value):
            return value
    return None


def _start(tracer: Tracer, api: str, kwargs: dict[str, Any], streaming: bool) -> Span:
    name = "openai.chat.completions.create" if api == "chat" else "openai.responses.create"
    span = tracer.span(name, kind="llm_call")
    previews = _settings["previews"]
    prompt = None
    if previews:
        prompt = last_user_text(kwargs.get("messages")) if api == "chat" else last_user_text(kwargs.get("input"))
    span.set_llm(
        model=_opt(kwargs, "model"),
        provider=PROVIDER,
        temperature=_opt(kwargs, "temperature"),
        max_tokens=_opt(kwargs, "max_completion_tokens", "max_tokens", "max_output_tokens"),
        prompt=prompt,
    )
    attrs: dict[str, Any] = {"llm.stream": streaming}
    top_p = _opt(kwargs, "top_p")
    if top_p is not None:
        attrs["gen_ai.request.top_p"] = top_p
    tools = _opt(kwargs, "tools")
    if tools is not None:
        try:
            attrs["llm.tools"] = len(tools)
        except TypeError:
            pass
    span.set_attributes(attrs)
    return span.start()


def _usage(span: Span, usage: Any) -> None:
    if usage is None:
        return
    if field(usage, "prompt_tokens") is not None:  # chat completions
        inp, out = field(usage, "prompt_tokens", 0), field(usage, "completion_tokens", 0)
        in_details, out_details = field(usage, "prompt_tokens_details"), field(usage, "completion_tokens_details")
    else:  # responses
        inp, out = field(usage, "input_tokens", 0), field(usage, "output_tokens", 0)
        in_details, out_details = field(usage, "input_tokens_details"), field(usage, "output_tokens_details")
    span.set_tokens(
        inp or 0,
        out or 0,
        cache_read=field(in_details, "cached_tokens", 0) or 0,
        cache_write=field(in_details, "cache_write_tokens", 0) or 0,
        reasoning=field(out_details, "reasoning_tokens", 0) or 0,
        total=field(usage, "total_tokens"),
    )


def _record_chat(span: Span, completion: Any) -> None:
    _usage(span, field(completion, "usage"))
    choices = field(completion, "choices") or []
    first = choices[0] if choices else None
    model = field(completion, "model")
    if model:
        span.set_attribute("llm.response_model", model)
    span.set_llm(
        stop_reason=field(first, "finish_reason"),
        response=text_of(field(field(first, "message"), "content")) if _settings["previews"] else None,
    )


def _record_response(span: Span, response: Any) -> None:
    _usage(span, field(response, "usage"))
    model = field(response, "model")
    if model:
        span.set_attribute("llm.response_model", model)
    reason = field(field(response, "incomplete_details"), "reason") or field(response, "status")
    text = None
    if _settings["previews"]:
        try:
            text = response.output_text
        except Exception:  # noqa: BLE001 - a dict or an odd object: walk it by hand
            text = None
    span.set_llm(stop_reason=reason, response=text or None)
    error = field(response, "error")
    if error is not None:
        span.set_status("error", field(error, "message"), field(error, "code"))


class _ChatStream:
    """Accumulates ``ChatCompletionChunk``s."""

    def __init__(self, span: Span) -> None:
        self.span = span
        self.text: list[str] = []
        self.size = 0
        self.finish: str | None = None
        self.usage: Any = None
        self.model: str | None = None

    def on_event(self, chunk: Any) -> None:
        self.model = field(chunk, "model") or self.model
        usage = field(chunk, "usage")
        if usage is not None:
            self.usage = usage
        for choice in field(chunk, "choices") or []:
            if field(choice, "index", 0) != 0:
                continue
            self.finish = field(choice, "finish_reason") or self.finish
            content = field(field(choice, "delta"), "content")
            if isinstance(content, str) and self.size < 8 * 1024:
                self.text.append(content)
                self.size += len(content)

    def on_done(self) -> None:
        _usage(self.span, self.usage)
        if self.model:
            self.span.set_attribute("llm.response_model", self.model)
        self.span.set_llm(stop_reason=self.finish, response="".join(self.text) if _settings["previews"] and self.text else None)


class _ResponseStream:
    """Waits for the terminal ``response.completed`` (or failed/incomplete) event."""

    def __init__(self, span: Span) -> None:
        self.span = span
        self.final: Any = None

    def on_event(self, event: Any) -> None:
        if field(event, "type") in ("response.completed", "response.incomplete", "response.failed"):
            self.final = field(event, "response")

    def on_done(self) -> None:
        if self.final is not None:
            _record_response(self.span, self.final)


def _record(api: str, span: Span, result: Any) -> None:
    (_record_chat if api == "chat" else _record_response)(span, result)


def _stream_state(api: str, span: Span) -> Any:
    return _ChatStream(span) if api == "chat" else _ResponseStream(span)


# -- wrappers ----------------------------------------------------------------
def _hooks(api: str) -> tuple[Any, Any, Any]:
    def start(tracer: Tracer, kwargs: dict[str, Any], streaming: bool) -> Span:
        return _start(tracer, api, kwargs, streaming)

    return start, functools.partial(_record, api), functools.partial(_stream_state, api)


def _wrap(original: Any, *, api: str) -> Any:
    return wrap_create(original, _settings, *_hooks(api))


def _awrap(original: Any, *, api: str) -> Any:
    return wrap_acreate(original, _settings, *_hooks(api))
