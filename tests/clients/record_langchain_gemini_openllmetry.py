"""Record the LangGraph agent on Gemini traced by OpenLLMetry: its LangChain and Google Generative AI instrumentations both, as ``traceloop-sdk`` sets them up.

Run: ``python tests/clients/record_langchain_gemini_openllmetry.py`` (creates its own venv).
The agent of ``record_langchain_gemini_openinference.py`` (``create_react_agent`` on
``ChatGoogleGenerativeAI(model="gemini-2.5-flash")``, streamed) against the fake LLM's
Gemini API, with OpenLLMetry's ``LangchainInstrumentor`` and
``GoogleGenerativeAiInstrumentor`` (what ``Traceloop.init()`` turns on for an app
with both packages: the latter traces the google-genai SDK that langchain-google-genai
calls) on the plain OpenTelemetry SDK instead of OpenInference.
"""

from __future__ import annotations

from pathlib import Path

from record_langchain_gemini_openinference import AGENT as OPENINFERENCE_AGENT
from record_langchain_gemini_openinference import MODEL, VERSIONS, record_gemini
from recording import OTEL_SDK_PACKAGES, recorder_main

NAME = "langchain_gemini_openllmetry"
PACKAGES = ["langgraph==1.2.24", "langchain-google-genai==4.4.3", "opentelemetry-instrumentation-langchain==0.62.4",
            "opentelemetry-instrumentation-google-generativeai==0.62.4", *OTEL_SDK_PACKAGES]

AGENT = OPENINFERENCE_AGENT.replace(
    "from openinference.instrumentation.langchain import LangChainInstrumentor\n\n"
    "LangChainInstrumentor().instrument(tracer_provider=tracer_provider)\n",
    "from opentelemetry.instrumentation.langchain import LangchainInstrumentor\n"
    "from opentelemetry.instrumentation.google_generativeai import GoogleGenerativeAiInstrumentor\n\n"
    "LangchainInstrumentor().instrument()\nGoogleGenerativeAiInstrumentor().instrument()\n")
assert "LangchainInstrumentor().instrument()" in AGENT


def record(python: Path) -> None:
    record_gemini(NAME, python, AGENT, recorder=Path(__file__).name,
                  versions=[*VERSIONS, "opentelemetry-instrumentation-langchain",
                            "opentelemetry-instrumentation-google-generativeai"],
                  notes=[f"create_react_agent on ChatGoogleGenerativeAI(model={MODEL!r}, streaming=True); OpenLLMetry's "
                         "LangChain and Google Generative AI instrumentors, as Traceloop.init() sets them up."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
