"""Record an Agency Swarm agency of two agents traced by AgentOps, as Agency Swarm documents it.

Run: ``python tests/clients/record_agency_swarm.py`` (creates its own Python 3.12 venv, then
records in a loopback-only network namespace where it can make one, each run under ``strace``).

Agency Swarm (``agency-swarm``) runs its agents on the OpenAI Agents SDK; one agent asks another
through its ``send_message`` tool, whose run is the recipient's own ``Runner`` run. Its
observability page and ``examples/observability.py`` list three tracers: the Agents SDK's
built-in upload to OpenAI's platform (not OpenTelemetry), Langfuse (an ``@observe()`` span around
``get_response``: nothing of the agents inside it) and AgentOps, whose ``agentops.init``
replaces the Agents SDK's trace processors with its own, which turns every SDK span into an
OpenTelemetry span exported over OTLP/HTTP protobuf. This recorder runs the AgentOps one as the
example writes it: ``agentops.init(auto_start_session=True, trace_name=..., tags=[...])``,
``agentops.start_trace(...)``, ``await agency.get_response(message=...)``,
``agentops.end_trace(tracer, end_state="Success")``.

The agency: ``CEO`` (no tool of its own; ``ceo > worker`` gives it ``send_message``) and
``Worker`` (the function tool ``get_weather``), both ``gpt-4.1-mini`` on the Responses API (the
SDK's default client, ``OPENAI_BASE_URL`` at the fake LLM). The fake LLM is scripted to call
``send_message`` with the worker as recipient and ``get_weather`` with Paris; four model calls:
CEO 1234/56, Worker 1234/56 and 1400/78, CEO 1400/78.

AgentOps' exporter and API are pointed at 127.0.0.1 as ``record_agentops.py`` does (its
``AgentOpsApiStandIn`` answers the JWT). The ``error`` run refuses only the worker's requests
(``refuse_system``, its instructions): the CEO's first call and its ``send_message`` go on.
"""

from __future__ import annotations

from pathlib import Path

from cli_support import foreign_addresses, isolated_recorder_main, traced
from record_agentops import AgentOpsApiStandIn, agentops_env
from recording import Recording, ensure_venv, installed_versions, python312

NAME = "agency_swarm"
# agentops 0.4.21 needs the OpenTelemetry exporter 1.44.0 (see record_agentops.py); agency-swarm
# 1.11.0 pins openai-agents 0.18.1 and wants openai < 2.45 (2.44.0 resolved).
PACKAGES = ["agency-swarm==1.11.0", "openai-agents==0.18.1", "openai==2.44.0", "agentops==0.4.21",
            "opentelemetry-exporter-otlp-proto-http==1.44.0", "opentelemetry-sdk==1.44.0",
            "opentelemetry-api==1.44.0", "opentelemetry-instrumentation==0.65b0",
            "opentelemetry-semantic-conventions==0.65b0"]

WORKER_INSTRUCTIONS = "You are the Worker. Answer weather questions with the get_weather tool."

#: The CEO's one message to the worker, then the worker's one weather look-up.
TOOL_ANSWERS = {
    "send_message": [{"recipient_agent": "Worker", "message": "What is the weather in Paris?",
                      "additional_instructions": ""}],
    "get_weather": [{"city": "Paris"}],
}

AGENT = '''
import asyncio, os, sys
import agentops
from agency_swarm import Agency, Agent, function_tool


@function_tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


def create_agency() -> Agency:
    ceo = Agent(
        name="CEO",
        instructions="You are the CEO. Never answer yourself: ask the Worker with send_message.",
        description="Manages the agency and delegates to the Worker",
        model="gpt-4.1-mini",
    )
    worker = Agent(
        name="Worker",
        instructions="''' + WORKER_INSTRUCTIONS + '''",
        description="Looks up the weather",
        model="gpt-4.1-mini",
        tools=[get_weather],
    )
    return Agency(ceo, communication_flows=[ceo > worker])


async def agentops_tracing(input_message: str) -> str:
    # As Agency Swarm's observability example sets AgentOps up.
    agentops.init(auto_start_session=True, trace_name="Agentops tracing", tags=["openai", "agentops-example"])
    tracer = agentops.start_trace(trace_name="Agentops tracing", tags=["openai", "agentops-example"])
    agency_instance = create_agency()
    try:
        response = await agency_instance.get_response(message=input_message)
    except Exception:
        agentops.end_trace(tracer, end_state="Error")
        raise
    agentops.end_trace(tracer, end_state="Success")
    return response.final_output


code = 0
try:
    print("FINAL:", asyncio.run(agentops_tracing("What is the weather in Paris?")))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
# AgentOps flushes and shuts its providers down at exit (atexit), as a user's script relies on.
sys.exit(code)
'''


def ensure(name: str, packages: list[str]) -> Path:
    """The pinned venv on Python 3.12 (agency-swarm 1.11.0 requires it)."""
    return ensure_venv(name, packages, python=python312("agency-swarm"))


def record(python: Path, isolated: bool) -> None:
    """Record the two runs; ``isolated``: in a loopback-only network namespace (noted in the manifest)."""
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec, AgentOpsApiStandIn() as api:
        env = agentops_env(rec, api)
        script = rec.tmp / "agency.py"
        script.write_text(AGENT)
        for label in ("ok", "error"):
            api.run = label
            netlog = rec.tmp / f"strace-{label}.log"
            extra = {"refuse_system": WORKER_INSTRUCTIONS} if label == "error" else {}
            run = rec.run(label, traced([str(python), str(script)], netlog), env, mode=label, quiet=1.5, **extra)
            run["argv"] = ["python", "agency.py"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        rec.save(
            packages=installed_versions(python, ["agency-swarm", "openai-agents", "openai", "agentops",
                                                 "opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http"]),
            env=rec.scrub(env) | {"AGENTOPS_API_ENDPOINT": "{AGENTOPS_API_URL}"},
            recorder=Path(__file__).name,
            notes=["Agency Swarm's observability example with AgentOps: agentops.init(auto_start_session=True, "
                   "trace_name='Agentops tracing', tags=[...]), agentops.start_trace(...), "
                   "await agency.get_response(message=...), agentops.end_trace(tracer, end_state='Success'); "
                   "spans exported by AgentOps to AGENTOPS_EXPORTER_ENDPOINT ({OTLP_URL}/v1/traces).",
                   "Agency: CEO (send_message to Worker, from communication_flows=[ceo > worker]) and Worker "
                   "(function tool get_weather), both gpt-4.1-mini on the Responses API; the fake LLM is "
                   "scripted (fakellm_tool_answers) to call send_message, then get_weather.",
                   "The error run refuses only the Worker's requests (refuse_system: its instructions).",
                   "AGENTOPS_API_ENDPOINT is a stand-in on 127.0.0.1 run by the recorder (agentops_api_requests).",
                   "loopback-only network namespace" if isolated else "no network namespace"],
            extra={"agentops_api_requests": api.requests},
        )


if __name__ == "__main__":
    isolated_recorder_main(NAME, PACKAGES, record, ensure=ensure)
