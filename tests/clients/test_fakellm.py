"""The fake LLM answers DSPy's ChatAdapter format as dspy.ReAct reads it, and KaibanJS's agent in its JSON
format; Ollama's, Mistral's, Groq's, Azure
OpenAI's and Amazon Bedrock's Converse and InvokeModel APIs as they do (Bedrock's streams as AWS
event-stream frames, CRCs checked); Gemini as Vertex AI serves it; Cohere's v2 Chat API as Cohere
answers it; never calls an Anthropic tool the API keeps deferred; streams an Anthropic answer's usage
as the Messages API does; and answers other requests as before.

The requests are shaped as DSPy 3.4's ChatAdapter sends them for ``dspy.ReAct("question -> answer")``
(system message: the fields and ReAct's tool list; user message: the inputs, the trajectory
so far and the reminder of the output format).
"""

from __future__ import annotations

import base64
import http.client
import json
import struct
import sys
import time
import zlib
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fakellm import DEFAULT_USAGE, FINAL_PREFIX, LATER_TURN_USAGE, FakeLLM, _pick_tool, _tool_defs


def _system(outputs: list[str], tools: bool) -> str:
    listed = "\n".join(f"{n}. `{name}` (str): " for n, name in enumerate(outputs, start=1))
    text = (f"Your input fields are:\n1. `question` (str): \n2. `trajectory` (str):\nYour output fields are:\n{listed}\n"
            "All interactions will be structured in the following way, with the appropriate values filled in.\n\n"
            + "".join(f"[[ ## {name} ## ]]\n{{{name}}}\n\n" for name in ["question", "trajectory", *outputs])
            + "[[ ## completed ## ]]\nIn adhering to this structure, your objective is: \n")
    if tools:
        text += ("        (1) get_weather, whose description is <desc>Get the current weather for a city.</desc>. "
                 "It takes arguments {'city': {'type': 'string'}}.\n"
                 "        (2) finish, whose description is <desc>Marks the task as complete.</desc>. It takes arguments {}.\n")
    return text


def _user(trajectory: str, outputs: list[str]) -> str:
    wanted = ", then ".join(f"`[[ ## {name} ## ]]`" for name in outputs)
    return (f"[[ ## question ## ]]\nWhat is the weather in Paris?\n\n[[ ## trajectory ## ]]\n{trajectory}\n\n"
            f"Respond with the corresponding output fields, starting with the field {wanted}, "
            "and then ending with the marker for `[[ ## completed ## ]]`.")


STEP = ["next_thought", "next_tool_name", "next_tool_args"]
CALLED = ("[[ ## thought_0 ## ]]\nI will call get_weather.\n\n[[ ## tool_name_0 ## ]]\nget_weather\n\n"
          "[[ ## tool_args_0 ## ]]\n{\"city\": \"Paris\"}\n\n[[ ## observation_0 ## ]]\nSunny, 22 C in Paris")
FINISHED = CALLED + ("\n\n[[ ## thought_1 ## ]]\nI will call finish.\n\n[[ ## tool_name_1 ## ]]\nfinish\n\n"
                     "[[ ## tool_args_1 ## ]]\n{}\n\n[[ ## observation_1 ## ]]\nCompleted.")


def _post(llm: FakeLLM, path: str, body: dict, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes, dict]:
    """(status, headers lower-cased, raw body, log entry) of one ``POST path`` with a JSON body; the
    log entry is written once the answer is sent, so this waits (a bounded while) for it."""
    logged = len(llm.log)
    conn = http.client.HTTPConnection("127.0.0.1", llm.port, timeout=10)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json", **(headers or {})})
        resp = conn.getresponse()
        status, got, raw = resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()
    deadline = time.monotonic() + 5
    while len(llm.log) == logged and time.monotonic() < deadline:
        time.sleep(0.01)
    return status, got, raw, llm.log[-1]


def _chat(llm: FakeLLM, body: dict) -> dict:
    """The answer to one chat request; its log entry is then llm.log[-1]."""
    return json.loads(_post(llm, "/v1/chat/completions", body)[2])


def _sections(text: str) -> dict[str, str]:
    parts = text.split("[[ ## ")
    return {p.split(" ## ]]", 1)[0]: p.split(" ## ]]", 1)[1].strip() for p in parts[1:]}


def _dspy(llm: FakeLLM, outputs: list[str], trajectory: str, tools: bool) -> tuple[dict, dict]:
    messages = [{"role": "system", "content": _system(outputs, tools)}, {"role": "user", "content": _user(trajectory, outputs)}]
    answer = _chat(llm, {"model": "gpt-4o-mini", "messages": messages})
    return _sections(answer["choices"][0]["message"]["content"]), llm.log[-1]


def test_react_asks_for_the_tool_then_finish_then_the_answer_quotes_it() -> None:
    with FakeLLM() as llm:
        first, call1 = _dspy(llm, STEP, "", tools=True)
        second, call2 = _dspy(llm, STEP, CALLED, tools=True)
        extract, call3 = _dspy(llm, ["reasoning", "answer"], FINISHED, tools=False)
    assert list(first) == [*STEP, "completed"]
    assert (first["next_tool_name"], json.loads(first["next_tool_args"])) == ("get_weather", {"city": "Paris"})
    assert (second["next_tool_name"], json.loads(second["next_tool_args"])) == ("finish", {})
    assert extract["answer"] == FINAL_PREFIX + "Sunny, 22 C in Paris" and list(extract)[-1] == "completed"
    assert [(c["kind"], c["tool_name"], bool(c["tool_call_id"])) for c in (call1, call2, call3)] == [
        ("tool_call", "get_weather", True), ("tool_call", "finish", True), ("final", None, False)]
    assert call3["usage"]["prompt_tokens"] == DEFAULT_USAGE["final"].input


def test_a_dspy_signature_without_tools_or_results_gets_text() -> None:
    with FakeLLM() as llm:
        got, call = _dspy(llm, ["answer"], "", tools=False)
    assert (got["answer"], call["kind"], call["tool_call_id"]) == ("Hello from fakellm.", "text", None)


def _kaiban_system(tools: str) -> str:
    """A KaibanJS 0.23 ReAct agent's system prompt (its parts the fake LLM reads, as the agent writes them)."""
    return ("You are Weather Agent.\n\nYour role is: Weather reporter.\nYou are working as part of a team.\n\n"
            f"## Tools available for your use: \n\n{tools}\n\n**Important:** You ONLY have access to the tools above."
            "\n\n## Format of your output\n\n### Final Answer\n\n{\n    \"finalAnswer\": \"The final answer to the "
            "Task.\"\n}\n\n**IMPORTANT**: You must return a valid JSON object.\n")


KAIBAN_TOOLS = ('lookup: Find a city, by name: any. Tool Input Schema: {"type":"object","properties":{"name":'
                '{"type":"string"}},"required":["name"]}, get_weather: Get the current weather for a city. Tool Input '
                'Schema: {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}')


def _kaiban(llm: FakeLLM, tools: str, *later: dict) -> tuple[dict, dict]:
    messages = [{"role": "system", "content": _kaiban_system(tools)},
                {"role": "user", "content": "Hi Weather Agent, please complete the following task: What is the weather in Paris?"},
                *later]
    answer = _chat(llm, {"model": "gpt-4o-mini", "messages": messages})
    return json.loads(answer["choices"][0]["message"]["content"]), llm.log[-1]


def test_a_kaibanjs_agent_gets_an_action_naming_its_tool_then_a_final_answer_quoting_its_result() -> None:
    with FakeLLM() as llm:
        action, call1 = _kaiban(llm, KAIBAN_TOOLS)
        final, call2 = _kaiban(llm, KAIBAN_TOOLS, {"role": "assistant", "content": json.dumps(action)},
                               {"role": "user", "content": 'You got this result from the tool: "Sunny, 22 C in Paris"'})
        plain, call3 = _kaiban(llm, "No tools available. You must reply using your internal knowledge.")
    assert (action["action"], action["actionInput"]) == ("get_weather", {"city": "Paris"})
    assert final == {"finalAnswer": FINAL_PREFIX + "Sunny, 22 C in Paris"}
    assert plain == {"finalAnswer": "Hello from fakellm."}
    assert [(c["kind"], c["tool_name"], c["tool_call_id"]) for c in (call1, call2, call3)] == [
        ("tool_call", "get_weather", f"kaiban_fake{call1['seq']:04d}"), ("final", None, None), ("text", None, None)]
    assert call1["usage"]["prompt_tokens"] == DEFAULT_USAGE["tool_call"].input


def test_requests_in_other_formats_are_answered_as_before() -> None:
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    with FakeLLM() as llm:
        answer = _chat(llm, {"model": "gpt-4o-mini", "tools": tools, "messages": [
            {"role": "system", "content": "Your output fields are: ignored without DSPy's end marker"},
            {"role": "user", "content": "What is the weather in Paris?"}]})
        logged = llm.log[-1]
    call = answer["choices"][0]["message"]["tool_calls"][0]
    assert (call["function"]["name"], json.loads(call["function"]["arguments"])) == ("get_weather", {"city": "Paris"})
    assert logged["tool_call_id"] == call["id"]


def _ollama(llm: FakeLLM, body: dict) -> tuple[int, str, list[dict], dict]:
    """(status, content type, the answer's JSON lines, its log entry) of one ``POST /api/chat``."""
    status, headers, raw, entry = _post(llm, "/api/chat", body)
    return status, headers.get("content-type", ""), [json.loads(line) for line in raw.decode().splitlines()], entry


def test_ollama_chat_asks_for_the_tool_then_streams_the_answer_with_its_usage_last() -> None:
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    asked = [{"role": "user", "content": "What is the weather in Paris?"}]
    with FakeLLM() as llm:
        status, ctype, (first,), call1 = _ollama(llm, {"model": "llama3.1:8b", "messages": asked, "tools": tools,
                                                       "stream": False})
        # No "stream" key: Ollama streams by default.
        done = [*asked, first["message"], {"role": "tool", "tool_name": "get_weather", "content": "Sunny, 22 C"}]
        _, stream_type, lines, call2 = _ollama(llm, {"model": "llama3.1:8b", "messages": done, "tools": tools})
    assert (status, ctype) == (200, "application/json")
    assert first["done"] and first["message"]["tool_calls"] == [{"function": {"name": "get_weather",
                                                                              "arguments": {"city": "Paris"}}}]
    tool = DEFAULT_USAGE["tool_call"]
    assert (first["prompt_eval_count"], first["eval_count"]) == (tool.input, tool.output)
    assert call1["usage_normalized"] == {"input": tool.input, "output": tool.output, "cached": 0,
                                         "cache_creation": 0, "reasoning": 0}  # Ollama counts no cached tokens
    assert (call1["api"], call1["kind"], call1["stream"], call1["tool_call_id"]) == ("ollama", "tool_call", False, None)
    assert stream_type == "application/x-ndjson" and call2["stream"] and call2["kind"] == "final"
    assert [line["done"] for line in lines] == [False] * (len(lines) - 1) + [True]
    assert "".join(line["message"]["content"] for line in lines) == FINAL_PREFIX + "Sunny, 22 C"
    assert not any("eval_count" in line for line in lines[:-1])
    assert (lines[-1]["prompt_eval_count"], lines[-1]["eval_count"]) == (DEFAULT_USAGE["final"].input,
                                                                         DEFAULT_USAGE["final"].output)
    assert call2["usage"] == {k: v for k, v in lines[-1].items() if k.endswith(("_count", "_duration"))}


