"""Record an OpenAI client calling through a local LiteLLM proxy, both reporting each call.

Run: ``python tests/clients/record_litellm_proxy.py`` (creates its own venv).
The agent is the ``openai`` SDK instrumented with
``opentelemetry-instrumentation-openai-v2`` (message content on its spans), a
hand-written tool loop on chat completions (call 1 asks for ``get_weather``,
the tool runs in plain Python, call 2 streamed with ``include_usage``
answers), its ``base_url`` a LiteLLM proxy (``litellm --config``) on
127.0.0.1 whose model list routes ``gpt-4o-mini`` to the fake LLM as an
OpenAI-compatible backend. The proxy runs LiteLLM's own OTel callback
(``callbacks: ["otel"]`` in its config, ``OTEL_EXPORTER=otlp_http``, as
``record_litellm_otel.py`` sets it up), so every model call is reported
twice, by the client and by the gateway, to the same capture server.

Each run starts its own proxy (no database; a master key, without which it refuses to start) from the agent
script, with the proxy's environment only (the client's standard
``OTEL_EXPORTER_OTLP_*`` variables would take precedence over LiteLLM's
documented ones), and stops it with SIGTERM at the end so its batch span
processor flushes at exit. The proxy's log is printed after the agent's
output (``PROXY LOG:``), so the manifest's ``stdout_tail`` shows it.

Two fixture folders come out:

* ``fixtures/litellm_proxy/``: the client as openai-v2 instruments it, which
  sends no ``traceparent`` (it does not propagate; the proxy logs every
  request header in ``metadata.requester_metadata``, and there is none): the
  proxy makes a trace of its own per request, in its own service's session;
* ``fixtures/litellm_proxy_traceparent/``: the same with
  ``opentelemetry-instrumentation-httpx`` on too, whose client spans send
  ``traceparent``; the proxy honours it (its callback and its FastAPI
  instrumentation both take the request's context): one trace per call.

``litellm[proxy]`` is pinned to 1.106.12: the extra of 1.108.x and later
requires ``litellm-proxy-extras`` (and 1.110.x ``litellm-proxy``) versions
that are not on the package index this was recorded from.
"""

from __future__ import annotations

import json
from pathlib import Path

