"""Record CAMEL-AI (``camel-ai``) traced by AgentOps, the tracking CAMEL's documentation shows.

Run: ``python tests/clients/record_camel.py`` (creates its own venv, then records in a loopback-only
network namespace where it can make one, each run under ``strace``).

One ``ChatAgent`` with one tool (``get_weather`` as a ``FunctionTool``) on CAMEL's OpenAI backend
(``ModelFactory.create(ModelPlatformType.OPENAI, "gpt-4o-mini")``, chat completions, not streamed),
at the fake LLM by ``OPENAI_API_BASE_URL`` (the variable CAMEL's OpenAI backend reads), one
``agent.step()``. Traced as AgentOps' page on CAMEL sets it up: ``agentops.init(key)`` before CAMEL is
imported, ``agentops.end_session(...)`` at the end; AgentOps 0.4.21 exports OpenTelemetry (its
exporter at the capture server by ``AGENTOPS_EXPORTER_ENDPOINT``, its API at the stand-in of
``record_agentops.py``).

Why AgentOps 0.4, and why the key is not in ``AGENTOPS_API_KEY`` (see tests/clients/README.md):

* CAMEL's documentation tracks agents with AgentOps (its cookbook pins agentops 0.3.10, its
  ``all`` extra ``agentops<0.4``): AgentOps 0.3 posts events to its REST API, not OpenTelemetry.
  AgentOps 0.4 exports OTLP, and AgentOps' own page on CAMEL installs the current ``agentops``.
* With ``AGENTOPS_API_KEY`` set, CAMEL imports AgentOps 0.3's ``ToolEvent``, ``record`` and
  ``track_agent``; in 0.4 ``ToolEvent`` is a deprecated function answering None, and CAMEL's
  toolkit metaclass then fails at import (``'NoneType' object has no attribute 'returns'``).
  The key is passed to ``agentops.init`` instead, so CAMEL's hooks stay off: what is traced is
  AgentOps' instrumentation of the OpenAI SDK (each model call) and its session span. Nothing
  names CAMEL, its agent or the tool's run.
* CAMEL's Langfuse integration (``LANGFUSE_ENABLED``) imports ``langfuse.decorators``, which only
  Langfuse 2 has (its REST ingestion API, not OpenTelemetry); with Langfuse 3 and later it logs
  ``Failed to configure Langfuse`` and traces nothing.

CAMEL counts a conversation's tokens before each call with tiktoken, which downloads its
encoding on first use: offline here, so the agent's model gets a word counter
(``token_counter=``); the usage on the spans is the model's own.
"""

from __future__ import annotations

from pathlib import Path

from cli_support import foreign_addresses, isolated_recorder_main, traced
from record_agentops import API_KEY, AgentOpsApiStandIn, agentops_env
from recording import Recording, installed_versions

NAME = "camel"
# mcp below 2: CAMEL 0.2.90 imports ``mcp.server.FastMCP``, renamed in mcp 2.0. The OpenTelemetry
# exporter and SDK at 1.44.0 as ``record_agentops.py`` pins them (AgentOps 0.4.21's exporter reads
# attributes 1.45 no longer has).
PACKAGES = ["camel-ai==0.2.90", "mcp==1.30.0", "agentops==0.4.21", "openai==3.63.0",
            "opentelemetry-exporter-otlp-proto-http==1.44.0", "opentelemetry-sdk==1.44.0",
            "opentelemetry-api==1.44.0", "opentelemetry-instrumentation==0.65b0",
            "opentelemetry-semantic-conventions==0.65b0"]