def test_ollama_chat_error_is_ollamas_error_json() -> None:
    with FakeLLM() as llm:
        llm.begin_run("error", mode="error")
        status, _, (body,), call = _ollama(llm, {"model": "llama3.1:8b", "messages": [], "stream": False})
    assert (status, body, call["status"]) == (400, {"error": "fakellm: scripted error (HTTP 400)"}, 400)


def test_a_deferred_anthropic_tool_is_never_the_one_called() -> None:
    """Claude Code (with MCP tools and tool search) offers a DeferredToolPlaceholder first, marked
    defer_loading: the API hides it from the model until a search loads it, so the call is the MCP tool's."""
    body = {"tools": [
        {"name": "DeferredToolPlaceholder", "description": "never call this tool",
         "input_schema": {"type": "object", "properties": {}}, "defer_loading": True},
        {"name": "mcp__weather__get_weather", "description": "Get the weather.",
         "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
    ]}
    assert _pick_tool(_tool_defs("messages", body)) == ("mcp__weather__get_weather", {"city": "Paris"})


def test_an_mcp_tool_named_with_its_server_is_called_before_the_clients_own_tools() -> None:
    """Gemini CLI offers an MCP server's get_weather as mcp_<server>_get_weather after its own tools
    (update_topic first): the call is the MCP tool's, with get_weather's arguments."""
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "wait_for_previous": {"type": "boolean"}},
              "required": ["city"]}
    body = {"tools": [{"functionDeclarations": [
        {"name": "update_topic", "parametersJsonSchema": {"type": "object", "properties": {"topic": {"type": "string"}}}},
        {"name": "read_file", "parametersJsonSchema": {"type": "object", "properties": {"path": {"type": "string"}}}},
        {"name": "mcp_weather_get_weather", "parametersJsonSchema": schema},
    ]}]}
    assert _pick_tool(_tool_defs("gemini", body)) == ("mcp_weather_get_weather", {"city": "Paris"})


def test_an_mcp_tool_named_server_dash_tool_is_called_before_the_clients_shell() -> None:
    """GitHub Copilot CLI offers an MCP server's get_weather as <server>-get_weather after its own tools
    (bash first): the call is the MCP tool's, with get_weather's arguments."""
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    body = {"tools": [
        {"type": "function", "function": {"name": "bash", "parameters": {
            "type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}},
        {"type": "function", "function": {"name": "weather-get_weather", "parameters": schema}},
    ]}
    assert _pick_tool(_tool_defs("chat", body)) == ("weather-get_weather", {"city": "Paris"})


def test_a_streamed_anthropic_answer_repeats_its_input_and_cache_counts_in_message_delta() -> None:
    """The Messages API's message_delta usage is cumulative and carries the input and cache counts
    again beside the output count: langchain-anthropic reads a streamed call's usage only there."""
    tools = [{"name": "get_weather", "description": "Get the weather.",
              "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
    body = {"model": "claude-sonnet-4-5", "max_tokens": 512, "stream": True, "tools": tools,
            "messages": [{"role": "user", "content": "What is the weather in Paris?"}]}
    with FakeLLM() as llm:
        status, headers, raw, call = _post(llm, "/v1/messages", body)
    events = [json.loads(line[len("data: "):]) for line in raw.decode().splitlines() if line.startswith("data: ")]
    start = next(e for e in events if e["type"] == "message_start")["message"]["usage"]
    delta = next(e for e in events if e["type"] == "message_delta")["usage"]
    u = DEFAULT_USAGE["tool_call"]
    assert (status, headers["content-type"].split(";")[0], call["kind"]) == (200, "text/event-stream", "tool_call")
    counts = {"input_tokens": u.input, "cache_creation_input_tokens": u.cache_creation, "cache_read_input_tokens": u.cached}
    assert start == dict(counts, output_tokens=1, service_tier="standard")
    assert delta == dict(counts, output_tokens=u.output)


def _converse(llm: FakeLLM, model: str, body: dict, stream: bool) -> tuple[int, dict[str, str], bytes, dict]:
    """(status, headers, raw body, log entry) of one Bedrock ``POST /model/<id>/converse[-stream]``."""
    return _post(llm, f"/model/{quote(model, safe='')}/converse" + ("-stream" if stream else ""), body)


def _event_stream(raw: bytes) -> list[tuple[dict[str, str], dict]]:
    """AWS event-stream messages as botocore reads them: both CRC32s checked, string headers."""
    out = []
    while raw:
        total, hlen, prelude_crc = struct.unpack(">III", raw[:12])
        assert prelude_crc == zlib.crc32(raw[:8])
        assert struct.unpack(">I", raw[total - 4:total])[0] == zlib.crc32(raw[:total - 4])
        headers, pos = {}, 12
        while pos < 12 + hlen:
            n = raw[pos]
            name = raw[pos + 1:pos + 1 + n].decode()
            assert raw[pos + 1 + n] == 7  # string
            (vlen,) = struct.unpack(">H", raw[pos + 2 + n:pos + 4 + n])
            headers[name] = raw[pos + 4 + n:pos + 4 + n + vlen].decode()
            pos += 4 + n + vlen
        out.append((headers, json.loads(raw[12 + hlen:total - 4])))
        raw = raw[total:]
    return out


def test_bedrock_converse_asks_for_the_tool_then_streams_the_answer_as_an_event_stream() -> None:
    model = "us.anthropic.claude-sonnet-4-20250514-v1:0"
    tools = {"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}}]}
    asked = [{"role": "user", "content": [{"text": "What is the weather in Paris?"}]}]
    with FakeLLM() as llm:
        status, headers, raw, call1 = _converse(llm, model, {"messages": asked, "toolConfig": tools}, stream=False)
        first = json.loads(raw)
        use = first["output"]["message"]["content"][0]["toolUse"]
        done = [*asked, first["output"]["message"], {"role": "user", "content": [
            {"toolResult": {"toolUseId": use["toolUseId"], "content": [{"text": "Sunny, 22 C"}], "status": "success"}}]}]
        _, stream_headers, stream_raw, call2 = _converse(llm, model, {"messages": done, "toolConfig": tools}, stream=True)
    assert (status, headers["content-type"], headers["x-amzn-requestid"]) == (200, "application/json", call1["request_id"])
    assert (use["name"], use["input"], first["stopReason"]) == ("get_weather", {"city": "Paris"}, "tool_use")
    tool = DEFAULT_USAGE["tool_call"]
    # Bedrock's inputTokens leaves the cache counts out; totalTokens has them in.
    assert first["usage"] == {"inputTokens": tool.input, "outputTokens": tool.output,
                              "totalTokens": tool.input + tool.output + tool.cached + tool.cache_creation,
                              "cacheReadInputTokens": tool.cached, "cacheWriteInputTokens": tool.cache_creation}
    assert (call1["api"], call1["model"], call1["kind"], call1["stream"]) == ("converse", model, "tool_call", False)
    assert call1["tool_call_id"] == use["toolUseId"] and call1["usage"] == first["usage"]
    assert stream_headers["content-type"] == "application/vnd.amazon.eventstream"
    events = _event_stream(stream_raw)
    assert {h[":message-type"] for h, _ in events} == {"event"}
    kinds = [h[":event-type"] for h, _ in events]
    assert kinds[0] == "messageStart" and kinds[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    text = "".join(p["delta"]["text"] for h, p in events if h[":event-type"] == "contentBlockDelta")
    assert text == FINAL_PREFIX + "Sunny, 22 C" and events[-2][1] == {"stopReason": "end_turn"}
    assert events[-1][1]["usage"]["inputTokens"] == DEFAULT_USAGE["final"].input == call2["usage"]["inputTokens"]
    assert (call2["kind"], call2["stream"], [c["seq"] for c in llm.calls()]) == ("final", True, [1, 2])


def test_bedrock_converse_error_is_bedrocks_error_json() -> None:
    with FakeLLM() as llm:
        llm.begin_run("error", mode="error")
        status, headers, raw, call = _converse(llm, "amazon.nova-lite-v1:0", {"messages": []}, stream=True)
    assert (status, json.loads(raw), call["status"]) == (400, {"message": "fakellm: scripted error (HTTP 400)"}, 400)
    assert headers["x-amzn-errortype"].startswith("ValidationException:")


def _mistral(llm: FakeLLM, body: dict) -> tuple[int, str, bytes, dict]:
    """(status, content type, raw answer, its log entry) of one ``POST /mistral/v1/chat/completions``."""
    status, headers, raw, entry = _post(llm, "/mistral/v1/chat/completions", body)
    return status, headers.get("content-type", ""), raw, entry


def test_mistral_chat_asks_for_the_tool_then_streams_the_answer_with_its_usage_on_the_last_chunk() -> None:
    """Mistral's API sends a stream's usage with its finish reason whatever the request says (no
    stream_options), cached tokens inside prompt_tokens, and tool call ids of 9 letters and digits."""
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    asked = [{"role": "user", "content": "What is the weather in Paris?"}]
    with FakeLLM() as llm:
        status, _, raw, call1 = _mistral(llm, {"model": "mistral-large-latest", "messages": asked, "tools": tools})
        first = json.loads(raw)
        (tc,) = first["choices"][0]["message"]["tool_calls"]
        done = [*asked, first["choices"][0]["message"],
                {"role": "tool", "tool_call_id": tc["id"], "name": "get_weather", "content": "Sunny, 22 C"}]
        _, ctype, raw2, call2 = _mistral(llm, {"model": "mistral-large-latest", "messages": done, "tools": tools,
                                               "stream": True})
        assert llm.calls() == [call1, call2]  # model calls, as a recording lists them
    tool, final = DEFAULT_USAGE["tool_call"], DEFAULT_USAGE["final"]
    assert status == 200 and first["choices"][0]["finish_reason"] == "tool_calls"
    assert (tc["function"]["name"], json.loads(tc["function"]["arguments"])) == ("get_weather", {"city": "Paris"})
    assert len(tc["id"]) == 9 and tc["id"].isalnum() and call1["tool_call_id"] == tc["id"]
    assert first["usage"] == {"prompt_tokens": tool.input, "completion_tokens": tool.output,
                              "total_tokens": tool.input + tool.output,
                              "prompt_tokens_details": {"cached_tokens": tool.cached}}
    assert call1["usage_normalized"] == {"input": tool.input, "output": tool.output, "cached": tool.cached,
                                         "cache_creation": 0, "reasoning": 0}  # no cache writes on Mistral's wire
    assert (call1["api"], call2["api"], call2["kind"], call2["stream"]) == ("mistral", "mistral", "final", True)
    lines = raw2.decode().split("\n\n")
    assert ctype.startswith("text/event-stream") and lines[-2] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-2]]
    assert "".join(c["choices"][0]["delta"]["content"] for c in chunks) == FINAL_PREFIX + "Sunny, 22 C"
    assert [("usage" in c, c["choices"][0]["finish_reason"]) for c in chunks] == (
        [(False, None)] * (len(chunks) - 1) + [(True, "stop")])
    assert chunks[-1]["usage"] == call2["usage"] and call2["usage"]["prompt_tokens"] == final.input


def test_mistral_chat_error_is_mistrals_error_json() -> None:
    with FakeLLM() as llm:
        llm.begin_run("error", mode="error")
        status, _, raw, call = _mistral(llm, {"model": "mistral-large-latest", "messages": []})
    assert (status, call["status"]) == (400, 400)
    assert json.loads(raw) == {"object": "error", "message": "fakellm: scripted error (HTTP 400)",
                               "type": "invalid_request_error", "param": None, "code": None}


def _invoke(llm: FakeLLM, model: str, body: dict, stream: bool) -> tuple[int, dict[str, str], bytes, dict]:
    """(status, headers, raw body, log entry) of one Bedrock ``POST /model/<id>/invoke[-with-response-stream]``."""
    return _post(llm, f"/model/{quote(model, safe='')}/invoke" + ("-with-response-stream" if stream else ""), body)


def test_bedrock_invoke_answers_anthropic_messages_json_then_streams_them_as_chunks() -> None:
    """Anthropic's Bedrock SDK: the model id in the path, no model or stream in the body."""
    model = "us.anthropic.claude-sonnet-4-20250514-v1:0"
    tools = [{"name": "get_weather", "description": "Get the weather.",
              "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
    asked = [{"role": "user", "content": "What is the weather in Paris?"}]
    base = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024, "tools": tools}
    with FakeLLM() as llm:
        status, headers, raw, call1 = _invoke(llm, model, base | {"messages": asked}, stream=False)
        first = json.loads(raw)
        use = first["content"][0]
        done = [*asked, {"role": "assistant", "content": first["content"]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use["id"], "content": "Sunny, 22 C"}]}]
        _, stream_headers, stream_raw, call2 = _invoke(llm, model, base | {"messages": done}, stream=True)
        assert llm.calls() == [call1, call2]
    tool, final = DEFAULT_USAGE["tool_call"], DEFAULT_USAGE["final"]
    assert (status, headers["content-type"], headers["x-amzn-requestid"]) == (200, "application/json", call1["request_id"])
    assert (use["type"], use["name"], use["input"], first["stop_reason"]) == ("tool_use", "get_weather", {"city": "Paris"},
                                                                             "tool_use")
    # The Messages API's usage: input tokens without the cache counts, which come beside them.
    assert (first["usage"]["input_tokens"], first["usage"]["cache_read_input_tokens"],
            first["usage"]["cache_creation_input_tokens"]) == (tool.input, tool.cached, tool.cache_creation)
    assert (call1["api"], call1["model"], call1["kind"], call1["stream"]) == ("invoke", model, "tool_call", False)
    assert call1["tool_call_id"] == use["id"] and call1["usage"] == first["usage"]
    assert stream_headers["content-type"] == "application/vnd.amazon.eventstream"
    frames = _event_stream(stream_raw)
    assert {(h[":event-type"], h[":message-type"]) for h, _ in frames} == {("chunk", "event")}
    events = [json.loads(base64.b64decode(p["bytes"])) for _, p in frames]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    text = "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta")
    assert text == FINAL_PREFIX + "Sunny, 22 C"
    assert events[0]["message"]["usage"]["input_tokens"] == final.input and events[-2]["usage"] == {"output_tokens": final.output}
    assert events[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] == final.output
    assert (call2["api"], call2["kind"], call2["stream"], call2["usage"]["input_tokens"]) == ("invoke", "final", True, final.input)


def test_bedrock_invoke_error_is_bedrocks_error_json() -> None:
    with FakeLLM() as llm:
        llm.begin_run("error", mode="error")
        status, headers, raw, call = _invoke(llm, "us.anthropic.claude-haiku-4-5-20251001-v1:0", {"messages": []},
                                             stream=True)
    assert (status, json.loads(raw), call["api"], call["status"]) == (
        400, {"message": "fakellm: scripted error (HTTP 400)"}, "invoke", 400)
    assert headers["x-amzn-errortype"].startswith("ValidationException:")


def _azure(llm: FakeLLM, deployment: str, body: dict) -> tuple[int, str, bytes, dict]:
    """(status, content type, raw answer, its log entry) of one Azure OpenAI chat completion."""
    status, headers, raw, entry = _post(llm, f"/openai/deployments/{deployment}/chat/completions?api-version=2024-10-21",
                                        body, {"api-key": "fake"})
    return status, headers.get("content-type", ""), raw, entry


def test_azure_answers_a_deployment_with_its_model_filter_results_and_cached_usage() -> None:
    """Azure OpenAI: the deployment named in the path is what was asked for, the model it runs is
    what the answer names; a stream starts with the prompt's filter results and sends usage last
    when include_usage asks."""
    from fakellm import AZURE_MODEL

    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    asked = [{"role": "user", "content": "What is the weather in Paris?"}]
    with FakeLLM() as llm:
        status, _, raw, call1 = _azure(llm, "prod-chat", {"model": "prod-chat", "messages": asked, "tools": tools})
        first = json.loads(raw)
        (tc,) = first["choices"][0]["message"]["tool_calls"]
        done = [*asked, first["choices"][0]["message"], {"role": "tool", "tool_call_id": tc["id"], "content": "Sunny"}]
        _, ctype, raw2, call2 = _azure(llm, "prod-chat", {"messages": done, "tools": tools, "stream": True,
                                                          "stream_options": {"include_usage": True}})
        _, _, raw3, call3 = _azure(llm, "prod-chat", {"messages": done, "stream": True})
        assert llm.calls() == [call1, call2, call3]
    tool, final = DEFAULT_USAGE["tool_call"], DEFAULT_USAGE["final"]
    assert status == 200 and first["model"] == AZURE_MODEL != "prod-chat"
    assert (call1["api"], call1["model"], call1["response_model"], call1["kind"]) == (
        "azure", "prod-chat", AZURE_MODEL, "tool_call")
    assert first["prompt_filter_results"][0]["content_filter_results"]["jailbreak"] == {"filtered": False,
                                                                                       "detected": False}
    assert "content_filter_results" in first["choices"][0] and call1["tool_call_id"] == tc["id"]
    assert first["usage"]["prompt_tokens"] == tool.input
    assert first["usage"]["prompt_tokens_details"]["cached_tokens"] == tool.cached == call1["usage_normalized"]["cached"]
    assert call1["usage_normalized"]["cache_creation"] == 0  # Azure, as OpenAI, reports no cache writes
    lines = raw2.decode().split("\n\n")
    assert ctype.startswith("text/event-stream") and lines[-2] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-2]]
    assert chunks[0]["choices"] == [] and chunks[0]["model"] == "" and "prompt_filter_results" in chunks[0]
    assert {c["model"] for c in chunks[1:]} == {AZURE_MODEL}
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[1:-1]) == FINAL_PREFIX + "Sunny"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == call2["usage"]
    assert call2["usage"]["prompt_tokens"] == final.input and call2["stream"] and call2["kind"] == "final"
    assert call3["usage"] is None and "prompt_tokens" not in raw3.decode()  # no include_usage, no usage


