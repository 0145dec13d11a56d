"""Record the openai SDK's Responses API on a reasoning model, traced by OpenInference's OpenAI instrumentation.

Run: ``python tests/clients/record_openai_responses_openinference.py`` (creates its own venv).
A hand-written tool loop, as ``record_openai_v2.py``'s but on ``client.responses.create``
with a function tool and ``gpt-5-mini``: call 1 (not streamed) asks for
``get_weather(city="Paris")``, the script runs it and sends its ``function_call_output``
after the answer's items (its reasoning item first), call 2 (streamed) answers. The fake
LLM answers as an OpenAI reasoning model does (``OPENAI_REASONING_USAGE``): a reasoning
item first, ``output_tokens`` that include the reasoning tokens, ``input_tokens`` that
include the cached ones. ``record_openai_responses_openllmetry.py`` records the same
script with OpenLLMetry's instrumentation instead.
"""

from __future__ import annotations

from pathlib import Path

from fakellm import OPENAI_REASONING_USAGE
from recording import (
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    guarded,
    installed_versions,
    openai_env,
    otel_env,
    recorder_main,
)

NAME = "openai_responses_openinference"
#: The openai SDK both recordings run (the newest when recorded).
OPENAI = "openai==3.63.0"
PACKAGES = ["openinference-instrumentation-openai==0.1.66", OPENAI, *OTEL_SDK_PACKAGES]
#: A reasoning model genai-prices has a price for.
MODEL = "gpt-5-mini"
OPENINFERENCE_IMPORT = "from openinference.instrumentation.openai import OpenAIInstrumentor"


def responses_agent(instrumentor_import: str) -> str:
    """The tool loop on the Responses API, traced by the ``OpenAIInstrumentor`` that ``instrumentor_import`` imports."""
    return OTEL_SDK_SETUP + f'''
import json, sys
import openai
{instrumentor_import}

OpenAIInstrumentor().instrument()

client = openai.OpenAI()
MODEL = "{MODEL}"
''' + '''INSTRUCTIONS = "Answer weather questions with the get_weather tool."
TOOLS = [{"type": "function", "name": "get_weather", "description": "Get the current weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
          "strict": False}]
items = [{"role": "user", "content": "What is the weather in Paris?"}]
''' + guarded('''
first = client.responses.create(model=MODEL, instructions=INSTRUCTIONS, input=items, tools=TOOLS,
                                reasoning={"effort": "medium"})
call = next(item for item in first.output if item.type == "function_call")
# The answer's items go back as they came (its reasoning item first), then the tool's result.
items += [item.model_dump(exclude_none=True) for item in first.output]
result = "Sunny, 22 C in " + json.loads(call.arguments)["city"]
items.append({"type": "function_call_output", "call_id": call.call_id, "output": result})
stream = client.responses.create(model=MODEL, instructions=INSTRUCTIONS, input=items, tools=TOOLS,
                                 reasoning={"effort": "medium"}, stream=True)
text = "".join(event.delta for event in stream if event.type == "response.output_text.delta")
print("FINAL:", text)
''')


AGENT = responses_agent(OPENINFERENCE_IMPORT)

NOTES = [
    f"openai's client.responses.create on {MODEL} with a function tool; no agent framework. Call 1 not streamed "
    "(asks for get_weather), call 2 streamed (response.completed carries the usage).",
    "The fake LLM answers as an OpenAI reasoning model: a reasoning item before the answer's items, output_tokens "
    "including output_tokens_details.reasoning_tokens, input_tokens including input_tokens_details.cached_tokens.",
    "error: every model call gets HTTP 400 with OpenAI's error body.",
]


def record_responses_turns(name: str, python: Path, agent: str, versions: list[str], notes: list[str]) -> None:
    """The two runs of ``agent`` (ok, error) into ``fixtures/<name>/``, the fake LLM answering as a reasoning model."""
    with Recording(name, usage=OPENAI_REASONING_USAGE) as rec:
        env = otel_env(rec.cap.url, service_name=f"{name.replace('_', '-')}-recording", signals=("traces",))
        env |= openai_env(rec)
        rec.run_python("ok", python, agent, env)
        rec.run_python("error", python, agent, env, mode="error")
        rec.save(packages=installed_versions(python, versions), env=env, recorder=f"record_{name}.py", notes=notes)


def record(python: Path) -> None:
    record_responses_turns(NAME, python, AGENT, notes=NOTES, versions=[
        "openinference-instrumentation-openai", "openinference-instrumentation", "openai", "opentelemetry-sdk"])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
