"""Record AgentOps' Python SDK (``agentops``) with its exporter pointed at the monitor.

Run: ``python tests/clients/record_agentops.py`` (creates its own venv, then records in a
loopback-only network namespace where it can make one, each run under ``strace``).

The agent is the one AgentOps' documentation on tracking agents writes: ``agentops.init(api_key,
auto_start_session=False)``, an ``@agent(name="WeatherAgent")`` class whose ``@operation`` method
runs a hand-written tool loop on the plain ``openai.OpenAI`` client (call 2 streamed with
``stream_options={"include_usage": True}``) and whose ``@tool`` method is ``get_weather``, the
whole turn in a ``@trace(name="weather-session")`` function. ``agentops.init`` instruments the
OpenAI SDK with AgentOps' own instrumentation.

Where it sends what (read in the installed package, seen in the recording):

* spans: its own tracer provider, a ``BatchSpanProcessor`` of ``AuthenticatedOTLPExporter`` (an
  ``OTLPSpanExporter``) posting OTLP/HTTP protobuf to ``exporter_endpoint``
  (``AGENTOPS_EXPORTER_ENDPOINT``, the full URL with ``/v1/traces``; default
  ``https://otlp.agentops.ai/v1/traces``), with ``Authorization: Bearer <JWT>`` once it has one
  (and none before: the spans are sent either way). No ``OTEL_*`` variable is read for it.
* the JWT: with an API key, ``init`` posts ``{"api_key": ...}`` to
  ``{AGENTOPS_API_ENDPOINT}/v3/auth/token`` (default ``https://api.agentops.ai``) in a
  background thread and takes ``token`` and ``project_id`` from the answer. Here that endpoint is
  ``AgentOpsApiStandIn``, a stand-in on 127.0.0.1 run by this recorder: it answers the token and
  logs every request (the manifest's ``agentops_api_requests``).
* the script's printed output: its span processor means to post it to
  ``{AGENTOPS_API_ENDPOINT}/v4/logs/upload/`` when the first span started ends; 0.4.21 compares
  the span ids by identity (``is``), so it never does (the stand-in answers it all the same, and
  logged no such request).
* metrics: a ``MeterProvider`` whose OTLP exporter posts to ``https://otlp.agentops.ai/v1/metrics``,
  a URL hard-coded in ``agentops.sdk.core`` (``init`` has no setting for it and the exporter gets
  it as an argument, so ``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`` does not move it). Its OpenAI
  instrumentation records no metric for chat completions (only its openai 0.x wrappers do), so
  nothing is exported there: each run's ``network_attempts_off_loopback`` (strace) is empty.
* the tool call the model asks for: on no attribute of the model call's span; the OpenAI
  instrumentation records it as a zero-length child span, ``tool_call.<tool>``.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cli_support import foreign_addresses, isolated_recorder_main, traced
from recording import Recording, installed_versions, openai_env

NAME = "agentops"
# The OpenTelemetry exporter is pinned to 1.44.0: from 1.45.0 on ``OTLPSpanExporter`` keeps no ``_headers``
# or ``_session`` (it sends through a transport), which AgentOps' ``AuthenticatedOTLPExporter.export``
# reads, so every export fails ("'AuthenticatedOTLPExporter' object has no attribute '_headers'") and
# nothing is sent; its SDK, API and instrumentation are pinned beside it.
PACKAGES = ["agentops==0.4.21", "openai==3.63.0", "opentelemetry-exporter-otlp-proto-http==1.44.0",
            "opentelemetry-sdk==1.44.0", "opentelemetry-api==1.44.0", "opentelemetry-instrumentation==0.65b0",
            "opentelemetry-semantic-conventions==0.65b0"]

AGENT = '''
import json, os, sys
import agentops
from agentops.sdk.decorators import agent, operation, tool, trace
from openai import OpenAI

# As AgentOps documents tracking agents: no auto-started session, the turn in a @trace.
agentops.init(os.environ["AGENTOPS_API_KEY"], auto_start_session=False)

MODEL = "gpt-4o-mini"
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@agent(name="WeatherAgent")
class WeatherAgent:
    def __init__(self):
        self.client = OpenAI(max_retries=0)

    @tool
    def get_weather(self, city: str) -> str:
        return f"Sunny, 22 C in {city}"

    @operation
    def answer(self, question: str) -> str:
        messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
                    {"role": "user", "content": question}]
        first = self.client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
        msg = first.choices[0].message
        messages.append(msg.model_dump(exclude_none=True))
        for call in msg.tool_calls or []:
            result = self.get_weather(**json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
        stream = self.client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS, stream=True,
                                                     stream_options={"include_usage": True})
        return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


@trace(name="weather-session")
def weather_session(question: str) -> str:
    return WeatherAgent().answer(question)


code = 0
try:
    print("FINAL:", weather_session("What is the weather in Paris?"))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
# The SDK flushes and shuts its providers down at exit (atexit), as a user's script relies on.
sys.exit(code)
'''

#: What the stand-in answers for the JWT (a JWT-shaped string; nothing checks it) and the project.
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJwcm9qZWN0X2lkIjoicmVjb3JkaW5nIn0.cmVjb3JkaW5n"
PROJECT_ID = "00000000-0000-4000-8000-0000000a6e70"
API_KEY = "00000000-0000-4000-8000-00000000a9e7"


class AgentOpsApiStandIn:
    """AgentOps' API on 127.0.0.1, as much of it as the SDK calls: ``POST /v3/auth/token``
    (answers a JWT and a project id), ``POST /v4/logs/upload/`` and ``/v4/objects/upload/``
    (answer 200). Every request is logged (path, run, headers that say who sent it, body keys)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.run: str | None = None
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    parsed = json.loads(body or b"{}")
                except ValueError:
                    parsed = None
                stand_in.requests.append({
                    "run": stand_in.run, "method": "POST", "path": self.path,
                    "authorization": (self.headers.get("Authorization") or "").split(" ")[0] or None,
                    "trace_id": self.headers.get("Trace-Id"),
                    "user_agent": self.headers.get("User-Agent"),
                    "body_keys": sorted(parsed) if isinstance(parsed, dict) else None,
                    "api_key_sent": isinstance(parsed, dict) and parsed.get("api_key") == API_KEY,
                })
                if self.path == "/v3/auth/token":
                    answer: dict[str, Any] = {"token": JWT, "project_id": PROJECT_ID, "project_prem_status": "pro"}
                elif self.path.startswith("/v4/") and self.path.endswith("/upload/"):
                    answer = {"url": f"http://127.0.0.1/{self.path.strip('/')}", "size": len(body)}
                else:
                    self._reply(404, {"error": "not found"})
                    return
                self._reply(200, answer)

            def _reply(self, status: int, answer: dict[str, Any]) -> None:
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> AgentOpsApiStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def agentops_env(rec: Recording, api: AgentOpsApiStandIn) -> dict[str, str]:
    """What an AgentOps user pointing its exporter at the monitor sets: the exporter's URL (the
    capture server's ``/v1/traces``), and here the API key and API endpoint (the stand-in)."""
    return openai_env(rec) | {
        "AGENTOPS_API_KEY": API_KEY,
        "AGENTOPS_API_ENDPOINT": api.url,
        "AGENTOPS_EXPORTER_ENDPOINT": f"{rec.cap.url}/v1/traces",
    }


