"""Record Agno (an ``Agent`` with one tool) on Amazon Bedrock (``agno.models.aws.AwsBedrock``) traced by OpenInference.

Run: ``python tests/clients/record_agno_bedrock.py`` (creates its own venv).
The agent of ``record_agno.py`` with ``AwsBedrock`` as its model, for a
cross-region inference profile id as users write it: it calls Bedrock's
Converse API through boto3, here at the fake LLM through
``AWS_ENDPOINT_URL_BEDROCK_RUNTIME`` with dummy AWS credentials.
``AgnoInstrumentor`` exports its spans with the OTel SDK over OTLP/HTTP
protobuf (boto3 is not traced). Bedrock reports its cache reads and writes
beside ``inputTokens`` (not in it); Agno keeps them apart in its metrics, and
OpenInference sends ``inputTokens`` as ``llm.token_count.prompt`` with the
cache counts as its prompt details, the provider as Agno names it
(``AwsBedrock``).
"""

from __future__ import annotations

from pathlib import Path

from record_agno import AGENT as AGNO_AGENT
from record_strands_bedrock import bedrock_env
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "agno_bedrock"
PACKAGES = ["agno==3.1.10", "boto3==1.44.5", "openinference-instrumentation-agno==1.0.15", *OTEL_SDK_PACKAGES]
MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0"

# The agent of record_agno.py on Bedrock: only the model differs (region and credentials from the environment).
OPENAI_MODEL = 'OpenAIChat(id="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"], max_retries=0)'
AGENT = (AGNO_AGENT.replace("from agno.models.openai import OpenAIChat", "from agno.models.aws import AwsBedrock")
         .replace(OPENAI_MODEL, f'AwsBedrock(id="{MODEL}")'))
assert "OpenAIChat" not in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["agno", "openinference-instrumentation-agno", "boto3", "botocore", "opentelemetry-sdk"],
                 notes=[f"Agent with one tool, AwsBedrock(id={MODEL!r}) (Converse through boto3) at the fake LLM "
                        "through AWS_ENDPOINT_URL_BEDROCK_RUNTIME; Agno telemetry off."],
                 client_env=lambda rec: bedrock_env(rec) | {"AGNO_TELEMETRY": "false"})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
