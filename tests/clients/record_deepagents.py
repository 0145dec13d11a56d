"""Record a LangChain Deep Agent (``deepagents``) handing a task to a sub-agent, traced by OpenInference.

Run: ``python tests/clients/record_deepagents.py`` (creates its own venv).
``create_deep_agent`` (deepagents, a LangGraph agent harness on LangChain 1.x's ``create_agent``)
named ``trip-planner`` on ``ChatOpenAI`` (chat completions, streamed with usage) at the fake LLM,
with one tool of its own (``get_weather``), the planning tool ``write_todos``
(``TodoListMiddleware``: deepagents 0.7 no longer adds it by default) and one declared sub-agent,
``travel-advisor`` (its own system prompt, no tool of its own: deepagents gives it its virtual file
system tools), which the main agent reaches through the ``task`` tool. The fake LLM is scripted
(``tool_answers``) to have the main agent plan, call ``get_weather``, then hand the task over; the
sub-agent, offered its file tools, calls the first (``ls``), then answers; the main agent answers
last with the sub-agent's result. Traced by OpenInference's LangChain instrumentation, exported by
the OTel SDK as OTLP/HTTP protobuf (traces only). The ``error`` run refuses only the sub-agent's
model call (the requests whose system prompt holds its own): the main agent's plan, tool call and
hand-off succeed, then the ``task`` tool fails and the run with it.
"""

from __future__ import annotations

from pathlib import Path

from recording import (
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "deepagents"
PACKAGES = [
    "deepagents==0.7.32",
    "langchain-openai==1.8.1",
    "openinference-instrumentation-langchain==0.1.80",
    *OTEL_SDK_PACKAGES,
]

#: The sub-agent's own instructions; the error run refuses only the requests that hold them.
ADVISOR_PROMPT = "You are a travel advisor. Give one short piece of advice for the weather you are told."

#: The main agent's scripted calls, in this order: its plan, its own tool, then the hand-off to the sub-agent.
TOOL_ANSWERS = {
    "write_todos": [{"todos": [{"content": "Get the weather in Paris", "status": "in_progress"},
                               {"content": "Ask the travel advisor for advice", "status": "pending"}]}],
    "get_weather": [{"city": "Paris"}],
    "task": [{"description": "The weather in Paris is sunny, 22 C. What should a visitor wear?",
              "subagent_type": "travel-advisor"}],
}

#: The agent and its one turn, after a tracing prelude that defines ``otel_shutdown()`` and the run's
#: ``config`` (LangGraph's, None for none).
SETUP = f'''
import sys
from deepagents import create_deep_agent
from langchain.agents.middleware import TodoListMiddleware
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {{city}}"


llm = ChatOpenAI(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"],
                 streaming=True, stream_usage=True, max_retries=0)
advisor = {{
    "name": "travel-advisor",
    "description": "Gives travel advice for a city's weather.",
    "system_prompt": {ADVISOR_PROMPT!r},
    "tools": [],
}}
agent = create_deep_agent(
    model=llm,
    name="trip-planner",
    tools=[get_weather],
    system_prompt="You plan a trip: write a plan, look up the weather, then ask the travel advisor.",
    middleware=[TodoListMiddleware()],
    subagents=[advisor],
)
code = 0
try:
    out = agent.invoke({{"messages": [("user", "What is the weather in Paris, and what should I wear?")]}}, config=config)
    print("TOOLS:", [c["name"] for m in out["messages"] for c in getattr(m, "tool_calls", None) or []])
    print("FINAL:", out["messages"][-1].content)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''

AGENT = OTEL_SDK_SETUP + '''
from openinference.instrumentation.langchain import LangChainInstrumentor

LangChainInstrumentor().instrument(tracer_provider=tracer_provider)
config = None
''' + SETUP


def record(python: Path) -> None:
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec:
        env = otel_env(rec.cap.url, service_name="deepagents-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error", refuse_system=ADVISOR_PROMPT)
        rec.save(
            packages=installed_versions(
                python, [p.split("==")[0] for p in PACKAGES] + ["langchain", "langchain-core", "langgraph", "openai"]
            ),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "create_deep_agent(model=ChatOpenAI(streaming=True, stream_usage=True), name='trip-planner', "
                "tools=[get_weather], middleware=[TodoListMiddleware()], subagents=[travel-advisor]).",
                "The fake LLM's scripted tool answers (fakellm_tool_answers), in order: the main agent's write_todos, "
                "get_weather and task (subagent_type travel-advisor) calls, then its final answer quoting the "
                "sub-agent's result.",
                "travel-advisor: a declared sub-agent with no tool of its own; deepagents offers it its file system "
                "tools (ls first): it calls ls, then answers.",
                "error run: only the sub-agent's model call is refused (refuse_system, its own prompt); the task "
                "tool fails and the run with it.",
                "Each body is stored gzip-compressed: the prompts and the tools' descriptions repeat on every "
                "model call span (about 520 KB raw).",
            ],
            gzip_files=True,
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
