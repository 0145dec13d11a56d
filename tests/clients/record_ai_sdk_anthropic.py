"""Record the Vercel AI SDK (npm ``ai`` 7) on ``@ai-sdk/anthropic``, traced by ``@ai-sdk/otel``.

Run: ``python tests/clients/record_ai_sdk_anthropic.py`` (installs the pinned npm
packages into a cached prefix, then records). The agent is
``record_ai_sdk.py``'s (``generateText`` with one tool, ``stopWhen:
stepCountIs(3)``, ``registerTelemetry(new OpenTelemetry())``) with
``anthropic('claude-sonnet-4-5')``: ``createAnthropic({ baseURL })`` pointed
at the fake LLM's Anthropic Messages API, whose usage has cache reads and
cache writes beside ``input_tokens``. Two fixture folders, one per integration
of ``@ai-sdk/otel`` (the cache writes are under different keys in each):

* ``fixtures/ai_sdk_anthropic/``: ``OpenTelemetry`` (``gen_ai.usage.*``);
* ``fixtures/ai_sdk_anthropic_legacy/``: ``LegacyOpenTelemetry`` (``ai.usage.*``).
"""

from __future__ import annotations

from pathlib import Path

from record_ai_sdk import Provider, record
from recording import FAKE_KEY

NAME = "ai-sdk-anthropic"

ANTHROPIC = Provider(
    # The release that depends on the same @ai-sdk/provider (4.0.39) as ai 7.0.185.
    package="@ai-sdk/anthropic@4.0.112",
    setup="""import { createAnthropic } from '@ai-sdk/anthropic';
const anthropic = createAnthropic({ baseURL: process.env.ANTHROPIC_BASE_URL, apiKey: process.env.ANTHROPIC_API_KEY });
const model = anthropic('claude-sonnet-4-5');""",
    # The provider appends /messages to its base URL (https://api.anthropic.com/v1 by default).
    env=lambda rec: {"ANTHROPIC_BASE_URL": rec.llm.url + "/v1", "ANTHROPIC_API_KEY": FAKE_KEY},
    note="@ai-sdk/anthropic's Messages API (claude-sonnet-4-5)",
)

#: fixture -> the integration class @ai-sdk/otel exports
MODES = {"ai_sdk_anthropic": "OpenTelemetry", "ai_sdk_anthropic_legacy": "LegacyOpenTelemetry"}

if __name__ == "__main__":
    record(NAME, ANTHROPIC, MODES, Path(__file__).name)
