"""Record the ``openai`` SDK pointed at an OpenAI-compatible provider (Groq), under each OpenAI instrumentation.

Run: ``python tests/clients/record_openai_groq.py [--only FIXTURE]`` (creates the venvs of the
recorders it borrows from). The most common setup there is: ``openai.OpenAI(base_url=
"…api.groq.com/openai/v1")`` (the same for DeepSeek, Together, OpenRouter …). Every OpenAI
instrumentation then names the provider ``openai`` whatever host served the call, unless it reads
the host; what each one really sends about the host is what these recordings are for.

The client must see the provider's real host while nothing leaves 127.0.0.1, so its base URL is
``http://api.groq.com/openai/v1`` (plain HTTP: through a proxy an ``https`` URL would be a TLS
tunnel the fake cannot answer) and ``HTTP_PROXY`` is the fake LLM, which routes the absolute-URI
request lines a proxied client sends by their path (its Groq route) and logs the host named
(``proxied_host``, checked here on every call). ``NO_PROXY`` covers only 127.0.0.1/localhost (the
OTLP exporter's own requests), never the provider's host; the runs happen in a loopback-only
network namespace (``cli_support.isolate_network``) under strace, and each run's record lists any
address off loopback it tried (``network_attempts_off_loopback``).

The turn is ``record_groq_openllmetry.py``'s (model ``llama-3.3-70b-versatile``, which genai-prices
prices under Groq only): call 1 asks for ``get_weather(city="Paris")``, the script runs it, call 2
(not streamed) answers; the ``error`` run gets HTTP 400 on every call. Three fixtures, one per
instrumentation, each from the venv (same pins) of the recorder that records it on OpenAI but the first:

* ``openai_groq_v2``: ``opentelemetry-instrumentation-openai-v2`` (``record_openai_v2.py``'s
  pins, content on spans and events) on openai 2.x (``OPENAI_2``: on 3.x it sends no host);
* ``openai_groq_openllmetry``: OpenLLMetry's ``opentelemetry-instrumentation-openai``
  (``record_openllmetry.py``);
* ``openai_groq_openinference``: ``openinference-instrumentation-openai``
  (``record_openai_responses_openinference.py``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NamedTuple

import record_openai_responses_openinference as openinference
import record_openai_v2 as v2
import record_openllmetry as openllmetry
from cli_support import foreign_addresses, isolate_network, traced
from record_groq_openllmetry import LOOP, MODEL, turn
from recording import FAKE_KEY, OTEL_SDK_SETUP, Recording, ensure_venv, installed_versions, otel_env

#: Groq's OpenAI-compatible endpoint, as its docs give it but in plain HTTP (see above).
BASE_URL = "http://api.groq.com/openai/v1"
HOST = "api.groq.com"

#: The Groq recorders' loop with the openai SDK's client on Groq's endpoint instead of the groq SDK.
CLIENT = LOOP.replace(
    "from groq import Groq\n\nclient = Groq()  # GROQ_API_KEY, GROQ_BASE_URL\n",
    f'from openai import OpenAI\n\nclient = OpenAI(base_url="{BASE_URL}", api_key=os.environ["GROQ_API_KEY"])\n')
assert CLIENT != LOOP


#: The instrumentation-openai-v2 recording's openai: the last 2.x. The instrumentation (2.4b0) reads
#: the host it sends as ``server.address`` only from an ``httpx.URL`` base URL; openai 3.x's is an
#: ``httpx2.URL``, so on openai 3.x its spans name no host at all.
OPENAI_2 = "openai==2.54.0"


class Variant(NamedTuple):
    venv: str  # the venv (and pins) of the recorder that records this instrumentation on OpenAI
    packages: list[str]
    instrumentor_import: str
    env: dict[str, str]
    versions: list[str]
    note: str


VARIANTS = {
    "openai_groq_v2": Variant(
        "openai_groq_v2", [p for p in v2.PACKAGES if p != "openai"] + [OPENAI_2],
        "from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor", v2.MODES["openai_v2_latest"],
        ["opentelemetry-instrumentation-openai-v2", "opentelemetry-util-genai", "openai", "opentelemetry-sdk"],
        "opentelemetry-instrumentation-openai-v2 with gen_ai_latest_experimental and content on spans and events "
        f"(record_openai_v2.py's openai_v2_latest mode), on {OPENAI_2}: with openai 3.x the instrumentation "
        "sends no server.address (it reads the host only from an httpx.URL, and openai 3.x's is httpx2's)."),
    "openai_groq_openllmetry": Variant(
        openllmetry.NAME, openllmetry.PACKAGES, "from opentelemetry.instrumentation.openai import OpenAIInstrumentor",
        {}, ["opentelemetry-instrumentation-openai", "opentelemetry-semantic-conventions-ai", "openai",
             "opentelemetry-sdk"],
        "OpenLLMetry's opentelemetry-instrumentation-openai, content traced (its default)."),
    "openai_groq_openinference": Variant(
        openinference.NAME, openinference.PACKAGES, openinference.OPENINFERENCE_IMPORT, {},
        ["openinference-instrumentation-openai", "openinference-instrumentation", "openai", "opentelemetry-sdk"],
        "openinference-instrumentation-openai."),
}


def agent(instrumentor_import: str) -> str:
    """The turn, traced by the ``OpenAIInstrumentor`` that ``instrumentor_import`` imports (Python source)."""
    return OTEL_SDK_SETUP + f"\n{instrumentor_import}\n\nOpenAIInstrumentor().instrument()\n" + CLIENT + turn(stream=False)


def proxy_env(rec: Recording) -> dict[str, str]:
    """The fake LLM as every proxy the client's HTTP stack may read; only loopback (the OTLP
    exporter's endpoint) goes direct, never the provider's host."""
    env = {"GROQ_API_KEY": FAKE_KEY}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[name] = env[name.lower()] = rec.llm.url
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def record(fixture: str, python: Path) -> None:
    variant = VARIANTS[fixture]
    code = agent(variant.instrumentor_import)
    with Recording(fixture) as rec:
        env = otel_env(rec.cap.url, service_name=f"{fixture.replace('_', '-')}-recording") | proxy_env(rec) | variant.env
        script = rec.tmp / "agent.py"
        script.write_text(code)
        for label, mode in (("ok", "ok"), ("error", "error")):
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced([str(python), str(script)], netlog), env, mode=mode)
            run["argv"] = ["python", "agent.py"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            hosts = {call.get("proxied_host") for call in run["fake_calls"]}
            if hosts != {HOST}:
                raise SystemExit(f"[{fixture}] {label}: the client did not call {HOST} through the proxy: {hosts}")
        rec.save(packages=installed_versions(python, variant.versions), env=env, recorder=Path(__file__).name, notes=[
            f"openai.OpenAI(base_url={BASE_URL!r}) with HTTP_PROXY set to the fake LLM (every call logged with "
            f"proxied_host {HOST}); model {MODEL}. Call 1 client.chat.completions.create (asks for get_weather), "
            "call 2 the same, not streamed; no agent framework.",
            variant.note,
        ])


def main() -> None:
    parser = argparse.ArgumentParser(description="Record the openai SDK on Groq's endpoint into fixtures/")
    parser.add_argument("--only", choices=list(VARIANTS), action="append", help="record only these fixtures")
    parser.add_argument("--install-only", action="store_true", help="only create the pinned venvs")
    args = parser.parse_args()
    chosen = args.only or list(VARIANTS)
    pythons = {name: ensure_venv(VARIANTS[name].venv, VARIANTS[name].packages) for name in chosen}
    if args.install_only:
        return
    isolate_network()  # after installing: the namespace has no route to the registry
    for name in chosen:
        record(name, pythons[name])


if __name__ == "__main__":
    main()