def test_azure_error_is_its_content_filter_refusal() -> None:
    with FakeLLM() as llm:
        llm.begin_run("error", mode="error")
        status, _, raw, call = _azure(llm, "prod-chat", {"messages": []})
    error = json.loads(raw)["error"]
    assert (status, call["status"], call["model"]) == (400, 400, "prod-chat")
    assert (error["code"], error["param"], error["innererror"]["code"]) == (
        "content_filter", "prompt", "ResponsibleAIPolicyViolation")


def _vertex(llm: FakeLLM, path: str, body: dict) -> tuple[int, str, bytes, dict]:
    """(status, content type, raw body, log entry) of one Vertex AI generateContent call at ``path``."""
    status, headers, raw, entry = _post(llm, path, body)
    return status, headers.get("content-type", ""), raw, entry


def test_vertex_answers_gemini_as_vertex_sends_it_with_usage_counted_on_a_streams_last_chunk() -> None:
    """Gemini on Vertex AI, a project's path then express mode's: the model from the path, the
    answer with Vertex's fields, no function call id; a stream's chunks each carry usageMetadata,
    only the last one the counts (thinking and cached tokens as the Gemini API reports them)."""
    from fakellm import THINKING_USAGE

    project = "/v1beta1/projects/fake-project/locations/us-central1/publishers/google/models/gemini-2.5-flash"
    express = "/v1beta1/publishers/google/models/gemini-2.5-flash"
    tools = [{"functionDeclarations": [{"name": "get_weather", "parameters": {
        "type": "OBJECT", "properties": {"city": {"type": "STRING"}}, "required": ["city"]}}]}]
    asked = [{"role": "user", "parts": [{"text": "What is the weather in Paris?"}]}]
    with FakeLLM(usage=THINKING_USAGE) as llm:
        status, _, raw, call1 = _vertex(llm, project + ":generateContent", {"contents": asked, "tools": tools})
        first = json.loads(raw)
        done = [*asked, first["candidates"][0]["content"],
                {"role": "user", "parts": [{"functionResponse": {"name": "get_weather",
                                                                 "response": {"result": "Sunny, 22 C"}}}]}]
        _, ctype, raw2, call2 = _vertex(llm, express + ":streamGenerateContent?alt=sse",
                                        {"contents": done, "tools": tools})
        assert llm.calls() == [call1, call2]
    tool, final = THINKING_USAGE["tool_call"], THINKING_USAGE["final"]
    assert status == 200 and "createTime" in first and first["modelVersion"] == "gemini-2.5-flash"
    (part,) = first["candidates"][0]["content"]["parts"]
    assert part == {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}  # no id on Vertex
    assert (call1["api"], call1["model"], call1["kind"], call1["stream"], call1["tool_name"]) == (
        "vertex", "gemini-2.5-flash", "tool_call", False, "get_weather")
    assert call1["tool_call_id"]  # the log's own id: which answer asked for a tool
    u1 = first["usageMetadata"]
    assert u1 == call1["usage"] and u1["trafficType"] == "ON_DEMAND"
    assert (u1["promptTokenCount"], u1["cachedContentTokenCount"], u1["thoughtsTokenCount"]) == (
        tool.input, tool.cached, tool.reasoning)
    assert u1["candidatesTokenCount"] + u1["thoughtsTokenCount"] == tool.output
    assert ctype.startswith("text/event-stream") and (call2["api"], call2["kind"], call2["stream"]) == (
        "vertex", "final", True)
    chunks = [json.loads(c.removeprefix("data: ")) for c in raw2.decode().split("\r\n\r\n") if c]
    text = "".join(p["text"] for c in chunks for p in c["candidates"][0]["content"]["parts"])
    assert text.startswith(FINAL_PREFIX) and "Sunny, 22 C" in text
    assert [c["usageMetadata"] for c in chunks[:-1]] == [{"trafficType": "ON_DEMAND"}] * (len(chunks) - 1)
    assert chunks[-1]["usageMetadata"] == call2["usage"] and call2["usage"]["promptTokenCount"] == final.input
    assert call2["usage"]["thoughtsTokenCount"] == final.reasoning


