"""Record a fast-agent agent calling its tool through an MCP server over stdio, traced by
fast-agent's own OpenTelemetry set-up, exported as OTLP/HTTP protobuf.

Run: ``python tests/clients/record_fast_agent.py`` (creates its own venv; fast-agent-mcp needs
Python 3.12 or later, so the venv is made with the first ``python3.12``/``python3.13`` found).
The script writes ``fastagent.config.yaml`` (the ``otel:`` section on, its ``otlp_endpoint`` the
capture server's; the provider's ``base_url`` the fake LLM's; one stdio MCP server,
``weather``) and ``weather_server.py`` (``recording.MCP_WEATHER_SERVER`` after ``OTEL_SDK_SETUP``:
the server's ``env`` in the config hands it the ``OTEL_*`` variables), then runs one agent
(``@fast.agent(servers=["weather"])``) with ``agent.send(...)`` inside ``fast.run()``.
fast-agent sets a global tracer provider of its own and turns on OpenLLMetry's OpenAI
instrumentation (the anthropic SDK traces itself on that provider); the MCP SDK (2.x) makes its
spans of each request on each process's global provider and carries the trace context in the
request's ``_meta``. Recordings (``VARIANTS``): ``fast_agent`` (the ``openai`` provider) and
``fast_agent_anthropic`` (the ``anthropic`` provider); name some on the command line to make only those.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from recording import (
    FAKE_KEY,
    MCP_WEATHER_SERVER,
    OTEL_SDK_SETUP,
    Recording,
    chosen_variants,
    ensure_venv,
    python312,
    record_turns,
)

NAME = "fast_agent"
PACKAGES = ["fast-agent-mcp==0.10.48"]

SERVER = OTEL_SDK_SETUP + MCP_WEATHER_SERVER

#: The turn; the model (``default_model``) and its provider's section of the config
#: (``{"base_url": ..., "api_key": ...}`` from the variables of ``client_env``) come from the variant.
AGENT = f'''
import asyncio
import json
import os
import sys
from pathlib import Path

SERVER = {SERVER!r}
Path("weather_server.py").write_text(SERVER)

# fast-agent reads its settings from fastagent.config.yaml (JSON is YAML). The MCP SDK gives a
# stdio server only a few variables by default: the server's env hands it the OTel ones.
server_env = {{k: v for k, v in os.environ.items() if k.startswith("OTEL_")}}
provider = os.environ["FAST_AGENT_PROVIDER"]
config = {{
    "default_model": os.environ["FAST_AGENT_MODEL"],
    "logger": {{"type": "none", "progress_display": False, "show_chat": False, "show_tools": False}},
    "otel": {{
        "enabled": True,
        "service_name": os.environ["OTEL_SERVICE_NAME"],
        "otlp_endpoint": os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] + "/v1/traces",
    }},
    provider: {{"api_key": os.environ["FAST_AGENT_API_KEY"], "base_url": os.environ["FAST_AGENT_BASE_URL"]}},
    "mcp": {{"servers": {{"weather": {{
        "transport": "stdio", "command": sys.executable, "args": ["weather_server.py"], "env": server_env,
    }}}}}},
}}
Path("fastagent.config.yaml").write_text(json.dumps(config, indent=2))

from fast_agent import FastAgent

fast = FastAgent("weather-app", config_path="fastagent.config.yaml", parse_cli_args=False, quiet=True)


@fast.agent(name="weather_agent", instruction="Answer weather questions with the get_weather tool.",
            servers=["weather"])
async def main():
    async with fast.run() as app:
        return await app.weather_agent.send("What is the weather in Paris?")


code = 0
try:
    answer = asyncio.run(main())
    print("FINAL:", answer)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
sys.exit(code)
'''


@dataclass(frozen=True)
class Variant:
    provider: str  # fast-agent's provider, its config section
    model: str  # fast-agent's model string: provider.model
    base_url: Callable[[Recording], str]
    versions: list[str]
    note: str
    env: dict[str, str] = field(default_factory=dict)


VARIANTS = {
    "fast_agent": Variant(
        "openai", "openai.gpt-4.1-mini", lambda rec: rec.llm.openai_base_url,
        ["openai", "opentelemetry-instrumentation-openai"],
        "openai provider (streamed Chat Completions with include_usage) at the fake LLM's base_url; fast-agent"
        " turns on OpenLLMetry's OpenAI instrumentation itself."),
    "fast_agent_anthropic": Variant(
        "anthropic", "anthropic.claude-sonnet-4-5", lambda rec: rec.llm.url,
        ["anthropic"],
        "anthropic provider (the beta Messages API, streamed) at the fake LLM's base_url; the anthropic SDK"
        " traces its own calls on the global tracer provider fast-agent sets, with their messages"
        " (ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE=content; its default, metadata_only, sends no text).",
        {"ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE": "content"}),
}


def record(name: str, python: Path) -> None:
    variant = VARIANTS[name]

    def client_env(rec: Recording) -> dict[str, str]:
        return {"FAST_AGENT_PROVIDER": variant.provider, "FAST_AGENT_MODEL": variant.model,
                "FAST_AGENT_BASE_URL": variant.base_url(rec), "FAST_AGENT_API_KEY": FAKE_KEY, **variant.env}

    venv_python = subprocess.run([str(python), "-c", "import platform; print(platform.python_version())"],
                                 capture_output=True, text=True, check=True).stdout.strip()
    record_turns(
        name, python, AGENT, recorder=Path(__file__).name, client_env=client_env,
        versions=["fast-agent-mcp", "mcp", *variant.versions, "opentelemetry-sdk",
                  "opentelemetry-exporter-otlp-proto-http"],
        notes=[f"The client ran on Python {venv_python} (fast-agent-mcp requires 3.12 or later; the manifest's"
               " python is the recorder's).",
               "fast-agent's own OpenTelemetry set-up (otel: in fastagent.config.yaml, its own tracer provider"
               " exporting to otlp_endpoint).", variant.note,
               "get_weather is served by an MCP server (MCPServer) fast-agent starts over stdio from its"
               " config (the server's env the OTEL_* variables); the server process exports its own spans."],
    )


if __name__ == "__main__":
    # python record_fast_agent.py [--install-only] [recording ...] (all of VARIANTS by default)
    install_only = "--install-only" in sys.argv[1:]
    sys.argv[1:] = [a for a in sys.argv[1:] if a != "--install-only"]
    chosen = chosen_variants(VARIANTS)
    py = ensure_venv(NAME, PACKAGES, python=python312("fast-agent-mcp"))
    if not install_only:
        for name in chosen:
            record(name, py)
