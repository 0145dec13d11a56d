"""Record Azure's ``azure-ai-inference`` ``ChatCompletionsClient`` with its built-in OpenTelemetry tracing.

Run: ``python tests/clients/record_azure_ai_inference.py`` (creates its own venv).
The client is pointed at an Azure OpenAI deployment (endpoint
``<fake>/openai/deployments/prod-chat``, an ``api_version``, an api-key
credential: ``AzureKeyCredential``), calls it with ``model="prod-chat"``, and
the fake LLM answers as Azure does (the deployment's model
``gpt-4o-mini-2024-07-18`` in the response, content-filter results, usage with
cached tokens). Tracing is Azure's own: ``azure-core-tracing-opentelemetry``
as azure-core's tracing implementation and ``AIInferenceInstrumentor`` from
``azure.ai.inference.tracing`` with content recording on (message events on
the span). The tool loop is in the script: call 1 asks for ``get_weather``,
call 2 is streamed with ``stream_options.include_usage`` (passed through with
``model_extras``). The error run is Azure's content-filter refusal (HTTP 400).
"""

from __future__ import annotations

from pathlib import Path

from record_azure_openai import API_VERSION, DEPLOYMENT
from recording import FAKE_KEY, OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, Recording, guarded, record_turns, recorder_main

NAME = "azure_ai_inference"
PACKAGES = ["azure-ai-inference==1.0.0b9", "azure-core-tracing-opentelemetry==1.0.0b13", "azure-core==1.41.0",
            *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import json, os, sys
from azure.core.settings import settings

settings.tracing_implementation = "opentelemetry"
from azure.ai.inference.tracing import AIInferenceInstrumentor

AIInferenceInstrumentor().instrument(enable_content_recording=True)

from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import (AssistantMessage, ChatCompletionsToolDefinition, FunctionDefinition,
                                       SystemMessage, ToolMessage, UserMessage)
from azure.core.credentials import AzureKeyCredential

DEPLOYMENT = os.environ["AZURE_OPENAI_DEPLOYMENT"]
client = ChatCompletionsClient(endpoint=os.environ["AZURE_OPENAI_ENDPOINT"].rstrip("/") + "/openai/deployments/" + DEPLOYMENT,
                               credential=AzureKeyCredential(os.environ["AZURE_OPENAI_API_KEY"]),
                               api_version=os.environ["OPENAI_API_VERSION"])
TOOLS = [ChatCompletionsToolDefinition(function=FunctionDefinition(
    name="get_weather", description="Get the current weather for a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}))]
messages = [SystemMessage("Answer weather questions with the get_weather tool."),
            UserMessage("What is the weather in Paris?")]


def get_weather(city: str) -> str:
    return f"Sunny, 22 C in {city}"
''' + guarded('''
first = client.complete(model=DEPLOYMENT, messages=messages, tools=TOOLS)
call = first.choices[0].message.tool_calls[0]
messages.append(AssistantMessage(tool_calls=first.choices[0].message.tool_calls))
messages.append(ToolMessage(get_weather(**json.loads(call.function.arguments)), tool_call_id=call.id))
stream = client.complete(model=DEPLOYMENT, messages=messages, tools=TOOLS, stream=True,
                         model_extras={"stream_options": {"include_usage": True}})
print("FINAL:", "".join(u.choices[0].delta.content or "" for u in stream if u.choices))
''')


def azure_env(rec: Recording) -> dict[str, str]:
    """What points the client at the fake LLM's Azure route."""
    return {"AZURE_OPENAI_ENDPOINT": rec.llm.url, "AZURE_OPENAI_API_KEY": FAKE_KEY,
            "OPENAI_API_VERSION": API_VERSION, "AZURE_OPENAI_DEPLOYMENT": DEPLOYMENT}


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name, client_env=azure_env,
                 versions=["azure-ai-inference", "azure-core-tracing-opentelemetry", "azure-core", "opentelemetry-sdk"],
                 notes=[f"ChatCompletionsClient on the Azure OpenAI deployment {DEPLOYMENT!r} (api-version "
                        f"{API_VERSION}, AzureKeyCredential), model={DEPLOYMENT!r}; the fake answers as Azure does, "
                        "the deployment's model gpt-4o-mini-2024-07-18 in the response.",
                        "Call 1 non-streaming, call 2 streamed with stream_options.include_usage (model_extras); "
                        "the error run is Azure's content-filter 400. AIInferenceInstrumentor with content recording; "
                        "no agent framework: the tool loop is the script's."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