def record(python: Path, isolated: bool) -> None:
    """Record the two runs; ``isolated``: in a loopback-only network namespace (noted in the manifest)."""
    with Recording(NAME) as rec, AgentOpsApiStandIn() as api:
        env = agentops_env(rec, api)
        script = rec.tmp / "agent.py"
        script.write_text(AGENT)
        for label in ("ok", "error"):
            api.run = label
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced([str(python), str(script)], netlog), env, mode=label, quiet=1.5)
            run["argv"] = ["python", "agent.py"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        rec.save(
            packages=installed_versions(python, ["agentops", "openai", "opentelemetry-sdk",
                                                 "opentelemetry-exporter-otlp-proto-http",
                                                 "opentelemetry-instrumentation"]),
            env=rec.scrub(env) | {"AGENTOPS_API_ENDPOINT": "{AGENTOPS_API_URL}"},
            recorder=Path(__file__).name,
            notes=["AgentOps' documented agent: agentops.init(api_key, auto_start_session=False), "
                   "@agent(name='WeatherAgent') class, @operation answer() running the tool loop on the plain "
                   "openai.OpenAI client (call 2 streamed with include_usage), @tool get_weather, the turn in "
                   "@trace(name='weather-session'); spans exported by the SDK to AGENTOPS_EXPORTER_ENDPOINT "
                   "({OTLP_URL}/v1/traces).",
                   "AGENTOPS_API_ENDPOINT is a stand-in on 127.0.0.1 run by the recorder (agentops_api_requests): "
                   "the JWT from /v3/auth/token, the printed output posted to /v4/logs/upload/.",
                   "Metrics would go to https://otlp.agentops.ai/v1/metrics, hard-coded in agentops 0.4.21; its OpenAI "
                   "instrumentation records none for chat completions: nothing tried off loopback "
                   "(network_attempts_off_loopback, strace).",
                   "loopback-only network namespace" if isolated else "no network namespace"],
            extra={"agentops_api_requests": api.requests,
                   "agentops_trace_name": "weather-session", "agentops_agent_name": "WeatherAgent"},
        )


if __name__ == "__main__":
    isolated_recorder_main(NAME, PACKAGES, record)
