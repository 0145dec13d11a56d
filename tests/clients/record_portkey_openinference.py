"""Record Portkey's Python SDK (``portkey-ai``) traced by OpenInference's ``openinference-instrumentation-portkey``.

Run: ``python tests/clients/record_portkey_openinference.py`` (creates its own venv).
Portkey is an AI gateway: its SDK speaks OpenAI's Chat Completions API (a vendored ``openai``
client) to the gateway, which picks the provider from the ``x-portkey-provider`` header
(``provider="openai"``) and passes the provider's key on (``Authorization``). Here the gateway's
URL (``base_url``, Portkey's setting for a self-hosted gateway) is the fake LLM's OpenAI route,
which answers as OpenAI does through the gateway. The loop is the Groq recorders' hand-written one
(``CHAT_TOOL_TURN``) on ``gpt-4o-mini``: call 1 asks for ``get_weather(city="Paris")``, the script
runs it, call 2 (not streamed: the instrumentation ends a call's span when ``create`` returns)
answers. The ``error`` run: the fake LLM refuses every call (HTTP 400), which the SDK does not retry.
The runs happen in a loopback-only network namespace under strace (each run's record lists any
address off loopback the client tried: ``network_attempts_off_loopback``).
"""

from __future__ import annotations

from pathlib import Path

from cli_support import foreign_addresses, isolated_recorder_main, traced
from recording import (
    CHAT_TOOL_TURN,
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    guarded,
    installed_versions,
    otel_env,
)

NAME = "portkey_openinference"
PACKAGES = ["portkey-ai==2.3.4", "openinference-instrumentation-portkey==0.1.22", *OTEL_SDK_PACKAGES]
MODEL = "gpt-4o-mini"

AGENT = OTEL_SDK_SETUP + '''
import json, sys
from portkey_ai import Portkey
from openinference.instrumentation.portkey import PortkeyInstrumentor

PortkeyInstrumentor().instrument(tracer_provider=tracer_provider)

client = Portkey(
    base_url=os.environ["PORTKEY_GATEWAY"],  # a self-hosted gateway's URL (Portkey's own: https://api.portkey.ai/v1)
    api_key=os.environ["PORTKEY_API_KEY"],
    provider="openai",
    Authorization="Bearer " + os.environ["OPENAI_API_KEY"],
)
''' + CHAT_TOOL_TURN + guarded(f'''
first = client.chat.completions.create(model="{MODEL}", messages=messages, tools=TOOLS, tool_choice="auto")
call = first.choices[0].message.tool_calls[0]
messages.append({{"role": "assistant", "content": first.choices[0].message.content or "", "tool_calls": [
    {{"id": call.id, "type": "function", "function": {{"name": call.function.name, "arguments": call.function.arguments}}}}]}})
messages.append({{"role": "tool", "tool_call_id": call.id, "content": get_weather(**json.loads(call.function.arguments))}})
text = client.chat.completions.create(model="{MODEL}", messages=messages, tools=TOOLS).choices[0].message.content
print("FINAL:", text)
''')


def record(python: Path, isolated: bool) -> None:
    """Record the two runs; ``isolated``: in a loopback-only network namespace (noted in the manifest)."""
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name=f"{NAME.replace('_', '-')}-recording", signals=("traces",))
        env |= {"PORTKEY_GATEWAY": rec.llm.openai_base_url, "PORTKEY_API_KEY": "pk-fake-portkey-key",
                "OPENAI_API_KEY": FAKE_KEY}
        script = rec.tmp / "agent.py"
        script.write_text(AGENT)
        for label in ("ok", "error"):
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced([str(python), str(script)], netlog), env, mode=label)
            run["argv"] = ["python", "agent.py"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        rec.save(
            packages=installed_versions(python, ["portkey-ai", "openinference-instrumentation-portkey",
                                                 "openinference-instrumentation", "openinference-semantic-conventions",
                                                 "opentelemetry-sdk"]),
            env=env, recorder=Path(__file__).name,
            notes=[f"Portkey(base_url=<the fake LLM's OpenAI route>, api_key=<a made-up Portkey key>, provider='openai', "
                   f"Authorization='Bearer <key>'); model {MODEL}. Call 1 client.chat.completions.create (asks for "
                   "get_weather), the script runs it, call 2 the same, not streamed; no agent framework.",
                   "PortkeyInstrumentor().instrument(tracer_provider=...), as OpenInference's README sets it up.",
                   "error: every model call gets HTTP 400 with OpenAI's error body; the SDK does not retry a 400.",
                   "loopback-only network namespace" if isolated else "no network namespace"])


if __name__ == "__main__":
    isolated_recorder_main(NAME, PACKAGES, record)
