"""A deterministic fake LLM server for recording what real agent clients send.

It speaks just enough of three wire APIs for real client packages to run one
agent turn against it on 127.0.0.1, with no network and no key:

* OpenAI Chat Completions: ``POST .../chat/completions`` (JSON or SSE stream,
  ``usage`` with ``prompt_tokens_details.cached_tokens``; when streaming the
  usage chunk is sent only if ``stream_options.include_usage`` is true, as the
  real API does). A request whose prompt ends with BAML's output format (``Answer in JSON using
  this schema:`` and the class's ``field: type,`` lines, what ``{{ ctx.output_format }}`` writes) is
  answered with a JSON object of those fields (``json``).
* OpenAI Responses: ``POST .../responses`` (JSON or SSE events ending with
  ``response.completed`` that carries usage; Codex CLI uses this API). An answer
  whose usage counts reasoning tokens (``OPENAI_REASONING_USAGE``) starts with a
  reasoning item, as a reasoning model's does.
* Anthropic Messages: ``POST .../messages`` (JSON or SSE, usage with
  ``cache_read_input_tokens`` and ``cache_creation_input_tokens``; a stream's
  ``message_start`` and its ``message_delta`` both carry the input and cache
  counts, as the API sends them now) and ``POST .../messages/count_tokens``.
  A request for structured output (``output_config.format`` of type
  ``json_schema``, as Claude Code asks its session title) is answered with JSON
  made from its schema (``json``); one whose last user message asks for a
  ``<summary>`` block (Claude Code's ``/compact``) with one (``text``).
* Google Gemini: ``POST .../models/<model>:generateContent`` and
  ``:streamGenerateContent`` (SSE with ``alt=sse``; ``usageMetadata`` whose
  ``promptTokenCount`` includes ``cachedContentTokenCount``, as the real API
  does) and ``:countTokens``. A request that asks for JSON
  (``generationConfig.responseMimeType``) is answered with JSON made from its
  schema: ``json`` calls, the side questions Gemini CLI asks (next speaker,
  routing).
  A request that asks for a built-in tool (``googleSearch``, ``codeExecution``,
  ``urlContext``) is answered as after the tool ran on Google's side: text with
  the tool's metadata or parts, ``usageMetadata`` with ``toolUsePromptTokenCount``
  (the tool's results read as a prompt, billed as input) beside the thinking's
  ``thoughtsTokenCount`` (``BUILTIN_TOOL_USAGE``).
* Ollama: ``POST .../api/chat`` (JSON, or NDJSON lines when ``stream`` is true
  or absent, Ollama's default; usage as ``prompt_eval_count``/``eval_count``
  with the durations, on the last line when streaming; no cached-token count;
  tool calls with their arguments as an object, no call id).
* Amazon Bedrock Converse: ``POST .../model/<modelId>/converse`` (JSON) and
  ``/converse-stream`` (AWS event-stream binary frames, CRCs and all, as botocore
  checks them); usage ``inputTokens`` without the cache counts, which come beside it
  as ``cacheReadInputTokens``/``cacheWriteInputTokens`` (Anthropic's convention;
  ``totalTokens`` is the sum of all four). Errors are Bedrock's JSON with
  ``x-amzn-ErrorType``. Logged with ``api`` ``converse``.
* Amazon Bedrock InvokeModel with an Anthropic model (as Anthropic's Bedrock SDK and
  Claude Code call it): ``POST .../model/<modelId>/invoke`` (the Messages answer as
  JSON) and ``/invoke-with-response-stream`` (each Messages SSE event's JSON, base64,
  as the ``bytes`` of an event-stream ``chunk``; Bedrock's invocation metrics added
  to ``message_stop``). Usage as the Messages API sends it, but a stream's
  ``message_delta`` carries the output count alone; errors as Converse's.
  Logged with ``api`` ``invoke``.
* Mistral: ``POST .../mistral/v1/chat/completions`` (a client's server URL set to
  ``<url>/mistral``): Chat Completions as Mistral's API answers it: usage with
  ``prompt_tokens_details.cached_tokens`` and no completion details, sent with the
  last chunk of every stream (there is no ``stream_options``), tool call ids of 9
  letters and digits, a whole tool call in one chunk, ``{"object": "error", ...}``.
* Azure OpenAI: ``POST .../openai/deployments/<deployment>/chat/completions?api-version=…``:
  Chat Completions as Azure answers a deployment: the deployment's model
  (``AZURE_MODEL``, a dated snapshot) in the response's ``model``, content-filter
  results (``prompt_filter_results``, each choice's ``content_filter_results``,
  a stream's first chunk carrying the prompt's alone), usage with cached tokens
  (a stream's only with ``include_usage``); an error is Azure's content-filter
  refusal (``code`` ``content_filter``). Logged with ``api`` ``azure``, the
  deployment as ``model`` and the answer's model as ``response_model``.
* Gemini on Google Cloud Vertex AI: ``POST .../publishers/google/models/<model>:generateContent``
  and ``:streamGenerateContent`` (a project's ``/v1beta1/projects/<p>/locations/<l>/…`` or express
  mode's ``/v1beta1/publishers/…``): the Gemini answer as Vertex sends it (``createTime``, usage
  with ``trafficType`` and modality details, on every chunk of a stream, counted on the last; no
  function call id; a stream as SSE with ``?alt=sse``, the Google Gen AI SDK's, else as one JSON
  array of the chunks, the Vertex AI SDK's REST transport's). Logged with ``api`` ``vertex``.
* Cohere v2 Chat: ``POST .../v2/chat`` (JSON, or SSE events ``message-start`` ...
  ``message-end`` then ``data: [DONE]`` when ``stream`` is true): the answer as Cohere sends it
  (``message.tool_plan`` and ``message.tool_calls`` with ids ``<tool>_<12 characters>``, or
  ``message.content`` text parts; ``finish_reason`` ``TOOL_CALL`` | ``COMPLETE``); usage as
  ``billed_units`` (what is billed: the known numbers) beside ``tokens`` (what the model read and
  wrote: the prompt template Cohere adds and a tool call's syntax too, ``COHERE_TEMPLATE_TOKENS``
  and ``COHERE_TOOL_SYNTAX_TOKENS`` more) and ``cached_tokens``; an error is ``{"id", "message"}``.
  Logged with ``api`` ``cohere``.
* Groq: ``POST .../openai/v1/chat/completions`` (the Groq SDK's base URL set to ``<url>``):
  Chat Completions as Groq answers them: usage with Groq's timings (``queue_time``,
  ``prompt_time``, ``completion_time``, ``total_time``, in seconds) beside the token counts and
  the cached tokens in ``prompt_tokens_details``; ``x_groq`` with the request id and, on an answer,
  the cache's hardware split (``dram_cached_tokens``/``sram_cached_tokens``, the cached tokens
  again, not more of them); a stream's usage in ``x_groq.usage`` on its last chunk whatever the
  request says, and once more on a usage-only chunk after it when ``stream_options.include_usage``
  asks; a whole tool call in one chunk. Logged with ``api`` ``groq``.
* Anthropic Messages at ``.../blocks/v1/messages`` (a base URL ending ``/blocks``): a tool call
  answered as Claude with extended thinking answers it, in three content blocks (``thinking`` with a
  signature, a ``text`` preamble, the ``tool_use``), streamed block after block; logged with ``api``
  ``messages`` and ``blocks`` (the block types sent).
* ``GET .../models`` for both vendors' list shapes.

Paths are matched by their ending, so base URLs with or without ``/v1`` work.
A request line naming a whole URL (``POST http://api.groq.com/openai/v1/chat/completions``,
as a client whose ``HTTP_PROXY`` is this server sends it) is routed by that URL's path; the
host it named is logged as ``proxied_host``: a client can believe it calls a provider's real
host while every byte stays on 127.0.0.1.

What it answers is decided from the conversation, not from a call counter,
so side calls a client makes (titles, quota probes) do not shift the script:

* the last input item is a tool result  -> ``final``: text that quotes it
  (smolagents hands results back as a user message ``Observation: …``, on chat
  and Messages alike);
* else the request offers tools         -> ``tool_call``: one call of a tool;
* else                                  -> ``text``: a short plain answer.

Parallel tool calls (``FakeLLM(parallel_calls=[("get_weather", {"city": "Paris"}),
("get_weather", {"city": "Tokyo"})])``): a Chat Completions or Responses request the rules above answer with
``tool_call`` that offers every tool of the list gets all of those calls in one message (one
answer, one usage), as a model asks for several tools at once; each call with an id of its own,
``call_fakeNNNN_1``, ``call_fakeNNNN_2``... (a Responses ``function_call`` item each), streamed one
call after the other. Its log entry's
``tool_call_id`` and ``tool_name`` are the first call's, and ``tool_calls`` lists them all
(``id``, ``name``, ``arguments``). The conversation then ends with their results: ``final``.

A tool behind a tool search the client runs (``FakeLLM(search_for="get_weather")``): Codex offers an MCP
server's tools only through its ``tool_search`` tool (``execution`` ``client``). A Responses request offering
that search but no tool of that name (plain or MCP-qualified), its conversation holding no search's output
yet, gets a ``tool_search_call`` (``{"query": "get_weather"}``, kind ``tool_call``, logged as
``tool_search``); the client runs the search and hands back a ``tool_search_output`` whose ``namespace``
tools the next request may call (that output is no tool result: no ``final`` for it). A function of a
namespace is called in it (the item's ``namespace`` and the function's own ``name``) and logged by the
one name Codex gives it where an API has no namespaces, ``<namespace>__<name>`` (``mcp__weather__get_weather``).

A resumed conversation (``FakeLLM(later_turn_usage=RESUMED_USAGE)``, below): a Responses or chat
request whose conversation holds an answer of the model (an assistant message, a tool call) before
its last user message goes on from an earlier turn (a resumed Codex session re-sends it all); the
calls of one turn do not.

Scripted tool answers (``FakeLLM(tool_answers={"WeatherReport": [first, second]})``) come
before those rules: a request offering that tool whose conversation holds ``n`` earlier calls
of it, ``n`` below the list's length, is answered with a call of it with the ``n``-th
arguments (``tool_call``), a tool result last or not. So a client that validates a
structured answer and asks again after a failed validation (instructor sends the error back as
the tool's result) gets an invalid answer, then a valid one, decided by the conversation. Several
scripted tools offered in one request are called in the script's order (the dict's), each through
its list before the next, whatever order the request lists them in. With ``script_system``
(``FakeLLM(tool_answers=..., script_system="Hand weather questions off")``) only the requests whose
system instructions hold that text get the scripted calls (one agent's of several that are all
offered the tool: a Strands swarm gives every agent its ``handoff_to_agent``); the others are
answered by the usual rules. The calls a conversation holds
are its answers' tool calls, and the calls smolagents hands back as an assistant's text
(``Calling tools:`` and their Python repr), so a smolagents ``ToolCallingAgent``, which ends its run
only on a ``final_answer`` call, can be scripted to call its tool, then ``final_answer``.

A chat request in DSPy's ChatAdapter format (its system message lists "Your
output fields are:" and ends the answer's structure with ``[[ ## completed ## ]]``)
is answered in that format: one ``[[ ## field ## ]]`` section per output field,
then ``[[ ## completed ## ]]``. ``dspy.ReAct`` names its tools in the text
(``next_tool_name``/``next_tool_args``) and hands results back inside the
``trajectory`` input (``[[ ## observation_N ## ]]``), so for such a request:

* ReAct's step with no observation yet        -> ``tool_call``: the preferred tool;
* ReAct's step after a tool's observation     -> ``tool_call``: ReAct's ``finish`` tool;
* any other signature after an observation    -> ``final``: its fields quote it;
* else                                        -> ``text``.

Those answers carry no call id on the wire; the log gives each tool choice an id
of its own (``dspy_fakeNNNN``) so it still says which answers asked for a tool.

A chat request of a KaibanJS agent (its system prompt lists its tools under ``## Tools
available for your use:``, each ``name: description Tool Input Schema: {…}``, and asks for
JSON objects ending with ``{"finalAnswer": …}``; no tool on the wire) is answered in JSON:
its last user message a tool's result (``You got this result from the tool: …``) ->
``final``, ``{"finalAnswer": …}`` quoting it; else a tool listed -> ``tool_call``,
``{"thought", "action": <tool>, "actionInput": <arguments>}``; else ``text``,
``{"finalAnswer": …}``. The log names each action's tool with an id ``kaiban_fakeNNNN``.

Each kind returns KNOWN usage numbers (``DEFAULT_USAGE``), distinct from each
other so tests can find them in telemetry.  With ``FakeLLM(later_turn_usage=LATER_TURN_USAGE)``
a request in a conversation's later turn (its conversation holds an earlier turn's last answer:
an assistant message asking for no tool, as a resumed session's requests do; Messages, Chat
Completions and Gemini requests) is answered with
that table's usage instead: most of its prompt read from the cache the earlier turn wrote;
its log entry is marked ``resumed`` and says which turn it was (``turn``, 1 for the first).  In ``error`` mode every model call
is answered with an HTTP error (400 by default, so SDKs do not retry) and the
vendor's JSON error body; with ``refuse_system`` (``begin_run("error", mode="error",
refuse_system="You greet people.")``) only a request whose system instructions hold
that text is (a sub-agent's own calls, its prompt in them), the others answered as in
``ok`` mode; with ``refuse_later_turns`` only a request of a later turn is (a resumed session
whose first turn was answered).

Stable API (used by the recorders and by the CLI recorders):

    with FakeLLM(log_path=None) as llm:     # starts on a free port
        llm.url                              # "http://127.0.0.1:PORT"
        llm.openai_base_url                  # llm.url + "/v1"
        llm.begin_run("ok")                  # tags later log entries
        llm.begin_run("error", mode="error", error_status=400)
        llm.begin_run("error", mode="error", refuse_system="...")  # only those requests refused
        llm.begin_run("error", mode="error", refuse_later_turns=True)  # only a later turn's requests
        llm.log                              # list of dicts, one per request
        llm.calls(run="ok")                  # model calls only (no /models)

Each log entry holds: ``seq``, ``run``, ``method``, ``path``, ``api``
(``chat`` | ``responses`` | ``messages`` | ``count_tokens`` | ``models`` |
``other``), ``model``, ``stream``, ``kind``, ``status``, ``response_id``,
``request_id`` (the ``request-id``/``x-request-id`` header sent, one per call),
``api`` also ``gemini``, ``gemini_count``, ``ollama``, ``mistral`` and ``cohere``,
``tool_call_id``, ``tool_name``, ``tool_calls`` (a parallel answer's calls, above), ``resumed`` (a resumed
conversation's answer, above), ``usage`` (exactly the usage object sent on
the wire, or None) and ``usage_normalized`` (``input``, ``output``,
``cached``, ``cache_creation``, ``reasoning``), ``stream_start_usage`` (a
streamed Messages answer's ``message_start`` usage, whose output count
``message_delta``'s includes), ``user_agent``.  With
``log_path`` every entry is also appended to that file as a JSON line.

Run as a script (``python fakellm.py --port 8999``) it serves until killed.
"""

