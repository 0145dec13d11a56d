"""Record the ``deepagents`` Deep Agent with LangSmith's own OpenTelemetry export (no LangSmith backend).

Run: ``python tests/clients/record_deepagents_langsmith.py`` (creates its own venv).
The agent, the script of the fake LLM and the two runs of ``record_deepagents.py`` (a Deep Agent
named ``trip-planner`` that plans, calls ``get_weather`` and hands a task to its ``travel-advisor``
sub-agent; the error run refuses only the sub-agent's call), traced by the LangSmith SDK's
LangChain tracer as ``record_langsmith.py`` sets it up: ``LANGSMITH_TRACING``,
``LANGSMITH_OTEL_ENABLED`` and ``LANGSMITH_OTEL_ONLY`` (OTel export only, nothing sent to
LangSmith), a dummy API key, ``LANGSMITH_ENDPOINT`` at the capture server (anything sent to
LangSmith's own API would be recorded there, not sent off the host), the turn's thread named in the
run's config (``configurable.thread_id``) as ``record_langsmith.py`` does. Each run goes under strace:
the manifest lists the addresses off loopback it tried (none).
"""

from __future__ import annotations

from pathlib import Path

from cli_support import foreign_addresses, traced
from record_deepagents import ADVISOR_PROMPT, SETUP, TOOL_ANSWERS
from record_langsmith import langsmith_env
from recording import Recording, installed_versions, otel_env, recorder_main

NAME = "deepagents_langsmith"
PACKAGES = ["deepagents==0.7.32", "langchain-openai==1.8.1", "langsmith[otel]==0.15.1"]

AGENT = '''
import os
from langchain_core.tracers.langchain import wait_for_all_tracers
from opentelemetry import trace


def otel_shutdown():
    # The LangChain tracer hands runs to the LangSmith client's background thread, which turns
    # them into spans on the provider the SDK set up (global): drain it, then flush the spans.
    wait_for_all_tracers()
    trace.get_tracer_provider().shutdown()


# The run's thread (the SDK sends it as langsmith.metadata.thread_id): each run its own session.
config = {"configurable": {"thread_id": "trip-" + os.environ["RUN_LABEL"]}}
''' + SETUP


def record(python: Path) -> None:
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec:
        env = otel_env(rec.cap.url, service_name="deepagents-langsmith-recording", signals=("traces",))
        env |= langsmith_env(rec)
        script = rec.tmp / "agent.py"
        script.write_text(AGENT)
        for label in ("ok", "error"):
            netlog = rec.tmp / f"strace-{label}.log"
            refused = {"refuse_system": ADVISOR_PROMPT} if label == "error" else {}
            run = rec.run(label, traced([str(python), str(script)], netlog), env, mode=label, **refused)
            run["argv"] = ["python", "agent.py"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        rec.save(
            packages=installed_versions(python, ["deepagents", "langchain-openai", "langsmith", "langchain",
                                                 "langchain-core", "langgraph", "openai", "opentelemetry-sdk",
                                                 "opentelemetry-exporter-otlp-proto-http"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "The agent of record_deepagents.py (create_deep_agent named trip-planner, ChatOpenAI streamed, "
                "write_todos, get_weather, a travel-advisor sub-agent reached by the task tool) and its scripted "
                "tool answers; error run: only the sub-agent's model call refused.",
                "LANGSMITH_TRACING + LANGSMITH_OTEL_ENABLED + LANGSMITH_OTEL_ONLY (tracing mode otel), the SDK's "
                "own tracer provider; LANGSMITH_ENDPOINT at the capture server; thread_id trip-<run> in the run's config.",
                "Each run under strace: network_attempts_off_loopback lists what it tried off 127.0.0.1.",
            ],
            gzip_files=True,
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
