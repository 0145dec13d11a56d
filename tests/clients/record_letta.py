"""Record a Letta server (the stateful-agents server) running one agent's turn, traced by itself.

Run: ``python tests/clients/record_letta.py`` (creates its own venv).
Each run starts its own Letta server (``letta server --host 127.0.0.1``,
``letta[server,sqlite]`` 0.11.7: SQLite storage under the run's fresh
``HOME``, no Postgres) from the agent script, its OpenAI provider pointed at
the fake LLM (``OPENAI_BASE_URL``), and drives it with the ``letta-client``
SDK: one tool (``get_weather``, created from its source), one agent
(``openai/gpt-4o-mini``) with that tool, one message. The server's own
tracing is on (``LETTA_OTEL_EXPORTER_OTLP_ENDPOINT``): Letta's exporter is
OTLP/gRPC only (``opentelemetry-exporter-otlp-proto-grpc``, hard-wired), so the
capture server takes gRPC too (``CaptureServer.start_grpc``). Its metrics
(same endpoint) are not set up on this version's path (it logs "Metrics are not
initialized"): traces only.

What it sends is function tracing, not the GenAI conventions: one span per
traced method, ``Class.method`` (scope ``letta.otel.tracing``), each argument
as ``parameter.<name>``, the Python ``repr`` of the value (the model request
as ``OpenAIClient.request_async``'s ``parameter.request_data``, the answer with
its usage as ``OpenAIClient.convert_response_to_chat_completion``'s
``parameter.response_data``), ``agent_step`` spans, and a server span per HTTP
request (``POST /agents/{agent_id}/messages``, ``http.agent_id``).

The server is stopped with SIGTERM two seconds after the answer so its batch
span processor has exported the request's span and flushes at exit; its log is
printed after the script's output (``SERVER LOG:``), so the manifest's
``stdout_tail`` shows it.

The monitor reads them as the client ``letta`` (scope ``letta.otel.tracing``):
see tests/clients/README.md and docs/conventions.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from recording import FAKE_KEY, VENV_ROOT, Recording, ensure_venv, installed_versions, recorder_main

NAME = "letta"
# letta 0.11.7 is the last release of the server that runs on SQLite (0.12 and later need Postgres;
# the ``letta`` releases after 0.16 are Letta Code, a CLI); its client is pinned by the server.
# mcp 1.30.0: the server imports ``streamablehttp_client``, which mcp 2.0 dropped.
PACKAGES = ["letta[server,sqlite]==0.11.7", "letta-client==0.1.307", "mcp[cli]==1.30.0"]

#: A MemGPT agent answers by tools only (the request asks for a tool call): get_weather asking to go
#: on (``request_heartbeat``), then send_message, the terminal tool, with the tool's answer. The agent
#: starts with no history but its system prompt (``initial_message_sequence=[]``; Letta's default one
#: holds a send_message call of its own, a greeting, which the script would have to count).
TOOL_ANSWERS = {
    "get_weather": [{"city": "Paris", "request_heartbeat": True}],
    "send_message": [{"message": "The weather in Paris: Sunny, 22 C in Paris."}],
}


def ensure(name: str, packages: list[str]) -> Path:
    """``ensure_venv`` with a current pip first: the pip a Python 3.11 venv starts with (23.2) stops
    on an internal error resolving letta's dependencies (``lxml[html-clean]``, asked for twice)."""
    py = VENV_ROOT / name / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV_ROOT / name)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "-U", "pip"], check=True, capture_output=True)
    return ensure_venv(name, packages)

