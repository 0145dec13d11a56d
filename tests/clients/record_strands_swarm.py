"""Record a Strands multi-agent ``Swarm`` of two agents: a triage agent that hands off to a
weather agent, which calls its tool; traced by Strands' own OpenTelemetry (``StrandsTelemetry``),
exported as OTLP/HTTP protobuf.

Run: ``python tests/clients/record_strands_swarm.py`` (creates its own venv).
The pins, model and telemetry are ``record_strands.py``'s (OpenAI provider, streaming chat
completions). ``Swarm([triage, weather_agent])`` gives both agents its ``handoff_to_agent``
tool; the triage agent has no tool of its own, the weather agent ``get_weather``. The fake LLM
is scripted (``tool_answers``) to call ``handoff_to_agent`` for the weather agent, and only in
the triage agent's requests (``script_system``, its system prompt): the weather agent, offered
``get_weather`` beside the handoff, gets the usual rules (``get_weather``, then the final text).
The ``error`` run refuses only the weather agent's requests (the ones offering ``get_weather``):
the handoff succeeds, the weather agent's call fails.
"""

from __future__ import annotations

from pathlib import Path

from record_strands import PACKAGES
from recording import FAKE_KEY, Recording, installed_versions, otel_env, recorder_main

NAME = "strands_swarm"

#: Text only the triage agent's system prompt holds: the handoff is scripted for its requests alone.
TRIAGE_PROMPT = "Hand weather questions off to weather_agent."

#: The triage agent's handoff (Swarm's tool: the agent's name, a message, an optional context).
TOOL_ANSWERS = {"handoff_to_agent": [{"agent_name": "weather_agent",
                                      "message": "The user asks for the weather in Paris."}]}

AGENT = f'''
import os, sys
from strands import Agent, tool
from strands.models.openai import OpenAIModel
from strands.multiagent import Swarm
from strands.telemetry import StrandsTelemetry

telemetry = StrandsTelemetry()
telemetry.setup_otlp_exporter()
telemetry.setup_meter(enable_otlp_exporter=True)


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The city name.
    """
    return f"Sunny, 22 C in {{city}}"


def model():
    return OpenAIModel(
        client_args={{"api_key": os.environ["OPENAI_API_KEY"], "base_url": os.environ["OPENAI_BASE_URL"]}},
        model_id="gpt-4o-mini",
    )


triage = Agent(name="triage_agent", model=model(), system_prompt={TRIAGE_PROMPT!r},
               description="Routes questions to the right agent.", callback_handler=None)
weather_agent = Agent(name="weather_agent", model=model(), tools=[get_weather],
                      system_prompt="Answer weather questions with the get_weather tool.",
                      description="Answers questions about the weather.", callback_handler=None)
swarm = Swarm([triage, weather_agent], entry_point=triage, max_handoffs=4, max_iterations=4)
code = 0
try:
    result = swarm("What is the weather in Paris?")
    print("STATUS:", result.status)
    print("NODES:", [node.node_id for node in result.node_history])
    for name, node_result in result.results.items():
        print("RESULT", name + ":", node_result.result)
    if str(result.status) != "Status.COMPLETED":
        code = 3
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    from opentelemetry import trace, metrics
    trace.get_tracer_provider().shutdown()
    mp = metrics.get_meter_provider()
    if hasattr(mp, "shutdown"):
        mp.shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME, tool_answers=TOOL_ANSWERS, script_system=TRIAGE_PROMPT) as rec:
        env = otel_env(rec.cap.url, service_name="strands-swarm-recording", signals=("traces", "metrics"))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error", refuse_offering="get_weather")
        rec.save(
            packages=installed_versions(python, ["strands-agents", "openai", "opentelemetry-sdk", "opentelemetry-api"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "OpenAI model provider (streaming chat completions) via StrandsTelemetry's OTLP exporters.",
                "Swarm([triage_agent, weather_agent], entry_point=triage_agent): the swarm gives both agents its "
                "handoff_to_agent tool; the triage agent has no tool of its own, the weather agent get_weather.",
                "The fake LLM's scripted tool answers (fakellm_tool_answers) go only to the triage agent's requests "
                "(fakellm_script_system): it calls handoff_to_agent(agent_name='weather_agent', ...); the weather "
                "agent gets the usual rules (get_weather, then a text answer quoting its result).",
                "error run: only the weather agent's requests (offering get_weather) are refused (HTTP 400); the "
                "triage agent's handoff is answered as in the ok run.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
