"""Record LangGraph traced by OpenLLMetry: its LangChain and OpenAI instrumentations both, as ``traceloop-sdk`` sets them up.

Run: ``python tests/clients/record_openllmetry_langchain.py`` (creates its own venv).
The agent of ``record_langchain.py`` (``create_react_agent`` on
``ChatOpenAI``, streaming with ``stream_usage``) against the fake LLM, with
OpenLLMetry's ``LangchainInstrumentor`` and ``OpenAIInstrumentor`` (what
``Traceloop.init()`` turns on for such an app) on the plain OpenTelemetry SDK:
each model call is reported by the LangChain span and by the OpenAI span inside it.
"""

from __future__ import annotations

from pathlib import Path

from record_langchain import AGENT as LANGCHAIN_AGENT
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "openllmetry_langchain"
PACKAGES = ["langgraph==1.2.24", "langchain-openai==1.8.1", "opentelemetry-instrumentation-langchain==0.62.4",
            "opentelemetry-instrumentation-openai==0.62.4", *OTEL_SDK_PACKAGES]

AGENT = LANGCHAIN_AGENT.replace(
    "from openinference.instrumentation.langchain import LangChainInstrumentor\n\n"
    "LangChainInstrumentor().instrument(tracer_provider=tracer_provider)\n",
    "from opentelemetry.instrumentation.langchain import LangchainInstrumentor\n"
    "from opentelemetry.instrumentation.openai import OpenAIInstrumentor\n\n"
    "LangchainInstrumentor().instrument()\nOpenAIInstrumentor().instrument()\n")
assert "LangchainInstrumentor().instrument()" in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["langgraph", "langchain-openai", "opentelemetry-instrumentation-langchain",
                           "opentelemetry-instrumentation-openai", "openai", "opentelemetry-sdk"],
                 notes=["create_react_agent on ChatOpenAI (streaming, stream_usage); OpenLLMetry's LangChain and "
                        "OpenAI instrumentors, as Traceloop.init() sets them up."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
