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
#: Keys of ``MESSAGE_JSON_KEYS`` that hold instructions beside the messages, not the messages: the
#: flattened lists of another convention may still be the only messages of that side.
INSTRUCTION_KEYS: frozenset[str] = frozenset({"gen_ai.system_instructions"})
#: Plain-text input/output (OpenInference), used when no messages are given; on a tool span, before
#: any messages (``extract_messages(values_first=True)``): there it is the call's arguments and result,
#: while messages beside it (OpenInference's Strands processor puts the assistant message that asked
#: for the call there) name the call without its arguments.
VALUE_KEYS: dict[str, str] = {"input.value": "prompt", "output.value": "response"}
#: An observation's input and output (Langfuse's SDKs; MLflow Tracing's span inputs and outputs; a
#: LangSmith run's inputs and outputs, which its SDK exports whole as ``gen_ai.prompt`` and
#: ``gen_ai.completion``): any value, as JSON (a plain string as is). Messages (a generation's
#: message list, its request ``{"messages": [...], "tools": ...}``, its answer message, a whole chat
#: completion's ``choices``, LangChain's messages: ``LANGCHAIN_ROLES``) are rendered as messages;
#: anything else (a traced function's ``{"args", "kwargs"}`` or arguments, its return value) is
#: shown as sent. Used when no messages are given. Laminar's ``@observe`` spans carry the function's
#: arguments and return value as ``lmnr.span.input`` / ``lmnr.span.output`` (JSON); Braintrust's
#: OpenTelemetry guide has a user's own span carry its input and output as ``braintrust.input_json`` /
#: ``braintrust.output_json`` (JSON).
OBSERVATION_KEYS: dict[str, str] = {"langfuse.observation.input": "prompt", "langfuse.observation.output": "response",
                                    "mlflow.spanInputs": "prompt", "mlflow.spanOutputs": "response",
                                    "gen_ai.prompt": "prompt", "gen_ai.completion": "response",
                                    "lmnr.span.input": "prompt", "lmnr.span.output": "response",
                                    "braintrust.input_json": "prompt", "braintrust.output_json": "response"}
#: A known client's own input and output attributes -> side, read for that client only and when no
#: messages were given (as ``OBSERVATION_KEYS``: messages rendered, anything else shown as sent): bare
#: ``input``/``output`` keys say nothing about what they hold on another sender's span. VoltAgent's
#: observability puts a call's prompt on its llm span as ``llm.messages`` (no answer text there), a
#: tool's arguments and result on its tool span and the turn's question and answer on its agent span
#: as ``input``/``output``.
CLIENT_VALUE_KEYS: dict[str, dict[str, str]] = {
    "voltagent": {"llm.messages": "prompt", "input": "prompt", "output": "response"},
    # logfire's OpenAI Agents integration: a Responses call's input items as ``raw_input`` and the whole
    # Responses object as ``response`` (its ``output`` items are the answer); a function span's
    # arguments and result as ``input``/``output``.
    "openai-agents": {"raw_input": "prompt", "response": "response", "input": "prompt", "output": "response"},
    # Google ADK for TypeScript: a tool's arguments and result on its tool span, a model call's request
    # (``LlmRequest``: Gemini's ``contents`` and ``config``) and answer (``LlmResponse``: its ``content``) on
    # its ``call_llm`` span; ``{}`` where it has none (every tool span's request and answer, everything
    # when its content capture is off). The tool's keys first: its span carries both.
    "google-adk": {"gcp.vertex.agent.tool_call_args": "prompt", "gcp.vertex.agent.tool_response": "response",
                   "gcp.vertex.agent.llm_request": "prompt", "gcp.vertex.agent.llm_response": "response"},
    # mcp-agent: a tool call's arguments (JSON) on the augmented LLM's ``execute_tool_call`` span, its
    # result flattened (``result.content.N.text``; the first block's text is the preview).
    "mcp-agent": {"tool_args": "prompt", "result.content.0.text": "response"},
    # Genkit: every action's input and output (JSON): a model's request (``{"messages": [...]}``) and
    # response (``{"message": ...}``), a tool's arguments and result, a flow's question and answer.
    "genkit": {"genkit:input": "prompt", "genkit:output": "response"},
    # Langtrace's langchain-core instrumentation: a traced method's return value as JSON, LangChain's
    # messages as their fields (a chat model's ``invoke`` answer: an AI message with its ``tool_calls``).
    # Its ``langchain.inputs`` is the method's positional arguments (``[input, config]``), not read: the
    # prompt is the provider SDK's span's, folded into the call.
    "langtrace": {"langchain.outputs": "response"},
    # Pipecat's own tracing: an ``llm`` span's messages as the provider takes them (JSON, its system
    # instruction apart as ``gen_ai.system_instructions``) as ``input``, the text it streamed as ``output``.
    "pipecat": {"input": "prompt", "output": "response"},
    # TruLens's OpenTelemetry mode: an app's main method's input and output on its record root span, any
    # ``@instrument``-ed method's return value (a generation's answer, a tool's result) as ``call.return``;
    # its arguments one attribute each (``CLIENT_ARGUMENT_PREFIXES``).
    "trulens": {"ai.observability.record_root.input": "prompt", "ai.observability.record_root.output": "response",
                "ai.observability.call.return": "response"},
}
#: A known client's traced method's arguments, one attribute each, ``<prefix><argument name>`` (TruLens's
#: ``@instrument``: ``ai.observability.call.kwargs.messages``), read for that client only and when nothing
#: else gave the prompt: one argument is the call's input (a question, a generation's messages, rendered as
#: ``OBSERVATION_KEYS``), several an object of them by name; a tool's arguments always that object.
CLIENT_ARGUMENT_PREFIXES: dict[str, str] = {"trulens": "ai.observability.call.kwargs."}
#: What a client's own key holds when it has nothing to say (``CLIENT_VALUE_KEYS``): no preview.
CLIENT_EMPTY_VALUES = frozenset({"{}", ""})
#: LangChain's message types -> role. A message comes serialized (``{"lc": 1, "type": "constructor",
#: "id": [..., "AIMessage"], "kwargs": {"content", "type", "tool_calls"}}``: a chat model run's
#: inputs, ``{"messages": [[...]]}``, and its outputs, ``{"generations": [[{"text", "message"}]]}``)
#: or as its fields (a graph's state), or as a ``[role, content]`` pair (a graph's input); its tool
#: calls are ``{"name", "args", "id"}``.
LANGCHAIN_ROLES: dict[str, str] = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool",
                                   "AIMessageChunk": "assistant", "HumanMessageChunk": "user",
                                   "AIMessage": "assistant", "HumanMessage": "user", "SystemMessage": "system",
                                   "ToolMessage": "tool"}