from __future__ import annotations

import argparse
import ast
import base64
import gzip
import json
import re
import struct
import threading
import time
import zlib
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Usage:
    """Token counts for one answer, in the vendor-neutral sense.

    ``input`` is the OpenAI meaning (prompt tokens, cached ones included);
    for Anthropic the wire ``input_tokens`` is ``input`` itself and the cache
    counts are reported beside it, as the Anthropic API does.
    """

    input: int
    output: int
    cached: int = 0
    cache_creation: int = 0
    reasoning: int = 0


# Distinct numbers per answer kind, so a test can tell which call a number came from.
DEFAULT_USAGE: dict[str, Usage] = {
    "tool_call": Usage(input=1234, output=56, cached=200, cache_creation=64, reasoning=0),
    "final": Usage(input=1400, output=78, cached=300, cache_creation=32, reasoning=0),
    "text": Usage(input=321, output=21, cached=0, cache_creation=0, reasoning=0),
    # A JSON answer to a request that asks for one (Gemini CLI's side questions).
    "json": Usage(input=512, output=17, cached=0, cache_creation=0, reasoning=0),
}
#: The answers of a conversation's later turn (``FakeLLM(later_turn_usage=...)``): the earlier turns are
#: in the prompt and read from the cache (Anthropic's ``cache_read_input_tokens``, far above the uncached
#: ``input_tokens``), the new prompt and tool result written to it; distinct from the first turn's numbers.
LATER_TURN_USAGE: dict[str, Usage] = {
    "tool_call": Usage(input=87, output=61, cached=1698, cache_creation=145, reasoning=0),
    "final": Usage(input=96, output=83, cached=1843, cache_creation=40, reasoning=0),
}
#: The same answers from a model that thinks before it answers (Gemini 2.5 and later): each
#: answer's output includes thinking tokens (``thoughtsTokenCount`` on the wire, billed as
#: output); Gemini reports no cache writes.
THINKING_USAGE: dict[str, Usage] = {
    kind: Usage(u.input, u.output, u.cached, 0, reasoning)
    for (kind, u), reasoning in zip(DEFAULT_USAGE.items(), (24, 40, 0, 0), strict=True)
}

#: The usage keys of a Messages stream's ``message_delta`` (cumulative counts, Anthropic's names).
ANTHROPIC_DELTA_USAGE = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens")

#: The name a client-run tool search is logged under (a Responses ``tool_search_call`` item).
TOOL_SEARCH = "tool_search"

# Tools a client is likely to define, tried in this order before "the first tool".
PREFERRED_TOOLS = (
    "get_weather",
    "Bash",
    "shell",
    "shell_command",
    "exec_command",
    "bash",
    "run_shell_command",  # Gemini CLI
    "Execute",  # Factory's Droid
)

# Arguments for well-known tools; others get arguments made from their JSON schema.
KNOWN_ARGS: dict[str, dict[str, Any]] = {
    "get_weather": {"city": "Paris"},
    "Bash": {"command": "echo fakellm-tool-ok", "description": "Print a marker"},
    "run_shell_command": {"command": "echo fakellm-tool-ok", "description": "Print a marker"},
}

FINAL_PREFIX = "Final answer from fakellm. The tool said: "
TEXT_ANSWER = "Hello from fakellm."


def _schema_args(schema: dict | None) -> dict[str, Any]:
    """Make plausible arguments from a tool's JSON schema (required fields only)."""
    if not isinstance(schema, dict):
        return {}
    props = schema.get("properties") or {}
    required = list(schema.get("required") or [])
    if not required and props:
        required = [next(iter(props))]
    args: dict[str, Any] = {}
    for name in required:
        spec = props.get(name) or {}
        typ = spec.get("type")
        if isinstance(typ, list):
            typ = next((t for t in typ if t != "null"), "string")
        if isinstance(typ, str):
            typ = typ.lower()  # Gemini's schemas spell types in capitals ("INTEGER")
        if spec.get("enum"):
            args[name] = spec["enum"][0]
        elif typ == "array":
            shell_like = name in ("command", "cmd", "argv")
            args[name] = ["bash", "-lc", "echo fakellm-tool-ok"] if shell_like else []
        elif typ in ("integer", "number"):
            args[name] = 1
        elif typ == "boolean":
            args[name] = False
        elif typ == "object":
            args[name] = {}
        elif name in ("command", "cmd"):
            args[name] = "echo fakellm-tool-ok"
        else:
            args[name] = "Paris"
    return args


def _tool_defs(api: str, body: dict) -> list[tuple[str, dict | None]]:
    """(name, json schema) of every function tool the request offers."""
    out: list[tuple[str, dict | None]] = []
    for tool in body.get("tools") or []:
        if not isinstance(tool, dict):
            continue
        if api in ("chat", "ollama", "mistral") and isinstance(tool.get("function"), dict):
            fn = tool["function"]
            out.append((fn.get("name", ""), fn.get("parameters")))
        elif api == "responses" and tool.get("type") == "function":
            out.append((tool.get("name", ""), tool.get("parameters")))
        elif api == "responses" and tool.get("type") == "namespace":
            out.extend(_namespace_tools(tool))
        # Server tools (web_search and so on) have a "type" but no input_schema. A deferred tool
        # (defer_loading) is out of the model's sight until a tool search loads it, so never called
        # (Claude Code offers a DeferredToolPlaceholder that way beside its MCP tools).
        elif (api == "messages" and tool.get("name") and "input_schema" in tool
              and not tool.get("defer_loading")):
            out.append((tool["name"], tool.get("input_schema")))
        elif api == "gemini":
            for fn in tool.get("functionDeclarations") or []:
                if isinstance(fn, dict):
                    out.append((fn.get("name", ""), fn.get("parametersJsonSchema") or fn.get("parameters")))
    if api == "responses":  # the tools a client-run tool search loaded (Codex's deferred MCP tools)
        for item in body.get("input") if isinstance(body.get("input"), list) else []:
            if isinstance(item, dict) and item.get("type") == "tool_search_output":
                for tool in item.get("tools") or []:
                    if isinstance(tool, dict) and tool.get("type") == "namespace":
                        out.extend(_namespace_tools(tool))
                    elif isinstance(tool, dict) and tool.get("type") == "function":
                        out.append((tool.get("name", ""), tool.get("parameters")))
    return [t for t in out if t[0]]


def _qualified(namespace: str, name: str) -> str:
    """A namespace's function by one name: ``mcp__weather`` and ``get_weather`` -> ``mcp__weather__get_weather``
    (as Codex names a namespaced tool where an API has no namespaces, and an MCP server's tool)."""
    return f"{namespace}__{name}"


def _namespace_tools(tool: dict) -> list[tuple[str, dict | None]]:
    """(qualified name, schema) of each function of a Responses ``namespace`` tool (``_qualified``)."""
    ns = str(tool.get("name") or "")
    return [(_qualified(ns, str(fn["name"])), fn.get("parameters"))
            for fn in tool.get("tools") or [] if isinstance(fn, dict) and fn.get("type") == "function" and fn.get("name")]


def _namespace_of(body: dict, qualified: str) -> tuple[str, str] | None:
    """(namespace, function name) of a namespaced function the request offers or a tool search loaded."""
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    for item in body.get("input") if isinstance(body.get("input"), list) else []:
        if isinstance(item, dict) and item.get("type") == "tool_search_output":
            tools += [t for t in item.get("tools") or [] if isinstance(t, dict)]
    for tool in tools:
        if tool.get("type") != "namespace":
            continue
        ns = str(tool.get("name") or "")
        for fn in tool.get("tools") or []:
            if isinstance(fn, dict) and fn.get("name") and _qualified(ns, str(fn["name"])) == qualified:
                return ns, str(fn["name"])
    return None


def _client_tool_search(api: str, body: dict) -> bool:
    """Whether a Responses request offers a tool search the client runs (``tool_search``, ``execution``
    ``client``: Codex defers its MCP servers' tools behind one) and has not searched yet."""
    if api != "responses":
        return False
    offered = any(isinstance(t, dict) and t.get("type") == "tool_search" and t.get("execution") == "client"
                  for t in body.get("tools") or [])
    items = body.get("input") if isinstance(body.get("input"), list) else []
    return offered and not any(isinstance(i, dict) and i.get("type") == "tool_search_output" for i in items)


def _mcp_qualified(offered: str, tool: str) -> bool:
    """Whether ``offered`` is an MCP server's tool ``tool`` under the name an agent CLI gives it:
    ``mcp_<server>_<tool>`` (Gemini CLI), ``mcp__<server>__<tool>`` (Claude Code), ``<server>__<tool>``
    (fast-agent), ``<server>-<tool>`` (GitHub Copilot CLI)."""
    if offered.endswith(f"-{tool}"):
        return len(offered) > len(tool) + 1
    return offered.endswith(f"_{tool}") and (offered.startswith("mcp_") or offered.endswith(f"__{tool}"))


def _pick_tool(tools: list[tuple[str, dict | None]]) -> tuple[str, dict]:
    names = {name: schema for name, schema in tools}
    for name in PREFERRED_TOOLS:
        if name in names:
            return name, KNOWN_ARGS.get(name) or _schema_args(names[name])
        # An MCP server's tool, named with its server by the client (offered beside the client's own).
        qualified = next((offered for offered in names if _mcp_qualified(offered, name)), None)
        if qualified is not None:
            return qualified, KNOWN_ARGS.get(name) or _schema_args(names[qualified])
    name, schema = tools[0]
    return name, KNOWN_ARGS.get(name) or _schema_args(schema)


def _smolagents_calls(text: str) -> list[str]:
    """The tools an earlier answer called as smolagents hands it back: an assistant message of text,
    ``Calling tools:`` and the Python repr of the calls (``[{'id': …, 'type': 'function', 'function':
    {'name': 'get_weather', 'arguments': {…}}}]``), on chat and Messages alike; [] for other text."""
    if not text.startswith("Calling tools:"):
        return []
    try:
        calls = ast.literal_eval(text.split("Calling tools:", 1)[1].strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return []
    return [c["function"].get("name") for c in calls if isinstance(c, dict) and isinstance(c.get("function"), dict)] \
        if isinstance(calls, list) else []


def _earlier_calls(api: str, body: dict, name: str) -> int:
    """How many calls of tool ``name`` the conversation's earlier answers made (chat messages'
    ``tool_calls``, Responses ``function_call`` items, smolagents' ``Calling tools:`` text)."""
    if api == "responses":
        items = body.get("input")
        return sum(1 for i in items if isinstance(i, dict) and i.get("type") == "function_call"
                   and i.get("name") == name) if isinstance(items, list) else 0
    answers = [m for m in body.get("messages") or [] if isinstance(m, dict) and m.get("role") == "assistant"]
    return sum(1 for m in answers for c in m.get("tool_calls") or [] if isinstance(c, dict)
               and (c.get("function") or {}).get("name") == name) + sum(
        _smolagents_calls(_text_of(m.get("content"))).count(name) for m in answers)


def _earlier_turns(api: str, body: dict) -> int:
    """How many turns the conversation holds before the one this request is in: its assistant
    messages that ask for no tool (a turn's last answer; Messages without a ``tool_use`` block,
    chat without ``tool_calls``, Gemini's ``contents`` of role ``model`` without a ``functionCall``
    part); 0 for the other APIs, whose answers never use ``later_turn_usage``."""
    if api in ("gemini", "vertex"):
        return sum(1 for c in body.get("contents") or [] if isinstance(c, dict) and c.get("role") == "model"
                   and not any(isinstance(p, dict) and "functionCall" in p for p in c.get("parts") or []))
    if api not in ("messages", "chat", "mistral", "ollama"):
        return 0
    turns = 0
    for m in body.get("messages") or []:
        if not isinstance(m, dict) or m.get("role") != "assistant" or m.get("tool_calls"):
            continue
        content = m.get("content")
        if isinstance(content, list) and any(isinstance(c, dict) and c.get("type") == "tool_use" for c in content):
            continue
        turns += 1
    return turns


def _scripted_call(api: str, body: dict, tools: list[tuple[str, dict | None]],
                   answers: dict[str, list[dict[str, Any]]]) -> tuple[str, dict] | None:
    """The scripted call of an offered tool this request gets (its arguments the next of the
    tool's list after the calls the conversation holds), or None. Several scripted tools offered
    together are called in the script's order, not the request's (a plan before the work)."""
    offered = {name for name, _schema in tools}
    for name, script in answers.items():
        if name not in offered:
            continue
        n = _earlier_calls(api, body, name)
        if n < len(script):
            return name, script[n]
    return None


def _text_of(value: Any) -> str:
    """Flatten a tool result (string, content-part list, ...) into text."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(_text_of(v) for v in value)
    if isinstance(value, dict):
        for key in ("text", "output", "content"):
            if key in value:
                return _text_of(value[key])
    return "" if value is None else json.dumps(value)


def _continues_earlier_turn(api: str, body: dict) -> bool:
    """Whether a Responses or chat conversation holds an answer of the model (a message of the
    assistant, a tool call) before its last user message: a turn that goes on from an earlier one
    (a resumed session re-sends its history), not the model calls of one turn."""
    if api == "responses":
        items = body.get("input")
        items = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    elif api in ("chat", "ollama", "mistral", "azure", "groq"):
        items = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    else:
        return False
    users = [n for n, i in enumerate(items) if i.get("role") == "user" and i.get("type", "message") == "message"]
    return bool(users) and any(
        i.get("role") == "assistant" or i.get("type") == "function_call" for i in items[:users[-1]])


def _system_text(api: str, body: dict) -> str:
    """The request's system instructions as text: Messages' and Converse's ``system``, chat
    messages of role ``system``/``developer``, Responses' ``instructions`` and input items of those
    roles (the AI SDK sends a system prompt so), Gemini's ``systemInstruction``."""
    if api in ("chat", "ollama", "mistral", "azure", "groq"):
        return " ".join(_text_of(m.get("content")) for m in body.get("messages") or []
                        if isinstance(m, dict) and m.get("role") in ("system", "developer"))
    if api == "responses":
        items = body.get("input") if isinstance(body.get("input"), list) else []
        return " ".join([_text_of(body.get("instructions")), *(
            _text_of(m.get("content")) for m in items if isinstance(m, dict) and m.get("role") in ("system", "developer"))])
    if api in ("gemini", "vertex"):
        return " ".join(_text_of(p) for p in (body.get("systemInstruction") or {}).get("parts") or [])
    return _text_of(body.get("system"))


def _last_tool_result(api: str, body: dict) -> str | None:
    """The tool result the conversation ends with, or None when it does not."""
    if api in ("chat", "ollama", "mistral"):
        msgs = body.get("messages") or []
        if msgs and isinstance(msgs[-1], dict) and msgs[-1].get("role") == "tool":
            return _text_of(msgs[-1].get("content"))
        if msgs and isinstance(msgs[-1], dict) and msgs[-1].get("role") == "user":
            # smolagents hands a tool's result back as a user message: "Observation:\n…".
            text = _text_of(msgs[-1].get("content"))
            if text.startswith("Observation:"):
                return text.split("Observation:", 1)[1].strip()
    elif api == "responses":
        items = body.get("input")
        if isinstance(items, list) and items and isinstance(items[-1], dict):
            last = items[-1]
            # A tool search's output loads tools for the next call: the turn goes on, no result to quote.
            if str(last.get("type", "")).endswith("_output") and last.get("type") != "tool_search_output":
                return _text_of(last.get("output"))
    elif api == "messages":
        msgs = body.get("messages") or []
        if msgs and isinstance(msgs[-1], dict) and msgs[-1].get("role") == "user":
            content = msgs[-1].get("content")
            if isinstance(content, list):
                results = [c for c in content if isinstance(c, dict) and c.get("type") == "tool_result"]
                if results:
                    return _text_of(results[-1].get("content"))
            # smolagents on Anthropic (through LiteLLM) hands a tool's result back as in chat: "Observation:\n…".
            text = _text_of(content)
            if text.startswith("Observation:"):
                return text.split("Observation:", 1)[1].strip()
    elif api == "gemini":
        contents = body.get("contents") or []
        if contents and isinstance(contents[-1], dict):
            parts = [p for p in contents[-1].get("parts") or [] if isinstance(p, dict) and "functionResponse" in p]
            if parts:
                return _text_of((parts[-1]["functionResponse"] or {}).get("response"))
    return None


def _wants_json(api: str, body: dict) -> dict | None:
    """The JSON schema a Gemini or Messages request asks its answer to follow ({} for JSON of any shape), or
    a chat request's BAML output format, or None."""
    if api == "messages":
        return _messages_json_schema(body)
    if api == "chat":
        return _baml_output_schema(body)
    if api != "gemini":
        return None
    config = body.get("generationConfig") or {}
    if config.get("responseMimeType") != "application/json":
        return None
    schema = config.get("responseJsonSchema") or config.get("responseSchema") or {}
    return schema if isinstance(schema, dict) else {}



def _messages_json_schema(body: dict) -> dict | None:
    """The schema of a Messages request's structured output (``output_config.format``, or the beta's
    ``output_format``: ``{"type": "json_schema", "schema": ...}``; Claude Code asks its session title
    so), or None."""
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) else None
    fmt = fmt if isinstance(fmt, dict) else body.get("output_format")
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return None
    schema = fmt.get("schema")
    return schema if isinstance(schema, dict) else {}



