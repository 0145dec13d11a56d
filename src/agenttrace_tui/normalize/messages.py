"""Prompt and response previews from the message conventions (GenAI, OpenInference, OpenLLMetry).

Messages arrive as JSON-string attributes, as flattened ``<prefix>.<N>.role``
lists, as plain ``input.value``/``output.value`` text, or as per-message span
events; each becomes one bounded preview string per side (the prompt keeps
its end, the response its beginning). Read through ``conventions``.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

#: Longest prompt / response preview kept (characters). The prompt keeps its
#: end (the newest message matters most), the response its beginning.
PREVIEW_CHARS = 2000
#: Longest tool argument / result preview and exception stack kept.
TOOL_PREVIEW_CHARS = 2000
STACK_CHARS = 8000

#: JSON-string message attributes (OTel GenAI, current).
MESSAGE_JSON_KEYS: dict[str, str] = {
    "gen_ai.system_instructions": "prompt",
    "gen_ai.input.messages": "prompt",
    "gen_ai.output.messages": "response",
    # The Vercel AI SDK's ``ai.*`` telemetry: a model call's messages, and the tool calls it answered with.
    "ai.prompt.messages": "prompt",
    "ai.response.toolCalls": "response",
}
#: Flattened message lists: prefix -> prompt/response. Keys look like
#: ``<prefix>.<N>.message.role`` (OpenInference) or ``<prefix>.<N>.role``
#: (OpenLLMetry's deprecated ``gen_ai.prompt.N.content``).
MESSAGE_LIST_PREFIXES: dict[str, str] = {
    "llm.input_messages": "prompt",
    "llm.output_messages": "response",
    "gen_ai.prompt": "prompt",
    "gen_ai.completion": "response",
}
#: Plain-text input/output (OpenInference), used when no messages are given.
VALUE_KEYS: dict[str, str] = {"input.value": "prompt", "output.value": "response"}
#: Deprecated GenAI per-message span events -> prompt/response.
MESSAGE_EVENTS: dict[str, str] = {
    "gen_ai.system.message": "prompt",
    "gen_ai.user.message": "prompt",
    "gen_ai.assistant.message": "prompt",
    "gen_ai.tool.message": "prompt",
    "gen_ai.choice": "response",
    "gen_ai.content.prompt": "prompt",
    "gen_ai.content.completion": "response",
}
#: Span events that carry a whole call's messages as GenAI message attributes
#: (``gen_ai.input.messages`` ...: latest GenAI conventions, Strands' opt-in mode).
MESSAGE_DETAIL_EVENTS: tuple[str, ...] = ("gen_ai.client.inference.operation.details",)
#: Attribute keys inside those events that hold the text.
MESSAGE_EVENT_CONTENT_KEYS: tuple[str, ...] = ("gen_ai.event.content", "content", "gen_ai.prompt", "gen_ai.completion", "message")

_MSG_PREFIXES = ("llm.input_messages.", "llm.output_messages.", "gen_ai.prompt.", "gen_ai.completion.")
_MSG_RE = re.compile(r"^(llm\.input_messages|llm\.output_messages|gen_ai\.prompt|gen_ai\.completion)\.(\d+)\.(.+)$")
_json = msgspec.json.Decoder()


def cut_tail(text: str, limit: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def cut_head(text: str, limit: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _part_text(part: Any) -> str:
    """Text of one GenAI message part (text, tool_call, tool_call_response ...)."""
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        return str(part)
    ptype = part.get("type")
    if "content" in part and isinstance(part["content"], str):
        return part["content"]
    if "toolName" in part:  # the AI SDK's tool call / result parts ({type, toolCallId, toolName, input ...})
        if ptype == "tool-result":
            out = part.get("output", part.get("result", ""))
            if isinstance(out, dict) and "value" in out:
                out = out["value"]
            return f"[tool result {out if isinstance(out, str) else msgspec.json.encode(out).decode()}]"
        args = part.get("input", part.get("args"))
        return f"[tool_call {part['toolName']}({args if isinstance(args, str) else msgspec.json.encode(args).decode()})]"
    if ptype == "tool_call":
        args = part.get("arguments")
        if not isinstance(args, str):
            args = msgspec.json.encode(args).decode() if args is not None else ""
        return f"[tool_call {part.get('name', '')}({args})]"
    if "toolUse" in part and isinstance(part["toolUse"], dict):  # Strands (Bedrock Converse shape)
        use = part["toolUse"]
        args = use.get("input")
        return f"[tool_call {use.get('name', '')}({args if isinstance(args, str) else msgspec.json.encode(args).decode()})]"
    if "toolResult" in part and isinstance(part["toolResult"], dict):
        content = part["toolResult"].get("content")
        texts = [c.get("text", "") for c in content if isinstance(c, dict)] if isinstance(content, list) else [str(content)]
        return f"[tool result {' '.join(t for t in texts if t)}]"
    if ptype == "tool_call_response":
        resp = part.get("response", part.get("result", ""))
        return f"[tool result {resp if isinstance(resp, str) else msgspec.json.encode(resp).decode()}]"
    if "text" in part and isinstance(part["text"], str):
        return part["text"]
    return f"[{ptype or 'part'}]"


def render_messages(value: Any) -> str | None:
    """A GenAI message list (JSON string or list) -> "role: text" lines."""
    if isinstance(value, str):
        try:
            value = _json.decode(value)
        except (msgspec.DecodeError, ValueError):
            return value
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return None
    lines = []
    for msg in value:
        if isinstance(msg, dict):
            role = msg.get("role")
            parts = msg.get("parts")
            if parts is None and "content" in msg:
                content = msg["content"]
                parts = content if isinstance(content, list) else [content]  # (a list of parts: the AI SDK's)
            if parts is None and ("type" in msg or "text" in msg or "toolUse" in msg or "toolResult" in msg
                                  or "toolName" in msg):
                parts = [msg]  # a list of parts (system instructions, Strands' content blocks, AI SDK tool calls)
            if not isinstance(parts, list):
                parts = [parts] if parts is not None else []
            texts = [_part_text(p) for p in parts]
            calls = msg.get("tool_calls")
            if isinstance(calls, list):  # OpenAI's shape beside GenAI parts (LiteLLM's input messages)
                texts += [_part_text({"type": "tool_call", **c["function"]}) for c in calls
                          if isinstance(c, dict) and isinstance(c.get("function"), dict)]
            text = " ".join(t for t in texts if t) if calls else " ".join(texts)
            lines.append(f"{role}: {text}" if role else text)
        else:
            lines.append(_part_text(msg))
    return "\n".join(lines)


def detail_event_previews(events: Any) -> tuple[str | None, str | None]:
    """Prompt and response previews of a model call from its message-detail events.

    ``events`` are ``SpanEvent``-like (``name``, ``attributes``). The GenAI conventions send
    ``gen_ai.client.inference.operation.details`` as a log record naming the call's span
    (Google ADK does), so the previews can only be read once the event has joined its span.
    """
    prompt: list[str] = []
    response: list[str] = []
    for ev in events:
        if ev.name in MESSAGE_DETAIL_EVENTS:
            p, r, _keys = extract_messages(ev.attributes)
            if p:
                prompt.append(p)
            if r:
                response.append(r)
    return (cut_tail("\n".join(prompt)) if prompt else None, cut_head("\n".join(response)) if response else None)


def extract_messages(attributes: dict[str, Any]) -> tuple[str | None, str | None, list[str]]:
    """Prompt and response previews from message attributes, and keys consumed."""
    prompt: list[str] = []
    response: list[str] = []
    used: list[str] = []
    target = {"prompt": prompt, "response": response}
    for key, side in MESSAGE_JSON_KEYS.items():
        if key in attributes:
            text = render_messages(attributes[key])
            if text:
                target[side].append(text)
            used.append(key)
    flat: dict[str, dict[int, dict[str, Any]]] | None = None
    for key in attributes:
        if key.startswith(_MSG_PREFIXES) and (m := _MSG_RE.match(key)):
            if flat is None:
                flat = {}
            flat.setdefault(m.group(1), {}).setdefault(int(m.group(2)), {})[m.group(3)] = attributes[key]
            used.append(key)
    if flat:
        for prefix, msgs in flat.items():
            lines = []
            for _i, fields in sorted(msgs.items()):
                role = fields.get("message.role", fields.get("role"))
                content = fields.get("message.content", fields.get("content"))
                if content is None:
                    texts = [v for k, v in sorted(fields.items()) if k.endswith(".text") and isinstance(v, str)]
                    # ``tool_calls.0.function.name``; ``function_call.name`` (LiteLLM's answer's tool call)
                    calls = [v for k, v in sorted(fields.items()) if k.endswith(("function.name", "function_call.name"))]
                    content = " ".join(texts + [f"[tool_call {c}]" for c in calls])
                lines.append(f"{role}: {content}" if role else str(content))
            target[MESSAGE_LIST_PREFIXES[prefix]].append("\n".join(lines))
    for key, side in VALUE_KEYS.items():
        if key in attributes and not target[side]:
            v = attributes[key]
            target[side].append(v if isinstance(v, str) else str(v))
            used.append(key)
    p = cut_tail("\n".join(prompt)) if prompt else None
    r = cut_head("\n".join(response)) if response else None
    return p, r, used


def message_event_text(name: str, attributes: dict[str, Any]) -> tuple[str, str] | None:
    """(side, text) of a deprecated per-message GenAI event, else None."""
    side = MESSAGE_EVENTS.get(name)
    if side is None:
        return None
    for key in MESSAGE_EVENT_CONTENT_KEYS:
        if key in attributes:
            v = attributes[key]
            text = render_messages(v) if not isinstance(v, str) or v[:1] in "[{" else v
            role = name.split(".")[1] if name.count(".") >= 2 else ""
            return side, (f"{role}: {text}" if role and side == "prompt" else (text or ""))
    return None