# Starts the server (its own environment: RECORDED_SERVER_ENV), waits until it answers, and
# stops it at exit.
SERVER = '''
import atexit, json, os, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server_env = {k: v for k, v in os.environ.items() if not k.startswith("RECORDED_")}
server_env |= json.loads(os.environ["RECORDED_SERVER_ENV"])
server_log = open("server.log", "w")
server = subprocess.Popen([str(Path(sys.executable).parent / "letta"), "server", "--host", "127.0.0.1",
                           "--port", str(port)], env=server_env, stdout=server_log, stderr=subprocess.STDOUT)


def stop_server():
    # Its batch span processor exports every 200 ms (OTEL_BSP_SCHEDULE_DELAY): the request's own span
    # ends after its answer is sent, and is lost when the server stops before it is exported.
    time.sleep(2)
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
    server_log.close()
    print("SERVER LOG:", Path("server.log").read_text()[-2500:])


atexit.register(stop_server)
deadline = time.monotonic() + 240
while True:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health/", timeout=2).read()
        break
    except OSError:
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the Letta server did not start")
        time.sleep(0.5)
'''

TURN = '''
from letta_client import Letta


def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The city to get the weather for.

    Returns:
        str: The weather in that city.
    """
    return f"Sunny, 22 C in {city}"


code = 0
client = Letta(base_url=f"http://127.0.0.1:{port}")
try:
    tool = client.tools.upsert_from_function(func=get_weather)
    agent = client.agents.create(
        name="weather-agent",
        model="openai/gpt-4o-mini",
        # An embedding model's config, not a handle: the server looks a handle up in the provider's
        # model list, which (the fake LLM's) lists no embedding model; this turn embeds nothing.
        embedding_config={"embedding_endpoint_type": "openai", "embedding_endpoint": os.environ["OPENAI_BASE_URL"],
                          "embedding_model": "text-embedding-3-small", "embedding_dim": 1536},
        tool_ids=[tool.id],
        tools=["send_message"],
        include_base_tools=False,
        initial_message_sequence=[],
        memory_blocks=[{"label": "persona", "value": "Answer weather questions with the get_weather tool."}],
    )
    response = client.agents.messages.create(
        agent_id=agent.id, messages=[{"role": "user", "content": "What is the weather in Paris?"}])
    for message in response.messages:
        print(message.message_type, getattr(message, "content", None) or getattr(message, "tool_call", None))
    print("STOP:", response.stop_reason)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
sys.exit(code)
'''

AGENT = SERVER + TURN


def record(python: Path) -> None:
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec:
        grpc_url = rec.cap.start_grpc()
        server_env = {
            "LETTA_OTEL_EXPORTER_OTLP_ENDPOINT": grpc_url,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "OTEL_METRIC_EXPORT_INTERVAL": "1000",
            "OPENAI_API_KEY": FAKE_KEY,
            "OPENAI_BASE_URL": rec.llm.openai_base_url,
        }
        env = {"RECORDED_SERVER_ENV": json.dumps(server_env), "OPENAI_BASE_URL": rec.llm.openai_base_url}
        rec.run_python("ok", python, AGENT, env, quiet=2.0)
        rec.run_python("error", python, AGENT, env, mode="error", quiet=2.0)
        rec.save(
            packages=installed_versions(python, ["letta", "letta-client", "opentelemetry-sdk",
                                                 "opentelemetry-exporter-otlp-proto-grpc"]),
            env={k: v.replace(grpc_url, "{OTLP_GRPC_URL}") for k, v in env.items()},
            recorder=Path(__file__).name,
            gzip_files=True,
            notes=["A Letta server (letta server, SQLite under a fresh HOME) traced by itself over OTLP/gRPC "
                   "(LETTA_OTEL_EXPORTER_OTLP_ENDPOINT); letta-client creates get_weather from its source, a "
                   "MemGPT agent (memgpt_v2_agent) on openai/gpt-4o-mini with it and send_message, and sends one "
                   "message: get_weather (request_heartbeat), then send_message, both scripted tool calls.",
                   "Function tracing only: Class.method spans with parameter.<name> attributes (Python reprs); "
                   "no GenAI attributes, the usage only inside parameter.response_data / parameter.usage."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record, ensure=ensure)
