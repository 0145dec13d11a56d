"""A server tracing its own methods -> the GenAI keys the tables read.

The Letta server (scope ``letta.otel.tracing``) traces each of its traced methods as a span named
``Class.method``, each argument as ``parameter.<name>``: the Python ``repr`` of the value, no GenAI
key on any. A few of those methods are what a user watches: the model's answer being read
(``OpenAIClient.convert_response_to_chat_completion``: the answer, its usage and model in
``parameter.response_data``, the model config in ``parameter.llm_config``, the conversation sent in
``parameter.input_messages``), a refused request (``OpenAIClient.request_async`` failed: no answer
to read), a tool run (``LettaAgent._execute_tool``: ``parameter.tool_name``, ``parameter.tool_args``,
its result in the ``finish_<tool>_execution`` event's ``func_return``). ``read_traced_method`` writes
the GenAI keys those spans mean into their attributes, so the tables read them as they read any
model call or tool call; every other method span of the client is internal (``span_kinds``).

The ``repr`` is read by small bounded patterns over a length-capped string, never evaluated:
a value too long, or not of the shape the patterns know, gives no key.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Clients whose method spans are read here, by the span's name: (pattern, what the span is).
#: ``answer``: the model's answer being read, the model call (its usage in the answer);
#: ``request``: the request to the model, the model call only when it failed (no answer read);
#: ``tool``: a tool's run.
TRACED_METHODS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "letta": (
        (re.compile(r"^[A-Za-z]\w*Client\.convert_response_to_chat_completion$"), "answer"),
        (re.compile(r"^[A-Za-z]\w*Client\.(?:request|request_async|stream_async)$"), "request"),
        (re.compile(r"^LettaAgent\._execute_tool$"), "tool"),
    ),
}
#: The argument holding the model's answer (an OpenAI Chat Completions answer, as a dict's repr).
RESPONSE_KEY = "parameter.response_data"
#: The argument holding the request (a dict's repr: ``'model'``, ``'messages'`` ...).
REQUEST_KEY = "parameter.request_data"
#: The argument holding the model's config (a pydantic model's repr: ``model='gpt-4o-mini' ...
#: provider_name='openai' ...``).
CONFIG_KEY = "parameter.llm_config"
#: The argument holding the conversation sent (a list of Letta ``Message`` reprs).
MESSAGES_KEY = "parameter.input_messages"
#: A tool run's name and arguments (a dict's repr).
TOOL_NAME_KEY = "parameter.tool_name"
TOOL_ARGS_KEY = "parameter.tool_args"
#: The event a tool run ends with (``finish_<tool>_execution``) and its attribute holding the result.
TOOL_RESULT_EVENT = re.compile(r"^finish_\w{1,200}_execution$")
TOOL_RESULT_KEY = "func_return"
#: Every key above, for docs/conventions.md.
TRACED_METHOD_KEYS: tuple[str, ...] = (RESPONSE_KEY, REQUEST_KEY, CONFIG_KEY, MESSAGES_KEY, TOOL_NAME_KEY,
                                       TOOL_ARGS_KEY, TOOL_RESULT_KEY)

#: The longest value read: an answer, a request or a conversation longer than this gives no preview;
#: the usage and model are read from the last ``TAIL_CHARS`` of an answer whatever its length.
VALUE_CHARS = 65536
TAIL_CHARS = 2048
_CONFIG_CHARS = 4096
_ARGS_CHARS = 4096

_STR1 = r"'(?:[^'\\]|\\.){0,20000}'"
_STR2 = r'"(?:[^"\\]|\\.){0,20000}"'
_COUNT = r"(\d{1,12})"
_USAGE_COUNTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(rf"'{field}': {_COUNT}")) for key, field in (
        ("gen_ai.usage.input_tokens", "prompt_tokens"),
        ("gen_ai.usage.output_tokens", "completion_tokens"),
        ("gen_ai.usage.total_tokens", "total_tokens"),
        ("gen_ai.usage.cache_read.input_tokens", "cached_tokens"),
        ("gen_ai.usage.reasoning.output_tokens", "reasoning_tokens"),
    ))
_ANSWER_MODEL = re.compile(r"'model': '([^'\\]{1,200})', 'object': 'chat\.completion'")
_ANSWER_ID = re.compile(r"\{'id': '([^'\\]{1,200})'")
_FINISH = re.compile(r"'finish_reason': '(\w{1,40})'")
_CONTENT = re.compile(rf"'message': \{{'content': ({_STR1}|{_STR2})")
_TOOL_CALL = re.compile(r"'function': \{'arguments': ('(?:[^'\\]|\\.){0,8000}'), 'name': '([^'\\]{1,200})'\}")
_CONFIG_MODEL = re.compile(r"^model='([^'\\]{1,200})'")
_CONFIG_PROVIDER = re.compile(r" provider_name='([^'\\]{1,100})'")
#: A Letta ``Message``'s role and its first text part.
_MESSAGE = re.compile(r"role=<MessageRole\.(\w{1,20}): '\w{1,20}'>, content=\[TextContent\("
                      rf"type=<MessageContentType\.text: 'text'>, text=({_STR1}|{_STR2})")
#: A request's message (``{'content': ..., 'role': ...}``).
_REQUEST_MESSAGE = re.compile(rf"\{{'content': ({_STR1}|{_STR2}), 'role': '(\w{{1,20}})'")
#: A flat dict's repr whose values are strings, numbers, booleans or None.
_FLAT_VALUE = rf"(?:{_STR1}|{_STR2}|-?\d{{1,30}}(?:\.\d{{1,30}})?|True|False|None)"
_FLAT_ITEM = re.compile(rf"'(\w{{1,200}})': ({_FLAT_VALUE})")
_FLAT_DICT = re.compile(rf"\{{(?:'\w{{1,200}}': {_FLAT_VALUE}(?:, '\w{{1,200}}': {_FLAT_VALUE}){{0,100}})?\}}")
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}


def traced_method(client: str | None, name: str) -> str | None:
    """What a client's method span is (``TRACED_METHODS``), else None."""
    for pattern, role in TRACED_METHODS.get(client or "", ()):
        if pattern.match(name):
            return role
    return None


