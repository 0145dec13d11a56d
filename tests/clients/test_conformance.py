"""Replaying the real clients' recordings into the real monitor gives the fake LLM's numbers.

For every recorded client (``fixtures/<client>/``) a real ``Monitor`` is
started (OTLP/HTTP on a free loopback port, a SQLite file in tmp) and every
captured request is POSTed to it in the order it was recorded, with its
recorded content type. Then the in-memory store and the CLI surfaces that
read the SQLite file (``sessions list``, ``traces list``, ``costs``,
``stats``, all ``--json``) are checked against the manifest, i.e. against
what the fake LLM server actually answered:

* one session per client run (runs are the manifest's run boundaries);
* each model call counted once: as many LLM calls as the client reported,
  every token field equal to the fake server's usage for that call, the
  session, trace and global totals equal to their sums;
* the model the fake server was asked for;
* previews where the client sent text;
* errors marked in the error runs;
* cost equal to genai-prices' own price for that model and usage ($0 with its
  reason for a local runtime's model genai-prices has no price for there;
  for a deployment asked for by its own name, the price of the model that answered).

Expected numbers come from the manifest only; what each client is known
*not* to send (cache counts, text) is declared per client in ``CLIENTS``,
with the reason (see tests/clients/README.md); a model call a client does
not report at all is listed by its recorder in the manifest's
``usage_not_reported``.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recording import FAKE_KEY, read_body

from agenttrace_tui.analysis.filter import parse_filter
from agenttrace_tui.cli import main as cli_main
from agenttrace_tui.config import Config
from agenttrace_tui.enrich.prices import LOCAL_RUNTIMES, local_reason
from agenttrace_tui.format.numbers import fmt_cost
from agenttrace_tui.model import INTERNAL_ATTR, RUNS_AGENT_ATTR, Span, SpanKind, Status
from agenttrace_tui.normalize import conventions as cv
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.store.agents import agent_of, parent_in
from agenttrace_tui.store.calls import MERGED_BY, NESTED_TOOL_RULE

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass(frozen=True)
class Client:
    """What a client is known to send (or not), from its recordings (README)."""

    #: Sends cache-read counts (openai-v2 does not, for OpenAI calls).
    cache_read: bool = True
    #: Sends them for a streamed call too (OpenInference's Mistral instrumentation has them only in a
    #: call's whole answer, ``output.value``, which a streamed call's span lacks).
    cache_read_streamed: bool = True
    #: Sends cache-write counts for Anthropic/Bedrock calls (they are still counted in its input tokens).
    cache_write: bool = True
    #: Sends a thinking model's reasoning count (without it the thinking is still counted, inside output).
    reasoning: bool = True
    #: Sends prompt and response text of model calls.
    text: bool = True
    #: Sends tool spans/events (each tool call the fake server asked for).
    tools: bool = True
    #: Its provider name is one genai-prices does not know (priced by model alone).
    custom_provider: str | None = None
    #: Reports one failed call however many times it retried (Claude Code re-sends a 400 five times).
    one_error_per_turn: bool = False
    #: Reports a refused model call as a span of its own (OpenInference's Anthropic instrumentation 0.1.x never
    #: ends the span of a call that raised, so only the agent and crew spans around it show the error).
    failed_call_span: bool = True
    #: Counts the tokens of a call the API sent no usage for itself and reports them as the
    #: call's usage (OpenLIT): shown as reported, never estimated again by the monitor.
    counts_usageless: bool = False
    #: Puts its own count of a streamed call's text on the span as the call's usage, the API's
    #: usage chunk ignored (OpenLLMetry for Node.js): the span is no different from a non-streamed
    #: call's, so the monitor cannot tell that count from reported usage and shows it as reported.
    streamed_usage_own_count: bool = False
    #: Tools it runs itself in a turn, no model call asking for them (BeeAI's RequirementAgent hands
    #: a text answer to its own final_answer tool): tool calls shown beside the ones asked for.
    unasked_tools: tuple[str, ...] = ()
    #: The service name of a gateway the client's calls went through that reports them too (a
    #: LiteLLM proxy's OTel callback): its own process, so its own session beside the run's, with
    #: its traces of the requests; each call is counted once, where it was reported first.
    gateway: str | None = None
    #: Sends a Gemini call's tool-use prompt (toolUsePromptTokenCount, a built-in tool's results, billed as
    #: input) and its thoughts (billed as output) only as one sum, in its total beyond input + output: the
    #: monitor counts that sum as input (``cv.finish_usage``), the thoughts at the input price.
    tool_prompt_with_thoughts: bool = False
    #: Reports each call's cost itself, Google's fee for a prompt grounded by Google Search in it (genai-prices'
    #: ``web_searches``: Gemini 2.5 bills one per grounded prompt that returned a web source): the monitor shows
    #: that reported cost, the price of the tokens and of the search.
    prices_searches: bool = False
    #: Adds the output count of a streamed Anthropic answer's ``message_start`` to its ``message_delta``'s,
    #: which holds it already (LangChain.js' ChatAnthropic): each streamed call's output is that many tokens
    #: above what the API sent, and the monitor, with nothing to tell them apart, shows it as reported.
    stream_start_output: bool = False
    #: Offers an MCP server's tools to the model under names prefixed by the server's and this separator
    #: (fast-agent: ``weather__get_weather``), and names each call by the server's own tool (``get_weather``),
    #: as the MCP SDK's spans of the call do.
    server_tool_prefix: str | None = None
    #: Sends the arguments of a tool call it ran on an MCP server (fast-agent's span of the call names the
    #: tool and its server only; the MCP SDK's spans carry no arguments).
    mcp_tool_arguments: bool = True
    #: Sends metrics alone, no spans or logs (the Continue CLI): no session, call, tool or error to show, its
    #: tokens and cost only as counter totals on the metrics screen, checked there.
    metrics_only: bool = False
    #: Reports each model call as a span of its own but without the usage the API sent (Droid, whose token counts
    #: wait on a feature flag of Factory's a logged-out CLI keeps off): its recorder lists the calls in
    #: ``usage_not_reported``; each is still a call, its tokens estimated from the answer text it sent (≈) or unknown.
    usage_dropped: bool = False
    #: Sends the answer of a model call that asked for a tool (Pipecat's own tracing puts the text a call
    #: streamed on its span, none of the tool calls it asked for: they are in the next call's prompt only).
    tool_call_answers: bool = True
    #: Reports a turn's model calls as one span, their usage summed, with no span or usage of each call
    #: (OpenInference's Codex interceptor: each call only a span event naming no tokens): one call shown per
    #: turn, its tokens the sums of the fake server's.
    turn_sums_calls: bool = False
    #: Reports a refused call twice, one report failed and the other answered with no usage (Pipecat's own
    #: tracing and OpenInference's, both on: OpenInference's span of it ends OK): the failed call, and beside it
    #: a call whose tokens the monitor estimated from its prompt (≈), with no error.
    refused_also_answered: bool = False
    #: Sends a model call's prompt on the call's span (OpenInference's BeeAI instrumentation for JavaScript sends
    #: it only on the call's ``start`` event, an internal span beside the call: the call shows its answer alone).
    call_prompt: bool = True
    #: Tools the model calls that are agents the client runs (smolagents' managed agents, offered to the
    #: manager's model as tools named after them): no tool span, the agent's own run span instead.
    agent_tools: tuple[str, ...] = ()


CLIENTS: dict[str, Client] = {
    "openai_agents": Client(),
    # The same agent with OpenLLMetry's openai-agents and openai instrumentations (as traceloop-sdk sets them up).
    "openai_agents_openllmetry": Client(),
    # The same agent with logfire's instrument_openai_agents() and instrument_openai() (as its docs set them up).
    "openai_agents_logfire": Client(),
    # The same two on OpenAIChatCompletionsModel (Chat Completions, how the SDK runs on OpenAI-compatible providers).
    # OpenLLMetry: the SDK's generation span (no usage) around the OpenAI client's chat span (the usage); logfire: its
    # generation span alone, the cached tokens only in its `usage` object. A refused request: one failed call.
    "openai_agents_chat_openllmetry": Client(one_error_per_turn=True),
    "openai_agents_chat_logfire": Client(one_error_per_turn=True),
    # The same agent on LitellmModel("anthropic/claude-sonnet-4-5"): LiteLLM folds Anthropic's cache reads and writes
    # into prompt_tokens; the SDK keeps both in its generation span's usage (input_tokens_details.cached_tokens and
    # cache_write_tokens) but OpenInference maps only its input/output tokens: the cache goes out as plain input.
    "openai_agents_anthropic": Client(cache_read=False, cache_write=False),
    # The SDK for TypeScript (@openai/agents) with OpenInference's processor on the SDK's own trace provider.
    "openai_agents_js": Client(),
    # The same agent with its tool on an MCP server it starts over stdio (MCPServerStdio), OpenInference's MCP
    # instrumentation carrying the trace into the server process, which exports its own spans.
    "openai_agents_mcp": Client(),
    # Two agents of the SDK (OpenInference, Responses API): a triage agent that hands off to a weather agent. The
    # handoff is the triage model's call of transfer_to_weather_agent and a `handoff to Weather agent` TOOL span.
    "openai_agents_handoff": Client(),
    # The same agent with the OpenTelemetry project's own instrumentation (opentelemetry-instrumentation-openai-agents-v2):
    # GenAI-convention spans (invoke_agent, chat, execute_tool) made from the SDK's trace events; each chat span carries
    # only the Responses usage's input_tokens and output_tokens, never its cached count. Its messages leave out the
    # function call items, and a tool-call answer's text is the SDK object's Python repr (it names the tool).
    "openai_agents_otel": Client(cache_read=False),
    "strands": Client(custom_provider="strands-agents"),
    "strands_latest": Client(custom_provider="strands-agents"),
    # Strands on its default provider, Bedrock's ConverseStream (boto3), for a cross-region inference profile id.
    "strands_bedrock": Client(custom_provider="strands-agents"),
    # Strands with AnthropicModel (Messages API, streamed): it adds the cache reads and writes into input itself; the
    # anthropic SDK (2.x) traces each request too, inside Strands' chat span.
    "strands_anthropic": Client(custom_provider="strands-agents"),
    # Strands with OpenInference's span processor: the same spans, each carrying both conventions.
    "strands_openinference": Client(custom_provider="strands-agents"),
    # Strands with its tool on an MCP server it starts over stdio (its MCPClient): the MCP SDK carries the trace
    # into the server process, which exports its own spans.
    "strands_mcp": Client(custom_provider="strands-agents"),
    # A Strands Swarm of two agents (StrandsTelemetry): the triage agent hands off to the weather agent by the swarm's
    # handoff_to_agent tool; an invoke_swarm span around both agents' invoke_agent spans.
    "strands_swarm": Client(custom_provider="strands-agents"),
    # Strands under the AWS Distro for OpenTelemetry as AgentCore observability sets it up (opentelemetry-instrument,
    # AGENT_OBSERVABILITY_ENABLED): its configurator's providers, X-Ray trace ids, the session as session.id baggage
    # on every span, httpx's span of each request inside Strands' chat span, Python's log records as OTLP logs.
    "strands_adot": Client(custom_provider="strands-agents"),
    # mcp-agent (LastMile AI): its own spans around the OpenLLMetry OpenAI spans it turns on, the tool on an MCP
    # server it starts over stdio.
    "mcp_agent": Client(),
    # fast-agent: its own spans (run, agent, MCP tool), OpenLLMetry's OpenAI instrumentation, the MCP SDK's spans.
    "fast_agent": Client(server_tool_prefix="__", mcp_tool_arguments=False),
    # The same agent on fast-agent's anthropic provider: the anthropic SDK's own spans of each call.
    "fast_agent_anthropic": Client(server_tool_prefix="__", mcp_tool_arguments=False),
    # The Strands Agents SDK for TypeScript (setupTracer/setupMeter) on OpenAIModel, Chat Completions and the
    # Responses API (both streamed): it names its scope and every span's gen_ai.system after OTEL_SERVICE_NAME.
    "strands_ts": Client(custom_provider="weather-app"),
    "strands_ts_responses": Client(custom_provider="weather-app"),
    "strands_ts_latest": Client(custom_provider="weather-app"),  # gen_ai.provider.name, the messages as details events
    # boto3's bedrock-runtime converse/converse_stream loop with the contrib botocore instrumentation: model
    # calls only (the tool runs in user code); the messages come as log records of each call's span.
    "bedrock_botocore": Client(tools=False),
    "langchain": Client(),
    # The same agent whose model asks for two get_weather calls in one answer (Paris, Tokyo): LangGraph's tool node
    # runs them side by side, each a tools node and a tool span of its own.
    "langchain_parallel_tools": Client(),
    # The same ReAct agent with its tool from the weather MCP server (langchain-mcp-adapters' MultiServerMCPClient
    # over stdio): the tool's result is a list of MCP content blocks in the ToolMessage.
    "langgraph_mcp": Client(),
    # A langgraph-supervisor supervisor (its own create_react_agent, named supervisor) that hands the question to a
    # weather_agent (create_react_agent) by its transfer_to_weather_agent tool; each agent a graph node's span.
    "langgraph_supervisor": Client(),
    # A LangChain Deep Agent (deepagents' create_deep_agent, ChatOpenAI streamed): the main agent writes its plan
    # (write_todos), calls get_weather, then hands a task to its travel-advisor sub-agent (the task tool), whose
    # own graph runs inside the task tool's span: its ls call and its model calls.
    "deepagents": Client(),
    # The same agent on Bedrock (langchain-aws ChatBedrockConverse): usage_metadata counts cache reads and writes in input.
    "langchain_bedrock": Client(),
    # The same agent on Anthropic (langchain-anthropic ChatAnthropic, streamed): usage_metadata counts cache reads and
    # writes in input; the anthropic SDK traces each call too, as the root of a trace of its own (a refused
    # request too: one failed call).
    "langchain_anthropic_openinference": Client(one_error_per_turn=True),
    # The same agent with OpenLLMetry's LangChain and Anthropic instrumentations (as traceloop-sdk sets them up): the
    # Anthropic one adds no span inside LangChain's, the SDK's own span of each call is its sibling (a refused
    # request too: one failed call).
    "langchain_anthropic_openllmetry": Client(one_error_per_turn=True),
    # The same agent on Gemini (langchain-google-genai ChatGoogleGenerativeAI, gemini-2.5-flash): usage_metadata counts
    # the thinking in output (output_token_details.reasoning) and the cached tokens in input (cache_read).
    "langchain_gemini_openinference": Client(),
    # The same agent with OpenLLMetry's LangChain and Google Generative AI instrumentations (as traceloop-sdk sets them
    # up): the LangChain one suppresses the other inside its chat spans, so each call is one span (no SDK span). It
    # copies usage_metadata's cache_read but not output_token_details.reasoning: the thinking is only inside output.
    "langchain_gemini_openllmetry": Client(reasoning=False),
    # The same agent on Azure OpenAI (langchain-openai AzureChatOpenAI on deployment "my-gpt4o-mini", not streamed):
    # both instrumentations name the model that answered (gpt-4o-mini-2024-07-18, from the response), not the
    # deployment, with provider azure and the cached tokens; OpenLLMetry's LangChain chat span suppresses the OpenAI
    # instrumentation's inside it (one span per call). A refused request names the deployment (OpenInference) or
    # "unknown" (OpenLLMetry): no answer named a model.
    "langchain_azure_openinference": Client(),
    "langchain_azure_openllmetry": Client(),
    # Streamed (streaming=True, stream_usage=True): OpenInference names each call by the deployment, the model that
    # answered only in LangChain's result (output.value), where the monitor reads it to price the call.
    "langchain_azure_openinference_stream": Client(),
    # The same streamed agent with OpenLLMetry's LangChain and OpenAI instrumentations: the request names no model (the
    # deployment only), so its chat span names the model "unknown", and streamed (no llm_output) never replaces it; the
    # model that answered is only in LangChain's result on the chain span around it, where the monitor reads it.
    "langchain_openllmetry_stream": Client(),
    # LangGraph.js with OpenInference's LangChain.js instrumentation (manuallyInstrument on the callbacks manager).
    "langgraph_js": Client(),
    # A KaibanJS team (one agent, one task) whose agent is given a ChatOpenAI of the installed @langchain/openai
    # (llmInstance): OpenInference's LangChain.js instrumentation traces each model call and the tool run, each a
    # trace of its own (KaibanJS's agent, task and team run in the LangChain.js it bundles, which nothing traces).
    "kaibanjs": Client(),
    # The same agent on ChatAnthropic (streamed): OpenInference sends LangChain's usage_metadata, the cache reads and
    # writes added into input, only the reads beside it (no cache write count).
    # LangChain.js counts a streamed answer's output once more by message_start's count (1 here).
    "langgraph_js_anthropic": Client(cache_write=False, stream_start_output=True),
    # The same agent on ChatOpenAI's Responses API (useResponsesApi, streamed) with a reasoning model (gpt-5-mini).
    "langchain_js_openinference": Client(),
    # LiteLLM names the model "openai/gpt-4o-mini". ADK's message text is in a log record naming
    # each call's span (gen_ai.client.inference.operation.details), not on the span.
    "google_adk": Client(custom_provider="litellm model prefix"),
    # ADK calling Gemini itself (its own model class, google-genai): thinking and cached tokens.
    "google_adk_gemini": Client(),
    # ADK on LiteLlm("anthropic/claude-sonnet-4-5"): LiteLLM calls the Messages API itself (no anthropic SDK span).
    "google_adk_anthropic": Client(),
    # The same with OpenInference's google-adk instrumentation on too (as Arize's and Phoenix's docs set it up).
    "google_adk_openinference": Client(),
    # ADK for TypeScript (@google/adk) on Gemini: each call a `call_llm` span.
    "google_adk_js": Client(),
    # The `google_adk` agent as a root agent transferring to a sub-agent (ADK's transfer_to_agent).
    "google_adk_multiagent": Client(custom_provider="litellm model prefix"),
    # The `google_adk` agent with its tool on an MCP server it starts over stdio (McpToolset).
    "google_adk_mcp": Client(custom_provider="litellm model prefix"),
    "pydantic_ai": Client(),
    # The same agent with two tools, its model asking for both in one answer: pydantic-ai runs them concurrently.
    "pydantic_ai_parallel_tools": Client(),
    # pydantic-ai with AnthropicModel: the anthropic SDK (2.x) also traces each call itself.
    "pydantic_ai_anthropic": Client(),
    # pydantic-ai's own spans with OpenInference's span processor adding its attributes to each of them.
    "pydantic_ai_openinference": Client(),
    # pydantic-ai with BedrockConverseModel: provider "bedrock", input already counts the cache reads and writes.
    "pydantic_ai_bedrock": Client(),
    # pydantic-ai with GoogleModel (google-genai, Gemini API): output counts the thinking tokens, input the cached ones.
    "pydantic_ai_gemini": Client(),
    # The same client with Gemini's built-in tools (Google Search, then the get_weather loop, then code execution,
    # streamed): gen_ai.usage.input_tokens counts toolUsePromptTokenCount, output_tokens the thoughts. Its
    # operation.cost (genai-prices in the client) adds the search Google bills to the tokens' price.
    "pydantic_ai_gemini_search": Client(prices_searches=True),
    # pydantic-ai (logfire's instrument_pydantic_ai()) with its tool on an MCP server it starts over stdio (MCPToolset,
    # FastMCP's client): pydantic-ai's span of the tool call, FastMCP's client span and the MCP SDK's inside it.
    "pydantic_ai_mcp": Client(),
    "logfire": Client(),
    # Upsonic's own tracing (DefaultTracingProvider): its model call spans are pydantic-ai's instrumentation copied;
    # the agent.run span repeats the run's summed usage, as gen_ai.usage.* by default, as gen_ai.aggregated_usage.*
    # with use_aggregated_usage_attribute_names.
    "upsonic": Client(),
    "upsonic_aggregated": Client(),
    # The same with the newest genai-prices, as pip resolves upsonic==0.77.3: Upsonic drops every call's usage (its
    # RequestUsage takes no output_reasoning_tokens, genai-prices' since 0.1.0) and sends operation.cost 0.0.
    "upsonic_genai_prices_newest": Client(usage_dropped=True),
    # util-genai 1.1b0 reports no cached tokens; `true` is not a capture mode any more (no text).
    # The SDK instrumentations below trace model calls only: the tool runs in user code.
    "openai_v2": Client(cache_read=False, text=False, tools=False),
    "openai_v2_latest": Client(cache_read=False, tools=False),
    "anthropic": Client(tools=False),
    # OpenLLMetry's OpenAI instrumentation: model calls only, as openai-v2 (the tool runs in user code).
    "openllmetry": Client(tools=False),
    # EDOT Python (opentelemetry-instrument) with Elastic's OpenAI instrumentation: input tokens with the cache in,
    # no cached count; the messages as log events; model calls only (the tool runs in user code).
    "edot": Client(cache_read=False, tools=False),
    # The openai SDK's Responses API on a reasoning model (gpt-5-mini), traced by OpenInference's and by OpenLLMetry's
    # OpenAI instrumentation: model calls only (the tool runs in user code).
    "openai_responses_openinference": Client(tools=False),
    "openai_responses_openllmetry": Client(tools=False),
    # instructor (tools mode) with OpenInference's Instructor and OpenAI instrumentations: one CHAIN span per
    # instructor call (the model, no usage) around each model call's OpenAI span; the forced tool call is the
    # structured answer, not a tool that runs.
    "instructor_openinference": Client(tools=False),
    # A BAML function (baml-py's generated client) with OpenInference's BAML instrumentation: one LLM span per
    # function call (its model call, the usage from BAML's collector), no span of the function apart from it; a
    # BAML function offers the model no tools. A refused call's span ends OK: BAML raises after the wrapped call.
    "baml_openinference": Client(tools=False),
    # A Guardrails AI guard (guardrails-ai 0.5.0, LiteLLM on the openai SDK) with OpenInference's Guardrails and OpenAI
    # instrumentations: each attempt of the guard a trace of its own (`Runner.step`, GUARDRAIL), Guardrails' LLM span
    # of its callable (the request only, no usage) around the OpenAI span of the call; the forced tool call is the
    # structured answer, not a tool that runs.
    "guardrails_openinference": Client(tools=False),
    # Mirascope's own ops tracing (ops.instrument_llm(), @ops.trace): a GenAI `chat` span per model call, its cache
    # reads only in its `mirascope.response.usage`; the @ops.trace and Response.resume spans around a call repeat
    # that object. execute_tools() is not traced: the tool call and its result are in the calls' messages only.
    "mirascope": Client(tools=False),
    # LangGraph with OpenLLMetry's LangChain and OpenAI instrumentors (as Traceloop.init() sets them up).
    "openllmetry_langchain": Client(),
    # OpenLLMetry's Anthropic instrumentation (the SDK traces itself too: two spans a call, a refused request's
    # too: one failed call).
    "openllmetry_anthropic": Client(tools=False, one_error_per_turn=True),
    # OpenLLMetry for Node.js (withWorkflow > withAgent, withTool) on the openai npm package: no
    # cached-token count on its chat spans, and nothing of a failed call (its span never ends).
    "traceloop_node": Client(cache_read=False),
    # The same with call 2 streamed (stream_options.include_usage): the instrumentation ignores the
    # usage chunk and puts a js-tiktoken count of the text there (TRACELOOP_ENRICH_TOKENS, on by default),
    # with no attribute saying the call streamed.
    "traceloop_node_stream": Client(cache_read=False, streamed_usage_own_count=True),
    # The openai npm package under the OpenTelemetry JS OpenAI instrumentation: model calls only (the
    # tool runs in user code); its chat spans carry input and output tokens, never the cached count;
    # the messages come as log records (gen_ai.*.message, gen_ai.choice) in each call's span context.
    "openai_node_otel": Client(cache_read=False, tools=False),
    # The same loop under OpenInference's OpenAI instrumentation for Node.js: model calls only, and
    # nothing of a failed call (its span never ends).
    "openai_node_openinference": Client(tools=False),
    # The Anthropic SDK for TypeScript under OpenInference's instrumentation for it (call 2 streamed): model calls
    # only (the tool runs in user code); the SDK traces each call too, inside OpenInference's span, ending after it.
    "anthropic_node_openinference": Client(tools=False),
    "anthropic_node_openinference_stream": Client(tools=False),  # both calls streamed (the tool call too)
    # The AWS SDK for JavaScript's Bedrock Runtime client under OpenInference's instrumentation for it (call 1
    # Converse, call 2 ConverseStream): model calls only (the tool runs in user code); its spans carry inputTokens
    # and outputTokens, never Bedrock's cacheReadInputTokens or cacheWriteInputTokens.
    "bedrock_node_openinference": Client(cache_read=False, cache_write=False, tools=False),
    # The same loop on a cross-region inference profile's id (us.anthropic.claude-sonnet-4-…), which the instrumentation
    # names by its vendor alone (llm.model_name "anthropic"): the monitor takes the id the request asked for.
    "bedrock_node_openinference_profile": Client(cache_read=False, cache_write=False, tools=False),
    # boto3's bedrock-runtime loop with OpenInference's Bedrock instrumentation for Python (call 1 converse, call 2
    # converse_stream): model calls only; llm.token_count.prompt is Bedrock's input with the cache reads and writes
    # in (its prompt details), the total with them.
    "bedrock_openinference": Client(tools=False),
    # OpenLIT's own set-up: its OpenAI instrumentation (model calls only) and the contrib httpx one;
    # it reports $0 for a model its price list lacks (offline: all), and counts a call's tokens
    # itself when the API sent none.
    "openlit": Client(tools=False, counts_usageless=True),
    # LangGraph set up by openlit.init(): its LangGraph, LangChain and httpx instrumentations (a LangChain chat span a call).
    "openlit_langgraph": Client(),
    # The Vercel AI SDK (npm `ai` 7) with @ai-sdk/otel: its GenAI-conventions integration, and
    # the legacy one (the `ai.*` attributes of AI SDK 4-6 apps; provider `openai.responses`).
    "ai_sdk": Client(),
    "ai_sdk_legacy": Client(),
    # The same agent on @ai-sdk/anthropic, both integrations: input with the cache reads and writes in,
    # the writes as gen_ai.usage.cache_creation.input_tokens / ai.usage.inputTokenDetails.cacheWriteTokens.
    "ai_sdk_anthropic": Client(),
    "ai_sdk_anthropic_legacy": Client(),
    # The same agent on @ai-sdk/google (gemini-2.5-flash, thinking): output with the thinking in, input with the
    # cached tokens in. OpenTelemetry() sends no count of the thinking apart (GenAI conventions have no attribute for
    # it); its `usage: true` option adds ai.usage.outputTokenDetails.reasoningTokens, the legacy one sends it always.
    "ai_sdk_google": Client(reasoning=False),
    "ai_sdk_google_usage": Client(),
    "ai_sdk_google_legacy": Client(),
    # The same agent on @ai-sdk/openai-compatible named 'deepseek' (deepseek-chat), and on @ai-sdk/groq
    # (llama-3.3-70b-versatile): Chat Completions, input with the cached tokens in; provider `deepseek.chat`, `groq.chat`.
    "ai_sdk_openai_compatible": Client(),
    "ai_sdk_openai_compatible_legacy": Client(),
    "ai_sdk_groq": Client(),
    "ai_sdk_groq_legacy": Client(),
    # The `ai_sdk` agent with its tool from an MCP server the AI SDK's MCP client (@ai-sdk/mcp) started over stdio.
    "ai_sdk_mcp": Client(),
    # Mastra's AI tracing through @mastra/otel-exporter (it runs on the AI SDK): a model call's
    # span has its answer, the prompt is on the step around it.
    "mastra": Client(text=False),
    # The same agent on @ai-sdk/anthropic (claude-sonnet-4-5): cache reads and writes beside input on each model
    # call's span (Mastra's own: no AI SDK span is exported); the refused call (a 400, not retried) is one span.
    "mastra_anthropic": Client(text=False, one_error_per_turn=True),
    # CrewAI with OpenInference's CrewAI, LiteLLM and OpenAI instrumentors (its docs' set-up).
    "crewai": Client(),
    # The same crew with OpenLLMetry's CrewAI and OpenAI instrumentations (as traceloop-sdk sets them up):
    # no tool span (its instrumentor wraps the crew, agent, task and LLM.call, no tool); the tool call
    # shows only in the answer of the call that asked for it.
    "crewai_openllmetry": Client(tools=False),
    # The same crew on LLM("anthropic/claude-sonnet-4-5"), CrewAI's native Anthropic provider (anthropic SDK 0.73, the
    # crewai[anthropic] pin), with OpenInference's CrewAI and Anthropic (0.1.20) instrumentors.
    # A refused call raises inside that instrumentor's span, which it then never ends: the error shows on the agent
    # and crew spans only.
    "crewai_anthropic": Client(failed_call_span=False),
    # The same crew with OpenLLMetry's CrewAI and Anthropic instrumentations (as traceloop-sdk sets them up): each call
    # the SDK's anthropic.chat span; no tool span (as crewai_openllmetry).
    "crewai_anthropic_openllmetry": Client(tools=False),
    # A crew of two agents with a task each (sequential): the researcher calls get_weather, the writer, with no
    # tool, writes from its answer; the error run refuses only the writer's calls (CrewAI asks three times).
    "crewai_crew": Client(),
    # The same crew, the writer allowed to delegate and scripted to ask the researcher (ask_question_to_coworker):
    # CrewAI runs the researcher inside the writer's tool call, with no agent span; error run as crewai_crew's.
    "crewai_crew_delegation": Client(),
    # LlamaIndex's FunctionAgent streams its calls (usage asked for with stream_options).
    "llama_index": Client(),
    # The same agent with OpenLLMetry's llamaindex and openai instrumentations (as traceloop-sdk sets them up).
    "llama_index_openllmetry": Client(),
    # The same agent on Anthropic (llama-index-llms-anthropic, anthropic SDK 0.125.0: no span of its own): the LLM
    # span's prompt count is Anthropic's input_tokens, cache reads and writes reported beside it.
    "llama_index_anthropic": Client(),
    # The same agent on Gemini (llama-index-llms-google-genai): it passes on only prompt_tokens, completion_tokens
    # (candidatesTokenCount, the thoughts left out) and total_tokens, and OpenInference reads no cached count from
    # Gemini's usage either: the cached tokens go out as plain input; the thoughts are what the total has beyond.
    "llama_index_gemini": Client(cache_read=False),
    # smolagents' OpenInference instrumentor reports no cached tokens; the agent span sums its calls.
    "smolagents": Client(cache_read=False),
    # The same agent on LiteLLMModel("anthropic/claude-sonnet-4-5"): smolagents reads LiteLLM's OpenAI-shaped usage,
    # prompt_tokens with Anthropic's cache reads and writes in, and sends no cache counts: the cache goes out as input.
    "smolagents_anthropic": Client(cache_read=False, cache_write=False, one_error_per_turn=True),
    # The same with OpenInference's LiteLLM instrumentor too: its completion span under each of smolagents' call spans
    # carries the cache reads and writes.
    "smolagents_anthropic_litellm": Client(one_error_per_turn=True),
    # A manager ToolCallingAgent with a managed sub-agent (smolagents' managed_agents), each on a model of its own: the
    # sub-agent's run is an AGENT span inside the manager's step (no TOOL span for the manager's call of it).
    "smolagents_managed": Client(cache_read=False, agent_tools=("weather_agent",)),
    # Agno with OpenInference's Agno instrumentor.
    "agno": Client(),
    # The same agent with OpenLLMetry's agno and openai instrumentations (as traceloop-sdk sets them up).
    "agno_openllmetry": Client(),
    # The same agent on Anthropic (agno.models.anthropic.Claude): the anthropic SDK (2.x) also traces each call itself.
    "agno_anthropic": Client(),
    # The same agent on Bedrock (agno.models.aws.AwsBedrock, Converse through boto3, not traced): provider "AwsBedrock",
    # Bedrock's inputTokens as the prompt count, its cache reads and writes beside it as the prompt details.
    "agno_bedrock": Client(),
    # The same agent with OpenLLMetry's agno and bedrock instrumentations (as traceloop-sdk sets them up): each model
    # call is the bedrock one's span (Agno's model call has none), Bedrock's inputTokens with the cache beside it, the
    # model named without the inference profile's region and vendor (claude-sonnet-4-20250514-v1:0: nothing on the
    # span says us.anthropic.; the same genai-prices price under aws).
    "agno_bedrock_openllmetry": Client(),
    # An Agno Team (coordinate mode) of two members, the leader delegating by its delegate_task_to_member tool, inside
    # whose span each member's run is reported: every agent's model calls are its own spans.
    "agno_team": Client(),
    # The same team with OpenLLMetry's agno and openai instrumentations (as traceloop-sdk sets them up).
    "agno_team_openllmetry": Client(),
    # PraisonAI's agents with its observability suite's Langfuse provider (praisonai-tools), which builds its spans
    # from PraisonAI's trace events and exports them itself: one model call span per agent turn, the last call's
    # usage and no cached count (the earlier calls: usage_not_reported), each span a trace of its own.
    "praisonai": Client(cache_read=False),
    # A sequential AgentTeam of two PraisonAI agents, each with its own task, traced the same way: each agent's span
    # names it, and holds none of its calls.
    "praisonai_team": Client(cache_read=False),
    # AG2 1.x with its own TelemetryMiddleware (OTel GenAI conventions).
    "ag2": Client(),
    # AG2 0.14's ConversableAgents (a user proxy running the tool the weather agent proposes) with OpenInference's AG2
    # instrumentor (a chat span, a reply span per agent turn, a tool span) and its OpenAI one (the model calls).
    "ag2_openinference": Client(),
    # Microsoft Agent Framework's own GenAI instrumentation; its invoke_agent span sums its calls.
    "agent_framework": Client(),
    # The same agent with OpenInference's span processor adding its attributes to each of the framework's spans (one
    # span per call, both conventions; the invoke_agent span's summed usage under both too); and a workflow of two
    # agent executors (the weather agent, then a writer agent with no tool) traced the same way.
    "agent_framework_openinference": Client(),
    "agent_framework_openinference_workflow": Client(),
    # dspy.ReAct with OpenInference's DSPy and LiteLLM instrumentors (its docs' pair): DSPy's LM span
    # wraps LiteLLM's completion span of the same call; ReAct's finish step is a tool call too.
    "dspy": Client(),
    # AutoGen AgentChat with OpenInference's instrumentor (no cached-token count), beside
    # autogen-core's own tracing (its execute_tool span inside OpenInference's tool span).
    "autogen": Client(cache_read=False),
    # The same agent on AnthropicChatCompletionClient: neither AutoGen's tracing traces its calls, OpenInference's
    # Anthropic instrumentor on the SDK does (one span a call, the cache reads and writes beside its prompt count).
    "autogen_anthropic": Client(),
    # A RoundRobinGroupChat of the `autogen` weather agent and a writer with no tool, the same tracing and pins: each
    # agent's turn is OpenInference's `<agent>.on_messages_stream` AGENT span, its calls inside; no cached-token count.
    "autogen_team": Client(cache_read=False),
    # Claude Code sends the prompt and the answer as events, not per model call.
    "claude-code-json": Client(text=False, one_error_per_turn=True),
    "claude-code-protobuf": Client(text=False, one_error_per_turn=True),
    "claude-code-traces": Client(text=False, one_error_per_turn=True),
    # Started as `agenttrace-tui run --traces-beta -- claude` starts it (test_run_pins_the_clients_session).
    "claude-code-run": Client(text=False, one_error_per_turn=True),
    # The Claude Agent SDK for Python drives the Claude Code CLI its wheel bundles: what is recorded is
    # that CLI's logs and metrics, started as `agenttrace-tui run -- python agent.py` starts it.
    "claude-agent-sdk": Client(text=False, one_error_per_turn=True),
    # The same agent started as `run --traces-beta` starts it: the CLI's spans too (its custom tool's `tool` span).
    "claude-agent-sdk-traces": Client(text=False, one_error_per_turn=True),
    # The same agent also traced by OpenInference's Claude Agent SDK instrumentor (its AGENT span sums the turn).
    "claude_agent_sdk_openinference": Client(text=False, one_error_per_turn=True),
    # The Claude Agent SDK for TypeScript (the CLI its platform package ships) traced by OpenInference's JS
    # instrumentation: its AGENT span sums the turn from the SDK's result message, its TOOL span the Bash call.
    "claude_agent_sdk_ts_openinference": Client(text=False, one_error_per_turn=True),
    # Claude Code on Amazon Bedrock (InvokeModel, inference profile ids); its model probe is usage_not_reported.
    "claude-code-bedrock": Client(text=False, one_error_per_turn=True),
    # The telemetry of the runs whose transcripts tests/test_history_claude_recorded.py imports (plus a sub-agent run).
    "claude-code-transcript": Client(text=False, one_error_per_turn=True),
    # A turn that hands work to a sub-agent (the Agent tool); the error run refuses only the sub-agent's calls.
    "claude-code-subagent": Client(text=False, one_error_per_turn=True),
    # A turn calling a tool on an MCP server the CLI started over stdio (--mcp-config), tool details on.
    "claude-code-mcp": Client(text=False, one_error_per_turn=True),
    # A sub-agent (the Agent tool, --agents) calling a tool on an MCP server of its own (the agent's mcpServers);
    # the error run refuses only the sub-agent's calls.
    "claude-code-subagent-mcp": Client(text=False, one_error_per_turn=True),
    # A conversation resumed in a second `claude -p --resume <session id>`: both processes name the same session.id, the
    # resumed turn's calls mostly cache reads; the error run refuses only the resumed turn's calls.
    "claude-code-resume": Client(text=False, one_error_per_turn=True),
    "claude-code-resume-logs": Client(text=False, one_error_per_turn=True),  # logs and metrics only, the CLI's default
    # An interactive session (tmux) whose transcript test_claude_interactive.py imports: title and /compact calls too.
    # Its refused turn is two refused requests, the title's and the conversation's, each reported once.
    "claude-code-interactive": Client(text=False),
    # Codex sends no assistant text by default; its provider is the config's [model_providers] name.
    "codex": Client(text=False, custom_provider="fakellm"),
    "codex-json": Client(text=False, custom_provider="fakellm"),
    # Two turns of one conversation: `codex exec`, then `codex exec resume --last` (the same conversation.id, a
    # second process): one session, each turn with its own calls; the resumed turn's input mostly cached.
    "codex-resume": Client(text=False, custom_provider="fakellm"),
    # Started with the environment `agenttrace-tui run -- codex` sets (test_run_pins_the_clients_session).
    "codex-run": Client(text=False, custom_provider="fakellm"),
    # A tool on an MCP server ([mcp_servers.weather]): Codex defers it behind its tool search, so the model searches
    # first (a tool_search call Codex runs itself), then calls get_weather in the mcp__weather namespace it loaded.
    "codex-mcp": Client(text=False, custom_provider="fakellm"),
    # OpenInference's Codex instrumentation (its session-file forwarder) beside `codex exec`: the turn's text on the
    # turn's and its messages' spans, none on a call's (a token_count record); the provider only on the turn.
    "codex_openinference": Client(text=False, custom_provider="fakellm"),
    # The same with Codex's own telemetry on too: each call and tool call reported twice, in two traces.
    "codex_openinference_native": Client(text=False, custom_provider="fakellm"),
    # Its other program, the interceptor Codex's own OTLP is sent to: the turn's calls as one LLM span, their usage
    # summed; the prompt on it, its output a status object (no answer text).
    "codex_openinference_interceptor": Client(text=False, custom_provider="fakellm", turn_sums_calls=True),
    # Gemini CLI: GenAI spans of its model and tool calls, beside its own gemini_cli.* events.
    "gemini-cli": Client(),
    # Started with the environment `agenttrace-tui run -- gemini` sets (test_run_pins_the_clients_session).
    "gemini-cli-run": Client(),
    # A turn calling a tool on an MCP server the CLI started over stdio (its settings' mcpServers, trusted).
    "gemini-cli-mcp": Client(),
    # A session resumed in a second process (`gemini -p ... --resume latest`), its later turn mostly cached.
    "gemini-cli-resume": Client(),
    # OpenCode: its runtime's spans (Effect) and, with experimental.openTelemetry, the AI SDK's.
    "opencode": Client(),
    # Started with the environment `agenttrace-tui run -- opencode` sets (test_run_pins_the_clients_session).
    "opencode-run": Client(),
    # A turn handing a task to a sub-agent (the task tool, a greeter with only read): OpenCode runs it in a child
    # session of its own (session.id), its calls' AI SDK spans in the main turn's trace under the task tool's.
    "opencode-subagent": Client(),
    # A turn calling a tool on an MCP server from its configuration's mcp entry (local: started over stdio), the tool
    # offered as <server>_<tool> beside OpenCode's own.
    "opencode-mcp": Client(),
    # Kilo Code, a fork of OpenCode: its runtime's spans alone, under OpenCode's names (its AI SDK telemetry is off,
    # written in): no model call is reported (usage_not_reported); the bash tool call is its Tool.execute, the failed
    # model call its step's failed SessionProcessor.incompleteAttempt (no span of the call itself).
    "kilo-code": Client(text=False, failed_call_span=False),
    # Qwen Code: spans named after Claude Code's (interaction, llm_request, tool), hooks around its
    # tools; no text on its model call spans (the prompt is on its user_prompt event).
    "qwen-code": Client(text=False),
    # Started with the environment `agenttrace-tui run -- qwen` sets (test_run_pins_the_clients_session): its
    # sensitive span attributes on, each model call's messages and each tool's arguments and result on its spans.
    "qwen-code-run": Client(),
    # A turn calling a tool on an MCP server the CLI started over stdio (its settings' mcpServers, trusted): the
    # model reviews the deferred tool with tool_search, then calls it through the tool_call bridge.
    "qwen-code-mcp": Client(text=False),
    # The same with the switch `agenttrace-tui run` sets for it (QWEN_TELEMETRY_INCLUDE_SENSITIVE_SPAN_ATTRIBUTES):
    # each model call's messages and each tool's arguments and result on its spans too.
    "qwen-code-mcp-results": Client(),
    # The Continue CLI: metrics alone (Claude Code's counters under its own names), no session, call, tool or error;
    # every call is usage_not_reported, the refused run error_not_reported (test_continue_cli_metrics_...).
    "continue-cli": Client(text=False, tools=False, metrics_only=True),
    # Started with the environment `agenttrace-tui run -- cn` sets: the same metrics, the run's session pin not read.
    "continue-cli-run": Client(text=False, tools=False, metrics_only=True),
    # GitHub Copilot CLI with its own provider (BYOK): GenAI spans of its model and tool calls (invoke_agent sums them).
    "copilot-cli": Client(),
    # Started with the environment `agenttrace-tui run -- copilot` sets (test_run_pins_the_clients_session).
    "copilot-cli-run": Client(),
    # Its Anthropic provider type: Anthropic messages, input with the cache reads and writes in (OTel's convention).
    "copilot-cli-anthropic": Client(),
    # A turn calling a tool on an MCP server the CLI started over stdio (~/.copilot/mcp-config.json).
    "copilot-cli-mcp": Client(),
    # Factory's Droid on a custom model (no login), OTEL_TELEMETRY_FORMAT=genai: GenAI spans of its turn, model and tool
    # calls, none with a token count (Factory's sensitive_customer_otel flag, off without a login): usage_not_reported.
    # The prompt is on its turn's span alone, a call's text only when it answered with some (test_droid_...).
    "droid": Client(text=False, usage_dropped=True),
    # Started with the environment `agenttrace-tui run -- droid` sets (test_run_pins_the_clients_session).
    "droid-run": Client(text=False, usage_dropped=True),
    # A turn calling a tool on an MCP server from its ~/.factory/mcp.json (stdio): Droid defers the server's tools, so
    # the model loads `weather___get_weather` with ToolSearch, then calls it; no token count, as `droid`.
    "droid-mcp": Client(text=False, usage_dropped=True),
    # The Cline CLI on its own provider (Cline's gateway) with Cline's telemetry off: the AI SDK's GenAI spans of its
    # model calls, sent to a Langfuse server of one's own (LANGFUSE_BASE_URL); each call a trace of its own,
    # invoke_agent (the call's usage again) > step > chat; no tool span; provider `cline.chat`, priced by the model.
    "cline": Client(tools=False, custom_provider="cline.chat"),
    # A turn calling a tool on an MCP server from its cline_mcp_settings.json (stdio), offered as <server>__<tool>:
    # still no tool span, the call and its result only in the model calls' messages.
    "cline-mcp": Client(tools=False, custom_provider="cline.chat"),
    # The Google Gen AI SDK with the contrib instrumentation: one span per generate_content, whose
    # automatic function calling makes both model calls inside it (call 1: usage_not_reported).
    "google_genai": Client(),
    # Gemini on Vertex AI (express mode) with the same instrumentation, automatic function calling off: one span per
    # model call, call 2 streamed; model calls only (the script runs the tool itself, which the instrumentation does not wrap).
    "vertex_ai": Client(tools=False),
    # The newest google-genai with OpenInference's instrumentation, the same loop on the Gemini API: model calls only.
    "google_genai_openinference": Client(tools=False),
    # The Vertex AI SDK's GenerativeModel (google-cloud-aiplatform) with OpenInference's instrumentation, the same loop
    # on a Vertex AI endpoint over REST: model calls only.
    "vertexai_openinference": Client(tools=False),
    # The same loop with OpenLLMetry's instrumentation for google-genai: model calls only; its span of the streamed
    # call keeps the last chunk's text alone as the answer (the rest of the answer is sent nowhere). Output as
    # Gemini's candidatesTokenCount, the thinking only in the total (THINKING_BESIDE_OUTPUT counts it).
    "google_genai_openllmetry": Client(tools=False, text=False),
    # The same SDK and loop with Gemini's built-in tools around it (Google Search before, code execution after,
    # streamed), which run on Google's side; model calls only. OpenInference counts toolUsePromptTokenCount in
    # llm.token_count.prompt, the thoughts in llm.token_count.completion: what Google bills.
    "google_genai_search_openinference": Client(tools=False),
    # OpenLLMetry sends promptTokenCount, candidatesTokenCount and totalTokenCount alone: a built-in tool's call
    # leaves its tool-use prompt and its thoughts one sum in the total (the request's gen_ai.tool.definitions
    # names the tool), counted as input.
    "google_genai_search_openllmetry": Client(tools=False, text=False, tool_prompt_with_thoughts=True),
    # LiteLLM's own OTel callback (litellm.callbacks = ["otel"]): model calls only, the tool runs in user code;
    # cached tokens only in its metadata.usage_object.
    "litellm_otel": Client(tools=False),
    # The same loop on anthropic/claude-sonnet-4-5 (the Messages API, cache reads and writes beside input_tokens), under
    # LiteLLM's callback and under OpenInference's instrumentor: model calls only (the tool runs in user code).
    "litellm_anthropic": Client(tools=False),
    "litellm_anthropic_openinference": Client(tools=False),
    # The same loop on gemini/gemini-2.5-flash (a thinking model: thoughtsTokenCount beside the answer's tokens,
    # cachedContentTokenCount inside the prompt's), under the same two: model calls only.
    "litellm_gemini": Client(tools=False),
    "litellm_gemini_openinference": Client(tools=False),
    # The openai SDK with openai-v2 calling a LiteLLM proxy that runs the same callback: each call reported by the
    # client and by the gateway; model calls only (the tool runs in user code).
    "litellm_proxy": Client(tools=False, gateway="litellm-proxy-recording"),
    # The same with httpx instrumented too: the client sends traceparent, the proxy's spans join its trace.
    "litellm_proxy_traceparent": Client(tools=False, gateway="litellm-proxy-recording"),
    # Semantic Kernel's own GenAI instrumentation: its model call spans carry input and output
    # tokens only (no cached-token count); prompts and answers come as log records in the call's span.
    "semantic_kernel": Client(cache_read=False),
    # Haystack's Agent with OpenInference's instrumentor: no cached-token count on its generator spans, and
    # no tool span (the agent runs its tools in a plain function the instrumentor does not wrap).
    "haystack": Client(cache_read=False, tools=False),
    # The same agent on Haystack 2 with OpenLLMetry's haystack and openai instrumentations (traceloop-sdk's set-up)
    # and Haystack's own OpenTelemetry tracer: no tool span (Haystack's span of its ToolInvoker component names
    # no tool unless content tracing is on; OpenLLMetry wraps no tool).
    "haystack_openllmetry": Client(tools=False),
    # The Langfuse SDK (@observe, its OpenAI drop-in) exporting to its own path, /api/public/otel/v1/traces.
    "langfuse": Client(),
    # Langfuse's TypeScript SDK: LangfuseSpanProcessor exporting the Vercel AI SDK's spans (ai 7, its Langfuse
    # integration: @ai-sdk/otel's GenAI conventions) and its own agent span, OTLP JSON to /api/public/otel/v1/traces.
    "langfuse_js": Client(),
    # The same on AI SDK 6 with experimental_telemetry alone (Langfuse's recipe for AI SDK 4-6): the AI SDK's ai.* spans.
    "langfuse_js_ai6": Client(),
    # Braintrust's BraintrustSpanProcessor (braintrust[otel]) exporting OpenLLMetry's OpenAI spans and the user's
    # own turn and tool spans (typed by braintrust.span_attributes) to its own path, /otel/v1/traces; it names
    # no framework (its only mark, braintrust.context_json, is on the spans, not the resource or scope).
    "braintrust": Client(),
    # Laminar's SDK (lmnr: @observe, its own OpenAI instrumentation, Laminar.set_trace_session_id) exporting over
    # OTLP/HTTP (force_http) to the monitor.
    "laminar": Client(),
    # The OpenHands Software Agent SDK's own observability (Laminar: a conversation span, @observe steps, an
    # llm.<model> span around each call with Laminar's LiteLLM span inside, a TOOL span per tool result).
    "openhands": Client(),
    # TruLens reports each call's prompt and completion counts, none of the cached tokens the API sent.
    "trulens": Client(cache_read=False),
    # Pipecat's own tracing (PipelineWorker(enable_tracing=True)): a text-only pipeline with an OpenAI LLM service.
    # No span of a function call (the tool and its result are in the next call's prompt only), and a call's
    # answer is the text it streamed: none for the call that asked for the tool.
    "pipecat": Client(tools=False, tool_call_answers=False),
    # The same pipeline traced by OpenInference's Pipecat instrumentation.
    # Its LLM spans carry the text a call answered with, none of the tool calls it asked for; the tool its own span.
    "pipecat_openinference": Client(tool_call_answers=False),
    # Both tracers on: each model call reported by each, in two traces of one session (the conversation id).
    "pipecat_both": Client(tool_call_answers=False, refused_also_answered=True),
    # LiveKit Agents' own tracing (set_tracer_provider): a text-only AgentSession with an OpenAI LLM (Chat Completions,
    # streamed), no room; each model call an llm_node > llm_request > llm_request_run, the usage on llm_request alone.
    # Its provider is LiveKit's name for the base URL's host, the host itself for one it does not know (the fake LLM's).
    "livekit_agents": Client(custom_provider="127.0.0.1:<port>"),
    # AgentOps' SDK (agentops.init, @trace/@agent/@operation/@tool, its own OpenAI instrumentation) exporting to the
    # monitor (AGENTOPS_EXPORTER_ENDPOINT): its chat spans carry prompt_tokens with the cached tokens in and no cached
    # count (it maps cached_tokens only for the Responses API).
    "agentops": Client(cache_read=False),
    # CAMEL-AI's ChatAgent traced by AgentOps 0.4 (agentops.init before CAMEL, the key passed: CAMEL's own AgentOps
    # hooks are for 0.3 and stay off): AgentOps' OpenAI instrumentation and its session span only, so no cached count
    # (as agentops) and no span of the tool's run (the call the model asked for is in call 1's answer).
    "camel": Client(cache_read=False, tools=False),
    # An Agency Swarm agency (a CEO asking a Worker through send_message) traced by AgentOps as Agency Swarm's
    # observability example sets it up: AgentOps' processor of the OpenAI Agents SDK's traces, each SDK span an OTel span.
    "agency_swarm": Client(),
    # The AI SDK with the session and user an app names, a chat of two turns (two traces, one session): AI SDK 6's
    # experimental_telemetry metadata (ai.telemetry.metadata.sessionId on its ai.* spans), AI SDK 7's runtime context
    # let into telemetry (ai.settings.context.sessionId on @ai-sdk/otel's invoke_agent and step spans).
    "ai_sdk6_session": Client(),
    "ai_sdk7_session": Client(),
    # OpenLLMetry's SDK (traceloop-sdk: Traceloop.init, @workflow, @tool, its OpenAI instrumentation) with the session
    # and user an app sets (Traceloop.set_association_properties), two turns; each span its own export (disable_batch).
    "openllmetry_session": Client(),
    # Langtrace's Python SDK (langtrace.init with api_host at the monitor, @with_langtrace_root_span, its own OpenAI
    # instrumentation): model calls only (the tool runs in user code, the call the model asked for in the answer).
    "langtrace": Client(tools=False),
    # The same SDK on a LangGraph agent (create_react_agent, ChatOpenAI): its langchain-core instrumentation traces the
    # chat model's invoke (LangChain's usage_metadata: no cached count) around generate_prompt around generate around
    # its OpenAI span (ChatOpenAI reads the raw response: no usage, no answer there), folded into one call; no tool span
    # (it traces no tool), the tool call the model asked for in the answer.
    "langtrace_langgraph": Client(cache_read=False, tools=False),
    # The ollama library calling a local model (Ollama's /api/chat), traced by OpenLLMetry's Ollama
    # instrumentation: model calls only (the tool runs in user code); Ollama counts no cached tokens.
    # Its spans carry the prompt and the answer's text but not the tool calls an answer asks for
    # (call 1's span keeps only the answer's role), so the check that each answer shows is skipped.
    "ollama": Client(tools=False, text=False),
    # IBM's BeeAI Framework (RequirementAgent, its OpenAI provider on LiteLLM) with OpenInference's instrumentor;
    # the agent hands the model's text answer to its own final_answer tool (traced as a tool call).
    "beeai": Client(unasked_tools=("final_answer",)),
    # BeeAI for TypeScript (ToolCallingAgent, its OpenAI provider on the AI SDK) with OpenInference's instrumentation
    # for JavaScript: a span per framework event; the AI SDK's usage has no cached count. The agent offers its own
    # final_answer tool beside the user's and, after a text answer, asks the model for it (a third call); each call's
    # prompt is on its `start` event's span only.
    "beeai_ts": Client(cache_read=False, call_prompt=False),
    # Griptape's own OpenTelemetryObservabilityDriver: a span per observed method with nothing on it but a `tags`
    # list, so each model call is its prompt driver's run() with no model, tokens or text (usage_not_reported);
    # the tool's call is named after its class, with no arguments or result.
    "griptape": Client(text=False, usage_dropped=True),
    # The same with OpenInference's OpenAI instrumentation on the driver's tracer provider: its span of each request
    # (model, usage with cache reads, messages) inside the prompt driver's, folded into one call.
    "griptape_openinference": Client(),
    # Burr's OpenTelemetryBridge (a span of the application's run() and one of each action, nothing on them) with
    # init_instruments("openai"): OpenLLMetry's OpenAI instrumentation's span of each call inside its action's.
    # No tool span: the action that runs the tool is named after it, and nothing on its span says it is a tool's.
    "burr": Client(tools=False),
    # MLflow Tracing (mlflow.openai.autolog(), @mlflow.trace) exporting over OTLP instead of to a tracking server.
    "mlflow": Client(),
    # Mistral's SDK 1.12.4 (OpenLLMetry's instrumentation cannot import 2.x) with OpenLLMetry: model calls only,
    # no message text (it reads messages as objects; the SDK's documented dicts give it a role, no content, and
    # an answer's tool calls are not kept). The SDK also traces itself: two traces a call (the store folds them; a
    # refused request's too: one failed call).
    "mistral": Client(tools=False, text=False, one_error_per_turn=True),
    # The newest mistralai with OpenInference's instrumentation: model calls only, no cached-token count but in the
    # whole answer it sends as output.value (a non-streamed call's).
    "mistral_openinference": Client(cache_read_streamed=False, tools=False),
    # The same with the SDK's own telemetry on too (MISTRAL_SDK_TELEMETRY=global): its span of each request, inside
    # OpenInference's, carries the cached tokens. Model calls only (the tool runs in user code). The refused
    # request is reported twice too (OpenInference's span names no model then): one failed call.
    "mistral_sdk_telemetry": Client(tools=False, one_error_per_turn=True),
    # Cohere's SDK 5.21.1 (ClientV2; the instrumentation declares cohere <6) with OpenLLMetry: model calls only (the
    # tool runs in user code), the billed units as the usage (usage.cached_tokens not passed on).
    "cohere_openllmetry": Client(cache_read=False, tools=False),
    # AzureOpenAI on a deployment named unlike its model, traced by openai-v2 (util-genai 1.1b0): no cached-token
    # count, model calls only (the tool runs in user code); it names the provider "openai" on Azure too.
    "azure_openai": Client(cache_read=False, tools=False),
    # azure-ai-inference's own tracing (AIInferenceInstrumentor on azure-core's OpenTelemetry tracing): model calls
    # only (the tool runs in user code), no cached-token count; azure-core's HTTP span of each request beside it.
    "azure_ai_inference": Client(cache_read=False, tools=False),
    # The LangSmith SDK's OTel export (tracing mode otel) of a LangGraph agent (langchain's create_agent).
    "langsmith": Client(),
    # The same export of the deepagents recording's Deep Agent (a sub-agent run by its task tool).
    "deepagents_langsmith": Client(),
    # VoltAgent's own observability (@voltagent/core, on the AI SDK) through an OTLP span processor: one llm
    # span per generateText with its prompt (llm.messages) but no answer text (that is on the agent's span).
    "voltagent": Client(text=False),
    # The same agent with the AI SDK's own spans exported too: each model call's ai.generateText.doGenerate
    # (usage, answer text) inside ai.generateText inside VoltAgent's llm span; the tool as VoltAgent's and the SDK's.
    "voltagent_ai_sdk": Client(),
    # Genkit's own tracing (genkit-tracer, enableTelemetry with an OTLP span processor): a flow (an agent, named by
    # genkit:name) around one ai.generate; each model action a span of its own, its usage in its output JSON (the
    # cached tokens in the OpenAI-compatible plugin's raw answer), the tool action's span, generate steps as tasks.
    "genkit": Client(),
    # The same flow with ai.generateStream: the plugin streams (include_usage), its final completion kept as raw.
    "genkit_stream": Client(),
    # Genkit for Python's tracing (genkit-tracer on the OTel SDK's global provider, OTLP/HTTP): the same flow, one
    # generate step around both model actions (usage as floats, the cached tokens as cachedContentTokens) and the
    # tool action (type tool.v2, its result wrapped as {"output": ...}).
    "genkit_python": Client(),
    # Groq's SDK (a hand-written tool loop) with OpenLLMetry's groq instrumentation: model calls only, the tool
    # runs in user code; call 2 streamed (its usage read from x_groq.usage on the last chunk).
    "groq_openllmetry": Client(tools=False),
    # The same loop, call 2 not streamed, with OpenInference's groq instrumentation: model calls only.
    "groq_openinference": Client(tools=False),
    # The openai SDK on Groq's OpenAI-compatible endpoint (base_url api.groq.com, through the fake as an HTTP proxy),
    # the Groq loop under each OpenAI instrumentation: model calls only. Each names the provider "openai"; the
    # host served is in server.address (openai-v2; on openai 2.x only, see record_openai_groq.py) or
    # gen_ai.openai.api_base (OpenLLMetry); OpenInference infers llm.provider "groq" from the host itself.
    # openai-v2 sends no cached-token count, as on OpenAI.
    "openai_groq_v2": Client(cache_read=False, tools=False),
    "openai_groq_openllmetry": Client(tools=False),
    "openai_groq_openinference": Client(tools=False),
    # Portkey's SDK (its gateway's OpenAI-shaped chat API, provider "openai"; the gateway's URL the fake LLM) under
    # OpenInference's portkey instrumentation, the Groq loop on gpt-4o-mini: model calls only. The spans name no
    # provider (shown as the gateway, portkey, priced by the model); the cached tokens only in the whole answer.
    "portkey_openinference": Client(tools=False, custom_provider="portkey"),
    # The Letta server's tracing of its own methods (a span per traced method, each argument's Python repr): each
    # model call is the span reading its answer (usage, model and answer in its repr), a refused one the request's;
    # each tool run (get_weather, then send_message, its way to answer) a tool call. Its agent's id, on the span of
    # the request to the agent, is the session.
    "letta": Client(),
    # AgentScope 2.x's TracingMiddleware on the OTel SDK's global tracer provider: GenAI spans of its own (invoke_agent,
    # chat, execute_tool) on the tracer `agentscope`; a call's cached tokens as agentscope.usage.cache_input_tokens.
    "agentscope": Client(),
    # The same agent on AgentScope's AnthropicChatModel: its chat spans pass Anthropic's own input count on (the cache
    # reads and writes beside it, as agentscope.usage.*); the anthropic SDK traces itself too (its
    # anthropic.messages.create span of each request, inside AgentScope's chat span): folded as one call.
    "agentscope_anthropic": Client(),
}


def test_every_fixture_is_declared() -> None:
    assert sorted(CLIENTS) == sorted(p.parent.name for p in FIXTURES.glob("*/manifest.json"))


# -- replay ----------------------------------------------------------------------


def _post(port: int, path: str, body: bytes, ctype: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": ctype})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


TRACE_EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


def _grpc_export(port: int, body: bytes, method: str = TRACE_EXPORT) -> None:
    """One OTLP/gRPC export (a trace export by default), gzip-compressed as Laminar's exporter sends it."""
    import grpc

    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        channel.unary_unary(method)(body, timeout=30, compression=grpc.Compression.Gzip)


