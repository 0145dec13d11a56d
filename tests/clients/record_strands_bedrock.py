"""Record Strands Agents on its default model provider, Amazon Bedrock (``BedrockModel``).

Run: ``python tests/clients/record_strands_bedrock.py`` (creates its own venv).
``BedrockModel`` calls Bedrock's ConverseStream API through boto3 (streaming is
its default), here at the fake LLM through ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``
with dummy AWS credentials, for a cross-region inference profile id as users
write it (``us.anthropic.claude-sonnet-4-20250514-v1:0``). Strands' own
telemetry (``StrandsTelemetry``) exports traces and metrics over OTLP/HTTP.
Bedrock reports cache reads and writes beside ``inputTokens`` (not in it).
"""

from __future__ import annotations

from pathlib import Path

from recording import Recording, installed_versions, otel_env, recorder_main

NAME = "strands_bedrock"
PACKAGES = ["strands-agents[otel]==1.62.0"]
MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0"

AGENT = f'''
import sys
from strands import Agent, tool
from strands.models import BedrockModel
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
    return f"Sunny, 22 C in {{city}}"


model = BedrockModel(model_id="{MODEL}", region_name="us-east-1")
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


def bedrock_env(rec: Recording) -> dict[str, str]:
    """What points boto3's bedrock-runtime client at the fake LLM, with credentials that sign but open nothing."""
    return {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": rec.llm.url, "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


def record(python: Path) -> None:
    versions = installed_versions(python, ["strands-agents", "boto3", "botocore", "opentelemetry-sdk"])
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="strands-bedrock-recording", signals=("traces", "metrics"))
        env |= bedrock_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=[f"BedrockModel (ConverseStream, Strands' default) for {MODEL} via StrandsTelemetry's "
                        "OTLP exporters; the fake LLM at AWS_ENDPOINT_URL_BEDROCK_RUNTIME."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
