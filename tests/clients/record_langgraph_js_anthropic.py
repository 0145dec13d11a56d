"""Record the LangGraph.js ReAct agent of ``record_langgraph_js.py`` on Anthropic.

Run: ``python tests/clients/record_langgraph_js_anthropic.py`` (installs the pinned
npm packages into a cached prefix, then records). The same ``createReactAgent``
with the ``get_weather`` tool, traced the same way (OpenInference's LangChain
instrumentation, ``manuallyInstrument`` on ``@langchain/core/callbacks/manager``;
OTel Node SDK, OTLP/HTTP protobuf), on ``@langchain/anthropic``'s ``ChatAnthropic``
(Messages API) at the fake LLM by its ``anthropicApiUrl`` option. The agent does
not stream by default (``invoke``), so the model streams (``streaming: true``), as
the Python twin ``record_langchain_anthropic_openinference.py`` does.
"""

from __future__ import annotations

from pathlib import Path

from record_langchain_anthropic_openinference import anthropic_env
from record_langgraph_js import agent_script, record

NAME = "langgraph_js_anthropic"
MODEL = "claude-sonnet-4-5"
PACKAGES = ["@langchain/langgraph@1.7.5", "@langchain/anthropic@1.5.11", "@langchain/core@1.5.0",
            "@arizeai/openinference-instrumentation-langchain@4.1.1", "@opentelemetry/sdk-node@0.301.0",
            "@opentelemetry/exporter-trace-otlp-proto@0.301.1", "zod@4"]

AGENT = agent_script("const { ChatAnthropic } = await import('@langchain/anthropic');", f"""
new ChatAnthropic({{
  model: '{MODEL}',
  anthropicApiUrl: process.env.ANTHROPIC_BASE_URL,
  streaming: true,
}})""")


def main() -> None:
    record(NAME, PACKAGES, ["@langchain/langgraph", "@langchain/anthropic", "@langchain/core",
                            "@arizeai/openinference-instrumentation-langchain", "@anthropic-ai/sdk",
                            "@opentelemetry/sdk-node", "@opentelemetry/api"],
           anthropic_env, AGENT,
           [f"createReactAgent with one tool on ChatAnthropic(model {MODEL!r}, streaming: true, anthropicApiUrl at the "
            "fake LLM; key from ANTHROPIC_API_KEY), one invoke; "
            "LangChainInstrumentation().manuallyInstrument(@langchain/core/callbacks/manager); "
            "OTel Node SDK, OTLP/HTTP protobuf."], Path(__file__).name)


if __name__ == "__main__":
    main()
