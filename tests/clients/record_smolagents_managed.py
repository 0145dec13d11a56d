"""Record smolagents with a managed agent: a manager ``ToolCallingAgent`` that hands the question to a
named sub-agent, traced by OpenInference, set up as its documentation says.

Run: ``python tests/clients/record_smolagents_managed.py`` (creates its own venv).
The pins and the tracing are ``record_smolagents.py``'s (``OpenAIServerModel``, chat completions,
``SmolagentsInstrumentor``, OTLP/HTTP protobuf, traces only). The manager has no tool of its own,
only ``managed_agents=[weather_agent]``: smolagents offers the model the sub-agent as a tool named
after it (``task``, ``additional_args``), beside ``final_answer``. The sub-agent, a
``ToolCallingAgent`` named ``weather_agent``, has ``get_weather``; each agent has a model of its own
(the manager ``gpt-4.1-mini``, the sub-agent ``gpt-4o-mini``), so each agent's spend has its own price.

smolagents ends a ``ToolCallingAgent``'s run only on a ``final_answer`` tool call (a text answer is a
parsing error) and hands tool calls back as text (``Calling tools: [...]``), so the fake LLM is
scripted (``tool_answers``): the manager calls ``weather_agent``, then ``final_answer``; the sub-agent
calls ``get_weather``, then ``final_answer``. The ``error`` run refuses only the sub-agent's model
call (the requests offering ``get_weather``): the manager's call of the sub-agent fails with it, which
smolagents hands back to the manager as a tool error; the manager, whose conversation keeps no trace of
the failed call, calls the sub-agent again, then answers in text at its ``max_steps`` (2).
"""

from __future__ import annotations

from pathlib import Path

from record_smolagents import PACKAGES
from recording import FAKE_KEY, OTEL_SDK_SETUP, Recording, guarded, installed_versions, otel_env, recorder_main

NAME = "smolagents_managed"

#: Each agent's calls, in the script's order: the manager's of the sub-agent (a tool named after it) and
#: the sub-agent's of get_weather, then either's final_answer (counted in its own conversation).
TOOL_ANSWERS = {
    "weather_agent": [{"task": "What is the weather in Paris?"}],
    "get_weather": [{"city": "Paris"}],
    "final_answer": [{"answer": "Sunny, 22 C in Paris"}],
}

AGENT = OTEL_SDK_SETUP + '''
import sys
from openinference.instrumentation.smolagents import SmolagentsInstrumentor

SmolagentsInstrumentor().instrument(tracer_provider=tracer_provider)

from smolagents import OpenAIServerModel, ToolCallingAgent, tool


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The city.
    """
    return f"Sunny, 22 C in {city}"


def model(model_id):
    return OpenAIServerModel(model_id=model_id, api_base=os.environ["OPENAI_BASE_URL"],
                             api_key=os.environ["OPENAI_API_KEY"], client_kwargs={"max_retries": 0})


weather_agent = ToolCallingAgent(tools=[get_weather], model=model("gpt-4o-mini"), max_steps=3, verbosity_level=0,
                                 name="weather_agent", description="Answers questions about the weather.")
manager = ToolCallingAgent(tools=[], model=model("gpt-4.1-mini"), managed_agents=[weather_agent], max_steps=2,
                           verbosity_level=0, name="manager")
''' + guarded('''
print("FINAL:", manager.run("What is the weather in Paris?"))
''')


def record(python: Path) -> None:
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec:
        env = otel_env(rec.cap.url, service_name="smolagents-managed-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error", refuse_offering="get_weather")
        rec.save(
            packages=installed_versions(
                python, ["smolagents", "openinference-instrumentation-smolagents", "openai", "opentelemetry-sdk"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "Two ToolCallingAgents: 'manager' (managed_agents=[weather_agent], no tool, model gpt-4.1-mini) "
                "hands the question to 'weather_agent' (tool get_weather, model gpt-4o-mini), offered to the "
                "manager's model as a tool named after it.",
                "The fake LLM's scripted tool answers (fakellm_tool_answers): the manager calls weather_agent, "
                "then final_answer; the sub-agent calls get_weather, then final_answer.",
                "error run: only the sub-agent's model call is refused (HTTP 400, the requests offering "
                "get_weather); smolagents hands the sub-agent's failure back to the manager as a tool error, "
                "the manager calls the sub-agent again (refused again), then answers in text at max_steps 2.",
                "OpenInference never ends the span of an agent run that raised: the sub-agent's failed runs "
                "are never sent, their steps and model calls arrive with no parent.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
