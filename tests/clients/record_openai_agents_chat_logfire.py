"""Record the OpenAI Agents SDK on a Chat Completions model traced by logfire, to a local OTLP endpoint.

Run: ``python tests/clients/record_openai_agents_chat_logfire.py`` (creates its own venv).
The agent of ``record_openai_agents_logfire.py`` (same pinned versions,
``logfire.instrument_openai_agents()`` and ``logfire.instrument_openai()``
both on) with ``OpenAIChatCompletionsModel`` as its model (see
``record_openai_agents_chat_openllmetry.py``): each model call is a Chat
Completions request, seen by the agents integration and by the OpenAI client.
"""

from __future__ import annotations

from pathlib import Path

from record_openai_agents_chat_openllmetry import on_chat_completions
from record_openai_agents_logfire import AGENT as RESPONSES_AGENT
from record_openai_agents_logfire import PACKAGES
from recording import FAKE_KEY, Recording, installed_versions, otel_env, recorder_main

NAME = "openai_agents_chat_logfire"
_SERVICE = 'service_name="openai-agents-logfire-recording"'
assert _SERVICE in RESPONSES_AGENT
AGENT = on_chat_completions(RESPONSES_AGENT).replace(_SERVICE, 'service_name="openai-agents-chat-logfire-recording"')


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="openai-agents-chat-logfire-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(
                python, ["openai-agents", "logfire", "openai", "opentelemetry-sdk", "opentelemetry-api"]
            ),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "OpenAIChatCompletionsModel(model='gpt-4.1-mini', openai_client=AsyncOpenAI(base_url=<fake>))"
                " (Chat Completions, not streamed); instrument_openai_agents() and instrument_openai() both on;"
                " the SDK's own trace upload is disabled."
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
