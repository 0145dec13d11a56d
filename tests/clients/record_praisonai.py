"""Record PraisonAI's agents (``praisonaiagents``) with the OpenTelemetry export of its observability suite.

Run: ``python tests/clients/record_praisonai.py`` (creates its own venv).
One ``Agent`` with one tool (``get_weather``) on ``gpt-4o-mini``: a model name with no provider
prefix, so PraisonAI calls the OpenAI SDK itself (chat completions, not LiteLLM), at the fake LLM
by ``OPENAI_BASE_URL``. Traced as PraisonAI's documentation sets it up:
``praisonai_tools.observability.obs.init(provider="langfuse")`` before the agent is made, which
patches ``Agent`` and ``Agents`` and registers a sink for the agents' trace events; its Langfuse
provider builds OpenTelemetry spans from them itself (scope ``praisonai.observability``, the
resource's ``service.name`` ``praisonai``) and exports them over OTLP/HTTP (protobuf) to
``$LANGFUSE_HOST/api/public/otel/v1/traces``: here the capture server, with made-up keys. No OTel
set-up of ours; PraisonAI's own PostHog telemetry is switched off (it would leave the host).

What it sends (see tests/clients/README.md): each span built and ended when PraisonAI's span ends,
so each is a trace of its own with no parent and no duration; one model call span per agent turn
(``llm_request`` before the first call, ``llm_response`` after the last), carrying the last call's
usage only; a tool span naming the tool, without its arguments or result.
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, Recording, installed_versions, openai_env, otel_env, recorder_main

NAME = "praisonai"
PACKAGES = ["praisonaiagents==1.7.17", "praisonai-tools==0.2.45", "openai==3.63.0", *OTEL_SDK_PACKAGES]

#: Set up before the agents are made, as PraisonAI's observability docs show; ``otel_shutdown``
#: flushes its provider (PraisonAI's ``obs.shutdown()``).
SETUP = '''
import os
import sys
from praisonai_tools.observability import obs

if not obs.init(provider="langfuse", project_name="weather"):
    sys.exit("PraisonAI's observability did not start")


def otel_shutdown():
    obs.shutdown()


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"

'''

AGENT = SETUP + '''
from praisonaiagents import Agent

agent = Agent(name="Weather Agent", instructions="Answer weather questions with the get_weather tool.",
              llm="gpt-4o-mini", tools=[get_weather])
code = 0
try:
    result = agent.start("What is the weather in Paris?")
    # A failed turn is logged and answered with None, not raised.
    print("FINAL:", result) if result is not None else print("ERROR: the agent answered None")
    code = 0 if result is not None else 3
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def praisonai_env(rec: Recording, service: str) -> dict[str, str]:
    """The variables of a PraisonAI run: the OpenAI client at the fake LLM, the Langfuse provider's OTLP
    export at the capture server (its keys made up), PraisonAI's own telemetry off."""
    env = otel_env(rec.cap.url, service_name=service, signals=("traces",))
    return env | openai_env(rec) | {
        "LANGFUSE_PUBLIC_KEY": "pk-lf-recording", "LANGFUSE_SECRET_KEY": "sk-lf-recording",
        "LANGFUSE_HOST": rec.cap.url, "PRAISONAI_TELEMETRY_DISABLED": "true", "DO_NOT_TRACK": "true"}


def versions(python: Path) -> dict[str, str | None]:
    return installed_versions(python, [p.split("==")[0] for p in PACKAGES])


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = praisonai_env(rec, "praisonai-recording")
        ok = rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        first = ok["fake_calls"][0]
        rec.save(
            packages=versions(python),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "One Agent with one tool on gpt-4o-mini (the OpenAI SDK, chat completions); PraisonAI's "
                "observability suite (praisonai-tools) with its Langfuse provider, which builds the spans from "
                "PraisonAI's trace events and exports them over OTLP/HTTP itself.",
                "Each span is a trace of its own (built when PraisonAI's span ends: no parent, no duration); one "
                "model call span per agent turn with the last call's usage; the refused call is a model call span "
                "with finish reason 'error' and 0 tokens, the agent span OK (the agent answers None).",
            ],
            extra={"usage_not_reported": {
                str(first["seq"]): "PraisonAI reports one model call span per agent turn, with the usage of its "
                                   "last call only: the tool-call round's call is not reported."}},
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
