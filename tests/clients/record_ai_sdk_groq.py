"""Record the Vercel AI SDK (npm ``ai`` 7) on ``@ai-sdk/groq``, traced by ``@ai-sdk/otel``.

Run: ``python tests/clients/record_ai_sdk_groq.py`` (installs the pinned npm
packages into a cached prefix, then records). The agent is
``record_ai_sdk.py``'s (``generateText`` with one tool, ``stopWhen:
stepCountIs(3)``) with ``groq('llama-3.3-70b-versatile')``: ``createGroq({
baseURL })`` pointed at the fake LLM's Groq API (Chat Completions under
``/openai/v1``, cached tokens in ``prompt_tokens_details``); the AI SDK names
the provider ``groq.chat``. Two fixture folders, one per integration of
``@ai-sdk/otel``:

* ``fixtures/ai_sdk_groq/``: ``OpenTelemetry`` (``gen_ai.*``);
* ``fixtures/ai_sdk_groq_legacy/``: ``LegacyOpenTelemetry`` (``ai.*``).
"""

from __future__ import annotations

from pathlib import Path

from record_ai_sdk import Provider, record
from recording import FAKE_KEY

NAME = "ai-sdk-groq"

GROQ = Provider(
    # The release that depends on the same @ai-sdk/provider (4.0.39) as ai 7.0.185.
    package="@ai-sdk/groq@4.0.89",
    setup="""import { createGroq } from '@ai-sdk/groq';
const groq = createGroq({ baseURL: process.env.GROQ_BASE_URL, apiKey: process.env.GROQ_API_KEY });
const model = groq('llama-3.3-70b-versatile');""",
    # The provider appends /chat/completions to its base URL (https://api.groq.com/openai/v1 by default).
    env=lambda rec: {"GROQ_BASE_URL": rec.llm.url + "/openai/v1", "GROQ_API_KEY": FAKE_KEY},
    note="@ai-sdk/groq's Chat Completions (llama-3.3-70b-versatile)",
)

#: fixture -> the integration class @ai-sdk/otel exports
MODES = {"ai_sdk_groq": "OpenTelemetry", "ai_sdk_groq_legacy": "LegacyOpenTelemetry"}

if __name__ == "__main__":
    record(NAME, GROQ, MODES, Path(__file__).name)
