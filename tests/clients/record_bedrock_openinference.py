"""Record boto3's ``bedrock-runtime`` client traced by OpenInference's ``openinference-instrumentation-bedrock``.

Run: ``python tests/clients/record_bedrock_openinference.py`` (creates its own venv).
The tool loop of ``record_bedrock_botocore.py`` (call 1 ``converse``, call 2
``converse_stream`` with the tool result; the tool runs in the script, untraced)
at the fake LLM through ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME`` with dummy AWS
credentials, instrumented by OpenInference's ``BedrockInstrumentor`` (it wraps
the botocore client's ``converse``/``converse_stream``), exported by the OTel SDK
over OTLP/HTTP.
"""

from __future__ import annotations

from pathlib import Path

from record_bedrock_botocore import SETUP, TURN
from record_strands_bedrock import bedrock_env
from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, record_turns, recorder_main

NAME = "bedrock_openinference"
PACKAGES = ["boto3==1.44.18", "openinference-instrumentation-bedrock==0.1.61", *OTEL_SDK_PACKAGES]

CONTRIB = '''from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

BotocoreInstrumentor().instrument()
'''
INSTRUMENT = '''from openinference.instrumentation.bedrock import BedrockInstrumentor

BedrockInstrumentor().instrument(tracer_provider=tracer_provider)
'''
assert CONTRIB in SETUP
AGENT = OTEL_SDK_SETUP + SETUP.replace(CONTRIB, INSTRUMENT) + guarded(TURN)


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name, client_env=bedrock_env,
                 versions=["boto3", "botocore", "openinference-instrumentation-bedrock",
                           "openinference-instrumentation", "opentelemetry-sdk"],
                 notes=["Call 1 converse (JSON), call 2 converse_stream (event stream) with the tool result; "
                        "the tool runs in the script, untraced."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