#: How BAML's prompt (``{{ ctx.output_format }}``) asks for an object of a class: its fields follow as
#: ``name: type,`` lines (``// description`` lines between them), one object in braces.
BAML_OUTPUT_FORMAT = "Answer in JSON using this schema:"
BAML_FIELD = re.compile(r"^\s*(\w+): ([^\n]+?),?\s*$", re.M)
BAML_TYPES = {"int": "integer", "float": "number", "bool": "boolean"}


def _baml_output_schema(body: dict) -> dict | None:
    """The object a chat request's BAML output format asks for, as a JSON schema of its top-level fields (their
    BAML types as JSON types: ``int``, ``float``, ``bool``, a list ``T[]``, else a string), or None."""
    text = " ".join(_text_of(m.get("content")) for m in body.get("messages") or [] if isinstance(m, dict))
    if BAML_OUTPUT_FORMAT not in text:
        return None
    block = text.rsplit(BAML_OUTPUT_FORMAT, 1)[1].split("\n}", 1)[0]
    props: dict[str, dict] = {}
    for name, typ in BAML_FIELD.findall(block):
        base = typ.split(" or ", 1)[0].strip()
        props[name] = {"type": "array" if base.endswith("[]") else BAML_TYPES.get(base, "string")}
    return {"type": "object", "properties": props, "required": list(props)} if props else None


#: The answer to a request for a summary of the conversation (Claude Code's ``/compact``).
SUMMARY_ANSWER = "<analysis>\nfakellm looked at the conversation.\n</analysis>\n<summary>\nfakellm summary.\n</summary>"


def _wants_summary(api: str, body: dict) -> bool:
    """A Messages request whose last user message asks for a ``<summary>`` block: Claude Code's
    compaction, which asks again (a second billed call) when the answer has none."""
    msgs = body.get("messages") if api == "messages" else None
    if not msgs or not isinstance(msgs[-1], dict) or msgs[-1].get("role") != "user":
        return False
    content = msgs[-1].get("content")
    texts = [content] if isinstance(content, str) else [
        b.get("text") for b in content or [] if isinstance(b, dict) and b.get("type") == "text"]
    return any(isinstance(t, str) and "<summary>" in t for t in texts[-1:])


# DSPy's ChatAdapter: a field's section header, and the tool list dspy.ReAct writes into its instructions.
DSPY_HEADER = re.compile(r"\[\[ ## (\w+) ## \]\]")
DSPY_TOOL = re.compile(r"^\s*\(\d+\) (\w+), whose description is .*?\. It takes arguments (\{.*\})\.\s*$", re.M)
DSPY_FINISH = "finish"  # the tool dspy.ReAct adds to end its loop


@dataclass(frozen=True)
class DSPyRequest:
    """What a chat request in DSPy's ChatAdapter format asks for."""

    fields: list[str]  # its output fields, in order
    tools: list[tuple[str, dict | None]]  # dspy.ReAct's tools (name, JSON schema), finish included
    observations: list[tuple[str, str]]  # (tool name, result) of each step of its trajectory so far


def _sections(text: str) -> dict[str, str]:
    """A ChatAdapter text's ``[[ ## name ## ]]`` sections (the first of each name)."""
    parts = DSPY_HEADER.split(text)
    out: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=False):
        out.setdefault(name, body.strip())
    return out


def _dspy_request(api: str, body: dict) -> DSPyRequest | None:
    """The request's DSPy ChatAdapter fields, or None when it is not in that format."""
    if api != "chat":
        return None
    msgs = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    system = next((_text_of(m.get("content")) for m in msgs if m.get("role") in ("system", "developer")), "")
    if "Your output fields are:" not in system or "[[ ## completed ## ]]" not in system:
        return None
    listed = system.split("Your output fields are:", 1)[1].split("All interactions will be structured", 1)[0]
    fields = re.findall(r"^\d+\. `(\w+)`", listed, re.M)
    if not fields:
        return None
    tools: list[tuple[str, dict | None]] = []
    for name, args in DSPY_TOOL.findall(system):
        try:
            props = ast.literal_eval(args)
        except (ValueError, SyntaxError):
            props = {}
        tools.append((name, {"type": "object", "properties": props} if isinstance(props, dict) else None))
    user = next((_text_of(m.get("content")) for m in reversed(msgs) if m.get("role") == "user"), "")
    # The trajectory is itself ChatAdapter text (thought_N, tool_name_N, tool_args_N, observation_N),
    # the last input field of the user message; what follows its last observation is the reminder
    # of the output format, a paragraph of its own.
    marker = "[[ ## trajectory ## ]]"
    steps = _sections(user.split(marker, 1)[1]) if marker in user else {}
    observations = [
        (steps.get(f"tool_name_{n}", ""), steps[f"observation_{n}"].split("\n\n", 1)[0])
        for n in sorted(int(k.rsplit("_", 1)[1]) for k in steps if re.fullmatch(r"observation_\d+", k))
    ]
    return DSPyRequest(fields, tools, observations)


def _dspy_answer(req: DSPyRequest) -> tuple[str, str, tuple[str, dict] | None]:
    """(kind, ChatAdapter text, the tool it names) for a DSPy request."""
    done = [result for name, result in req.observations if name != DSPY_FINISH] or [r for _, r in req.observations]
    tool: tuple[str, dict] | None = None
    if "next_tool_name" in req.fields:
        names = [t[0] for t in req.tools]
        if req.observations and DSPY_FINISH in names:
            tool = (DSPY_FINISH, {})
        else:
            choices = [t for t in req.tools if t[0] != DSPY_FINISH] or req.tools
            tool = _pick_tool(choices) if choices else (DSPY_FINISH, {})
        kind, text = "tool_call", ""
    elif done:
        kind, text = "final", FINAL_PREFIX + done[-1].strip()[:80]
    else:
        kind, text = "text", TEXT_ANSWER
    values = {
        "next_thought": f"I will call {tool[0]}." if tool else "",
        "next_tool_name": tool[0] if tool else "",
        "next_tool_args": json.dumps(tool[1]) if tool else "{}",
        "reasoning": "The tool answered the question." if done else "No tool is needed.",
    }
    out = "".join(f"[[ ## {f} ## ]]\n{values.get(f, text)}\n\n" for f in req.fields)
    return kind, out + "[[ ## completed ## ]]", tool


# KaibanJS's ReAct agent: its tools and its output format (JSON objects) in the system prompt, a tool's
# result handed back as the next user message.
KAIBAN_FORMAT = '"finalAnswer": "The final answer to the Task."'
KAIBAN_TOOLS = "## Tools available for your use:"
KAIBAN_SCHEMA = " Tool Input Schema: "
KAIBAN_TOOL_RESULT = "You got this result from the tool: "


@dataclass(frozen=True)
class KaibanRequest:
    """What a chat request of a KaibanJS agent asks for."""

    tools: list[tuple[str, dict | None]]  # the tools its system prompt lists (name, JSON schema)
    tool_result: str | None  # the tool's result the conversation ends with


def _kaiban_request(api: str, body: dict) -> KaibanRequest | None:
    """The request's KaibanJS tools and last tool result, or None when it is not a KaibanJS agent's."""
    if api != "chat":
        return None
    system = _system_text(api, body)
    if KAIBAN_FORMAT not in system or KAIBAN_TOOLS not in system:
        return None
    # "name: description Tool Input Schema: {json}", joined with ", ".
    listed = system.split(KAIBAN_TOOLS, 1)[1]
    tools: list[tuple[str, dict | None]] = []
    start = 0
    while (at := listed.find(KAIBAN_SCHEMA, start)) >= 0:
        name = listed[start:at].lstrip(", \n").split(":", 1)[0].strip()
        try:
            schema, end = json.JSONDecoder().raw_decode(listed, at + len(KAIBAN_SCHEMA))
        except ValueError:
            break
        if name:
            tools.append((name, schema if isinstance(schema, dict) else None))
        start = end
    msgs = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    last = _text_of(msgs[-1].get("content")) if msgs and msgs[-1].get("role") == "user" else ""
    result = None
    if last.startswith(KAIBAN_TOOL_RESULT):
        raw = last[len(KAIBAN_TOOL_RESULT):]
        try:
            result = _text_of(json.loads(raw))
        except ValueError:
            result = raw
    return KaibanRequest(tools, result)


def _kaiban_answer(req: KaibanRequest) -> tuple[str, str, tuple[str, dict] | None]:
    """(kind, JSON text, the tool it names) for a KaibanJS request: the tool's result last -> its final
    answer quoting it; else a tool listed -> an action calling it; else a final answer."""
    if req.tool_result is not None:
        return "final", json.dumps({"finalAnswer": FINAL_PREFIX + req.tool_result.strip()[:80]}), None
    if req.tools:
        tool = _pick_tool(req.tools)
        return "tool_call", json.dumps({"thought": f"I will call {tool[0]}.", "action": tool[0],
                                        "actionInput": tool[1]}), tool
    return "text", json.dumps({"finalAnswer": TEXT_ANSWER}), None