def test_vertex_streams_one_json_array_to_a_request_that_does_not_ask_for_sse() -> None:
    """The REST transport of Google's API clients (the Vertex AI SDK's) asks for no ``alt=sse``: the
    stream is one JSON array of the chunks SSE would carry, the last one with the counts."""
    from fakellm import THINKING_USAGE

    path = ("/v1/projects/fake-project/locations/us-central1/publishers/google/models/gemini-2.5-flash"
            ":streamGenerateContent?%24alt=json%3Benum-encoding%3Dint")
    asked = [{"role": "user", "parts": [{"text": "Hello"}]}]
    with FakeLLM(usage=THINKING_USAGE) as llm:
        _, ctype, raw, call = _vertex(llm, path, {"contents": asked})
    chunks = json.loads(raw)
    assert ctype.startswith("application/json") and isinstance(chunks, list) and len(chunks) > 1
    assert (call["api"], call["stream"], call["kind"]) == ("vertex", True, "text")
    assert [c["usageMetadata"] for c in chunks[:-1]] == [{"trafficType": "ON_DEMAND"}] * (len(chunks) - 1)
    assert chunks[-1]["usageMetadata"] == call["usage"]
    assert call["usage"]["promptTokenCount"] == THINKING_USAGE["text"].input


def test_vertex_error_is_googles_error_json() -> None:
    path = "/v1beta1/publishers/google/models/gemini-2.5-flash:generateContent"
    with FakeLLM() as llm:
        llm.begin_run("error", mode="error")
        status, _, raw, call = _vertex(llm, path, {"contents": []})
    assert (status, call["status"], call["api"], call["model"]) == (400, 400, "vertex", "gemini-2.5-flash")
    assert json.loads(raw) == {"error": {"code": 400, "message": "fakellm: scripted error (HTTP 400)",
                                         "status": "INVALID_ARGUMENT"}}


def test_cohere_chat_asks_for_the_tool_then_streams_the_answer_with_billed_and_raw_usage() -> None:
    """Cohere's v2 Chat: a tool call with its plan and an id ``<tool>_<12 characters>``; the result
    handed back as a tool message of document parts; a stream as typed SSE events, usage on
    ``message-end``. Usage is billed units (the known numbers) beside the raw token counts, which
    include Cohere's prompt template (and a tool call's syntax)."""
    from fakellm import COHERE_TEMPLATE_TOKENS, COHERE_TOOL_SYNTAX_TOKENS

    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city.",
                                               "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                              "required": ["city"]}}}]
    asked = [{"role": "user", "content": "What is the weather in Paris?"}]
    with FakeLLM() as llm:
        status, _, raw, call1 = _post(llm, "/v2/chat", {"model": "command-a-03-2025", "messages": asked, "tools": tools})
        first = json.loads(raw)
        (tc,) = first["message"]["tool_calls"]
        done = [*asked, {"role": "assistant", "tool_plan": first["message"]["tool_plan"], "tool_calls": [tc]},
                {"role": "tool", "tool_call_id": tc["id"],
                 "content": [{"type": "document", "document": {"data": "Sunny, 22 C"}}]}]
        _, headers, raw2, call2 = _post(llm, "/v2/chat", {"model": "command-a-03-2025", "messages": done,
                                                          "tools": tools, "stream": True})
        assert llm.calls() == [call1, call2]
    tool, final = DEFAULT_USAGE["tool_call"], DEFAULT_USAGE["final"]
    assert status == 200 and first["finish_reason"] == "TOOL_CALL" and first["message"]["tool_plan"]
    assert (tc["type"], tc["function"]["name"], json.loads(tc["function"]["arguments"])) == (
        "function", "get_weather", {"city": "Paris"})
    assert tc["id"].startswith("get_weather_") and len(tc["id"]) == len("get_weather_") + 12
    assert (call1["api"], call1["model"], call1["kind"], call1["tool_call_id"]) == (
        "cohere", "command-a-03-2025", "tool_call", tc["id"])
    assert first["usage"] == call1["usage"] == {
        "billed_units": {"input_tokens": tool.input, "output_tokens": tool.output},
        "tokens": {"input_tokens": tool.input + COHERE_TEMPLATE_TOKENS,
                   "output_tokens": tool.output + COHERE_TOOL_SYNTAX_TOKENS},
        "cached_tokens": tool.cached}
    assert call1["usage_normalized"] == {"input": tool.input, "output": tool.output, "cached": tool.cached,
                                         "cache_creation": 0, "reasoning": 0}
    assert headers["content-type"].startswith("text/event-stream") and (call2["kind"], call2["stream"]) == ("final", True)
    frames = raw2.decode().split("\n\n")
    assert frames[-2:] == ["data: [DONE]", ""]
    events = []
    for frame in frames[:-2]:
        name, data = frame.split("\n")
        events.append(json.loads(data.removeprefix("data: ")))
        assert name == "event: " + events[-1]["type"]
    assert [e["type"] for e in events[:2]] == ["message-start", "content-start"]
    assert [e["type"] for e in events[-2:]] == ["content-end", "message-end"]
    text = "".join(e["delta"]["message"]["content"]["text"] for e in events if e["type"] == "content-delta")
    assert text == FINAL_PREFIX + "Sunny, 22 C"
    end = events[-1]["delta"]
    assert end["finish_reason"] == "COMPLETE" and end["usage"] == call2["usage"]
    assert end["usage"]["billed_units"] == {"input_tokens": final.input, "output_tokens": final.output}
    assert end["usage"]["tokens"] == {"input_tokens": final.input + COHERE_TEMPLATE_TOKENS, "output_tokens": final.output}


def test_cohere_chat_streams_a_tool_call_as_plan_and_argument_deltas() -> None:
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    with FakeLLM() as llm:
        _, _, raw, call = _post(llm, "/v2/chat", {"model": "command-a-03-2025", "stream": True, "tools": tools,
                                                  "messages": [{"role": "user", "content": "Weather in Paris?"}]})
    events = [json.loads(f.split("\n")[1].removeprefix("data: ")) for f in raw.decode().split("\n\n")[:-2]]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "message-start" and kinds[-4:] == ["tool-call-delta", "tool-call-delta", "tool-call-end",
                                                          "message-end"]
    start = next(e for e in events if e["type"] == "tool-call-start")["delta"]["message"]["tool_calls"]
    args = "".join(e["delta"]["message"]["tool_calls"]["function"]["arguments"]
                   for e in events if e["type"] == "tool-call-delta")
    assert (start["id"], start["function"]["name"], json.loads(args)) == (call["tool_call_id"], "get_weather",
                                                                          {"city": "Paris"})
    plan = "".join(e["delta"]["message"]["tool_plan"] for e in events if e["type"] == "tool-plan-delta")
    assert plan and events[-1]["delta"]["finish_reason"] == "TOOL_CALL"


def test_cohere_chat_error_is_coheres_error_json() -> None:
    with FakeLLM() as llm:
        llm.begin_run("error", mode="error")
        status, _, raw, call = _post(llm, "/v2/chat", {"model": "command-a-03-2025", "messages": []})
    assert (status, call["status"], call["api"], call["kind"]) == (400, 400, "cohere", "error")
    assert json.loads(raw) == {"id": call["response_id"], "message": "invalid request: fakellm: scripted error (HTTP 400)"}


def _groq(llm: FakeLLM, body: dict) -> tuple[int, str, bytes, dict]:
    """(status, content type, raw answer, its log entry) of one ``POST /openai/v1/chat/completions``."""
    status, headers, raw, entry = _post(llm, "/openai/v1/chat/completions", body)
    return status, headers.get("content-type", ""), raw, entry


def test_groq_answers_with_its_timings_and_x_groq_then_streams_the_usage_on_the_last_chunk() -> None:
    """Groq's usage carries its timings (seconds) beside the token counts; x_groq the request id and
    the cached tokens' hardware split; a stream's usage comes in x_groq.usage on the last chunk, and
    again on a usage-only chunk after it when include_usage asks."""
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    asked = [{"role": "user", "content": "What is the weather in Paris?"}]
    model = "llama-3.3-70b-versatile"
    with FakeLLM() as llm:
        status, _, raw, call1 = _groq(llm, {"model": model, "messages": asked, "tools": tools})
        first = json.loads(raw)
        (tc,) = first["choices"][0]["message"]["tool_calls"]
        done = [*asked, first["choices"][0]["message"],
                {"role": "tool", "tool_call_id": tc["id"], "content": "Sunny, 22 C"}]
        streams = [_groq(llm, {"model": model, "messages": done, "tools": tools, "stream": True} | extra)
                   for extra in ({}, {"stream_options": {"include_usage": True}})]
        assert llm.calls() == [call1, streams[0][3], streams[1][3]]  # model calls, as a recording lists them
    tool, final = DEFAULT_USAGE["tool_call"], DEFAULT_USAGE["final"]
    assert status == 200 and first["choices"][0]["finish_reason"] == "tool_calls" and first["model"] == model
    assert (tc["function"]["name"], json.loads(tc["function"]["arguments"])) == ("get_weather", {"city": "Paris"})
    assert (call1["api"], call1["kind"], call1["tool_call_id"]) == ("groq", "tool_call", tc["id"])
    usage = first["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"],
            usage["prompt_tokens_details"]) == (tool.input, tool.output, tool.input + tool.output,
                                                {"cached_tokens": tool.cached})
    assert {k for k in usage if k.endswith("_time")} == {"queue_time", "prompt_time", "completion_time", "total_time"}
    assert all(isinstance(usage[k], float) and usage[k] < 1 for k in usage if k.endswith("_time"))
    assert call1["usage"] == usage and call1["usage_normalized"] == {
        "input": tool.input, "output": tool.output, "cached": tool.cached, "cache_creation": 0, "reasoning": 0}
    hardware = first["x_groq"]["usage"]
    assert first["x_groq"]["id"] == call1["request_id"] and sum(hardware.values()) == tool.cached
    for (status2, ctype, raw2, call2), include_usage in zip(streams, (False, True), strict=True):
        assert (status2, call2["api"], call2["kind"], call2["stream"]) == (200, "groq", "final", True)
        lines = raw2.decode().split("\n\n")
        assert ctype.startswith("text/event-stream") and lines[-2] == "data: [DONE]"
        chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-2]]
        with_choice = [c for c in chunks if c["choices"]]
        assert "".join(c["choices"][0]["delta"].get("content") or "" for c in with_choice) == FINAL_PREFIX + "Sunny, 22 C"
        assert [("x_groq" in c, c["choices"][0]["finish_reason"]) for c in with_choice] == (
            [(True, None)] + [(False, None)] * (len(with_choice) - 2) + [(True, "stop")])
        assert with_choice[-1]["x_groq"]["usage"] == call2["usage"] and call2["usage"]["prompt_tokens"] == final.input
        usage_only = [c for c in chunks if not c["choices"]]
        assert [c["usage"] for c in usage_only] == ([call2["usage"]] if include_usage else [])
        assert all("usage" not in c for c in with_choice)


