"""Record the LangSmith SDK's OpenTelemetry export of a LangGraph agent (no LangSmith backend).

Run: ``python tests/clients/record_langsmith.py`` (creates its own venv).
``langchain.agents.create_agent`` (LangChain 1.x's prebuilt ReAct agent, a
LangGraph graph; ``langgraph.prebuilt.create_react_agent`` is deprecated in
its favour) with one tool on ``ChatOpenAI``, against the fake LLM, the turn's
thread named in the run's config (``configurable.thread_id``). Traced by
LangSmith's own LangChain tracer with ``LANGSMITH_TRACING=true``,
``LANGSMITH_OTEL_ENABLED=true`` and ``LANGSMITH_OTEL_ONLY=true`` (tracing mode
``otel``: OTel export only, nothing sent to LangSmith). With no global tracer
provider set, the SDK makes its own and exports OTLP/HTTP protobuf to
``{OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces`` with an ``x-api-key`` header from
``LANGSMITH_API_KEY`` (a dummy: the receiver ignores it). ``LANGSMITH_ENDPOINT``
is the capture server too, so anything sent to LangSmith's own API would be
recorded (as a non-OTLP path), not sent off the host.
"""

from __future__ import annotations

from pathlib import Path

from recording import Recording, guarded, openai_env, record_turns, recorder_main

NAME = "langsmith"
PACKAGES = ["langsmith[otel]==0.15.1", "langgraph==1.2.24", "langchain==1.5.2", "langchain-openai==1.8.1"]

AGENT = '''
import os, sys
from langchain.agents import create_agent
from langchain_core.tools import tool
from langchain_core.tracers.langchain import wait_for_all_tracers
from langchain_openai import ChatOpenAI
from opentelemetry import trace


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


def otel_shutdown():
    # The LangChain tracer hands runs to the LangSmith client's background thread, which turns
    # them into spans on the provider the SDK set up (global): drain it, then flush the spans.
    wait_for_all_tracers()
    trace.get_tracer_provider().shutdown()


llm = ChatOpenAI(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"],
                 max_retries=0)
agent = create_agent(llm, [get_weather], system_prompt="Answer weather questions with the get_weather tool.")
config = {"configurable": {"thread_id": "weather-" + os.environ["RUN_LABEL"]}}
''' + guarded('''
out = agent.invoke({"messages": [("user", "What is the weather in Paris?")]}, config=config)
print("FINAL:", out["messages"][-1].content)
''')


def langsmith_env(rec: Recording) -> dict[str, str]:
    """What a LangSmith user sets to trace with OpenTelemetry only, plus the OpenAI client's."""
    return openai_env(rec) | {
        "LANGSMITH_TRACING": "true",
        "LANGSMITH_OTEL_ENABLED": "true",
        "LANGSMITH_OTEL_ONLY": "true",
        "LANGSMITH_API_KEY": "lsv2-recording-not-a-real-key",
        "LANGSMITH_ENDPOINT": rec.cap.url,
    }


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["langsmith", "langgraph", "langchain", "langchain-core", "langchain-openai", "openai",
                           "opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http"],
                 notes=["create_agent (langchain 1.x, a LangGraph graph) with one tool on ChatOpenAI (chat completions, "
                        "not streamed); thread_id in the run's config; LANGSMITH_TRACING + LANGSMITH_OTEL_ENABLED + "
                        "LANGSMITH_OTEL_ONLY (tracing mode otel), the SDK's own tracer provider."],
                 client_env=langsmith_env)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
