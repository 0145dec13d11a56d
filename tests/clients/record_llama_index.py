"""Record LlamaIndex (a ``FunctionAgent``) traced by OpenInference, set up as its documentation says.

Run: ``python tests/clients/record_llama_index.py`` (creates its own venv).
One agent with one tool on ``llama-index-llms-openai`` (chat completions,
streamed by the agent, usage asked for with ``stream_options``), against the
fake LLM; ``LlamaIndexInstrumentor`` exports its spans with the
OTel SDK over OTLP/HTTP protobuf.
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, openai_env, record_turns, recorder_main

NAME = "llama_index"
PACKAGES = [
    "llama-index-core==0.14.25",
    "llama-index-llms-openai==0.8.3",
    "openinference-instrumentation-llama-index==4.6.1",
    *OTEL_SDK_PACKAGES,
]

AGENT = OTEL_SDK_SETUP + '''
import asyncio, sys
from openinference.instrumentation.llama_index import LlamaIndexInstrumentor

LlamaIndexInstrumentor().instrument(tracer_provider=tracer_provider)

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.llms.openai import OpenAI


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


# The agent streams its calls; usage comes only when asked for (as LlamaIndex's docs do for token counts).
llm = OpenAI(model="gpt-4o-mini", max_retries=0, additional_kwargs={"stream_options": {"include_usage": True}})
agent = FunctionAgent(tools=[get_weather], llm=llm,
                      system_prompt="Answer weather questions with the get_weather tool.")


async def main():
    return await agent.run("What is the weather in Paris?")  # (the workflow needs a running loop)


''' + guarded('''
result = asyncio.run(main())
print("FINAL:", result)
''')



def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[p.split("==")[0] for p in PACKAGES] + ["openai"],
                 notes=["FunctionAgent with one tool, llama-index-llms-openai (chat completions, streamed by the "
                        "agent, stream_options.include_usage)."],
                 client_env=lambda rec: openai_env(rec) | {"OPENAI_API_BASE": rec.llm.openai_base_url})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