def test_groq_error_is_openai_shaped() -> None:
    with FakeLLM() as llm:
        llm.begin_run("error", mode="error")
        status, _, raw, call = _groq(llm, {"model": "llama-3.3-70b-versatile", "messages": []})
    assert (status, call["status"], call["api"], call["model"]) == (400, 400, "groq", "llama-3.3-70b-versatile")
    assert json.loads(raw)["error"]["type"] == "invalid_request_error"
def test_a_reasoning_model_answers_responses_with_its_reasoning_item_and_reasoning_inside_output() -> None:
    """OpenAI's Responses API from a reasoning model: each answer starts with a reasoning item, its
    ``output_tokens`` include the reasoning tokens counted apart in ``output_tokens_details``, its
    ``input_tokens`` the cached ones; a stream adds the reasoning item at output index 0 and the
    answer's items after it. Usage without reasoning answers as before (no reasoning item)."""
    from fakellm import OPENAI_REASONING_USAGE

    tools = [{"type": "function", "name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
    asked = [{"role": "user", "content": "What is the weather in Paris?"}]
    with FakeLLM(usage=OPENAI_REASONING_USAGE) as llm:
        status, _, raw, call1 = _post(llm, "/v1/responses", {"model": "gpt-5-mini", "input": asked, "tools": tools})
        first = json.loads(raw)
        done = [*asked, *first["output"],
                {"type": "function_call_output", "call_id": first["output"][1]["call_id"], "output": "Sunny, 22 C"}]
        _, headers, raw2, call2 = _post(llm, "/v1/responses", {"model": "gpt-5-mini", "input": done, "tools": tools,
                                                               "stream": True})
    tool, final = OPENAI_REASONING_USAGE["tool_call"], OPENAI_REASONING_USAGE["final"]
    assert tool.reasoning and final.reasoning and not tool.cache_creation
    assert status == 200 and (call1["kind"], call1["tool_name"]) == ("tool_call", "get_weather")
    reasoning, fn = first["output"]
    assert reasoning == {"type": "reasoning", "id": "rs_fake0001", "summary": []}
    assert (fn["type"], fn["call_id"], json.loads(fn["arguments"])) == ("function_call", call1["tool_call_id"],
                                                                        {"city": "Paris"})
    assert first["reasoning"]["effort"] == "medium"
    assert first["usage"] == call1["usage"] == {
        "input_tokens": tool.input, "input_tokens_details": {"cached_tokens": tool.cached},
        "output_tokens": tool.output, "output_tokens_details": {"reasoning_tokens": tool.reasoning},
        "total_tokens": tool.input + tool.output}
    assert call1["usage_normalized"]["reasoning"] == tool.reasoning
    assert headers["content-type"].startswith("text/event-stream") and (call2["kind"], call2["stream"]) == ("final", True)
    events = [json.loads(block.split("data: ", 1)[1]) for block in raw2.decode().split("\n\n") if block]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    added = [(e["output_index"], e["item"]["type"]) for e in events if e["type"] == "response.output_item.added"]
    assert added == [(0, "reasoning"), (1, "message")]
    assert {e["output_index"] for e in events if e["type"] == "response.output_text.delta"} == {1}
    completed = events[-1]["response"]
    assert events[-1]["type"] == "response.completed" and [i["type"] for i in completed["output"]] == [
        "reasoning", "message"]
    assert completed["usage"] == call2["usage"] and completed["usage"]["output_tokens"] == final.output
    assert completed["usage"]["output_tokens_details"]["reasoning_tokens"] == final.reasoning
    with FakeLLM() as llm:
        plain = json.loads(_post(llm, "/v1/responses", {"model": "gpt-4o-mini", "input": asked, "tools": tools})[2])
    assert [i["type"] for i in plain["output"]] == ["function_call"] and plain["reasoning"]["effort"] is None


def test_a_turn_going_on_from_an_earlier_one_gets_the_resumed_usage() -> None:
    """With ``later_turn_usage``, a request whose conversation holds an answer of the model before its
    last user message (a resumed session re-sends its earlier turn) is answered with that table's
    usage for its kind and marked ``resumed``; the calls of the first turn keep the usual usage."""
    from fakellm import OPENAI_REASONING_USAGE, RESUMED_USAGE

    tools = [{"type": "function", "name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
    asked = [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Weather in Paris?"}]}]
    with FakeLLM(usage=OPENAI_REASONING_USAGE, later_turn_usage=RESUMED_USAGE) as llm:
        _, _, raw, call1 = _post(llm, "/v1/responses", {"model": "gpt-5.5", "input": asked, "tools": tools})
        fn = json.loads(raw)["output"][-1]
        turn1 = [*asked, fn, {"type": "function_call_output", "call_id": fn["call_id"], "output": "Sunny"}]
        _, _, raw, call2 = _post(llm, "/v1/responses", {"model": "gpt-5.5", "input": turn1, "tools": tools})
        answered = [*turn1, *json.loads(raw)["output"]]
        again = [*answered, {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Again?"}]}]
        _, _, raw, call3 = _post(llm, "/v1/responses", {"model": "gpt-5.5", "input": again, "tools": tools})
        chat = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
                {"role": "user", "content": "Hi again"}]
        _, _, _, call4 = _post(llm, "/v1/chat/completions", {"model": "gpt-4o-mini", "messages": chat})
    assert [(c["kind"], c.get("resumed", False)) for c in (call1, call2, call3, call4)] == [
        ("tool_call", False), ("final", False), ("tool_call", True), ("text", True)]
    assert call1["usage_normalized"] == vars(OPENAI_REASONING_USAGE["tool_call"])
    assert call3["usage_normalized"] == vars(RESUMED_USAGE["tool_call"])
    assert json.loads(raw)["usage"]["input_tokens_details"]["cached_tokens"] == RESUMED_USAGE["tool_call"].cached
    assert call4["usage"]["prompt_tokens_details"]["cached_tokens"] == RESUMED_USAGE["text"].cached
    with FakeLLM() as llm:  # without the table: every turn as usual
        assert "resumed" not in _post(llm, "/v1/responses", {"model": "gpt-5.5", "input": again, "tools": tools})[3]


def test_a_request_sent_through_it_as_an_http_proxy_is_routed_by_its_url_path() -> None:
    """A client whose HTTP_PROXY is the fake sends the whole URL on its request line
    (``POST http://api.groq.com/openai/v1/chat/completions``): it is answered by the route of
    that URL's path (Groq's here), and the log names the host the client believed it called."""
    url = "http://api.groq.com/openai/v1/chat/completions?trace=1"
    body = {"model": "llama-3.3-70b-versatile", "messages": [{"role": "user", "content": "What is the weather in Paris?"}]}
    with FakeLLM() as llm:
        conn = http.client.HTTPConnection("127.0.0.1", llm.port, timeout=10)
        try:
            conn.request("POST", url, json.dumps(body), {"Host": "api.groq.com", "Content-Type": "application/json"})
            resp = conn.getresponse()
            status, answer = resp.status, json.loads(resp.read())
        finally:
            conn.close()
        deadline = time.monotonic() + 5
        while not llm.log and time.monotonic() < deadline:
            time.sleep(0.01)
        (call,) = llm.calls()
        _, _, _, plain = _post(llm, "/openai/v1/chat/completions", body)
    assert status == 200 and "x_groq" in answer and answer["model"] == body["model"]
    assert (call["api"], call["path"], call["proxied_host"]) == ("groq", "/openai/v1/chat/completions", "api.groq.com")
    assert plain["api"] == "groq" and "proxied_host" not in plain  # an ordinary request line: no host logged


def _sse(raw: bytes) -> list[dict]:
    return [json.loads(line[6:]) for line in raw.decode().splitlines() if line.startswith("data: ")]


def test_messages_blocks_answer_a_tool_call_with_thinking_text_and_the_tool_use() -> None:
    tools = [{"name": "Bash", "description": "Run", "input_schema": {"type": "object", "properties": {}}}]
    asked = [{"role": "user", "content": "run it"}]
    with FakeLLM() as llm:
        status, _, raw, call1 = _post(llm, "/blocks/v1/messages", {"model": "claude-sonnet-4-5", "messages": asked,
                                                                  "tools": tools})
        answer = json.loads(raw)
        assert status == 200 and [b["type"] for b in answer["content"]] == ["thinking", "text", "tool_use"]
        assert answer["content"][0]["signature"] and answer["content"][2]["input"] == {
            "command": "echo fakellm-tool-ok", "description": "Print a marker"}
        assert (call1["api"], call1["kind"], call1["blocks"], call1["tool_call_id"]) == (
            "messages", "tool_call", ["thinking", "text", "tool_use"], answer["content"][2]["id"])
        assert call1["usage"]["output_tokens"] == DEFAULT_USAGE["tool_call"].output and llm.calls() == [call1]

        done = [*asked, {"role": "assistant", "content": answer["content"]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call1["tool_call_id"],
                                              "content": "fakellm-tool-ok"}]}]
        _, headers, raw2, call2 = _post(llm, "/blocks/v1/messages", {"model": "claude-sonnet-4-5", "messages": done,
                                                                    "tools": tools, "stream": True})
        events = _sse(raw2)
        assert headers["content-type"].startswith("text/event-stream") and call2["kind"] == "final"
        assert [e["content_block"]["type"] for e in events if e["type"] == "content_block_start"] == ["text"]
        assert events[-2]["usage"] == {"output_tokens": DEFAULT_USAGE["final"].output}

        # A streamed tool call: each block started, filled and stopped in its turn.
        _, _, raw3, _ = _post(llm, "/blocks/v1/messages", {"model": "claude-sonnet-4-5", "messages": asked,
                                                          "tools": tools, "stream": True})
        kinds = [(e["type"], e.get("index")) for e in _sse(raw3) if e["type"].startswith("content_block")]
        assert [k for k in kinds if k[0] != "content_block_delta"] == [
            ("content_block_start", 0), ("content_block_stop", 0), ("content_block_start", 1),
            ("content_block_stop", 1), ("content_block_start", 2), ("content_block_stop", 2)]


def test_messages_blocks_error_is_anthropics_error_json() -> None:
    with FakeLLM() as llm:
        llm.begin_run("e", mode="error")
        status, _, raw, call = _post(llm, "/blocks/v1/messages", {"model": "claude-sonnet-4-5", "messages": []})
    assert (status, call["api"], call["kind"]) == (400, "messages", "error")
    assert json.loads(raw)["error"]["type"] == "invalid_request_error"


def test_gemini_built_in_tool_answer_counts_the_tools_prompt_beside_the_thinking() -> None:
    """A Gemini request asking for Google Search, then one asking for code execution (streamed): the
    answer grounded by the tool, ``usageMetadata`` with ``toolUsePromptTokenCount`` and
    ``thoughtsTokenCount`` (distinct) in ``totalTokenCount``; the log's billed usage counts the
    tool's prompt as input and the thinking as output; an error is Gemini's."""
    from fakellm import BUILTIN_TOOL_USAGE

    path = "/v1beta/models/gemini-2.5-flash"
    asked = [{"role": "user", "parts": [{"text": "What is the weather in Paris?"}]}]
    with FakeLLM() as llm:
        status, _, raw, call1 = _post(llm, path + ":generateContent", {"contents": asked, "tools": [{"googleSearch": {}}]})
        first = json.loads(raw)
        more = [*asked, first["candidates"][0]["content"], {"role": "user", "parts": [{"text": "In F?"}]}]
        _, headers, raw2, call2 = _post(llm, path + ":streamGenerateContent?alt=sse",
                                        {"contents": more, "tools": [{"codeExecution": {}}]})
        llm.begin_run("error", mode="error")
        status3, _, raw3, call3 = _post(llm, path + ":generateContent", {"contents": asked, "tools": [{"urlContext": {}}]})
        assert llm.calls() == [call1, call2, call3]
    search, code = BUILTIN_TOOL_USAGE["google_search"], BUILTIN_TOOL_USAGE["code_execution"]
    assert status == 200 and (call1["api"], call1["kind"], call1["builtin_tool"], call1["stream"]) == (
        "gemini", "google_search", "google_search", False)
    cand = first["candidates"][0]
    assert cand["groundingMetadata"]["webSearchQueries"] == ["weather in Paris"]
    assert cand["content"]["parts"][0]["text"].startswith("Paris is sunny")
    u1 = first["usageMetadata"]
    assert u1 == call1["usage"] and (u1["promptTokenCount"], u1["toolUsePromptTokenCount"], u1["thoughtsTokenCount"],
                                     u1["candidatesTokenCount"], u1["cachedContentTokenCount"]) == (
        search.prompt, search.tool_use_prompt, search.thoughts, search.candidates, search.cached)
    assert u1["totalTokenCount"] == search.prompt + search.tool_use_prompt + search.thoughts + search.candidates
    assert search.tool_use_prompt != search.thoughts
    assert call1["usage_normalized"] == {"input": search.prompt + search.tool_use_prompt,
                                         "output": search.candidates + search.thoughts, "cached": search.cached,
                                         "cache_creation": 0, "reasoning": search.thoughts}
    assert call1["tool_use_prompt"] == search.tool_use_prompt and not call1["tool_call_id"]
    assert headers["content-type"].startswith("text/event-stream") and (call2["kind"], call2["stream"]) == (
        "code_execution", True)
    chunks = [json.loads(c.removeprefix("data: ")) for c in raw2.decode().split("\r\n\r\n") if c]
    parts = [p for c in chunks for p in c["candidates"][0]["content"]["parts"]]
    assert list(parts[0]) == ["executableCode"] and parts[1]["codeExecutionResult"]["outcome"] == "OUTCOME_OK"
    assert "".join(p.get("text", "") for p in parts).startswith("22 C is 71.6 F")
    assert [("usageMetadata" in c) for c in chunks] == [False] * (len(chunks) - 1) + [True]
    assert chunks[-1]["usageMetadata"] == call2["usage"] and call2["usage"]["toolUsePromptTokenCount"] == code.tool_use_prompt
    assert (status3, call3["status"], call3["builtin_tool"]) == (400, 400, "url_context")
    assert json.loads(raw3)["error"]["status"] == "INVALID_ARGUMENT"


def test_messages_structured_output_gets_json_of_its_schema_and_a_summary_request_a_summary() -> None:
    schema = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}
    tools = [{"name": "Bash", "description": "Run", "input_schema": {"type": "object", "properties": {}}}]
    with FakeLLM() as llm:
        # Claude Code's session title: output_config.format, no tools.
        _, _, raw, call = _post(llm, "/v1/messages", {"model": "claude-sonnet-4-5", "messages": [
            {"role": "user", "content": "name this session"}],
            "output_config": {"format": {"type": "json_schema", "schema": schema}}})
        assert call["kind"] == "json" and json.loads(json.loads(raw)["content"][0]["text"]) == {"title": "Paris"}
        # Claude Code's /compact: a tool result, then the instructions asking for a <summary> block.
        asked = [{"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "fakellm-tool-ok"},
            {"type": "text", "text": "Write an <analysis> block followed by a <summary> block."}]}]
        _, _, raw2, call2 = _post(llm, "/v1/messages", {"model": "claude-sonnet-4-5", "messages": asked, "tools": tools})
        text = json.loads(raw2)["content"][0]["text"]
        assert call2["kind"] == "text" and "<summary>" in text and "</summary>" in text
        # Without either, the conversation decides as before.
        _, _, _, call3 = _post(llm, "/v1/messages", {"model": "claude-sonnet-4-5", "messages": [
            {"role": "user", "content": "run it"}], "tools": tools})
        assert call3["kind"] == "tool_call"


def test_messages_answer_smolagents_observation_as_a_tool_result() -> None:
    """smolagents on Anthropic through LiteLLM sends a tool's result as a user text block, not a tool_result."""
    tools = [{"name": "get_weather", "description": "Weather", "input_schema": {"type": "object", "properties": {}}}]
    asked = [{"role": "user", "content": [{"type": "text", "text": "New task:\nWhat is the weather in Paris?"}]},
             {"role": "assistant", "content": [{"type": "text", "text": "Calling tools: get_weather"}]},
             {"role": "user", "content": [{"type": "text", "text": "Observation:\nSunny, 22 C in Paris"}]}]
    with FakeLLM() as llm:
        status, _, raw, call = _post(llm, "/v1/messages", {"model": "claude-sonnet-4-5", "messages": asked,
                                                           "tools": tools, "max_tokens": 100})
        assert status == 200 and call["kind"] == "final"
        assert json.loads(raw)["content"][0]["text"] == FINAL_PREFIX + "Sunny, 22 C in Paris"


def test_gemini_request_in_protos_snake_case_gets_the_tool_call_then_the_final_answer() -> None:
    """LiteLLM spells a Gemini request's fields as proto names them (``function_declarations``,
    ``function_call``, ``function_response``), which the Gemini API accepts: the fake reads them so,
    and leaves the tool's own schema names alone."""
    path = "/v1beta/models/gemini-2.5-flash:generateContent"
    tools = [{"function_declarations": [{"name": "get_forecast", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}, "max_days": {"type": "integer"}},
        "required": ["city", "max_days"]}}]}]
    asked = [{"role": "user", "parts": [{"text": "What is the weather in Paris?"}]}]
    with FakeLLM() as llm:
        _, _, raw, call1 = _post(llm, path, {"contents": asked, "tools": tools})
        (part,) = json.loads(raw)["candidates"][0]["content"]["parts"]
        done = [*asked, {"role": "model", "parts": [{"function_call": {"name": "get_forecast",
                                                                       "args": part["functionCall"]["args"]}}]},
                {"role": "user", "parts": [{"function_response": {"name": "get_forecast",
                                                                  "response": {"content": "Sunny, 22 C"}}}]}]
        _, _, raw2, call2 = _post(llm, path.replace(":generateContent", ":streamGenerateContent") + "?alt=sse",
                                  {"contents": done, "tools": tools})
    assert (call1["kind"], call1["tool_name"]) == ("tool_call", "get_forecast")
    assert part["functionCall"]["args"] == {"city": "Paris", "max_days": 1}
    assert (call2["kind"], call2["stream"]) == ("final", True)
    assert "Sunny," in raw2.decode()  # the answer quotes the tool's result


