"""Record the LangGraph agent on Anthropic traced by OpenLLMetry: its LangChain and Anthropic instrumentations both, as ``traceloop-sdk`` sets them up.

Run: ``python tests/clients/record_langchain_anthropic_openllmetry.py`` (creates its own venv).
The agent of ``record_langchain_anthropic_openinference.py`` (``create_react_agent``
on ``ChatAnthropic``, streamed) against the fake LLM's Messages API, with
OpenLLMetry's ``LangchainInstrumentor`` and ``AnthropicInstrumentor`` (what
``Traceloop.init()`` turns on for an app with both packages) on the plain
OpenTelemetry SDK instead of OpenInference; the anthropic SDK (2.x) traces each
call itself too.
"""

from __future__ import annotations

from pathlib import Path

from record_langchain_anthropic_openinference import AGENT as OPENINFERENCE_AGENT
from record_langchain_anthropic_openinference import MODEL, VERSIONS, anthropic_env
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "langchain_anthropic_openllmetry"
PACKAGES = ["langgraph==1.2.24", "langchain-anthropic==1.7.10", "opentelemetry-instrumentation-langchain==0.62.4",
            "opentelemetry-instrumentation-anthropic==0.62.4", *OTEL_SDK_PACKAGES]

AGENT = OPENINFERENCE_AGENT.replace(
    "from openinference.instrumentation.langchain import LangChainInstrumentor\n\n"
    "LangChainInstrumentor().instrument(tracer_provider=tracer_provider)\n",
    "from opentelemetry.instrumentation.langchain import LangchainInstrumentor\n"
    "from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor\n\n"
    "LangchainInstrumentor().instrument()\nAnthropicInstrumentor().instrument()\n")
assert "LangchainInstrumentor().instrument()" in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[*VERSIONS, "opentelemetry-instrumentation-langchain", "opentelemetry-instrumentation-anthropic"],
                 notes=[f"create_react_agent on ChatAnthropic(model={MODEL!r}, streaming=True); OpenLLMetry's LangChain "
                        "and Anthropic instrumentors, as Traceloop.init() sets them up."],
                 client_env=anthropic_env)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
