"""Record Strands Agents (OpenAI model provider) under the AWS Distro for OpenTelemetry (ADOT).

Run: ``python tests/clients/record_strands_adot.py`` (creates its own venv; records in a
loopback-only network namespace where it can make one, each run under ``strace``).

The set-up AWS documents for Amazon Bedrock AgentCore observability of an agent hosted
outside the AgentCore runtime: ``aws-opentelemetry-distro`` installed beside
``strands-agents[otel]``, the agent started as ``opentelemetry-instrument python agent.py``
with ``AGENT_OBSERVABILITY_ENABLED=true``, ``OTEL_PYTHON_DISTRO=aws_distro``,
``OTEL_PYTHON_CONFIGURATOR=aws_configurator``, ``OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf``
and ``OTEL_TRACES_EXPORTER=otlp``; the session named by the ``session.id`` baggage entry,
which ADOT's baggage span processor copies onto every span. The agent sets up no
telemetry itself: ADOT's configurator makes the global providers, which Strands' tracer
and meter use, and its auto-instrumentation instruments what it finds installed (here
httpx2 under the OpenAI client (openai 3.x; httpx under 2.x), threading, and Python's logging,
whose records it exports).

What keeps it off AWS: every OTLP endpoint named (``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``,
``..._LOGS_ENDPOINT``, ``..._METRICS_ENDPOINT``) at the capture server (ADOT picks X-Ray's
and CloudWatch Logs' endpoints only when none is given and it knows the AWS region, and
signs only for an ``amazonaws.com`` one), ``OTEL_METRICS_EXPORTER=otlp`` instead of its default ``awsemf``
(CloudWatch EMF through the AWS SDK), ``OTEL_LOGS_EXPORTER=otlp``, no AWS region or
credentials. Each run's ``network_attempts_off_loopback`` (strace) is the proof.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from cli_support import foreign_addresses, isolated_recorder_main, traced
from recording import FAKE_KEY, Recording, installed_versions

NAME = "strands_adot"
PACKAGES = ["strands-agents[openai,otel]==1.65.0", "aws-opentelemetry-distro==0.22.0"]
LOG_GROUP = "/aws/bedrock-agentcore/runtimes/weather-agent"

AGENT = '''
import os, sys
from opentelemetry import baggage, context
from strands import Agent, tool
from strands.models.openai import OpenAIModel

# AgentCore's way to name the session outside its runtime: the session.id baggage entry,
# copied onto every span by ADOT's BaggageSpanProcessor.
context.attach(baggage.set_baggage("session.id", os.environ["AGENT_SESSION_ID"]))


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The city name.
    """
    return f"Sunny, 22 C in {city}"


model = OpenAIModel(
    client_args={"api_key": os.environ["OPENAI_API_KEY"], "base_url": os.environ["OPENAI_BASE_URL"]},
    model_id="gpt-4o-mini",
)
agent = Agent(name="weather_agent", model=model, tools=[get_weather],
              system_prompt="Answer weather questions with the get_weather tool.", callback_handler=None)
code = 0
try:
    result = agent("What is the weather in Paris?")
    print("FINAL:", result)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    from opentelemetry import trace, metrics, _logs
    for provider in (trace.get_tracer_provider(), metrics.get_meter_provider(), _logs.get_logger_provider()):
        if hasattr(provider, "shutdown"):
            provider.shutdown()
sys.exit(code)
'''


def adot_env(otlp_url: str, session_id: str) -> dict[str, str]:
    """The variables of AWS's AgentCore observability set-up, every signal at ``otlp_url``."""
    return {
        "AGENT_OBSERVABILITY_ENABLED": "true",
        "OTEL_PYTHON_DISTRO": "aws_distro",
        "OTEL_PYTHON_CONFIGURATOR": "aws_configurator",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_LOGS_EXPORTER": "otlp",
        "OTEL_METRICS_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{otlp_url}/v1/traces",
        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": f"{otlp_url}/v1/logs",
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": f"{otlp_url}/v1/metrics",
        # As AWS's page has them for an agent outside the runtime (log group and stream for CloudWatch Logs,
        # the metric namespace), here only sent along to the capture server.
        "OTEL_RESOURCE_ATTRIBUTES": f"service.name=weather-agent,aws.log.group.names={LOG_GROUP}",
        "OTEL_EXPORTER_OTLP_LOGS_HEADERS": (f"x-aws-log-group={LOG_GROUP},x-aws-log-stream=runtime-logs,"
                                            "x-aws-metric-namespace=bedrock-agentcore"),
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_BLRP_SCHEDULE_DELAY": "200",
        "OTEL_METRIC_EXPORT_INTERVAL": "1000",
        "AGENT_SESSION_ID": session_id,
    }


def record(python: Path, isolated: bool) -> None:
    versions = installed_versions(python, ["strands-agents", "aws-opentelemetry-distro", "openai", "httpx",
                                           "httpx2", "opentelemetry-sdk", "opentelemetry-instrumentation",
                                           "opentelemetry-instrumentation-httpx", "opentelemetry-distro"])
    instrument = str(python.parent / "opentelemetry-instrument")
    with Recording(NAME) as rec:
        env = {}
        for label in ("ok", "error"):
            env = adot_env(rec.cap.url, f"adot-{label}-{uuid.uuid4().hex}")
            env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
            script = rec.tmp / "agent.py"
            script.write_text(AGENT)
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced([instrument, str(python), str(script)], netlog), env, mode=label)
            run["argv"] = ["opentelemetry-instrument", "python", "agent.py"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        env["AGENT_SESSION_ID"] = "adot-<run>-<uuid4 hex>"
        rec.save(packages=versions, env=env, recorder=Path(__file__).name, notes=[
            "opentelemetry-instrument python agent.py with ADOT's AgentCore observability variables; "
            "the agent sets up no telemetry of its own.",
            "loopback-only network namespace" if isolated else "no network namespace"])


if __name__ == "__main__":
    isolated_recorder_main(NAME, PACKAGES, record)
