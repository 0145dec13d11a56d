"""Record boto3's ``bedrock-runtime`` client traced by ``opentelemetry-instrumentation-botocore``.

Run: ``python tests/clients/record_bedrock_botocore.py`` (creates its own venv).
A hand-written tool loop on Amazon Bedrock's Converse API (call 1 ``converse``,
call 2 ``converse_stream``, whose answer is AWS's binary event stream) at the fake
LLM through ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME`` with dummy AWS credentials,
traced by the contrib botocore instrumentation's GenAI support for Bedrock
(spans with ``gen_ai.system`` ``aws.bedrock``; with message content capture on,
the prompts and answers as log records), exported by the OTel SDK over OTLP/HTTP.
Bedrock reports cache reads and writes beside ``inputTokens`` (not in it).
"""

from __future__ import annotations

from pathlib import Path

from record_strands_bedrock import bedrock_env
from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, record_turns, recorder_main

NAME = "bedrock_botocore"
PACKAGES = ["boto3==1.44.18", "opentelemetry-instrumentation-botocore==0.66b2", *OTEL_SDK_PACKAGES]
MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"

SETUP = f'''
import sys
import boto3
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

BotocoreInstrumentor().instrument()

client = boto3.client("bedrock-runtime", region_name="us-east-1")
MODEL = "{MODEL}"
SYSTEM = [{{"text": "Answer weather questions with the get_weather tool."}}]
TOOLS = {{"tools": [{{"toolSpec": {{"name": "get_weather", "description": "Get the current weather for a city.",
    "inputSchema": {{"json": {{"type": "object", "properties": {{"city": {{"type": "string"}}}}, "required": ["city"]}}}}}}}}]}}
messages = [{{"role": "user", "content": [{{"text": "What is the weather in Paris?"}}]}}]
'''

TURN = '''
first = client.converse(modelId=MODEL, system=SYSTEM, messages=messages, toolConfig=TOOLS,
                        inferenceConfig={"maxTokens": 512})
answer = first["output"]["message"]
messages.append(answer)
use = next(b["toolUse"] for b in answer["content"] if "toolUse" in b)
result = "Sunny, 22 C in " + use["input"]["city"]
messages.append({"role": "user", "content": [{"toolResult": {"toolUseId": use["toolUseId"],
                                                              "content": [{"text": result}]}}]})
second = client.converse_stream(modelId=MODEL, system=SYSTEM, messages=messages, toolConfig=TOOLS,
                                inferenceConfig={"maxTokens": 512})
text = "".join(ev["contentBlockDelta"]["delta"].get("text", "") for ev in second["stream"] if "contentBlockDelta" in ev)
print("FINAL:", text)
'''

AGENT = OTEL_SDK_SETUP + SETUP + guarded(TURN)


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["boto3", "botocore", "opentelemetry-instrumentation-botocore", "opentelemetry-sdk"],
                 notes=["Call 1 converse (JSON), call 2 converse_stream (event stream); message content "
                        "captured (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true) as log records."],
                 signals=("traces", "logs"),
                 client_env=lambda rec: bedrock_env(rec) | {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true"})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