class FakeLLM:
    """The server; see the module docstring for the stable API."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        log_path: str | Path | None = None,
        usage: dict[str, Usage] | None = None,
        log_bodies: bool = False,
        tool_answers: dict[str, list[dict[str, Any]]] | None = None,
        parallel_calls: list[tuple[str, dict[str, Any]]] | None = None,
        later_turn_usage: dict[str, Usage] | None = None,
        search_for: str | None = None,
        script_system: str | None = None,
    ) -> None:
        self.usage = dict(DEFAULT_USAGE, **(usage or {}))
        self.search_for = search_for
        self.script_system = script_system
        self.later_turn_usage = dict(later_turn_usage or {})
        self.tool_answers = dict(tool_answers or {})
        self.parallel_calls = [(name, dict(args)) for name, args in parallel_calls or []]
        self.log: list[dict] = []
        self.log_path = Path(log_path) if log_path else None
        self.log_bodies = log_bodies
        self.run = "default"
        self.mode = "ok"
        self.error_status = 400
        self.refuse_offering: str | None = None
        self.refuse_system: str | None = None
        self.refuse_later_turns = False
        self._lock = threading.Lock()
        self._seq = 0
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    def start(self) -> FakeLLM:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fakellm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def begin_run(self, run: str, mode: str = "ok", error_status: int = 400,
                  refuse_offering: str | None = None, refuse_system: str | None = None,
                  refuse_later_turns: bool = False) -> None:
        """Tag what follows with ``run``; ``mode`` is ``ok`` or ``error``. With ``refuse_offering``
        (a tool's name) an ``error`` run refuses only the requests that offer that tool and answers
        the others as usual: one agent of several fails (the specialist a triage agent handed off to);
        with ``refuse_system`` only the requests whose system instructions hold that text (a sub-agent's);
        with ``refuse_later_turns`` only the requests of a conversation's later turn (a resumed session's)."""
        if mode not in ("ok", "error"):
            raise ValueError(f"mode must be 'ok' or 'error', not {mode!r}")
        with self._lock:
            self.run, self.mode, self.error_status = run, mode, error_status
            self.refuse_offering = refuse_offering
            self.refuse_system = refuse_system if mode == "error" else None
            self.refuse_later_turns = refuse_later_turns and mode == "error"

    def calls(self, run: str | None = None) -> list[dict]:
        """Model calls (chat, responses, messages), optionally of one run."""
        return [
            e
            for e in list(self.log)
            if e["api"] in ("chat", "responses", "messages", "gemini", "ollama", "converse", "mistral", "invoke", "azure", "vertex", "groq", "cohere") and (run is None or e["run"] == run)
        ]

    # -- internals -------------------------------------------------------
    def _next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def _record(self, entry: dict) -> None:
        with self._lock:
            self.log.append(entry)
            if self.log_path:
                with self.log_path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(entry, sort_keys=True) + "\n")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep recorder output quiet
                pass

            def do_GET(self) -> None:
                server._handle(self, "GET")

            def do_POST(self) -> None:
                server._handle(self, "POST")

            def do_HEAD(self) -> None:
                server._handle(self, "HEAD")

        return Handler

    def _handle(self, req: BaseHTTPRequestHandler, method: str) -> None:
        raw = b""
        length = int(req.headers.get("Content-Length") or 0)
        if length:
            raw = req.rfile.read(length)
        enc = (req.headers.get("Content-Encoding") or "").lower()
        try:
            if enc == "gzip":
                raw = gzip.decompress(raw)
            elif enc == "deflate":
                raw = zlib.decompress(raw)
        except Exception:  # noqa: BLE001 - a bad body is answered with 400 below
            pass
        proxied_host, target = _proxied(req.path)
        path = target.split("?", 1)[0].rstrip("/")
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}

        if _azure_deployment(path) is not None:
            api = "azure"  # Azure OpenAI: the deployment is in the path, the model in the answer
        elif _vertex_model(path) is not None:
            api = "vertex"  # Gemini on Vertex AI: the publisher's model in the path
        elif path.endswith("/openai/v1/chat/completions"):
            api = "groq"  # Groq: its OpenAI-shaped API under /openai/v1
        elif "/mistral/" in path and path.endswith("/chat/completions"):
            api = "mistral"
        elif path.endswith("/v2/chat"):
            api = "cohere"  # Cohere's v2 Chat API
        elif path.endswith("/chat/completions"):
            api = "chat"
        elif path.endswith("/api/chat"):
            api = "ollama"
            body.setdefault("stream", True)  # Ollama streams unless told not to
        elif path.endswith("/messages/count_tokens"):
            api = "count_tokens"
        elif "/blocks/" in path and path.endswith("/messages"):
            api = "messages_blocks"  # Anthropic Messages, a tool call answered in several content blocks
        elif path.endswith("/messages"):
            api = "messages"
        elif path.endswith("/responses"):
            api = "responses"
        elif path.endswith((":generateContent", ":streamGenerateContent")):
            api = "gemini"
            body = _gemini_camel_case(body)  # LiteLLM spells the request's fields in proto's snake_case
            body.setdefault("model", path.rsplit("/", 1)[-1].split(":", 1)[0])
            body["stream"] = path.endswith(":streamGenerateContent")
        elif path.endswith(":countTokens"):
            api = "gemini_count"
        elif "/model/" in path and path.endswith(("/converse", "/converse-stream")):
            api = "converse"  # Amazon Bedrock: the model id (URL-encoded) is in the path
            body["model"], body["stream"] = unquote(path.rsplit("/", 2)[-2]), path.endswith("-stream")
        elif "/model/" in path and path.endswith(("/invoke", "/invoke-with-response-stream")):
            api = "invoke"  # Bedrock InvokeModel: the model id in the path, the body Anthropic's
            body["model"], body["stream"] = unquote(path.rsplit("/", 2)[-2]), path.endswith("-stream")
        elif path.endswith("/models") or "/models/" in path:
            api = "models"
        else:
            api = "other"

        seq = self._next_seq()
        # One request id per call (clients report it in telemetry), so a test can
        # tell which call an event describes; a constant id would match them all.
        req.fake_request_id = f"req_fake{seq:04d}"  # type: ignore[attr-defined]
        with self._lock:
            run, mode, error_status = self.run, self.mode, self.error_status
            refuse_offering, refuse_system = self.refuse_offering, self.refuse_system
            refuse_later_turns = self.refuse_later_turns
        if mode == "error" and refuse_offering is not None and refuse_offering not in {
                name for name, _schema in _tool_defs(api, body)}:
            mode = "ok"  # not the agent whose calls this run refuses
        if mode == "error" and refuse_system is not None and refuse_system not in _system_text(api, body):
            mode = "ok"  # not one of the requests this run refuses
        earlier_turns = _earlier_turns(api, body)
        if mode == "error" and refuse_later_turns and not earlier_turns:
            mode = "ok"  # a first turn's request: this run refuses a later turn's only
        entry: dict[str, Any] = {
            "seq": seq,
            "run": run,
            "time": time.time(),
            "method": method,
            "path": path,
            "api": api,
            "model": body.get("model"),
            "stream": bool(body.get("stream")),
            "kind": None,
            "status": 200,
            "response_id": None,
            "request_id": req.fake_request_id,  # type: ignore[attr-defined]
            "tool_call_id": None,
            "tool_name": None,
            "usage": None,
            "usage_normalized": None,
            "user_agent": req.headers.get("User-Agent"),
        }
        if proxied_host is not None:
            entry["proxied_host"] = proxied_host
        if self.later_turn_usage or refuse_later_turns:
            entry["turn"] = earlier_turns + 1
        if self.log_bodies:
            entry["request_body"] = body

        if api == "models":
            payload = self._models_payload(path)
            self._send_json(req, 200, payload)
        elif api == "count_tokens":
            self._send_json(req, 200, {"input_tokens": self.usage["text"].input})
        elif api == "gemini_count":
            self._send_json(req, 200, {"totalTokens": self.usage["text"].input})
        elif api == "converse":
            _converse(self, req, body, seq, entry, mode, error_status)
        elif api == "invoke":
            _invoke(self, req, body, seq, entry, mode, error_status)
        elif api == "azure":
            _azure(self, req, body, seq, entry, mode, error_status)
        elif api == "vertex":
            _vertex(self, req, body, seq, entry, mode, error_status)
        elif api == "cohere":
            _cohere(self, req, body, seq, entry, mode, error_status)
        elif api == "groq":
            _groq(self, req, body, seq, entry, mode, error_status)
        elif api == "messages_blocks":
            _messages_blocks(self, req, body, seq, entry, mode, error_status)
        elif api == "gemini" and _gemini_builtin_tool(body):
            _gemini_builtin(self, req, body, seq, entry, mode, error_status)
        elif api == "other":
            entry["status"] = 404
            self._send_json(req, 404, {"error": {"message": f"fakellm: no route {path}", "type": "not_found"}})
        elif mode == "error":
            entry["kind"] = "error"
            entry["status"] = error_status
            self._send_json(req, error_status, self._error_payload(api, error_status))
        else:
            self._answer(req, api, body, seq, entry)
        self._record(entry)

    def _models_payload(self, path: str) -> dict:
        now = int(time.time())
        names = ["gpt-4o-mini", "gpt-4.1-mini", "gpt-5-codex", "claude-sonnet-4-5", "claude-haiku-4-5"]
        return {
            "object": "list",
            "data": [
                {"id": n, "object": "model", "created": now, "owned_by": "fakellm", "type": "model", "display_name": n}
                for n in names
            ],
            "has_more": False,
        }

    @staticmethod
    def _error_payload(api: str, status: int) -> dict:
        message = f"fakellm: scripted error (HTTP {status})"
        if api == "messages":
            kind = "invalid_request_error" if status < 500 else "api_error"
            return {"type": "error", "error": {"type": kind, "message": message}}
        if api == "ollama":
            return {"error": message}
        if api == "mistral":
            kind = "invalid_request_error" if status < 500 else "internal_server_error"
            return {"object": "error", "message": message, "type": kind, "param": None, "code": None}
        if api == "gemini":
            return {"error": {"code": status, "message": message,
                              "status": "INVALID_ARGUMENT" if status < 500 else "INTERNAL"}}
        kind = "invalid_request_error" if status < 500 else "server_error"
        return {"error": {"message": message, "type": kind, "param": None, "code": "fakellm_error"}}

    def _answer(self, req: BaseHTTPRequestHandler, api: str, body: dict, seq: int, entry: dict) -> None:
        model = body.get("model") or "fake-model"
        tool_result = _last_tool_result(api, body)
        tools = _tool_defs(api, body)
        schema = _wants_json(api, body)
        dspy = _dspy_request(api, body)
        kaiban = _kaiban_request(api, body) if dspy is None else None
        named_tool = None  # a tool DSPy's or KaibanJS's text answer names (no tool call on the wire)
        scripted = (_scripted_call(api, body, tools, self.tool_answers)
                    if self.script_system is None or self.script_system in _system_text(api, body) else None)
        if dspy is not None:
            kind, text, named_tool = _dspy_answer(dspy)
            tool = None
        elif kaiban is not None:
            kind, text, named_tool = _kaiban_answer(kaiban)
            tool = None
        elif schema is not None:
            kind, text, tool = "json", json.dumps(_schema_args(schema) if schema else {}), None
        elif _wants_summary(api, body):
            kind, text, tool = "text", SUMMARY_ANSWER, None
        elif scripted is not None:
            kind, text, tool = "tool_call", None, scripted
        elif tool_result is not None:
            kind, text, tool = "final", FINAL_PREFIX + tool_result.strip()[:80], None
        elif self.search_for and _client_tool_search(api, body) and not any(
                name == self.search_for or _mcp_qualified(name, self.search_for) for name, _schema in tools):
            # The tool asked for is not offered yet: search for it first (the client loads what it finds).
            kind, text, tool = "tool_call", None, (TOOL_SEARCH, {"query": self.search_for})
        elif tools:
            kind, text, tool = "tool_call", None, _pick_tool(tools)
        else:
            kind, text, tool = "text", TEXT_ANSWER, None
        offered = {name for name, _schema in tools}
        several = (self.parallel_calls if api in ("chat", "responses") and kind == "tool_call" and scripted is None
                   and dspy is None and kaiban is None and self.parallel_calls and all(n in offered for n, _ in self.parallel_calls)
                   else None)
        if several:
            tool = several[0]
        usage = self.usage[kind]
        if kind in self.later_turn_usage and (_earlier_turns(api, body) or _continues_earlier_turn(api, body)):
            usage = self.later_turn_usage[kind]  # a later turn: its earlier turns read from the cache
            entry["resumed"] = True
        entry["kind"] = kind
        entry["usage_normalized"] = asdict(usage)
        if tool:
            entry["tool_name"] = tool[0]
        if named_tool:
            prefix = "dspy" if dspy is not None else "kaiban"
            entry["tool_name"], entry["tool_call_id"] = named_tool[0], f"{prefix}_fake{seq:04d}"
        stream = bool(body.get("stream"))
        if api == "chat":
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._chat(req, entry, seq, model, stream, include_usage, usage, text, tool, several)
        elif api == "responses":
            namespaced = _namespace_of(body, tool[0]) if tool and not several else None
            self._responses(req, entry, seq, model, stream, usage, text, tool, several, namespaced)
        elif api == "gemini":
            self._gemini(req, entry, seq, model, stream, usage, text, tool)
        elif api == "ollama":
            self._ollama(req, entry, model, stream, usage, text, tool)
        elif api == "mistral":
            self._mistral(req, entry, seq, model, stream, usage, text, tool)
        else:
            self._messages(req, entry, seq, model, stream, usage, text, tool)

    # -- OpenAI Chat Completions ----------------------------------------
    def _chat(self, req, entry, seq, model, stream, include_usage, usage: Usage, text, tool,
              several: list[tuple[str, dict[str, Any]]] | None = None) -> None:
        rid = f"chatcmpl-fake{seq:04d}"
        entry["response_id"] = rid
        created = int(time.time())
        wire_usage = {
            "prompt_tokens": usage.input,
            "completion_tokens": usage.output,
            "total_tokens": usage.input + usage.output,
            "prompt_tokens_details": {"cached_tokens": usage.cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": usage.reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
        tool_calls = None
        if several:  # parallel tool calls: one answer asking for all of them
            tool_calls = [
                {"id": f"call_fake{seq:04d}_{n}", "type": "function",
                 "function": {"name": name, "arguments": json.dumps(args)}}
                for n, (name, args) in enumerate(several, start=1)
            ]
            entry["tool_call_id"] = tool_calls[0]["id"]
            entry["tool_calls"] = [{"id": c["id"], "name": c["function"]["name"], "arguments": c["function"]["arguments"]}
                                   for c in tool_calls]
        elif tool:
            call_id = f"call_fake{seq:04d}"
            entry["tool_call_id"] = call_id
            tool_calls = [
                {"id": call_id, "type": "function", "function": {"name": tool[0], "arguments": json.dumps(tool[1])}}
            ]
        finish = "tool_calls" if tool else "stop"
        base = {"id": rid, "created": created, "model": model, "system_fingerprint": "fp_fakellm"}
        if not stream:
            entry["usage"] = wire_usage
            message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
            if tool_calls:
                message["tool_calls"] = tool_calls
            payload = dict(
                base,
                object="chat.completion",
                choices=[{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                usage=wire_usage,
                service_tier="default",
            )
            self._send_json(req, 200, payload)
            return

        def chunk(delta: dict, finish_reason: str | None = None) -> dict:
            c = dict(
                base,
                object="chat.completion.chunk",
                choices=[{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
            )
            if include_usage:
                c["usage"] = None
            return c

        chunks = [chunk({"role": "assistant", "content": "" if text is not None else None, "refusal": None})]
        if tool_calls:
            for index, call in enumerate(tool_calls):  # one call after the other, as the API streams them
                args = call["function"]["arguments"]
                chunks.append(
                    chunk(
                        {
                            "tool_calls": [
                                {
                                    "index": index,
                                    "id": call["id"],
                                    "type": "function",
                                    "function": {"name": call["function"]["name"], "arguments": ""},
                                }
                            ]
                        }
                    )
                )
                half = len(args) // 2
                for part in (args[:half], args[half:]):
                    chunks.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": part}}]}))
        else:
            words = text.split(" ")
            for i, w in enumerate(words):
                chunks.append(chunk({"content": w if i == 0 else " " + w}))
        chunks.append(chunk({}, finish))
        if include_usage:
            entry["usage"] = wire_usage
            chunks.append(dict(base, object="chat.completion.chunk", choices=[], usage=wire_usage))
        data = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
        self._send_sse(req, data)

    # -- OpenAI Responses ------------------------------------------------
    def _responses(self, req, entry, seq, model, stream, usage: Usage, text, tool,
                   several: list[tuple[str, dict[str, Any]]] | None = None,
                   namespaced: tuple[str, str] | None = None) -> None:
        rid = f"resp_fake{seq:04d}"
        entry["response_id"] = rid
        created = int(time.time())
        wire_usage = {
            "input_tokens": usage.input,
            "input_tokens_details": {"cached_tokens": usage.cached},
            "output_tokens": usage.output,
            "output_tokens_details": {"reasoning_tokens": usage.reasoning},
            "total_tokens": usage.input + usage.output,
        }
        entry["usage"] = wire_usage
        items: list[dict] = []
        if several:  # parallel tool calls: one function_call item each
            items = [
                {
                    "type": "function_call",
                    "id": f"fc_fake{seq:04d}_{n}",
                    "call_id": f"call_fake{seq:04d}_{n}",
                    "name": name,
                    "arguments": json.dumps(args),
                    "status": "completed",
                }
                for n, (name, args) in enumerate(several, start=1)
            ]
            item = items[0]
            entry["tool_call_id"] = item["call_id"]
            entry["tool_calls"] = [{"id": i["call_id"], "name": i["name"], "arguments": i["arguments"]} for i in items]
        elif tool and tool[0] == TOOL_SEARCH:  # a search the client runs: its arguments an object
            call_id = f"call_fake{seq:04d}"
            entry["tool_call_id"] = call_id
            item = {"type": "tool_search_call", "id": f"tsc_fake{seq:04d}", "call_id": call_id,
                    "execution": "client", "arguments": tool[1], "status": "completed"}
        elif tool:
            call_id = f"call_fake{seq:04d}"
            entry["tool_call_id"] = call_id
            item = {
                "type": "function_call",
                "id": f"fc_fake{seq:04d}",
                "call_id": call_id,
                "name": tool[0],
                "arguments": json.dumps(tool[1]),
                "status": "completed",
            }
            if namespaced is not None:  # a namespace's function: called by its own name in its namespace
                item["namespace"], item["name"] = namespaced
        else:
            item = {
                "type": "message",
                "id": f"msg_fake{seq:04d}",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
            }

        def response(status: str, output: list, with_usage: bool) -> dict:
            return {
                "id": rid,
                "object": "response",
                "created_at": created,
                "status": status,
                "error": None,
                "incomplete_details": None,
                "instructions": None,
                "max_output_tokens": None,
                "model": model,
                "output": output,
                "parallel_tool_calls": True,
                "previous_response_id": None,
                "reasoning": {"effort": None, "summary": None},
                "store": False,
                "temperature": 1.0,
                "text": {"format": {"type": "text"}},
                "tool_choice": "auto",
                "tools": [],
                "top_p": 1.0,
                "truncation": "disabled",
                "usage": wire_usage if with_usage else None,
                "user": None,
                "metadata": {},
            }

        items = items or [item]
        if not stream:
            payload = response("completed", items, True)
            self._send_json(req, 200, _reasoned_response(payload, seq) if usage.reasoning else payload)
            return
        events: list[dict] = []
        events.append({"type": "response.created", "response": response("in_progress", [], False)})
        events.append({"type": "response.in_progress", "response": response("in_progress", [], False)})
        if tool and item["type"] == "tool_search_call":
            events.append({"type": "response.output_item.added", "output_index": 0,
                           "item": dict(item, status="in_progress")})
        elif tool:
            for index, call in enumerate(items):  # one item after the other, as the API streams them
                added = dict(call, arguments="", status="in_progress")
                events.append({"type": "response.output_item.added", "output_index": index, "item": added})
                events.append(
                    {
                        "type": "response.function_call_arguments.delta",
                        "item_id": call["id"],
                        "output_index": index,
                        "delta": call["arguments"],
                    }
                )
                events.append(
                    {
                        "type": "response.function_call_arguments.done",
                        "item_id": call["id"],
                        "output_index": index,
                        "arguments": call["arguments"],
                    }
                )
                if index < len(items) - 1:
                    events.append({"type": "response.output_item.done", "output_index": index, "item": call})
        else:
            added = dict(item, status="in_progress", content=[])
            part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            events.append({"type": "response.output_item.added", "output_index": 0, "item": added})
            events.append(
                {
                    "type": "response.content_part.added",
                    "item_id": item["id"],
                    "output_index": 0,
                    "content_index": 0,
                    "part": part,
                }
            )
            words = text.split(" ")
            for i, w in enumerate(words):
                events.append(
                    {
                        "type": "response.output_text.delta",
                        "item_id": item["id"],
                        "output_index": 0,
                        "content_index": 0,
                        "delta": w if i == 0 else " " + w,
                        "logprobs": [],
                    }
                )
            events.append(
                {
                    "type": "response.output_text.done",
                    "item_id": item["id"],
                    "output_index": 0,
                    "content_index": 0,
                    "text": text,
                    "logprobs": [],
                }
            )
            events.append(
                {
                    "type": "response.content_part.done",
                    "item_id": item["id"],
                    "output_index": 0,
                    "content_index": 0,
                    "part": item["content"][0],
                }
            )
        events.append({"type": "response.output_item.done", "output_index": len(items) - 1, "item": items[-1]})
        events.append({"type": "response.completed", "response": response("completed", items, True)})
        if usage.reasoning:
            events = _reasoned_events(events, seq)
        data = ""
        for n, ev in enumerate(events):
            ev["sequence_number"] = n
            data += f"event: {ev['type']}\ndata: {json.dumps(ev)}\n\n"
        self._send_sse(req, data)

    # -- Anthropic Messages ----------------------------------------------
    def _messages(self, req, entry, seq, model, stream, usage: Usage, text, tool) -> None:
        mid = f"msg_fake{seq:04d}"
        entry["response_id"] = mid
        wire_usage = {
            "input_tokens": usage.input,
            "cache_creation_input_tokens": usage.cache_creation,
            "cache_read_input_tokens": usage.cached,
            "output_tokens": usage.output,
            "service_tier": "standard",
        }
        entry["usage"] = wire_usage
        if tool:
            tid = f"toolu_fake{seq:04d}"
            entry["tool_call_id"] = tid
            block = {"type": "tool_use", "id": tid, "name": tool[0], "input": tool[1]}
            stop = "tool_use"
        else:
            block = {"type": "text", "text": text}
            stop = "end_turn"
        message = {
            "id": mid,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [block],
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": wire_usage,
        }
        if not stream:
            self._send_json(req, 200, message)
            return
        start_usage = dict(wire_usage, output_tokens=1)
        entry["stream_start_usage"] = start_usage  # message_start's; message_delta's output count includes its
        events: list[dict] = [
            {"type": "message_start", "message": dict(message, content=[], stop_reason=None, usage=start_usage)},
            {"type": "ping"},
        ]
        if tool:
            events.append(
                {"type": "content_block_start", "index": 0, "content_block": dict(block, input={})}
            )
            args = json.dumps(tool[1])
            half = len(args) // 2
            for part in (args[:half], args[half:]):
                events.append(
                    {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": part}}
                )
        else:
            events.append({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
            words = text.split(" ")
            for i, w in enumerate(words):
                events.append(
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": w if i == 0 else " " + w},
                    }
                )
        events.append({"type": "content_block_stop", "index": 0})
        # message_delta's usage is cumulative and, as the API sends it now, carries the input and
        # cache counts again beside the final output count (langchain-anthropic reads them only here).
        events.append(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {key: wire_usage[key] for key in ANTHROPIC_DELTA_USAGE},
            }
        )
        events.append({"type": "message_stop"})
        data = "".join(f"event: {ev['type']}\ndata: {json.dumps(ev)}\n\n" for ev in events)
        self._send_sse(req, data)

    # -- Google Gemini ---------------------------------------------------
    def _gemini(self, req, entry, seq, model, stream, usage: Usage, text, tool) -> None:
        rid = f"gemresp-fake{seq:04d}"
        entry["response_id"] = rid
        # promptTokenCount counts the cached tokens too; candidatesTokenCount excludes the
        # thinking tokens (thoughtsTokenCount), which ``usage.output`` includes (OpenAI's sense).
        wire_usage = {
            "promptTokenCount": usage.input,
            "candidatesTokenCount": usage.output - usage.reasoning,
            "totalTokenCount": usage.input + usage.output,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": usage.input}],
        }
        if usage.cached:
            wire_usage["cachedContentTokenCount"] = usage.cached
        if usage.reasoning:
            wire_usage["thoughtsTokenCount"] = usage.reasoning
        entry["usage"] = wire_usage
        if tool:
            call_id = f"fc_fake{seq:04d}"
            entry["tool_call_id"] = call_id
            parts: list[dict] = [{"functionCall": {"id": call_id, "name": tool[0], "args": tool[1]}}]
        else:
            parts = [{"text": text}]

        def answer(parts: list[dict], finish: str | None, with_usage: bool) -> dict:
            cand: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
            if finish:
                cand["finishReason"] = finish
            out: dict[str, Any] = {"candidates": [cand], "modelVersion": model, "responseId": rid}
            if with_usage:
                out["usageMetadata"] = wire_usage
            return out

        if not stream:
            self._send_json(req, 200, answer(parts, "STOP", True))
            return
        if tool:
            chunks = [answer(parts, "STOP", True)]
        else:
            words = text.split(" ")
            head = [answer([{"text": w if i == 0 else " " + w}], None, False) for i, w in enumerate(words[:-1])]
            chunks = [*head, answer([{"text": (" " if len(words) > 1 else "") + words[-1]}], "STOP", True)]
        self._send_sse(req, "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks))

    # -- Ollama ----------------------------------------------------------
    def _ollama(self, req, entry, model, stream, usage: Usage, text, tool) -> None:
        # Ollama counts the prompt it evaluated and the tokens it generated, nothing cached;
        # durations in nanoseconds, made from the counts so they stay the same run to run.
        wire_usage = {
            "total_duration": 250_000_000 + usage.input * 100_000 + usage.output * 20_000_000,
            "load_duration": 250_000_000,
            "prompt_eval_count": usage.input,
            "prompt_eval_duration": usage.input * 100_000,
            "eval_count": usage.output,
            "eval_duration": usage.output * 20_000_000,
        }
        entry["usage"] = wire_usage
        entry["usage_normalized"] = asdict(Usage(input=usage.input, output=usage.output))
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000000Z"
        message: dict[str, Any] = {"role": "assistant", "content": text or ""}
        if tool:
            message["tool_calls"] = [{"function": {"name": tool[0], "arguments": tool[1]}}]

        def line(message: dict, done: bool) -> dict:
            out: dict[str, Any] = {"model": model, "created_at": created, "message": message, "done": done}
            if done:
                out["done_reason"] = "stop"
                out.update(wire_usage)
            return out

        if not stream:
            self._send_json(req, 200, line(message, True))
            return
        if tool:
            lines = [line(message, False)]
        else:
            words = text.split(" ")
            lines = [line({"role": "assistant", "content": w if i == 0 else " " + w}, False) for i, w in enumerate(words)]
        lines.append(line({"role": "assistant", "content": ""}, True))
        data = "".join(json.dumps(x) + "\n" for x in lines).encode()
        req.send_response(200)
        req.send_header("Content-Type", "application/x-ndjson")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    # -- Mistral ---------------------------------------------------------
    def _mistral(self, req, entry, seq, model, stream, usage: Usage, text, tool) -> None:
        # prompt_tokens includes the cached ones (prompt caching); Mistral writes no cache on the
        # wire and counts no reasoning apart, so only input, output and cached are sent.
        sent = Usage(input=usage.input, output=usage.output, cached=usage.cached)
        rid = f"fakemistral{seq:021d}"  # 32 characters, as Mistral's ids
        entry["response_id"] = rid
        wire_usage = {
            "prompt_tokens": sent.input,
            "completion_tokens": sent.output,
            "total_tokens": sent.input + sent.output,
            "prompt_tokens_details": {"cached_tokens": sent.cached},
        }
        entry["usage"] = wire_usage
        entry["usage_normalized"] = asdict(sent)
        tool_calls = None
        if tool:
            call_id = f"fake{seq:05d}"  # Mistral's tool call ids are 9 letters and digits
            entry["tool_call_id"] = call_id
            tool_calls = [{"id": call_id, "type": "function", "index": 0,
                           "function": {"name": tool[0], "arguments": json.dumps(tool[1])}}]
        finish = "tool_calls" if tool else "stop"
        base = {"id": rid, "created": int(time.time()), "model": model}
        if not stream:
            message: dict[str, Any] = {"role": "assistant", "content": text or "", "tool_calls": tool_calls,
                                       "prefix": False}
            self._send_json(req, 200, dict(base, object="chat.completion", usage=wire_usage,
                                           choices=[{"index": 0, "message": message, "finish_reason": finish}]))
            return

        def chunk(delta: dict, finish_reason: str | None = None, **extra: Any) -> dict:
            return dict(base, object="chat.completion.chunk",
                        choices=[{"index": 0, "delta": delta, "finish_reason": finish_reason}], **extra)

        chunks = [chunk({"role": "assistant", "content": ""})]
        if tool_calls:
            last = chunk({"content": "", "tool_calls": tool_calls}, finish, usage=wire_usage)
        else:
            words = text.split(" ")
            chunks += [chunk({"content": w if i == 0 else " " + w}) for i, w in enumerate(words[:-1])]
            last = chunk({"content": (" " if len(words) > 1 else "") + words[-1]}, finish, usage=wire_usage)
        chunks.append(last)  # the usage comes with the finish reason, on every stream
        self._send_sse(req, "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n")

    # -- wire helpers ----------------------------------------------------
    @staticmethod
    def _send_json(req: BaseHTTPRequestHandler, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json")
        req.send_header("Content-Length", str(len(data)))
        rid = getattr(req, "fake_request_id", "req_fakellm")
        req.send_header("x-request-id", rid)
        req.send_header("request-id", rid)
        req.end_headers()
        if req.command != "HEAD":
            req.wfile.write(data)

    @staticmethod
    def _send_sse(req: BaseHTTPRequestHandler, text: str) -> None:
        # The whole stream is sent at once with a length: SSE parsers only need the framing.
        data = text.encode()
        req.send_response(200)
        req.send_header("Content-Type", "text/event-stream; charset=utf-8")
        req.send_header("Cache-Control", "no-cache")
        req.send_header("Content-Length", str(len(data)))
        rid = getattr(req, "fake_request_id", "req_fakellm")
        req.send_header("x-request-id", rid)
        req.send_header("request-id", rid)
        req.end_headers()
        req.wfile.write(data)


# -- Amazon Bedrock Converse -------------------------------------------------


def _proxied(target: str) -> tuple[str | None, str]:
    """(host, path and query) of a request line's target. A client sent through an HTTP proxy
    (``HTTP_PROXY`` pointing at this server) names the whole URL (RFC 9112's absolute-form,
    ``http://api.groq.com/openai/v1/chat/completions``): its path is routed as any other
    request's, and its host is returned. (None, target) for an ordinary request line."""
    if not target.startswith(("http://", "https://")):
        return None, target
    url = urlsplit(target)
    return url.netloc, (url.path or "/") + (f"?{url.query}" if url.query else "")


def _converse_tools(body: dict) -> list[tuple[str, dict | None]]:
    """(name, json schema) of every tool a Converse request's ``toolConfig`` offers."""
    out: list[tuple[str, dict | None]] = []
    for tool in (body.get("toolConfig") or {}).get("tools") or []:
        spec = tool.get("toolSpec") if isinstance(tool, dict) else None
        if isinstance(spec, dict) and spec.get("name"):
            out.append((spec["name"], (spec.get("inputSchema") or {}).get("json")))
    return out


def _converse_tool_result(body: dict) -> str | None:
    """The text of the ``toolResult`` the conversation ends with, or None."""
    msgs = body.get("messages") or []
    if not msgs or not isinstance(msgs[-1], dict) or msgs[-1].get("role") != "user":
        return None
    results = [c["toolResult"] for c in msgs[-1].get("content") or []
               if isinstance(c, dict) and isinstance(c.get("toolResult"), dict)]
    if not results:
        return None
    parts = results[-1].get("content") or []
    return " ".join(_text_of(p["json"]) if isinstance(p, dict) and "json" in p else _text_of(p) for p in parts)


def _event_frame(event_type: str, payload: dict) -> bytes:
    """One AWS event-stream message: prelude (total and headers length) and its CRC32, string
    headers, the JSON payload, and the CRC32 of everything before it."""
    headers = b""
    for name, value in ((":event-type", event_type), (":content-type", "application/json"), (":message-type", "event")):
        raw = value.encode()
        headers += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(raw)) + raw
    data = json.dumps(payload).encode()
    prelude = struct.pack(">II", 12 + len(headers) + len(data) + 4, len(headers))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + headers + data
    return message + struct.pack(">I", zlib.crc32(message))


def _pick_answer(result: str | None, tools: list, tool_text: str | None = None) -> tuple[str, str | None, Any]:
    """(answer kind, text, tool) of an API's answer: the final answer after a tool's result, a
    call of a tool the request offers, else text (``tool_text``: the text beside a tool call)."""
    if result is not None:
        return "final", FINAL_PREFIX + result.strip()[:80], None
    if tools:
        return "tool_call", tool_text, _pick_tool(tools)
    return "text", TEXT_ANSWER, None


def _bedrock_error(req: BaseHTTPRequestHandler, entry: dict, rid: str, error_status: int) -> None:
    """Bedrock's error answer (Converse and InvokeModel alike): its JSON and ``x-amzn-ErrorType``."""
    entry["kind"], entry["status"] = "error", error_status
    kind = "ValidationException" if error_status < 500 else "InternalServerException"
    _converse_send(req, error_status, "application/json",
                   json.dumps({"message": f"fakellm: scripted error (HTTP {error_status})"}).encode(), rid, kind)


def _converse(llm: FakeLLM, req: BaseHTTPRequestHandler, body: dict, seq: int, entry: dict,
              mode: str, error_status: int) -> None:
    """Answer a Bedrock Converse or ConverseStream request (see the module docstring)."""
    rid = entry["request_id"]  # sent as x-amzn-RequestId
    if mode == "error":
        _bedrock_error(req, entry, rid, error_status)
        return
    result, tools = _converse_tool_result(body), _converse_tools(body)
    kind, text, tool = _pick_answer(result, tools, tool_text="")
    usage = llm.usage[kind]
    wire_usage = {"inputTokens": usage.input, "outputTokens": usage.output,
                  "totalTokens": usage.input + usage.output + usage.cached + usage.cache_creation}
    if usage.cached or usage.cache_creation:
        wire_usage |= {"cacheReadInputTokens": usage.cached, "cacheWriteInputTokens": usage.cache_creation}
    entry.update(kind=kind, usage=wire_usage, usage_normalized=asdict(usage))
    if tool:
        entry["tool_name"], entry["tool_call_id"] = tool[0], f"tooluse_fake{seq:04d}"
        block: dict[str, Any] = {"toolUse": {"toolUseId": entry["tool_call_id"], "name": tool[0], "input": tool[1]}}
    else:
        block = {"text": text}
    stop = "tool_use" if tool else "end_turn"
    metrics = {"latencyMs": 100 + seq}
    if not body.get("stream"):
        answer = {"output": {"message": {"role": "assistant", "content": [block]}}, "stopReason": stop,
                  "usage": wire_usage, "metrics": metrics}
        _converse_send(req, 200, "application/json", json.dumps(answer).encode(), rid)
        return
    events: list[tuple[str, dict]] = [("messageStart", {"role": "assistant"})]
    if tool:
        events.append(("contentBlockStart", {"contentBlockIndex": 0, "start": {
            "toolUse": {"toolUseId": entry["tool_call_id"], "name": tool[0]}}}))
        args = json.dumps(tool[1])
        half = len(args) // 2
        events += [("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolUse": {"input": part}}})
                   for part in (args[:half], args[half:])]
    else:
        words = (text or "").split(" ")
        events += [("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": w if i == 0 else " " + w}})
                   for i, w in enumerate(words)]
    events += [("contentBlockStop", {"contentBlockIndex": 0}), ("messageStop", {"stopReason": stop}),
               ("metadata", {"usage": wire_usage, "metrics": metrics})]
    _converse_send(req, 200, "application/vnd.amazon.eventstream", b"".join(_event_frame(*e) for e in events), rid)


