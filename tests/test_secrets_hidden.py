"""Credentials in an agent's telemetry are never shown: on screen and on the command line they read «secret»."""

from __future__ import annotations

import asyncio
import json

import msgspec
import pytest

import fixtures
from agenttrace_tui.format.sanitize import (
    HIDDEN,
    clean,
    clean_multiline,
    is_secret_name,
    may_hold_secrets,
    without_secrets,
)
from agenttrace_tui.model import Session, SpanEvent, SpanKind
from agenttrace_tui.ui.app import make_app

#: What mcp-agent 0.2.6 puts into a span's arguments (its settings' repr, the API key in it).
MCP_AGENT_ARG = ("config=OpenAISettings(api_key='sk-proj-Zx81bQ4rT0yW2eV6uI9oP3aS', reasoning_effort='medium', "
                 "base_url='http://127.0.0.1:36113/v1', user=None)")


@pytest.mark.parametrize(("text", "shown"), [
    (MCP_AGENT_ARG, "config=OpenAISettings(api_key='«secret»', reasoning_effort='medium', "
                    "base_url='http://127.0.0.1:36113/v1', user=None)"),
    ('{"apiKey": "sk-ant-api03-abcdefghijklmnop"}', '{"apiKey": "«secret»"}'),
    ("apiKey: my-gateway-key-1234", "apiKey: «secret»"),
    ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "Authorization: Bearer «secret»"),
    ("headers: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "headers: Bearer «secret»"),
    ("Straße İstanbul api_key=abcdef123", "Straße İstanbul api_key=«secret»"),
    ("curl -H 'x-api-key: 0123456789abcdef' https://api", "curl -H 'x-api-key: «secret»' https://api"),
    ("export OPENAI_API_KEY=sk-abcdefghijklmnopqrstuv", "export OPENAI_API_KEY=«secret»"),
    ("password = hunter2hunter2", "password = «secret»"),
    ("aws AKIAIOSFODNN7EXAMPLE and ghp_" + "a" * 36, "aws «secret» and «secret»"),
])
def test_a_credential_in_text_is_hidden_its_name_kept(text: str, shown: str) -> None:
    assert clean(text) == shown
    assert clean_multiline("before\n" + text) == "before\n" + shown


@pytest.mark.parametrize("text", [
    "input_tokens=500 max_tokens: 1024", "the secret of life is 42", "SecretStr('**********')",
    "task-1234567890123456", "gpt-4o-mini", "sk-short", "token budget: 4096 tokens left",
])
def test_text_that_only_looks_like_one_is_shown_as_it_is(text: str) -> None:
    assert clean(text) == text


CREDENTIALS = [MCP_AGENT_ARG, '{"apiKey": "sk-ant-api03-abcdefghijklmnop"}', "apiKey: my-gateway-key-1234",
               "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "headers: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc",
               "Straße İstanbul api_key=abcdef123", "curl -H 'x-api-key: 0123456789abcdef' https://api",
               "export OPENAI_API_KEY=sk-abcdefghijklmnopqrstuv", "password = hunter2hunter2",
               "aws AKIAIOSFODNN7EXAMPLE", "ghp_" + "a" * 36, "id_token:\teyJhbGciOi", "refresh_token = r0t4t3d0n3",
               "xoxb-1234567890-abcdef", "glpat-abcdefghijklmnopqrstu", "AIza" + "b" * 35, "sk-proj-abcdefghijklmn"]


@pytest.mark.parametrize("text", CREDENTIALS)
@pytest.mark.parametrize("where", ["value", "nested key", "key"])
def test_the_quick_look_for_credentials_misses_none_that_hiding_finds(text: str, where: str) -> None:
    """An export looks for credentials in a span's JSON, lowered, with a few plain searches before it walks
    the span to hide them: whatever hiding would hide, in a value, in JSON text inside a value, or as the
    value of a key named as a secret, the look finds (else a file would hold what the screen hides)."""
    value = ({"arg_0": text} if where == "value" else {"arg_0": json.dumps({"settings": text, "auth_token": 1})}
             if where == "nested key" else {"gen_ai.request.auth_token": text, "x": 1})
    assert without_secrets(value)[1] >= 1
    assert may_hold_secrets(msgspec.json.encode(value).decode().lower())


