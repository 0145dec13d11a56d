"""Record Agno on Amazon Bedrock traced by OpenLLMetry: its Agno and Bedrock instrumentations both, as ``traceloop-sdk`` sets them up.

Run: ``python tests/clients/record_agno_bedrock_openllmetry.py`` (creates its own venv).
The agent of ``record_agno_bedrock.py`` (an ``Agent`` with the ``get_weather``
tool on ``AwsBedrock``, Bedrock's Converse API through boto3, at the fake LLM;
Agno's telemetry off) with OpenLLMetry's ``AgnoInstrumentor`` (agent and tool
spans) and ``BedrockInstrumentor`` (the boto3 ``bedrock-runtime`` client Agno
calls) on the plain OpenTelemetry SDK: the set-up where one model call could
be reported twice, and where Bedrock's input count (the cache beside it) is
passed on as the API sent it.
"""

from __future__ import annotations

from pathlib import Path

from record_agno_bedrock import AGENT as OPENINFERENCE_AGENT
from record_agno_bedrock import MODEL
from record_agno_bedrock import PACKAGES as OPENINFERENCE_PACKAGES
from record_agno_openllmetry import OPENINFERENCE_SETUP, OPENLLMETRY
from record_strands_bedrock import bedrock_env
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "agno_bedrock_openllmetry"
PACKAGES = [
    *(p for p in OPENINFERENCE_PACKAGES if p.startswith(("agno", "boto3"))),
    f"opentelemetry-instrumentation-agno=={OPENLLMETRY}",
    f"opentelemetry-instrumentation-bedrock=={OPENLLMETRY}",
    *OTEL_SDK_PACKAGES,
]

OPENLLMETRY_SETUP = '''from opentelemetry.instrumentation.agno import AgnoInstrumentor
from opentelemetry.instrumentation.bedrock import BedrockInstrumentor

AgnoInstrumentor().instrument(tracer_provider=tracer_provider)
BedrockInstrumentor().instrument(tracer_provider=tracer_provider)
'''
AGENT = OPENINFERENCE_AGENT.replace(OPENINFERENCE_SETUP, OPENLLMETRY_SETUP)
assert AGENT != OPENINFERENCE_AGENT and "openinference" not in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["agno", "opentelemetry-instrumentation-agno", "opentelemetry-instrumentation-bedrock",
                           "boto3", "botocore", "opentelemetry-sdk"],
                 notes=[f"The agno_bedrock agent (one tool, AwsBedrock(id={MODEL!r}), Converse through boto3); "
                        "OpenLLMetry's Agno and Bedrock instrumentors, as Traceloop.init() sets them up; the fake "
                        "LLM at AWS_ENDPOINT_URL_BEDROCK_RUNTIME; Agno telemetry off."],
                 client_env=lambda rec: bedrock_env(rec) | {"AGNO_TELEMETRY": "false"})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
