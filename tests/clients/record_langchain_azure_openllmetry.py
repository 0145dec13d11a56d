"""Record the LangGraph agent on Azure OpenAI traced by OpenLLMetry: its LangChain and OpenAI instrumentations both, as ``traceloop-sdk`` sets them up.

Run: ``python tests/clients/record_langchain_azure_openllmetry.py`` (creates its own venv).
The agent of ``record_langchain_azure_openinference.py`` (``create_react_agent`` on
``AzureChatOpenAI`` with deployment ``my-gpt4o-mini``, not streamed)
against the fake LLM's Azure deployment route, with OpenLLMetry's
``LangchainInstrumentor`` and ``OpenAIInstrumentor`` (what ``Traceloop.init()``
turns on for such an app) on the plain OpenTelemetry SDK: each model call is
reported by the LangChain span and by the OpenAI span inside it.
"""

from __future__ import annotations

from pathlib import Path

from record_langchain_azure_openinference import AGENT as OPENINFERENCE_AGENT
from record_langchain_azure_openinference import API_VERSION, DEPLOYMENT, VERSIONS, azure_env
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "langchain_azure_openllmetry"
PACKAGES = ["langgraph==1.2.24", "langchain-openai==1.8.1", "opentelemetry-instrumentation-langchain==0.62.4",
            "opentelemetry-instrumentation-openai==0.62.4", *OTEL_SDK_PACKAGES]

AGENT = OPENINFERENCE_AGENT.replace(
    "from openinference.instrumentation.langchain import LangChainInstrumentor\n\n"
    "LangChainInstrumentor().instrument(tracer_provider=tracer_provider)\n",
    "from opentelemetry.instrumentation.langchain import LangchainInstrumentor\n"
    "from opentelemetry.instrumentation.openai import OpenAIInstrumentor\n\n"
    "LangchainInstrumentor().instrument()\nOpenAIInstrumentor().instrument()\n")
assert "LangchainInstrumentor().instrument()" in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[*VERSIONS, "opentelemetry-instrumentation-langchain", "opentelemetry-instrumentation-openai"],
                 notes=[f"create_react_agent on AzureChatOpenAI(azure_deployment={DEPLOYMENT!r}, api-version "
                        f"{API_VERSION}, not streamed); OpenLLMetry's LangChain and OpenAI "
                        "instrumentors, as Traceloop.init() sets them up.",
                        "The error run is Azure's content-filter 400."],
                 client_env=azure_env)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
