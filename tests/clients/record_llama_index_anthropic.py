"""Record LlamaIndex (a ``FunctionAgent``) on Anthropic (``llama-index-llms-anthropic``) traced by OpenInference.

Run: ``python tests/clients/record_llama_index_anthropic.py`` (creates its own venv).
The agent of ``record_llama_index.py`` with ``Anthropic(model="claude-sonnet-4-5")``
as its LLM, on the Messages API of the fake LLM (``ANTHROPIC_BASE_URL``);
``LlamaIndexInstrumentor`` exports its spans with the OTel SDK over OTLP/HTTP
protobuf. Anthropic reports its cache reads and writes beside ``input_tokens``
(not in it): what matters is how LlamaIndex passes them on. The anthropic SDK
is pinned at 0.125.0, the newest llama-index-llms-anthropic 0.12.3 runs with
(1.x and 2.x fail before sending); it does not trace itself (its self-tracing
came in 1.x).
"""

from __future__ import annotations

from pathlib import Path

from record_langchain_anthropic_openinference import anthropic_env
from record_llama_index import AGENT as LLAMA_INDEX_AGENT
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "llama_index_anthropic"
PACKAGES = [
    "llama-index-core==0.14.25",
    "llama-index-llms-anthropic==0.12.3",
    # Its newest release needs the anthropic SDK of before 1.0: it builds messages with ``MessageParam(...)``,
    # which 2.x made a Union ("Cannot instantiate typing.Union"), and always passes ``temperature``, which
    # 1.x's ``messages.create`` no longer takes (TypeError), both before any request is sent.
    "anthropic==0.125.0",
    "openinference-instrumentation-llama-index==4.6.1",
    *OTEL_SDK_PACKAGES,
]
MODEL = "claude-sonnet-4-5"

# The agent of record_llama_index.py on Anthropic: only the LLM differs.
OPENAI_LLM = ('llm = OpenAI(model="gpt-4o-mini", max_retries=0, '
              'additional_kwargs={"stream_options": {"include_usage": True}})')
OPENAI_COMMENT = "# The agent streams its calls; usage comes only when asked for (as LlamaIndex's docs do for token counts)."
AGENT = (LLAMA_INDEX_AGENT.replace(OPENAI_COMMENT, "# The agent streams its calls; Anthropic's stream carries their usage.")
         .replace("from llama_index.llms.openai import OpenAI",
                                   "from llama_index.llms.anthropic import Anthropic")
         .replace(OPENAI_LLM, f'llm = Anthropic(model="{MODEL}", max_retries=0)'))
assert "OpenAI(" not in AGENT and "stream_options" not in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[p.split("==")[0] for p in PACKAGES],
                 notes=[f"FunctionAgent with one tool, llama-index-llms-anthropic Anthropic(model={MODEL!r}) "
                        "(Messages API, streamed by the agent) at the fake LLM through ANTHROPIC_BASE_URL."],
                 client_env=anthropic_env)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
