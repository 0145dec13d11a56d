"""Record the OpenAI Agents SDK traced by logfire, exported to a local OTLP endpoint.

Run: ``python tests/clients/record_openai_agents_logfire.py`` (creates its own venv).
The ``openai_agents`` agent (Responses API, the SDK default) with what logfire's
docs show users: ``logfire.configure(send_to_logfire=False)`` plus the standard
``OTEL_EXPORTER_OTLP_*`` variables, then ``logfire.instrument_openai_agents()``
and ``logfire.instrument_openai()`` both on, so each model call may be reported
by the agents integration and by the OpenAI client.  The SDK's own trace upload
to OpenAI is switched off.
"""

from __future__ import annotations

from pathlib import Path

from record_openai_agents import AGENT_DEFINITION
from recording import FAKE_KEY, Recording, installed_versions, otel_env, recorder_main

NAME = "openai_agents_logfire"
PACKAGES = ["openai-agents==0.25.0", "logfire==5.4.0"]

AGENT = '''
import sys
import logfire
from agents import Agent, Runner, function_tool, set_trace_processors

# Drop the SDK's default processor (it uploads to the vendor); logfire wraps the trace provider itself.
set_trace_processors([])
logfire.configure(send_to_logfire=False, console=False, service_name="openai-agents-logfire-recording")
logfire.instrument_openai_agents()
logfire.instrument_openai()
''' + AGENT_DEFINITION + '''code = 0
try:
    result = Runner.run_sync(agent, "What is the weather in Paris?")
    print("FINAL:", result.final_output)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    logfire.shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="openai-agents-logfire-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(
                python, ["openai-agents", "logfire", "openai", "opentelemetry-sdk", "opentelemetry-api"]
            ),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "Responses API (the SDK default); instrument_openai_agents() and instrument_openai() both on;"
                " the SDK's own trace upload is disabled."
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
