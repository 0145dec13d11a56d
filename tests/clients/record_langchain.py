"""Record a LangGraph ReAct agent (langchain-openai) traced by OpenInference.

Run: ``python tests/clients/record_langchain.py`` (creates its own venv).
Exported by the OTel SDK as OTLP/HTTP protobuf (traces only: the
instrumentation emits spans).
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

NAME = "langchain"
PACKAGES = [
    "langgraph==1.2.24",
    "langchain-openai==1.8.1",
    "openinference-instrumentation-langchain==0.1.80",
    *OTEL_SDK_PACKAGES,
]

AGENT = OTEL_SDK_SETUP + '''
import sys
from openinference.instrumentation.langchain import LangChainInstrumentor

LangChainInstrumentor().instrument(tracer_provider=tracer_provider)

from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.prebuilt import create_react_agent


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


llm = ChatOpenAI(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"],
                 streaming=True, stream_usage=True)
agent = create_react_agent(llm, [get_weather], prompt="Answer weather questions with the get_weather tool.")
code = 0
try:
    out = agent.invoke({"messages": [("user", "What is the weather in Paris?")]})
    print("FINAL:", out["messages"][-1].content)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME) as rec:
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
            notes=["create_react_agent with ChatOpenAI(streaming=True, stream_usage=True)."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