def _converse_send(req: BaseHTTPRequestHandler, status: int, ctype: str, data: bytes, rid: str,
                   error_type: str | None = None) -> None:
    req.send_response(status)
    req.send_header("Content-Type", ctype)
    req.send_header("Content-Length", str(len(data)))
    req.send_header("x-amzn-RequestId", rid)
    if error_type:
        req.send_header("x-amzn-ErrorType", f"{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/")
    req.end_headers()
    req.wfile.write(data)


# -- Amazon Bedrock InvokeModel (Anthropic Messages bodies) ---------------------


class _CapturedAnswer:
    """Stands in for the request handler while the Messages route writes its answer, keeping
    what it wrote so the answer can be sent again in Bedrock's framing."""

    command = "POST"

    def __init__(self, rid: str) -> None:
        self.fake_request_id = rid
        self.headers: dict[str, str] = {}
        self.wfile = self  # the answer's bytes land in ``write``
        self.data = b""

    def send_response(self, status: int) -> None:
        pass

    def send_header(self, name: str, value: str) -> None:
        self.headers[name.lower()] = value

    def end_headers(self) -> None:
        pass

    def write(self, data: bytes) -> None:
        self.data += data


def _invoke(llm: FakeLLM, req: BaseHTTPRequestHandler, body: dict, seq: int, entry: dict,
            mode: str, error_status: int) -> None:
    """Answer a Bedrock InvokeModel or InvokeModelWithResponseStream call for an Anthropic model
    (see the module docstring) with what the Messages route answers."""
    rid = entry["request_id"]  # sent as x-amzn-RequestId
    if mode == "error":
        _bedrock_error(req, entry, rid, error_status)
        return
    captured = _CapturedAnswer(rid)
    llm._answer(captured, "messages", body, seq, entry)  # type: ignore[arg-type]
    if not body.get("stream"):
        _converse_send(req, 200, "application/json", captured.data, rid)
        return
    usage = Usage(**entry["usage_normalized"])
    frames = []
    for line in captured.data.decode().splitlines():
        if not line.startswith("data: "):
            continue
        event = json.loads(line[len("data: "):])
        if event["type"] == "message_delta":  # Bedrock's carries the output count alone
            event["usage"] = {"output_tokens": usage.output}
        if event["type"] == "message_stop":  # Bedrock adds its own account of the call here
            event["amazon-bedrock-invocationMetrics"] = {
                "inputTokenCount": usage.input, "outputTokenCount": usage.output,
                "invocationLatency": 100 + seq, "firstByteLatency": 50 + seq,
                "cacheReadInputTokenCount": usage.cached, "cacheWriteInputTokenCount": usage.cache_creation}
        raw = json.dumps(event, separators=(",", ":")).encode()
        frames.append(_event_frame("chunk", {"bytes": base64.b64encode(raw).decode()}))
    _converse_send(req, 200, "application/vnd.amazon.eventstream", b"".join(frames), rid)
