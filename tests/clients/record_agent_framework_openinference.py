"""Record Microsoft Agent Framework with OpenInference's span processor on its own spans.

Run: ``python tests/clients/record_agent_framework_openinference.py [NAME ...]`` (creates its own
venv; records every variant of :data:`VARIANTS` unless named).

The pins and agent of ``record_agent_framework.py`` (agent-framework-core with
``OpenAIChatCompletionClient``, chat completions against the fake LLM) with
``openinference-instrumentation-agent-framework``'s ``AgentFrameworkToOpenInferenceProcessor``
set up as its README does: the processor added to the tracer provider before the exporter's
processor, then ``enable_instrumentation(enable_sensitive_data=True)``. The processor makes no
span of its own: when one of the framework's spans ends it adds OpenInference's attributes
(``openinference.span.kind``, ``llm.model_name``, ``llm.token_count.*``, ``input.value`` /
``output.value``, ``llm.input_messages.*``, ``tool.*``, every other attribute again as one
``metadata`` JSON) beside the framework's own GenAI ones, and marks every span that did not
fail OK. So each exported span carries both conventions: one model call is one span with
its usage under both ``gen_ai.usage.*`` and ``llm.token_count.*``, and the ``invoke_agent``
span, which repeats its calls' summed usage, becomes an AGENT span with that sum as its
``llm.token_count.*`` too.

* ``agent_framework_openinference``: one ``Agent`` (``weather-agent``) with one tool, one
  ``agent.run()``; the ``error`` run refuses every model call.
* ``agent_framework_openinference_workflow``: a workflow of two agent executors,
  ``WorkflowBuilder(start_executor=weather_agent).add_edge(weather_agent, writer_agent)``, one
  ``workflow.run()``: the weather agent calls the tool and answers, the writer agent (no tool)
  gets its conversation and answers with text. The ``error`` run refuses only the writer's
  requests (``refuse_system``, its instructions): the weather agent's calls as in ``ok``.
"""

from __future__ import annotations

from pathlib import Path

from record_agent_framework import PACKAGES as AGENT_FRAMEWORK_PACKAGES
from recording import (
    OTEL_SDK_SETUP,
    Recording,
    guarded,
    installed_versions,
    openai_env,
    otel_env,
    recorder_main,
)

NAME = "agent_framework_openinference"
WORKFLOW = f"{NAME}_workflow"
PACKAGES = [*AGENT_FRAMEWORK_PACKAGES, "openinference-instrumentation-agent-framework==0.1.13"]

#: The exporter's processor of the shared set-up; OpenInference's processor must run before it
#: (it rewrites the span's attributes in ``on_end``, and the exporter's ``on_end`` takes the span).
EXPORT_LINE = "tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))\n"
OPENINFERENCE_LINES = (
    "from openinference.instrumentation.agent_framework import AgentFrameworkToOpenInferenceProcessor\n"
    "tracer_provider.add_span_processor(AgentFrameworkToOpenInferenceProcessor())\n"
)
assert OTEL_SDK_SETUP.count(EXPORT_LINE) == 1, "the shared OTel set-up changed: put the processor before the exporter"
SETUP = OTEL_SDK_SETUP.replace(EXPORT_LINE, OPENINFERENCE_LINES + EXPORT_LINE) + '''
import asyncio, sys
from agent_framework import Agent, WorkflowBuilder
from agent_framework.observability import enable_instrumentation
from agent_framework.openai import OpenAIChatCompletionClient

# As OpenInference's README: the framework's instrumentation on, with prompts and answers.
enable_instrumentation(enable_sensitive_data=True)


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


weather_agent = Agent(client=OpenAIChatCompletionClient(model="gpt-4o-mini"), name="weather-agent",
                      instructions="Answer weather questions with the get_weather tool.", tools=get_weather)
'''

AGENT = SETUP + guarded('''
result = asyncio.run(weather_agent.run("What is the weather in Paris?"))
print("FINAL:", result.text)
''')

#: The writer agent's instructions: its requests are the ones the workflow's error run refuses.
WRITER_INSTRUCTIONS = "Rewrite the weather report as one friendly sentence."
WORKFLOW_AGENT = SETUP + f'''
writer_agent = Agent(client=OpenAIChatCompletionClient(model="gpt-4o-mini"), name="writer-agent",
                     instructions="{WRITER_INSTRUCTIONS}")
workflow = WorkflowBuilder(name="weather-workflow", start_executor=weather_agent).add_edge(
    weather_agent, writer_agent).build()
''' + guarded('''
# A refused call makes workflow.run() raise the client's error (ChatClientException): exit code 3.
result = asyncio.run(workflow.run("What is the weather in Paris?"))
for output in result.get_outputs():
    print("OUTPUT:", getattr(output, "text", output))
print("FINAL:", result.get_final_state())
''')

VERSIONS = ["agent-framework-core", "agent-framework-openai", "openinference-instrumentation-agent-framework",
            "openinference-semantic-conventions", "openai", "opentelemetry-sdk"]
SET_UP_NOTE = ("AgentFrameworkToOpenInferenceProcessor() added to the OTel SDK's tracer provider before the "
               "exporter's BatchSpanProcessor, then enable_instrumentation(enable_sensitive_data=True), as "
               "OpenInference's README sets it up: each of the framework's spans carries its GenAI attributes "
               "and OpenInference's.")


def record(python: Path, name: str) -> None:
    workflow = name == WORKFLOW
    with Recording(name) as rec:
        env = otel_env(rec.cap.url, service_name=f"{name.replace('_', '-')}-recording")
        env |= openai_env(rec)
        source = VARIANTS[name]
        rec.run_python("ok", python, source, env)
        rec.run_python("error", python, source, env, mode="error",
                       **({"refuse_system": WRITER_INSTRUCTIONS} if workflow else {}))
        notes = [SET_UP_NOTE]
        if workflow:
            notes.append("A workflow of two agent executors (WorkflowBuilder, weather-agent -> writer-agent), one "
                         "workflow.run(); the error run refuses only the writer agent's requests.")
        else:
            notes.append("One Agent with one tool on OpenAIChatCompletionClient (chat completions), one agent.run().")
        rec.save(packages=installed_versions(python, VERSIONS), env=env, recorder=Path(__file__).name, notes=notes)


VARIANTS = {NAME: AGENT, WORKFLOW: WORKFLOW_AGENT}


def main() -> None:
    recorder_main(NAME, PACKAGES, record, variants=VARIANTS)


if __name__ == "__main__":
    main()