from record_litellm_otel import callback_env
from recording import (
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    guarded,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "litellm_proxy"
# opentelemetry-util-genai 1.1b0: the instrumentation imports
# opentelemetry.util.genai.instruments, which util-genai dropped in 1.2b0.
PACKAGES = [
    "litellm[proxy]==1.106.12",
    "opentelemetry-instrumentation-openai-v2==2.4b0",
    "opentelemetry-util-genai==1.1b0",
    "opentelemetry-instrumentation-httpx==0.66b2",
    "httpx",
    *OTEL_SDK_PACKAGES,
]

# The proxy refuses to start without a master key (no database: the master key is the only key);
# the client sends it as its API key. Not a secret: it opens a proxy that lives for one run.
PROXY_KEY = "sk-fakeproxy-e9c7098dab05f896ba0e2416bcf5d4f9f5efc063c24e1f27"

PROXY_CONFIG = """\
model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: os.environ/FAKE_OPENAI_BASE_URL
      api_key: os.environ/FAKE_OPENAI_API_KEY
litellm_settings:
  callbacks: ["otel"]
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
"""

# Starts the proxy (its own environment: RECORDED_PROXY_ENV), waits until it answers, and
# stops it at exit; the client's telemetry comes from OTEL_SDK_SETUP before it.
PROXY = '''
import atexit, json, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path

Path("proxy.yaml").write_text(json.loads(os.environ["RECORDED_PROXY_CONFIG"]))
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
proxy_env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "OPENAI_", "RECORDED_"))}
proxy_env |= json.loads(os.environ["RECORDED_PROXY_ENV"])
proxy_log = open("proxy.log", "w")
proxy = subprocess.Popen([str(Path(sys.executable).parent / "litellm"), "--config", "proxy.yaml",
                          "--host", "127.0.0.1", "--port", str(port)],
                         env=proxy_env, stdout=proxy_log, stderr=subprocess.STDOUT)


def stop_proxy():
    proxy.send_signal(signal.SIGTERM)
    try:
        proxy.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proxy.kill()
    proxy_log.close()
    print("PROXY LOG:", Path("proxy.log").read_text()[-1500:])


atexit.register(stop_proxy)
deadline = time.monotonic() + 120
while True:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health/liveliness", timeout=2).read()
        break
    except OSError:
        if proxy.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the LiteLLM proxy did not start")
        time.sleep(0.5)
os.environ["OPENAI_BASE_URL"] = f"http://127.0.0.1:{port}/v1"
'''

SETUP = '''
import json
import openai
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

OpenAIInstrumentor().instrument()
if os.environ.get("RECORDED_TRACEPARENT"):
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    HTTPXClientInstrumentor().instrument()

client = openai.OpenAI()
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
            {"role": "user", "content": "What is the weather in Paris?"}]
'''

TURN = '''
first = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
call = first.choices[0].message.tool_calls[0]
messages.append(first.choices[0].message.model_dump(exclude_none=True))
result = "Sunny, 22 C in " + json.loads(call.function.arguments)["city"]
messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS, stream=True,
                                        stream_options={"include_usage": True})
print("FINAL:", "".join(c.choices[0].delta.content or "" for c in stream if c.choices))
'''

AGENT = OTEL_SDK_SETUP + "import sys\n" + PROXY + SETUP + guarded(TURN)


#: Fixture folder -> what its client adds to the environment.
MODES = {"litellm_proxy": {}, "litellm_proxy_traceparent": {"RECORDED_TRACEPARENT": "1"}}


def record(python: Path) -> None:
    for fixture, extra in MODES.items():
        record_mode(python, fixture, extra)


def record_mode(python: Path, fixture: str, extra: dict[str, str]) -> None:
    with Recording(fixture) as rec:
        env = otel_env(rec.cap.url, service_name="litellm-proxy-client-recording", signals=("traces",))
        env |= {
            "OPENAI_API_KEY": PROXY_KEY,
            "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "span_only",
            "RECORDED_PROXY_CONFIG": json.dumps(PROXY_CONFIG),
            "RECORDED_PROXY_ENV": json.dumps({
                **callback_env(rec, "litellm-proxy-recording"),
                "OTEL_BSP_SCHEDULE_DELAY": "200",
                "LITELLM_MASTER_KEY": PROXY_KEY,
                # Read by the proxy's config (os.environ/...): the backend it routes gpt-4o-mini to.
                "FAKE_OPENAI_BASE_URL": rec.llm.openai_base_url,
                "FAKE_OPENAI_API_KEY": FAKE_KEY,
            }),
            **extra,
        }
        rec.run_python("ok", python, AGENT, env, quiet=2.0)
        rec.run_python("error", python, AGENT, env, mode="error", quiet=2.0)
        rec.save(
            packages=installed_versions(python, ["litellm", "litellm-proxy-extras", "openai",
                                                 "opentelemetry-instrumentation-openai-v2", "opentelemetry-util-genai",
                                                 *(["opentelemetry-instrumentation-httpx"] if extra else []),
                                                 "opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["openai.OpenAI(base_url=<LiteLLM proxy>) instrumented with openai-v2 (content on spans), a "
                   "hand-written loop: call 1 returns the tool call, the tool runs in plain Python, call 2 is "
                   "streamed with include_usage; the proxy (litellm --config, model_list gpt-4o-mini -> "
                   "openai/gpt-4o-mini at the fake LLM) runs callbacks: ['otel'] with OTEL_EXPORTER=otlp_http.",
                   "httpx instrumented too: the client sends traceparent, the proxy's spans join the client's trace."
                   if extra else "No traceparent sent: the proxy's spans are traces of its own."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
