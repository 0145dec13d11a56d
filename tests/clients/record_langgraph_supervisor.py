"""Record a LangGraph multi-agent supervisor (``langgraph-supervisor``) on langchain-openai, traced by OpenInference.

Run: ``python tests/clients/record_langgraph_supervisor.py`` (creates its own venv).
The pins and the tracing are ``record_langchain.py``'s (``ChatOpenAI`` streamed with usage,
OpenInference's LangChain instrumentation, OTLP/HTTP protobuf, traces only), with
``langgraph-supervisor``. ``create_supervisor([weather_agent], model=llm)`` builds a supervisor
(itself a ``create_react_agent`` named ``supervisor``) whose only tool is the handoff
``transfer_to_weather_agent``, which the fake LLM calls (the only tool offered). The
``weather_agent`` (``create_react_agent`` with ``get_weather``) then gets the whole
conversation, which ends with the handoff's result: the fake LLM is scripted to answer its
first call with ``get_weather`` (``tool_answers``), then with text quoting the tool's result.
The supervisor gets the agent's answer and the hand-back pair and answers last. The ``error``
run refuses only the weather agent's model call (the requests offering ``get_weather``): the
handoff succeeds, the agent's call fails.
"""

from __future__ import annotations

from pathlib import Path

from record_langchain import PACKAGES as LANGCHAIN_PACKAGES
from recording import FAKE_KEY, OTEL_SDK_SETUP, Recording, installed_versions, otel_env, recorder_main

NAME = "langgraph_supervisor"
PACKAGES = [*LANGCHAIN_PACKAGES, "langgraph-supervisor==0.0.31"]

#: The weather agent's tool, called once by it (the supervisor is not offered it).
TOOL_ANSWERS = {"get_weather": [{"city": "Paris"}]}

AGENT = OTEL_SDK_SETUP + '''
import sys
from openinference.instrumentation.langchain import LangChainInstrumentor

LangChainInstrumentor().instrument(tracer_provider=tracer_provider)

from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.prebuilt import create_react_agent
from langgraph_supervisor import create_supervisor


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


llm = ChatOpenAI(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"],
                 streaming=True, stream_usage=True)
weather_agent = create_react_agent(llm, [get_weather], name="weather_agent",
                                   prompt="Answer weather questions with the get_weather tool.")
supervisor = create_supervisor(
    [weather_agent], model=llm,
    prompt="You manage a weather agent. Hand weather questions to it, then answer with its result.",
).compile()
code = 0
try:
    out = supervisor.invoke({"messages": [("user", "What is the weather in Paris?")]})
    print("AGENTS:", [getattr(m, "name", None) for m in out["messages"]])
    print("FINAL:", out["messages"][-1].content)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec:
        env = otel_env(rec.cap.url, service_name="langgraph-supervisor-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error", refuse_offering="get_weather")
        rec.save(
            packages=installed_versions(
                python, [p.split("==")[0] for p in PACKAGES] + ["langchain-core", "openai", "langgraph-prebuilt"]
            ),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "create_supervisor([weather_agent], model=llm) with ChatOpenAI(streaming=True, stream_usage=True); "
                "the supervisor's only tool is the handoff transfer_to_weather_agent.",
                "weather_agent: create_react_agent(llm, [get_weather], name='weather_agent').",
                "The fake LLM's scripted tool answers (fakellm_tool_answers): the weather agent's first call gets "
                "get_weather(city='Paris'), its second a text answer quoting the result; the supervisor's second "
                "call, after the hand-back, a text answer.",
                "error run: only the weather agent's model call is refused (HTTP 400); the supervisor's handoff "
                "call is answered as in the ok run.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
