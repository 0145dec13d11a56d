"""Record Laminar's Python SDK (``lmnr``) tracing the OpenAI SDK, pointed at the monitor.

Run: ``python tests/clients/record_laminar.py`` (creates its own venv).
A hand-written tool loop as Laminar's documentation writes one: an
``@observe()`` agent function, an ``@observe(span_type="TOOL")`` tool, the
model called through the plain ``openai.OpenAI`` client (call 2 streamed with
``stream_options={"include_usage": True}``), which ``Laminar.initialize()``
instruments with the SDK's own OpenAI instrumentation; the session and user set
with ``Laminar.set_trace_session_id`` / ``set_trace_user_id`` inside the agent
function; ``Laminar.flush()`` and ``shutdown()`` at the end.

``Laminar.initialize(project_api_key=..., base_url="http://127.0.0.1",
http_port=<port>, force_http=True)``: the SDK runs its own tracer provider and
exports OTLP/HTTP protobuf (gzip) to ``{base_url}:{http_port}/v1/traces`` with
``Authorization: Bearer <key>``. Without ``force_http`` it exports OTLP/gRPC
(gzip) to ``{base_url}:{grpc_port}``, which the capture server does not take;
the monitor's gRPC receiver does (the conformance test replays this recording
over gRPC too). No ``OTEL_*`` variable is set: with a project key Laminar reads
none for its exporter.

What the set-up does, read in the installed package and seen in the recording:

* every span goes out under the scope ``lmnr.tracer`` (the instrumentation that
  made it only as ``lmnr.span.instrumentation_scope.name``), with
  ``service.name`` the script's path (``sys.argv[0]``: ``initialize`` has no
  setting for it, and ``OTEL_SERVICE_NAME`` is not read);
* the session and user are on every span of the trace as
  ``lmnr.association.properties.session_id`` / ``.user_id``; the kind as
  ``lmnr.span.type`` (``LLM``, ``TOOL``, ``DEFAULT`` for a plain ``@observe()``);
* a model call's span carries the request's messages and the API's ``choices``
  as ``gen_ai.input.messages`` / ``gen_ai.output.messages``, the usage as
  ``gen_ai.usage.input_tokens`` (cached tokens in) beside
  ``gen_ai.usage.cache_read_input_tokens``; the streamed call's usage is the
  API's usage chunk;
* nothing else is requested: no call to Laminar's API at start or at flush (the
  capture server logs every path; only ``/v1/traces`` was posted), no log records
  although a log exporter is set up.
"""

from __future__ import annotations

from pathlib import Path

from recording import Recording, installed_versions, openai_env, recorder_main

NAME = "laminar"
# lmnr 0.8.2 takes opentelemetry-instrumentation(-threading) >=0.54b0,<1; unpinned, pip's resolver gives up
# (ResolutionImpossible after backtracking through their releases), so both are pinned to the newest
# threading release, 0.66b1 (the OTel SDK then resolves to 1.45.1).
PACKAGES = ["lmnr==0.8.2", "openai==3.63.0", "opentelemetry-instrumentation==0.66b1",
            "opentelemetry-instrumentation-threading==0.66b1"]

AGENT = '''
import json, os, sys
from urllib.parse import urlsplit
from lmnr import Laminar, observe
from openai import OpenAI

# Laminar takes the host and the port apart (a port in base_url is ignored).
monitor = urlsplit(os.environ["MONITOR_OTLP_URL"])
Laminar.initialize(project_api_key=os.environ["LMNR_PROJECT_API_KEY"], base_url=f"http://{monitor.hostname}",
                   http_port=monitor.port, force_http=True)
client = OpenAI(max_retries=0)
MODEL = "gpt-4o-mini"
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@observe(span_type="TOOL")
def get_weather(city: str) -> str:
    return f"Sunny, 22 C in {city}"


@observe()
def weather_agent(question: str) -> str:
    Laminar.set_trace_session_id(os.environ["WEATHER_SESSION_ID"])
    Laminar.set_trace_user_id(os.environ["WEATHER_USER_ID"])
    messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
                {"role": "user", "content": question}]
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
    msg = first.choices[0].message
    messages.append(msg.model_dump(exclude_none=True))
    for call in msg.tool_calls or []:
        result = get_weather(**json.loads(call.function.arguments))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    stream = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS, stream=True,
                                            stream_options={"include_usage": True})
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


code = 0
try:
    print("FINAL:", weather_agent("What is the weather in Paris?"))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    Laminar.flush()
    Laminar.shutdown()
sys.exit(code)
'''


def laminar_env(rec: Recording) -> dict[str, str]:
    """A project key (any: the receiver ignores it; Laminar needs one) and where the agent's
    ``Laminar.initialize`` points (the capture server, as the monitor's OTLP/HTTP receiver)."""
    return openai_env(rec) | {"LMNR_PROJECT_API_KEY": "lmnr-recording-key", "MONITOR_OTLP_URL": rec.cap.url}


#: The session and user each run's agent gives its trace (``Laminar.set_trace_session_id`` /
#: ``set_trace_user_id``); the manifest keeps them as ``laminar_sessions``.
SESSIONS = {"ok": "weather-ok", "error": "weather-error"}
USER = "recording-user"


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = laminar_env(rec)
        for label, mode in (("ok", "ok"), ("error", "error")):
            rec.run_python(label, python, AGENT, env | {"WEATHER_SESSION_ID": SESSIONS[label], "WEATHER_USER_ID": USER},
                           mode=mode)
        rec.save(
            packages=installed_versions(python, ["lmnr", "openai", "opentelemetry-sdk",
                                                 "opentelemetry-exporter-otlp-proto-http",
                                                 "opentelemetry-semantic-conventions-ai"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["Hand-written tool loop: @observe() agent, @observe(span_type='TOOL') get_weather, the plain "
                   "openai.OpenAI client instrumented by Laminar.initialize() (call 2 streamed with include_usage), "
                   "Laminar.set_trace_session_id / set_trace_user_id; exported by the SDK with force_http=True to "
                   "{OTLP_URL}/v1/traces."],
            extra={"laminar_sessions": SESSIONS, "laminar_user": USER},
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