# -- Azure OpenAI ------------------------------------------------------------

#: The model every fake Azure deployment runs, as Azure names it in a response's ``model``
#: (the dated snapshot, never the deployment's name the request used).
AZURE_MODEL = "gpt-4o-mini-2024-07-18"
#: Azure's content-filter verdict when nothing was filtered; the prompt's adds jailbreak detection.
_AZURE_SAFE = {name: {"filtered": False, "severity": "safe"} for name in ("hate", "self_harm", "sexual", "violence")}
_AZURE_PROMPT_SAFE = dict(_AZURE_SAFE, jailbreak={"filtered": False, "detected": False})
_AZURE_ANSWER_SAFE = dict(_AZURE_SAFE, protected_material_code={"filtered": False, "detected": False},
                          protected_material_text={"filtered": False, "detected": False})


def _azure_deployment(path: str) -> str | None:
    """The deployment an Azure OpenAI path names (``/openai/deployments/{deployment}/chat/completions``)."""
    m = re.search(r"/openai/deployments/([^/]+)/chat/completions$", path)
    return unquote(m.group(1)) if m else None


def _azure(llm: FakeLLM, req: BaseHTTPRequestHandler, body: dict, seq: int, entry: dict,
           mode: str, error_status: int) -> None:
    """Answer an Azure OpenAI chat completion as Azure does: the deployment in the path (logged as
    the request's ``model``), the deployment's model in the response (``response_model`` in the
    log), content-filter results for the prompt and each choice, usage with cached tokens (sent on
    a stream only when ``stream_options.include_usage`` asks, after a first chunk that carries the
    prompt's filter results alone); an error is Azure's content-filter refusal."""
    entry["model"] = _azure_deployment(entry["path"])
    rid = entry["request_id"]
    if mode == "error":
        entry["kind"], entry["status"] = "error", error_status
        if error_status < 500:
            error: dict[str, Any] = {
                "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management "
                           "policy. Please modify your prompt and retry. (fakellm: scripted error)",
                "type": None, "param": "prompt", "code": "content_filter", "status": error_status,
                "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": dict(
                    _AZURE_PROMPT_SAFE, violence={"filtered": True, "severity": "medium"})}}
        else:
            error = {"code": "InternalServerError", "message": f"fakellm: scripted error (HTTP {error_status})"}
        _azure_send(req, error_status, "application/json", json.dumps({"error": error}).encode(), rid)
        return
    result, tools = _last_tool_result("chat", body), _tool_defs("chat", body)
    kind, text, tool = _pick_answer(result, tools)
    usage = llm.usage[kind]
    sent = Usage(input=usage.input, output=usage.output, cached=usage.cached, reasoning=usage.reasoning)
    wire_usage = {
        "completion_tokens": sent.output,
        "completion_tokens_details": {"accepted_prediction_tokens": 0, "audio_tokens": 0,
                                      "reasoning_tokens": sent.reasoning, "rejected_prediction_tokens": 0},
        "prompt_tokens": sent.input,
        "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": sent.cached},
        "total_tokens": sent.input + sent.output,
    }
    stream = bool(body.get("stream"))
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    entry.update(kind=kind, response_id=f"chatcmpl-azfake{seq:04d}", response_model=AZURE_MODEL,
                 usage=wire_usage if not stream or include_usage else None, usage_normalized=asdict(sent))
    tool_calls = None
    if tool:
        entry["tool_name"], entry["tool_call_id"] = tool[0], f"call_azfake{seq:04d}"
        tool_calls = [{"id": entry["tool_call_id"], "type": "function",
                       "function": {"name": tool[0], "arguments": json.dumps(tool[1])}}]
    finish = "tool_calls" if tool else "stop"
    prompt_filter = [{"prompt_index": 0, "content_filter_results": _AZURE_PROMPT_SAFE}]
    base = {"id": entry["response_id"], "created": int(time.time()), "model": AZURE_MODEL,
            "system_fingerprint": "fp_azfake"}
    if not stream:
        message: dict[str, Any] = {"content": text, "refusal": None, "role": "assistant"}
        if tool_calls:
            message["tool_calls"] = tool_calls
        # Azure filters text; a tool call's choice has empty filter results.
        choice = {"content_filter_results": {} if tool else _AZURE_ANSWER_SAFE, "finish_reason": finish, "index": 0,
                  "logprobs": None, "message": message}
        answer = dict(base, choices=[choice], object="chat.completion", prompt_filter_results=prompt_filter,
                      usage=wire_usage)
        _azure_send(req, 200, "application/json", json.dumps(answer).encode(), rid)
        return

    def chunk(delta: dict, finish_reason: str | None = None, filtered: dict | None = None) -> dict:
        choice = {"content_filter_results": filtered or {}, "delta": delta, "finish_reason": finish_reason,
                  "index": 0, "logprobs": None}
        return dict(base, choices=[choice], object="chat.completion.chunk", usage=None)

    # Azure's first chunk: the prompt's filter results, no choice, no id, no model.
    chunks = [{"choices": [], "created": 0, "id": "", "model": "", "object": "",
               "prompt_filter_results": prompt_filter},
              chunk({"content": "" if text is not None else None, "refusal": None, "role": "assistant"})]
    if tool_calls:
        call, args = tool_calls[0], tool_calls[0]["function"]["arguments"]
        chunks.append(chunk({"tool_calls": [{"index": 0, "id": call["id"], "type": "function",
                                             "function": {"name": call["function"]["name"], "arguments": ""}}]}))
        half = len(args) // 2
        chunks += [chunk({"tool_calls": [{"index": 0, "function": {"arguments": part}}]})
                   for part in (args[:half], args[half:])]
    else:
        words = (text or "").split(" ")
        chunks += [chunk({"content": w if i == 0 else " " + w}, filtered=_AZURE_ANSWER_SAFE) for i, w in enumerate(words)]
    chunks.append(chunk({}, finish))
    if include_usage:
        chunks.append(dict(base, choices=[], object="chat.completion.chunk", usage=wire_usage))
    data = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    _azure_send(req, 200, "text/event-stream; charset=utf-8", data.encode(), rid)


