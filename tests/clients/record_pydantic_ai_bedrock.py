"""Record pydantic-ai's built-in OpenTelemetry instrumentation on Amazon Bedrock (``BedrockConverseModel``).

Run: ``python tests/clients/record_pydantic_ai_bedrock.py`` (creates its own venv).
``BedrockConverseModel`` calls Bedrock's Converse API through boto3, here at the
fake LLM through ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME`` with dummy AWS credentials,
for a cross-region inference profile id as users write it. ``Agent.instrument_all()``
with the OTel SDK exporting traces, logs and metrics as OTLP/HTTP protobuf.
"""

from __future__ import annotations

from pathlib import Path

from record_pydantic_ai import agent_source
from record_strands_bedrock import bedrock_env
from recording import OTEL_SDK_PACKAGES, Recording, installed_versions, otel_env, recorder_main

NAME = "pydantic_ai_bedrock"
PACKAGES = ["pydantic-ai-slim[bedrock]==2.78.0", *OTEL_SDK_PACKAGES]
MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0"

AGENT = agent_source(f'BedrockConverseModel("{MODEL}")',
                     "from pydantic_ai.models.bedrock import BedrockConverseModel")


def record(python: Path) -> None:
    versions = installed_versions(python, ["pydantic-ai-slim", "boto3", "botocore", "opentelemetry-sdk"])
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="pydantic-ai-bedrock-recording")
        # boto3.Session, which pydantic-ai builds itself, takes its region from AWS_DEFAULT_REGION.
        env |= bedrock_env(rec) | {"AWS_DEFAULT_REGION": "us-east-1"}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=[f"BedrockConverseModel('{MODEL}') (Converse, not streaming); default "
                        "InstrumentationSettings; the fake LLM at AWS_ENDPOINT_URL_BEDROCK_RUNTIME."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
