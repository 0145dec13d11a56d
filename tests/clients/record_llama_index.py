"""Record LlamaIndex (a ``FunctionAgent``) traced by OpenInference, set up as its documentation says.

Run: ``python tests/clients/record_llama_index.py`` (creates its own venv).
One agent with one tool on ``llama-index-llms-openai`` (chat completions,
streamed by the agent, usage asked for with ``stream_options``), against the
fake LLM; ``LlamaIndexInstrumentor`` exports its spans with the
OTel SDK over OTLP/HTTP protobuf.
"""

from __future__ import annotations

from pathlib import Path

from recording import (
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    installed_versions,
    otel_env,
    recorder_main,
)

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


code = 0
try:
    result = asyncio.run(main())
    print("FINAL:", result)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="llama-index-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_BASE": rec.llm.openai_base_url,
                "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, [p.split("==")[0] for p in PACKAGES] + ["openai"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["FunctionAgent with one tool, llama-index-llms-openai (chat completions, streamed by the agent, "
                   "stream_options.include_usage)."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