#: Content blocks of a streamed Anthropic answer as LangChain.js keeps them: argument pieces of a tool
#: call (never text), and with them its opening block when the message's tool calls say the same.
_STREAM_PIECE_BLOCKS = frozenset({"input_json_delta"})
_STREAM_CALL_BLOCKS = frozenset({"input_json_delta", "tool_use"})
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
#: A tool call's record logged inside the client's span of the call (Qwen Code's ``qwen-code.tool_call``
#: event, in its ``qwen-code.tool`` span) -> its keys of the call id and of the arguments the call ran
#: with (the only report of them: its span names the tool and call alone).
TOOL_CALL_EVENTS: dict[str, tuple[str, str]] = {"qwen-code.tool_call": ("call_id", "function_args")}
#: Attribute keys inside those events that hold the text.
MESSAGE_EVENT_CONTENT_KEYS: tuple[str, ...] = ("gen_ai.event.content", "content", "gen_ai.prompt", "gen_ai.completion", "message")

_MSG_PREFIXES = ("llm.input_messages.", "llm.output_messages.", "gen_ai.prompt.", "gen_ai.completion.")
_MSG_RE = re.compile(r"^(llm\.input_messages|llm\.output_messages|gen_ai\.prompt|gen_ai\.completion)\.(\d+)\.(.+)$")
#: A flat message's tool call named without ``function.``: OpenLLMetry's ``tool_calls.0.name``.
_FLAT_CALL_NAME = re.compile(r"tool_calls\.\d+\.name")
_json = msgspec.json.Decoder()


