"""Record the Elastic Distribution of OpenTelemetry Python (EDOT) with its OpenAI instrumentation.

Run: ``python tests/clients/record_edot.py`` (creates its own venv, runs ``edot-bootstrap
--action=install`` in it as EDOT's documentation says, then records in a loopback-only network
namespace where it can make one, each run under ``strace``).

The hand-written tool loop of ``record_openai_v2.py`` (call 1 plain with the ``get_weather``
tool, call 2 streamed with ``include_usage``), with no OpenTelemetry code in the script: it is
started by ``opentelemetry-instrument python agent.py``, EDOT's zero-code set-up. EDOT's
distro and configurator set the SDK up from the environment and load every instrumentation
``edot-bootstrap`` installed: Elastic's ``elastic-opentelemetry-instrumentation-openai`` (its
module is ``opentelemetry.instrumentation.openai``, the name OpenLLMetry's OpenAI
instrumentation also uses), httpx, requests, urllib, urllib3, logging, asyncio, threading,
system metrics and the others the bootstrap lists.

What EDOT changes from the plain SDK (read in ``elasticotel.distro`` 1.18.0):

* the OTLP protocol defaults to gRPC: ``OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`` here, the
  capture server's (documented as supported);
* every signal on (``otlp``), metrics with DELTA temporality, exemplars off, its own
  parent-based ratio sampler at 1.0, its own user agent (``elastic-otlp-http-python/1.18.0``);
* resource detectors ``process_runtime,os,telemetry_distro,service_instance,containerid``, the
  cloud ones (GCP, AWS EC2/ECS/Beanstalk, Azure App Service/VM: each asks a metadata address
  off the machine) and ``otel`` last. The recorder sets ``OTEL_EXPERIMENTAL_RESOURCE_DETECTORS``
  to EDOT's list without the cloud ones, so nothing is asked off loopback (they find nothing
  off a cloud anyway); ``network_attempts_off_loopback`` (strace) is each run's check;
* the system metrics instrumentation limited to ``process.runtime.*``/``cpython.*`` metrics.

The OpenAI instrumentation (1.2.0): a ``chat <model>`` CLIENT span per call, started with
``gen_ai.system`` ``openai``, the operation, the model asked for and the server (dropped: below),
then given ``gen_ai.usage.input_tokens``/``output_tokens`` (the API's ``prompt_tokens``, cached
tokens in, no cached count), the response id, model and finish reasons;
with ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`` the messages as log events
(``gen_ai.system.message``, ``gen_ai.user.message``, ``gen_ai.assistant.message``,
``gen_ai.tool.message``, ``gen_ai.choice``) with JSON-shaped bodies, in the call's span; the
GenAI token and duration histograms.

The OpenAI SDK 3.x sends through ``httpx2``, which the contrib httpx instrumentation EDOT installs
traces too: each ``chat`` span has an httpx ``POST`` CLIENT span inside it (its status code only,
as every span's start attributes are gone: below). openai 2.54.0, the last line on ``httpx``,
was recorded alike and sent the same spans.

EDOT's default sampler (``experimental_composite_parentbased_traceidratio``, the SDK's experimental
composite sampler) returns the attributes its samplers add, none, as the span's attributes, so
every attribute a span is started with is dropped: the ``chat`` spans keep only what is set after
the call (response id and model, finish reasons, usage; ``error.type`` on a failed call), not
``gen_ai.system``, ``gen_ai.operation.name``, ``gen_ai.request.model`` or ``server.address``;
the httpx spans keep no method or URL. A failed call names its model only in its span name.
``OTEL_TRACES_SAMPLER=parentbased_always_on`` keeps them; the recording keeps EDOT's default.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli_support import foreign_addresses, isolated_recorder_main, traced
from recording import FAKE_KEY, Recording, ensure_venv, installed_versions, otel_env

NAME = "edot"
PACKAGES = ["elastic-opentelemetry==1.18.0", "elastic-opentelemetry-instrumentation-openai==1.2.0", "openai==3.63.0"]

# EDOT's resource detectors off a cloud (elasticotel.distro, ElasticOpenTelemetryDistro._configure),
# without the cloud ones that ask metadata addresses off the machine.
RESOURCE_DETECTORS = "process_runtime,os,telemetry_distro,service_instance,containerid,otel"

# No OpenTelemetry code: opentelemetry-instrument sets it all up. Call 1 plain, call 2 streamed.
AGENT = '''
import json, sys
import openai

client = openai.OpenAI(max_retries=0)
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
            {"role": "user", "content": "What is the weather in Paris?"}]


def get_weather(city: str) -> str:
    return f"Sunny, 22 C in {city}"


code = 0
try:
    first = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
    call = first.choices[0].message.tool_calls[0]
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id,
                     "content": get_weather(**json.loads(call.function.arguments))})
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS, stream=True,
                                            stream_options={"include_usage": True})
    print("FINAL:", "".join(c.choices[0].delta.content or "" for c in stream if c.choices))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
sys.exit(code)
'''

VERSIONS = ["elastic-opentelemetry", "elastic-opentelemetry-instrumentation-openai", "openai", "httpx2",
            "opentelemetry-sdk", "opentelemetry-instrumentation", "opentelemetry-instrumentation-httpx",
            "opentelemetry-exporter-otlp-proto-http"]


def ensure_edot(name: str, packages: list[str]) -> Path:
    """The pinned venv, then ``edot-bootstrap --action=install`` in it (the instrumentations for
    what is installed, at the versions EDOT pins; a no-op once they are there)."""
    python = ensure_venv(name, packages)
    res = subprocess.run([str(python.parent / "edot-bootstrap"), "--action=install"], capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stdout[-3000:] + res.stderr[-3000:])
        raise SystemExit(f"edot-bootstrap failed for {name}")
    return python


def bootstrap_list(python: Path) -> list[str]:
    """What ``edot-bootstrap`` lists for the venv (its default action)."""
    res = subprocess.run([str(python.parent / "edot-bootstrap")], capture_output=True, text=True, check=True)
    return res.stdout.split()


def record(python: Path, isolated: bool) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="edot-recording")
        env |= {
            "OPENAI_BASE_URL": rec.llm.openai_base_url,
            "OPENAI_API_KEY": FAKE_KEY,
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true",
            "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS": RESOURCE_DETECTORS,
        }
        script = rec.tmp / "agent.py"
        script.write_text(AGENT)
        argv = [str(python.parent / "opentelemetry-instrument"), str(python), str(script)]
        for label in ("ok", "error"):
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced(argv, netlog), env, mode=label, quiet=2.0)
            run["argv"] = ["opentelemetry-instrument", "python", "agent.py"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        rec.save(
            packages=installed_versions(python, VERSIONS),
            env=env,
            recorder=Path(__file__).name,
            notes=["Call 1 non-streaming with the get_weather tool, call 2 streamed with include_usage; no agent "
                   "framework; no OpenTelemetry code in the script: run as `opentelemetry-instrument python "
                   "agent.py` (EDOT's zero-code set-up), the instrumentations `edot-bootstrap --action=install` "
                   "installed (edot_bootstrap), message content as log events "
                   "(OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true).",
                   "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS: EDOT's own list without its cloud detectors, which ask "
                   "metadata addresses off the machine.",
                   "EDOT's default sampler drops every attribute a span starts with: the chat spans carry no "
                   "gen_ai.system, operation, request model or server address (the failed call names its model only "
                   "in its span name), the httpx POST spans no method or URL.",
                   "loopback-only network namespace" if isolated else "no network namespace"],
            extra={"edot_bootstrap": bootstrap_list(python)},
        )


if __name__ == "__main__":
    isolated_recorder_main(NAME, PACKAGES, record, ensure=ensure_edot)