def test_scripted_tool_answers_follow_the_calls_the_conversation_holds() -> None:
    """A tool with scripted answers gets them in turn, by how many calls of it the conversation holds
    already (a tool result last or not: instructor hands a failed validation back as the tool's
    result and asks again), then the usual rules; another tool offered beside is not scripted."""
    report = {"name": "WeatherReport", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}, "temperature_c": {"type": "integer"}},
        "required": ["city", "temperature_c"]}}
    chat_tools = [{"type": "function", "function": report}]
    answers = {"WeatherReport": [{"city": "Paris", "temperature_c": 220}, {"city": "Paris", "temperature_c": 22}]}
    messages: list[dict] = [{"role": "user", "content": "Sunny, 22 C in Paris."}]
    got = []
    with FakeLLM(tool_answers=answers) as llm:
        for _ in range(3):
            message = _chat(llm, {"model": "gpt-4o-mini", "tools": chat_tools, "messages": messages})["choices"][0]["message"]
            got.append((llm.log[-1]["kind"], message.get("tool_calls"), message["content"]))
            call = (message.get("tool_calls") or [None])[0]
            if call is not None:
                messages = [*messages, message, {"role": "tool", "tool_call_id": call["id"], "content": "Validation Error"}]
        # The Responses API's function_call items count too.
        responses_tools = [{"type": "function", **report}]
        asked = [{"role": "user", "content": "Sunny, 22 C in Paris."}]
        first = json.loads(_post(llm, "/v1/responses", {"model": "gpt-4o-mini", "input": asked, "tools": responses_tools})[2])
        again = [*asked, *first["output"], {"type": "function_call_output", "call_id": "x", "output": "Validation Error"}]
        second = json.loads(_post(llm, "/v1/responses", {"model": "gpt-4o-mini", "input": again, "tools": responses_tools})[2])
        weather = _chat(llm, {"model": "gpt-4o-mini", "messages": messages[:1], "tools": [
            {"type": "function", "function": {"name": "get_weather", "parameters": {}}}]})["choices"][0]["message"]
    (kind1, calls1, _), (kind2, calls2, _), (kind3, calls3, text3) = got
    assert (kind1, kind2, kind3) == ("tool_call", "tool_call", "final")
    assert [json.loads(c["function"]["arguments"]) for c in (*calls1, *calls2)] == answers["WeatherReport"]
    assert calls3 is None and text3.startswith(FINAL_PREFIX)
    assert [json.loads(i["arguments"]) for i in (*first["output"], *second["output"])] == answers["WeatherReport"]
    assert json.loads(weather["tool_calls"][0]["function"]["arguments"]) == {"city": "Paris"}


def _turn(llm: FakeLLM, tools: list[dict], messages: list[dict], got: list) -> list[dict]:
    """One chat request: what the fake answered (its kind, the tool it called and the arguments) noted in
    ``got``; the conversation after it (the call answered ``done``)."""
    message = _chat(llm, {"model": "gpt-4o-mini", "tools": tools, "messages": messages})["choices"][0]["message"]
    call = (message.get("tool_calls") or [None])[0]
    got.append((llm.log[-1]["kind"], call and call["function"]["name"], call and json.loads(call["function"]["arguments"])))
    if call is None:
        return messages
    return [*messages, message, {"role": "tool", "tool_call_id": call["id"], "content": "done"}]