def _unquote(literal: str) -> str:
    """A Python string literal's text (its quotes off, its escapes read): never evaluated."""
    def one(m: re.Match[str]) -> str:
        esc = m.group(1)
        if len(esc) > 1:
            return chr(int(esc[1:], 16))
        return _ESCAPES.get(esc, "\\" + esc)
    return _ESCAPE.sub(one, literal[1:-1])


def _python_value(literal: str) -> Any:
    """A flat dict's value (``_FLAT_VALUE``) as JSON's."""
    if literal[0] in "'\"":
        return _unquote(literal)
    if literal in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[literal]
    return float(literal) if "." in literal else int(literal)


def python_dict_json(value: Any) -> str | None:
    """A flat dict's repr (``{'city': 'Paris'}``) as JSON, else None."""
    if value.__class__ is not str or len(value) > _ARGS_CHARS or not _FLAT_DICT.fullmatch(value):
        return None
    return json.dumps({m.group(1): _python_value(m.group(2)) for m in _FLAT_ITEM.finditer(value)})


def _config(attrs: dict[str, Any], out: dict[str, Any]) -> None:
    config = attrs.get(CONFIG_KEY)
    if config.__class__ is not str or len(config) > _CONFIG_CHARS:
        return
    if (model := _CONFIG_MODEL.match(config)) is not None:
        out["gen_ai.request.model"] = model.group(1)
    if (provider := _CONFIG_PROVIDER.search(config)) is not None:
        out["gen_ai.provider.name"] = provider.group(1)


def _answer(value: str, out: dict[str, Any]) -> None:
    tail = value[-TAIL_CHARS:]
    at = tail.rfind("'usage': {")
    if at >= 0:
        usage = tail[at:]
        for key, pattern in _USAGE_COUNTS:
            if (count := pattern.search(usage)) is not None:
                out[key] = int(count.group(1))
        tail = tail[:at]
    models = _ANSWER_MODEL.findall(tail)
    if models:
        out["gen_ai.response.model"] = models[-1]
    if (answer_id := _ANSWER_ID.match(value)) is not None:
        out["gen_ai.response.id"] = answer_id.group(1)
    if len(value) > VALUE_CHARS:
        return
    if (finish := _FINISH.search(value)) is not None:
        out["gen_ai.response.finish_reasons"] = finish.group(1)
    lines = []
    if (content := _CONTENT.search(value)) is not None:
        lines.append(_unquote(content.group(1)))
    for args, tool in _TOOL_CALL.findall(value):
        lines.append(f"[tool_call {tool}({_unquote(args)})]")
    if lines:
        out["gen_ai.completion"] = "\n".join(lines)


def _prompt(attrs: dict[str, Any], out: dict[str, Any]) -> None:
    """The conversation sent, as ``role: text`` lines (the system prompt left out)."""
    messages = attrs.get(MESSAGES_KEY)
    if messages.__class__ is str and len(messages) <= VALUE_CHARS:
        found = [(role, text) for role, text in _MESSAGE.findall(messages)]
    else:
        request = attrs.get(REQUEST_KEY)
        if request.__class__ is not str or len(request) > VALUE_CHARS:
            return
        found = [(role, text) for text, role in _REQUEST_MESSAGE.findall(request)]
    lines = [f"{role}: {_unquote(text)}" for role, text in found if role != "system"]
    if lines:
        out["gen_ai.prompt"] = "\n".join(lines)


def read_traced_method(client: str, name: str, attrs: dict[str, Any],
                       events: list[tuple[str, int, dict[str, Any]]], status_code: int) -> bool:
    """Write into ``attrs`` the GenAI keys a client's method span means (``TRACED_METHODS``);
    whether it wrote any. A key the span sends itself is kept."""
    role = traced_method(client, name)
    out: dict[str, Any] = {}
    if role == "answer":
        value = attrs.get(RESPONSE_KEY)
        if value.__class__ is not str:
            return False
        out["gen_ai.operation.name"] = "chat"
        _config(attrs, out)
        _answer(value, out)
        _prompt(attrs, out)
    elif role == "request" and status_code == 2:  # refused: no answer to read, the request is the call
        out["gen_ai.operation.name"] = "chat"
        _config(attrs, out)
        _prompt(attrs, out)
    elif role == "tool":
        tool = attrs.get(TOOL_NAME_KEY)
        if tool.__class__ is not str or not tool:
            return False
        out["gen_ai.operation.name"] = "execute_tool"
        out["gen_ai.tool.name"] = tool
        args = attrs.get(TOOL_ARGS_KEY)
        if args.__class__ is str:
            out["gen_ai.tool.call.arguments"] = python_dict_json(args) or args
        for ev_name, _time, ev_attrs in events:
            result = ev_attrs.get(TOOL_RESULT_KEY)
            if result.__class__ is str and TOOL_RESULT_EVENT.match(ev_name):
                out["gen_ai.tool.call.result"] = result
    if not out:
        return False
    for key, v in out.items():
        attrs.setdefault(key, v)
    return True
