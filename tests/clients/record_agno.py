"""Record Agno (an ``Agent`` with one tool) traced by OpenInference, set up as its documentation says.

Run: ``python tests/clients/record_agno.py`` (creates its own venv).
One agent with one tool on ``OpenAIChat`` (chat completions), against the fake
LLM; ``AgnoInstrumentor`` exports its spans with the OTel SDK over OTLP/HTTP
protobuf. Agno's own telemetry is switched off (it would leave the host).
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

NAME = "agno"
PACKAGES = ["agno==3.1.10", "openai", "openinference-instrumentation-agno==1.0.15", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import os, sys
from openinference.instrumentation.agno import AgnoInstrumentor

AgnoInstrumentor().instrument(tracer_provider=tracer_provider)

from agno.agent import Agent
from agno.models.openai import OpenAIChat


def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The city.
    """
    return f"Sunny, 22 C in {city}"


agent = Agent(model=OpenAIChat(id="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"], max_retries=0),
              tools=[get_weather], instructions="Answer weather questions with the get_weather tool.",
              telemetry=False)
code = 0
try:
    out = agent.run("What is the weather in Paris?")
    print("FINAL:", out.content)
    if getattr(out, "status", None) is not None and str(out.status).lower().endswith("error"):
        code = 3
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="agno-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY, "AGNO_TELEMETRY": "false"}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["agno", "openinference-instrumentation-agno", "openai",
                                                 "opentelemetry-sdk"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["Agent with one tool, OpenAIChat (chat completions); Agno telemetry off."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