AGENT = '''import os, sys
import agentops

# As AgentOps' page on CAMEL-AI sets it up: init before CAMEL (and its toolkits) is imported. The key is
# passed, not left in AGENTOPS_API_KEY: with that variable set, CAMEL 0.2.90 wraps its toolkits' methods
# in AgentOps 0.3's ToolEvent, which AgentOps 0.4 answers with None, and importing camel.agents fails.
agentops.init(os.environ["WEATHER_AGENTOPS_KEY"], tags=["camel-recording"])

from camel.agents import ChatAgent
from camel.models import ModelFactory
from camel.toolkits import FunctionTool
from camel.types import ModelPlatformType
from camel.utils import BaseTokenCounter


class WordCounter(BaseTokenCounter):
    """CAMEL counts a conversation's tokens before each call; its OpenAI counter downloads tiktoken's
    encoding, which the recording (no internet access) cannot: a rough count by words instead (the usage the model
    reports is what the telemetry carries)."""

    def count_tokens_from_messages(self, messages):
        return sum(len(str(m.get("content") or "").split()) + 4 for m in messages)

    def encode(self, text):
        return list(range(len(text.split())))

    def decode(self, token_ids):
        return ""


def get_weather(city: str) -> str:
    r"""Get the current weather for a city.

    Args:
        city (str): The city to look up.

    Returns:
        str: The weather there.
    """
    return f"Sunny, 22 C in {city}"


# The model at OPENAI_API_BASE_URL, the variable CAMEL's OpenAI backend reads; no SDK retry.
model = ModelFactory.create(model_platform=ModelPlatformType.OPENAI, model_type="gpt-4o-mini",
                            max_retries=0, token_counter=WordCounter())
agent = ChatAgent(system_message="Answer weather questions with the get_weather tool.", model=model,
                  tools=[FunctionTool(get_weather)])
code = 0
try:
    response = agent.step("What is the weather in Paris?")
    print("TOOLS:", [(c.tool_name, c.args, c.result) for c in response.info.get("tool_calls", [])])
    print("FINAL:", response.msgs[0].content)
    agentops.end_session("Success")
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    agentops.end_session("Fail")
    code = 3
sys.exit(code)
'''


def camel_env(rec: Recording, api: AgentOpsApiStandIn) -> dict[str, str]:
    """AgentOps' exporter at the capture server and its API at the stand-in, the key under a name of
    the script's (not ``AGENTOPS_API_KEY``: see the module docstring), CAMEL's OpenAI backend at the
    fake LLM by its own variable (``OPENAI_BASE_URL``, the OpenAI SDK's, left unset)."""
    env = {k: v for k, v in agentops_env(rec, api).items() if k not in ("AGENTOPS_API_KEY", "OPENAI_BASE_URL")}
    return env | {"WEATHER_AGENTOPS_KEY": API_KEY, "OPENAI_API_BASE_URL": rec.llm.openai_base_url}


def record(python: Path, isolated: bool) -> None:
    """Record the two runs; ``isolated``: in a loopback-only network namespace (noted in the manifest)."""
    with Recording(NAME) as rec, AgentOpsApiStandIn() as api:
        env = camel_env(rec, api)
        script = rec.tmp / "agent.py"
        script.write_text(AGENT)
        for label in ("ok", "error"):
            api.run = label
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced([str(python), str(script)], netlog), env, mode=label, quiet=1.5)
            run["argv"] = ["python", "agent.py"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        rec.save(
            packages=installed_versions(python, ["camel-ai", "mcp", "agentops", "openai", "opentelemetry-sdk",
                                                 "opentelemetry-exporter-otlp-proto-http"]),
            env=rec.scrub(env) | {"AGENTOPS_API_ENDPOINT": "{AGENTOPS_API_URL}"},
            recorder=Path(__file__).name,
            notes=["CAMEL ChatAgent with one FunctionTool (get_weather) on ModelFactory.create(OPENAI, "
                   "'gpt-4o-mini') at OPENAI_API_BASE_URL, one agent.step(); agentops.init(key) before CAMEL is "
                   "imported, end_session() at the end, as AgentOps' page on CAMEL shows; spans exported by "
                   "AgentOps 0.4.21 to AGENTOPS_EXPORTER_ENDPOINT ({OTLP_URL}/v1/traces).",
                   "The key is passed to init, not set as AGENTOPS_API_KEY: with it CAMEL 0.2.90 uses AgentOps 0.3's "
                   "ToolEvent, None in 0.4, and importing camel.agents fails. CAMEL's hooks off: the spans are "
                   "AgentOps' OpenAI instrumentation and its session span; no agent, tool-run or CAMEL span.",
                   "CAMEL's token counter replaced by a word counter (tiktoken would download its encoding).",
                   "loopback-only network namespace" if isolated else "no network namespace"],
            extra={"agentops_api_requests": api.requests},
        )


if __name__ == "__main__":
    isolated_recorder_main(NAME, PACKAGES, record)