def test_several_scripted_tools_are_called_in_the_scripts_order() -> None:
    """Scripted tools offered together are called in the script's order, whatever order the request
    lists them in (a deep agent offers its sub-agents' ``task`` tool before its planning tool), then
    the usual rules answer the last result with the final text."""
    def fn(name: str) -> dict:
        return {"type": "function", "function": {"name": name, "parameters": {
            "type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}}}
    tools = [fn("task"), fn("get_weather"), fn("write_todos")]
    answers = {"write_todos": [{"x": "plan"}], "get_weather": [{"city": "Paris"}], "task": [{"x": "advise"}]}
    messages: list[dict] = [{"role": "user", "content": "Plan a trip to Paris."}]
    got = []
    with FakeLLM(tool_answers=answers) as llm:
        for _ in range(4):
            messages = _turn(llm, tools, messages, got)
    assert got == [("tool_call", "write_todos", {"x": "plan"}), ("tool_call", "get_weather", {"city": "Paris"}),
                   ("tool_call", "task", {"x": "advise"}), ("final", None, None)]


def test_scripted_calls_go_only_to_the_requests_of_the_system_prompt_named() -> None:
    """With ``script_system`` only a request whose system instructions hold that text gets the scripted
    calls (a Strands swarm offers every agent its handoff tool: only the triage agent hands off); another
    agent's request offering the same tool gets the usual rules (the preferred tool, then the final text)."""
    def fn(name: str, *props: str) -> dict:
        return {"type": "function", "function": {"name": name, "parameters": {
            "type": "object", "properties": {p: {"type": "string"} for p in props}, "required": list(props)}}}
    handoff = {"agent_name": "weather_agent", "message": "Weather in Paris."}
    got = []
    with FakeLLM(tool_answers={"handoff_to_agent": [handoff]}, script_system="Hand weather questions off") as llm:
        for system, tools in (("Hand weather questions off to weather_agent.", [fn("handoff_to_agent", "agent_name", "message")]),
                              ("Answer weather questions.", [fn("get_weather", "city"), fn("handoff_to_agent", "agent_name", "message")])):
            messages: list[dict] = [{"role": "system", "content": system}, {"role": "user", "content": "Paris?"}]
            for _ in range(2):
                messages = _turn(llm, tools, messages, got)
    assert got == [("tool_call", "handoff_to_agent", handoff), ("final", None, None),
                   ("tool_call", "get_weather", {"city": "Paris"}), ("final", None, None)]


def test_parallel_calls_come_in_one_answer_then_the_final_one() -> None:
    """With ``parallel_calls`` a Chat Completions request offering those tools is answered with all
    of them in one message (each its own id and arguments, one usage), streamed one call after the
    other as the API does; their results last, the answer is ``final``. A request that does not offer
    every tool of the list gets the one call the usual rules make."""
    weather = {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    clock = {"type": "function", "function": {"name": "get_time", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    wanted = [("get_weather", {"city": "Paris"}), ("get_time", {"city": "Tokyo"})]
    asked = [{"role": "user", "content": "Weather in Paris, time in Tokyo?"}]
    with FakeLLM(parallel_calls=wanted) as llm:
        message = _chat(llm, {"model": "gpt-4o-mini", "tools": [weather, clock], "messages": asked})["choices"][0]["message"]
        plain = llm.log[-1]
        body = {"model": "gpt-4o-mini", "tools": [weather, clock], "messages": asked, "stream": True,
                "stream_options": {"include_usage": True}}
        raw = _post(llm, "/v1/chat/completions", body)[2].decode()
        streamed = llm.log[-1]
        results = [{"role": "tool", "tool_call_id": c["id"], "content": f"result of {c['id']}"} for c in message["tool_calls"]]
        final = _chat(llm, {"model": "gpt-4o-mini", "tools": [weather, clock],
                            "messages": [*asked, message, *results]})["choices"][0]["message"]
        final_call = llm.log[-1]
        one = _chat(llm, {"model": "gpt-4o-mini", "tools": [weather], "messages": asked})["choices"][0]["message"]
        one_call = llm.log[-1]
    calls = message["tool_calls"]
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls] == wanted
    assert [c["id"] for c in calls] == [f"call_fake{plain['seq']:04d}_1", f"call_fake{plain['seq']:04d}_2"]
    assert (plain["kind"], plain["tool_call_id"], plain["tool_name"]) == ("tool_call", calls[0]["id"], "get_weather")
    assert plain["tool_calls"] == [{"id": c["id"], "name": c["function"]["name"], "arguments": c["function"]["arguments"]}
                                   for c in calls]
    assert plain["usage"]["prompt_tokens"] == DEFAULT_USAGE["tool_call"].input
    # Streamed: each call's first chunk names it (its index, id, name), its arguments follow in pieces.
    chunks = [json.loads(line[6:]) for line in raw.splitlines() if line.startswith("data: {")]
    deltas = [d for c in chunks for ch in c["choices"] for d in ch["delta"].get("tool_calls") or []]
    got: dict[int, dict] = {}
    for d in deltas:
        slot = got.setdefault(d["index"], {"id": None, "name": "", "arguments": ""})
        slot["id"] = d.get("id") or slot["id"]
        slot["name"] += (d.get("function") or {}).get("name", "")
        slot["arguments"] += (d.get("function") or {}).get("arguments", "")
    assert [d["index"] for d in deltas] == [0, 0, 0, 1, 1, 1]  # one call after the other
    assert [(v["name"], json.loads(v["arguments"])) for _, v in sorted(got.items())] == wanted
    assert [v["id"] for _, v in sorted(got.items())] == [c["id"] for c in streamed["tool_calls"]]
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "tool_calls"
    assert streamed["usage"]["completion_tokens"] == DEFAULT_USAGE["tool_call"].output
    assert final_call["kind"] == "final" and final["content"].startswith(FINAL_PREFIX) and "tool_calls" not in final
    assert "tool_calls" not in one_call and one["tool_calls"][0]["id"] == one_call["tool_call_id"]


def test_parallel_calls_on_the_responses_api_are_function_call_items() -> None:
    """The Responses API answers with one ``function_call`` item per call (its own ``call_id``), in the
    response and, streamed, item after item at output indexes 0, 1; the calls' outputs last: ``final``."""
    tools = [{"type": "function", "name": n, "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}} for n in ("get_weather", "get_time")]
    wanted = [("get_weather", {"city": "Paris"}), ("get_time", {"city": "Tokyo"})]
    asked = [{"role": "user", "content": "Weather in Paris, time in Tokyo?"}]
    with FakeLLM(parallel_calls=wanted) as llm:
        first = json.loads(_post(llm, "/v1/responses", {"model": "gpt-4o-mini", "input": asked, "tools": tools})[2])
        plain = llm.log[-1]
        raw = _post(llm, "/v1/responses", {"model": "gpt-4o-mini", "input": asked, "tools": tools, "stream": True})[2]
        streamed = llm.log[-1]
        outputs = [{"type": "function_call_output", "call_id": i["call_id"], "output": "done"} for i in first["output"]]
        final = json.loads(_post(llm, "/v1/responses", {"model": "gpt-4o-mini", "tools": tools,
                                                        "input": [*asked, *first["output"], *outputs]})[2])
        final_call = llm.log[-1]
    items = first["output"]
    assert [(i["type"], i["name"], json.loads(i["arguments"])) for i in items] == [("function_call", *w) for w in wanted]
    assert [i["call_id"] for i in items] == [c["id"] for c in plain["tool_calls"]] == [
        f"call_fake{plain['seq']:04d}_1", f"call_fake{plain['seq']:04d}_2"]
    assert (plain["kind"], plain["tool_call_id"], first["usage"]["input_tokens"]) == (
        "tool_call", items[0]["call_id"], DEFAULT_USAGE["tool_call"].input)
    events = [json.loads(line[6:]) for line in raw.decode().splitlines() if line.startswith("data: ")]
    added = [(e["output_index"], e["item"]["name"]) for e in events if e["type"] == "response.output_item.added"]
    done = [(e["output_index"], json.loads(e["item"]["arguments"])) for e in events if e["type"] == "response.output_item.done"]
    assert added == [(0, "get_weather"), (1, "get_time")] and done == [(0, {"city": "Paris"}), (1, {"city": "Tokyo"})]
    completed = events[-1]["response"]
    assert [i["call_id"] for i in completed["output"]] == [c["id"] for c in streamed["tool_calls"]]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert final_call["kind"] == "final" and final["output"][0]["type"] == "message"


def test_a_run_can_refuse_only_the_agent_that_offers_a_tool() -> None:
    """A multi-agent run's error case: the triage agent (offered only its handoff tool) is answered,
    the specialist (offered get_weather) is refused; then a plain error run refuses every call."""
    def responses(name: str) -> dict:
        return {"model": "gpt-4.1-mini", "input": [{"role": "user", "content": "What is the weather in Paris?"}],
                "tools": [{"type": "function", "name": name, "parameters": {"type": "object", "properties": {}}}]}

    with FakeLLM() as llm:
        llm.begin_run("error", mode="error", refuse_offering="get_weather")
        triage = _post(llm, "/v1/responses", responses("transfer_to_weather_agent"))
        weather = _post(llm, "/v1/responses", responses("get_weather"))
        llm.begin_run("error-all", mode="error")
        other = _post(llm, "/v1/responses", responses("transfer_to_weather_agent"))
    assert (triage[0], triage[3]["kind"], triage[3]["tool_name"]) == (200, "tool_call", "transfer_to_weather_agent")
    assert (weather[0], weather[3]["kind"], weather[3]["usage"]) == (400, "error", None)
    assert (other[0], other[3]["kind"]) == (400, "error")


def test_an_error_run_may_refuse_only_the_requests_whose_system_prompt_holds_a_text() -> None:
    """A sub-agent's calls carry its own system prompt: an error run refusing only those leaves the
    main conversation's answered (a Messages request, its system as text blocks, a chat one and a
    Responses one, its system prompt an input item as the AI SDK sends it); the next ok run refuses nothing."""
    bash = [{"name": "Bash", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}}]
    asked = [{"role": "user", "content": "Say hi."}]
    sub = {"model": "claude-sonnet-4-5", "max_tokens": 64, "tools": bash, "messages": asked,
           "system": [{"type": "text", "text": "You are Claude Code."}, {"type": "text", "text": "You greet people."}]}
    main = {**sub, "system": [{"type": "text", "text": "You are Claude Code."}]}
    chat_sub = {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "You greet people."}, *asked]}
    with FakeLLM() as llm:
        llm.begin_run("error", mode="error", refuse_system="You greet people.")
        got = [_post(llm, "/v1/messages", body) for body in (main, sub)]
        got.append(_post(llm, "/v1/chat/completions", chat_sub))
        got.append(_post(llm, "/v1/chat/completions", {**chat_sub, "messages": asked}))
        responses_sub = {"model": "gpt-4o-mini", "input": [{"role": "developer", "content": "You greet people."},
                                                            {"role": "user", "content": [{"type": "input_text", "text": "Say hi."}]}]}
        got.append(_post(llm, "/v1/responses", responses_sub))
        got.append(_post(llm, "/v1/responses", {**responses_sub, "input": responses_sub["input"][1:]}))
        llm.begin_run("ok")
        again = _post(llm, "/v1/messages", sub)
    assert [(status, entry["kind"]) for status, _, _, entry in got] == [
        (200, "tool_call"), (400, "error"), (400, "error"), (200, "text"), (400, "error"), (200, "text")]
    assert json.loads(got[1][2])["error"]["type"] == "invalid_request_error"
    assert (again[0], again[3]["kind"]) == (200, "tool_call")


def test_a_later_turns_requests_get_the_later_turn_usage_and_may_alone_be_refused() -> None:
    """A conversation resumed for a second turn holds the first turn's last answer (an assistant message
    asking for no tool): with ``later_turn_usage`` its requests are answered with that table's usage (its
    tool call and its final answer alike), the first turn's with the usual one, each log entry naming its
    turn; an error run with ``refuse_later_turns`` refuses only the later turn's requests."""
    bash = [{"name": "Bash", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}}]
    first = [{"role": "user", "content": "Run echo hi."}]
    asked = [*first, {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash",
                                                         "input": {"command": "echo hi"}}]},
             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "hi"}]}]
    answered = [*asked, {"role": "assistant", "content": [{"type": "text", "text": "It printed hi."}]}]
    second = [*answered, {"role": "user", "content": "Once more."}]
    second_asked = [*second, *asked[1:]]

    def body(messages: list[dict]) -> dict:
        return {"model": "claude-sonnet-4-5", "max_tokens": 64, "tools": bash, "messages": messages}

    with FakeLLM(later_turn_usage=LATER_TURN_USAGE) as llm:
        llm.begin_run("ok")
        got = [_post(llm, "/v1/messages", body(m))[3] for m in (first, asked, second, second_asked)]
        llm.begin_run("error", mode="error", refuse_later_turns=True)
        refused = [_post(llm, "/v1/messages", body(m))[3] for m in (first, second)]
    assert [(e["kind"], e["turn"]) for e in got] == [("tool_call", 1), ("final", 1), ("tool_call", 2), ("final", 2)]
    assert [e["usage_normalized"]["cached"] for e in got] == [
        DEFAULT_USAGE["tool_call"].cached, DEFAULT_USAGE["final"].cached,
        LATER_TURN_USAGE["tool_call"].cached, LATER_TURN_USAGE["final"].cached]
    assert got[2]["usage"]["cache_read_input_tokens"] == LATER_TURN_USAGE["tool_call"].cached
    assert [(e["status"], e["kind"]) for e in refused] == [(200, "tool_call"), (400, "error")]
    with FakeLLM() as plain:  # without the table a later turn's answers are the usual ones, no turn logged
        plain.begin_run("ok")
        entry = _post(plain, "/v1/messages", body(second))[3]
    assert entry["usage_normalized"]["cached"] == DEFAULT_USAGE["tool_call"].cached and "turn" not in entry