def _azure_send(req: BaseHTTPRequestHandler, status: int, ctype: str, data: bytes, rid: str) -> None:
    req.send_response(status)
    req.send_header("Content-Type", ctype)
    req.send_header("Content-Length", str(len(data)))
    req.send_header("apim-request-id", rid)
    req.send_header("x-request-id", rid)
    req.send_header("x-ms-region", "Sweden Central")
    req.end_headers()
    req.wfile.write(data)


# -- Gemini requests spelt in proto's snake_case (LiteLLM) ---------------------------------------

#: The fields of a Gemini request the fake reads, as proto's snake_case names them: the Gemini API
#: parses its JSON with protobuf, which takes a field's snake_case name as well as its camelCase
#: one, and LiteLLM sends ``function_declarations``, ``function_call`` and ``function_response``.
_GEMINI_SNAKE_FIELDS = {
    "function_declarations": "functionDeclarations", "function_call": "functionCall",
    "function_response": "functionResponse", "generation_config": "generationConfig",
    "system_instruction": "systemInstruction", "response_mime_type": "responseMimeType",
    "response_schema": "responseSchema", "response_json_schema": "responseJsonSchema",
}


def _gemini_camel_case(body: dict) -> dict:
    """A Gemini request with the snake_case names of the fields the fake reads renamed to camelCase, at
    the places they can be (the request, its tools, its contents' parts, its generation config): never
    inside a tool's schema or arguments, whose names are the caller's own."""

    def renamed(obj: Any) -> Any:
        if not isinstance(obj, dict):
            return obj
        return {_GEMINI_SNAKE_FIELDS.get(k, k): v for k, v in obj.items()}

    out = renamed(body)
    if isinstance(out.get("tools"), list):
        out["tools"] = [renamed(t) for t in out["tools"]]
    if isinstance(out.get("contents"), list):
        out["contents"] = [
            {**c, "parts": [renamed(p) for p in c["parts"]]} if isinstance(c, dict) and isinstance(c.get("parts"), list)
            else c for c in out["contents"]]
    if isinstance(out.get("generationConfig"), dict):
        out["generationConfig"] = renamed(out["generationConfig"])
    return out


# -- Gemini on Google Cloud Vertex AI ------------------------------------------

#: A Vertex AI model call: ``/v1beta1/projects/{project}/locations/{location}/publishers/google/models/{model}``
#: (a project's endpoint) or ``/v1beta1/publishers/google/models/{model}`` (express mode, an API key),
#: then ``:generateContent`` or ``:streamGenerateContent``.
_VERTEX_PATH = re.compile(r"/publishers/google/models/([^/:]+):(generateContent|streamGenerateContent)$")


def _vertex_model(path: str) -> str | None:
    """The model a Vertex AI generateContent path names, or None for any other path."""
    m = _VERTEX_PATH.search(path)
    return unquote(m.group(1)) if m else None


