"""Record the Vercel AI SDK (npm ``ai`` 7) on ``@ai-sdk/google`` (Gemini API), traced by ``@ai-sdk/otel``.

Run: ``python tests/clients/record_ai_sdk_google.py`` (installs the pinned npm
packages into a cached prefix, then records). The agent is
``record_ai_sdk.py``'s (``generateText`` with one tool, ``stopWhen:
stepCountIs(3)``, ``registerTelemetry(new OpenTelemetry())``) with
``google('gemini-2.5-flash')``: ``createGoogleGenerativeAI({ baseURL })``
pointed at the fake LLM's Gemini ``generateContent``, answering as a thinking
model (``thoughtsTokenCount`` beside ``candidatesTokenCount``, cached tokens
inside ``promptTokenCount``). Two fixture folders, one per integration of
``@ai-sdk/otel``:

* ``fixtures/ai_sdk_google/``: ``OpenTelemetry`` (``gen_ai.usage.*``: output with the
  thinking in, no count of the thinking apart);
* ``fixtures/ai_sdk_google_usage/``: ``OpenTelemetry({ usage: true })``, the option that
  adds the AI SDK's usage details (``ai.usage.outputTokenDetails.reasoningTokens``) to
  the same spans;
* ``fixtures/ai_sdk_google_legacy/``: ``LegacyOpenTelemetry`` (``ai.usage.*``).
"""

from __future__ import annotations

from pathlib import Path

from fakellm import THINKING_USAGE
from record_ai_sdk import Provider, record
from recording import FAKE_KEY

NAME = "ai-sdk-google"

GOOGLE = Provider(
    # The only release that depends on the same @ai-sdk/provider (4.0.39) as ai 7.0.185.
    package="@ai-sdk/google@4.0.129",
    setup="""import { createGoogleGenerativeAI } from '@ai-sdk/google';
const google = createGoogleGenerativeAI({
  baseURL: process.env.GOOGLE_GENERATIVE_AI_BASE_URL, apiKey: process.env.GOOGLE_GENERATIVE_AI_API_KEY,
});
const model = google('gemini-2.5-flash');""",
    # The provider appends /models/<model>:generateContent to its base URL
    # (https://generativelanguage.googleapis.com/v1beta by default).
    env=lambda rec: {"GOOGLE_GENERATIVE_AI_BASE_URL": rec.llm.url + "/v1beta", "GOOGLE_GENERATIVE_AI_API_KEY": FAKE_KEY},
    note="@ai-sdk/google's Gemini API generateContent (gemini-2.5-flash, a thinking model)",
    usage=THINKING_USAGE,
)

#: fixture -> the integration class @ai-sdk/otel exports
MODES = {"ai_sdk_google": "OpenTelemetry", "ai_sdk_google_usage": "OpenTelemetry({ usage: true })",
         "ai_sdk_google_legacy": "LegacyOpenTelemetry"}

if __name__ == "__main__":
    record(NAME, GOOGLE, MODES, Path(__file__).name)