def _sent_over_grpc(f: dict) -> bool:
    """A request the client sent over OTLP/gRPC (its recorder's capture server took it as such)."""
    return f["content_type"] == "application/grpc"


@dataclass
class Replay:
    manifest: dict
    db: Path
    #: run label -> the sessions that appeared while that run's files were posted
    sessions: dict[str, list[str]]
    store: Any


#: Orders to post a run's files in: as recorded, or one signal's requests all before the others'.
ORDERS = {
    "recorded": lambda f: 0,
    "spans first": lambda f: 0 if f["signal"] == "traces" else 1,
    "logs first": lambda f: 0 if f["signal"] == "logs" else 1,
}


def _traces_as_protobuf(body: bytes) -> bytes:
    """An OTLP/JSON trace export as protobuf (OTLP/JSON writes ids in hex, protobuf's JSON in base64)."""
    from google.protobuf.json_format import Parse
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    doc = json.loads(body)
    for rs in doc.get("resourceSpans", ()):
        for ss in rs.get("scopeSpans", ()):
            for span in ss.get("spans", ()):
                for item in (span, *span.get("links", ())):
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if item.get(key):
                            item[key] = base64.b64encode(bytes.fromhex(item[key])).decode()
    return Parse(json.dumps(doc), ExportTraceServiceRequest()).SerializeToString()


async def _replay(name: str, db: Path, order: str = "recorded", grpc: bool = False,
                  rewrite: Callable[[bytes], bytes] | None = None, watch: Callable[[Any], None] | None = None,
                  protobuf: bool = False, signals: frozenset[str] | None = None) -> Replay:
    """A recording posted into a real Monitor over OTLP/HTTP, or with ``grpc`` over its OTLP/gRPC
    receiver, gzip-compressed (traces only), each run's files in ``order``; ``rewrite``: each trace
    export's body as posted (a recording with a word changed as another run would send it). A
    request the client sent over OTLP/gRPC is sent so again, to the monitor's gRPC receiver.
    ``watch``: called with the live store after each request (what a user would see then).
    ``protobuf``: each trace export the client sent as OTLP/JSON posted as protobuf (the same spans,
    as the client set to ``http/protobuf`` sends them); ``signals``: only the requests of these."""
    folder = FIXTURES / name
    manifest = json.loads((folder / "manifest.json").read_text())
    not_reported = manifest.get("usage_not_reported", {})
    for run in manifest["runs"]:
        for call in run["fake_calls"]:
            call["usage_not_reported"] = not_reported.get(str(call["seq"]))
    grpc_sent = any(_sent_over_grpc(f) for f in manifest["files"])
    monitor = Monitor(Config(persist=True, db=str(db), otlp_port=None if grpc else 0,
                             otlp_grpc_port=0 if grpc or grpc_sent else None,
                             udp_port=None, tcp_port=None, socket=""))
    await monitor.start()
    sessions: dict[str, list[str]] = {}
    try:
        port = (monitor.otlp_grpc if grpc else monitor.otlp).address[1]
        for run in manifest["runs"]:
            before = set(monitor.store.sessions)
            for f in sorted((f for f in manifest["files"] if f["run"] == run["label"]
                             and (signals is None or f["signal"] in signals)), key=ORDERS[order]):
                if _sent_over_grpc(f) and not grpc:
                    await asyncio.to_thread(_grpc_export, monitor.otlp_grpc.address[1], read_body(folder / f["file"]),
                                            f["path"])
                    continue
                if grpc:
                    assert f["signal"] == "traces"
                    await asyncio.to_thread(_grpc_export, port, read_body(folder / f["file"]))
                    continue
                body, ctype = read_body(folder / f["file"]), f["content_type"]
                if rewrite is not None and f["signal"] == "traces":
                    body = rewrite(body)
                if protobuf and f["signal"] == "traces" and ctype.startswith("application/json"):
                    body, ctype = _traces_as_protobuf(body), "application/x-protobuf"
                status = await asyncio.to_thread(_post, port, f["path"], body, ctype)
                assert status == 200, f"{name}/{f['file']}: HTTP {status}"
                if watch is not None:
                    watch(monitor.store)
            sessions[run["label"]] = [s for s in monitor.store.sessions if s not in before]
    finally:
        await monitor.stop()
    return Replay(manifest, db, sessions, monitor.store)


_CACHE: dict[str, Replay] = {}


@pytest.fixture(scope="module")
def replays(tmp_path_factory: pytest.TempPathFactory) -> Any:
    def get(name: str) -> Replay:
        if name not in _CACHE:
            db = tmp_path_factory.mktemp(name.replace("-", "_")) / "conformance.db"
            _CACHE[name] = asyncio.run(_replay(name, db))
        return _CACHE[name]

    yield get
    _CACHE.clear()


# -- expectations from the manifest ------------------------------------------------------


