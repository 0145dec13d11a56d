"""Record AutoGen AgentChat (an ``AssistantAgent`` with one tool) on Anthropic, traced by OpenInference.

Run: ``python tests/clients/record_autogen_anthropic.py`` (creates its own venv).
The agent of ``record_autogen.py`` (one tool, ``reflect_on_tool_use``) with
``AnthropicChatCompletionClient(model="claude-sonnet-4-5")`` (autogen-ext's
Anthropic client, Messages API) pointed at the fake LLM
(``ANTHROPIC_BASE_URL``), with that recorder's tracing: OpenInference's
AgentChat instrumentor beside autogen-core's own tracing, on the OTel SDK's
global provider.

Neither traces a model call here: autogen-core traces agents and tools only,
and the AgentChat instrumentor wraps only autogen-ext's OpenAI clients. The
model calls are traced by OpenInference's Anthropic instrumentor, on the
anthropic SDK underneath. autogen-ext 0.7.5's client always passes
``temperature``, which the anthropic SDK dropped from ``messages.create`` in
1.0 (a ``TypeError``): it runs on the 0.x SDK only (0.125.0, the last), which
does not trace itself, hence that instrumentor's last 0.x-compatible release.
Anthropic reports its cache reads and writes beside ``input_tokens`` (not in
it): what matters is how they are passed on.
"""

from __future__ import annotations

from pathlib import Path

from record_autogen import AGENT as AUTOGEN_AGENT
from record_autogen import PACKAGES as AUTOGEN_PACKAGES
from record_langchain_anthropic_openinference import anthropic_env
from recording import record_turns, recorder_main

NAME = "autogen_anthropic"
# autogen-ext's Anthropic client imports tiktoken, which its anthropic extra does not require (its openai extra does).
PACKAGES = [*(p.replace("autogen-ext[openai]", "autogen-ext[anthropic]") for p in AUTOGEN_PACKAGES),
            "anthropic==0.125.0", "openinference-instrumentation-anthropic==1.1.2", "tiktoken==0.14.0"]
MODEL = "claude-sonnet-4-5"

# The agent of record_autogen.py on Anthropic: the model client differs, and the SDK's instrumentor is added.
_INSTRUMENT = "AutogenAgentChatInstrumentor().instrument(tracer_provider=tracer_provider)\n"
_OPENAI_IMPORT = "from autogen_ext.models.openai import OpenAIChatCompletionClient"
_OPENAI_CLIENT = ('OpenAIChatCompletionClient(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"],\n'
                  '                                        api_key=os.environ["OPENAI_API_KEY"], max_retries=0)')
assert all(s in AUTOGEN_AGENT for s in (_INSTRUMENT, _OPENAI_IMPORT, _OPENAI_CLIENT))
AGENT = (AUTOGEN_AGENT
         .replace(_INSTRUMENT, _INSTRUMENT + "from openinference.instrumentation.anthropic import AnthropicInstrumentor\n"
                  "AnthropicInstrumentor().instrument(tracer_provider=tracer_provider)\n")
         .replace(_OPENAI_IMPORT, "from autogen_ext.models.anthropic import AnthropicChatCompletionClient")
         .replace(_OPENAI_CLIENT, f'AnthropicChatCompletionClient(model="{MODEL}", base_url=os.environ["ANTHROPIC_BASE_URL"],\n'
                                  '                                           api_key=os.environ["ANTHROPIC_API_KEY"], max_retries=0)'))


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["autogen-agentchat", "autogen-ext", "autogen-core",
                           "openinference-instrumentation-autogen-agentchat", "openinference-instrumentation-anthropic",
                           "anthropic", "opentelemetry-sdk"],
                 notes=[f"AssistantAgent with one tool, reflect_on_tool_use; AnthropicChatCompletionClient(model={MODEL!r}) "
                        "(Messages API) at the fake LLM through ANTHROPIC_BASE_URL; OpenInference's AgentChat instrumentor "
                        "beside autogen-core's own tracing (neither traces the Anthropic client's calls) and OpenInference's "
                        "Anthropic instrumentor on the SDK (0.x: autogen-ext 0.7.5 passes temperature, gone in 1.0)."],
                 client_env=anthropic_env)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