def cut_tail(text: str, limit: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def cut_head(text: str, limit: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tool_preview(value: str) -> str:
    """A tool's arguments or result as shown: a list made only of text content blocks (Strands'
    tool result, ``[{"text": …}]``; MCP's, ``[{"type": "text", "text": …}]``) as their text, one
    block a line, one text block alone (the OpenAI Agents SDK's MCP tool result) as its text, and so
    an MCP tool call's whole result made of them (``{"content": [...], "structuredContent": …,
    "isError": …}``: Google ADK's ``McpTool``; more than its content named);
    a JSON string (LiveKit Agents sends a tool's result JSON-encoded whatever it is, as OpenLLMetry's
    ``@tool`` spans send their output: ``"Sunny, 22 C in Paris"``) as its text; OpenCode's result of a
    tool (``{"title", "metadata", "output"}``, its AI SDK's ``ai.toolCall.result``) as the output the
    model was given; anything else as sent. Cut to ``TOOL_PREVIEW_CHARS``."""
    if value.__class__ is str and (text := result_text(value)) is not None:
        value = text
    return cut_head(value, TOOL_PREVIEW_CHARS)


def result_text(value: str) -> str | None:
    """The text ``tool_preview`` shows of a tool's arguments or result sent as JSON (text content blocks,
    an MCP tool call's result made of them, a JSON string, OpenCode's result of a tool), uncut; None for a
    value shown as sent."""
    # (by its first key before any decoding: a tool's JSON list of records, search results, is common
    # and may be long)
    if not value.startswith(TEXT_BLOCK_STARTS):
        return None
    try:
        got = _json.decode(value)
    except (msgspec.DecodeError, ValueError):
        return None
    if isinstance(got, str):
        return got  # a JSON string
    if (isinstance(got, dict) and _OPENCODE_RESULT_NEEDS <= got.keys() <= _OPENCODE_RESULT_KEYS
            and isinstance(output := got["output"], str)):
        return output  # OpenCode's result of a tool: what the model was given
    if isinstance(got, dict):
        # one text block alone: the OpenAI Agents SDK's result of an MCP tool that answered one block
        return _blocks_text([got]) if got.get("type") == "text" else _result_parts_text(got)
    return _blocks_text(got)


def _blocks_text(blocks: Any) -> str | None:
    """The text of a decoded list made only of text content blocks, one block a line; else None."""
    if isinstance(blocks, list) and blocks and all(
            isinstance(b, dict) and isinstance(b.get("text"), str) and b.get("type", "text") == "text"
            and b.keys() <= _TEXT_BLOCK_KEYS for b in blocks):
        return "\n".join(b["text"] for b in blocks)
    return None


def _result_parts_text(result: dict[str, Any]) -> str | None:
    """The text of a tool's result sent as an object of text parts, one part a line: the AI SDK's model
    output of a tool that answers in parts (``{"type": "content", "value": [<text parts>]}``, what an MCP
    tool of its MCP client hands the model) or an MCP ``tools/call`` result (``{"content": [<text
    blocks>], "structuredContent": …, "isError": …}``); None for any other object."""
    if result.get("type") == "content" and result.keys() == _CONTENT_OUTPUT_KEYS:
        return _blocks_text(result["value"])
    if _CONTENT_ONLY < result.keys() <= _MCP_RESULT_KEYS:
        return _blocks_text(result["content"])
    return None


#: The AI SDK's model output of a tool whose result is parts (``ToolResultOutput`` of type ``content``).
_CONTENT_OUTPUT_KEYS = frozenset({"type", "value"})
#: A text block's keys: its text and type, and what names the block beside them (AgentScope's
#: ``TextBlock``: its ``id`` and the times it was made and finished).
_TEXT_BLOCK_KEYS = frozenset({"text", "type", "id", "created_at", "finished_at"})
#: What an MCP ``tools/call`` result holds: its content blocks, their structured copy, whether the tool
#: failed, its metadata. One with its content alone is not told from another framework's envelope of
#: parts (Genkit's tool output, ``{"content": [{"text": …}]}``): shown as sent.
_MCP_RESULT_KEYS = frozenset({"content", "structuredContent", "isError", "_meta"})
_CONTENT_ONLY = frozenset({"content"})
#: What OpenCode's result of a tool holds (``Tool.ExecuteResult``: its ``ai.toolCall.result``): the title
#: it shows, the tool's metadata (``bash``'s exit code ...) and the output the model is given, always;
#: the attachments, and an MCP server's tool's content blocks (their text is the output), beside.
_OPENCODE_RESULT_NEEDS = frozenset({"title", "metadata", "output"})
_OPENCODE_RESULT_KEYS = frozenset({"title", "metadata", "output", "attachments", "content"})
#: How a JSON list of text blocks begins (Strands' ``[{"text": …}]``, MCP's ``[{"type": "text", …}]``).
_TEXT_LIST_STARTS = ('[{"text"', '[{"type"')
#: How a value ``tool_preview`` may show otherwise begins: a JSON list of text blocks, one text block
#: alone (the OpenAI Agents SDK's result of an MCP tool that answered one block, as OpenInference writes
#: it), an MCP tool result holding them (``{"content": [...]``), a JSON string (LiveKit Agents' tool
#: result, OpenLLMetry's ``@tool`` output), OpenCode's result of a tool (its title first, as OpenCode builds it).
TEXT_BLOCK_STARTS = (*_TEXT_LIST_STARTS, '{"type": "text"', '{"content"', '"', '{"title"')


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
    if ptype == "toolUse" and "name" in part:  # Strands for TypeScript's answer: the Converse block flattened, typed
        args = part.get("input")
        return f"[tool_call {part['name']}({args if isinstance(args, str) else msgspec.json.encode(args).decode()})]"
    if "toolResult" in part and isinstance(part["toolResult"], dict):
        content = part["toolResult"].get("content")
        texts = [c.get("text", "") for c in content if isinstance(c, dict)] if isinstance(content, list) else [str(content)]
        return f"[tool result {' '.join(t for t in texts if t)}]"
    if isinstance(call := part.get("functionCall"), dict):  # Gemini's API parts (Gemini CLI's messages)
        args = call.get("args")
        return f"[tool_call {call.get('name', '')}({args if isinstance(args, str) else msgspec.json.encode(args).decode()})]"
    if isinstance(result := part.get("functionResponse"), dict):
        resp = result.get("response", "")
        return f"[tool result {resp if isinstance(resp, str) else msgspec.json.encode(resp).decode()}]"
    if ptype == "function_call" and "name" in part:  # an OpenAI Responses API input/output item
        args = part.get("arguments")
        return f"[tool_call {part['name']}({args if isinstance(args, str) else msgspec.json.encode(args).decode()})]"
    if ptype == "function_call_output":
        out = part.get("output", "")
        return f"[tool result {out if isinstance(out, str) else msgspec.json.encode(out).decode()}]"
    if ptype == "tool_call_response":
        resp = part.get("response", part.get("result", ""))
        if isinstance(resp, str):  # text blocks sent as JSON (AgentScope's), or an MCP tool call's result made
            # of them (the Cline CLI's result of an MCP server's tool), as their text, as a tool call's result is
            text = result_text(resp)
            return f"[tool result {resp if text is None else text}]"
        # (decoded: its text blocks, as the Anthropic SDK sends a result given as blocks: fast-agent's MCP tool's)
        if (text := _result_parts_text(resp) if isinstance(resp, dict) else _blocks_text(resp)) is not None:
            return f"[tool result {text}]"
        return f"[tool result {msgspec.json.encode(resp).decode()}]"
    if ptype == "document" and isinstance(doc := part.get("document"), dict):  # Cohere's (a tool's result)
        data = doc.get("data", "")
        return data if isinstance(data, str) else msgspec.json.encode(data).decode()
    if isinstance(call := part.get("toolRequest"), dict):  # Genkit's parts ({toolRequest: {name, ref, input}})
        args = call.get("input")
        return f"[tool_call {call.get('name', '')}({args if isinstance(args, str) else msgspec.json.encode(args).decode()})]"
    if isinstance(result := part.get("toolResponse"), dict):
        out = result.get("output", "")
        return f"[tool result {out if isinstance(out, str) else msgspec.json.encode(out).decode()}]"
    if ptype == "function" and isinstance(part.get("function"), dict):  # an OpenAI chat tool call (Langtrace's answer)
        return _part_text(_openai_tool_call(part))
    if "text" in part and isinstance(part["text"], str):
        return part["text"]
    return f"[{ptype or 'part'}]"


def _openai_tool_call(call: Any) -> Any:
    """An OpenAI chat message's tool call (``{"id", "type": "function", "function": {"name", "arguments"}}``)
    as a GenAI tool_call part."""
    fn = call.get("function") if isinstance(call, dict) else None
    if not isinstance(fn, dict):
        return call
    return {"type": "tool_call", "name": fn.get("name", ""), "arguments": fn.get("arguments")}


def _tool_call_list(value: list[Any]) -> list[Any] | None:
    """A list of OpenAI chat tool calls standing for the assistant message that made them (Langtrace
    puts an assistant message's ``tool_calls`` into its prompt list in the message's place): the named
    ones as tool_call parts (the calls of a message handed back as a dict it reads as ``{"id": "",
    "type": ""}``: nothing to show); None for any other list."""
    if not value or not all(isinstance(c, dict) and c.keys() <= _OPENAI_TOOL_CALL_KEYS for c in value):
        return None
    return [_openai_tool_call(c) for c in value if isinstance(c.get("function"), dict) and c["function"].get("name")]


_OPENAI_TOOL_CALL_KEYS = frozenset({"id", "type", "function", "index"})


def render_messages(value: Any, chunks: bool = False) -> str | None:
    """A GenAI message list (JSON string or list) -> "role: text" lines; with ``chunks`` (an
    answer), messages of one role in a row are the pieces of one streamed answer (Gemini
    CLI sends each chunk as a message): one line. A chat completion's choice
    (``{"index", "finish_reason", "message"}``, no role of its own) is its message."""
    if isinstance(value, str):
        try:
            value = _json.decode(value)
        except (msgspec.DecodeError, ValueError):
            return value
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return None
    lines: list[str] = []
    last_role: Any = None
    for msg in value:
        if isinstance(msg, dict) and "role" not in msg and isinstance(msg.get("message"), dict):
            msg = msg["message"]  # a chat completion's choice (Laminar's gen_ai.output.messages): its message
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
            calls = msg.get("tool_calls")
            if isinstance(calls, list):  # OpenAI chat messages (LiteLLM's, Semantic Kernel's): the calls beside the content
                parts = [p for p in parts if p is not None] + [_openai_tool_call(c) for c in calls]
                text = " ".join(t for t in map(_part_text, parts) if t)  # (an empty content beside them says nothing)
            else:
                text = " ".join(_part_text(p) for p in parts)
            if not text:
                continue  # (a message with nothing to show: LiteLLM's answer, its tool call sent apart)
            if chunks and role and role == last_role:
                lines[-1] += text
            else:
                lines.append(f"{role}: {text}" if role else text)
            last_role = role
        elif isinstance(msg, list) and (calls := _tool_call_list(msg)) is not None:
            if calls:
                lines.append("assistant: " + " ".join(map(_part_text, calls)))
                last_role = "assistant"
        else:
            lines.append(_part_text(msg))
            last_role = None
    return "\n".join(lines)


def _role_pair(msg: Any) -> bool:
    """A ``[role, content]`` pair (LangChain's shorthand for a message), its role one LangChain knows."""
    return (isinstance(msg, list) and len(msg) == 2 and isinstance(msg[0], str) and isinstance(msg[1], str)
            and (msg[0] in LANGCHAIN_ROLES or msg[0] in LANGCHAIN_ROLES.values()))


def _langchain_message(msg: Any) -> Any:
    """A LangChain message (``LANGCHAIN_ROLES``) as a ``{"role", "content"}`` message; anything else as it is."""
    if _role_pair(msg):
        return {"role": LANGCHAIN_ROLES.get(msg[0], msg[0]), "content": msg[1]}
    if not isinstance(msg, dict) or "role" in msg:
        return msg
    fields = msg.get("kwargs") if msg.get("lc") == 1 else msg
    if not isinstance(fields, dict):
        return msg
    mtype = fields.get("type")
    if mtype is None and isinstance(cls := msg.get("id"), list) and cls:
        mtype = cls[-1]  # LangChain.js serializes a message without its type: its class names it
    role = LANGCHAIN_ROLES.get(mtype) if isinstance(mtype, str) else None
    if role is None:
        return msg
    content = fields.get("content")
    calls = fields.get("tool_calls")
    # A streamed Anthropic answer's content blocks: its tool call's opening block and argument
    # pieces, the same call as its tool_calls (rendered from there).
    skip = _STREAM_CALL_BLOCKS if calls else _STREAM_PIECE_BLOCKS
    parts = [p for p in (content if isinstance(content, list) else [content])
             if p not in (None, "") and not (isinstance(p, dict) and p.get("type") in skip)]
    for call in calls if isinstance(calls, list) else []:
        if isinstance(call, dict) and "name" in call:
            parts.append({"type": "tool_call", "name": call["name"], "arguments": call.get("args")})
    return {"role": role, "content": parts}


def _langchain_messages(got: Any) -> Any:
    """LangSmith's run inputs and outputs of a chat model (``{"messages": [[...]]}``: one list per
    prompt of the batch; ``{"generations": [[...]]}``) as one message list, and the value of an output
    it wrapped (``{"output": ...}``: a tool's message); anything else as it is."""
    if isinstance(got, dict) and len(got) == 1 and "output" in got:
        got = got["output"]
    if isinstance(got, dict) and isinstance(gens := got.get("generations"), list):
        flat = [g for batch in gens for g in (batch if isinstance(batch, list) else [batch])]
        return [g.get("message", {"role": "assistant", "content": g.get("text")}) if isinstance(g, dict) else g
                for g in flat]
    if isinstance(got, dict) and isinstance(msgs := got.get("messages"), list) and msgs and all(
            isinstance(m, list) and not _role_pair(m) for m in msgs):
        return {**got, "messages": [m for batch in msgs for m in batch]}
    return got


#: How LangChain's result of a model run (``LLMResult``, serialized) starts.
_LANGCHAIN_RESULT_HEAD = '{"generations"'


def langchain_result(value: Any) -> dict[str, Any] | None:
    """LangChain's result object of a model run (``{"generations": [[...]], "llm_output": ...}``:
    OpenInference's ``output.value``, LangSmith's run output) decoded, else None."""
    if not isinstance(value, str) or not value.startswith(_LANGCHAIN_RESULT_HEAD):
        return None
    try:
        got = _json.decode(value)
    except (msgspec.DecodeError, ValueError):
        return None
    return got if isinstance(got, dict) and isinstance(got.get("generations"), list) else None


#: How OpenInference's LangChain.js instrumentation sends a tool run's output: LangChain's
#: ``ToolMessage``, serialized, wrapped as ``{"output": ...}``.
_LANGCHAIN_TOOL_OUTPUT_HEAD = '{"output":{"lc":1,'
#: How OpenInference's LangChain instrumentation for Python sends it: the ``ToolMessage`` as
#: langchain-core's ``message_to_dict`` makes it, ``{"type": "tool", "data": {<its fields>}}``.
_LANGCHAIN_PY_TOOL_OUTPUT_HEAD = '{"type": "tool", "data": {'


def langchain_tool_output(value: str) -> str | None:
    """The content of the tool message a LangChain tool run answered with
    (``_LANGCHAIN_TOOL_OUTPUT_HEAD``, ``_LANGCHAIN_PY_TOOL_OUTPUT_HEAD``): text as sent, parts
    rendered; None for anything else."""
    wrapped = value.startswith(_LANGCHAIN_TOOL_OUTPUT_HEAD)
    if not wrapped and not value.startswith(_LANGCHAIN_PY_TOOL_OUTPUT_HEAD):
        return None
    try:
        got = _json.decode(value)
    except (msgspec.DecodeError, ValueError):
        return None
    if not isinstance(got, dict):
        return None
    if wrapped:
        msg = _langchain_message(got.get("output"))
    else:
        fields = got.get("data")
        msg = _langchain_message({**fields, "type": got.get("type")}) if isinstance(fields, dict) else None
    if not isinstance(msg, dict) or msg.get("role") != "tool":
        return None
    parts = msg.get("content")
    return " ".join(t for t in map(_part_text, parts) if t) if isinstance(parts, list) else None


def langchain_tool_call_id(value: Any) -> str | None:
    """The call id of the tool message a LangChain tool run answered with, as OpenInference's LangChain
    instrumentation for Python sends it (``_LANGCHAIN_PY_TOOL_OUTPUT_HEAD``: its ``tool_call_id``, the id
    of the model's call it answers), else None. A tool span sends the id nowhere else."""
    if not isinstance(value, str) or not value.startswith(_LANGCHAIN_PY_TOOL_OUTPUT_HEAD):
        return None
    try:
        got = _json.decode(value)
    except (msgspec.DecodeError, ValueError):
        return None
    fields = got.get("data") if isinstance(got, dict) else None
    call_id = fields.get("tool_call_id") if isinstance(fields, dict) else None
    return call_id if isinstance(call_id, str) and call_id else None


#: How OpenInference's AG2 instrumentation sends a tool run's output: what AG2's ``execute_function``
#: returned, its success flag and the function message it answers with, ``[true, {"name", "role":
#: "function", "content"}]``.
_AG2_TOOL_OUTPUT_HEADS = ('[true, {"', '[false, {"')
_AG2_FUNCTION_MESSAGE_KEYS = frozenset({"name", "role", "content", "tool_call_id"})


def ag2_tool_output(value: str) -> str | None:
    """The content of the function message an AG2 tool run answered with (``_AG2_TOOL_OUTPUT_HEADS``):
    text as sent, anything else as JSON; None for anything else."""
    if not value.startswith(_AG2_TOOL_OUTPUT_HEADS):
        return None
    try:
        got = _json.decode(value)
    except (msgspec.DecodeError, ValueError):
        return None
    if not (isinstance(got, list) and len(got) == 2 and isinstance(got[0], bool) and isinstance(msg := got[1], dict)
            and msg.get("role") in ("function", "tool") and "content" in msg and msg.keys() <= _AG2_FUNCTION_MESSAGE_KEYS):
        return None
    content = msg["content"]
    return content if isinstance(content, str) else msgspec.json.encode(content).decode()


def langchain_result_text(value: str, answer: bool) -> str | None:
    """LangChain's result object (``langchain_result``) as its messages rendered: "" when they hold
    nothing (a refused call's empty answer), never the raw object; None when ``value`` is no such object."""
    got = langchain_result(value)
    if got is None:
        return None
    items = [_langchain_message(m) for m in _langchain_messages(got)]
    return render_messages(items, chunks=answer) if items else ""


def observation_text(value: Any, answer: bool = False) -> str:
    """An observation's input or output (``OBSERVATION_KEYS``) as preview text: rendered when it
    holds messages (a dict with a ``role``, a list of them, a request's ``messages``, the
    messages of a chat completion's ``choices``: MLflow keeps a call's whole response; the output items
    of an OpenAI Responses API object; LangChain's messages: ``LANGCHAIN_ROLES``), else as sent. A value
    that is one JSON string is that string's text, read the same way: Upsonic sends every input and output
    JSON-encoded, a plain text too (``"What is the weather in Paris?"``), as Langfuse reads them."""
    text = value if isinstance(value, str) else str(value)
    got = value
    if isinstance(value, str):
        if value[:1] == '"' and value[-1:] == '"' and len(value) > 1:
            try:
                inner = _json.decode(value)
            except (msgspec.DecodeError, ValueError):
                return value
            return observation_text(inner, answer) if isinstance(inner, str) else value
        if value[:1] not in "[{":
            return value
        result = langchain_result_text(value, answer)
        if result is not None:
            return result
        try:
            got = _json.decode(value)
        except (msgspec.DecodeError, ValueError):
            return value
    got = _langchain_messages(got)
    if isinstance(got, dict) and isinstance(got.get("messages"), list):
        got = got["messages"]
    elif isinstance(got, dict) and isinstance(choices := got.get("choices"), list):
        got = [c["message"] for c in choices if isinstance(c, dict) and isinstance(c.get("message"), dict)]
    elif isinstance(got, dict) and isinstance(contents := got.get("contents"), list):
        # A Gemini request (generateContent's body; ADK's LlmRequest): its contents are the messages,
        # after its system instruction (a text, or a content of parts).
        config = got.get("config", got)
        system = config.get("systemInstruction") if isinstance(config, dict) else None
        if isinstance(system, str) and system:
            system = {"role": "system", "parts": [system]}
        elif isinstance(system, dict):
            system = {**system, "role": "system"}
        got = [system, *contents] if isinstance(system, dict) else contents
    elif isinstance(got, dict) and isinstance(content := got.get("content"), dict) and "parts" in content:
        got = content  # a Gemini answer as ADK keeps it (LlmResponse): its content is the message
    elif isinstance(got, dict) and "role" not in got and isinstance(msg := got.get("message"), dict) and "role" in msg:
        got = msg  # a model's response holding its answer message (Genkit's: ``{"message", "usage", ...}``)
    elif isinstance(got, dict) and got.get("object") == "response" and isinstance(output := got.get("output"), list):
        # A whole OpenAI Responses API object: its output items (messages, function calls) are the answer.
        return render_messages(output, chunks=answer) or text
    items = [_langchain_message(m) for m in (got if isinstance(got, list) else [got])]
    got = items if isinstance(got, list) else items[0]
    if any(isinstance(m, dict) and "role" in m for m in items):
        return render_messages(got, chunks=answer) or text
    return text


def _flat_tool_call(fields: dict[str, Any], name_key: str) -> str:
    """A flattened tool call (its name at ``name_key``) as a GenAI tool_call part reads, with the
    arguments beside its name (``…function.arguments``): the same call reads the same whichever
    convention reported it. Without them, the name alone (no ``()``: not a call without arguments)."""
    args = fields.get(name_key[: -len("name")] + "arguments")
    if args is None:
        return f"[tool_call {fields[name_key]}]"
    return _part_text({"type": "tool_call", "name": fields[name_key], "arguments": args})


def _flat_call_id(fields: dict[str, Any], name_key: str) -> Any:
    """The id sent beside a flattened tool call's name (``tool_calls.0.tool_call.id`` beside
    ``tool_calls.0.tool_call.function.name``; ``tool_calls.0.id`` beside ``tool_calls.0.name``), or None."""
    base = name_key.removesuffix("name").removesuffix("function.")
    return fields.get(base + "id")


def _flat_tool_calls(fields: dict[str, Any]) -> list[str]:
    """One flattened message's tool calls, each shown once. OpenInference's Anthropic instrumentation
    sends an answer's call twice, as the message's ``tool_calls.N`` and as its ``contents.N`` tool_use
    block: the same call (same id; where either has no id, the same name and arguments) is one call.
    Two calls with their own ids stay two, even alike (the model asked twice)."""
    calls: list[tuple[Any, str]] = []
    # ``tool_calls.0.function.name``; ``function_call.name`` (LiteLLM's answer's tool call);
    # ``tool_calls.0.name`` (OpenLLMetry's, its Ollama instrumentation's history)
    for key in sorted(fields):
        if not (key.endswith(("function.name", "function_call.name")) or _FLAT_CALL_NAME.fullmatch(key)):
            continue
        call_id, text = _flat_call_id(fields, key), _flat_tool_call(fields, key)
        if not any(call_id == seen_id if call_id is not None and seen_id is not None else text == seen_text
                   for seen_id, seen_text in calls):
            calls.append((call_id, text))
    return [text for _id, text in calls]


#: The types of the content parts a flat message's content may be a JSON list of (Cohere's; the OpenAI
#: Responses API's ``input_text``: the OpenAI Agents SDK's result of an MCP tool, as the model is sent it).
_CONTENT_PART_TYPES = frozenset({"text", "thinking", "image_url", "document", "input_text"})


def _flat_content(value: Any) -> Any:
    """A flat message's content; a list of content parts as its parts' text, whether sent as JSON
    in one string or as an attribute's list of maps (OpenLLMetry's Cohere instrumentation does
    both: an answer's ``[{"type": "text", "text": …}]``, a tool message's document parts). Any
    other JSON (an answer in JSON mode) is the content as sent."""
    parts = value
    if isinstance(value, str):
        if not value.startswith("[{"):
            return value
        try:
            parts = _json.decode(value)
        except (msgspec.DecodeError, ValueError):
            return value
    if not (isinstance(parts, list) and parts
            and all(isinstance(p, dict) and p.get("type") in _CONTENT_PART_TYPES for p in parts)):
        return value
    return " ".join(t for t in map(_part_text, parts) if t)


#: How an OpenAI Chat Completions answer, serialized whole, is told from other JSON cheaply.
_CHAT_COMPLETION_MARKS = ('"choices"', '"chat.completion"')


def chat_completion_text(value: str) -> str | None:
    """The messages of an OpenAI Chat Completions answer sent whole as a model call's output
    (OpenInference's Portkey instrumentation: its output messages name a tool call's role alone,
    the call only in the answer), rendered with their tool calls; None for anything else."""
    if value[:1] != "{" or not all(mark in value for mark in _CHAT_COMPLETION_MARKS):
        return None
    try:
        got = _json.decode(value)
    except (msgspec.DecodeError, ValueError):
        return None
    if not isinstance(got, dict) or got.get("object") != "chat.completion" or not isinstance(got.get("choices"), list):
        return None
    text = observation_text(got, answer=True)
    return text if text and text != value and not text.startswith("{") else None


def _take_values(attributes: dict[str, Any], target: dict[str, list[str]], used: list[str]) -> None:
    """``VALUE_KEYS`` into the sides nothing has filled yet."""
    for key, side in VALUE_KEYS.items():
        if key in attributes and not target[side]:
            v = attributes[key]
            text = v if isinstance(v, str) else str(v)
            result = langchain_result_text(text, side == "response")
            if result is None and side == "response":
                result = langchain_tool_output(text)
            if result is None and side == "response":
                result = ag2_tool_output(text)
            if result is None and side == "response":
                result = chat_completion_text(text)
            if result is None:
                target[side].append(text)
            elif result:
                target[side].append(result)
            used.append(key)


#: How LangChain's input of a chat model run starts (``{"messages": [[...]]}``, serialized messages).
_LANGCHAIN_PROMPT_HEAD = '{"messages":[[{"lc":1,'


def _langchain_prompt(attributes: dict[str, Any]) -> str | None:
    """The messages of a chat model run's LangChain input (``input.value``, as OpenInference's
    LangChain.js instrumentation sends it) rendered; None when it holds no such input."""
    value = attributes.get("input.value")
    if not isinstance(value, str) or not value.startswith(_LANGCHAIN_PROMPT_HEAD):
        return None
    text = observation_text(value)
    return text if text != value else None


#: The value key of each side (``VALUE_KEYS`` reversed).
_SIDE_VALUE_KEYS = {side: key for key, side in VALUE_KEYS.items()}


def _value_messages(attributes: dict[str, Any], side: str) -> str | None:
    """The side's value (``input.value``/``output.value``) rendered when it is a JSON list of messages with
    their roles; None otherwise."""
    value = attributes.get(_SIDE_VALUE_KEYS[side])
    if not isinstance(value, str) or not value.startswith("[{"):
        return None
    text = observation_text(value, answer=side == "response")
    return text if text and text != value else None


#: Gemini CLI's ``tool_call`` span puts the call, not messages, where the GenAI conventions put messages:
#: ``gen_ai.input.messages`` is its request (one JSON object: ``callId``, ``name``, ``args``...), and
#: ``gen_ai.output.messages`` the completed call (``status``, the ``request`` again, ``response``: the
#: ``resultDisplay`` the user was shown, the ``functionResponse`` parts the model is sent).
GEMINI_CLI_TOOL_KEYS = ("gen_ai.input.messages", "gen_ai.output.messages")


def _json_object(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, str) or not value.startswith("{"):
        return None
    try:
        got = _json.decode(value)
    except (msgspec.DecodeError, ValueError):
        return None
    return got if isinstance(got, dict) else None


def gemini_cli_tool_call(attributes: dict[str, Any]) -> tuple[str | None, str | None]:
    """(arguments, result) of a Gemini CLI ``tool_call`` span (``GEMINI_CLI_TOOL_KEYS``): the request's
    ``args`` as JSON, the result its user was shown (``resultDisplay``, text), else what the model is sent
    (the ``functionResponse``'s ``response``: its ``output`` or ``error`` text, else JSON); None for a side
    that holds no such object."""
    args = result = None
    request = _json_object(attributes.get(GEMINI_CLI_TOOL_KEYS[0]))
    if request is not None and isinstance(request.get("args"), dict):
        args = msgspec.json.encode(request["args"]).decode()
    done = _json_object(attributes.get(GEMINI_CLI_TOOL_KEYS[1]))
    answer = done.get("response") if done is not None else None
    if isinstance(answer, dict):
        shown = answer.get("resultDisplay")
        if isinstance(shown, str) and shown:
            result = shown
        else:
            parts = answer.get("responseParts")
            sent = [p["functionResponse"].get("response") for p in parts if isinstance(p, dict)
                    and isinstance(p.get("functionResponse"), dict)] if isinstance(parts, list) else []
            for got in sent:
                if isinstance(got, dict) and len(got) == 1 and isinstance(text := next(iter(got.values())), str):
                    result = text  # ``{"output": text}`` / ``{"error": text}``
                elif got is not None:
                    result = msgspec.json.encode(got).decode()
                if result is not None:
                    break
    return args, result


#: Known clients whose tool spans carry the call in their message keys (read on a tool span only).
CLIENT_TOOL_MESSAGES = {"gemini-cli": (GEMINI_CLI_TOOL_KEYS, gemini_cli_tool_call)}


def extract_messages(attributes: dict[str, Any], values_first: bool = False,
                     client: str | None = None) -> tuple[str | None, str | None, list[str]]:
    """Prompt and response previews from message attributes, and keys consumed.

    ``values_first`` (a tool span): ``VALUE_KEYS`` fill their side before any messages, and the
    messages of a side they filled are left unconsumed (kept as attributes). ``client``: the
    framework that sent the span, whose own keys (``CLIENT_VALUE_KEYS``) fill the sides left empty.
    """
    prompt: list[str] = []
    response: list[str] = []
    used: list[str] = []
    target = {"prompt": prompt, "response": response}
    instructions: dict[str, list[str]] | None = None  # (what instruction keys alone put in a side: rare)
    read: tuple[str, ...] = ()  # message keys a client's own reader took
    if values_first:
        _take_values(attributes, target, used)
        own = CLIENT_TOOL_MESSAGES.get(client or "")
        if own is not None and any(k in attributes for k in own[0]):
            for side, text in zip(("prompt", "response"), own[1](attributes), strict=True):
                if text and not target[side]:
                    target[side].append(text)
            read = own[0]
            used.extend(k for k in read if k in attributes)
    taken = {side for side, texts in target.items() if texts}
    # Sides whose messages one convention gave already. A span may carry the same messages in two
    # conventions (OpenInference's span processor for pydantic-ai adds its flattened lists beside
    # pydantic-ai's GenAI JSON): the first that gives text is shown, the others are the same again.
    told = set(taken)
    for key, side in MESSAGE_JSON_KEYS.items():
        if key in attributes and side not in taken and key not in read:
            text = render_messages(attributes[key], chunks=side == "response")
            if text:
                target[side].append(text)
                if key not in INSTRUCTION_KEYS:
                    told.add(side)
                else:
                    if instructions is None:
                        instructions = {"prompt": [], "response": []}
                    instructions[side].append(text)
            used.append(key)
    flat: dict[str, dict[int, dict[str, Any]]] | None = None
    for key in attributes:
        if key.startswith(_MSG_PREFIXES) and (m := _MSG_RE.match(key)) and MESSAGE_LIST_PREFIXES[m.group(1)] not in taken:
            if flat is None:
                flat = {}
            flat.setdefault(m.group(1), {}).setdefault(int(m.group(2)), {})[m.group(3)] = attributes[key]
            used.append(key)
    if flat:
        for prefix, side in MESSAGE_LIST_PREFIXES.items():
            msgs = flat.get(prefix)
            if not msgs or side in told:
                continue
            lines = []
            gap = False
            for _i, fields in sorted(msgs.items()):
                role = fields.get("message.role", fields.get("role"))
                content = _flat_content(fields.get("message.content", fields.get("content")))
                # ``tool_calls.0.function.name``; ``function_call.name`` (LiteLLM's answer's tool call);
                # ``tool_calls.0.name`` (OpenLLMetry's, its Ollama instrumentation's history)
                calls = _flat_tool_calls(fields)
                # "" as well as absent: OpenInference's LangChain.js sends a tool-call answer's empty text,
                # OpenLLMetry's Cohere instrumentation an empty list of parts ("[]").
                if content is None or content == "" or (content == "[]" and calls):
                    texts = [v for k, v in sorted(fields.items()) if k.endswith(".text") and isinstance(v, str)]
                    content = " ".join(texts + calls)
                    if not content:
                        gap = True
                        continue  # a role alone says nothing (OpenLLMetry's Mistral span of dict messages)
                elif calls:  # text beside the calls (Cohere's tool plan): the answer is both
                    content = " ".join([str(content), *calls])
                lines.append(f"{role}: {content}" if role else str(content))
            if gap and side == "prompt" and (whole := _langchain_prompt(attributes)):
                lines = [whole]  # what a role alone left out (a message of content blocks), from the whole prompt
            elif gap and (whole := _value_messages(attributes, side)):
                # What a role alone left out, from the side's whole messages: OpenInference's BeeAI
                # instrumentation for JavaScript flattens only a message's text parts (a tool-call answer's
                # flat text is empty), its value keeps every part.
                lines = [whole]
            if lines:
                target[side].append("\n".join(lines))
                told.add(side)
    _take_values(attributes, target, used)
    for key, side in OBSERVATION_KEYS.items():
        if key in attributes and not target[side]:
            text = observation_text(attributes[key], answer=side == "response")
            if text:
                target[side].append(text)
            used.append(key)
    for key, side in CLIENT_VALUE_KEYS.get(client or "", {}).items():
        # A side only instructions filled has no messages yet: a client's own key holds them (Pipecat's).
        if key in attributes and (not target[side] or (instructions is not None and target[side] == instructions[side])) \
                and attributes[key] not in CLIENT_EMPTY_VALUES:
            text = observation_text(attributes[key], answer=side == "response")
            if text:
                target[side].append(text)
            used.append(key)
    arg_prefix = CLIENT_ARGUMENT_PREFIXES.get(client or "")
    if arg_prefix is not None and not prompt:
        arguments = {key[len(arg_prefix):]: value for key, value in attributes.items() if key.startswith(arg_prefix)}
        if arguments:
            used.extend(arg_prefix + name for name in arguments)
            if args_text := _arguments_text(arguments, values_first):
                prompt.append(args_text)
    p = cut_tail("\n".join(prompt)) if prompt else None
    r = cut_head("\n".join(response)) if response else None
    return p, r, used


def _arguments_text(arguments: dict[str, Any], as_object: bool) -> str:
    """A traced method's arguments (``CLIENT_ARGUMENT_PREFIXES``) as preview text: one argument's value
    (rendered when it holds messages), else (or ``as_object``: a tool's) a JSON object of them by name,
    each value that is JSON itself decoded into it."""
    if len(arguments) == 1 and not as_object:
        return observation_text(next(iter(arguments.values())))
    obj: dict[str, Any] = {}
    for name, value in arguments.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = _json.decode(value)
            except (msgspec.DecodeError, ValueError):
                pass
        obj[name] = value
    text = msgspec.json.encode(obj).decode()
    return text if as_object else observation_text(text)


def message_event_text(name: str, attributes: dict[str, Any]) -> tuple[str, str] | None:
    """(side, text) of a deprecated per-message GenAI event, else None."""
    side = MESSAGE_EVENTS.get(name)
    if side is None:
        return None
    for key in MESSAGE_EVENT_CONTENT_KEYS:
        if key in attributes:
            v = attributes[key]
            if key == "content" and "role" in attributes and (isinstance(v, dict) or (isinstance(v, str) and v[:1] == "{")):
                # The event's attributes are the message (Strands: role, content, id), so an object as its
                # content is no message but a value of its own: the arguments of a tool call (Strands' tool
                # span), whatever their fields are named (a swarm's handoff_to_agent sends a ``message``);
                # none (``{}``) is nothing to show.
                value = v if isinstance(v, str) else msgspec.json.encode(v).decode()
                return side, "" if value.strip() == "{}" else value
            if isinstance(v, dict) or (isinstance(v, str) and v[:1] == "{"):
                # One message as an object (Azure AI Inference's gen_ai.event.content): it may name its
                # role itself, and a choice holds its message under "message", as a record's body does.
                return side, _message_body_text(name, side, v)
            text = render_messages(v) if not isinstance(v, str) or v[:1] in "[{" else v
            # (one message's event, ``gen_ai.<role>.message``, names its role; ``gen_ai.content.prompt``
            # holds the whole list, each message naming its own)
            role = name.split(".")[1] if name.count(".") >= 2 and name.endswith(".message") else ""
            return side, (f"{role}: {text}" if role and side == "prompt" else (text or ""))
    return None


#: Span attribute naming the preview sides ("prompt", "response", comma-separated) that message
#: events logged in the span filled: those the span's own messages left empty, extended by
#: each such record that comes later (the records of one call arrive one by one).
PREVIEWS_FROM_RECORDS = "agenttrace.previews_from_records"


def tool_call_record(name: str, attributes: dict[str, Any]) -> tuple[str | None, str] | None:
    """(call id, arguments) of a tool call's record (``TOOL_CALL_EVENTS``), cut as a tool's; the
    arguments' JSON on one line as a model sends it (Qwen Code indents it for its log); None when it
    names none."""
    keys = TOOL_CALL_EVENTS.get(name)
    if keys is None:
        return None
    call_id, args = attributes.get(keys[0]), attributes.get(keys[1])
    if not isinstance(args, str) or not args:
        return None
    if "\n" in args and args.startswith("{"):
        try:
            args = msgspec.json.encode(_json.decode(args)).decode()
        except (msgspec.DecodeError, ValueError):
            pass  # not JSON: shown as sent
    return (call_id if isinstance(call_id, str) and call_id else None), tool_preview(args)


def message_record_text(name: str, attributes: dict[str, Any]) -> tuple[str, str] | None:
    """(side, text) of a deprecated per-message GenAI event sent as a log record (Semantic
    Kernel, Microsoft Agent Framework): its attributes as a span event's, else its ``body``,
    the message (``{"role", "content", "tool_calls"}``, or ``{"message": …}`` for a choice)."""
    got = message_event_text(name, attributes)
    if got is not None or "body" not in attributes:
        return got
    side = MESSAGE_EVENTS.get(name)
    if side is None:
        return None
    return side, _message_body_text(name, side, attributes["body"])


#: Fields of a message object (``render_messages`` reads them): an event body with none of them,
#: but with fields other than a message's bookkeeping (``MESSAGE_META_FIELDS``: all a message event
#: keeps when its instrumentation records no content), holds no message but a value of its own
#: (``_message_body_text``).
MESSAGE_FIELDS: frozenset[str] = frozenset({"role", "content", "parts", "tool_calls", "message", "text", "type",
                                            "toolUse", "toolResult", "toolName"})
MESSAGE_META_FIELDS: frozenset[str] = frozenset({"id", "index", "finish_reason", "tool_call_id"})


def _message_body_text(name: str, side: str, body: Any) -> str:
    """The text of one message event's message (``{"role", "content", "tool_calls"}``, or
    ``{"message": …}`` for a choice; JSON text or decoded), its role from the event's name
    where it names none itself. An object with no message field (``MESSAGE_FIELDS``) is no
    message but a value, shown as sent: Strands puts a tool call's arguments as the content of
    the ``gen_ai.tool.message`` event on its tool span."""
    sent = body
    if isinstance(body, str) and body[:1] in "[{":
        try:
            body = _json.decode(body)
        except (msgspec.DecodeError, ValueError):
            pass
    if isinstance(body, dict) and MESSAGE_FIELDS.isdisjoint(body) and not MESSAGE_META_FIELDS.issuperset(body):
        return sent if isinstance(sent, str) else msgspec.json.encode(sent).decode()
    if isinstance(body, dict) and isinstance(body.get("message"), dict):
        body = body["message"]
    role = name.split(".")[1] if side == "prompt" and name.count(".") >= 2 else ""
    if isinstance(body, dict) and role and "role" not in body:
        body = {"role": role, **body}
    if isinstance(body, dict | list):
        return render_messages(body) or ""
    return f"{role}: {body}" if role else str(body)
