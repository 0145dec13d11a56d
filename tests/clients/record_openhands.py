"""Record the OpenHands Software Agent SDK (``openhands-sdk``) tracing itself, pointed at the monitor.

Run: ``python tests/clients/record_openhands.py`` (creates its own venv; openhands-sdk needs
Python 3.12 or later, so the venv is made with the first ``python3.12``/``python3.13`` found).
One ``Agent`` on ``LLM(model="gpt-4o-mini", base_url=<fake LLM>)`` (LiteLLM underneath, Chat
Completions, not streamed, ``num_retries=0``) with one custom tool, ``get_weather`` (a
``ToolDefinition`` with its ``Action``, ``Observation`` and ``ToolExecutor``, registered with
``register_tool``), in a ``Conversation`` whose workspace and persistence are the run's temporary
working directory; ``send_message`` then ``run()``, ``close()``.

The SDK's observability is Laminar's (``lmnr``, a dependency of the SDK): importing the agent
module calls ``maybe_init_laminar()``, which calls ``Laminar.initialize()`` when
``LMNR_PROJECT_API_KEY`` or an ``OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`` is set. Without a
Laminar key, Laminar exports to ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` (the capture server's
``/v1/traces``) with its own tracer provider, over OTLP/HTTP protobuf when
``OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`` is ``http/protobuf`` (gRPC otherwise); it reads no other
``OTEL_*`` variable (no service name). ``Laminar.flush()`` at the end (the SDK ends the
conversation's span on ``close()`` but flushes nothing).

What the SDK sends, read in the installed package and seen in the recording:

* a ``conversation`` span per conversation (``Laminar.start_span``), the session the
  conversation's id (``lmnr.association.properties.session_id`` on every span of the trace);
* ``conversation.send_message``, ``conversation.run`` and one ``agent.step`` per step
  (``@observe``, ``lmnr.span.type`` ``DEFAULT``);
* per model call its own ``llm.<model>`` span (``lmnr.span.type`` ``LLM``, no usage of its own but
  the cache counts and, when LiteLLM prices the call, ``gen_ai.usage.cost``) with Laminar's LiteLLM
  instrumentation's ``litellm.completion`` span inside (the usage, the messages);
* the tool's result as a ``get_weather`` span (``lmnr.span.type`` ``TOOL``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from recording import FAKE_KEY, Recording, ensure_venv, installed_versions, python312, recorder_main

NAME = "openhands"
PACKAGES = ["openhands-sdk==1.58.2"]

AGENT = '''
import os, sys, uuid
from collections.abc import Sequence

from pydantic import Field, SecretStr

from openhands.sdk import LLM, Agent, Conversation, Tool
from openhands.sdk.tool import Action, Observation, ToolDefinition, ToolExecutor, register_tool


class GetWeatherAction(Action):
    city: str = Field(description="The city.")


class GetWeatherObservation(Observation):
    pass


class GetWeatherExecutor(ToolExecutor):
    def __call__(self, action, conversation=None):
        return GetWeatherObservation.from_text(text=f"Sunny, 22 C in {action.city}")


class GetWeatherTool(ToolDefinition[GetWeatherAction, GetWeatherObservation]):
    @classmethod
    def create(cls, conv_state=None, **params) -> Sequence["GetWeatherTool"]:
        return [cls(description="Get the current weather for a city.", action_type=GetWeatherAction,
                    observation_type=GetWeatherObservation, executor=GetWeatherExecutor())]


register_tool("get_weather", GetWeatherTool)

llm = LLM(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"], api_key=SecretStr(os.environ["OPENAI_API_KEY"]),
          usage_id="agent", num_retries=0)
agent = Agent(llm=llm, tools=[Tool(name="get_weather")])
conversation = Conversation(agent=agent, workspace=os.getcwd(), persistence_dir=os.path.join(os.getcwd(), "state"),
                            conversation_id=uuid.UUID(os.environ["CONVERSATION_ID"]), visualizer=None)

code = 0
try:
    conversation.send_message("What is the weather in Paris?")
    conversation.run()
    status = conversation.state.execution_status
    print("STATUS:", status)
    if str(getattr(status, "value", status)) == "error":
        code = 3
    for event in conversation.state.events:
        print("EVENT:", type(event).__name__)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    conversation.close()
    from lmnr import Laminar
    Laminar.flush()
    Laminar.shutdown()
sys.exit(code)
'''

#: The conversation id each run's agent takes (the SDK's session id); the manifest keeps them as
#: ``openhands_sessions``.
SESSIONS = {"ok": str(uuid.UUID(int=0x0A11_0001)), "error": str(uuid.UUID(int=0x0A11_0002))}


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = {
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{rec.cap.url}/v1/traces",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
            "OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY,
            # LiteLLM's bundled prices (it fetches them from GitHub otherwise); no banner on stdout.
            "LITELLM_LOCAL_MODEL_COST_MAP": "True", "OPENHANDS_SUPPRESS_BANNER": "1",
        }
        for label in ("ok", "error"):
            rec.run_python(label, python, AGENT, env | {"CONVERSATION_ID": SESSIONS[label]}, mode=label)
        venv_python = python_version(python)
        rec.save(
            packages=installed_versions(python, ["openhands-sdk", "lmnr", "litellm", "openai", "opentelemetry-sdk",
                                                 "opentelemetry-exporter-otlp-proto-http"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[f"The client ran on Python {venv_python} (openhands-sdk requires 3.12 or later; the manifest's"
                   " python is the recorder's).",
                   "Agent on LLM(model='gpt-4o-mini', base_url=..., num_retries=0) (LiteLLM, Chat Completions) with"
                   " one custom ToolDefinition, get_weather; Conversation in the run's working directory with the"
                   " conversation id given (the session), send_message + run + close, Laminar.flush().",
                   "The SDK's own observability: maybe_init_laminar() on import, Laminar exporting to"
                   " OTEL_EXPORTER_OTLP_TRACES_ENDPOINT over OTLP/HTTP protobuf (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL)."],
            extra={"openhands_sessions": SESSIONS},
        )


def python_version(python: Path) -> str:
    import subprocess
    return subprocess.run([str(python), "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record, ensure=lambda name, packages: ensure_venv(name, packages, python312(name)))
