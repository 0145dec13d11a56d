"""Record the ``openai`` SDK's ``AzureOpenAI`` client traced by ``opentelemetry-instrumentation-openai-v2``.

Run: ``python tests/clients/record_azure_openai.py`` (creates its own venv).
An app on Azure OpenAI calls a *deployment* by its own name: ``AzureOpenAI``
(``azure_endpoint`` = the fake LLM, an ``api_version``) sends
``model="prod-chat"`` to ``/openai/deployments/prod-chat/chat/completions``, and
Azure answers with the model the deployment runs (``gpt-4o-mini-2024-07-18``)
in the response's ``model``, with its content-filter results and usage with
cached tokens. The tool loop is in the script: call 1 asks for ``get_weather``,
the script runs it, call 2 is streamed with ``stream_options.include_usage``.
The error run is Azure's content-filter refusal (HTTP 400, code
``content_filter``). Message content is captured (latest GenAI conventions,
content on spans and as events).

The instrumentation is the newest release (2.4b0), with util-genai 1.1b0 and
httpx beside it, as ``record_openai_v2.py`` explains.
"""

from __future__ import annotations

from pathlib import Path

from recording import (
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    guarded,
    record_turns,
    recorder_main,
)

NAME = "azure_openai"
PACKAGES = [
    "openai==3.63.0",
    "opentelemetry-instrumentation-openai-v2==2.4b0",
    "opentelemetry-util-genai==1.1b0",
    "httpx",
    *OTEL_SDK_PACKAGES,
]
#: The deployment's name, chosen by whoever created it: not a model name.
DEPLOYMENT = "prod-chat"
API_VERSION = "2024-10-21"

AGENT = OTEL_SDK_SETUP + '''
import json, os, sys
from openai import AzureOpenAI
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

OpenAIInstrumentor().instrument()

client = AzureOpenAI(azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"], api_key=os.environ["AZURE_OPENAI_API_KEY"],
                     api_version=os.environ["OPENAI_API_VERSION"], max_retries=0)
DEPLOYMENT = os.environ["AZURE_OPENAI_DEPLOYMENT"]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
            {"role": "user", "content": "What is the weather in Paris?"}]


def get_weather(city: str) -> str:
    return f"Sunny, 22 C in {city}"
''' + guarded('''
first = client.chat.completions.create(model=DEPLOYMENT, messages=messages, tools=TOOLS)
call = first.choices[0].message.tool_calls[0]
messages.append(first.choices[0].message.model_dump(exclude_none=True))
messages.append({"role": "tool", "tool_call_id": call.id, "content": get_weather(**json.loads(call.function.arguments))})
stream = client.chat.completions.create(model=DEPLOYMENT, messages=messages, tools=TOOLS, stream=True,
                                        stream_options={"include_usage": True})
print("FINAL:", "".join(c.choices[0].delta.content or "" for c in stream if c.choices))
''')


def azure_env(rec: Recording) -> dict[str, str]:
    """What points ``AzureOpenAI`` at the fake LLM's Azure route, with content captured."""
    return {"AZURE_OPENAI_ENDPOINT": rec.llm.url, "AZURE_OPENAI_API_KEY": FAKE_KEY,
            "OPENAI_API_VERSION": API_VERSION, "AZURE_OPENAI_DEPLOYMENT": DEPLOYMENT,
            "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "span_and_event"}


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name, client_env=azure_env,
                 signals=("traces", "logs"),
                 versions=["openai", "opentelemetry-instrumentation-openai-v2", "opentelemetry-util-genai",
                           "opentelemetry-sdk"],
                 notes=[f"AzureOpenAI on deployment {DEPLOYMENT!r} (api-version {API_VERSION}); the fake answers "
                        "as Azure does, the deployment's model gpt-4o-mini-2024-07-18 in the response.",
                        "Call 1 non-streaming, call 2 streamed with include_usage; the error run is Azure's "
                        "content-filter 400. No agent framework: the tool loop is the script's."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