def expected_usage(call: dict, client: Client) -> dict[str, int]:
    """The fake server's usage in the monitor's convention (input includes cache reads and writes)."""
    u = call["usage_normalized"]
    if call["api"] in ("messages", "converse", "invoke"):  # Anthropic, Bedrock: input tokens exclude the cache counts
        start = (call.get("stream_start_usage") or {}) if client.stream_start_output else {}
        return {"input": u["input"] + u["cached"] + u["cache_creation"], "output": u["output"] + start.get("output_tokens", 0),
                "cache_read": u["cached"] if client.cache_read else 0,
                "cache_write": u["cache_creation"] if client.cache_write else 0, "reasoning": u["reasoning"]}
    if client.tool_prompt_with_thoughts and call.get("tool_use_prompt"):
        return {"input": u["input"] + u["reasoning"], "output": u["output"] - u["reasoning"],
                "cache_read": u["cached"] if client.cache_read else 0, "cache_write": 0, "reasoning": 0}
    # OpenAI: prompt/input tokens include cached ones; no cache writes on the wire
    cache_read = client.cache_read and (client.cache_read_streamed or not call.get("stream"))
    return {"input": u["input"], "output": u["output"], "cache_read": u["cached"] if cache_read else 0,
            "cache_write": 0, "reasoning": u["reasoning"] if client.reasoning else 0}


def calls_as_served(rp: Any, run: dict, sid: str, client: Client) -> tuple[list[Any], list[dict]]:
    """Check that the session's model calls, each counted once, are the calls the fake server answered
    in ``run`` with their usage (as ``client`` reports it), and that the session costs genai-prices' price
    of them; returns (the calls counted, the calls served)."""
    calls = [s for s in llm_spans(rp.store, sid) if counted(s)]
    served = ok_calls(run)
    assert sorted(tuple(sorted(usage_of(s).items())) for s in calls) == sorted(
        tuple(sorted(expected_usage(c, client).items())) for c in served)
    price = sum(_genai_price(c["model"], expected_usage(c, client), int(c["time"] * 1e9)) for c in served)
    assert rp.store.sessions[sid].totals.cost == pytest.approx(price, abs=1e-9)
    return calls, served


