"""Record smolagents (a ``ToolCallingAgent``) traced by OpenInference, set up as its documentation says.

Run: ``python tests/clients/record_smolagents.py`` (creates its own venv).
One agent with one tool on ``OpenAIServerModel`` (chat completions), against
the fake LLM; ``SmolagentsInstrumentor`` exports its spans with the OTel SDK
over OTLP/HTTP protobuf.
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

NAME = "smolagents"
PACKAGES = ["smolagents[openai]==1.26.0", "openinference-instrumentation-smolagents==0.1.43", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import os, sys
from openinference.instrumentation.smolagents import SmolagentsInstrumentor

SmolagentsInstrumentor().instrument(tracer_provider=tracer_provider)

from smolagents import OpenAIServerModel, ToolCallingAgent, tool


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The city.
    """
    return f"Sunny, 22 C in {city}"


model = OpenAIServerModel(model_id="gpt-4o-mini", api_base=os.environ["OPENAI_BASE_URL"],
                          api_key=os.environ["OPENAI_API_KEY"], client_kwargs={"max_retries": 0})
agent = ToolCallingAgent(tools=[get_weather], model=model, max_steps=3, verbosity_level=0)
code = 0
try:
    print("FINAL:", agent.run("What is the weather in Paris?"))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="smolagents-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["smolagents", "openinference-instrumentation-smolagents", "openai",
                                                 "opentelemetry-sdk"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["ToolCallingAgent with one tool, OpenAIServerModel (chat completions), max_steps 3."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
