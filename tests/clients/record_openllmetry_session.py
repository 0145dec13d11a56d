"""Record OpenLLMetry's SDK (``traceloop-sdk``) with the session and user an app sets, over two turns.

Run: ``python tests/clients/record_openllmetry_session.py`` (creates its own venv).
``Traceloop.init(app_name="weather-chat", disable_batch=True)`` as Traceloop's
documentation sets it up for local development, the endpoint from
``TRACELOOP_BASE_URL`` (the capture server, as the monitor's OTLP/HTTP receiver;
no API key: with an endpoint other than Traceloop's own none is needed). A chat
of two turns, each a ``@workflow(name="weather_turn")`` function (one trace
each) that first calls ``Traceloop.set_association_properties({"session_id":
..., "user_id": ...})`` (the session per run from ``WEATHER_SESSION_ID``, the
user from ``WEATHER_USER_ID``), then runs the hand-written tool loop of
``record_laminar.py`` on the plain ``openai.OpenAI`` client, which
``Traceloop.init()`` instruments with OpenLLMetry's OpenAI instrumentation
(call 2 of each turn streamed with ``stream_options={"include_usage": True}``),
the tool a ``@tool(name="get_weather")`` function. The second turn is sent
with the first's messages.

What the set-up does, read in the installed package and seen in the recording:

* the session and user go on every span started in the workflow after the call
  (the workflow span itself too) as
  ``traceloop.association.properties.session_id`` / ``.user_id``
  (``Associations.set([(AssociationProperty.SESSION_ID, ...)])`` writes the
  same keys);
* ``disable_batch=True``: a ``SimpleSpanProcessor``, each span exported in a
  request of its own as it ends (the model calls and the tool before their
  workflow);
* ``service.name`` is the ``app_name``; the SDK's own metrics (token and
  duration histograms) go to ``{TRACELOOP_BASE_URL}/v1/metrics``.
"""

from __future__ import annotations

from pathlib import Path

from recording import Recording, installed_versions, openai_env, recorder_main

NAME = "openllmetry_session"
# traceloop-sdk 0.62.4 takes every contrib instrumentation it installs (logging, redis, requests, sqlalchemy,
# threading, urllib3: >=0.59b0) at any release; unpinned, pip's resolver gives up (ResolutionImpossible after
# backtracking through their releases), so they and opentelemetry-instrumentation are pinned to one, 0.66b1 (as
# record_laminar.py pins them). It imports httpx (its evaluator, at import) without requiring it, and openai 3 is on
# httpx2: httpx is installed beside them, as record_openllmetry.py installs it.
PACKAGES = ["traceloop-sdk==0.62.4", "openai==3.63.0", "httpx",
            *(f"opentelemetry-instrumentation{p}==0.66b1"
              for p in ("", "-logging", "-redis", "-requests", "-sqlalchemy", "-threading", "-urllib3"))]

AGENT = '''
import json, os, sys
from openai import OpenAI
from traceloop.sdk import Traceloop
from traceloop.sdk.decorators import tool, workflow

Traceloop.init(app_name="weather-chat", disable_batch=True)  # the endpoint from TRACELOOP_BASE_URL
client = OpenAI(max_retries=0)
MODEL = "gpt-4o-mini"
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@tool(name="get_weather")
def get_weather(city: str) -> str:
    return f"Sunny, 22 C in {city}"


@workflow(name="weather_turn")
def weather_turn(messages: list, question: str) -> str:
    Traceloop.set_association_properties({"session_id": os.environ["WEATHER_SESSION_ID"],
                                          "user_id": os.environ["WEATHER_USER_ID"]})
    messages.append({"role": "user", "content": question})
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
    msg = first.choices[0].message
    messages.append(msg.model_dump(exclude_none=True))
    for call in msg.tool_calls or []:
        result = get_weather(**json.loads(call.function.arguments))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    stream = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS, stream=True,
                                            stream_options={"include_usage": True})
    answer = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    messages.append({"role": "assistant", "content": answer})
    return answer


code = 0
messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."}]
try:
    for question in QUESTIONS:
        print("FINAL:", weather_turn(messages, question))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
sys.exit(code)
'''

#: The session each run's app sets (``WEATHER_SESSION_ID``) and the user (``WEATHER_USER_ID``); the manifest
#: keeps them as ``app_sessions`` / ``app_user``.
SESSIONS = {"ok": "weather-chat-ok", "error": "weather-chat-error"}
USER = "recording-user"
#: The chat's questions, one turn (one workflow, one trace) each.
QUESTIONS = ("What is the weather in Paris?", "Should I take an umbrella there?")


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = openai_env(rec) | {"TRACELOOP_BASE_URL": rec.cap.url, "WEATHER_USER_ID": USER}
        for label, mode in (("ok", "ok"), ("error", "error")):
            rec.run_python(label, python, AGENT.replace("QUESTIONS", repr(QUESTIONS)),
                           env | {"WEATHER_SESSION_ID": SESSIONS[label]}, mode=mode)
        rec.save(
            packages=installed_versions(python, ["traceloop-sdk", "opentelemetry-instrumentation-openai", "openai",
                                                 "opentelemetry-sdk", "opentelemetry-semantic-conventions-ai"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[f"A chat of {len(QUESTIONS)} turns, each a @workflow(name='weather_turn') calling "
                   "Traceloop.set_association_properties({'session_id', 'user_id'}) first, then a hand-written "
                   "tool loop on the openai.OpenAI client (call 2 streamed with include_usage), the tool a "
                   "@tool(name='get_weather'); Traceloop.init(app_name='weather-chat', disable_batch=True), "
                   "TRACELOOP_BASE_URL={OTLP_URL}; the session per run from WEATHER_SESSION_ID."],
            extra={"app_sessions": SESSIONS, "app_user": USER},
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
