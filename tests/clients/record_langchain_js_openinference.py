"""Record the LangGraph.js ReAct agent on OpenAI's Responses API with a reasoning model, traced by OpenInference.

Run: ``python tests/clients/record_langchain_js_openinference.py`` (installs the pinned
npm packages into a cached prefix, then records). The agent of ``record_langgraph_js.py``
(``createReactAgent`` from ``@langchain/langgraph/prebuilt`` with the ``get_weather``
tool, traced by ``@arizeai/openinference-instrumentation-langchain`` with
``manuallyInstrument`` on ``@langchain/core/callbacks/manager``, the OTel Node SDK
exporting OTLP/HTTP protobuf) on ``@langchain/openai``'s ``ChatOpenAI`` for
``gpt-5-mini`` with ``useResponsesApi: true`` (the Responses API, as LangChain.js
uses for OpenAI's reasoning models and built-in tools), ``reasoning: { effort:
'medium' }`` and ``streaming: true``. The fake LLM answers as an OpenAI reasoning
model does (``OPENAI_REASONING_USAGE``): a reasoning item before the answer's items,
``output_tokens`` that include ``output_tokens_details.reasoning_tokens``,
``input_tokens`` that include ``input_tokens_details.cached_tokens``, the usage on
the stream's ``response.completed``.
"""

from __future__ import annotations

from pathlib import Path

from fakellm import OPENAI_REASONING_USAGE
from record_langgraph_js import agent_script, record
from recording import openai_env

NAME = "langchain_js_openinference"
#: A reasoning model genai-prices has a price for.
MODEL = "gpt-5-mini"
PACKAGES = ["@langchain/langgraph@1.7.5", "@langchain/openai@1.6.0", "@langchain/core@1.5.0",
            "@arizeai/openinference-instrumentation-langchain@4.1.1", "@opentelemetry/sdk-node@0.301.0",
            "@opentelemetry/exporter-trace-otlp-proto@0.301.1", "zod@4"]

AGENT = agent_script("const { ChatOpenAI } = await import('@langchain/openai');", f"""
new ChatOpenAI({{
  model: '{MODEL}',
  configuration: {{ baseURL: process.env.OPENAI_BASE_URL }},
  useResponsesApi: true,
  reasoning: {{ effort: 'medium' }},
  streaming: true,
  maxRetries: 0,
}})""")


def main() -> None:
    record(NAME, PACKAGES, ["@langchain/langgraph", "@langchain/openai", "@langchain/core",
                            "@arizeai/openinference-instrumentation-langchain", "@arizeai/openinference-core", "openai",
                            "@opentelemetry/sdk-node", "@opentelemetry/api"],
           openai_env, AGENT,
           [f"createReactAgent with one tool on ChatOpenAI(model {MODEL!r}, useResponsesApi: true, reasoning effort "
            "medium, streaming: true, maxRetries 0; baseURL at the fake LLM, key from OPENAI_API_KEY), one invoke; "
            "LangChainInstrumentation().manuallyInstrument(@langchain/core/callbacks/manager); "
            "OTel Node SDK, OTLP/HTTP protobuf.",
            "The fake LLM answers as an OpenAI reasoning model: a reasoning item before the answer's items, "
            "output_tokens including output_tokens_details.reasoning_tokens, input_tokens including "
            "input_tokens_details.cached_tokens.",
            "error: every model call gets HTTP 400 with OpenAI's error body."],
           Path(__file__).name, usage=OPENAI_REASONING_USAGE)


if __name__ == "__main__":
    main()
