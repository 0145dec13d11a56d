"""Record LangGraph traced by OpenLIT: ``openlit.init()`` instruments LangChain and the OpenAI client at once.

Run: ``python tests/clients/record_openlit_langgraph.py`` (creates its own venv).
The agent of ``record_langchain.py`` (``create_react_agent`` on ``ChatOpenAI``,
streaming with ``stream_usage``) against the fake LLM, set up by
``openlit.init(otlp_endpoint=...)`` as OpenLIT's documentation shows: OpenLIT
builds the tracer and meter providers itself and auto-instruments every
library it finds installed (here LangChain, LangGraph and OpenAI), so each
model call may be reported by both the LangChain chat span and the OpenAI span.
"""

from __future__ import annotations

from pathlib import Path

from record_langchain import AGENT as LANGCHAIN_AGENT
from record_langchain import PACKAGES as LANGCHAIN_PACKAGES
from record_openlit import PACKAGES as OPENLIT_PACKAGES
from record_openlit import SETUP as OPENLIT_SETUP
from recording import OTEL_SDK_SETUP, record_turns, recorder_main

NAME = "openlit_langgraph"
# The LangGraph pins of record_langchain.py and the OpenLIT pins of record_openlit.py (no OpenInference).
PACKAGES = [p for p in LANGCHAIN_PACKAGES if p.startswith(("langgraph==", "langchain-openai=="))] + OPENLIT_PACKAGES

AGENT = (LANGCHAIN_AGENT.replace(OTEL_SDK_SETUP, OPENLIT_SETUP)
         .replace("from openinference.instrumentation.langchain import LangChainInstrumentor\n\n"
                  "LangChainInstrumentor().instrument(tracer_provider=tracer_provider)\n", ""))
assert "openinference" not in AGENT and "LangChainInstrumentor" not in AGENT and "openlit.init" in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name, signals=("traces", "logs", "metrics"),
                 versions=["openlit", "langgraph", "langchain-openai", "langchain-core", "openai",
                           "opentelemetry-sdk"],
                 notes=["create_react_agent on ChatOpenAI (streaming, stream_usage); openlit.init(disable_batch=True) "
                        "sets up the exporters and instruments LangChain, LangGraph and OpenAI by itself."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
