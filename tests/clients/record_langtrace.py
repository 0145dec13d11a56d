"""Record Langtrace's Python SDK (``langtrace-python-sdk``) with its exporter pointed at the monitor.

Run: ``python tests/clients/record_langtrace.py`` (creates its own venv, then records in a
loopback-only network namespace where it can make one, each run under ``strace``).

The agent is a hand-written tool loop on the plain ``openai.OpenAI`` client (two Chat Completions
calls, not streamed), the turn a ``@with_langtrace_root_span("weather_agent")`` function, the
session from ``LANGTRACE_SESSION_ID``. ``langtrace.init(api_host=<the monitor's OTLP/HTTP URL>,
batch=False, service_name="weather-agent")``, the custom-endpoint set-up of Langtrace's SDK docs
(no API key: one is needed only for Langtrace's cloud): ``init`` builds its own tracer provider
(set as the global one) with an OTLP/HTTP protobuf exporter to ``{api_host}/v1/traces`` (a
``SimpleSpanProcessor``: one request per span as it ends) and instruments every library it supports
that is installed, here the OpenAI SDK with Langtrace's own instrumentation.

What it sends (read in the installed package, seen in the recording):

* each call one ``openai.chat.completions.create`` span (scope
  ``langtrace_python_sdk.instrumentation.openai.instrumentation``): ``gen_ai.system`` ``openai``,
  ``gen_ai.request.model`` / ``gen_ai.response.model``, ``gen_ai.usage.input_tokens`` (cached tokens
  in), ``output_tokens``, ``total_tokens`` and ``gen_ai.usage.cached_tokens`` (its own spelling); the
  messages and the answer not as attributes but as two span events, ``gen_ai.content.prompt``
  (attribute ``gen_ai.prompt``, the request's messages as a JSON list) and
  ``gen_ai.content.completion`` (``gen_ai.completion``, ``[{"role", "content"}]``, a tool-call
  answer's ``content`` the list of its tool calls);
* the turn: ``with_langtrace_root_span``'s span (scope ``langtrace_python_sdk.utils.with_root_span``)
  with ``LANGTRACE_SESSION_ID`` as ``session.id`` (no other span carries it); ERROR with the
  exception when the call raised. No tool span: the SDK has no tool decorator.
* off loopback: ``init`` asks GitHub for the SDK's latest release (every time) and, unless
  ``LANGTRACE_ERROR_REPORTING=False`` (set here), starts Sentry with Langtrace's DSN. In the
  namespace each attempt fails at once and the SDK goes on; ``network_attempts_off_loopback``
  (strace) lists what was tried.

Streamed (tried while recording, ``stream_options.include_usage``): the usage chunk's prompt and
completion tokens are kept but no cached count; with ``tools`` in the request the answer's text is
dropped (the stream wrapper then collects only tool-call arguments: ``gen_ai.completion`` has
``content: ""``); before the usage chunk arrives the prompt is counted with ``tiktoken`` (its
encoding downloaded on first use). An assistant message handed back as a dict (``model_dump()``)
goes into ``gen_ai.prompt`` as ``[{"id": "", "type": ""}]`` for each of its tool calls (it reads
them as attributes).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from cli_support import foreign_addresses, isolate_network, traced
from recording import Recording, ensure_venv, installed_versions, openai_env

NAME = "langtrace"
# langtrace-python-sdk 3.8.21 (the newest 3.8) takes the OTel SDK and exporters >=1.25 and the
# instrumentation >=0.47b0 at any release; they are pinned to one contrib release (0.66b1, SDK 1.45.1)
# as the other SDKs' recorders pin them. It imports ``importlib_metadata`` without requiring it (the OTel API
# required it up to 1.2x, no longer), so it is installed beside.
PACKAGES = ["langtrace-python-sdk==3.8.21", "openai==3.63.0", "importlib-metadata", "opentelemetry-sdk==1.45.1",
            "opentelemetry-exporter-otlp-proto-http==1.45.1", "opentelemetry-exporter-otlp-proto-grpc==1.45.1",
            "opentelemetry-instrumentation==0.66b1", "opentelemetry-instrumentation-sqlalchemy==0.66b1"]

AGENT = '''
import json, os, sys
from langtrace_python_sdk import langtrace, with_langtrace_root_span  # before the LLM libraries, as its docs say

# api_host: any OTLP/HTTP endpoint other than Langtrace's cloud (the SDK appends /v1/traces); no API key needed.
langtrace.init(api_host=os.environ["MONITOR_OTLP_URL"], batch=False, service_name="weather-agent")

from openai import OpenAI

client = OpenAI(max_retries=0)
MODEL = "gpt-4o-mini"
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def get_weather(city: str) -> str:
    return f"Sunny, 22 C in {city}"


@with_langtrace_root_span("weather_agent")
def weather_agent(question: str) -> str:
    messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
                {"role": "user", "content": question}]
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
    msg = first.choices[0].message
    messages.append(msg.model_dump(exclude_none=True))
    for call in msg.tool_calls or []:
        result = get_weather(**json.loads(call.function.arguments))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    second = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
    return second.choices[0].message.content


code = 0
try:
    print("FINAL:", weather_agent("What is the weather in Paris?"))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
sys.exit(code)
'''

#: The session each run's root span carries (``LANGTRACE_SESSION_ID``); the manifest keeps them as
#: ``app_sessions``.
SESSIONS = {"ok": "weather-ok", "error": "weather-error"}


def langtrace_env(rec: Recording) -> dict[str, str]:
    """Where the agent's exporter posts (the capture server's ``/v1/traces``, as the monitor's
    OTLP/HTTP receiver), and Sentry off (``LANGTRACE_ERROR_REPORTING``)."""
    return openai_env(rec) | {"MONITOR_OTLP_URL": rec.cap.url,
                              "LANGTRACE_ERROR_REPORTING": "False"}


NOTES = ["Hand-written tool loop on the plain openai.OpenAI client (two calls, not streamed) "
         "in @with_langtrace_root_span('weather_agent'), the session from LANGTRACE_SESSION_ID; "
         "langtrace.init(api_host='{OTLP_URL}', batch=False, service_name='weather-agent') exports to "
         "{OTLP_URL}/v1/traces and instruments the OpenAI SDK itself."]


def record(python: Path, isolated: bool, name: str = NAME, agent: str = AGENT, notes: list[str] = NOTES,
           versions: tuple[str, ...] = ()) -> None:
    """Record the two runs; ``isolated``: in a loopback-only network namespace (noted in the manifest)."""
    with Recording(name) as rec:
        env = langtrace_env(rec)
        script = rec.tmp / "agent.py"
        script.write_text(agent)
        for label in ("ok", "error"):
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced([str(python), str(script)], netlog),
                          env | {"LANGTRACE_SESSION_ID": SESSIONS[label]}, mode=label, quiet=1.5)
            run["argv"] = ["python", "agent.py"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        rec.save(
            packages=installed_versions(python, ["langtrace-python-sdk", "trace-attributes", *versions, "openai",
                                                 "opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http"]),
            env=rec.scrub(env),
            recorder=Path(sys.argv[0]).name,
            notes=[*notes,
                   "init asks api.github.com for the latest release, Sentry off (LANGTRACE_ERROR_REPORTING=False): "
                   "network_attempts_off_loopback (strace).",
                   "loopback-only network namespace" if isolated else "no network namespace"],
            extra={"app_sessions": SESSIONS},
        )


def langtrace_main(name: str, packages: list[str], record_isolated: Callable[[Path, bool], None]) -> None:
    """Command line of a Langtrace recorder: install the pinned venv, then record in a loopback-only
    network namespace where one can be made."""
    parser = argparse.ArgumentParser(description=f"Record the {name} client's telemetry into fixtures/{name}/")
    parser.add_argument("--install-only", action="store_true", help="only create the pinned venv")
    args = parser.parse_args()
    python = ensure_venv(name, packages)
    if args.install_only:
        print(f"[{name}] venv ready: {python}")
        return
    isolated = isolate_network()  # after installing: the namespace has no route to the registry
    record_isolated(python, isolated)


if __name__ == "__main__":
    langtrace_main(NAME, PACKAGES, record)