@pytest.mark.parametrize("text", ["input_tokens=500 max_tokens: 1024", "task-1234567890123456 done", "gpt-4o-mini",
                                  "the weather in Paris", '{"tokens": 12, "llm.token_count.prompt": 3}'])
def test_the_quick_look_passes_text_that_holds_no_credential(text: str) -> None:
    assert not may_hold_secrets(msgspec.json.encode({"arg_0": text, "gen_ai.usage.input_tokens": 3}).decode().lower())


def test_attributes_named_as_secrets_are_hidden_token_counts_not() -> None:
    assert [n for n in ("openai.api_key", "password", "http.request.header.authorization", "id_token", "token",
                        "gen_ai.usage.input_tokens", "llm.token_count.prompt", "max_tokens", "session.id")
            if is_secret_name(n)] == ["openai.api_key", "password", "http.request.header.authorization", "id_token",
                                      "token"]


def test_the_span_detail_shows_no_credential_and_a_copy_of_the_span_holds_none() -> None:
    """The detail pane hides each credential; `y` copies the span's JSON for sharing as the screen
    shows it (every field else as sent) and says how many it hid."""
    async def run() -> tuple[str, str, str, bytes]:
        store = fixtures.build_store()
        store.apply([Session(id="keys", name="leaky agent", started_ns=fixtures.NOW_NS - 10 * fixtures.S),
                     fixtures._span("t-keys", "keys", "k1", "openai.chat", SpanKind.LLM_CALL, 5, 1,
                                    attributes={"arg_0": MCP_AGENT_ARG, "openai.api_key": "not-shaped-like-a-key",
                                                "gen_ai.usage.input_tokens": 12},
                                    events=(SpanEvent(name="request", time_ns=fixtures.NOW_NS - 5 * fixtures.S,
                                                      attributes={"authorization": "opaque-value-123"}),))])
        app = make_app(store=store, now_ns=fixtures.clock)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            app.jump_to_session("keys")
            for _ in range(100):
                if app.span_tree.trace_id == "t-keys":
                    break
                await pilot.pause(0.05)
            app.span_tree.select_span("k1")
            for _ in range(100):
                if "arg_0" in app.detail.plain():
                    break
                await pilot.pause(0.05)
            shown = app.detail.plain()
            app.span_tree.focus()
            await pilot.press("y")
            for _ in range(100):
                if app.clipboard and any("Copied span" in str(n.message) for n in app._notifications):
                    break
                await pilot.pause(0.05)
            notes = " ".join(str(n.message) for n in app._notifications)
            return shown, app.clipboard, notes, msgspec.json.encode(app.store.trace("t-keys").spans["k1"])

    shown, copied, notes, stored = asyncio.run(run())
    sent, got = json.loads(stored), json.loads(copied)
    assert "sk-proj-" not in copied and "not-shaped-like-a-key" not in copied and "opaque-value-123" not in copied
    assert got["attributes"] == {**sent["attributes"], "arg_0": clean(MCP_AGENT_ARG), "openai.api_key": HIDDEN}
    assert got["events"][0]["attributes"] == {"authorization": HIDDEN}
    assert {k: v for k, v in got.items() if k not in ("attributes", "events")} == {
        k: v for k, v in sent.items() if k not in ("attributes", "events")}
    assert "3 secrets hidden" in notes
    assert "api_key='«secret»'" in shown
    assert "openai.api_key" in shown and "not-shaped-like-a-key" not in shown
    assert "authorization=" + HIDDEN in shown and "opaque-value-123" not in shown
    assert "sk-proj-" not in shown
    # A token count is no secret: shown (its name cut to the column).
    assert any(line.startswith("gen_ai.usage.in") and line.endswith(" 12") for line in shown.split("\n"))
