"""Record Strands Agents (OpenAI model provider) in both GenAI semconv modes.

Run: ``python tests/clients/record_strands.py`` (creates its own venv).
Strands' own telemetry setup (``StrandsTelemetry``) exports traces and
metrics over OTLP/HTTP protobuf.  Two fixture folders come out:

* ``fixtures/strands/``: default attributes;
* ``fixtures/strands_latest/``: ``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental``.
"""

from __future__ import annotations

from pathlib import Path

from recording import FAKE_KEY, Recording, installed_versions, otel_env, recorder_main

NAME = "strands"
PACKAGES = ["strands-agents[openai,otel]==1.65.0"]

AGENT = '''
import os, sys
from strands import Agent, tool
from strands.models.openai import OpenAIModel
from strands.telemetry import StrandsTelemetry

telemetry = StrandsTelemetry()
telemetry.setup_otlp_exporter()
telemetry.setup_meter(enable_otlp_exporter=True)


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The city name.
    """
    return f"Sunny, 22 C in {city}"


model = OpenAIModel(
    client_args={"api_key": os.environ["OPENAI_API_KEY"], "base_url": os.environ["OPENAI_BASE_URL"]},
    model_id="gpt-4o-mini",
)
agent = Agent(model=model, tools=[get_weather], system_prompt="Answer weather questions with the get_weather tool.",
              callback_handler=None)
code = 0
try:
    result = agent("What is the weather in Paris?")
    print("FINAL:", result)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    from opentelemetry import trace, metrics
    trace.get_tracer_provider().shutdown()
    mp = metrics.get_meter_provider()
    if hasattr(mp, "shutdown"):
        mp.shutdown()
sys.exit(code)
'''

MODES = {
    "strands": {},
    "strands_latest": {"OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental"},
}


def record(python: Path) -> None:
    versions = installed_versions(python, ["strands-agents", "openai", "opentelemetry-sdk", "opentelemetry-api"])
    for fixture, extra in MODES.items():
        with Recording(fixture) as rec:
            env = otel_env(rec.cap.url, service_name="strands-recording", signals=("traces", "metrics"))
            env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY, **extra}
            rec.run_python("ok", python, AGENT, env)
            rec.run_python("error", python, AGENT, env, mode="error")
            rec.save(
                packages=versions,
                env=env,
                recorder=Path(__file__).name,
                notes=["OpenAI model provider (streaming chat completions) via StrandsTelemetry's OTLP exporters."],
            )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
