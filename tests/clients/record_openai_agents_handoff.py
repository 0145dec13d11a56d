"""Record a multi-agent run of the OpenAI Agents SDK: a triage agent that hands off to a
specialist, traced by OpenInference and exported as OTLP/HTTP protobuf.

Run: ``python tests/clients/record_openai_agents_handoff.py`` (creates its own venv).
The pins and the tracing are ``record_openai_agents.py``'s (Responses API, the SDK's
own trace upload off). The triage agent has no tool of its own, only
``handoffs=[weather_agent]``: the SDK offers the model a ``transfer_to_weather_agent``
tool, which the fake LLM calls (the only tool offered). The weather agent then gets the
whole conversation, which ends with the handoff's result: the fake LLM is scripted to
answer its first call with ``get_weather`` (``tool_answers``), then with text quoting the
tool's result. The ``error`` run refuses only the weather agent's model call (the
requests offering ``get_weather``): the handoff succeeds, the specialist's call fails.
"""

from __future__ import annotations

from pathlib import Path

from record_openai_agents import PACKAGES
from recording import FAKE_KEY, OTEL_SDK_SETUP, Recording, installed_versions, otel_env, recorder_main

NAME = "openai_agents_handoff"

#: The specialist's tool, called once by the weather agent (the triage agent is not offered it).
TOOL_ANSWERS = {"get_weather": [{"city": "Paris"}]}

AGENT = OTEL_SDK_SETUP + '''
import sys
from agents import Agent, Runner, function_tool, set_trace_processors
from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

# Drop the SDK's default processor (it uploads to the vendor); OpenInference adds its own.
set_trace_processors([])
OpenAIAgentsInstrumentor().instrument(tracer_provider=tracer_provider)


@function_tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


weather_agent = Agent(
    name="Weather agent",
    handoff_description="Answers questions about the weather.",
    instructions="Answer weather questions with the get_weather tool.",
    model="gpt-4.1-mini",
    tools=[get_weather],
)

triage_agent = Agent(
    name="Triage agent",
    instructions="Hand weather questions off to the weather agent.",
    model="gpt-4.1-mini",
    handoffs=[weather_agent],
)

code = 0
try:
    result = Runner.run_sync(triage_agent, "What is the weather in Paris?")
    print("LAST AGENT:", result.last_agent.name)
    print("FINAL:", result.final_output)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec:
        env = otel_env(rec.cap.url, service_name="openai-agents-handoff-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error", refuse_offering="get_weather")
        rec.save(
            packages=installed_versions(python, [p.split("==")[0] for p in PACKAGES] + ["openai", "opentelemetry-api"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "Responses API (the SDK default); the SDK's own trace upload is disabled.",
                "Two agents: 'Triage agent' (handoffs=[weather_agent], no tool) hands off to 'Weather agent' "
                "(tool get_weather) by the transfer_to_weather_agent tool the SDK offers for the handoff.",
                "The fake LLM's scripted tool answers (fakellm_tool_answers): the weather agent's first call "
                "gets get_weather(city='Paris'), its second a text answer quoting the result.",
                "error run: only the weather agent's model call is refused (HTTP 400); the triage agent's "
                "handoff call is answered as in the ok run.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
