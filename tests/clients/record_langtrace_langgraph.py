"""Record a LangGraph ReAct agent traced by Langtrace's Python SDK (its LangGraph, LangChain and OpenAI instrumentations).

Run: ``python tests/clients/record_langtrace_langgraph.py`` (creates its own venv, then records in a
loopback-only network namespace where it can make one, each run under ``strace``).

The agent of ``record_langchain.py`` (``create_react_agent`` on ``ChatOpenAI``, here not streamed)
set up by ``langtrace.init(api_host=..., batch=False, service_name="weather-agent")`` as
``record_langtrace.py`` sets it up, the agent built and run in
``@with_langtrace_root_span("weather_agent")`` (so its building is in the run's trace):
``init`` instruments every library it supports that is installed, here LangGraph (its
``StateGraph`` building methods), langchain-core (chat models, runnables, prompts, parsers ...)
and the OpenAI SDK that ``ChatOpenAI`` calls, so a model call may be reported by LangChain's chat
model span and the OpenAI SDK's span inside it.
"""

from __future__ import annotations

from pathlib import Path

from record_langchain import PACKAGES as LANGCHAIN_PACKAGES
from record_langtrace import PACKAGES as LANGTRACE_PACKAGES
from record_langtrace import langtrace_main, record

NAME = "langtrace_langgraph"
# The LangGraph pins of record_langchain.py (no OpenInference) and the Langtrace pins of record_langtrace.py.
PACKAGES = [p for p in LANGCHAIN_PACKAGES if p.startswith(("langgraph==", "langchain-openai=="))] + LANGTRACE_PACKAGES

AGENT = '''
import os, sys
from langtrace_python_sdk import langtrace, with_langtrace_root_span  # before the LLM libraries, as its docs say

langtrace.init(api_host=os.environ["MONITOR_OTLP_URL"], batch=False, service_name="weather-agent")

from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.prebuilt import create_react_agent


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


@with_langtrace_root_span("weather_agent")
def weather_agent(question: str) -> str:
    llm = ChatOpenAI(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"],
                     api_key=os.environ["OPENAI_API_KEY"], max_retries=0)
    agent = create_react_agent(llm, [get_weather], prompt="Answer weather questions with the get_weather tool.")
    out = agent.invoke({"messages": [("user", question)]})
    return out["messages"][-1].content


code = 0
try:
    print("FINAL:", weather_agent("What is the weather in Paris?"))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
sys.exit(code)
'''

NOTES = ["create_react_agent on ChatOpenAI (not streamed), built and invoked in @with_langtrace_root_span('weather_agent'), "
         "the session from LANGTRACE_SESSION_ID; langtrace.init(api_host='{OTLP_URL}', batch=False, "
         "service_name='weather-agent') instruments LangGraph, langchain-core and OpenAI by itself."]


def record_isolated(python: Path, isolated: bool) -> None:
    record(python, isolated, name=NAME, agent=AGENT, notes=NOTES,
           versions=("langgraph", "langchain-openai", "langchain-core"))


if __name__ == "__main__":
    langtrace_main(NAME, PACKAGES, record_isolated)