def _vertex(llm: FakeLLM, req: BaseHTTPRequestHandler, body: dict, seq: int, entry: dict,
            mode: str, error_status: int) -> None:
    """Answer a Vertex AI generateContent call with what the Gemini route answers, as Vertex sends it:
    a ``createTime``, no function call id, ``avgLogprobs`` on a finished candidate, ``usageMetadata``
    with ``trafficType`` and the answer's and the cache's modality details, and on a stream every
    chunk with a ``usageMetadata`` (only ``trafficType`` before the last, which has the counts),
    sent as SSE when the query asks (``alt=sse``), else as one JSON array of the chunks, as Vertex
    answers the REST transport of Google's API clients. Errors are Google's JSON error, as on the Gemini API. Logged with ``api`` ``vertex``; the
    log's ``tool_call_id`` is its own (``fc_fake…``), none is on the wire."""
    entry["model"] = body["model"] = _vertex_model(entry["path"])
    entry["stream"] = body["stream"] = entry["path"].endswith(":streamGenerateContent")
    if mode == "error":
        entry["kind"], entry["status"] = "error", error_status
        llm._send_json(req, error_status, llm._error_payload("gemini", error_status))
        return
    captured = _CapturedAnswer(entry["request_id"])
    llm._answer(captured, "gemini", body, seq, entry)  # type: ignore[arg-type]
    created = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
    usage = Usage(**entry["usage_normalized"])

    def as_vertex(chunk: dict) -> dict:
        chunk["createTime"] = created
        for cand in chunk.get("candidates") or []:
            for part in cand["content"]["parts"]:
                (part.get("functionCall") or {}).pop("id", None)
            if cand.get("finishReason"):
                cand["avgLogprobs"] = -0.0421
        wire = chunk.get("usageMetadata")
        if wire is None:
            chunk["usageMetadata"] = {"trafficType": "ON_DEMAND"}
            return chunk
        wire["trafficType"] = "ON_DEMAND"
        wire["candidatesTokensDetails"] = [{"modality": "TEXT", "tokenCount": wire["candidatesTokenCount"]}]
        if usage.cached:
            wire["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": usage.cached}]
        entry["usage"] = wire
        return chunk

    if not entry["stream"]:
        llm._send_json(req, 200, as_vertex(json.loads(captured.data)))
        return
    chunks = [as_vertex(json.loads(line[len("data: "):])) for line in captured.data.decode().split("\r\n\r\n")
              if line.startswith("data: ")]
    if "alt=sse" in urlsplit(req.path).query:
        llm._send_sse(req, "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks))
        return
    # Without ?alt=sse (the Vertex AI SDK's REST transport) the stream is one JSON array of the chunks.
    data = ("[" + "\r\n,\r\n".join(json.dumps(c, indent=2) for c in chunks) + "]").encode()
    req.send_response(200)
    req.send_header("Content-Type", "application/json; charset=UTF-8")
    req.send_header("Content-Length", str(len(data)))
    req.send_header("x-request-id", entry["request_id"])
    req.end_headers()
    req.wfile.write(data)


# -- Groq ----------------------------------------------------------------------

#: Groq's timings of one answer, in seconds (``usage`` carries them beside the token counts).
GROQ_TIMES = {"queue_time": 0.0213, "prompt_time": 0.0317, "completion_time": 0.0425}


def _groq(llm: FakeLLM, req: BaseHTTPRequestHandler, body: dict, seq: int, entry: dict,
          mode: str, error_status: int) -> None:
    """Answer a Groq chat completion as Groq does: usage with its timings (seconds, not tokens)
    and the cached tokens in ``prompt_tokens_details``; ``x_groq`` with the request id (every
    stream chunk that has it is the first or the last) and, on a whole answer, the cached tokens'
    split between DRAM and SRAM; a stream's usage in ``x_groq.usage`` on its last chunk always,
    and again on a usage-only chunk when ``stream_options.include_usage`` asks. No cache writes or
    reasoning on the wire. Errors are OpenAI-shaped, as Groq's are."""
    rid = entry["request_id"]  # Groq's request ids start with req_, as the fake's do
    if mode == "error":
        entry["kind"], entry["status"] = "error", error_status
        llm._send_json(req, error_status, llm._error_payload("chat", error_status))
        return
    result, tools = _last_tool_result("chat", body), _tool_defs("chat", body)
    kind, text, tool = _pick_answer(result, tools)
    usage = llm.usage[kind]
    sent = Usage(input=usage.input, output=usage.output, cached=usage.cached)
    times = dict(GROQ_TIMES, total_time=GROQ_TIMES["prompt_time"] + GROQ_TIMES["completion_time"])
    wire_usage = {"queue_time": times["queue_time"], "prompt_tokens": sent.input, "prompt_time": times["prompt_time"],
                  "completion_tokens": sent.output, "completion_time": times["completion_time"],
                  "total_tokens": sent.input + sent.output, "total_time": times["total_time"],
                  "prompt_tokens_details": {"cached_tokens": sent.cached}}
    # The hardware split of the cached tokens: distinct numbers, so a reader counting them shows.
    sram = sent.cached // 4
    hardware = {"dram_cached_tokens": sent.cached - sram, "sram_cached_tokens": sram}
    stream = bool(body.get("stream"))
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    entry.update(kind=kind, response_id=f"chatcmpl-groqfake{seq:04d}", usage=wire_usage, usage_normalized=asdict(sent))
    tool_calls = None
    if tool:
        entry["tool_name"], entry["tool_call_id"] = tool[0], f"call_groqfake{seq:04d}"
        tool_calls = [{"id": entry["tool_call_id"], "type": "function",
                       "function": {"name": tool[0], "arguments": json.dumps(tool[1])}}]
    finish = "tool_calls" if tool else "stop"
    base = {"id": entry["response_id"], "created": int(time.time()), "model": body.get("model") or "fake-model",
            "system_fingerprint": "fp_groqfake"}
    if not stream:
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if tool_calls:
            message["tool_calls"] = tool_calls
        answer = dict(base, object="chat.completion",
                      choices=[{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                      usage=wire_usage, usage_breakdown=None, service_tier="on_demand",
                      x_groq={"id": rid, "seed": 1234567890, "usage": hardware})
        llm._send_json(req, 200, answer)
        return

    def chunk(delta: dict, finish_reason: str | None = None, **extra: Any) -> dict:
        return dict(base, object="chat.completion.chunk",
                    choices=[{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}], **extra)

    chunks = [chunk({"role": "assistant", "content": ""}, x_groq={"id": rid})]
    if tool_calls:
        chunks.append(chunk({"tool_calls": [dict(tool_calls[0], index=0)]}))
    else:
        words = (text or "").split(" ")
        chunks += [chunk({"content": w if i == 0 else " " + w}) for i, w in enumerate(words)]
    chunks.append(chunk({}, finish, x_groq={"id": rid, "seed": 1234567890, "usage": wire_usage}))
    if include_usage:
        chunks.append(dict(base, object="chat.completion.chunk", choices=[], usage=wire_usage, x_groq={"id": rid}))
    llm._send_sse(req, "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n")
# -- OpenAI Responses from a reasoning model ----------------------------------

#: An OpenAI reasoning model's answers (o-series, GPT-5): the counts of ``THINKING_USAGE``, sent
#: on the Responses API as OpenAI does: the reasoning inside ``output_tokens`` (and counted again
#: apart as ``output_tokens_details.reasoning_tokens``), the cached tokens inside ``input_tokens``
#: (``input_tokens_details.cached_tokens``), no cache writes.
OPENAI_REASONING_USAGE = THINKING_USAGE

#: A reasoning model's answers in a conversation that goes on from an earlier turn (a resumed
#: Codex session): the earlier turn's prompt, answers and tool results read again from the
#: provider's prompt cache, so most of the input is cached (``FakeLLM(later_turn_usage=...)``).
#: Numbers distinct from every other table's, so a test can tell a resumed turn's calls apart.
RESUMED_USAGE: dict[str, Usage] = {
    "tool_call": Usage(input=2612, output=59, cached=2048, reasoning=22),
    "final": Usage(input=2790, output=83, cached=2560, reasoning=36),
    "text": Usage(input=2456, output=25, cached=1920, reasoning=0),
}


def _reasoning_item(seq: int) -> dict:
    """The item a reasoning model's answer starts with; OpenAI keeps the reasoning itself
    (its summary is empty unless asked for)."""
    return {"type": "reasoning", "id": f"rs_fake{seq:04d}", "summary": []}


def _reasoned_response(payload: dict, seq: int) -> dict:
    """A Responses answer as a reasoning model sends it: a reasoning item before the items it
    answers with (once it has any), and the effort it reasoned with."""
    out = dict(payload, reasoning={"effort": "medium", "summary": None})
    if out.get("output"):
        out["output"] = [_reasoning_item(seq), *out["output"]]
    return out


def _reasoned_events(events: list[dict], seq: int) -> list[dict]:
    """A Responses stream as a reasoning model sends it: the reasoning item added and done at
    output index 0 before the answer's items (each one index further on), every snapshot of the
    response as ``_reasoned_response`` makes it."""
    item = _reasoning_item(seq)
    out: list[dict] = []
    for ev in events:
        ev = dict(ev)
        if "output_index" in ev:
            ev["output_index"] += 1
        if "response" in ev:
            ev["response"] = _reasoned_response(ev["response"], seq)
        if ev["type"] == "response.output_item.added" and ev["output_index"] == 1:
            out += [{"type": "response.output_item.added", "output_index": 0, "item": item},
                    {"type": "response.output_item.done", "output_index": 0, "item": item}]
        out.append(ev)
    return out


# -- Cohere v2 Chat --------------------------------------------------------------

#: Prompt tokens Cohere's ``usage.tokens`` counts and its ``billed_units`` does not (the prompt
#: template and system preamble Cohere wraps a conversation in): a call's raw input is its billed
#: input plus these.
COHERE_TEMPLATE_TOKENS = 683
#: Output tokens of a tool call's syntax, in ``usage.tokens`` only (billed output is the call's own).
COHERE_TOOL_SYNTAX_TOKENS = 28


def _cohere_tool_result(body: dict) -> str | None:
    """The text of the tool result a v2 conversation ends with (a ``tool`` message whose content
    is a string, or text and document parts), or None."""
    msgs = body.get("messages") or []
    if not msgs or not isinstance(msgs[-1], dict) or msgs[-1].get("role") != "tool":
        return None
    content = msgs[-1].get("content")
    if isinstance(content, list):
        parts = []
        for part in content:
            doc = part.get("document") if isinstance(part, dict) else None
            parts.append(_text_of(doc.get("data")) if isinstance(doc, dict) else _text_of(part))
        return " ".join(parts)
    return _text_of(content)


def _cohere(llm: FakeLLM, req: BaseHTTPRequestHandler, body: dict, seq: int, entry: dict,
            mode: str, error_status: int) -> None:
    """Answer a Cohere v2 Chat call (see the module docstring). The log's ``usage`` is the wire's
    ``usage`` object; ``usage_normalized`` is what is billed (``billed_units``), its ``cached`` the
    wire's ``cached_tokens``."""
    rid = f"00000000-0000-4000-8000-{seq:012d}"  # Cohere's ids are UUIDs
    entry["response_id"] = rid
    if mode == "error":
        entry["kind"], entry["status"] = "error", error_status
        llm._send_json(req, error_status, {"id": rid, "message": f"invalid request: fakellm: scripted error "
                                                                  f"(HTTP {error_status})"})
        return
    result, tools = _cohere_tool_result(body), _tool_defs("chat", body)  # v2 tools are shaped as OpenAI's
    kind, text, tool = _pick_answer(result, tools)
    usage = llm.usage[kind]
    sent = Usage(input=usage.input, output=usage.output, cached=usage.cached)  # Cohere reports no cache writes
    wire_usage = {
        "billed_units": {"input_tokens": sent.input, "output_tokens": sent.output},
        "tokens": {"input_tokens": sent.input + COHERE_TEMPLATE_TOKENS,
                   "output_tokens": sent.output + (COHERE_TOOL_SYNTAX_TOKENS if tool else 0)},
        "cached_tokens": sent.cached,
    }
    entry.update(kind=kind, usage=wire_usage, usage_normalized=asdict(sent))
    finish = "TOOL_CALL" if tool else "COMPLETE"
    plan = "I will look that up first." if tool else ""  # (a plan names no tool: the call does)
    call: dict[str, Any] | None = None
    if tool:
        entry["tool_name"], entry["tool_call_id"] = tool[0], f"{tool[0]}_fake{seq:08d}"
        call = {"id": entry["tool_call_id"], "type": "function",
                "function": {"name": tool[0], "arguments": json.dumps(tool[1])}}
    if not body.get("stream"):
        message: dict[str, Any] = {"role": "assistant"}
        if call:
            message |= {"tool_plan": plan, "tool_calls": [call]}
        else:
            message["content"] = [{"type": "text", "text": text}]
        llm._send_json(req, 200, {"id": rid, "message": message, "finish_reason": finish, "usage": wire_usage})
        return

    def delta(**message: Any) -> dict:
        return {"delta": {"message": message}}

    events: list[dict] = [{"id": rid, "type": "message-start", **delta(
        role="assistant", content=[], tool_plan="", tool_calls=[], citations=[])}]
    if call:
        words = plan.split(" ")
        events += [{"type": "tool-plan-delta", **delta(tool_plan=w if i == 0 else " " + w)} for i, w in enumerate(words)]
        args = call["function"]["arguments"]
        half = len(args) // 2
        events.append({"type": "tool-call-start", "index": 0, **delta(tool_calls=dict(
            call, function={"name": call["function"]["name"], "arguments": ""}))})
        events += [{"type": "tool-call-delta", "index": 0, **delta(tool_calls={"function": {"arguments": part}})}
                   for part in (args[:half], args[half:])]
        events.append({"type": "tool-call-end", "index": 0})
    else:
        words = (text or "").split(" ")
        events.append({"type": "content-start", "index": 0, **delta(content={"type": "text", "text": ""})})
        events += [{"type": "content-delta", "index": 0, **delta(content={"text": w if i == 0 else " " + w})}
                   for i, w in enumerate(words)]
        events.append({"type": "content-end", "index": 0})
    events.append({"type": "message-end", "delta": {"finish_reason": finish, "usage": wire_usage}})
    llm._send_sse(req, "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n")


# -- Anthropic Messages, an answer in several content blocks ------------------------------

BLOCKS_THINKING = "The user wants a tool run; I will call it."
BLOCKS_PREAMBLE = "Let me run that."


def _messages_blocks(llm: FakeLLM, req: BaseHTTPRequestHandler, body: dict, seq: int, entry: dict,
                     mode: str, error_status: int) -> None:
    """Answer an Anthropic Messages call at ``.../blocks/v1/messages`` (a base URL ending ``/blocks``)
    as ``/v1/messages`` is answered, except that a tool call comes as Claude with extended thinking
    sends one: three content blocks, ``thinking`` (with a signature), a ``text`` preamble, then the
    ``tool_use``, streamed one after the other; the usage is the ``tool_call`` kind's, once. Logged
    with ``api`` ``messages`` (it is that API) and ``blocks``, the types of the blocks sent."""
    entry["api"] = "messages"
    if mode == "error":
        entry["kind"], entry["status"] = "error", error_status
        llm._send_json(req, error_status, llm._error_payload("messages", error_status))
        return
    result, tools = _last_tool_result("messages", body), _tool_defs("messages", body)
    tool = None
    if result is not None:
        kind, text = "final", FINAL_PREFIX + result.strip()[:80]
    elif tools:
        kind, text, tool = "tool_call", BLOCKS_PREAMBLE, _pick_tool(tools)
    else:
        kind, text = "text", TEXT_ANSWER
    usage, mid = llm.usage[kind], f"msg_fake{seq:04d}"
    wire_usage = {"input_tokens": usage.input, "cache_creation_input_tokens": usage.cache_creation,
                  "cache_read_input_tokens": usage.cached, "output_tokens": usage.output, "service_tier": "standard"}
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}]
    if tool:
        tid = f"toolu_fake{seq:04d}"
        entry["tool_name"], entry["tool_call_id"] = tool[0], tid
        blocks = [{"type": "thinking", "thinking": BLOCKS_THINKING, "signature": f"fakellm-signature-{seq:04d}"},
                  *blocks, {"type": "tool_use", "id": tid, "name": tool[0], "input": tool[1]}]
    entry.update(kind=kind, response_id=mid, usage=wire_usage, usage_normalized=asdict(usage),
                 blocks=[b["type"] for b in blocks])
    message = {"id": mid, "type": "message", "role": "assistant", "model": body.get("model") or "fake-model",
               "content": blocks, "stop_reason": "tool_use" if tool else "end_turn", "stop_sequence": None,
               "usage": wire_usage}
    if not body.get("stream"):
        llm._send_json(req, 200, message)
        return
    events: list[dict] = [{"type": "message_start", "message": dict(
        message, content=[], stop_reason=None, usage=dict(wire_usage, output_tokens=1))}]
    for i, block in enumerate(blocks):
        if block["type"] == "thinking":
            start = dict(block, thinking="", signature="")
            deltas = [{"type": "thinking_delta", "thinking": block["thinking"]},
                      {"type": "signature_delta", "signature": block["signature"]}]
        elif block["type"] == "tool_use":
            args = json.dumps(block["input"])
            start = dict(block, input={})
            deltas = [{"type": "input_json_delta", "partial_json": part}
                      for part in (args[: len(args) // 2], args[len(args) // 2:])]
        else:
            start = dict(block, text="")
            deltas = [{"type": "text_delta", "text": block["text"]}]
        events.append({"type": "content_block_start", "index": i, "content_block": start})
        events += [{"type": "content_block_delta", "index": i, "delta": d} for d in deltas]
        events.append({"type": "content_block_stop", "index": i})
    events += [{"type": "message_delta", "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": usage.output}},
               {"type": "message_stop"}]
    llm._send_sse(req, "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events))


# -- Gemini with a built-in tool (Google Search, code execution, URL context) -----------------

#: The built-in tools a Gemini request can ask for (its ``tools`` entries, as the SDK spells them on
#: the wire, and in snake case) -> the name the log gives each.
GEMINI_BUILTIN_TOOLS = {"googleSearch": "google_search", "google_search": "google_search",
                        "googleSearchRetrieval": "google_search", "google_search_retrieval": "google_search",
                        "codeExecution": "code_execution", "code_execution": "code_execution",
                        "urlContext": "url_context", "url_context": "url_context"}


@dataclass(frozen=True)
class BuiltinToolUsage:
    """One answer's ``usageMetadata`` after a built-in tool ran on Google's side: the tool's results
    are read as a prompt of their own (``toolUsePromptTokenCount``, billed as input), the model
    thinks (``thoughtsTokenCount``, billed as output) and answers (``candidatesTokenCount``)."""

    prompt: int  # promptTokenCount (the cached tokens in)
    tool_use_prompt: int  # toolUsePromptTokenCount
    candidates: int  # candidatesTokenCount
    thoughts: int  # thoughtsTokenCount
    cached: int = 0  # cachedContentTokenCount

    def billed(self) -> Usage:
        """What Google bills, in the fake LLM's sense: the tool's prompt as input, the thinking as output."""
        return Usage(input=self.prompt + self.tool_use_prompt, output=self.candidates + self.thoughts,
                     cached=self.cached, reasoning=self.thoughts)


#: Distinct counts per tool, the tool-use prompt never equal to the thinking (so a reader that takes
#: the one for the other shows).
BUILTIN_TOOL_USAGE = {
    "google_search": BuiltinToolUsage(prompt=412, tool_use_prompt=1536, candidates=96, thoughts=208, cached=128),
    "code_execution": BuiltinToolUsage(prompt=530, tool_use_prompt=244, candidates=61, thoughts=132),
    "url_context": BuiltinToolUsage(prompt=287, tool_use_prompt=3072, candidates=54, thoughts=88),
}
BUILTIN_ANSWERS = {
    "google_search": "Paris is sunny today, 22 C, according to a web search.",
    "code_execution": "22 C is 71.6 F, computed by running code.",
    "url_context": "The page says Paris is sunny, 22 C.",
}


def _gemini_builtin_tool(body: dict) -> str | None:
    """The built-in tool a Gemini request asks for (the first, by the log's name), or None."""
    for tool in body.get("tools") or []:
        for key in tool if isinstance(tool, dict) else ():
            if key in GEMINI_BUILTIN_TOOLS:
                return GEMINI_BUILTIN_TOOLS[key]
    return None


def _gemini_builtin(llm: FakeLLM, req: BaseHTTPRequestHandler, body: dict, seq: int, entry: dict,
                    mode: str, error_status: int) -> None:
    """Answer a Gemini generateContent call that asks for a built-in tool as the Gemini API does once
    the tool ran on its side: text grounded by it (Google Search: ``groundingMetadata`` with the query
    and a web source; code execution: ``executableCode`` and ``codeExecutionResult`` parts before the
    text; URL context: ``urlContextMetadata``) and ``usageMetadata`` with ``toolUsePromptTokenCount``
    beside the prompt's, the answer's and the thinking's counts, ``totalTokenCount`` their sum
    (``BUILTIN_TOOL_USAGE``). Function tools offered beside it are not called. Logged with ``api``
    ``gemini``, ``kind`` the tool's name, ``builtin_tool`` too, ``usage_normalized`` what is billed
    (input = prompt + tool-use prompt, output = answer + thinking) and ``tool_use_prompt``."""
    tool = entry["builtin_tool"] = _gemini_builtin_tool(body) or "google_search"
    if mode == "error":
        entry["kind"], entry["status"] = "error", error_status
        llm._send_json(req, error_status, llm._error_payload("gemini", error_status))
        return
    counts, text = BUILTIN_TOOL_USAGE[tool], BUILTIN_ANSWERS[tool]
    rid, model = f"gemresp-fake{seq:04d}", body.get("model") or "fake-model"
    wire_usage: dict[str, Any] = {
        "promptTokenCount": counts.prompt,
        "candidatesTokenCount": counts.candidates,
        "totalTokenCount": counts.prompt + counts.candidates + counts.tool_use_prompt + counts.thoughts,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": counts.prompt}],
        "toolUsePromptTokenCount": counts.tool_use_prompt,
        "toolUsePromptTokensDetails": [{"modality": "TEXT", "tokenCount": counts.tool_use_prompt}],
        "thoughtsTokenCount": counts.thoughts,
    }
    if counts.cached:
        wire_usage["cachedContentTokenCount"] = counts.cached
    entry.update(kind=tool, response_id=rid, usage=wire_usage, usage_normalized=asdict(counts.billed()),
                 tool_use_prompt=counts.tool_use_prompt)
    parts: list[dict] = []
    extra: dict[str, Any] = {}
    if tool == "code_execution":
        parts = [{"executableCode": {"language": "PYTHON", "code": "print(22 * 9 / 5 + 32)"}},
                 {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "71.6\n"}}]
    elif tool == "google_search":
        extra["groundingMetadata"] = {
            "searchEntryPoint": {"renderedContent": "<div class=\"container\">weather in Paris</div>"},
            "groundingChunks": [{"web": {"uri": "https://vertexaisearch.cloud.google.com/grounding-api-redirect/fake",
                                         "title": "weather.example"}}],
            "groundingSupports": [{"segment": {"startIndex": 0, "endIndex": len(text), "text": text},
                                   "groundingChunkIndices": [0], "confidenceScores": [0.93]}],
            "webSearchQueries": ["weather in Paris"]}
    else:
        extra["urlContextMetadata"] = {"urlMetadata": [{"retrievedUrl": "https://weather.example/paris",
                                                        "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_SUCCESS"}]}

    def answer(parts: list[dict], last: bool) -> dict:
        cand: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        out: dict[str, Any] = {"candidates": [cand], "modelVersion": model, "responseId": rid}
        if last:  # the finish, the tool's metadata and the counts come with the last chunk
            cand.update(finishReason="STOP", **extra)
            out["usageMetadata"] = wire_usage
        return out

    if not body.get("stream"):
        llm._send_json(req, 200, answer([*parts, {"text": text}], True))
        return
    words = text.split(" ")
    chunks = [answer([p], False) for p in parts]
    chunks += [answer([{"text": w if i == 0 else " " + w}], False) for i, w in enumerate(words[:-1])]
    chunks.append(answer([{"text": " " + words[-1]}], True))
    llm._send_sse(req, "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", default=None, help="append JSON lines here")
    parser.add_argument("--mode", choices=["ok", "error"], default="ok")
    parser.add_argument("--error-status", type=int, default=400)
    args = parser.parse_args()
    llm = FakeLLM(port=args.port, log_path=args.log)
    llm.begin_run("cli", mode=args.mode, error_status=args.error_status)
    print(llm.url, flush=True)
    try:
        llm._httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
