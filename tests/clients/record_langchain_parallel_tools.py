"""Record a LangGraph ReAct agent (langchain-openai) whose model asks for two tool calls at once.

The ``langchain`` agent (``create_react_agent``, ``ChatOpenAI`` streamed with usage, traced by
OpenInference's LangChain instrumentation; the same pins as ``record_langchain.py``) asked for the
weather in Paris and in Tokyo: the fake LLM answers model call 1 with two ``get_weather`` calls in one
message (``parallel_calls``), LangGraph's tool node runs them side by side (each takes a moment, so
their times overlap), model call 2 answers with the results.

Run: ``python tests/clients/record_langchain_parallel_tools.py`` (creates its own venv).
Exported by the OTel SDK as OTLP/HTTP protobuf (traces only).
"""

from __future__ import annotations

from pathlib import Path

from record_langchain import PACKAGES as LANGCHAIN_PACKAGES
from recording import (
    FAKE_KEY,
    OTEL_SDK_SETUP,
    Recording,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "langchain_parallel_tools"
PACKAGES = list(LANGCHAIN_PACKAGES)
#: What model call 1 asks for, in one message.
PARALLEL_CALLS = [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Tokyo"})]

AGENT = OTEL_SDK_SETUP + '''
import sys
import time
from openinference.instrumentation.langchain import LangChainInstrumentor

LangChainInstrumentor().instrument(tracer_provider=tracer_provider)

from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.prebuilt import create_react_agent


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    time.sleep(0.3)  # a call that takes a moment: run side by side, the two calls overlap
    return f"Sunny, 22 C in {city}"


llm = ChatOpenAI(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"],
                 streaming=True, stream_usage=True)
agent = create_react_agent(llm, [get_weather], prompt="Answer weather questions with the get_weather tool.")
code = 0
try:
    out = agent.invoke({"messages": [("user", "What is the weather in Paris and in Tokyo?")]})
    print("FINAL:", out["messages"][-1].content)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME, parallel_calls=PARALLEL_CALLS) as rec:
        env = otel_env(rec.cap.url, service_name="langgraph-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(
                python, [p.split("==")[0] for p in PACKAGES] + ["langchain-core", "openai", "langgraph-prebuilt"]
            ),
            env=env,
            recorder=Path(__file__).name,
            notes=["create_react_agent with ChatOpenAI(streaming=True, stream_usage=True); model call 1 answered "
                   "with two get_weather calls in one message (Paris, Tokyo), each tool call sleeping 0.3 s."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