def test_scripted_tools_count_the_calls_smolagents_hands_back_as_text() -> None:
    """smolagents hands an earlier answer's tool calls back as an assistant's text (``Calling tools:`` and
    their Python repr) and the result as a user's ``Observation:``: those calls count, so a scripted
    ``ToolCallingAgent`` calls its tool, then ``final_answer`` (which ends its run), and stops there."""
    def fn(name: str) -> dict:
        return {"type": "function", "function": {"name": name, "parameters": {
            "type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}}}
    tools = [fn("get_weather"), fn("final_answer")]
    answers = {"get_weather": [{"city": "Paris"}], "final_answer": [{"answer": "Sunny"}]}
    messages: list[dict] = [{"role": "user", "content": [{"type": "text", "text": "New task:\nWeather in Paris?"}]}]
    got = []
    with FakeLLM(tool_answers=answers) as llm:
        for _ in range(3):
            message = _chat(llm, {"model": "gpt-4o-mini", "tools": tools, "messages": messages})["choices"][0]["message"]
            call = (message.get("tool_calls") or [None])[0]
            got.append((llm.log[-1]["kind"], call and call["function"]["name"]))
            if call is not None:
                said = [{"id": call["id"], "type": "function",
                         "function": {"name": call["function"]["name"], "arguments": json.loads(call["function"]["arguments"])}}]
                messages = [*messages, {"role": "assistant", "content": [{"type": "text", "text": f"Calling tools:\n{said}"}]},
                            {"role": "user", "content": [{"type": "text", "text": "Observation:\nSunny, 22 C in Paris"}]}]
    assert got == [("tool_call", "get_weather"), ("tool_call", "final_answer"), ("final", None)]


def test_a_chat_prompt_with_bamls_output_format_gets_an_object_of_its_fields() -> None:
    """BAML puts the class it parses the answer into in the prompt (``{{ ctx.output_format }}``), not in a
    ``response_format``: the fake LLM answers with an object of those fields, which BAML's parser takes."""
    prompt = ("Extract the weather report from the text.\nParis this afternoon: sunny, 22 C.\n"
              "Answer in JSON using this schema:\n{\n  city: string,\n  // Air temperature in degrees Celsius\n"
              "  temperature_c: int,\n  sunny: bool,\n  tags: string[],\n  note: string or null,\n}\n")
    with FakeLLM() as llm:
        answer = _chat(llm, {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": prompt}]})
        logged = llm.log[-1]
        plain = _chat(llm, {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Answer in JSON."}]})
    assert json.loads(answer["choices"][0]["message"]["content"]) == {
        "city": "Paris", "temperature_c": 1, "sunny": False, "tags": [], "note": "Paris"}
    assert (logged["kind"], answer["usage"]["prompt_tokens"]) == ("json", DEFAULT_USAGE["json"].input)
    assert plain["choices"][0]["message"]["content"] == "Hello from fakellm."


def test_a_tool_behind_a_client_run_tool_search_is_searched_for_then_called_in_its_namespace() -> None:
    """Codex defers an MCP server's tools behind a ``tool_search`` it runs itself (``execution``
    ``client``). With ``search_for``, a Responses request offering that search and not the tool gets a
    ``tool_search_call`` for it (a tool call, logged as ``tool_search``); the request that hands back
    the search's output (a ``namespace`` of functions) is no tool result to quote: it gets the call of the
    loaded tool, in its namespace (``namespace`` and the function's own name), logged by the name Codex
    gives it where an API has no namespaces, ``mcp__weather__get_weather``; its result then gets the
    final answer. Without ``search_for`` the search is never used (the client's own tools are called)."""
    own = {"type": "function", "name": "exec_command", "parameters": {
        "type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}}
    search = {"type": "tool_search", "execution": "client", "description": "Searches deferred tools.",
              "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}
    asked = [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Weather in Paris?"}]}]
    body = {"model": "gpt-5.5", "input": asked, "tools": [own, search], "stream": True}
    loaded = {"type": "namespace", "name": "mcp__weather", "description": "Tools in the mcp__weather namespace.",
              "tools": [{"type": "function", "name": "get_weather", "defer_loading": True, "parameters": {
                  "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]}
    with FakeLLM(search_for="get_weather") as llm:
        _, _, raw1, call1 = _post(llm, "/v1/responses", body)
        (searched,) = _sse(raw1)[-1]["response"]["output"]
        found = {"type": "tool_search_output", "call_id": searched["call_id"], "status": "completed",
                 "execution": "client", "tools": [loaded]}
        _, _, raw2, call2 = _post(llm, "/v1/responses", dict(body, input=[*asked, searched, found]))
        (called,) = _sse(raw2)[-1]["response"]["output"]
        result = {"type": "function_call_output", "call_id": called["call_id"], "output": "Sunny, 22 C in Paris"}
        _, _, _, call3 = _post(llm, "/v1/responses", dict(body, input=[*asked, searched, found, called, result]))
    assert (call1["kind"], call1["tool_name"], call1["tool_call_id"]) == ("tool_call", "tool_search", searched["call_id"])
    assert (searched["type"], searched["execution"], searched["arguments"]) == (
        "tool_search_call", "client", {"query": "get_weather"})
    assert (call2["kind"], call2["tool_name"], call2["tool_call_id"]) == (
        "tool_call", "mcp__weather__get_weather", called["call_id"])
    assert (called["type"], called["namespace"], called["name"], json.loads(called["arguments"])) == (
        "function_call", "mcp__weather", "get_weather", {"city": "Paris"})
    assert call3["kind"] == "final"
    with FakeLLM() as llm:
        plain = _post(llm, "/v1/responses", body)[3]
    assert (plain["kind"], plain["tool_name"]) == ("tool_call", "exec_command")


def test_a_gemini_conversations_later_turn_gets_the_later_turn_usage_and_may_alone_be_refused() -> None:
    """A Gemini CLI session resumed for a second turn re-sends the first turn's ``contents``, its last
    answer a ``model`` content with no ``functionCall``: that request's answers get the later turn's usage
    (``thoughtsTokenCount`` and ``cachedContentTokenCount`` on the wire), the first turn's the usual one;
    with ``refuse_later_turns`` only the later turn's are refused."""
    from fakellm import RESUMED_USAGE, THINKING_USAGE

    tools = [{"functionDeclarations": [{"name": "run_shell_command", "parameters": {
        "type": "object", "properties": {"command": {"type": "string"}}}}]}]
    first = [{"role": "user", "parts": [{"text": "Run echo hi."}]}]
    asked = [*first, {"role": "model", "parts": [{"functionCall": {"name": "run_shell_command",
                                                                    "args": {"command": "echo hi"}}}]},
             {"role": "user", "parts": [{"functionResponse": {"name": "run_shell_command",
                                                               "response": {"output": "hi"}}}]}]
    second = [*asked, {"role": "model", "parts": [{"text": "It printed hi."}]},
              {"role": "user", "parts": [{"text": "Once more."}]}]
    path = "/v1beta/models/gemini-2.5-flash:generateContent"
    with FakeLLM(usage=THINKING_USAGE, later_turn_usage=RESUMED_USAGE) as llm:
        llm.begin_run("ok")
        got = [_post(llm, path, {"contents": c, "tools": tools})[3] for c in (first, asked, second)]
        llm.begin_run("error", mode="error", refuse_later_turns=True)
        refused = [_post(llm, path, {"contents": c, "tools": tools})[3] for c in (first, second)]
    assert [(e["kind"], e["turn"], bool(e.get("resumed"))) for e in got] == [
        ("tool_call", 1, False), ("final", 1, False), ("tool_call", 2, True)]
    assert got[2]["usage"]["cachedContentTokenCount"] == RESUMED_USAGE["tool_call"].cached
    assert got[2]["usage"]["thoughtsTokenCount"] == RESUMED_USAGE["tool_call"].reasoning
    assert [(e["status"], e["kind"]) for e in refused] == [(200, "tool_call"), (400, "error")]
