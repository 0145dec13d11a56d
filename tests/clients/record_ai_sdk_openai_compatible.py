"""Record the Vercel AI SDK (npm ``ai`` 7) on ``@ai-sdk/openai-compatible`` (DeepSeek), traced by ``@ai-sdk/otel``.

Run: ``python tests/clients/record_ai_sdk_openai_compatible.py`` (installs the
pinned npm packages into a cached prefix, then records). The agent is
``record_ai_sdk.py``'s (``generateText`` with one tool, ``stopWhen:
stepCountIs(3)``) with ``createOpenAICompatible({ name: 'deepseek', baseURL })``
and ``deepseek-chat``: the AI SDK's provider for any OpenAI-compatible API,
named by the app (the AI SDK calls it ``deepseek.chat``), pointed at the fake
LLM's Chat Completions (cached tokens inside ``prompt_tokens``). Two fixture
folders, one per integration of ``@ai-sdk/otel``:

* ``fixtures/ai_sdk_openai_compatible/``: ``OpenTelemetry`` (``gen_ai.*``);
* ``fixtures/ai_sdk_openai_compatible_legacy/``: ``LegacyOpenTelemetry`` (``ai.*``).
"""

from __future__ import annotations

from pathlib import Path

from record_ai_sdk import Provider, record
from recording import FAKE_KEY

NAME = "ai-sdk-openai-compatible"

DEEPSEEK = Provider(
    # The release that depends on the same @ai-sdk/provider (4.0.39) as ai 7.0.185.
    package="@ai-sdk/openai-compatible@3.0.97",
    setup="""import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
const deepseek = createOpenAICompatible({
  name: 'deepseek', baseURL: process.env.DEEPSEEK_BASE_URL, apiKey: process.env.DEEPSEEK_API_KEY,
});
const model = deepseek('deepseek-chat');""",
    # The provider appends /chat/completions to its base URL (https://api.deepseek.com/v1 for DeepSeek).
    env=lambda rec: {"DEEPSEEK_BASE_URL": rec.llm.openai_base_url, "DEEPSEEK_API_KEY": FAKE_KEY},
    note="@ai-sdk/openai-compatible named 'deepseek' (deepseek-chat, Chat Completions)",
)

#: fixture -> the integration class @ai-sdk/otel exports
MODES = {"ai_sdk_openai_compatible": "OpenTelemetry", "ai_sdk_openai_compatible_legacy": "LegacyOpenTelemetry"}

if __name__ == "__main__":
    record(NAME, DEEPSEEK, MODES, Path(__file__).name)