def the_tool_call(rp: Any, run: dict, sid: str, tool_name: str) -> tuple[list[Any], dict, Any]:
    """Check that the run asked for one tool call, of ``tool_name``, and that the session holds one tool
    span, that call by its name and call id; returns (the session's spans, the call asked, its span)."""
    spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
    (asked,) = [c for c in ok_calls(run) if c.get("tool_call_id")]
    assert asked["tool_name"] == tool_name
    (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None and (tool.tool.name, tool.tool.call_id) == (asked["tool_name"], asked["tool_call_id"])
    return spans, asked, tool


def ok_calls(run: dict, reported: bool = True) -> list[dict]:
    """Model calls the fake server answered with usage; with ``reported``, less those the client
    is known not to report (the recorder lists them in the manifest's ``usage_not_reported``)."""
    return [c for c in run["fake_calls"] if c["status"] == 200 and c.get("usage")
            and not (reported and c.get("usage_not_reported"))]


def reported_calls(run: dict, client: Client) -> list[dict]:
    """``ok_calls`` as the client reports them: one call with their summed usage for a client that
    reports a turn's calls as one (``Client.turn_sums_calls``; a recorded turn is one run)."""
    calls = ok_calls(run)
    if not client.turn_sums_calls or not calls:
        return calls
    summed = {k: sum(c["usage_normalized"][k] for c in calls) for k in calls[0]["usage_normalized"]}
    return [{**calls[-1], "usage_normalized": summed}]


def asked_tool_calls(run: dict) -> list[dict]:
    """Every tool call the fake server asked for in the run (``id``, ``name``, ``arguments``): a
    parallel answer's each (its log's ``tool_calls``), else the one its log names."""
    return [t for c in ok_calls(run, reported=False) if c.get("tool_call_id")
            for t in c.get("tool_calls") or [{"id": c["tool_call_id"], "name": c["tool_name"], "arguments": None}]]


def usageless_calls(run: dict) -> list[dict]:
    """Model calls the fake server answered without usage on the wire (a stream without
    include_usage): their cost is unknown ($?, "no tokens reported"), or estimated from
    the text when the client sent it."""
    return [c for c in run["fake_calls"]
            if c["status"] == 200 and not c.get("usage") and c["api"] in ("chat", "responses", "messages")]


def refused_calls(run: dict, client: Client) -> list[dict]:
    """The model calls the fake server refused, as the client reports them: a call each (one a turn
    with ``one_error_per_turn``; none without ``failed_call_span``). A run with calls answered
    besides (one agent of several refused) counts them with its answered calls."""
    failed = [c for c in run["fake_calls"] if c["status"] >= 400]
    if not client.failed_call_span:
        return []
    return failed[:1] if client.one_error_per_turn else failed


def failed_call(span: Any) -> bool:
    """A model call that failed with nothing counted (its span names what the client knew of it)."""
    return span.status is Status.ERROR and not counted(span)


def reported_runs(manifest: dict) -> list[dict]:
    return [r for r in manifest["runs"] if not r.get("error_not_reported") and r["files"]]


def manifest_unreported(manifest: dict) -> list[dict]:
    """The runs whose error the client does not report (``error_not_reported``)."""
    return [r for r in manifest["runs"] if r.get("error_not_reported")]


def llm_spans(store: Any, sid: str) -> list[Any]:
    return [s for t in store.traces_of(sid) for s in t.spans.values() if s.kind is SpanKind.LLM_CALL]


def counted(span: Any) -> bool:
    return span.usage is not None and span.usage.scope == "span" and not span.usage.estimated


def estimated_usages(store: Any, sid: str) -> list[Any]:
    """The usage the monitor estimated from a call's text (the client sent none): marked ≈."""
    return [s.usage for s in llm_spans(store, sid) if s.usage is not None and s.usage.estimated]


def usage_of(span: Any) -> dict[str, int]:
    u = span.usage
    return {"input": u.input, "output": u.output, "cache_read": u.cache_read, "cache_write": u.cache_write,
            "reasoning": u.reasoning}


def self_counted(rp: Replay, sid: str, run: dict, client: Client) -> list[Any]:
    """The model calls the API sent no usage for that the client reported tokens for itself
    (``Client.counts_usageless``), by the response id the fake server answered with."""
    if not client.counts_usageless:
        return []
    ids = {c["response_id"] for c in usageless_calls(run)}
    got = [s for s in llm_spans(rp.store, sid) if s.attributes.get("gen_ai.response.id") in ids]
    assert len(got) == len(ids), f"{len(got)} spans for the usageless calls {sorted(ids)}"
    for span in got:  # the client's own count: shown as reported, not one the monitor made
        assert counted(span) and span.usage.input > 0 and span.usage.output > 0, span.usage
    return got


def own_counted_streams(rp: Replay, sid: str, run: dict, client: Client) -> list[Any]:
    """The spans of the streamed calls whose usage the client replaced by its own count of
    their text (``Client.streamed_usage_own_count``; its recorder lists them in
    ``usage_not_reported``), by the response id the fake server answered with. Nothing on
    such a span tells it from a non-streamed call's, so it is counted as reported; its
    numbers are not the server's (if they were, the client reads the usage chunk now)."""
    if not client.streamed_usage_own_count:
        return []
    calls = [c for c in ok_calls(run, reported=False) if c["stream"]]
    assert calls and all(c["usage_not_reported"] for c in calls), "its recorder lists them as not reported"
    spans = {s.attributes.get("gen_ai.response.id"): s for s in llm_spans(rp.store, sid)}
    got = [spans[c["response_id"]] for c in calls]
    for call, span in zip(calls, got, strict=True):
        assert counted(span) and usage_of(span) != expected_usage(call, client), span.usage
    return got


#: The version at the end of a Bedrock model id (``-v1:0``).
BEDROCK_VERSION = re.compile(r"-v\d+(?::\d+)?$")


def served_model(span: Any, calls: list[dict]) -> str | None:
    """The model the fake server was asked for that the span names (its name may carry a
    prefix: LiteLLM's ``openai/gpt-4o-mini``; a Bedrock model id may lose its region and vendor:
    OpenLLMetry's Bedrock instrumentation names ``us.anthropic.claude-…`` as ``claude-…``; OpenInference's
    for the AWS SDK for JavaScript cuts its version too: ``anthropic.claude-…-v1:0`` as ``claude-…``), or
    None. A run may use several (Gemini CLI's router call and the calls it routed). A span may name
    the model that answered an Azure deployment instead (LangChain's AzureChatOpenAI): the deployment."""
    answered = {c["response_model"]: c["model"] for c in calls if c["model"] and c.get("response_model")}
    names = sorted({c["model"] for c in calls if c["model"]} | set(answered), key=len, reverse=True)
    named = span.llm.model if span.llm is not None and span.llm.model else None
    hit = next((m for m in names if named is not None and (m in named or m.endswith(f".{named}")
                                                           or BEDROCK_VERSION.sub("", m).endswith(f".{named}"))), None)
    return answered.get(hit, hit) if hit is not None else None


def client_sessions(rp: Replay, run: dict) -> list[str]:
    """The sessions of a run, less a gateway's own (``Client.gateway``)."""
    gateway = CLIENTS[rp.manifest["client"]].gateway
    return [s for s in rp.sessions[run["label"]] if gateway is None or not s.startswith(f"{gateway}/")]


def run_session(rp: Replay, run: dict) -> str:
    got = client_sessions(rp, run)
    assert len(got) == 1, f"run {run['label']!r}: expected one session, got {got}"
    return got[0]


NAMES = sorted(CLIENTS)


# -- the store -------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_one_session_per_run(name: str, replays: Any) -> None:
    rp = replays(name)
    for run in rp.manifest["runs"]:
        got = client_sessions(rp, run)
        if CLIENTS[name].metrics_only:  # nothing that names or makes a session
            assert got == [], f"run {run['label']!r}: {got}"
        elif run in reported_runs(rp.manifest) and run["fake_calls"]:
            assert len(got) == 1, f"run {run['label']!r}: {got}"
        else:
            assert len(got) <= 1, f"run {run['label']!r} (telemetry lost by the client): {got}"


@pytest.mark.parametrize("name", NAMES)
def test_no_kinds_time_is_longer_than_its_session_ran(name: str, replays: Any) -> None:
    """The cost pane's time by kind, on every recording: in each session, a kind ran at least as
    long as its longest span and no longer than its spans' durations added, nor than the session
    ran (its first span's start to its last span's end); all sessions' times are theirs added.
    With the spans left running counted until the session's end (as a recording that is over
    shows them): no less than that, each running span's time to the session's end at least, and
    no longer than the session ran to its end."""
    rp = replays(name)
    everything: dict[str, int] = {}
    with_running: dict[str, int] = {}
    for sid, entry in rp.store.sessions.items():
        all_spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
        spans = [s for s in all_spans if s.end_ns is not None and s.end_ns > s.start_ns]
        times = rp.store.kind_times(sid)
        assert set(times) == {s.kind.value for s in spans}, sid
        until = entry.until_ns()
        got = rp.store.kind_times(sid, running=True)
        for kind, ns in got.items():
            open_ = [until - s.start_ns for s in all_spans if s.end_ns is None and s.kind.value == kind]
            assert max([times.get(kind, 0), *open_]) <= ns, (sid, kind)
            assert ns <= max([until, *(s.end_ns for s in spans)]) - min(s.start_ns for s in all_spans), (sid, kind)
            with_running[kind] = with_running.get(kind, 0) + ns
        if not spans:
            continue
        ran = max(s.end_ns for s in spans) - min(s.start_ns for s in spans)
        for kind, ns in times.items():
            mine = [s.end_ns - s.start_ns for s in spans if s.kind.value == kind]
            assert max(mine) <= ns <= min(sum(mine), ran), (sid, kind)
            everything[kind] = everything.get(kind, 0) + ns
    assert rp.store.kind_times(None) == everything
    assert rp.store.kind_times(None, running=True) == with_running


#: The agent framework each client is (the sessions' framework column), where its telemetry names one.
FRAMEWORKS = {"crewai": "crewai", "crewai_crew": "crewai", "crewai_crew_delegation": "crewai", "crewai_openllmetry": "crewai", "crewai_anthropic": "crewai", "crewai_anthropic_openllmetry": "crewai",
              "ai_sdk_legacy": "ai-sdk", "ai_sdk_anthropic_legacy": "ai-sdk", "ai_sdk_google_legacy": "ai-sdk",
              "ai_sdk_openai_compatible_legacy": "ai-sdk", "ai_sdk_groq_legacy": "ai-sdk",
              "codex_openinference": "codex", "codex_openinference_native": "codex",
              "codex_openinference_interceptor": "codex",
              "openai_agents": "openai-agents", "strands": "strands", "strands_bedrock": "strands",
              "strands_openinference": "strands", "strands_anthropic": "strands", "strands_mcp": "strands", "strands_adot": "strands",
              "strands_swarm": "strands",
              "fast_agent": "fast-agent", "fast_agent_anthropic": "fast-agent",
              "strands_ts": "strands", "strands_ts_responses": "strands",
              "strands_ts_latest": "strands",
              "openai_agents_openllmetry": "openai-agents", "openai_agents_logfire": "openai-agents",
              "openai_agents_anthropic": "openai-agents", "openai_agents_js": "openai-agents",
              "openai_agents_mcp": "openai-agents", "openai_agents_otel": "openai-agents",
              "openai_agents_handoff": "openai-agents",
              "openai_agents_chat_openllmetry": "openai-agents", "openai_agents_chat_logfire": "openai-agents",
              "langchain": "langchain", "langchain_bedrock": "langchain",
              "langchain_anthropic_openinference": "langchain", "langchain_anthropic_openllmetry": "langchain",
              "langchain_gemini_openinference": "langchain", "langchain_gemini_openllmetry": "langchain",
              "langchain_azure_openinference": "langchain", "langchain_azure_openllmetry": "langchain",
              "langchain_azure_openinference_stream": "langchain", "langchain_openllmetry_stream": "langchain",
              "google_adk": "google-adk", "google_adk_anthropic": "google-adk",
              "google_adk_gemini": "google-adk", "google_adk_openinference": "google-adk", "google_adk_js": "google-adk",
              "google_adk_multiagent": "google-adk", "google_adk_mcp": "google-adk", "pydantic_ai": "pydantic-ai",
              "pydantic_ai_parallel_tools": "pydantic-ai", "langchain_parallel_tools": "langchain", "langgraph_mcp": "langchain",
              "langgraph_supervisor": "langchain", "deepagents": "langchain",
              "pydantic_ai_anthropic": "pydantic-ai", "pydantic_ai_openinference": "pydantic-ai",
              "pydantic_ai_bedrock": "pydantic-ai", "pydantic_ai_gemini": "pydantic-ai", "pydantic_ai_gemini_search": "pydantic-ai",
              "pydantic_ai_mcp": "pydantic-ai", "gemini-cli": "gemini-cli", "gemini-cli-mcp": "gemini-cli", "opencode": "opencode", "opencode-subagent": "opencode", "qwen-code": "qwen-code",
              "qwen-code-mcp": "qwen-code", "qwen-code-mcp-results": "qwen-code",
              "opencode-mcp": "opencode",
              "gemini-cli-resume": "gemini-cli",
              # Kilo Code names itself OpenCode (service and scope `opencode`, its own version 7.x).
              "kilo-code": "opencode",
              "agent_framework": "agent-framework", "agent_framework_openinference": "agent-framework",
              "agent_framework_openinference_workflow": "agent-framework", "dspy": "dspy", "litellm_otel": "litellm", "litellm_anthropic": "litellm", "litellm_gemini": "litellm",
              "semantic_kernel": "semantic-kernel", "langgraph_js": "langchain", "langgraph_js_anthropic": "langchain",
              "langchain_js_openinference": "langchain", "haystack": "haystack",
              # KaibanJS's spans are LangChain.js' (its model and tool, traced by OpenInference): nothing names KaibanJS.
              "kaibanjs": "langchain",
              "langfuse": "langfuse", "langfuse_js": "langfuse", "laminar": "laminar", "openhands": "openhands", "trulens": "trulens", "pipecat": "pipecat", "pipecat_openinference": "pipecat", "pipecat_both": "pipecat", "livekit_agents": "livekit", "agentops": "agentops", "camel": "agentops",
              # AgentOps names its tracer of the OpenAI Agents SDK's spans after the SDK (`openai-agents`); nothing names Agency Swarm.
              "agency_swarm": "openai-agents",
              "langtrace": "langtrace", "langtrace_langgraph": "langgraph",
              "langfuse_js_ai6": "ai-sdk", "ai_sdk6_session": "ai-sdk", "copilot-cli": "copilot-cli",
              "copilot-cli-anthropic": "copilot-cli", "copilot-cli-mcp": "copilot-cli", "droid": "droid", "droid-mcp": "droid", "cline": "cline", "cline-mcp": "cline", "beeai": "beeai", "beeai_ts": "beeai", "mlflow": "mlflow",
              "langsmith": "langsmith", "deepagents_langsmith": "langsmith", "llama_index_openllmetry": "llama-index", "llama_index": "llama-index", "llama_index_anthropic": "llama-index", "llama_index_gemini": "llama-index",
              "openlit_langgraph": "langgraph", "ag2": "ag2", "ag2_openinference": "ag2", "haystack_openllmetry": "haystack",
              "voltagent": "voltagent", "voltagent_ai_sdk": "voltagent", "genkit": "genkit", "genkit_stream": "genkit",
              "genkit_python": "genkit",
              "agno_openllmetry": "agno", "agno_anthropic": "agno", "agno_bedrock": "agno",
              "agno_bedrock_openllmetry": "agno", "agno_team": "agno",
              "agno_team_openllmetry": "agno",
              "smolagents_anthropic": "smolagents", "smolagents_anthropic_litellm": "smolagents",
              "smolagents_managed": "smolagents", "griptape": "griptape", "griptape_openinference": "griptape", "burr": "burr",
              "mastra": "mastra", "mastra_anthropic": "mastra", "autogen_anthropic": "autogen", "autogen_team": "autogen",
              "instructor_openinference": "instructor", "baml_openinference": "baml",
              "guardrails_openinference": "guardrails", "mcp_agent": "mcp-agent", "mirascope": "mirascope", "praisonai": "praisonai",
              "praisonai_team": "praisonai", "upsonic": "upsonic", "upsonic_aggregated": "upsonic",
              "upsonic_genai_prices_newest": "upsonic", "letta": "letta", "agentscope": "agentscope", "agentscope_anthropic": "agentscope",
              # The Claude Agent SDK runs Claude Code, whose events name it (as `claude-agent-sdk`'s).
              "claude_agent_sdk_ts_openinference": "claude-code"}


@pytest.mark.parametrize(("name", "framework"), FRAMEWORKS.items())
def test_the_session_names_the_agent_framework(name: str, framework: str, replays: Any) -> None:
    """Not the instrumentation family (OpenInference's OpenAI spans come first in CrewAI's exports)."""
    rp = replays(name)
    for run in reported_runs(rp.manifest):
        assert {rp.store.sessions[s].session.framework for s in rp.sessions[run["label"]]} == {framework}
    listed = {s["id"]: s for s in cli_json(rp.db, "sessions", "list", "--limit", "1000")}
    assert {listed[s]["framework"] for r in reported_runs(rp.manifest) for s in rp.sessions[r["label"]]} == {framework}


@pytest.mark.parametrize(("name", "own_key", "framework"), [("claude-code-run", "session.id", "claude-code"),
                                                             ("claude-agent-sdk", "session.id", "claude-code"),
                                                             ("claude-agent-sdk-traces", "session.id", "claude-code"),
                                                             ("codex-run", "conversation.id", "codex"),
                                                             ("gemini-cli-run", "session.id", "gemini-cli"),
                                                             ("opencode-run", "session.id", "opencode"),
                                                             ("qwen-code-run", "session.id", "qwen-code"),
                                                             ("copilot-cli-run", "session.id", "copilot-cli"),
                                                             ("droid-run", "session.id", "droid")])
def test_run_pins_the_clients_session(name: str, own_key: str, framework: str, replays: Any) -> None:
    """Claude Code, Codex and Gemini CLI name their own session on their records; started by ``run``
    (the resource's session pin), all of it goes into the run's session, which keeps
    the client's own id beside."""
    rp = replays(name)
    pinned = rp.manifest["variant"]["run_sessions"]
    for run in reported_runs(rp.manifest):
        sid = pinned[run["label"]]
        assert rp.sessions[run["label"]] == [sid]
        session = rp.store.sessions[sid].session
        own = session.attributes.get(own_key)
        assert isinstance(own, str) and own and own != sid  # the client's own id (a UUID), kept
        assert session.framework == framework
        # The pin is the session's, not repeated on each of its events (Claude Code copies
        # its resource attributes onto every event).
        assert not any(cv.PINNED_SESSION_KEY in e.attributes for t in rp.store.traces_of(sid)
                       for s in t.spans.values() for e in s.events)
        calls = llm_spans(rp.store, sid)
        assert sorted(s.usage.output for s in calls if counted(s)) == sorted(
            c["usage_normalized"]["output"] for c in ok_calls(run))


def test_an_mcp_tool_is_named_as_the_model_called_it(replays: Any) -> None:
    """Claude Code reports every MCP tool (the Claude Agent SDK's in-process tools are MCP tools) as
    "mcp_tool"; with the tool details ``run`` asks for (OTEL_LOG_TOOL_DETAILS) its server and tool
    name it: the call is the tool the fake server asked for, with the arguments it was called with."""
    rp = replays("claude-agent-sdk")
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    sid = run_session(rp, run)
    asked = [c for c in ok_calls(run) if c.get("tool_call_id")]
    assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [(asked[0]["tool_name"], 1, 0)]
    (tool,) = [s for t in rp.store.traces_of(sid) for s in t.spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None and tool.tool.input_preview == '{"city":"Paris"}'


def _first_run(name: str, db: Path, order: str) -> tuple[Replay, Client, dict, str, list[Span]]:
    """A recording replayed in ``order`` into a real monitor: the replay, its client's flags, its first
    run, that run's session and the session's spans."""
    rp, client = asyncio.run(_replay(name, db, order)), CLIENTS[name]
    run = rp.manifest["runs"][0]
    sid = run_session(rp, run)
    return rp, client, run, sid, [s for t in rp.store.traces_of(sid) for s in t.spans.values()]


@pytest.mark.parametrize("order", list(ORDERS))
@pytest.mark.parametrize(("name", "result"), [("claude-code-mcp", '{"result":"Sunny, 22 C in Paris"}'),
                                             ("claude-agent-sdk-traces", "The weather in Paris is sunny, 21 C.")])
def test_claude_codes_mcp_tool_is_one_call_named_by_its_server_and_tool(
        name: str, result: str, order: str, tmp_path: Path) -> None:
    """Claude Code calling a tool on an MCP server, the enhanced telemetry beta and tool details on: a
    server it started (``--mcp-config``), or the Claude Agent SDK's custom tool (``@tool`` served by
    ``create_sdk_mcp_server`` in the Python process, the CLI started by ``query()`` as ``run --traces-beta``
    starts the script). Its ``tool_result`` event (``mcp_tool``, the server and tool in
    ``tool_parameters``, the arguments in ``tool_input``) and its ``claude_code.tool`` span (``tool_name``
    ``mcp__weather__get_weather``, ``gen_ai.tool.name`` and ``anthropic.mcp.server.name`` beside) are one
    call, whichever comes first: named as the model called it, naming its server, with the arguments it was
    called with and the span's duration, and the result the model was given (both recorded with
    ``OTEL_LOG_TOOL_CONTENT``: the span's ``tool.output`` event; the weather server's structured content, or
    the ``@tool``'s text, which the fake LLM's answer quotes; without it the CLI sends only the result's
    size); each model call once, with the fake server's tokens and genai-prices' price; one session per run."""
    rp, client, run, sid, spans = _first_run(name, tmp_path / "mcp.db", order)
    assert all(len(rp.sessions[r["label"]]) == 1 for r in rp.manifest["runs"])
    asked = run["fake_calls"][0]
    assert asked["tool_name"] == "mcp__weather__get_weather"
    (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None and (tool.tool.name, tool.tool.call_id) == (asked["tool_name"], asked["tool_call_id"])
    assert (tool.tool.input_preview, tool.tool.output_preview, tool.status) == ('{"city":"Paris"}', result, Status.OK)
    # Its server, as its span (``anthropic.mcp.server.name``, read so) and its event (``tool_parameters``) name it.
    assert tool.name == "claude_code.tool" and tool.tool.server == "weather"
    # Its duration is the span's (the CLI's duration_ms within a millisecond: the CLI starts the span on a
    # whole millisecond and ends it on another clock), not its event's (the execution's alone).
    assert tool.end_ns is not None and (tool.end_ns - tool.start_ns) // 1_000_000 - tool.attributes["duration_ms"] in (-1, 0, 1)
    assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [(asked["tool_name"], 1, 0)]
    calls_as_served(rp, run, sid, client)


@pytest.mark.parametrize("order", ["spans first", "logs first"])
def test_gemini_clis_mcp_tool_is_one_call_with_its_arguments_result_and_duration(order: str, tmp_path: Path) -> None:
    """Gemini CLI calling a tool on an MCP server from its settings (``mcpServers``, trusted): the model
    is offered it as ``mcp_<server>_<tool>``, and the CLI's ``tool_call`` span (in a trace of its own) is
    the one call of it, named so, with its call id (``gen_ai.tool.call_id``), the arguments the model
    called it with and the result the user was shown (both sent inside the span's
    ``gen_ai.input.messages`` / ``gen_ai.output.messages``, the call itself, not messages), its duration
    the span's; each model call once, with the fake server's tokens (thinking and cached from the
    CLI's events) and genai-prices' price."""
    name = "gemini-cli-mcp"
    rp, client, run, sid, spans = _first_run(name, tmp_path / "mcp.db", order)
    (asked,) = [c for c in ok_calls(run) if c.get("tool_call_id")]
    assert asked["tool_name"] == "mcp_weather_get_weather"
    (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None and tool.tool.name == asked["tool_name"]
    assert tool.tool.call_id == f"{asked['tool_name']}__{asked['tool_call_id']}"  # the CLI's id: name and the API's
    assert (tool.tool.input_preview, tool.tool.output_preview, tool.status) == (
        '{"city":"Paris"}', "Sunny, 22 C in Paris", Status.OK)
    sent = next(s for f in rp.manifest["files"] if f["signal"] == "traces" and f["run"] == run["label"]
                for rs in json.loads(read_body(FIXTURES / name / f["file"]))["resourceSpans"]
                for ss in rs["scopeSpans"] for s in ss["spans"] if s["spanId"] == tool.span_id)
    assert (tool.start_ns, tool.end_ns) == (int(sent["startTimeUnixNano"]), int(sent["endTimeUnixNano"]))
    assert [(r.name, r.calls, r.errors, r.decided_calls, r.consumed_calls) for r in rp.store.tool_costs(sid)] == [
        (asked["tool_name"], 1, 0, 1, 1)]
    calls, served = calls_as_served(rp, run, sid, client)
    assert sum(s.usage.reasoning for s in calls) == sum(c["usage_normalized"]["reasoning"] for c in served) > 0


@pytest.mark.parametrize("order", list(ORDERS))
def test_opencodes_mcp_tool_is_one_call_with_its_call_id_arguments_and_output(order: str, tmp_path: Path) -> None:
    """OpenCode calling a tool on an MCP server from its configuration's ``mcp`` entry (``local``: started
    over stdio): the model is offered it as ``<server>_<tool>`` beside OpenCode's own tools. The AI SDK's
    ``ai.toolCall`` span and OpenCode's runtime ``Tool.execute`` span of it are one call, named as the model
    called it, with its call id, the arguments it was called with and the output the model was given
    (OpenCode sends its result object: title, metadata, output, the server's content blocks); OpenCode's
    MCP plumbing (``MCP.connectLocal``, ``MCP.tools`` ...) is internal, nothing counted. Each model call
    once (the title call too), with the fake server's tokens and genai-prices' price."""
    name = "opencode-mcp"
    rp, client = asyncio.run(_replay(name, tmp_path / "mcp.db", order)), CLIENTS[name]
    assert all(len(rp.sessions[r["label"]]) == 1 for r in rp.manifest["runs"])
    run = rp.manifest["runs"][0]
    sid = run_session(rp, run)
    spans, asked, tool = the_tool_call(rp, run, sid, "weather_get_weather")
    assert (tool.tool.input_preview, tool.tool.output_preview, tool.status) == (
        '{"city":"Paris"}', "Sunny, 22 C in Paris", Status.OK)
    plumbing = [s for s in spans if s.name.startswith("MCP.")]
    assert plumbing and all(s.attributes.get(INTERNAL_ATTR) and s.kind is SpanKind.CUSTOM for s in plumbing)
    assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [(asked["tool_name"], 1, 0)]
    _calls, served = calls_as_served(rp, run, sid, client)
    totals = rp.store.sessions[sid].totals
    assert len(served) == 3 and (totals.llm_calls, totals.errors) == (3, 0)


@pytest.mark.parametrize("order", ["spans first", "logs first"])
def test_qwen_codes_mcp_tool_is_one_call_with_its_call_id_and_arguments(order: str, tmp_path: Path) -> None:
    """Qwen Code calling a tool on an MCP server from its settings (``mcpServers``, trusted): it defers the
    server's tools, so the model reviews ``mcp__<server>__<tool>`` with ``tool_search``, then calls it through
    its ``tool_call`` bridge. The tool shown is the server's, named as the bridge was asked for it, with the
    model's call id (the bridge call's: the span's ``gen_ai.tool.call.id``) and the arguments the bridge passed
    on (sent only in the ``qwen-code.tool_call`` event logged inside the tool's span, whichever comes first);
    no result (Qwen Code sends a tool's result only with its sensitive span attributes on). ``tool_search``
    is a call of its own; each model call once, with the fake server's tokens and genai-prices' price."""
    name = "qwen-code-mcp"
    rp, client, run, sid, spans = _first_run(name, tmp_path / "mcp.db", order)
    search, bridge = [c for c in ok_calls(run) if c.get("tool_call_id")]
    assert (search["tool_name"], bridge["tool_name"]) == ("tool_search", "tool_call")
    asked = rp.manifest["fakellm_tool_answers"]["tool_call"][0]  # the bridge's arguments: the tool and its own
    assert asked["name"] == "mcp__weather__get_weather"
    tools = {s.tool.name: s for s in spans if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None}
    assert sorted(tools) == sorted([asked["name"], "tool_search"])
    tool = tools[asked["name"]]
    assert (tool.tool.call_id, tool.tool.input_preview, tool.tool.output_preview, tool.status) == (
        bridge["tool_call_id"], json.dumps(asked["arguments"], separators=(",", ":")), None, Status.OK)
    assert tools["tool_search"].tool.call_id == search["tool_call_id"]
    assert sorted((r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)) == sorted(
        [(asked["name"], 1, 0), ("tool_search", 1, 0)])
    calls_as_served(rp, run, sid, client)


@pytest.mark.parametrize("order", ["spans first", "logs first"])
def test_qwen_codes_mcp_tool_result_is_the_text_the_model_was_sent(order: str, tmp_path: Path) -> None:
    """Qwen Code calling the MCP server's tool as ``qwen-code-mcp``, with the switch ``agenttrace-tui run`` sets
    for it (``QWEN_TELEMETRY_INCLUDE_SENSITIVE_SPAN_ATTRIBUTES``): its ``qwen-code.tool`` span carries the call's
    arguments (``gen_ai.tool.call.arguments``, the bridge's inner ones) and result (``gen_ai.tool.call.result``:
    the function response the model is sent, ``{"output": "<text>"}``). Each tool call is one, with those
    arguments on one line (the span's or its ``qwen-code.tool_call`` event's, whichever comes first) and its
    result as the text the model was sent (the server's structured content, then its text), not the envelope;
    ``tool_search``'s the declarations it found. Each model call once, with the fake server's tokens and
    genai-prices' price; the refused run one failed call, nothing charged."""
    name = "qwen-code-mcp-results"
    rp, client, run, sid, spans = _first_run(name, tmp_path / "mcp.db", order)
    search, bridge = [c for c in ok_calls(run) if c.get("tool_call_id")]
    asked = rp.manifest["fakellm_tool_answers"]["tool_call"][0]
    tools = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None]
    assert sorted((s.tool.name, s.tool.call_id) for s in tools) == sorted(  # type: ignore[union-attr]
        [(asked["name"], bridge["tool_call_id"]), ("tool_search", search["tool_call_id"])])
    sent = {s["spanId"]: {a["key"]: a["value"].get("stringValue") for a in s["attributes"]}
            for f in rp.manifest["files"] if f["signal"] == "traces" and f["run"] == run["label"]
            for rs in json.loads(read_body(FIXTURES / name / f["file"]))["resourceSpans"]
            for ss in rs["scopeSpans"] for s in ss["spans"] if s["name"] == "qwen-code.tool"}
    for span in tools:
        assert span.tool is not None
        envelope = json.loads(sent[span.span_id]["gen_ai.tool.call.result"])
        assert (span.tool.input_preview, span.tool.output_preview) == (
            sent[span.span_id]["gen_ai.tool.call.arguments"], cv.tool_preview(envelope["output"]))
    (tool,) = [s for s in tools if s.tool.name == asked["name"]]  # type: ignore[union-attr]
    assert tool.tool is not None and (tool.tool.input_preview, tool.tool.output_preview, tool.status) == (
        json.dumps(asked["arguments"], separators=(",", ":")), '{"result":"Sunny, 22 C in Paris"}\nSunny, 22 C in Paris',
        Status.OK)
    (found,) = [s for s in tools if s.tool.name == "tool_search"]  # type: ignore[union-attr]
    assert found.tool is not None and (found.tool.output_preview or "").startswith("<functions>\n<function>")
    assert sorted((r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)) == sorted(
        [(asked["name"], 1, 0), ("tool_search", 1, 0)])
    calls = [s for s in llm_spans(rp.store, sid) if counted(s)]
    served = ok_calls(run)
    assert sorted(tuple(sorted(usage_of(s).items())) for s in calls) == sorted(
        tuple(sorted(expected_usage(c, client).items())) for c in served)
    price = sum(_genai_price(c["model"], expected_usage(c, client), int(c["time"] * 1e9)) for c in served)
    assert rp.store.sessions[sid].totals.cost == pytest.approx(price, abs=1e-9)
    refused = rp.manifest["runs"][1]
    totals = rp.store.sessions[run_session(rp, refused)].totals
    assert (refused["mode"], totals.llm_calls, totals.tokens, totals.cost) == ("error", 1, 0, 0)


@pytest.mark.parametrize("order", list(ORDERS))
def test_codexs_mcp_tool_is_one_call_named_as_the_model_called_it_after_its_tool_search(order: str, tmp_path: Path) -> None:
    """Codex calling a tool on an MCP server from its config (``[mcp_servers.weather]``): it offers the
    server's tools only through its tool search, so the model searches (``tool_search``, a call Codex runs
    itself), then calls ``get_weather`` in the ``mcp__weather`` namespace the search loaded. Codex's event
    of the call names the tool and its namespace apart, its dispatch span the two run together
    (``mcp__weatherget_weather``): each tool call is one, named as the model called it
    (``mcp__weather__get_weather``), with its call id, arguments and result, whichever report comes first.
    The two calls that asked for a tool report the same usage, each by its ``handle_responses`` span and
    its ``response.completed`` event: each call once, with its model, the fake server's tokens and
    genai-prices' price."""
    name = "codex-mcp"
    rp, client, run, sid, spans = _first_run(name, tmp_path / "mcp.db", order)
    searched, asked = [c for c in ok_calls(run) if c.get("tool_call_id")]
    assert (searched["tool_name"], asked["tool_name"]) == ("tool_search", "mcp__weather__get_weather")
    tools = {s.tool.call_id: s for s in spans if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None}
    assert set(tools) == {searched["tool_call_id"], asked["tool_call_id"]}
    tool = tools[asked["tool_call_id"]].tool
    assert tool is not None and (tool.name, tool.input_preview) == (asked["tool_name"], '{"city": "Paris"}')
    assert "Sunny, 22 C in Paris" in (tool.output_preview or "")
    assert tools[searched["tool_call_id"]].tool.name == "tool_search"  # type: ignore[union-attr]
    assert sorted((r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)) == [
        (asked["tool_name"], 1, 0), (searched["tool_name"], 1, 0)]
    calls, served = calls_as_served(rp, run, sid, client)
    assert [c["kind"] for c in served] == ["tool_call", "tool_call", "final"]
    assert all(s.llm is not None and s.llm.model == c["model"] for s, c in zip(
        sorted(calls, key=lambda s: s.start_ns), served, strict=True))


def test_copilot_clis_mcp_tool_is_one_call_with_its_id_arguments_and_result(replays: Any) -> None:
    """GitHub Copilot CLI calling a tool on an MCP server from its user configuration
    (``~/.copilot/mcp-config.json``): the model is offered it as ``<server>-<tool>`` beside the CLI's own
    tools, and the CLI's ``execute_tool`` span is the one call of it, named so, with the call id the
    model gave it, the arguments it was called with and the result the model was sent (the server's
    text, then its structured content as JSON: what the CLI sends as ``gen_ai.tool.call.result``), its
    duration the span's; the server named as the tool's (``ToolInfo.server``), its own tool name kept on the
    span. Each model call once, with
    the fake server's tokens and genai-prices' price; the refused run one failed call, nothing charged."""
    name = "copilot-cli-mcp"
    rp, client = replays(name), CLIENTS[name]
    run = rp.manifest["runs"][0]
    sid = run_session(rp, run)
    _spans, asked, tool = the_tool_call(rp, run, sid, "weather-get_weather")
    assert (tool.tool.input_preview, tool.status) == ('{"city":"Paris"}', Status.OK)
    assert tool.tool.output_preview == 'Sunny, 22 C in Paris\n\n{"result":"Sunny, 22 C in Paris"}'
    assert (tool.tool.server, tool.attributes.get("github.copilot.tool.parameters.mcp_tool_name")) == (
        "weather", "get_weather")
    sent = next(s for f in rp.manifest["files"] if f["signal"] == "traces" and f["run"] == run["label"]
                for rs in json.loads(read_body(FIXTURES / name / f["file"]))["resourceSpans"]
                for ss in rs["scopeSpans"] for s in ss["spans"] if s["spanId"] == tool.span_id)
    assert (tool.start_ns, tool.end_ns) == (int(sent["startTimeUnixNano"]), int(sent["endTimeUnixNano"]))
    assert [(r.name, r.calls, r.errors, r.decided_calls, r.consumed_calls) for r in rp.store.tool_costs(sid)] == [
        (asked["tool_name"], 1, 0, 1, 1)]
    calls_as_served(rp, run, sid, client)
    refused = rp.manifest["runs"][1]
    totals = rp.store.sessions[run_session(rp, refused)].totals
    assert (refused["mode"], totals.llm_calls, totals.tokens, totals.cost) == ("error", 1, 0, 0)
    assert [s.status for s in llm_spans(rp.store, run_session(rp, refused))] == [Status.ERROR]


@pytest.mark.parametrize("name", ["openai_agents_mcp", "strands_mcp", "fast_agent", "fast_agent_anthropic"])
def test_a_tool_on_an_mcp_server_the_agent_started_is_one_call_in_its_session(name: str, replays: Any) -> None:
    """An agent (the OpenAI Agents SDK, Strands, fast-agent) running its tool on an MCP server it started
    over stdio: the server's process exports its spans of the requests (the handshake, ``tools/list``,
    ``tools/call get_weather``) in the agent's traces, under its own ``service.instance.id``. They are
    in the run's one session (fast-agent's server also a trace of its own: the cancellation the agent
    sends as it closes), and the tool call, reported by the agent's span, the MCP client's and the
    server's, is one call of ``get_weather`` with the arguments the model called it with (where the
    client sends them)."""
    rp, client = replays(name), CLIENTS[name]
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    sid = run_session(rp, run)
    spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
    assert {"server/discover", "tools/list"} <= {s.name for s in spans}  # the server's, here
    asked = [c for c in ok_calls(run) if c.get("tool_call_id")]
    called = asked[0]["tool_name"]
    if client.server_tool_prefix is not None:  # the model called the server's tool under the server's name
        server, _sep, called = called.rpartition(client.server_tool_prefix)
        assert server
    assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [(called, 1, 0)]
    (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None and tool.tool.name == "get_weather"
    assert tool.tool.input_preview == ('{"city": "Paris"}' if client.mcp_tool_arguments else None)


def test_the_openai_agents_sdks_mcp_tool_result_is_the_servers_text(replays: Any) -> None:
    """The OpenAI Agents SDK hands the model an MCP tool's result of one text block as that block alone: its
    tool span's output is ``{"type": "text", "text": …}``, and the next model call's tool message the
    Responses API's ``[{"type": "input_text", "text": …}]``. Both show the server's text, as the SDK's own
    tool's result reads (``tool: <its text>``), not the blocks' JSON."""
    rp = replays("openai_agents_mcp")
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    sid = run_session(rp, run)
    spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
    (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None and tool.tool.output_preview == "Sunny, 22 C in Paris"
    answer = max(llm_spans(rp.store, sid), key=lambda s: s.start_ns)
    assert answer.start_ns > tool.start_ns and answer.llm is not None
    assert (answer.llm.prompt_preview or "").splitlines()[-1] == "tool: Sunny, 22 C in Paris"


@pytest.mark.parametrize("name", ["fast_agent", "fast_agent_anthropic"])
def test_fast_agents_mcp_tool_result_in_the_next_prompt_is_the_servers_text(name: str, replays: Any) -> None:
    """fast-agent hands the model its MCP tool's result; the model SDK's span of the next call sends it in
    its prompt, the Anthropic SDK's as the result's decoded text blocks (``"response": [{"type": "text",
    "text": …}]``). Both show the server's text (its structured answer, ``{"result": …}``, as Claude Code's
    result of the same server reads), not the blocks' JSON."""
    rp = replays(name)
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    answer = max(llm_spans(rp.store, run_session(rp, run)), key=lambda s: s.start_ns)
    assert answer.llm is not None
    assert (answer.llm.prompt_preview or "").splitlines()[-1].endswith(
        ': [tool result {"result":"Sunny, 22 C in Paris"}]')


def test_pydantic_ais_mcp_tool_is_one_call_with_its_id_arguments_and_result(replays: Any) -> None:
    """Pydantic AI running its tool on an MCP server it started over stdio (``MCPToolset``, FastMCP's client):
    the call is reported three times, nested: pydantic-ai's ``execute_tool get_weather`` (the model's call id,
    the arguments, the result), FastMCP's client span ``tools/call get_weather`` (``execute_tool``, the tool's
    name) and the MCP SDK's ``MCP send tools/call get_weather``. It is one call of ``get_weather`` with the
    model's call id, arguments and result, the two MCP reports merged into it; each model call is counted
    once, the agent's summed usage shown for its subtree. The connection, opened before the run (``async with
    agent``), is the MCP SDK's handshake in a trace of its own naming no session: it is in the run's session,
    the conversation pydantic-ai names on the run's spans."""
    rp = replays("pydantic_ai_mcp")
    for run in reported_runs(rp.manifest):
        sid = run_session(rp, run)
        # (the agent's run named by its prompt, as every agent's invocation: test_agent_turn_names.py)
        assert sorted((t.name, t.spans[t.root_id].name) for t in rp.store.traces_of(sid) if t.root_id) == [
            ("MCP send server/discover", "MCP send server/discover"), ("What is the weather in Paris?", "invoke_agent agent")]
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    sid = run_session(rp, run)
    spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
    (asked,) = [c for c in ok_calls(run) if c.get("tool_call_id")]
    assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [(asked["tool_name"], 1, 0)]
    (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None and (tool.tool.name, tool.tool.call_id) == ("get_weather", asked["tool_call_id"])
    assert json.loads(tool.tool.input_preview or "") == {"city": "Paris"}
    assert tool.tool.output_preview == "Sunny, 22 C in Paris"
    assert tool.attributes[MERGED_BY] == NESTED_TOOL_RULE
    assert not [s.name for s in spans if s.name.endswith("tools/call get_weather") and s is not tool]
    from agenttrace_tui.ui.app import make_app
    from agenttrace_tui.ui.detail import render_detail

    trace = next(t for t in rp.store.traces_of(sid) if tool.span_id in t.spans)
    shown = render_detail(make_app(store=rp.store), tool, trace, tool.end_ns or tool.start_ns, show_code=False,
                          width=160).plain.splitlines()
    assert [line.split() for line in shown if line.startswith(("tool ", "result "))] == [
        ["tool", "get_weather"], ["result", "call", asked["tool_call_id"]]]
    assert [shown[shown.index(f"── tool {part} ") + 1].strip() for part in ("input", "output")] == [
        tool.tool.input_preview, "Sunny, 22 C in Paris"]
    served = [c["usage_normalized"] for c in ok_calls(run)]
    calls = [s for s in llm_spans(rp.store, sid) if counted(s)]
    assert sorted((s.usage.input, s.usage.output, s.usage.cache_read) for s in calls) == sorted(
        (u["input"], u["output"], u["cached"]) for u in served)
    (agent,) = [s for s in spans if s.kind is SpanKind.AGENT]
    assert agent.usage is not None and agent.usage.scope == "subtree"
    totals = rp.store.sessions[sid].totals
    assert (totals.llm_calls, totals.input_tokens, totals.output_tokens) == (
        len(served), sum(u["input"] for u in served), sum(u["output"] for u in served))


def test_a_langgraph_agents_mcp_tool_is_one_call_with_its_id_arguments_and_the_servers_text(replays: Any) -> None:
    """A LangGraph ReAct agent whose tool comes from an MCP server (langchain-mcp-adapters'
    ``MultiServerMCPClient`` over stdio; the server sends no telemetry), traced by OpenInference's LangChain
    instrumentation: the tool's span has the tool's name, its argument's value alone as ``input.value`` and the
    ToolMessage as ``output.value``, its content the MCP result's content blocks; the ``tools`` node's span
    around it has the model's tool call. It is one call of ``get_weather`` with the model's call id, arguments
    and the server's text (not the ToolMessage's JSON); each model call is counted once."""
    rp = replays("langgraph_mcp")
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    sid = run_session(rp, run)
    spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
    (asked,) = [c for c in ok_calls(run) if c.get("tool_call_id")]
    assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [(asked["tool_name"], 1, 0)]
    (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None and (tool.tool.name, tool.tool.call_id) == ("get_weather", asked["tool_call_id"])
    # The client's limit: OpenInference sends a tool's one-argument input as that argument's value alone.
    assert tool.tool.input_preview == "Paris"
    assert tool.tool.output_preview == "Sunny, 22 C in Paris"
    from agenttrace_tui.ui.app import make_app
    from agenttrace_tui.ui.detail import render_detail

    trace = next(t for t in rp.store.traces_of(sid) if tool.span_id in t.spans)
    shown = render_detail(make_app(store=rp.store), tool, trace, tool.end_ns or tool.start_ns, show_code=False,
                          width=160).plain.splitlines()
    assert [line.split() for line in shown if line.startswith(("tool ", "result "))] == [
        ["tool", "get_weather"], ["result", "call", asked["tool_call_id"]]]
    assert [shown[shown.index(f"── tool {part} ") + 1].strip() for part in ("input", "output")] == [
        "Paris", "Sunny, 22 C in Paris"]
    served = [c["usage_normalized"] for c in ok_calls(run)]
    calls = [s for s in llm_spans(rp.store, sid) if counted(s)]
    assert sorted((s.usage.input, s.usage.output, s.usage.cache_read) for s in calls) == sorted(
        (u["input"], u["output"], u["cached"]) for u in served)
    totals = rp.store.sessions[sid].totals
    assert (totals.llm_calls, totals.input_tokens, totals.output_tokens) == (
        len(served), sum(u["input"] for u in served), sum(u["output"] for u in served))


@pytest.mark.parametrize("order", list(ORDERS))
def test_google_adks_mcp_tool_is_one_call_with_its_call_id_arguments_and_result(order: str, tmp_path: Path) -> None:
    """Google ADK running its tool on an MCP server its ``McpToolset`` started over stdio (the server sends
    no telemetry): ADK's ``execute_tool get_weather`` span (``gen_ai.tool.type`` ``McpTool``, the content
    switch's ``SPAN_AND_EVENT``) holds the MCP SDK's span of the ``tools/call`` request, and the handshake's
    (``initialize``, ``tools/list``) are in the agent's trace, whichever signal arrives first. The run is one
    session with one call of ``get_weather``: the model's call id, the arguments it asked with and the
    server's text (the MCP result's text block, not the result's JSON); the ``tools/call`` request is no
    second call. Each model call once, with the fake server's tokens and genai-prices' price."""
    name = "google_adk_mcp"
    rp, client = asyncio.run(_replay(name, tmp_path / "adk_mcp.db", order)), CLIENTS[name]
    run = rp.manifest["runs"][0]
    sid = run_session(rp, run)
    spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
    assert {"MCP send initialize", "MCP send tools/list"} <= {s.name for s in spans}
    (asked,) = [c for c in ok_calls(run) if c.get("tool_call_id")]
    (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None
    assert (tool.tool.name, tool.tool.call_id, tool.tool.input_preview, tool.tool.output_preview, tool.status) == (
        asked["tool_name"], asked["tool_call_id"], '{"city": "Paris"}', "Sunny, 22 C in Paris", Status.OK)
    assert [(r.name, r.calls, r.errors, r.decided_calls, r.consumed_calls) for r in rp.store.tool_costs(sid)] == [
        (asked["tool_name"], 1, 0, 1, 1)]
    calls = [s for s in llm_spans(rp.store, sid) if counted(s)]
    served = ok_calls(run)
    assert sorted(tuple(sorted(usage_of(s).items())) for s in calls) == sorted(
        tuple(sorted(expected_usage(c, client).items())) for c in served)
    price = sum(_genai_price("gpt-4o-mini", expected_usage(c, client), int(c["time"] * 1e9)) for c in served)
    assert price > 0 and rp.store.sessions[sid].totals.cost == pytest.approx(price, abs=1e-9)


def test_the_ai_sdks_mcp_tool_is_one_call_with_its_call_id_arguments_and_result(replays: Any) -> None:
    """The Vercel AI SDK running a tool its MCP client (``@ai-sdk/mcp``) got from a server it started over
    stdio (the server sends no telemetry): the AI SDK's ``execute_tool get_weather`` span is the only report
    of the call, its result the MCP ``tools/call`` result as the client hands it back (``{"content": [...],
    "structuredContent": ..., "isError": false}``). It is one call of ``get_weather`` with the model's call id,
    the arguments it asked with and the server's text, in the tool's row and in its detail, and the server's
    text in the next call's prompt too (where ``@ai-sdk/otel`` sends the AI SDK's model output of the tool,
    ``{"type": "content", "value": [<text parts>]}``); each model call is counted once, with the fake
    server's tokens and genai-prices' price."""
    name = "ai_sdk_mcp"
    rp, client = replays(name), CLIENTS[name]
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    sid = run_session(rp, run)
    spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
    (asked,) = [c for c in ok_calls(run) if c.get("tool_call_id")]
    (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None
    assert (tool.tool.name, tool.tool.call_id, tool.tool.output_preview, tool.status) == (
        asked["tool_name"], asked["tool_call_id"], "Sunny, 22 C in Paris", Status.OK)
    assert json.loads(tool.tool.input_preview or "") == {"city": "Paris"}
    assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [(asked["tool_name"], 1, 0)]
    from agenttrace_tui.ui.app import make_app
    from agenttrace_tui.ui.detail import render_detail

    trace = next(t for t in rp.store.traces_of(sid) if tool.span_id in t.spans)
    shown = render_detail(make_app(store=rp.store), tool, trace, tool.end_ns or tool.start_ns, show_code=False,
                          width=160).plain.splitlines()
    assert [shown[shown.index(f"── tool {part} ") + 1].strip() for part in ("input", "output")] == [
        tool.tool.input_preview, "Sunny, 22 C in Paris"]
    assert not [line for line in shown if "structuredContent" in line]
    # The result as the next call's prompt holds it (the AI SDK's model output of the MCP tool, its parts).
    calls = [s for s in llm_spans(rp.store, sid) if counted(s)]
    last = max(calls, key=lambda s: s.start_ns)
    assert last.llm is not None and last.llm.prompt_preview is not None
    assert last.llm.prompt_preview.splitlines()[-1] == "tool: [tool result Sunny, 22 C in Paris]"
    served = ok_calls(run)
    assert sorted(tuple(sorted(usage_of(s).items())) for s in calls) == sorted(
        tuple(sorted(expected_usage(c, client).items())) for c in served)
    price = sum(_genai_price("gpt-4o-mini", expected_usage(c, client), int(c["time"] * 1e9)) for c in served)
    assert price > 0 and rp.store.sessions[sid].totals.cost == pytest.approx(price, abs=1e-9)
    assert rp.store.sessions[sid].totals.llm_calls == len(served)


def test_mcp_agent_reports_its_tool_call_once_and_its_loops_usage_as_the_agents(replays: Any) -> None:
    """mcp-agent reports one tool call five times, nested: the augmented LLM's ``execute_tool_call`` and
    ``call_tool`` (the model's call id on both), the agent's ``call_tool``, its MCP aggregator's and the MCP
    client session's ``tools/call`` request. It is one call of the tool the model asked for (mcp-agent
    names it ``<server>_<tool>``), with its arguments and result; the other reports are plumbing. The
    augmented LLM's ``generate`` span sends its calls' summed usage: shown for its subtree, not added."""
    rp = replays("mcp_agent")
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    sid = run_session(rp, run)
    spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
    asked = [c for c in ok_calls(run) if c.get("tool_call_id")]
    assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [(asked[0]["tool_name"], 1, 0)]
    (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None and tool.tool.call_id == asked[0]["tool_call_id"]
    assert tool.tool.input_preview == '{"city": "Paris"}' and tool.tool.output_preview == "Sunny, 22 C in Paris"
    reports = [s for s in spans if s.name.endswith((".call_tool", ".send_request")) and s.span_id != tool.span_id]
    assert reports and all(s.kind is SpanKind.CUSTOM and s.attributes.get(INTERNAL_ATTR) for s in reports)
    (loop,) = [s for s in spans if s.name.endswith(".generate")]
    served = [c["usage_normalized"] for c in ok_calls(run)]
    assert loop.kind is SpanKind.AGENT and loop.usage is not None and loop.usage.scope == "subtree"
    assert (loop.usage.input, loop.usage.output) == (sum(u["input"] for u in served), sum(u["output"] for u in served))
    totals = rp.store.sessions[sid].totals
    assert (totals.llm_calls, totals.input_tokens, totals.output_tokens) == (
        len(served), sum(u["input"] for u in served), sum(u["output"] for u in served))


def test_the_api_key_mcp_agent_sends_is_shown_nowhere(replays: Any) -> None:
    """mcp-agent puts its settings' text, the API key in it, into its spans' arguments (``arg_0``): the spans
    keep what was sent (the database), and the span detail of each such span, and the JSON the command line
    prints of it (`spans query`, `traces tree`), show the key's name with «secret» where the key stood."""
    import msgspec

    from agenttrace_tui.format.sanitize import HIDDEN
    from agenttrace_tui.ui.app import make_app
    from agenttrace_tui.ui.detail import render_detail

    rp = replays("mcp_agent")
    app = make_app(store=rp.store)
    key = FAKE_KEY.encode()
    carrying = [(t, s) for t in rp.store.traces.values() for s in t.spans.values() if key in msgspec.json.encode(s)]
    assert carrying, "the recording's spans no longer carry the key"
    for trace, span in carrying:
        shown = render_detail(app, span, trace, span.end_ns or span.start_ns, show_code=True, width=200).plain
        assert FAKE_KEY not in shown and f"api_key='{HIDDEN}'" in shown, span.name
    for trace_id in {t.trace_id for t, _ in carrying}:
        printed = [json.dumps(cli_json(rp.db, *argv), ensure_ascii=False)
                   for argv in (("spans", "query", "--trace", trace_id, "--limit", "1000"), ("traces", "tree", trace_id))]
        for text in printed:
            assert FAKE_KEY not in text and f"api_key='{HIDDEN}'" in text, trace_id


@pytest.mark.parametrize("fmt", ["json", "otlp-json"])
def test_an_export_of_mcp_agents_runs_holds_its_api_key_only_when_asked(
        fmt: str, replays: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file is made to be shared: `export` writes the key mcp-agent put in its spans' arguments as the screen
    shows it, says how many it hid, and the file imports to the same sessions, tokens and cost; with
    ``--keep-secrets`` it holds what was sent (a backup that re-imports exactly)."""
    from agenttrace_tui.format.sanitize import HIDDEN

    rp = replays("mcp_agent")
    shared, kept = tmp_path / "shared", tmp_path / "kept"
    assert cli_main(["export", "--db", str(rp.db), "--format", fmt, "-o", str(shared)]) == 0
    note = capsys.readouterr().err
    text = shared.read_text(encoding="utf-8")
    assert FAKE_KEY not in text and f"api_key='{HIDDEN}'" in text
    hidden = re.search(r"; (\d+) secrets? hidden \(--keep-secrets keeps them\)$", note.strip())
    # (an OTLP span carries the span as stored too, in its own attribute: each credential is hidden twice)
    assert hidden and int(hidden[1]) == text.count(HIDDEN) // (2 if fmt == "otlp-json" else 1), note
    assert cli_main(["export", "--db", str(rp.db), "--format", fmt, "--keep-secrets", "-o", str(kept)]) == 0
    assert "hidden" not in capsys.readouterr().err and FAKE_KEY in kept.read_text(encoding="utf-8")
    imported = tmp_path / "imported.db"
    assert cli_main(["import", str(shared), "--db", str(imported)]) == 0
    capsys.readouterr()
    keys = ("id", "spans", "errors", "input_tokens", "output_tokens", "tokens", "cost", "unpriced")
    assert ([{k: r[k] for k in keys} for r in cli_json(imported, "sessions", "list")]
            == [{k: r[k] for k in keys} for r in cli_json(rp.db, "sessions", "list")])


def _laminar_sessions_tools_and_answers(rp: Replay) -> None:
    """Each run is the session its agent gave its trace (``Laminar.set_trace_session_id``, on every span as
    ``lmnr.association.properties.session_id``), framework ``laminar``; the ``@observe(span_type="TOOL")``
    span (``lmnr.span.type`` TOOL) is one call of the tool the fake server asked for, named after the
    function, its arguments and result (``lmnr.span.input`` / ``.output``, JSON) its previews; each
    model call's answer (Laminar sends the choices as ``gen_ai.output.messages``) is its response preview."""
    named = rp.manifest["laminar_sessions"]
    for run in reported_runs(rp.manifest):
        sid = named[run["label"]]
        assert rp.sessions[run["label"]] == [sid]
        entry = rp.store.sessions[sid]
        assert entry.session.framework == "laminar"
        spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
        assert all(s.attributes.get("lmnr.association.properties.user_id") == rp.manifest["laminar_user"] for s in spans)
        if run["mode"] == "error":
            (failed,) = [s for s in llm_spans(rp.store, sid) if s.status is Status.ERROR]
            assert "scripted error" in (failed.status_message or "") and entry.totals.errors >= 1
            continue
        asked = [c for c in ok_calls(run) if c.get("tool_call_id")]
        assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [(asked[0]["tool_name"], 1, 0)]
        (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
        assert tool.tool is not None and tool.tool.input_preview == '{"city":"Paris"}'
        final = next(s for s in llm_spans(rp.store, sid) if "The tool said" in (s.llm.response_preview or ""))
        assert tool.tool.output_preview and final.llm.response_preview.endswith(tool.tool.output_preview)
        called = [s for s in llm_spans(rp.store, sid) if f"[tool_call {asked[0]['tool_name']}(" in (s.llm.response_preview or "")]
        assert len(called) == len(asked)


def test_laminar_names_its_session_and_its_tool(replays: Any) -> None:
    _laminar_sessions_tools_and_answers(replays("laminar"))


def test_openhands_names_its_conversation_its_steps_its_calls_and_its_tool(replays: Any) -> None:
    """The OpenHands SDK traces itself with Laminar: each run is the session of its conversation's id,
    framework ``openhands`` (read from its span names under Laminar's scope); each model call is one
    call inside its ``agent.step`` (its ``llm.<model>`` span and Laminar's LiteLLM span of the request
    one call, the fake server's tokens, OpenHands' own cost); the tool's result is one call of the
    tool, named after its action class (``GetWeatherAction``: the span names no tool), with the call
    id of the model's tool call; a refused call fails its step, the run and the conversation."""
    rp = replays("openhands")
    for run in reported_runs(rp.manifest):
        sid = rp.manifest["openhands_sessions"][run["label"]]
        assert rp.sessions[run["label"]] == [sid]
        entry = rp.store.sessions[sid]
        assert entry.session.framework == "openhands"
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(sid) for s in t.spans.values()}
        parent = parent_in(spans)
        calls = llm_spans(rp.store, sid)
        assert len(calls) == len(run["fake_calls"])
        for call in calls:
            step = parent(call)
            assert step is not None and step.name == "agent.step" and parent(step).name == "conversation.run"
        if run["mode"] == "error":
            (failed,) = calls
            assert failed.status is Status.ERROR and "scripted error" in (failed.status_message or "")
            assert {s.name for s in spans.values() if s.status is Status.ERROR} == {
                "llm.gpt-4o-mini", "agent.step", "conversation.run", "conversation"}
            continue
        assert all(c.cost is not None and c.cost.source == "reported" for c in calls)
        asked = [c for c in ok_calls(run) if c.get("tool_call_id")]
        assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [("GetWeatherAction", 1, 0)]
        (tool,) = [s for s in spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
        assert tool.tool is not None and tool.tool.call_id == asked[0]["tool_call_id"]
        assert parent(tool).name == "agent.step"


def test_laminar_over_grpc_its_default_export_reads_the_same(replays: Any, tmp_path: Path) -> None:
    """Laminar exports over OTLP/gRPC (gzip) unless told ``force_http``: its spans, sent so to the
    monitor's gRPC receiver, are the same sessions, tool, tokens and cost as over HTTP."""
    rp = asyncio.run(_replay("laminar", tmp_path / "grpc.db", grpc=True))
    _laminar_sessions_tools_and_answers(rp)
    http = replays("laminar")
    for run in reported_runs(rp.manifest):
        sid = rp.manifest["laminar_sessions"][run["label"]]
        want, got = http.store.sessions[sid].totals, rp.store.sessions[sid].totals
        assert (got.llm_calls, got.input_tokens, got.output_tokens, got.cache_read, got.errors) == (
            want.llm_calls, want.input_tokens, want.output_tokens, want.cache_read, want.errors)
        assert got.cost == pytest.approx(want.cost)
        assert got.llm_calls == len(run["fake_calls"])  # the refused request too


#: AgentOps' span kinds (``agentops.span.kind``, its decorators') -> what they are: ``@trace``'s session span
#: runs the turn, ``@agent`` an agent, ``@operation`` (a ``task``) a step, ``@tool`` a call of the tool.
AGENTOPS_KINDS = {"session": SpanKind.TASK, "agent": SpanKind.AGENT, "task": SpanKind.TASK,
                  "tool": SpanKind.TOOL_EXECUTION}


def _agentops_sessions_kinds_and_tools(rp: Replay) -> None:
    """Each run is one session: AgentOps' trace (its ``@trace`` function's run), by the trace's id, named
    after the trace (``@trace(name=...)``), framework ``agentops``, in the store and in ``sessions list``.
    Its decorators' spans are of their ``agentops.span.kind``; the ``@agent`` class names its agent;
    the ``@tool`` method's span is one call of the tool the fake server asked for, its arguments and result
    its previews. The internal record AgentOps' OpenAI instrumentation makes of the tool call the model
    asked for (``tool_call.<tool>``) is no call of the tool: it gives the model call its answer."""
    listed = {s["id"]: s for s in cli_json(rp.db, "sessions", "list", "--limit", "1000")} if rp.db.name != ":memory:" else {}
    for run in reported_runs(rp.manifest):
        (sid,) = rp.sessions[run["label"]]
        entry = rp.store.sessions[sid]
        (trace,) = rp.store.traces_of(sid)
        assert trace.trace_id == sid
        spans = list(trace.spans.values())
        (root,) = [s for s in spans if s.parent_span_id is None]
        assert root.attributes.get("agentops.span.kind") == "session"
        assert entry.session.name == rp.manifest["agentops_trace_name"] and entry.session.framework == "agentops"
        if listed:
            assert listed[sid]["name"] == rp.manifest["agentops_trace_name"]
        for span in spans:
            if (said := span.attributes.get("agentops.span.kind")) is not None:
                assert span.kind is AGENTOPS_KINDS[said], f"{span.name}: {said} read as {span.kind}"
        (agent,) = [s for s in spans if s.kind is SpanKind.AGENT]
        assert agent.agent is not None and agent.agent.name == rp.manifest["agentops_agent_name"]
        if run["mode"] == "error":
            (failed,) = [s for s in llm_spans(rp.store, sid) if s.status is Status.ERROR]
            assert "scripted error" in (failed.status_message or "") and entry.totals.errors >= 1
            assert not [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
            continue
        asked = [c for c in ok_calls(run) if c.get("tool_call_id")]
        assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [(asked[0]["tool_name"], 1, 0)]
        (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
        assert tool.tool is not None and tool.tool.name == asked[0]["tool_name"]
        assert tool.tool.input_preview == '{"city": "Paris"}' and tool.tool.output_preview == "Sunny, 22 C in Paris"
        (record,) = [s for s in spans if s.attributes.get(INTERNAL_ATTR)]
        assert record.tool is not None and record.tool.call_id == asked[0]["tool_call_id"]
        called = [s for s in llm_spans(rp.store, sid) if f"[tool_call {asked[0]['tool_name']}(" in (s.llm.response_preview or "")]
        assert [s.span_id for s in called] == [record.parent_span_id]
        assert entry.totals.llm_calls == len(run["fake_calls"])


def test_agentops_trace_is_the_session_its_spans_of_their_kinds(replays: Any) -> None:
    _agentops_sessions_kinds_and_tools(replays("agentops"))


@pytest.mark.parametrize("reverse", [False, True], ids=["as-ended", "reversed"])
def test_agentops_session_and_answers_hold_however_the_spans_are_exported(reverse: bool) -> None:
    """Each span in an export of its own: as they ended (the model calls and the tool before the session
    span that names the session, a tool call's record before its model call), or last to first. The same
    sessions, kinds, tool and answers."""
    _agentops_sessions_kinds_and_tools(asyncio.run(_replay_span_by_span("agentops", reverse)))


#: Recordings of an app naming its session and user through its client's own convention -> where the user goes.
APP_SESSIONS = {
    "ai_sdk6_session": "ai.telemetry.metadata.userId",  # experimental_telemetry.metadata (AI SDK 4-6)
    "ai_sdk7_session": "ai.settings.context.userId",  # runtimeContext let into telemetry (AI SDK 7, @ai-sdk/otel)
    "openllmetry_session": "traceloop.association.properties.user_id",  # Traceloop.set_association_properties
}


def _span_by_span(body: bytes) -> list[bytes]:
    """One OTLP trace export per span of ``body``, in its order (as an exporter that sends each span as it
    ends, or in batches cut anywhere, would send them)."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    out = []
    for rs in ExportTraceServiceRequest.FromString(body).resource_spans:
        for ss in rs.scope_spans:
            for sp in ss.spans:
                one = ExportTraceServiceRequest()
                r = one.resource_spans.add()
                r.resource.CopyFrom(rs.resource)
                scoped = r.scope_spans.add()
                scoped.scope.CopyFrom(ss.scope)
                scoped.spans.add().CopyFrom(sp)
                out.append(one.SerializeToString())
    return out


async def _replay_span_by_span(name: str, reverse: bool = False) -> Replay:
    """``_replay`` of the trace exports only, each span in a request of its own (with ``reverse``, each
    run's spans last to first: a parent before its children)."""
    folder = FIXTURES / name
    manifest = json.loads((folder / "manifest.json").read_text())
    monitor = Monitor(Config(persist=False, db=":memory:", otlp_port=0, otlp_grpc_port=None, udp_port=None,
                             tcp_port=None, socket=""))
    await monitor.start()
    sessions: dict[str, list[str]] = {}
    try:
        port = monitor.otlp.address[1]
        for run in manifest["runs"]:
            before = set(monitor.store.sessions)
            bodies = [body for f in manifest["files"] if f["run"] == run["label"] and f["signal"] == "traces"
                      for body in _span_by_span(read_body(folder / f["file"]))]
            for body in reversed(bodies) if reverse else bodies:
                status = await asyncio.to_thread(_post, port, "/v1/traces", body, "application/x-protobuf")
                assert status == 200
            sessions[run["label"]] = [s for s in monitor.store.sessions if s not in before]
    finally:
        await monitor.stop()
    return Replay(manifest, Path(":memory:"), sessions, monitor.store)


def _each_run_is_the_apps_session(rp: Replay, user_key: str) -> None:
    """Each run is the one session its app named (``app_sessions``), holding all of the run: one trace per
    turn (the ok run's chat has two; a turn ends with its final answer or the refused call), every model
    call the fake server served, each trace's root naming the app's user (kept as sent)."""
    for run in reported_runs(rp.manifest):
        sid = rp.manifest["app_sessions"][run["label"]]
        assert rp.sessions[run["label"]] == [sid], f"run {run['label']!r}"
        traces = rp.store.traces_of(sid)
        turns = [c for c in run["fake_calls"] if c["kind"] in ("final", "error")]
        assert len(traces) == len(turns) == (2 if run["mode"] == "ok" else 1)
        assert rp.store.sessions[sid].totals.llm_calls == len(run["fake_calls"])
        for trace in traces:
            (root,) = [s for s in trace.spans.values() if s.parent_span_id is None]
            assert root.attributes.get(user_key) == rp.manifest["app_user"]


@pytest.mark.parametrize(("name", "user_key"), APP_SESSIONS.items())
def test_each_run_is_the_session_the_app_named(name: str, user_key: str, replays: Any) -> None:
    _each_run_is_the_apps_session(replays(name), user_key)


@pytest.mark.parametrize(("name", "user_key"), APP_SESSIONS.items())
def test_the_apps_session_holds_however_the_spans_are_exported(name: str, user_key: str) -> None:
    """Each span in an export of its own, in the order they ended: a model call's span arrives before the
    span naming the session (AI SDK 7 names it on its step and invoke_agent spans only), and still lands
    in the app's session, with the rest of its trace."""
    _each_run_is_the_apps_session(asyncio.run(_replay_span_by_span(name)), user_key)


@pytest.mark.parametrize(("name", "span_name"), [("openai_agents", "weather-agent"), ("openai_agents_js", "weather-agent"),
                                               ("openai_agents_otel", "invoke_agent weather-agent")])
def test_the_openai_agents_sdks_agent_span_names_its_agent(name: str, span_name: str, replays: Any) -> None:
    """OpenInference's instrumentation of the OpenAI Agents SDK for Python names the agent as
    ``agent.name``, the one for TypeScript only as ``graph.node.id``: either way the agent span is the
    agent's, found by the ``agent:`` filter, in the ok run and in the refused one. The OpenTelemetry
    project's instrumentation names it as ``gen_ai.agent.name`` on its ``invoke_agent`` span, and puts
    its default, "OpenAI Agent", on every other span: no span names an agent but the SDK's."""
    rp = replays(name)
    flt = parse_filter("agent:weather-agent")
    for run in reported_runs(rp.manifest):
        spans = [s for t in rp.store.traces_of(run_session(rp, run)) for s in t.spans.values()]
        agents = [s for s in spans if s.kind is SpanKind.AGENT and s.name == span_name]
        assert len(agents) == 1, f"run {run['label']!r}: {[s.name for s in spans]}"
        assert agents[0].agent is not None and agents[0].agent.name == "weather-agent"
        assert [s for s in spans if flt.matches(s)] == agents
        assert {s.agent.name for s in spans if s.agent is not None and s.agent.name} == {"weather-agent"}


@pytest.mark.parametrize(("name", "agents"), [("praisonai", {"Weather Agent"}),
                                            ("praisonai_team", {"Weather researcher", "Weather writer"})])
def test_praisonais_agent_spans_name_their_agents_but_hold_none_of_their_calls(
        name: str, agents: set[str], replays: Any) -> None:
    """PraisonAI's observability suite names an agent's span (``span.kind`` ``agent``) after the agent
    (``Agent(name=...)``) and nothing else on it names one: the span is the agent's, found by the
    ``agent:`` filter, and `costs --group-by agent` lists it; a team's run (``workflow``) is no agent.
    Each span it sends is a trace of its own (built when PraisonAI's span ends: no parent), so nothing
    ties a model call or a tool call to its agent: they stay ``(no agent)``, with the calls' tokens and
    genai-prices' price (not PraisonAI's own guess), and the cost pane has no ``by agent`` rows."""
    rp = replays(name)
    for run in reported_runs(rp.manifest):
        sid = run_session(rp, run)
        spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
        assert all(s.parent_span_id is None for s in spans) and len(rp.store.traces_of(sid)) == len(spans)
        spans_of = [s for s in spans if s.kind is SpanKind.AGENT]
        assert spans_of and all(s.agent is not None and s.agent.name == s.name for s in spans_of), spans_of
        assert {s.name for s in spans_of} == agents
        for agent in agents:
            flt = parse_filter(f"agent:{agent}")
            assert [s for s in spans if flt.matches(s)] == [s for s in spans_of if s.name == agent]
        rows = {r["agent"]: r for r in cli_json(rp.db, "costs", "--group-by", "agent", "--session", sid)["rows"]}
        assert set(rows) == agents | {"(no agent)"}, rows
        assert all((rows[a]["input_tokens"], rows[a]["cost_usd"]) == (0, 0) for a in agents), rows
        calls = [c for c in ok_calls(run) if not c["usage_not_reported"]]
        want = sum(_genai_price(c["model"], expected_usage(c, CLIENTS[name]), int(c["time"] * 1e9)) for c in calls)
        assert rows["(no agent)"]["input_tokens"] == sum(c["usage_normalized"]["input"] for c in calls)
        assert rows["(no agent)"]["cost_usd"] == pytest.approx(want), rows
        assert rp.store.agent_costs(sid)[0] == []  # the cost pane: no `by agent` row, none spent anything


@pytest.mark.parametrize(("name", "transfer", "first", "second"), [
    ("openai_agents_handoff", "transfer_to_weather_agent", "Triage agent", "Weather agent"),
    ("google_adk_multiagent", "transfer_to_agent", "root_agent", "weather_agent"),
])
def test_each_agent_of_a_handoff_is_charged_its_own_model_calls(
        name: str, transfer: str, first: str, second: str, replays: Any) -> None:
    """A first agent hands off to a weather agent (the OpenAI Agents SDK's handoff, ADK's
    ``transfer_to_agent`` to a sub-agent): `costs --group-by agent` charges each model call to the
    agent that made it (the first agent's call is the one that asked for the transfer tool, the
    weather agent's the others), with the fake server's tokens and genai-prices' price; the
    workflow spans above both agents are no agent's. In the error run the weather agent's refused
    call is its own and costs nothing; the first agent's transfer still cost what it did."""
    rp = replays(name)
    for run in reported_runs(rp.manifest):
        _agents_charged(rp, name, run, [first if c.get("tool_name") == transfer else second for c in run["fake_calls"]])


def test_a_strands_swarms_agents_its_handoff_and_its_tool(replays: Any) -> None:
    """A Strands Swarm of a triage agent and a weather agent (StrandsTelemetry): the swarm's run
    (``invoke_swarm``) is a step around the two agents' ``invoke_agent`` spans, neither a call nor an agent;
    `costs --group-by agent` and the live spend by agent charge the triage agent its two calls (the one
    asking for ``handoff_to_agent``, the one reading its result) and the weather agent the others, each once
    (the agents' spans carry their calls' sums: shown for their subtree), with the fake server's tokens at
    genai-prices' price. The handoff and ``get_weather`` are tool calls of the agent that asked for them,
    with the arguments the fake server sent and the results the tools gave. In the error run the weather
    agent's refused call is its own and costs nothing; the swarm's span is not marked failed (Strands
    leaves it unset: the swarm's status is in its result only)."""
    name = "strands_swarm"
    rp = replays(name)
    (handoff_args,) = rp.manifest["fakellm_tool_answers"]["handoff_to_agent"]
    for run in reported_runs(rp.manifest):
        calls = run["fake_calls"]
        handoff = next(i for i, c in enumerate(calls) if c.get("tool_name") == "handoff_to_agent")
        agents = ["triage_agent" if i <= handoff + 1 else "weather_agent" for i in range(len(calls))]
        _agents_charged(rp, name, run, agents)
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(run_session(rp, run)) for s in t.spans.values()}
        parent = parent_in(spans)
        (swarm,) = [s for s in spans.values() if s.name == "invoke_swarm"]
        assert swarm.kind is SpanKind.TASK and parent(swarm) is None and swarm.status is Status.OK
        agent_spans = {s.agent.name: s for s in spans.values() if s.kind is SpanKind.AGENT and s.agent is not None}
        assert set(agent_spans) == {"triage_agent", "weather_agent"}
        assert all(parent(s) is swarm for s in agent_spans.values())
        assert sorted(a for a, s in agent_spans.items() if s.usage is not None and s.usage.scope == "subtree") == (
            ["triage_agent", "weather_agent"] if run["mode"] == "ok" else ["triage_agent"])
        tools = [(s.tool.name, json.loads(s.tool.input_preview or "null"), s.tool.output_preview, agent_of(s, parent))
                 for s in sorted(spans.values(), key=lambda s: s.start_ns)
                 if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None]
        want = [("handoff_to_agent", handoff_args,
                 f"Handing off to {handoff_args['agent_name']}: {handoff_args['message']}", "triage_agent")]
        if run["mode"] == "ok":
            want.append(("get_weather", {"city": "Paris"}, "Sunny, 22 C in Paris", "weather_agent"))
        assert tools == want, (run["label"], tools)
        failed = sorted(s.name for s in spans.values() if s.status is Status.ERROR)
        assert failed == ([] if run["mode"] == "ok" else ["chat", "execute_event_loop_cycle", "invoke_agent weather_agent"])


def _agents_charged(rp: Replay, name: str, run: dict, agents: list[str]) -> None:
    """`costs --group-by agent` over a run's session: each agent's row holds the tokens the fake server
    served its calls (``agents``: the agent of each of the run's calls, in order) at genai-prices'
    price, a refused call nothing; the spans above the agents (``(no agent)``), if any, hold nothing, unless
    ``agents`` charges calls to them. The live monitor's spend by agent (the cost pane's rows) holds the same
    figures, and no row of nothing."""
    client, sid = CLIENTS[name], run_session(rp, run)
    want: dict[str, dict[str, float]] = {}
    for call, agent in zip(run["fake_calls"], agents, strict=True):
        row = want.setdefault(agent, {"input": 0, "output": 0, "cache_read": 0, "cost": 0.0})
        if call["status"] != 200:
            continue
        usage = expected_usage(call, client)
        for k in ("input", "output", "cache_read"):
            row[k] += usage[k]
        row["cost"] += _genai_price(call["model"], usage, int(call["time"] * 1e9))
    rows = {r["agent"]: r for r in cli_json(rp.db, "costs", "--group-by", "agent", "--session", sid)["rows"]}
    assert set(rows) - {"(no agent)"} == set(want) - {"(no agent)"}, rows
    for agent, w in want.items():
        r = rows[agent]
        assert (r["input_tokens"], r["output_tokens"], r["cache_read_tokens"]) == (
            w["input"], w["output"], w["cache_read"]), (run["label"], agent, r)
        assert r["cost_usd"] == pytest.approx(w["cost"]), (run["label"], agent, r)
    if "(no agent)" in rows and "(no agent)" not in want:  # a workflow around the agents (none when the first
        # agent's run is the root)
        assert (rows["(no agent)"]["input_tokens"], rows["(no agent)"]["cost_usd"]) == (0, 0)
    live, _waiting = rp.store.agent_costs(sid)
    assert {agent: (b.input_tokens, b.output_tokens, b.cache_read, pytest.approx(b.cost)) for agent, b in live} == {
        agent: (w["input"], w["output"], w["cache_read"], w["cost"]) for agent, w in want.items()}, run["label"]


def test_an_agency_swarm_worker_runs_inside_the_ceos_send_message(replays: Any) -> None:
    """An Agency Swarm agency traced by AgentOps (its processor of the OpenAI Agents SDK's traces): the CEO and
    the Worker are agents, the Worker's run inside the CEO's ``send_message`` call, whose arguments (the recipient
    and message the fake server asked for) and result (what the Worker answered) are its previews, as are
    ``get_weather``'s, the Worker's call. `costs --group-by agent` and the live spend charge the CEO its first
    call (asking for send_message) and its last (quoting the Worker's answer), the Worker the calls in between,
    at the fake server's tokens and genai-prices' price. In the error run the Worker's refused call failed
    (AgentOps' processor ends its span OK: its ``exception`` event says it failed) and costs nothing; send_message
    still returns, Agency Swarm's text of the Worker's failure as its result."""
    name = "agency_swarm"
    rp = replays(name)
    asked = rp.manifest["fakellm_tool_answers"]
    for run in reported_runs(rp.manifest):
        calls = run["fake_calls"]
        _agents_charged(rp, name, run, ["CEO" if i in (0, len(calls) - 1) else "Worker" for i in range(len(calls))])
        sid = run_session(rp, run)
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(sid) for s in t.spans.values()}
        parent = parent_in(spans)
        agents = {s.agent.name: s for s in spans.values() if s.kind is SpanKind.AGENT and s.agent is not None}
        assert set(agents) == {"CEO", "Worker"}, agents
        tools = [s for s in spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
        by_name = {s.tool.name: s for s in tools if s.tool is not None}
        assert len(by_name) == len(tools), [s.name for s in tools]
        send = by_name["send_message"]
        above: list[Any] = []
        up = parent(agents["Worker"])
        while up is not None:
            above.append(up)
            up = parent(up)
        assert send in above and agents["CEO"] in above, [s.name for s in above]
        assert agent_of(send, parent) == "CEO"
        assert send.tool is not None and json.loads(send.tool.input_preview or "") == asked["send_message"][0]
        (last,) = [s for s in llm_spans(rp.store, sid) if agent_of(s, parent) == "CEO" and s.start_ns > send.start_ns]
        failed = [s for s in llm_spans(rp.store, sid) if failed_call(s)]
        if run["mode"] == "error":
            assert set(by_name) == {"send_message"}
            assert [agent_of(s, parent) for s in failed] == ["Worker"]
            assert "Worker" in (send.tool.output_preview or "") and (send.tool.output_preview or "").startswith("Error")
            assert rp.store.sessions[sid].totals.errors == 1
            continue
        assert not failed
        weather = by_name["get_weather"]
        assert agent_of(weather, parent) == "Worker"
        assert weather.tool is not None and json.loads(weather.tool.input_preview or "") == asked["get_weather"][0]
        assert weather.tool.output_preview == "Sunny, 22 C in Paris"
        # The Worker's answer is send_message's result, which the CEO's last call quotes.
        (answer,) = [s for s in llm_spans(rp.store, sid) if agent_of(s, parent) == "Worker" and s.start_ns > weather.start_ns]
        assert answer.llm is not None and send.tool.output_preview
        assert (answer.llm.response_preview or "").endswith(send.tool.output_preview)
        assert last.llm is not None and send.tool.output_preview in (last.llm.response_preview or "")


def test_each_agent_of_an_autogen_team_is_charged_its_own_model_calls(replays: Any) -> None:
    """An AutoGen AgentChat RoundRobinGroupChat of a weather agent (get_weather, reflect_on_tool_use) and a
    writer with no tool: `costs --group-by agent` and the live spend by agent charge the weather agent the
    two calls of its turn (the one asking for get_weather, the one quoting its result) and the writer its
    own call (offered no tool: the fake server's plain text answer), each with the fake server's tokens at
    genai-prices' price; the agent runtime's spans of the messages between them (``autogen process
    RoundRobinGroupChatManager_…``) are neither model calls nor agents, and the tool is the weather agent's
    call, inside its turn. In the error run only the writer's call is refused: it is the writer's and costs
    nothing, the weather agent's two calls still cost what they did."""
    rp = replays("autogen_team")
    for run in reported_runs(rp.manifest):
        agents = ["weather_agent" if c["kind"] in ("tool_call", "final") else "writer" for c in run["fake_calls"]]
        assert agents == ["weather_agent", "weather_agent", "writer"], agents
        _agents_charged(rp, "autogen_team", run, agents)
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(run_session(rp, run)) for s in t.spans.values()}
        parent = parent_in(spans)
        calls = [s for s in spans.values() if s.kind is SpanKind.LLM_CALL]
        assert [agent_of(s, parent) for s in sorted(calls, key=lambda s: s.start_ns)] == agents
        assert {s.name for s in spans.values() if s.kind is SpanKind.AGENT and s.agent is not None and s.agent.name} >= {
            "invoke_agent weather_agent", "invoke_agent writer"}
        assert not [s.name for s in spans.values() if s.name.startswith("autogen ") and s.kind is not SpanKind.CUSTOM]
        tools = [s for s in spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
        assert [(s.tool.name if s.tool else None, agent_of(s, parent)) for s in tools] == [("get_weather", "weather_agent")]


def test_each_agent_of_an_agent_framework_workflow_is_charged_its_own_model_calls(replays: Any) -> None:
    """A Microsoft Agent Framework workflow of two agent executors (weather-agent, then writer-agent, with no
    tool), OpenInference's processor adding its attributes to each of the framework's spans: every agent's
    ``invoke_agent`` span, which repeats its calls' summed usage under both conventions, is its AGENT span and
    no model call; `costs --group-by agent` and the live spend by agent charge the weather agent its two calls
    and the writer its own, each once, with the fake server's tokens at genai-prices' price; the workflow's
    own spans (its run, ``invoke_workflow weather-workflow`` since 1.26, ``workflow.run`` before;
    ``executor.process``, ``edge_group.process``, ``message.send``) are neither calls nor agents. The tool is the weather agent's. In the error run only the writer's call is refused: its
    agent span and the workflow's failed, the weather agent's calls still cost what they did."""
    name = "agent_framework_openinference_workflow"
    rp = replays(name)
    for run in reported_runs(rp.manifest):
        agents = ["weather-agent" if c["kind"] in ("tool_call", "final") else "writer-agent" for c in run["fake_calls"]]
        assert agents == ["weather-agent", "weather-agent", "writer-agent"], agents
        _agents_charged(rp, name, run, agents)
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(run_session(rp, run)) for s in t.spans.values()}
        parent = parent_in(spans)
        calls = sorted((s for s in spans.values() if s.kind is SpanKind.LLM_CALL), key=lambda s: s.start_ns)
        assert [agent_of(s, parent) for s in calls] == agents
        agent_spans = {s.agent.name: s for s in spans.values() if s.kind is SpanKind.AGENT and s.agent is not None}
        assert set(agent_spans) == {"weather-agent", "writer-agent"}
        # Its calls' sum, shown for the agent's subtree and not counted again (none on the refused writer's).
        assert sorted(a for a, s in agent_spans.items() if s.usage is not None and s.usage.scope == "subtree") == (
            ["weather-agent", "writer-agent"] if run["mode"] == "ok" else ["weather-agent"])
        workflow = [s for s in spans.values() if s.name.split(" ")[0] in (
            "invoke_workflow", "workflow.build", "executor.process", "edge_group.process", "message.send")]
        assert "invoke_workflow weather-workflow" in {s.name for s in workflow}
        assert not [s.name for s in workflow if s.kind in (SpanKind.LLM_CALL, SpanKind.AGENT)]
        tools = [s for s in spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
        assert [(s.tool.name if s.tool else None, agent_of(s, parent)) for s in tools] == [("get_weather", "weather-agent")]
        failed = {s.name for s in spans.values() if s.status is Status.ERROR}
        assert failed == (set() if run["mode"] == "ok" else {
            "invoke_workflow weather-workflow", "executor.process writer-agent", "invoke_agent writer-agent",
            "chat gpt-4o-mini"}), failed


def test_ag2_traced_by_openinference_shows_what_ag2s_own_tracing_shows(replays: Any) -> None:
    """The same weather question asked of AG2 traced by its own TelemetryMiddleware (AG2 1.x, `ag2`) and by
    OpenInference (AG2 0.14's ConversableAgents, `ag2_openinference`: a user proxy runs the tool the weather
    agent's model asked for) reads the same where both say the same: each model call once, the weather
    agent's, with the fake server's tokens at genai-prices' price (a refused one nothing) and its model, the
    get_weather call with its arguments and its result's text, the answer quoted, the framework ag2. Only
    OpenInference names the user proxy (the chat's starter and the tool's runner) and the model a refused
    call asked for (AG2 1.x's failed call names none)."""
    seen: dict[str, dict[str, Any]] = {}
    for name in ("ag2", "ag2_openinference"):
        rp = replays(name)
        for run in reported_runs(rp.manifest):
            sid = run_session(rp, run)
            rows = {r["agent"]: (r["input_tokens"], r["output_tokens"], r["cache_read_tokens"], r["cost_usd"])
                    for r in cli_json(rp.db, "costs", "--group-by", "agent", "--session", sid)["rows"]}
            spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(sid) for s in t.spans.values()}
            parent = parent_in(spans)
            calls = sorted((s for s in spans.values() if s.kind is SpanKind.LLM_CALL), key=lambda s: s.start_ns)
            tools = [s for s in spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
            seen.setdefault(run["label"], {})[name] = {
                "calls": [(agent_of(s, parent), s.status, s.usage.input if counted(s) else None,
                           s.llm.response_preview if s.llm else None) for s in calls],
                "models": [s.llm.model if s.llm else None for s in calls if s.status is Status.OK],
                "tools": [(s.tool.name, s.tool.input_preview, s.tool.output_preview) for s in tools if s.tool],
                "agents": {s.agent.name for s in spans.values() if s.kind is SpanKind.AGENT and s.agent},
                "framework": rp.store.sessions[sid].session.framework,
                "tool_agents": [agent_of(s, parent) for s in tools],
                "charged": rows.pop("weather_agent"), "others": rows,
                "live": [(a, b.input_tokens, b.output_tokens, b.cache_read, b.cost) for a, b in rp.store.agent_costs(sid)[0]],
            }
    for label, by in seen.items():
        own, oi = by["ag2"], by["ag2_openinference"]
        for key in ("calls", "models", "tools", "framework", "charged", "live"):
            assert own[key] == oi[key], (label, key, own[key], oi[key])
        assert own["agents"] == {"weather_agent"} and oi["agents"] == {"weather_agent", "user_proxy"}, label
        # The user proxy ran spans (the chat, its reply, the tool) and spent nothing.
        assert (own["others"], oi["others"]) == ({}, {"user_proxy": (0, 0, 0, 0)}), label
        assert (own["tool_agents"], oi["tool_agents"]) == ((["weather_agent"], ["user_proxy"]) if own["tools"] else ([], []))
    assert seen["ok"]["ag2"]["tools"] == [("get_weather", '{"city": "Paris"}', "Sunny, 22 C in Paris")]
    assert seen["ok"]["ag2"]["models"] == ["gpt-4o-mini", "gpt-4o-mini"]
    served = [(c, expected_usage(c, CLIENTS["ag2_openinference"]))
              for r in replays("ag2_openinference").manifest["runs"] if r["label"] == "ok" for c in r["fake_calls"]]
    assert seen["ok"]["ag2"]["charged"] == (
        *(sum(u[k] for _c, u in served) for k in ("input", "output", "cache_read")),
        pytest.approx(sum(_genai_price(c["model"], u, int(c["time"] * 1e9)) for c, u in served)))
    assert seen["error"]["ag2"]["charged"] == (0, 0, 0, 0)


def test_a_langgraph_supervisors_calls_and_its_agents_are_told_apart(replays: Any) -> None:
    """A langgraph-supervisor supervisor hands the question to its weather_agent: each model call is
    charged to the agent whose graph ran it (`costs --group-by agent`: the supervisor's are the calls
    offered the handoff tool, the weather agent's the others), with the fake server's tokens and
    genai-prices' price; the handoff is a call of the transfer_to_weather_agent tool, not an agent.
    In the error run the weather agent's refused call is its own and costs nothing."""
    rp = replays("langgraph_supervisor")
    for run in reported_runs(rp.manifest):
        # The supervisor asks for the handoff and answers after the hand-back; the weather agent asks for
        # get_weather (refused in the error run: only requests offering it) and answers with its result.
        agents, before = [], {}
        for call in run["fake_calls"]:
            agents.append("weather_agent" if (call["status"] != 200 or call.get("tool_name") == "get_weather"
                                              or before.get("tool_name") == "get_weather") else "supervisor")
            before = call
        assert set(agents) == {"supervisor", "weather_agent"}, agents
        _agents_charged(rp, "langgraph_supervisor", run, agents)
        sid = run_session(rp, run)
        spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
        handoff = [s for s in spans if s.name == "transfer_to_weather_agent"]
        assert len(handoff) == 1 and handoff[0].kind is SpanKind.TOOL_EXECUTION, handoff
        assert handoff[0].tool is not None and handoff[0].tool.name == "transfer_to_weather_agent"


@pytest.mark.parametrize(("name", "provider"), [("langchain", "openai"), ("langgraph_js", "openai"),
                                              ("langchain_js_openinference", "openai"),
                                              ("langchain_anthropic_openinference", "anthropic"),
                                              ("langgraph_js_anthropic", "anthropic")])
def test_a_langchain_model_call_names_its_provider_in_python_and_javascript(name: str, provider: str,
                                                                          replays: Any) -> None:
    """OpenInference's LangChain instrumentation for Python names a call's provider (``llm.provider``), its
    JavaScript twin only in LangChain's run metadata (``ls_provider``): every model call of either, a
    refused one too, is its chat model's provider's, what a ``provider:`` filter finds."""
    rp = replays(name)
    for run in reported_runs(rp.manifest):
        spans = llm_spans(rp.store, run_session(rp, run))
        assert spans and [s.llm.provider for s in spans] == [provider] * len(spans), [s.name for s in spans]
        assert all(parse_filter(f"provider:{provider}").matches(s) for s in spans)


@pytest.mark.parametrize("name", ["agno_team", "agno_team_openllmetry"])
def test_an_agno_teams_leader_and_members_are_each_charged_their_own_model_calls(name: str, replays: Any) -> None:
    """An Agno Team's leader delegates to its weather agent, then to its writer agent, by its
    ``delegate_task_to_member`` tool, inside whose span each member's run is reported: `costs --group-by
    agent` (and the live spend by agent) charges the leader its own calls (each delegation and its last
    answer), each member the calls between its delegation and the leader's next one, with the fake
    server's tokens and genai-prices' price, each call once (the delegation tool's span carries no usage).
    Every tool is a tool call of the agent that asked for it. In the error run the weather agent's refused
    call is its own and costs nothing; the leader and the writer still cost what they did."""
    rp = replays(name)
    members = {"weather-agent": "Weather Agent", "writer-agent": "Writer Agent"}
    delegations = [members[a["member_id"]] for a in rp.manifest["fakellm_tool_answers"]["delegate_task_to_member"]]
    for run in reported_runs(rp.manifest):
        calls, agents, member = run["fake_calls"], [], iter(delegations)
        current = "Weather Team"
        for i, call in enumerate(calls):
            leaders = call.get("tool_name") == "delegate_task_to_member" or i == len(calls) - 1
            agents.append("Weather Team" if leaders else current)
            if call.get("tool_name") == "delegate_task_to_member":
                current = next(member)
        assert agents.count("Weather Team") == 3 and set(agents) == {"Weather Team", *delegations}, agents
        _agents_charged(rp, name, run, agents)
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(run_session(rp, run)) for s in t.spans.values()}
        parent = parent_in(spans)
        assert sorted(s.agent.name for s in spans.values() if s.kind is SpanKind.AGENT and s.agent is not None) == [
            "Weather Agent", "Weather Team", "Writer Agent"]
        tools = Counter((s.tool.name, agent_of(s, parent)) for s in spans.values()
                        if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None)
        want = Counter({("delegate_task_to_member", "Weather Team"): 2})
        assert tools == (want + Counter({("get_weather", "Weather Agent"): 1}) if run["mode"] == "ok" else want), tools
        assert all(s.usage is None for s in spans.values() if s.kind is SpanKind.TOOL_EXECUTION)
        # Each tool is charged to its own agent's calls: a delegation to the leader's call that asked for it
        # and the leader's next call (not the member's calls inside it), get_weather to the weather agent's two.
        tokens = [sum(expected_usage(c, CLIENTS[name])[k] for k in ("input", "output")) if c["status"] == 200
                  else 0 for c in calls]
        leader = [i for i, a in enumerate(agents) if a == "Weather Team"]
        want_rows = {"delegate_task_to_member": (sum(tokens[i] for i in leader[:-1]), sum(tokens[i] for i in leader[1:]))}
        if run["mode"] == "ok":
            (ask,) = [i for i, c in enumerate(calls) if c.get("tool_name") == "get_weather"]
            want_rows["get_weather"] = (tokens[ask], tokens[ask + 1])
        rows = {r.name: (r.decided_tokens, r.consumed_tokens) for r in rp.store.tool_costs(run_session(rp, run)) if r.calls}
        assert rows == want_rows, (run["label"], rows)
        # The providers are the model calls' (OpenAI's): the framework naming its own runs (OpenLLMetry's
        # agent and team spans say gen_ai.system "agno") is no provider's row.
        totals = rp.store.sessions[run_session(rp, run)].totals
        assert [key for key, _b in totals.breakdown("provider")] == ["openai"], run["label"]


@pytest.mark.parametrize("name", ["deepagents", "deepagents_langsmith"])
def test_a_deep_agents_sub_agent_is_charged_its_own_model_calls(name: str, replays: Any) -> None:
    """A Deep Agent (deepagents) named trip-planner plans (write_todos), calls get_weather, then hands a
    task to its travel-advisor sub-agent through the task tool, inside whose span the sub-agent's graph
    runs: `costs --group-by agent` charges the sub-agent's model calls to it alone (the task tool's span
    carries no usage: each call once), the main agent's to it, with the fake server's tokens and
    genai-prices' price; the middleware hooks OpenInference marks as agents (``*.before_agent``) are
    steps, no agents. Every tool is a tool call of the agent that asked for it. In the error run the
    sub-agent's refused call is its own and costs nothing; the main agent's three calls still cost.
    OpenInference sends the agent's name in each span's run metadata (JSON), LangSmith's export as an
    attribute of its own (``langsmith.metadata.lc_agent_name``)."""
    rp = replays(name)
    for run in reported_runs(rp.manifest):
        calls = run["fake_calls"]
        handoff = next(i for i, c in enumerate(calls) if c.get("tool_name") == "task")
        last_is_main = run["mode"] == "ok"  # the main agent answers last with the sub-agent's result
        agents = ["trip-planner" if i <= handoff or (last_is_main and i == len(calls) - 1) else "travel-advisor"
                  for i in range(len(calls))]
        assert agents.count("travel-advisor") == (2 if run["mode"] == "ok" else 1), agents
        _agents_charged(rp, name, run, agents)
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(run_session(rp, run)) for s in t.spans.values()}
        parent = parent_in(spans)
        agent_spans = [s for s in spans.values() if s.kind is SpanKind.AGENT]
        assert sorted(s.name for s in agent_spans) == ["travel-advisor", "trip-planner"]
        tools = {s.tool.name: agent_of(s, parent) for s in spans.values()
                 if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None}
        want = {"write_todos": "trip-planner", "get_weather": "trip-planner", "task": "trip-planner"}
        assert tools == (want | {"ls": "travel-advisor"} if run["mode"] == "ok" else want), tools
        (task,) = [s for s in spans.values() if s.kind is SpanKind.TOOL_EXECUTION and s.name == "task"]
        assert task.usage is None
        (sub,) = [s for s in agent_spans if s.name == "travel-advisor"]
        assert parent(sub) is task  # the sub-agent's graph runs inside the task tool's span


def test_each_agent_of_a_crew_is_charged_its_own_calls_and_tool(replays: Any) -> None:
    """A CrewAI crew of two agents, each with its own task, run one after the other: the researcher
    asks for get_weather and answers from its result, the writer (no tool) writes from that answer.
    `costs --group-by agent` and the live spend by agent charge each model call to the agent that made
    it, with the fake server's tokens and genai-prices' price; the crew's span above both is no
    agent's. The tool call is the researcher's, decided and consumed by its calls alone (not the
    writer's, which comes after it). In the error run the writer's refused calls (CrewAI asks three
    times) are its own and cost nothing; the researcher's still cost what they did."""
    rp = replays("crewai_crew")
    researcher, writer = "Weather researcher", "Weather writer"
    for run in reported_runs(rp.manifest):
        calls = run["fake_calls"]
        # The research task runs first: its call of get_weather, then its answer reading the tool's result.
        assert [c["kind"] for c in calls[:2]] == ["tool_call", "final"], calls
        _agents_charged(rp, "crewai_crew", run, [researcher] * 2 + [writer] * (len(calls) - 2))
        sid = run_session(rp, run)
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(sid) for s in t.spans.values()}
        parent = parent_in(spans)
        assert sorted(s.agent.name for s in spans.values()  # type: ignore[union-attr]
                      if s.kind is SpanKind.AGENT) == [researcher, writer]
        (tool,) = [s for s in spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
        assert tool.tool is not None and tool.tool.name == "get_weather" and agent_of(tool, parent) == researcher
        (row,) = [r for r in rp.store.tool_costs(sid) if r.calls]
        decided, consumed = (expected_usage(c, CLIENTS["crewai_crew"]) for c in calls[:2])
        assert (row.name, row.calls, row.decided_calls, row.consumed_calls) == ("get_weather", 1, 1, 1)
        assert (row.decided_tokens, row.consumed_tokens) == (
            decided["input"] + decided["output"], consumed["input"] + consumed["output"])


CREW_RESEARCHER, CREW_WRITER = "Weather researcher", "Weather writer"


def _crew_delegation_agents(run: dict) -> list[str]:
    """The agent of each model call of a crewai_crew_delegation run, in order: the research task first
    (get_weather, its answer); then the writer's calls, and between its question and its next call the
    researcher's, answering the question (get_weather, then its answer)."""
    calls = run["fake_calls"]
    assert [c["kind"] for c in calls[:2]] == ["tool_call", "final"], calls
    agents, asked = [CREW_RESEARCHER, CREW_RESEARCHER], False
    for c in calls[2:]:
        if c.get("tool_name") == "ask_question_to_coworker":
            agents.append(CREW_WRITER)
            asked = True
        elif asked:
            agents.append(CREW_RESEARCHER)
            asked = c["kind"] != "final"
        else:
            agents.append(CREW_WRITER)
    return agents


def test_a_crew_agents_delegated_question_is_charged_to_the_coworker_that_answered_it(replays: Any) -> None:
    """The CrewAI crew with the writer allowed to delegate: its first call asks the researcher a question
    (``Ask question to coworker``), which CrewAI runs inside that tool call's span with no agent span of its
    own, the researcher named only by the tool's ``coworker`` argument. `costs --group-by agent` and the live
    spend by agent charge the two calls the researcher makes there (its get_weather call, its answer) to the
    researcher, not to the writer whose tool call holds them, with the fake server's tokens and genai-prices'
    price; the delegation stays the writer's tool call, the get_weather call inside it the researcher's. In
    the error run the writer's refused calls come before it asks anything: as crewai_crew's."""
    rp = replays("crewai_crew_delegation")
    researcher, writer = CREW_RESEARCHER, CREW_WRITER
    (question,) = rp.manifest["fakellm_tool_answers"]["ask_question_to_coworker"]
    assert question["coworker"] == researcher
    for run in reported_runs(rp.manifest):
        agents = _crew_delegation_agents(run)
        if run["mode"] == "ok":
            assert agents == [researcher, researcher, writer, researcher, researcher, writer], run["fake_calls"]
        _agents_charged(rp, "crewai_crew_delegation", run, agents)
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(run_session(rp, run)) for s in t.spans.values()}
        parent = parent_in(spans)
        tools = Counter((s.tool.name, agent_of(s, parent)) for s in spans.values()
                        if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None)
        if run["mode"] == "ok":
            assert tools == Counter({("get_weather", researcher): 2, ("Ask question to coworker", writer): 1}), tools
            (ask,) = [s for s in spans.values() if s.name == "Ask question to coworker.run"]
            assert ask.attributes[RUNS_AGENT_ATTR] == researcher and ask.usage is None
            assert agent_of(ask, parent) == writer and agent_of(ask, parent, below=True) == researcher
            rows = {r.name: r.calls for r in rp.store.tool_costs(run_session(rp, run)) if r.calls}
            assert rows == {"get_weather": 2, "Ask question to coworker": 1}, rows
        else:
            assert tools == Counter({("get_weather", researcher): 1}), tools


def test_a_coworker_named_in_the_models_own_case_is_charged_as_the_agent_crewai_runs(tmp_path: Path) -> None:
    """CrewAI finds the coworker a model names ignoring case, runs of whitespace and double quotes (``[a, b]``:
    the first): the delegation recording with its question to ``Weather researcher`` addressed to
    ``"weather   RESEARCHER"`` instead charges the researcher's calls inside it to the researcher's own row,
    written as its agent span writes it (not a row of their own), in `costs --group-by agent` and the live
    rows alike, with the fake server's tokens at genai-prices' price; the span keeps the model's words."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    asked_as = '["weather   RESEARCHER", Weather writer]'
    rewritten = 0

    def rewrite(body: bytes) -> bytes:
        nonlocal rewritten
        req = ExportTraceServiceRequest.FromString(body)
        for sp in (sp for rs in req.resource_spans for ss in rs.scope_spans for sp in ss.spans):
            for kv in sp.attributes:
                if sp.name == "Ask question to coworker.run" and kv.key == "input.value":
                    arguments = json.loads(kv.value.string_value)
                    assert arguments["coworker"] == CREW_RESEARCHER
                    kv.value.string_value = json.dumps({**arguments, "coworker": asked_as})
                    rewritten += 1
        return req.SerializeToString()

    rp = asyncio.run(_replay("crewai_crew_delegation", tmp_path / "asked.db", rewrite=rewrite))
    assert rewritten == 1  # the ok run's one question
    for run in reported_runs(rp.manifest):
        _agents_charged(rp, "crewai_crew_delegation", run, _crew_delegation_agents(run))
        asks = [s for t in rp.store.traces_of(run_session(rp, run)) for s in t.spans.values()
                if s.name == "Ask question to coworker.run"]
        assert [s.attributes[RUNS_AGENT_ATTR] for s in asks] == (["weather RESEARCHER"] if run["mode"] == "ok" else [])


def test_a_smolagents_managed_agent_is_charged_its_own_model_calls(replays: Any) -> None:
    """A smolagents manager (gpt-4.1-mini) hands the question to its managed weather_agent (gpt-4o-mini),
    which runs inside the manager's step as an agent span of its own (``weather_agent.run``, no tool span):
    `costs --group-by agent` and the live spend by agent charge each model call to the agent that made it,
    with the fake server's tokens at genai-prices' price of its model; each agent's run span carries the sum
    of its own calls, shown for its subtree and not added, so the sub-agent's calls count once, inside the
    manager's run. In the error run the sub-agent's refused call fails its run, whose span OpenInference's
    instrumentor never ends (never sent): the refused calls are failed calls of no agent, costing nothing,
    and the manager's three answered calls (two asking for the sub-agent, its last answer) its own."""
    name = "smolagents_managed"
    rp = replays(name)
    for run in reported_runs(rp.manifest):
        answered = [c for c in run["fake_calls"] if c["status"] == 200]
        agents = ["manager" if c["model"] == "gpt-4.1-mini" else "weather_agent" for c in answered]
        _agents_charged(rp, name, {**run, "fake_calls": answered}, agents)
        sid = run_session(rp, run)
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(sid) for s in t.spans.values()}
        parent = parent_in(spans)
        runs = {s.agent.name: s for s in spans.values() if s.kind is SpanKind.AGENT and s.agent is not None}
        assert not [s for s in spans.values() if s.kind is SpanKind.TOOL_EXECUTION
                    and s.tool is not None and s.tool.name == "weather_agent"]
        calls = [s for s in spans.values() if s.kind is SpanKind.LLM_CALL]
        if run["mode"] == "ok":
            assert sorted(runs) == ["manager", "weather_agent"]
            above = parent(runs["weather_agent"])
            while above is not None and above is not runs["manager"]:
                above = parent(above)
            assert above is runs["manager"]  # the managed agent runs inside the manager's run
            for agent, span in runs.items():
                own = [c for c in calls if agent_of(c, parent) == agent]
                assert len(own) == agents.count(agent) == 2 and all(counted(c) for c in own)
                assert span.usage is not None and span.usage.scope == "subtree"
                assert (span.usage.input, span.usage.output) == (
                    sum(c.usage.input for c in own), sum(c.usage.output for c in own))  # type: ignore[union-attr]
        else:
            assert sorted(runs) == ["manager"]  # the sub-agent's failed run is never sent
            refused = [c for c in calls if failed_call(c)]
            assert len(refused) == len(run["fake_calls"]) - len(answered) == 2
            assert all(agent_of(c, parent) is None for c in refused)
            assert agents == ["manager"] * 3


@pytest.mark.parametrize("name", ["griptape", "griptape_openinference"])
def test_a_griptape_agents_run_is_its_agent_its_calls_and_its_tool(name: str, replays: Any) -> None:
    """Griptape's own observability driver names its tracer after the application and each span after the
    method it observes: the session is Griptape's, the structure's ``Agent.run()`` the agent ``Agent`` (a
    structure has no name), its ``before_run()``/``after_run()`` internal steps, each prompt driver's
    ``run()`` one model call of the agent's (its ``try_run()`` inside the same call, and OpenInference's
    span of the OpenAI request inside that, with the fake server's tokens), the tool's ``try_run()`` one call
    of the tool named after its class (``WeatherTool``, not the activity the model called,
    ``WeatherTool_get_weather``), with no arguments or result (the driver sends none). Alone, the driver
    sends no model or tokens: the calls are shown, their cost unknown; with OpenInference's instrumentation
    beside it, `costs --group-by agent` charges the agent genai-prices' price of the served tokens."""
    rp, client = replays(name), CLIENTS[name]
    for run in reported_runs(rp.manifest):
        sid = run_session(rp, run)
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(sid) for s in t.spans.values()}
        parent = parent_in(spans)
        agents = [s for s in spans.values() if s.kind is SpanKind.AGENT]
        assert [(s.name, s.agent.name if s.agent else None) for s in agents] == [("Agent.run()", "Agent")]
        steps = sorted(s.name for s in spans.values() if s.attributes.get(INTERNAL_ATTR))
        assert steps == ["Agent.after_run()", "Agent.before_run()"]
        calls = [s for s in spans.values() if s.kind is SpanKind.LLM_CALL]
        assert len(calls) == len(run["fake_calls"]) and {s.name for s in calls} == {"OpenAiChatPromptDriver.run()"}
        assert all(agent_of(c, parent) == "Agent" for c in calls)
        tools = [s for s in spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
        asked = [c for c in ok_calls(run, reported=False) if c.get("tool_call_id")]
        assert [(t.tool.name, t.tool.input_preview, t.tool.output_preview) for t in tools if t.tool] == [
            ("WeatherTool", None, None)] * len(asked)
        assert all(c["tool_name"] == "WeatherTool_get_weather" for c in asked)
        if client.usage_dropped:  # Griptape's driver alone: no model, no tokens, cost unknown
            assert not any(counted(c) or c.llm for c in calls)
            assert rp.store.sessions[sid].totals.cost_unknown == len(ok_calls(run, reported=False))
        else:
            _agents_charged(rp, name, run, ["Agent"] * len(run["fake_calls"]))


def test_a_burr_applications_run_and_actions_are_its_steps_and_each_call_is_in_its_action(replays: Any) -> None:
    """Burr's OpenTelemetry bridge traces the application's ``run()`` and each action it runs, named after
    the action, with nothing on them: the session is Burr's, the run and the actions are steps (tasks), none
    a tool call (``select_tool`` calls the model; the action named after the tool says nothing of being one),
    and each model call is OpenLLMetry's span inside the action that made it. In the error run the refused
    call and its action fail; the run's span stays OK (Burr ends it with no exception)."""
    rp = replays("burr")
    for run in reported_runs(rp.manifest):
        sid = run_session(rp, run)
        assert rp.store.sessions[sid].session.framework == "burr"
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(sid) for s in t.spans.values()}
        parent = parent_in(spans)
        steps = {s.name: s for s in spans.values() if s.kind is SpanKind.TASK}
        answered = len(ok_calls(run))
        want = ["run", "select_tool", "get_weather", "format_results"] if answered else ["run", "select_tool"]
        assert sorted(steps) == sorted(want) and len(steps) == len(spans) - len(run["fake_calls"])
        assert all(parent(steps[name]) is steps["run"] for name in want[1:])
        calls = [s for s in spans.values() if s.kind is SpanKind.LLM_CALL]
        assert [parent(c).name for c in sorted(calls, key=lambda c: c.start_ns)] == (  # type: ignore[union-attr]
            ["select_tool", "format_results"] if answered else ["select_tool"])
        assert not any(s.kind in (SpanKind.TOOL_EXECUTION, SpanKind.AGENT) for s in spans.values())
        if not answered:
            assert (steps["select_tool"].status, steps["run"].status) == (Status.ERROR, Status.OK)


def test_an_agentscope_agents_reply_is_its_agent_its_calls_and_its_tools_text(replays: Any) -> None:
    """AgentScope's TracingMiddleware: each reply an ``invoke_agent`` span (the agent), each model call a
    ``chat`` span inside it and each tool call an ``execute_tool`` span beside them. The tool's result is
    AgentScope's ``ToolResponse``, the next call's prompt holds it as a list of AgentScope's text blocks: both
    show the text the tool answered, the one the fake LLM's final answer quotes. In the error run the refused
    call and the agent's span fail."""
    rp = replays("agentscope")
    for run in reported_runs(rp.manifest):
        sid = run_session(rp, run)
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(sid) for s in t.spans.values()}
        parent = parent_in(spans)
        (agent,) = [s for s in spans.values() if s.kind is SpanKind.AGENT]
        assert agent.agent is not None and agent.agent.name == "weather_agent"
        calls = sorted((s for s in spans.values() if s.kind is SpanKind.LLM_CALL), key=lambda s: s.start_ns)
        assert len(calls) == len(run["fake_calls"]) and all(parent(c) is agent for c in calls)
        if not ok_calls(run):
            assert (calls[0].status, agent.status) == (Status.ERROR, Status.ERROR)
            continue
        said = run["stdout_tail"].split("The tool said: ", 1)[1].strip()
        (tool,) = [s for s in spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
        assert parent(tool) is agent and tool.tool is not None
        assert (tool.tool.name, tool.tool.output_preview) == ("get_weather", said)
        assert calls[1].llm is not None and calls[1].llm.prompt_preview.endswith(f"[tool result {said}]")


def test_claude_code_on_bedrock_counts_and_costs_what_the_cli_does(replays: Any) -> None:
    """Claude Code on Amazon Bedrock names the provider ``aws.bedrock`` on its spans, counts each call's
    input with the cache reads and writes in, and prices each call itself (``cost_usd``): the session is
    claude-code's, and its tokens and cost are the CLI's own summary's (the calls as counted once, at
    genai-prices' AWS Bedrock price: test_cost_equals_genai_prices)."""
    rp = replays("claude-code-bedrock")
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    sid = run_session(rp, run)
    summary = rp.manifest["cli_results"][run["label"]]
    ((model, used),) = summary["modelUsage"].items()
    session = rp.store.sessions[sid]
    assert session.session.framework == "claude-code"
    assert {s.llm.model for s in llm_spans(rp.store, sid)} == {model}
    cached = used["cacheReadInputTokens"] + used["cacheCreationInputTokens"]
    t = session.totals
    assert (t.input_tokens, t.output_tokens, t.cache_read, t.cache_write) == (
        used["inputTokens"] + cached, used["outputTokens"], used["cacheReadInputTokens"], used["cacheCreationInputTokens"])
    assert t.cost == pytest.approx(summary["total_cost_usd"], rel=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_each_call_counted_once_with_the_fake_servers_tokens(name: str, replays: Any) -> None:
    rp, client = replays(name), CLIENTS[name]
    for run in reported_runs(rp.manifest):
        calls = reported_calls(run, client)
        if not calls:
            continue
        sid = run_session(rp, run)
        spans = [s for s in llm_spans(rp.store, sid) if counted(s)]
        own = own_counted_streams(rp, sid, run, client)
        exp = [expected_usage(c, client) for c in calls] + [
            usage_of(s) for s in [*self_counted(rp, sid, run, client), *own]]
        want = Counter(tuple(sorted(e.items())) for e in exp)
        got = Counter(tuple(sorted(usage_of(s).items())) for s in spans)
        assert got == want, f"run {run['label']!r}: tokens per call {got} != fake server {want}"
        totals = rp.store.sessions[sid].totals
        est = estimated_usages(rp.store, sid)
        assert (totals.input_tokens, totals.output_tokens, totals.cache_read, totals.cache_write) == (
            sum(e["input"] for e in exp) + sum(u.input for u in est), sum(e["output"] for e in exp) + sum(u.output for u in est),
            sum(e["cache_read"] for e in exp), sum(e["cache_write"] for e in exp))
        usageless = len(usageless_calls(run))
        failed = len(refused_calls(run, client))
        assert totals.llm_calls == len(calls) + len(own) + usageless + failed, (
            f"{totals.llm_calls} LLM calls for {len(calls)} + {len(own)} + {usageless} + {failed} refused")
        assert totals.estimated == (usageless if client.text and not client.counts_usageless else 0), (
            "estimated where usage was reported")
        assert totals.cost_unknown == (0 if client.text or client.counts_usageless else usageless), (
            "a call without usage is not $?")


@pytest.mark.parametrize(("name", "subagent"), [("claude-code-subagent", "greeter"),
                                               ("claude-code-subagent-mcp", "forecaster")])
def test_a_claude_code_sub_agents_calls_are_its_own_under_its_agent_tool_call(
        name: str, subagent: str, replays: Any) -> None:
    """The main conversation's first and last calls are its own; the calls between are the sub-agent's
    (answered in the ok run, refused in the error run): each under the one Agent tool call, named as the
    sub-agent the Agent tool's input asked for (the recorder's ``subagent_type``), counted once, and no call
    of the main conversation named so; so is the sub-agent's own tool call (Read, or an MCP server's tool)."""
    rp = replays(name)
    for run in rp.manifest["runs"]:
        sid = run_session(rp, run)
        spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
        by_id = {s.span_id: s for s in spans}
        tools = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None]
        (agent_tool,) = [t for t in tools if t.tool.name == "Agent"]  # type: ignore[union-attr]
        assert agent_tool.agent is not None and agent_tool.agent.name == subagent
        for tool in tools:  # the sub-agent's own: named as it, under the Agent tool call
            if tool is not agent_tool:
                assert tool.agent is not None and tool.agent.name == subagent, tool.tool
                assert tool.parent_span_id is not None and by_id[tool.parent_span_id].parent_span_id == agent_tool.span_id
        calls = {s.attributes.get("gen_ai.response.id") or s.attributes.get("request_id"): s
                 for s in spans if s.kind is SpanKind.LLM_CALL}
        main, sub = [run["fake_calls"][0], run["fake_calls"][-1]], run["fake_calls"][1:-1]
        for call in main:
            span = calls[call["request_id"]]
            assert span.agent is None and span.parent_span_id not in {agent_tool.span_id} and counted(span)
        # The CLI reports a refused request it re-sent once, with the last attempt's request id.
        reported = [c for c in sub if c["request_id"] in calls]
        assert reported and all(c["status"] == 200 for c in reported) == (run["label"] == "ok")
        for call in reported:
            span, up = calls[call["request_id"]], calls[call["request_id"]]
            assert span.agent is not None and span.agent.name == subagent
            while up.parent_span_id in by_id and up.span_id != agent_tool.span_id:
                up = by_id[up.parent_span_id]
            assert up.span_id == agent_tool.span_id, f"{call['request_id']} is not under the Agent tool call"
            assert counted(span) == (call["status"] == 200)


@pytest.mark.parametrize("order", list(ORDERS))
def test_a_claude_code_sub_agents_mcp_tool_call_is_one_call_with_its_arguments_and_result(
        order: str, tmp_path: Path) -> None:
    """A Claude Code sub-agent (``forecaster``, the Agent tool) calling a tool on an MCP server of its own:
    the run is one session and the turn one trace, the sub-agent's calls and its tool call in it, under the
    Agent tool call. The tool call is one call, whichever of its ``tool_result`` event and its
    ``claude_code.tool`` span comes first, named as the model called it (``mcp__<server>__<tool>``) with
    its call id, the arguments it was called with (``tool_input``, with tool details) and the result the
    sub-agent was given (the span's ``tool.output`` event, with ``OTEL_LOG_TOOL_CONTENT``: the weather
    server's answer as the CLI hands it to the model, its structured content). Each model call once with the fake server's tokens, the session at
    genai-prices' price; `costs --group-by agent` charges the sub-agent's calls to it, the rest to no agent."""
    name = "claude-code-subagent-mcp"
    rp, client = asyncio.run(_replay(name, tmp_path / "mcp.db", order)), CLIENTS[name]
    for run in rp.manifest["runs"]:
        sid = run_session(rp, run)
        turns = [t for t in rp.store.traces_of(sid) if any(s.kind is SpanKind.LLM_CALL for s in t.spans.values())]
        assert len(turns) == 1, [t.trace_id for t in turns]
        spans = list(turns[0].spans.values())
        by_id = {s.span_id: s for s in spans}
        assert sum(1 for s in spans if s.kind is SpanKind.LLM_CALL and counted(s)) == len(ok_calls(run))
        calls_as_served(rp, run, sid, client)
        fake = run["fake_calls"]
        refused = run.get("refuse_system")
        # The main conversation's first call hands the task over and its last answers; the calls between are
        # the sub-agent's (the error run's refused request and the CLI's re-sends of it).
        _agents_charged(rp, name, run, ["(no agent)", *["forecaster"] * (len(fake) - 2), "(no agent)"])
        tools = {s.tool.name: s for s in spans if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None}
        if refused:
            assert set(tools) == {"Agent"} and tools["Agent"].status is Status.ERROR
            continue
        (asked,) = [c for c in fake if c.get("tool_name") == "mcp__weather__get_weather"]
        answered = fake[fake.index(asked) + 1]
        tool = tools[asked["tool_name"]]
        assert tool.tool is not None and (tool.tool.call_id, tool.tool.server) == (asked["tool_call_id"], "weather")
        assert (tool.tool.input_preview, tool.tool.output_preview, tool.status) == (
            '{"city":"Paris"}', '{"result":"Sunny, 22 C in Paris"}', Status.OK)
        assert answered["kind"] == "final" and tool.agent is not None and tool.agent.name == "forecaster"
        up: Any = tool
        while up is not None and up is not tools["Agent"]:
            up = by_id.get(up.parent_span_id or "")
        assert up is tools["Agent"], "the MCP tool call is not under the Agent tool call"
        assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [
            ("Agent", 1, 0), (asked["tool_name"], 1, 0)]


def test_an_opencode_sub_agents_calls_are_its_own_in_the_turns_session(replays: Any, tmp_path: Path) -> None:
    """OpenCode runs the sub-agent its ``task`` tool asks for (``subagent_type`` greeter) in a child
    session of its own, inside the turn's trace: the run is one session, OpenCode's own session id of
    the turn, never the child's (not even while the sub-agent runs), the sub-agent's spans keeping the
    child's id as sent. Its model calls (answered in the ok run, refused in the error run) are under the
    task tool call, counted once and charged to ``greeter`` in `costs --group-by agent` and the cost pane's
    spend by agent, with the fake server's tokens at genai-prices' price; OpenCode names no primary agent
    (``build``) on any span: the turn's own calls, its title call among them, are ``(no agent)``'s. The
    task tool call is the caller's, the sub-agent's ``read`` the sub-agent's."""
    rp = replays("opencode-subagent")
    seen: set[str] = set()
    asyncio.run(_replay("opencode-subagent", tmp_path / "live.db", watch=lambda store: seen.update(store.sessions)))
    for run in reported_runs(rp.manifest):
        sid = run_session(rp, run)
        spans = {(s.trace_id, s.span_id): s for t in rp.store.traces_of(sid) for s in t.spans.values()}
        parent = parent_in(spans)
        calls = [s for s in spans.values() if s.kind is SpanKind.LLM_CALL]
        named = {s.attributes.get("session.id") for s in calls}
        assert sid in named and len(named) == 2, named  # the turn's session and the sub-agent's own
        assert not seen & (named - {sid}), "the sub-agent's session was shown as a session of its own"
        (task,) = [s for s in spans.values() if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None
                   and s.tool.name == "task"]
        assert task.attributes[RUNS_AGENT_ATTR] == "greeter" and agent_of(task, parent) is None
        for tool in spans.values():
            if tool.kind is SpanKind.TOOL_EXECUTION and tool is not task:
                assert agent_of(tool, parent) == "greeter", tool.name
        fake = run["fake_calls"]
        handoff = next(i for i, c in enumerate(fake) if c.get("tool_name") == "task")
        sub = fake[handoff + 1:-1]  # the main agent answers last with the task's result
        assert len(sub) == (2 if run["mode"] == "ok" else 1)
        for call in calls:
            s: Any = call
            while s is not None and s is not task:
                s = parent(s)
            under = s is task
            assert under == (call.attributes.get("session.id") != sid) == (agent_of(call, parent) == "greeter")
        _agents_charged(rp, "opencode-subagent", run, ["greeter" if call in sub else "(no agent)" for call in fake])
        rows = {r["agent"] for r in cli_json(rp.db, "costs", "--group-by", "agent", "--session", sid)["rows"]}
        assert rows == {"greeter", "(no agent)"}, rows


@pytest.mark.parametrize("name", NAMES)
def test_model_and_tree(name: str, replays: Any) -> None:
    rp, client = replays(name), CLIENTS[name]
    for run in reported_runs(rp.manifest):
        calls = ok_calls(run)
        if not calls:
            continue
        sid = run_session(rp, run)
        for span in llm_spans(rp.store, sid):
            if failed_call(span):
                continue  # a refused call beside answered ones: OpenInference names no model for it
            assert span.llm is not None and span.llm.model, f"{span.name}: no model"
            assert not (span.llm.stop_reason or "").startswith("["), f"finish reason {span.llm.stop_reason!r}"
            assert "{" not in span.name, f"template as name: {span.name!r}"
            assert served_model(span, calls), f"{span.name}: model {span.llm.model}"
        traces = rp.store.traces_of(sid)
        for trace in traces:
            for span in trace.spans.values():
                # A model call is never nested in another model call (one call, one span).
                parent = trace.spans.get(span.parent_span_id) if span.parent_span_id else None
                if span.kind is SpanKind.LLM_CALL and parent is not None:
                    assert parent.kind is not SpanKind.LLM_CALL, f"{span.name} under {parent.name}"
        tools = [s for t in traces for s in t.spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
        # A tool the server asked for runs whether or not the client reported that call's usage.
        asked = [t for t in asked_tool_calls(run) if t["name"] not in client.agent_tools]
        if client.tools:
            assert len(tools) == len(asked) + len(client.unasked_tools), (
                f"{[t.name for t in tools]} for {len(asked)} tool calls + {client.unasked_tools}")
            assert not Counter(client.unasked_tools) - Counter(t.tool.name for t in tools if t.tool is not None)


@pytest.mark.parametrize("order", ["spans first", "logs first"])
@pytest.mark.parametrize("name", ["claude-code-traces", "claude-code-resume", "codex", "codex-json"])
def test_calls_reported_twice_merge_in_any_order(name: str, order: str, tmp_path: Path) -> None:
    """A call sent as a log event and as a span (separate requests) is one span, whichever comes first."""
    rp, client = asyncio.run(_replay(name, tmp_path / "order.db", order)), CLIENTS[name]
    for run in reported_runs(rp.manifest):
        calls = ok_calls(run)
        if not calls:
            continue
        spans = [s for s in llm_spans(rp.store, run_session(rp, run)) if counted(s)]
        want = Counter(tuple(sorted(expected_usage(c, client).items())) for c in calls)
        assert Counter(tuple(sorted(usage_of(s).items())) for s in spans) == want
        for span in spans:
            assert "agenttrace.merged_by" in span.attributes, f"{span.name}: not merged"
            assert span.llm is not None and span.llm.model == calls[0]["model"]
            assert "agenttrace.rebuilt_from" not in span.attributes


#: OpenInference's Codex instrumentation's exports (its session-file forwarder's), by the scope they name.
def _from_session_file(folder: Path, f: dict) -> bool:
    return f["signal"] == "traces" and b"openinference.instrumentation.codex" in read_body(folder / f["file"])


@pytest.mark.parametrize("session_file_first", [True, False])
def test_a_codex_turn_reported_by_codex_and_from_its_session_file_counts_each_call_once(
        session_file_first: bool, tmp_path: Path) -> None:
    """Codex's own telemetry and OpenInference's forwarder of its session file, both on: each model call
    and tool call of the turn once, with the fake server's tokens and the model asked for, whichever
    report comes first (the forwarder's calls name the session only on the turn's span, exported last)."""
    name = "codex_openinference_native"
    folder = FIXTURES / name
    manifest = json.loads((folder / "manifest.json").read_text())
    first = {f["file"] for f in manifest["files"] if _from_session_file(folder, f) == session_file_first}
    ORDERS["session file"] = lambda f: 0 if f["file"] in first else 1
    try:
        rp = asyncio.run(_replay(name, tmp_path / "order.db", "session file"))
    finally:
        del ORDERS["session file"]
    client = CLIENTS[name]
    run = next(r for r in manifest["runs"] if r["label"] == "ok")
    sid = run_session(rp, run)
    spans = [s for s in llm_spans(rp.store, sid) if counted(s)]
    want = Counter(tuple(sorted(expected_usage(c, client).items())) for c in ok_calls(run))
    assert Counter(tuple(sorted(usage_of(s).items())) for s in spans) == want
    for span in spans:
        assert span.attributes.get("agenttrace.merged_by") == "same turn's call, reported by Codex and from its session file"
        assert span.llm is not None and span.llm.model == run["fake_calls"][0]["model"]
    tools = [s for t in rp.store.traces_of(sid) for s in t.spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
    assert [(t.tool.name, t.tool.call_id) for t in tools if t.tool is not None] == [
        (c["tool_name"], c["tool_call_id"]) for c in ok_calls(run) if c.get("tool_call_id")]
    totals = {s["id"]: s for s in cli_json(rp.db, "sessions", "list", "--limit", "1000")}[sid]
    assert (totals["input_tokens"], totals["output_tokens"]) == (
        sum(c["usage_normalized"]["input"] for c in ok_calls(run)), sum(c["usage_normalized"]["output"] for c in ok_calls(run)))


#: OpenInference's Pipecat instrumentation's exports, by the scope they name (the others are Pipecat's own tracing's).
def _from_openinference_pipecat(folder: Path, f: dict) -> bool:
    return f["signal"] == "traces" and b"openinference.instrumentation.pipecat" in read_body(folder / f["file"])


@pytest.mark.parametrize("order", ["pipecat first", "openinference first", "span by span"])
def test_a_pipecat_call_reported_by_both_tracers_counts_once(order: str, tmp_path: Path) -> None:
    """Pipecat's own tracing and OpenInference's Pipecat instrumentation, both on: each model call once, with
    the fake server's tokens and the model asked for, kept where it was reported first, the other report a
    plain span naming it; whichever tracer's export comes first, and with each span exported alone (a call
    before the root naming the conversation: it waits in its service's session until then)."""
    name = "pipecat_both"
    folder = FIXTURES / name
    manifest = json.loads((folder / "manifest.json").read_text())
    if order == "span by span":
        rp = asyncio.run(_replay_span_by_span(name))
    else:
        first = {f["file"] for f in manifest["files"]
                 if _from_openinference_pipecat(folder, f) == (order == "openinference first")}
        ORDERS["tracer"] = lambda f: 0 if f["file"] in first else 1
        try:
            rp = asyncio.run(_replay(name, tmp_path / "order.db", "tracer"))
        finally:
            del ORDERS["tracer"]
    client = CLIENTS[name]
    run = next(r for r in manifest["runs"] if r["label"] == "ok")
    sid = "weather-ok"
    assert sid in rp.sessions["ok"]
    spans = [s for s in llm_spans(rp.store, sid) if counted(s)]
    want = Counter(tuple(sorted(expected_usage(c, client).items())) for c in ok_calls(run))
    assert Counter(tuple(sorted(usage_of(s).items())) for s in spans) == want
    for span in spans:
        assert span.attributes.get("agenttrace.merged_by") == "same call, reported by two tracers of one framework"
        assert span.llm is not None and span.llm.model == run["fake_calls"][0]["model"]
    folded = [s for t in rp.store.traces_of(sid) for s in t.spans.values() if "agenttrace.folded_into" in s.attributes]
    assert sorted(s.attributes["agenttrace.folded_into"] for s in folded) == sorted(s.span_id for s in spans)
    totals = rp.store.sessions[sid].totals
    assert totals.llm_calls == len(ok_calls(run))
    assert (totals.input_tokens, totals.output_tokens) == (
        sum(c["usage_normalized"]["input"] for c in ok_calls(run)), sum(c["usage_normalized"]["output"] for c in ok_calls(run)))


@pytest.mark.parametrize("order", ["spans first", "logs first"])
def test_gemini_cli_calls_count_what_its_events_account_in_any_order(order: str, tmp_path: Path) -> None:
    """Gemini CLI's spans leave cached and thinking tokens out; its api_response events have them.
    Each call is its span (times, name, place) with the event's tokens, whichever came first."""
    name = "gemini-cli"
    rp, client = asyncio.run(_replay(name, tmp_path / "order.db", order)), CLIENTS[name]
    folder = FIXTURES / name
    own = {s["spanId"]: s for f in rp.manifest["files"] if f["signal"] == "traces"
           for rs in json.loads(read_body(folder / f["file"]))["resourceSpans"]
           for ss in rs["scopeSpans"] for s in ss["spans"] if s["name"] == "llm_call"}
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    spans = llm_spans(rp.store, run_session(rp, run))
    assert sorted(s.span_id for s in spans) == sorted(own)
    want = Counter(tuple(sorted(expected_usage(c, client).items())) for c in ok_calls(run))
    assert Counter(tuple(sorted(usage_of(s).items())) for s in spans) == want
    assert sum(s.usage.reasoning for s in spans) > 0  # the thinking the spans left out
    # As the CLI's own summary counts them, model by model (its JSON output, in the manifest).
    by_model: dict[str, Counter[str]] = {}
    for s in spans:
        c = by_model.setdefault(s.llm.model, Counter())
        c.update(prompt=s.usage.input, answer=s.usage.output - s.usage.reasoning, thoughts=s.usage.reasoning,
                 cached=s.usage.cache_read)
    summary = rp.manifest["cli_results"][run["label"]]["stats"]["models"]
    assert by_model == {m: Counter(prompt=v["tokens"]["prompt"], answer=v["tokens"]["candidates"],
                                   thoughts=v["tokens"]["thoughts"], cached=v["tokens"]["cached"])
                        for m, v in summary.items()}
    for span in spans:
        sent = own[span.span_id]
        assert (span.name, span.start_ns, span.end_ns) == (
            "llm_call", int(sent["startTimeUnixNano"]), int(sent["endTimeUnixNano"]))
        assert span.attributes["agenttrace.usage_from"] == "gemini_cli.api_response"
        assert [e.name for e in span.events].count("gemini_cli.api_response") == 1


@pytest.mark.parametrize("name", ["opencode", "opencode-run"])
def test_opencode_runtime_is_kept_but_never_counted(name: str, replays: Any) -> None:
    """OpenCode exports its runtime (Effect: ``LLM.run``, ``ToolRegistry.register``, a file it
    probes and does not find as a failed ``FileSystem.readJson`` ...): kept as internal spans,
    never counted as model calls, tool calls or errors; the AI SDK's spans among them are."""
    rp = replays(name)
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    sid = run_session(rp, run)
    spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
    internal = [s for s in spans if s.attributes.get("agenttrace.internal")]
    assert len(internal) > 100 and all(s.kind is SpanKind.CUSTOM for s in internal)
    assert any(s.status is Status.ERROR for s in internal)  # the runtime's own failures are there, shown
    totals = rp.store.sessions[sid].totals
    assert totals.errors == 0 and totals.llm_calls == len(ok_calls(run))
    asked = [c for c in ok_calls(run) if c.get("tool_call_id")]
    assert [(r.name, r.calls) for r in rp.store.tool_costs(sid)] == [(asked[0]["tool_name"], len(asked))]
    listed = {s["id"]: s for s in cli_json(rp.db, "sessions", "list", "--limit", "1000")}
    assert listed[sid]["errors"] == 0 and listed[sid]["status"] != "error"


def test_kilo_code_runtime_counts_its_tool_call_and_failed_step(replays: Any) -> None:
    """Kilo Code sends OpenCode's runtime spans alone (its AI SDK telemetry is off): no model call.
    Its tool call is its ``Tool.execute`` (name, call id), counted once; a refused model call fails
    the step's ``SessionProcessor.incompleteAttempt``: one error in the run's session, with the
    API's message, beside the file probes its runtime reports as failed spans (not counted)."""
    rp = replays("kilo-code")
    runs = {r["label"]: r for r in reported_runs(rp.manifest)}
    ok, failed = run_session(rp, runs["ok"]), run_session(rp, runs["error"])
    assert ok != failed
    asked = [c for c in ok_calls(runs["ok"], reported=False) if c.get("tool_call_id")]
    assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(ok)] == [(asked[0]["tool_name"], 1, 0)]
    (tool,) = [s for t in rp.store.traces_of(ok) for s in t.spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None and tool.tool.call_id == asked[0]["tool_call_id"]
    assert rp.store.sessions[ok].totals.errors == 0 and rp.store.sessions[ok].totals.llm_calls == 0
    totals = rp.store.sessions[failed].totals
    assert (totals.errors, totals.llm_calls, totals.tokens) == (1, 0, 0)
    (step,) = [s for t in rp.store.traces_of(failed) for s in t.spans.values() if s.status is Status.ERROR
               and not s.attributes.get(INTERNAL_ATTR)]
    assert step.name == "SessionProcessor.incompleteAttempt" and "scripted error" in (step.status_message or "")


def test_droid_shows_its_calls_without_tokens_its_tool_and_its_session(replays: Any) -> None:
    """Droid (``OTEL_TELEMETRY_FORMAT=genai``) sends a ``chat`` span per model call with no token count: each
    call is shown once, by the custom model's id, none counted as reported; the one whose answer text it sent
    is estimated from that text alone (≈: its prompt is on the turn's span), the other has nothing to estimate,
    and neither is priced (the custom model's id names no model a price list knows: $?). Its
    ``Execute`` tool call is counted once with the call id the model gave, the session is Droid's own session
    id, and a refused call fails its call and its turn."""
    rp = replays("droid")
    runs = {r["label"]: r for r in reported_runs(rp.manifest)}
    ok, failed = run_session(rp, runs["ok"]), run_session(rp, runs["error"])
    served = ok_calls(runs["ok"], reported=False)
    assert served and all(c["usage_not_reported"] for c in served)
    spans = sorted(llm_spans(rp.store, ok), key=lambda s: s.start_ns)
    assert len(spans) == len(served) and not any(counted(s) for s in spans)
    assert all(s.llm is not None and s.llm.model == f"custom:{served[0]['model']}-0" for s in spans)
    for span, call in zip(spans, served, strict=True):
        if call["kind"] == "final":  # an answer with text: estimated from it, no prompt text to count
            assert span.usage is not None and span.usage.estimated and span.usage.output > 0 and span.usage.input == 0
            assert "Final answer from fakellm" in (span.llm.response_preview or "")
        else:  # a tool call alone: nothing to estimate, cost unknown
            assert span.usage is None and span.cost is not None and span.cost.reason == "no tokens reported"
    asked = [c for c in served if c.get("tool_call_id")]
    assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(ok)] == [(asked[0]["tool_name"], 1, 0)]
    (tool,) = [s for t in rp.store.traces_of(ok) for s in t.spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None and tool.tool.call_id == asked[0]["tool_call_id"]
    totals = rp.store.sessions[ok].totals
    assert (totals.llm_calls, totals.errors, totals.cost_unknown) == (len(served), 0, len(served))
    own = {s.attributes.get("session.id") for t in rp.store.traces_of(ok) for s in t.spans.values()}
    assert own == {ok}, "the session is Droid's own session id"
    totals = rp.store.sessions[failed].totals
    assert (totals.llm_calls, totals.tokens) == (1, 0)
    assert {s.name for t in rp.store.traces_of(failed) for s in t.spans.values() if s.status is Status.ERROR} == {
        f"chat custom:{served[0]['model']}-0", "invoke_agent droid"}


def test_droids_mcp_tool_is_one_call_named_with_its_server_after_its_tool_search(replays: Any) -> None:
    """Droid calling a tool on an MCP server from its user configuration (``~/.factory/mcp.json``, stdio): it
    defers the server's tools, naming them ``<server>___<tool>`` in its system prompt, so the model loads
    ``weather___get_weather`` with ``ToolSearch`` (a call Droid runs itself), then calls it. Each tool call is one,
    by its ``execute_tool`` span: named as the model called it, with its call id, arguments and result; the MCP
    tool's server is the one its name names (``ToolInfo.server``: Droid's span names it nowhere else), the
    search's none. Each model call shown once, none with a token count (Droid sends none: the three served
    calls are usage_not_reported; the answer's text estimated, unpriced, as ``droid``); one session, Droid's;
    the turn named by its prompt; the refused run one failed call and its failed turn, nothing counted."""
    name = "droid-mcp"
    rp = replays(name)
    runs = {r["label"]: r for r in rp.manifest["runs"]}
    ok, failed = run_session(rp, runs["ok"]), run_session(rp, runs["error"])
    assert ok != failed and all(len(rp.sessions[label]) == 1 for label in runs)
    served = ok_calls(runs["ok"], reported=False)
    assert [c["kind"] for c in served] == ["tool_call", "tool_call", "final"]
    assert all(c["usage_not_reported"] for c in served)
    searched, asked = [c for c in served if c.get("tool_call_id")]
    assert (searched["tool_name"], asked["tool_name"]) == ("ToolSearch", "weather___get_weather")
    spans = [s for t in rp.store.traces_of(ok) for s in t.spans.values()]
    tools = {s.tool.call_id: s.tool for s in spans if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None}
    assert set(tools) == {searched["tool_call_id"], asked["tool_call_id"]}
    tool, search = tools[asked["tool_call_id"]], tools[searched["tool_call_id"]]
    script = rp.manifest["fakellm_tool_answers"]  # the arguments the model was scripted to call each with
    assert (tool.name, tool.server, tool.input_preview, tool.output_preview) == (
        asked["tool_name"], "weather", json.dumps(script[asked["tool_name"]][0], separators=(",", ":")),
        "Sunny, 22 C in Paris")
    assert (search.name, search.server, search.input_preview) == (
        "ToolSearch", None, json.dumps(script["ToolSearch"][0], separators=(",", ":")))
    assert sorted((r.name, r.calls, r.errors, r.server) for r in rp.store.tool_costs(ok)) == [
        ("ToolSearch", 1, 0, None), (asked["tool_name"], 1, 0, "weather")]
    calls = llm_spans(rp.store, ok)
    assert len(calls) == len(served) and not any(counted(s) for s in calls)
    totals = rp.store.sessions[ok].totals
    assert (totals.llm_calls, totals.errors, totals.cost, totals.cost_unknown) == (len(served), 0, 0, len(served))
    assert [t.name for t in rp.store.traces_of(ok)] == [runs["ok"]["argv"][-1]]
    totals = rp.store.sessions[failed].totals
    assert (totals.llm_calls, totals.tokens, totals.cost) == (1, 0, 0)
    assert {s.name for t in rp.store.traces_of(failed) for s in t.spans.values() if s.status is Status.ERROR} == {
        f"chat custom:{served[0]['model']}-0", "invoke_agent droid"}


def test_cline_clis_mcp_tool_call_is_named_with_its_server_and_shown_with_its_arguments_and_result(
        replays: Any) -> None:
    """The Cline CLI calling a tool on an MCP server from its ``cline_mcp_settings.json`` (stdio): the model is
    offered it as ``<server>__<tool>`` beside the CLI's own tools. The CLI sends no tool span: the call is seen
    in the model calls' messages alone, the call asked in the first call's answer (named with its server, with
    its arguments), its result in the next call's prompt, shown as the server's text (the CLI sends the model
    the ``tools/call`` result's JSON). No tool call counted (none reported); each model call once, each in a
    trace of its own named by the prompt, in one session, with the fake server's tokens at genai-prices'
    price; the refused run one failed call, nothing charged."""
    name = "cline-mcp"
    rp, client = replays(name), CLIENTS[name]
    runs = {r["label"]: r for r in rp.manifest["runs"]}
    ok, failed = run_session(rp, runs["ok"]), run_session(rp, runs["error"])
    assert ok != failed and all(len(rp.sessions[label]) == 1 for label in runs)
    calls = [s for s in llm_spans(rp.store, ok) if counted(s)]
    served = ok_calls(runs["ok"])
    assert sorted(tuple(sorted(usage_of(s).items())) for s in calls) == sorted(
        tuple(sorted(expected_usage(c, client).items())) for c in served)
    price = sum(_expected_price(s, served, client) for s in calls)  # a gateway's id of OpenAI's model: OpenAI's price
    assert price > 0 and rp.store.sessions[ok].totals.cost == pytest.approx(price, abs=1e-9)
    asked, answered = served
    assert (asked["kind"], asked["tool_name"], answered["kind"]) == ("tool_call", "weather__get_weather", "final")
    decided, consumed = sorted(calls, key=lambda s: s.start_ns)
    assert decided.llm is not None and consumed.llm is not None
    assert decided.llm.response_preview == 'assistant: [tool_call weather__get_weather({"city":"Paris"})]'
    assert (consumed.llm.prompt_preview or "").endswith(
        'assistant: [tool_call weather__get_weather({"city":"Paris"})]\ntool: [tool result Sunny, 22 C in Paris]')
    assert not [s for t in rp.store.traces_of(ok) for s in t.spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
    assert rp.store.tool_costs(ok) == []
    prompt = runs["ok"]["argv"][-1]
    assert [t.name for t in rp.store.traces_of(ok)] == [prompt, prompt]
    totals = rp.store.sessions[failed].totals
    assert (totals.llm_calls, totals.tokens, totals.cost) == (1, 0, 0)
    assert [s.status for s in llm_spans(rp.store, failed)] == [Status.ERROR]


@pytest.mark.parametrize("name", ["continue-cli", "continue-cli-run"])
def test_continue_cli_metrics_total_the_fake_servers_tokens(name: str, replays: Any) -> None:
    """The Continue CLI sends metrics alone, Claude Code's counters under its own names: read back by
    ``agenttrace-tui metrics``, its token counters total what the fake server served (input with the cache
    reads in; no cache series: it reads a field OpenAI does not send), each named in words, one session
    counted per run, its own cost (every input token at the input rate, as genai-prices prices that usage
    with no cache) shown as money; started by ``agenttrace-tui run`` the same (it reads no session pin)."""
    rp = replays(name)
    calls = [c for run in rp.manifest["runs"] for c in ok_calls(run, reported=False)]
    assert calls and all(c["usage_not_reported"] for c in calls)
    rows = cli_json(rp.db, "metrics", "--name", "continue_cli")["series"]
    by = {(r["name"], r["labels"].get("type")): r for r in rows}
    served = {"input": sum(c["usage_normalized"]["input"] for c in calls),
              "output": sum(c["usage_normalized"]["output"] for c in calls)}
    assert {t: r["value"] for (n, t), r in by.items() if n == "continue_cli_token_usage"} == served
    assert by[("continue_cli_token_usage", "input")]["description"] == "tokens: input"
    assert by[("continue_cli_session_count", None)]["value"] == len(rp.manifest["runs"])
    assert by[("continue_cli_session_count", None)]["description"] == "sessions started"
    cost = by[("continue_cli_cost_usage", None)]
    assert cost["description"] == "cost (USD)"
    price = _genai_price("gpt-4o-mini", served | {"cache_read": 0, "cache_write": 0}, cost["time_ns"])
    assert cost["value"] == pytest.approx(price, rel=1e-9)
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli_main(["metrics", "--name", "continue_cli_cost", "--wide", "--db", str(rp.db)]) == 0
    assert fmt_cost(cost["value"]) in out.getvalue()


@pytest.mark.parametrize("name", ["qwen-code", "qwen-code-run"])
def test_qwen_code_tool_hooks_are_internal(name: str, replays: Any) -> None:
    """Qwen Code runs hooks before and after each tool call (spans with the tool's name; one
    with no hook to run reports "no output" as failed) and traces the tool's execution inside
    its tool span: one tool call, no error."""
    rp = replays(name)
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    sid = run_session(rp, run)
    spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
    hooks = [s for s in spans if s.name == "qwen-code.hook"]
    assert hooks and all(s.kind is SpanKind.CUSTOM and s.attributes.get("agenttrace.internal") for s in hooks)
    assert rp.store.sessions[sid].totals.errors == 0
    asked = [c for c in ok_calls(run) if c.get("tool_call_id")]
    assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [(asked[0]["tool_name"], 1, 0)]


@pytest.mark.parametrize("name", ["codex", "codex-json"])
def test_codex_internals_are_kept_but_folded(name: str, replays: Any) -> None:
    """Codex's runtime spans stay in the store, but only the turn (and the session log) is listed."""
    rp = replays(name)
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    sid = run_session(rp, run)
    every, listed = rp.store.traces_of(sid), rp.store.traces_of(sid, internal=False)
    assert len(every) > 10 and 1 <= len(listed) <= 2, (len(every), [t.name for t in listed])
    turn = [t for t in listed if any(s.kind is SpanKind.LLM_CALL for s in t.spans.values())]
    assert len(turn) == 1
    internals = [s for s in turn[0].spans.values() if s.attributes.get("agenttrace.internal")]
    assert internals and all(s.kind is SpanKind.CUSTOM for s in internals)


@pytest.mark.parametrize("name", NAMES)
def test_previews_where_the_client_sent_text(name: str, replays: Any) -> None:
    rp, client = replays(name), CLIENTS[name]
    if not client.text:
        pytest.skip("this client sends no text per model call (see CLIENTS)")
    for run in reported_runs(rp.manifest):
        if not ok_calls(run):
            continue
        spans = [s for s in llm_spans(rp.store, run_session(rp, run)) if not failed_call(s)]
        for span in spans:
            assert span.llm.prompt_preview or not client.call_prompt, f"{span.name}: no prompt preview"
            assert span.llm.response_preview or not client.tool_call_answers, f"{span.name}: no response preview"
        # What the fake server answered shows: the tool a call asked for, the final text.
        answers = "\n".join(s.llm.response_preview or "" for s in spans)
        for call in ok_calls(run):
            if call.get("tool_name") and not client.tool_call_answers:
                assert call["tool_name"] in "\n".join(s.llm.prompt_preview for s in spans)  # the next call's prompt
            elif call.get("tool_name"):
                assert call["tool_name"] in answers, f"call {call['seq']} asked for {call['tool_name']}: {answers!r}"
            elif call["kind"] == "final":
                assert "Final answer from fakellm" in answers, f"call {call['seq']}'s answer: {answers!r}"


#: How a framework's raw result object starts (LangChain's ``LLMResult``: OpenInference's ``output.value``,
#: LangSmith's run output).
RAW_RESULT_HEADS = ('{"generations"',
                    # An OpenAI Chat Completions answer sent whole (OpenInference's Portkey instrumentation's
                    # ``output.value``, a tool call's only place).
                    '{"id":"chatcmpl', '{"id": "chatcmpl')
#: How a tool message LangChain answered with starts, serialized (OpenInference's ``output.value``): LangChain.js'
#: wrapped, Python's as ``message_to_dict`` makes it.
RAW_TOOL_OUTPUT_HEADS = ('{"output":{"lc":1,', '{"type": "tool", "data": {',
                         # AG2's execute_function result (its success flag and function message), as
                         # OpenInference's AG2 instrumentation sends it.
                         '[true, {"', '[false, {"',
                         # OpenCode's result object of a tool (its AI SDK's ai.toolCall.result): its title first.
                         '{"title":')


@pytest.mark.parametrize("name", NAMES)
def test_no_preview_is_a_raw_result_object(name: str, replays: Any) -> None:
    """A preview is text or rendered messages, never the raw object the framework kept: a refused
    call's empty answer (LangChain under OpenInference or LangSmith) shows nothing rather than its JSON,
    a tool's output the text of its tool message (LangChain's, for Python and JavaScript)."""
    if CLIENTS[name].metrics_only:
        pytest.skip("this client sends metrics alone: no preview (see CLIENTS)")
    rp = replays(name)
    for run in reported_runs(rp.manifest):
        for span in llm_spans(rp.store, run_session(rp, run)):
            if span.llm is None:  # a call its client names nothing of (Griptape's driver alone)
                continue
            for text in (span.llm.prompt_preview, span.llm.response_preview):
                assert not (text or "").startswith(RAW_RESULT_HEADS), f"{span.name}: {text[:80]!r}"
        # A tool's output: the text of the tool message LangChain answered with, not the message's JSON.
        for span in (s for t in rp.store.traces_of(run_session(rp, run)) for s in t.spans.values()
                     if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None):
            assert not (span.tool.output_preview or "").startswith(RAW_TOOL_OUTPUT_HEADS), f"{span.name}: {span.tool.output_preview[:80]!r}"


@pytest.mark.parametrize("name", NAMES)
def test_errors_are_marked(name: str, replays: Any) -> None:
    rp, client = replays(name), CLIENTS[name]
    for run in reported_runs(rp.manifest):
        failed = [c for c in run["fake_calls"] if c["status"] >= 400]
        if not failed:
            continue
        sid = run_session(rp, run)
        errors = [s for s in llm_spans(rp.store, sid) if s.status is Status.ERROR]
        if not client.failed_call_span:
            assert not errors, "a failed call's span, declared as never sent"
            assert any(s.status is Status.ERROR for t in rp.store.traces_of(sid) for s in t.spans.values())
            continue
        assert errors, f"run {run['label']!r}: no failed LLM call"
        if client.one_error_per_turn:
            assert len(errors) == 1
        assert all(not counted(s) for s in errors), "a failed call has tokens"


@pytest.mark.parametrize("name", ["edot", "ag2_openinference"])
def test_a_failed_call_is_charged_to_the_model_it_asked_for(name: str, replays: Any) -> None:
    """EDOT Python's default sampler drops every attribute its spans start with: its failed call names
    the model it asked for only in its span name (``chat gpt-4o-mini``). OpenInference's OpenAI
    instrumentation names the model from the answer: its refused call names it only in its request
    parameters (``llm.invocation_parameters``). The call shows that model, and `stats` counts its error
    against it."""
    rp = replays(name)
    (run,) = [r for r in reported_runs(rp.manifest) if r["mode"] == "error"]
    (failed,) = [s for s in llm_spans(rp.store, run_session(rp, run)) if s.status is Status.ERROR]
    (asked,) = {c["model"] for c in run["fake_calls"]}
    assert failed.llm is not None and failed.llm.model == asked
    (row,) = [m for m in cli_json(rp.db, "stats")["by_model"] if m["model"] == asked]
    assert row["errors"] == 1


#: Clients whose tool calls no model call of their trace started before: Codex's response-handling
#: span (its model call) starts a moment after the tool call it runs.
TOOL_DECIDED_ELSEWHERE = {"codex", "codex-json", "codex-run"}


@pytest.mark.parametrize("name", NAMES)
def test_each_tool_call_is_charged_to_the_model_call_that_asked_for_it(name: str, replays: Any) -> None:
    # Before: every LangChain, LangGraph, LlamaIndex and DSPy recording read 0 for its tool
    # ("tools by LLM cost"), the model calls being in other subtrees than the tool (the agent node's,
    # the tools node's); the AI SDK, Strands, Mastra and the Agents SDK read no consumer.
    rp = replays(name)
    for sid in {s for run in reported_runs(rp.manifest) for s in rp.sessions[run["label"]]}:
        rows = {r.name: r for r in rp.store.tool_costs(sid) if r.calls}
        for trace in rp.store.traces_of(sid):
            spans = list(trace.spans.values())
            calls = sorted((s for s in spans if s.kind is SpanKind.LLM_CALL and counted(s)), key=lambda s: s.start_ns)
            tools = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None and s.tool.name
                     and not s.attributes.get(INTERNAL_ATTR)]
            for t in tools:
                if name in TOOL_DECIDED_ELSEWHERE or not any(c.start_ns <= t.start_ns for c in calls):
                    continue
                row = rows[t.tool.name]  # type: ignore[union-attr]
                assert row.decided_tokens > 0, f"{t.tool.name}: no model call decided it"  # type: ignore[union-attr]
                if t.end_ns is not None and any(c.start_ns >= t.end_ns for c in calls):
                    assert row.consumed_tokens > 0, f"{t.tool.name}: no model call consumed it"  # type: ignore[union-attr]


#: Recordings whose model asked for several tool calls in one answer (the fake LLM's ``parallel_calls``).
PARALLEL = [n for n in NAMES if any(c.get("tool_calls") for r in json.loads(
    (FIXTURES / n / "manifest.json").read_text())["runs"] for c in r["fake_calls"])]


def _named_arguments(preview: str | None, arguments: str) -> bool:
    """Whether a tool span's input preview is the call's arguments: the same JSON, or (OpenInference's
    LangChain instrumentation sends a tool of one argument so) that argument's value alone."""
    want = json.loads(arguments)
    try:
        return json.loads(preview or "") == want
    except ValueError:
        return len(want) == 1 and preview == str(next(iter(want.values())))


@pytest.mark.parametrize("name", PARALLEL)
def test_tool_calls_asked_for_at_once_are_each_shown_and_share_the_call(name: str, replays: Any) -> None:
    """A model answer asking for two tool calls at once (two get_weather calls, or two tools): two
    tool calls shown, never folded into one, each with its own arguments and result; the model
    call that asked for them counted once with the fake server's tokens and cost, its tokens and
    cost split equally between them in the tool costs (and the next call's, that read both
    results); run side by side by the client, their times overlap."""
    rp = replays(name)
    run = next(r for r in reported_runs(rp.manifest) if any(c.get("tool_calls") for c in r["fake_calls"]))
    sid = run_session(rp, run)
    asked = asked_tool_calls(run)
    assert len(asked) >= 2
    tools = [s for t in rp.store.traces_of(sid) for s in t.spans.values()
             if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None and not s.attributes.get(INTERNAL_ATTR)]
    assert len(tools) == len(asked), [(s.name, s.tool.input_preview) for s in tools]  # type: ignore[union-attr]
    left = list(tools)
    for call in asked:  # each call's own span: by its id where the client sent it, else by its arguments
        span = next(s for s in left if s.tool.call_id == call["id"] or (  # type: ignore[union-attr]
            not s.tool.call_id and s.tool.name == call["name"]  # type: ignore[union-attr]
            and _named_arguments(s.tool.input_preview, call["arguments"])))  # type: ignore[union-attr]
        left.remove(span)
        assert span.tool is not None and span.tool.name == call["name"]
        assert _named_arguments(span.tool.input_preview, call["arguments"]), span.tool.input_preview
        # Its own result: the tool's text for its own argument, not the other call's.
        assert span.tool.output_preview and all(
            str(v) in span.tool.output_preview for v in json.loads(call["arguments"]).values()), span.tool.output_preview
    assert len({s.tool.output_preview for s in tools}) == len(tools)  # type: ignore[union-attr]
    # The calls ran side by side: each started before the other ended.
    assert max(s.start_ns for s in tools) < min(s.end_ns or 0 for s in tools)
    # The model call that asked for them: counted once, the fake server's tokens, genai-prices' cost.
    deciding = next(c for c in ok_calls(run) if c.get("tool_calls"))
    (decider,) = [s for s in llm_spans(rp.store, sid) if counted(s) and usage_of(s) == expected_usage(deciding, CLIENTS[name])]
    assert decider.cost is not None and decider.cost.total == pytest.approx(_expected_price(decider, ok_calls(run)))
    (consumer,) = [s for s in llm_spans(rp.store, sid) if counted(s) and s.start_ns >= max(t.end_ns or 0 for t in tools)]
    rows = {r.name: r for r in rp.store.tool_costs(sid)}
    by_name = Counter(c["name"] for c in asked)
    assert {n: r.calls for n, r in rows.items()} == dict(by_name)
    share = 1 / len(asked)
    for n, r in rows.items():
        k = by_name[n]
        assert (r.decided_calls, r.consumed_calls) == (k, k)
        assert r.decided_tokens == pytest.approx(k * share * (decider.usage.input + decider.usage.output))  # type: ignore[union-attr]
        assert r.decided_cost == pytest.approx(k * share * decider.cost.total)
        assert r.consumed_tokens == pytest.approx(k * share * (consumer.usage.input + consumer.usage.output))  # type: ignore[union-attr]
        assert r.consumed_cost == pytest.approx(k * share * consumer.cost.total)  # type: ignore[union-attr, operator]
    # The CLI's `costs --group-by tool` reads the same shares from the file: together no more than the calls cost.
    grouped = {r["tool"]: r for r in cli_json(rp.db, "costs", "--session", sid, "--group-by", "tool")["rows"]}
    assert {n: (r["calls"], r["decided_calls"]) for n, r in grouped.items()} == {n: (k, k) for n, k in by_name.items()}
    assert sum(r["decided_cost_usd"] for r in grouped.values()) == pytest.approx(decider.cost.total)
    assert sum(r["decided_tokens"] for r in grouped.values()) == decider.usage.input + decider.usage.output  # type: ignore[union-attr]


def _genai_price(model: str, usage: dict[str, int], start_ns: int, provider: str | None = None,
                 searches: int = 0) -> float:
    from genai_prices import Usage, calc_price

    when = datetime.fromtimestamp(start_ns / 1e9, tz=UTC)
    got = calc_price(Usage(input_tokens=usage["input"], output_tokens=usage["output"],
                           cache_read_tokens=usage["cache_read"], cache_write_tokens=usage["cache_write"],
                           web_searches=searches or None),
                     model_ref=model, provider_id=provider, genai_request_timestamp=when)
    return float(got.total_price)


def _expected_price(span: Any, calls: list[dict], client: Client | None = None) -> float:
    """genai-prices' price for the call; a call to a local runtime (the monitor's table) that
    genai-prices has no price for under that runtime costs nothing and says why (docs/costs.md).
    With ``Client.prices_searches``, a call the fake server answered grounded by Google Search
    costs its tokens and the one grounded prompt Google bills for it."""
    model, usage = served_model(span, calls), usage_of(span)
    rid = span.attributes.get("gen_ai.response.id")
    if client is not None and client.prices_searches and any(
            c.get("builtin_tool") == "google_search" and c.get("response_id") == rid for c in calls):
        return _genai_price(model, usage, span.start_ns, searches=1)
    # A deployment (Azure) is asked for by its owner's name: the model that answered is what it cost.
    model = next((c["response_model"] for c in calls if c["model"] == model and c.get("response_model")), model)
    runtime = (span.llm.provider or "").lower()
    if runtime in LOCAL_RUNTIMES:
        try:
            return _genai_price(model, usage, span.start_ns, provider=runtime)
        except LookupError:
            assert span.cost is not None and span.cost.reason == local_reason(runtime), span.cost
            return 0.0
    if any(c["api"] in ("converse", "invoke") for c in calls if c["model"] == model):  # called through Bedrock: its price
        return _genai_price(model, usage, span.start_ns, provider="aws")
    if any(c["api"] == "groq" for c in calls if c["model"] == model):  # served by Groq: Groq's price
        return _genai_price(model, usage, span.start_ns, provider="groq")
    vendor, slash, own = (model or "").partition("/")
    if slash and vendor and own:  # a gateway's id of a vendor's model (Cline's `openai/gpt-4o-mini`): the vendor's price
        try:
            return _genai_price(model, usage, span.start_ns)
        except LookupError:
            return _genai_price(own, usage, span.start_ns, provider=vendor)
    return _genai_price(model, usage, span.start_ns)


#: The provider (genai-prices' id) whose API the fake LLM answered as, for the AI SDK's recordings.
AI_SDK_API_PROVIDERS = {"responses": "openai", "chat": "openai", "messages": "anthropic", "gemini": "google",
                        "groq": "groq"}
#: Recordings on @ai-sdk/openai-compatible: the provider is the name the app gave it, whatever API served the calls.
AI_SDK_NAMED_PROVIDERS = {"ai_sdk_openai_compatible": "deepseek", "ai_sdk_openai_compatible_legacy": "deepseek"}


#: Mastra runs its agents on AI SDK providers, and names them as the AI SDK does.
@pytest.mark.parametrize("name", [n for n in NAMES if n.startswith(("ai_sdk", "mastra"))])
def test_the_ai_sdk_provider_is_the_one_priced(name: str, replays: Any) -> None:
    """The AI SDK names a provider by its package and API (``openai.responses``,
    ``anthropic.messages``, ``google.generative-ai``; ``gcp.gemini`` under the GenAI conventions):
    each call shows the provider genai-prices knows, the one whose API served it (on
    ``@ai-sdk/openai-compatible``, the one the app named: ``deepseek.chat``), and is priced as that
    provider's model, not another's."""
    rp = replays(name)
    for run in reported_runs(rp.manifest):
        want = {AI_SDK_NAMED_PROVIDERS.get(name) or AI_SDK_API_PROVIDERS[c["api"]] for c in run["fake_calls"]}
        spans = llm_spans(rp.store, run_session(rp, run))
        assert spans and {s.llm.provider for s in spans} == want, [s.llm.provider for s in spans]
        for span in spans:
            if counted(span):
                assert span.cost is not None and span.cost.total is not None and span.cost.priced_as is None, span.cost


#: The provider (genai-prices' id) of each host a recorded client believed it called, the fake
#: LLM being its HTTP proxy (``proxied_host`` in the fake's log).
PROXIED_HOST_PROVIDERS = {"api.groq.com": "groq"}
PROXIED = [n for n in NAMES if any(c.get("proxied_host") for r in json.loads(
    (FIXTURES / n / "manifest.json").read_text())["runs"] for c in r["fake_calls"])]


@pytest.mark.parametrize("name", PROXIED)
def test_the_provider_is_the_host_that_served_the_calls(name: str, replays: Any) -> None:
    """The openai SDK on another provider's OpenAI-compatible API (Groq's) is named ``openai`` by
    OpenAI instrumentations: the provider shown, the price (that provider's own, not another's
    for the model) and the ``by provider`` breakdown are the provider whose host served the calls."""
    rp = replays(name)
    for run in reported_runs(rp.manifest):
        want = {PROXIED_HOST_PROVIDERS[c["proxied_host"]] for c in run["fake_calls"]}
        sid = run_session(rp, run)
        spans = llm_spans(rp.store, sid)
        assert spans and {s.llm.provider for s in spans} == want, [s.llm.provider for s in spans]
        for span in spans:
            if counted(span):
                assert span.cost is not None and span.cost.total is not None and span.cost.priced_as is None, span.cost
        assert [p for p, _bucket in rp.store.sessions[sid].totals.breakdown("provider")] == sorted(want)


#: Recordings through a gateway whose spans name no provider -> the gateway shown as it, and the
#: provider whose price the model has (genai-prices).
GATEWAYS = {"portkey_openinference": ("portkey", "openai")}


@pytest.mark.parametrize("name", list(GATEWAYS))
def test_a_call_through_a_gateway_is_the_gateways_priced_by_its_model(name: str, replays: Any) -> None:
    """Portkey's SDK traced by OpenInference names no provider on its calls (the one the gateway passed
    them to is a request header): each call, and the session's ``by provider`` breakdown, names the
    gateway, and is priced as the model's provider's model (``priced as``), failed calls named too."""
    rp = replays(name)
    gateway, priced_by = GATEWAYS[name]
    for run in reported_runs(rp.manifest):
        sid = run_session(rp, run)
        spans = llm_spans(rp.store, sid)
        assert spans and {s.llm.provider for s in spans} == {gateway}, [s.llm.provider for s in spans]
        for span in spans:
            if counted(span):
                assert span.cost is not None and span.cost.priced_as == f"{priced_by}/{span.llm.model}", span.cost
        if any(counted(s) for s in spans):
            assert [p for p, _bucket in rp.store.sessions[sid].totals.breakdown("provider")] == [gateway]


@pytest.mark.parametrize("name", ["agent_framework", "agent_framework_openinference",
                                  "agent_framework_openinference_workflow", "crewai_openllmetry",
                                  "crewai_anthropic_openllmetry", "openlit_langgraph"])
def test_a_framework_naming_its_runs_is_no_provider(name: str, replays: Any) -> None:
    """Microsoft Agent Framework names each agent's run ``gen_ai.provider.name`` ``microsoft.agent_framework``
    (beside its calls' summed usage; OpenInference's processor copies it as ``llm.provider``), OpenLLMetry's
    CrewAI instrumentation a crew's ``gen_ai.system`` ``crewai``, OpenLIT's LangGraph and LangChain ones their
    graph's and chain's ``langgraph`` and ``langchain``: frameworks, not whose API served a call. The providers
    broken down by, in the session (the cost pane's `by provider`) and in `costs --group-by provider`, are the
    model calls' only (the API the fake server stood for): no row of a framework's name."""
    rp = replays(name)
    served: set[str] = set()
    for run in reported_runs(rp.manifest):
        sid = run_session(rp, run)
        spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
        calls = {s.llm.provider for s in spans if s.kind is SpanKind.LLM_CALL and s.llm is not None and s.llm.provider}
        assert calls and {s.llm.provider for s in spans if s.llm is not None and s.llm.provider} == calls
        assert [p for p, _bucket in rp.store.sessions[sid].totals.breakdown("provider")] == sorted(calls), run["label"]
        served |= calls
    assert served <= {"openai", "anthropic"}
    rows = {r["provider"] for r in cli_json(rp.db, "costs", "--group-by", "provider")["rows"]}
    assert rows == served | {"(no provider)"}, rows


#: Recordings whose model calls' spans name no provider, LangChain's run metadata (``ls_provider`` in the span's
#: ``metadata``) alone naming it: OpenInference's LangChain.js instrumentation.
METADATA_PROVIDERS = ["langgraph_js", "langgraph_js_anthropic"]


@pytest.mark.parametrize("name", METADATA_PROVIDERS)
def test_a_call_names_the_provider_its_langchain_run_metadata_names(name: str, replays: Any) -> None:
    """OpenInference's LangChain.js instrumentation sends neither ``llm.provider`` nor ``llm.system`` on a
    model call's span, LangChain's ``ls_provider`` only inside its ``metadata`` (JSON): each call, the refused
    one too, shows the provider whose API the fake server answered as, is priced as that provider's model (no
    ``priced as``) and found by a ``provider:`` filter, and the session's breakdown (the cost pane's `by provider`)
    and `costs --group-by provider` name that provider, with the calls' tokens and cost."""
    rp = replays(name)
    served: set[str] = set()
    tokens = cost = 0.0
    for run in reported_runs(rp.manifest):
        want = {AI_SDK_API_PROVIDERS[c["api"]] for c in run["fake_calls"]}
        sid = run_session(rp, run)
        spans = llm_spans(rp.store, sid)
        assert spans and {s.llm.provider for s in spans} == want, [s.llm.provider for s in spans]
        assert not any(k in s.attributes for s in spans for k in ("llm.provider", "llm.system"))  # the span named none
        assert all(parse_filter(f"provider:{p}").matches(s) for s in spans for p in want)
        priced = [s for s in spans if counted(s)]
        for span in priced:
            assert span.cost is not None and span.cost.total is not None and span.cost.priced_as is None, span.cost
        if priced:
            assert [p for p, _bucket in rp.store.sessions[sid].totals.breakdown("provider")] == sorted(want)
        tokens += sum(s.usage.input + s.usage.output for s in priced)
        cost += sum(s.cost.total for s in priced)
        served |= want
    rows = {r["provider"]: r for r in cli_json(rp.db, "costs", "--group-by", "provider")["rows"]}
    assert set(rows) - {"(no provider)"} == served, rows
    (provider,) = served
    assert rows[provider]["cost_usd"] == pytest.approx(cost) and rows[provider]["input_tokens"] + rows[provider][
        "output_tokens"] == tokens, rows[provider]


#: Recordings whose model calls asked for Google Search and report no cost of their own.
GROUNDED = [n for n in NAMES if not CLIENTS[n].prices_searches and any(
    c.get("builtin_tool") == "google_search" for r in json.loads((FIXTURES / n / "manifest.json").read_text())["runs"]
    for c in r["fake_calls"])]


@pytest.mark.parametrize("name", GROUNDED)
def test_a_grounded_call_priced_by_its_tokens_says_the_fee_is_left_out(name: str, replays: Any) -> None:
    """A Gemini call that asked for Google Search is priced by its tokens (its spans never say
    whether Google's grounding fee applied): its cost says so, in the detail and in ``costs``;
    a call that asked for a tool with no fee (code execution) says nothing."""
    from agenttrace_tui.enrich.cost import FEE_LEFT_OUT

    rp = replays(name)
    want = 0
    for run in reported_runs(rp.manifest):
        grounded = sum(1 for c in ok_calls(run) if c.get("builtin_tool") == "google_search")
        if not grounded:
            continue  # (the refused run)
        spans = [s for s in llm_spans(rp.store, run_session(rp, run)) if counted(s)]
        assert [s.cost.reason for s in spans].count(FEE_LEFT_OUT) == grounded
        assert {s.cost.reason for s in spans} == {FEE_LEFT_OUT, None}  # the other calls: as computed
        assert all(s.cost.total for s in spans if s.cost.reason == FEE_LEFT_OUT)  # the tokens' price stands
        want += grounded
    assert want and cli_json(rp.db, "costs")["notes"] == {FEE_LEFT_OUT: want}


@pytest.mark.parametrize("name", NAMES)
def test_cost_equals_genai_prices(name: str, replays: Any) -> None:
    rp, client = replays(name), CLIENTS[name]
    for run in reported_runs(rp.manifest):
        calls = ok_calls(run)
        if not calls:
            continue
        sid = run_session(rp, run)
        spans = [s for s in llm_spans(rp.store, sid) if counted(s)]
        total = 0.0
        for span in spans:
            want = _expected_price(span, calls, client)
            assert span.cost is not None and span.cost.total is not None, f"{span.name}: unpriced ({span.cost})"
            assert span.cost.total == pytest.approx(want, rel=1e-6, abs=1e-9), f"{span.name}: {span.cost}"
            total += want
        totals = rp.store.sessions[sid].totals
        usageless = [s for s in llm_spans(rp.store, sid) if not counted(s) and s.status is not Status.ERROR]
        assert len(usageless) == len(usageless_calls(run)) - len(self_counted(rp, sid, run, client))
        for span in usageless:
            if client.text:  # estimated from the text it sent (≈), priced as the price table says
                assert span.usage is not None and span.usage.estimated and span.cost is not None
                want = _expected_price(span, calls)
                assert span.cost.total == pytest.approx(want, rel=1e-6, abs=1e-9)
                total += want
            else:
                assert span.cost is not None and span.cost.total is None and span.cost.reason == "no tokens reported"
        assert totals.cost == pytest.approx(total, rel=1e-6, abs=1e-9)
        assert totals.cost_unknown == (0 if client.text else len(usageless))


# -- the CLI surfaces that read SQLite ---------------------------------------------------------


def cli_json(db: Path, *argv: str) -> Any:
    out = io.StringIO()
    with redirect_stdout(out):
        rc = cli_main([*argv, "--json", "--db", str(db)])
    assert rc == 0, out.getvalue()
    return json.loads(out.getvalue())


@pytest.mark.parametrize("name", NAMES)
def test_the_cli_lists_the_traces_the_monitor_lists(name: str, replays: Any) -> None:
    """`traces list` and `sessions show` read from the file what the monitor's trace list
    showed live: a client's traces of nothing but its framework internals (Codex's and
    OpenCode's runtime) folded away and counted under the table, all of them listed with
    ``--internal``, or when nothing else is left; ``latest`` names the newest of the others."""
    rp = replays(name)
    for sid in [s for got in rp.sessions.values() for s in got]:
        every = rp.store.traces_of(sid)
        own = [t for t in every if not t.internal_only]
        want = own or every
        listed = cli_json(rp.db, "traces", "list", "--session", sid, "--limit", "100000")
        assert sorted(t["trace_id"] for t in listed) == sorted(t.trace_id for t in want)
        assert [t["internal"] for t in listed] == [not own] * len(listed)
        shown = cli_json(rp.db, "sessions", "show", sid)["trace_list"]
        assert sorted(t["trace_id"] for t in shown) == sorted(t.trace_id for t in want)
        everything = cli_json(rp.db, "traces", "list", "--session", sid, "--limit", "100000", "--internal")
        assert sorted(t["trace_id"] for t in everything) == sorted(t.trace_id for t in every)
        out = io.StringIO()
        with redirect_stdout(out):
            assert cli_main(["sessions", "show", sid, "--db", str(rp.db)]) == 0
        folded = len(every) - len(want)
        note = f"{folded} trace{'s' * (folded != 1)} made only of a client's framework internals not listed"
        assert (note in out.getvalue()) is bool(folded)
    every = list(rp.store.traces.values())
    newest = max((t for t in every if not t.internal_only), default=None, key=lambda t: t.start_ns)
    if newest is not None and sum(t.start_ns == newest.start_ns for t in every) == 1:
        assert cli_json(rp.db, "traces", "tree", "latest")["trace_id"] == newest.trace_id


@pytest.mark.parametrize("name", NAMES)
def test_cli_surfaces_agree_with_the_fake_server(name: str, replays: Any) -> None:
    rp, client = replays(name), CLIENTS[name]
    sessions = {s["id"]: s for s in cli_json(rp.db, "sessions", "list", "--limit", "1000")}
    traces = cli_json(rp.db, "traces", "list", "--limit", "100000", "--internal")
    want_in = want_out = want_calls = 0
    for run in reported_runs(rp.manifest):
        calls = reported_calls(run, client)
        if not calls:
            if client.usage_dropped:  # its calls shown without their usage: counted, with what was estimated
                dropped = estimated_usages(rp.store, run_session(rp, run))
                want_in, want_out = want_in + sum(u.input for u in dropped), want_out + sum(u.output for u in dropped)
                want_calls += len(ok_calls(run, reported=False))
            continue
        sid = run_session(rp, run)
        own = own_counted_streams(rp, sid, run, client)
        exp = [expected_usage(c, client) for c in calls] + [
            usage_of(s) for s in [*self_counted(rp, sid, run, client), *own]]
        run_in, run_out = sum(e["input"] for e in exp), sum(e["output"] for e in exp)
        # Calls the server sent no usage for count what the monitor estimated from their text (≈).
        estimated = estimated_usages(rp.store, sid)
        assert len(estimated) == (len(usageless_calls(run)) if client.text and not client.counts_usageless else 0)
        run_in += sum(u.input for u in estimated)
        run_out += sum(u.output for u in estimated)
        assert sessions[sid]["estimated"] is bool(estimated)
        assert (sessions[sid]["input_tokens"], sessions[sid]["output_tokens"]) == (run_in, run_out)
        in_traces = [t for t in traces if t["session_id"] == sid]
        assert sum(t["input_tokens"] for t in in_traces) == run_in
        assert sum(t["output_tokens"] for t in in_traces) == run_out
        want_in, want_out = want_in + run_in, want_out + run_out
        want_calls += len(calls) + len(own) + len(usageless_calls(run))
    # A refused call a client reports as answered, with no usage but its prompt (OpenInference's Pipecat
    # instrumentation's): its tokens estimated from that text (≈) like any call's the server sent none for.
    # The same for the answered report of a refused call its other report shows failed (``refused_also_answered``).
    answered = [r for r in reported_runs(rp.manifest) if client.refused_also_answered and r["mode"] == "error"]
    for r in [*manifest_unreported(rp.manifest), *answered]:
        for s in rp.sessions[r["label"]]:
            want_in += sum(u.input for u in estimated_usages(rp.store, s))
            want_out += sum(u.output for u in estimated_usages(rp.store, s))
    # A run whose refused turn the client does not report may have reported the turn before it (a resumed
    # session's first turn, answered): those calls count as any answered call's.
    for r in manifest_unreported(rp.manifest):
        exp = [expected_usage(c, client) for c in reported_calls(r, client)]
        want_in, want_out = want_in + sum(e["input"] for e in exp), want_out + sum(e["output"] for e in exp)
    stats = cli_json(rp.db, "stats")
    assert (stats["input_tokens"], stats["output_tokens"]) == (want_in, want_out)
    llm = [k for k in stats["by_kind"] if k["kind"] == "llm_call"]
    failed = sum(1 for r in reported_runs(rp.manifest) for s in rp.sessions[r["label"]]
                 for sp in llm_spans(rp.store, s) if sp.status is Status.ERROR)
    # A run whose error the client does not report may still report the refused call, as a call with
    # no usage and no error (ADK for TypeScript's bare call_llm span): a call all the same.
    unmarked = sum(len(llm_spans(rp.store, s)) for r in manifest_unreported(rp.manifest)
                   for s in rp.sessions[r["label"]])
    unmarked += sum(1 for r in answered for s in rp.sessions[r["label"]] for sp in llm_spans(rp.store, s)
                    if sp.status is not Status.ERROR)
    # No row at all for a client that reports no model call (Kilo Code).
    got = llm[0]["spans"] if llm else 0
    assert got == want_calls + failed + unmarked, f"stats counts {got} LLM calls"
    costs = cli_json(rp.db, "costs")
    assert (costs["total"]["input_tokens"], costs["total"]["output_tokens"]) == (want_in, want_out)


@pytest.mark.parametrize("name", ["langfuse_js", "langfuse_js_ai6"])
def test_a_trace_is_named_as_the_app_named_it(name: str, replays: Any) -> None:
    """Langfuse's ``propagateAttributes({ traceName })`` puts the trace's name on its spans
    (``langfuse.trace.name``): the trace list, live and from the file, names the trace so, not after
    its root span (``weather-agent``)."""
    rp = replays(name)
    folder = FIXTURES / name
    named = {s["traceId"]: a["value"]["stringValue"] for f in rp.manifest["files"] if f["signal"] == "traces"
             for rs in json.loads(read_body(folder / f["file"]))["resourceSpans"] for ss in rs["scopeSpans"]
             for s in ss["spans"] for a in s.get("attributes", ()) if a["key"] == "langfuse.trace.name"}
    assert named
    on_file = {t["trace_id"]: t["name"] for t in cli_json(rp.db, "traces", "list", "--limit", "1000")}
    for trace_id, want in named.items():
        trace = rp.store.traces[trace_id]
        root = trace.spans[trace.root_id]
        assert root.name != want and trace.name == want and on_file[trace_id] == want


@pytest.mark.parametrize(("name", "root", "turn"), [("pipecat", "conversation", "turn"),
                                                    ("pipecat_openinference", "pipecat.conversation.turn",
                                                     "pipecat.conversation.turn")])
def test_a_pipecat_conversation_is_its_session_and_each_turn_holds_its_calls(
        name: str, root: str, turn: str, replays: Any) -> None:
    """The worker's ``conversation_id`` is the session; the conversation (Pipecat's own tracing) or the
    turn (OpenInference's) is the trace's root; the turn is a step holding the turn's model calls, each
    counted once (the usage is on the calls alone)."""
    rp = replays(name)
    for run in reported_runs(rp.manifest):
        assert rp.sessions[run["label"]] == [f"weather-{run['label']}"]
        sid = rp.sessions[run["label"]][0]
        traces = rp.store.traces_of(sid)
        assert [t.name for t in traces] == [root]
        spans = list(traces[0].spans.values())
        turns = [s for s in spans if s.name == turn]
        assert len(turns) == 1 and turns[0].kind is SpanKind.TASK
        calls = llm_spans(rp.store, sid)
        assert calls and all(c.parent_span_id == turns[0].span_id for c in calls)
        assert [s for s in spans if s.usage is not None and s.kind is not SpanKind.LLM_CALL] == []
        assert rp.store.sessions[sid].totals.llm_calls == len(ok_calls(run)) + len(refused_calls(run, CLIENTS[name]))


def test_a_livekit_turn_is_its_agent_and_each_llm_request_its_model_call(replays: Any) -> None:
    """LiveKit Agents' own tracing: the session (``agent_session``) is the trace's root, a step; the turn
    (``agent_turn``) is the agent's, named; each model call is its ``llm_request`` (the usage, counted once)
    in the agent's ``llm_node``, a step, its try (``llm_request_run``) internal; the tool call is
    ``function_tool`` in the turn, its result shown as the tool returned it (sent as a JSON string), and
    readying the tools (``setup_toolsets``) is a step, not a tool call."""
    rp = replays("livekit_agents")
    for run in reported_runs(rp.manifest):
        sid = run_session(rp, run)
        assert rp.store.sessions[sid].session.framework == "livekit"
        (trace,) = rp.store.traces_of(sid)
        spans = list(trace.spans.values())
        by_name = {n: [s for s in spans if s.name == n] for n in {s.name for s in spans}}
        assert trace.spans[trace.root_id].name == "agent_session" and trace.spans[trace.root_id].kind is SpanKind.TASK
        (turn,) = by_name["agent_turn"]
        assert turn.kind is SpanKind.AGENT and turn.agent is not None and turn.agent.name == "weather_agent"
        assert {s.kind for n in ("start_agent_activity", "setup_toolsets", "drain_agent_activity", "llm_node")
                for s in by_name[n]} == {SpanKind.TASK}
        calls = llm_spans(rp.store, sid)
        assert [c.name for c in calls] == ["llm_request"] * (len(ok_calls(run)) + len(refused_calls(run, CLIENTS["livekit_agents"])))
        nodes = {s.span_id for s in by_name["llm_node"]}
        assert all(c.parent_span_id in nodes and trace.spans[c.parent_span_id].parent_span_id == turn.span_id
                   for c in calls)
        assert all(s.attributes.get(INTERNAL_ATTR) and s.parent_span_id in {c.span_id for c in calls}
                   for s in by_name["llm_request_run"])
        assert [s for s in spans if s.usage is not None and s.kind is not SpanKind.LLM_CALL] == []
        assert rp.store.sessions[sid].totals.llm_calls == len(calls)
        tools = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
        if run["mode"] == "error":
            assert tools == [] and [c.status for c in calls] == [Status.ERROR]
            continue
        assert [(t.name, t.tool.name, t.parent_span_id) for t in tools] == [("function_tool", "get_weather", turn.span_id)]
        assert tools[0].tool.output_preview == "Sunny, 22 C in Paris"  # sent JSON-encoded: "\"Sunny, 22 C in Paris\""
        assert all(counted(c) for c in calls)


def test_a_baml_function_call_is_its_model_call(replays: Any) -> None:
    """OpenInference's BAML instrumentation makes one span per BAML function call, of kind LLM: it is the
    call's model call (the model from the request, the usage from BAML's collector), counted once, priced as
    the model's (``openai-generic`` names no provider, ``llm.system`` ``baml`` neither), its prompt the
    messages BAML rendered (the class's output format in it) and its answer the JSON BAML parsed, as text. A
    refused call's span ends OK with nothing but its kind (BAML raises after the wrapped call returns)."""
    rp = replays("baml_openinference")
    for run in rp.manifest["runs"]:
        sid = run_session(rp, run)
        assert rp.store.sessions[sid].session.framework == "baml"
        calls = llm_spans(rp.store, sid)
        assert [c.name for c in calls] == ["BAML.ExtractWeather"] * len(run["fake_calls"])
        assert all(c.parent_span_id is None and (c.llm is None or c.llm.provider is None) for c in calls)
        if run["mode"] == "error":
            assert [(c.status, c.llm, c.usage) for c in calls] == [(Status.OK, None, None)]
            continue
        served = {c["response_id"]: c for c in ok_calls(run)}
        assert len(served) == len(calls) == 2
        for span in calls:
            assert span.llm is not None and span.llm.model == "gpt-4o-mini" and counted(span)
            assert usage_of(span) == expected_usage(next(iter(served.values())), CLIENTS["baml_openinference"])
            assert span.cost is not None and span.cost.total == pytest.approx(
                _genai_price("gpt-4o-mini", usage_of(span), span.start_ns))
            assert span.llm.prompt_preview.startswith("system: Extract the weather report")
            assert "Answer in JSON using this schema:" in span.llm.prompt_preview
            assert json.loads(span.llm.response_preview.removeprefix("assistant: ")) == {
                "city": "Paris", "temperature_c": 1, "summary": "Paris"}
        assert rp.store.sessions[sid].totals.llm_calls == 2


def test_a_letta_servers_method_spans_are_its_turn_steps_calls_and_tools(replays: Any) -> None:
    """The Letta server traces its own methods (``Class.method``, each argument's Python repr): every span of
    a run is internal but the requests it served, the agent's turn, its steps, its model calls and its tool
    runs. A model call is the span reading the answer (usage, model and answer read from its repr), the fake
    server's tokens and genai-prices' cost; a refused one the request's span, failed, naming the model it asked
    for; each tool run names its tool, its arguments and its result. Each run is its agent's session. Before:
    no tokens, no cost, ten "LLM calls" guessed from method names, both runs in one session."""
    rp = replays("letta")
    runs = {r["label"]: r for r in rp.manifest["runs"]}
    shown: dict[str, list[Any]] = {}
    for label, run in runs.items():
        sid = run_session(rp, run)
        assert sid.startswith("agent-") and rp.store.sessions[sid].session.framework == "letta"
        spans = sorted((s for t in rp.store.traces_of(sid) for s in t.spans.values()), key=lambda s: s.start_ns)
        shown[label] = [s for s in spans if not s.attributes.get(INTERNAL_ATTR)]
        assert {s.kind for s in shown[label]} <= {SpanKind.CUSTOM, SpanKind.AGENT, SpanKind.TASK, SpanKind.LLM_CALL,
                                                   SpanKind.TOOL_EXECUTION}
        assert all(s.kind is not SpanKind.CUSTOM or s.name.split(" ")[0] in ("GET", "POST", "PUT")
                   for s in shown[label]), [s.name for s in shown[label] if s.kind is SpanKind.CUSTOM]
        assert [s.name for s in shown[label] if s.kind is SpanKind.AGENT] == ["LettaAgent.step"]
    ok = shown["ok"]
    calls = [s for s in ok if s.kind is SpanKind.LLM_CALL]
    served = ok_calls(runs["ok"])
    assert len(calls) == len(served) == 2
    for span, call in zip(calls, served, strict=True):
        assert span.llm is not None and span.llm.model == call["model"] and span.llm.provider == "openai"
        assert usage_of(span) == expected_usage(call, CLIENTS["letta"])
        assert span.attributes["gen_ai.response.id"] == call["response_id"]
        assert call["tool_name"] in (span.llm.response_preview or "")
        assert "user: What is the weather in Paris?" in (span.llm.prompt_preview or "")
    assert [s.name for s in ok if s.kind is SpanKind.TASK] == ["agent_step", "agent_step"]
    totals = rp.store.sessions[run_session(rp, runs["ok"])].totals
    assert (totals.llm_calls, totals.input_tokens, totals.output_tokens, totals.cache_read) == (2, 2468, 112, 400)
    assert sum(s.cost.total for s in calls if s.cost is not None) == pytest.approx(0.0004074)
    tools = [s.tool for s in ok if s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None]
    assert [(t.name, t.input_preview, t.output_preview) for t in tools] == [
        ("get_weather", '{"city": "Paris"}', "Sunny, 22 C in Paris"),
        ("send_message", '{"message": "The weather in Paris: Sunny, 22 C in Paris."}', "Sent message successfully.")]
    (failed,) = [s for s in shown["error"] if s.kind is SpanKind.LLM_CALL]
    assert failed.name == "OpenAIClient.request_async" and failed.status is Status.ERROR and not counted(failed)
    assert failed.llm is not None and failed.llm.model == runs["error"]["fake_calls"][0]["model"]


def test_a_resumed_codex_conversation_is_one_session_whose_turns_each_hold_their_prompt_and_calls(
        replays: Any) -> None:
    """``codex exec`` then ``codex exec resume --last`` (a second process, the same directory and
    CODEX_HOME): Codex goes on under the same conversation id, so the monitor shows one session named
    by the first prompt, two turns each with its prompt, its two model calls (the resumed turn's input
    mostly cached: the first turn read again) and its shell tool call; the CLI's figures are the UI's."""
    rp, client = replays("codex-resume"), CLIENTS["codex-resume"]
    run = next(r for r in rp.manifest["runs"] if r["label"] == "ok")
    threads = {turn[0]["thread_id"] for turn in rp.manifest["cli_events"]["ok"]}  # each turn's thread.started
    assert len(threads) == 1  # Codex resumes the conversation under its id: no new one
    sid = threads.pop()
    assert rp.sessions["ok"] == [sid]
    prompts = [t["argv"][-1] for t in rp.manifest["turns"]["ok"]]
    assert rp.store.sessions[sid].session.shown_name == prompts[0]
    served = ok_calls(run)
    assert [bool(c.get("resumed")) for c in served] == [False, False, True, True]
    turns = sorted((t for t in rp.store.traces_of(sid) if any(s.kind is SpanKind.LLM_CALL for s in t.spans.values())),
                   key=lambda t: t.start_ns)
    assert len(turns) == 2
    for trace, calls, prompt in zip(turns, (served[:2], served[2:]), prompts, strict=True):
        spans = trace.spans.values()
        said = [e.attributes["prompt"] for s in spans for e in s.events
                if e.name == "codex.user_prompt" and "prompt" in e.attributes]
        assert said == [prompt]
        got = sorted((usage_of(s) for s in spans if s.kind is SpanKind.LLM_CALL and counted(s)), key=str)
        assert got == sorted((expected_usage(c, client) for c in calls), key=str)  # reasoning once, cache kept
        tools = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
        assert [s.tool.call_id for s in tools] == [c["tool_call_id"] for c in calls if c.get("tool_call_id")]
        assert [s.tool.name for s in tools] == ["exec_command"]
    totals = rp.store.sessions[sid].totals
    assert (totals.llm_calls, totals.input_tokens, totals.output_tokens, totals.cache_read, totals.reasoning) == (
        4, *(sum(c["usage_normalized"][k] for c in served) for k in ("input", "output", "cached", "reasoning")))
    price = sum(_expected_price(s, served, client) for s in llm_spans(rp.store, sid) if counted(s))
    assert totals.cost == pytest.approx(price, abs=1e-9)
    listed = {s["id"]: s for s in cli_json(rp.db, "sessions", "list", "--limit", "1000")}[sid]
    assert (listed["input_tokens"], listed["output_tokens"]) == (totals.input_tokens, totals.output_tokens)
    assert listed["cost"] == pytest.approx(totals.cost, abs=1e-6)
    costs = cli_json(rp.db, "costs")["total"]
    assert (costs["input_tokens"], costs["output_tokens"], costs["cache_read_tokens"]) == (
        totals.input_tokens, totals.output_tokens, totals.cache_read)
    assert costs["cost_usd"] == pytest.approx(totals.cost, abs=1e-6)


def test_a_resumed_gemini_cli_session_is_one_session_named_by_its_first_prompt(replays: Any) -> None:
    """``gemini -p`` then ``gemini -p ... --resume latest`` (a second process, the same HOME and
    directory): the CLI goes on under the same session id, so the monitor shows one session, named by
    the first prompt (its ``gemini_cli.user_prompt`` record), with each process's calls counted once
    (the resumed turn's input mostly cached, its thinking in the output) and both shell tool calls;
    its cost is genai-prices' and every surface says the same. The refused resumed turn is lost with
    the process (exit 144, nothing exported): that run's session holds its first turn alone."""
    rp, client = replays("gemini-cli-resume"), CLIENTS["gemini-cli-resume"]
    runs = {r["label"]: r for r in rp.manifest["runs"]}
    prompts = rp.manifest["prompts"]
    ids = {s["session_id"] for s in rp.manifest["cli_results"]["ok"]}
    assert len(ids) == 1  # the resumed process keeps the session's id
    sid = ids.pop()
    assert rp.sessions["ok"] == [sid]
    assert rp.store.sessions[sid].session.shown_name == cv.prompt_name(prompts[0])
    served = ok_calls(runs["ok"])
    assert [c["turn"] for c in served] == [1, 1, 1, 2, 2, 2]
    assert [bool(c.get("resumed")) for c in served] == [False, False, False, False, True, True]  # the router's: no cache
    spans = [s for s in llm_spans(rp.store, sid) if counted(s)]
    assert Counter(tuple(sorted(usage_of(s).items())) for s in spans) == Counter(
        tuple(sorted(expected_usage(c, client).items())) for c in served)
    tools = sorted((s for t in rp.store.traces_of(sid) for s in t.spans.values() if s.kind is SpanKind.TOOL_EXECUTION),
                   key=lambda s: s.start_ns)
    # Its call id is the tool's name and the API's call id (``run_shell_command__fc_…``).
    assert [(s.tool.name, s.tool.call_id) for s in tools if s.tool] == [
        (c["tool_name"], f"{c['tool_name']}__{c['tool_call_id']}") for c in served if c.get("tool_call_id")]
    totals = rp.store.sessions[sid].totals
    assert (totals.llm_calls, totals.input_tokens, totals.output_tokens, totals.cache_read, totals.reasoning) == (
        6, *(sum(c["usage_normalized"][k] for c in served) for k in ("input", "output", "cached", "reasoning")))
    price = sum(_expected_price(s, served, client) for s in spans)
    assert totals.cost == pytest.approx(price, abs=1e-9)
    listed = {s["id"]: s for s in cli_json(rp.db, "sessions", "list", "--limit", "1000")}
    assert (listed[sid]["input_tokens"], listed[sid]["output_tokens"]) == (totals.input_tokens, totals.output_tokens)
    assert listed[sid]["cost"] == pytest.approx(totals.cost, abs=1e-6)
    costs = cli_json(rp.db, "costs", "--session", sid)["total"]
    assert (costs["input_tokens"], costs["output_tokens"], costs["cache_read_tokens"]) == (
        totals.input_tokens, totals.output_tokens, totals.cache_read)
    assert costs["cost_usd"] == pytest.approx(totals.cost, abs=1e-6)
    # The CLI's own summary after the resume counts the resumed process's calls alone, model by model.
    resumed = rp.manifest["cli_results"]["ok"][1]["stats"]["models"]
    assert sum(m["tokens"]["prompt"] for m in resumed.values()) == sum(
        c["usage_normalized"]["input"] for c in served if c["turn"] == 2)
    (failed,) = rp.sessions["error"]
    first_turn = ok_calls(runs["error"])
    assert [c["turn"] for c in first_turn] == [1, 1, 1]
    assert rp.store.sessions[failed].session.shown_name == cv.prompt_name(prompts[0])
    shown = rp.store.sessions[failed].totals
    assert (shown.llm_calls, shown.input_tokens, shown.errors) == (
        3, sum(c["usage_normalized"]["input"] for c in first_turn), 0)
