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

from record_strands import AGENT as STRANDS_AGENT
from recording import Recording, installed_versions, otel_env, recorder_main

NAME = "strands_bedrock"
PACKAGES = ["strands-agents[otel]==1.65.0"]
MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0"

# The agent of record_strands.py on Bedrock: only the model differs.
OPENAI_MODEL = """model = OpenAIModel(
    client_args={"api_key": os.environ["OPENAI_API_KEY"], "base_url": os.environ["OPENAI_BASE_URL"]},
    model_id="gpt-4o-mini",
)"""
AGENT = (STRANDS_AGENT.replace("import os, sys\n", "import sys\n", 1)
         .replace("from strands.models.openai import OpenAIModel", "from strands.models import BedrockModel")
         .replace(OPENAI_MODEL, f'model = BedrockModel(model_id="{MODEL}", region_name="us-east-1")'))
assert "OpenAIModel" not in AGENT


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
