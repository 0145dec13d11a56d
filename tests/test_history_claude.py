"""Claude Code transcripts import exactly (fixture documented in tests/fixtures/claude/README.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agenttrace_tui import cli
from agenttrace_tui.history.claude_transcripts import default_paths
from agenttrace_tui.model import SpanKind, Status
from agenttrace_tui.store.sqlite import Reader

FIXTURES = Path(__file__).parent / "fixtures" / "claude"
SESSION = "7f3c2a10-5b6e-4c1d-9a8f-0e1d2c3b4a59"

# (message, input_tokens, cache_creation, cache_read, output) of each API response in the fixture
USAGE = {
    "msg_1": (10, 2000, 5000, 80),  # logged as two records: the one with the final output count wins
    "msg_2": (20, 100, 7000, 40),
    "msg_3": (30, 0, 7200, 60),
    "msg_4": (40, 300, 7300, 90),
    "msg_5": (50, 0, 7600, 12),  # logged twice under two uuids: counted once
    "msg_6": (60, 0, 7700, 50),
    "msg_7": (70, 0, 7800, 8),
    "msg_s1": (500, 0, 0, 20),
    "msg_s2": (600, 0, 0, 15),
    "msg_s3": (400, 50, 0, 25),
    "msg_s4": (450, 0, 0, 10),
}


def _import(capsys, db, *paths):
    capsys.readouterr()
    code = cli.main(["import-claude", *map(str, paths), "--db", str(db), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def _spans(db):
    with Reader(db) as r:
        return [s for t in r.traces(SESSION) for s in r.spans_of_trace(t.trace_id)]


def test_transcript_imports_exactly(tmp_path, capsys):
    db = tmp_path / "claude.db"
    stats = _import(capsys, db, FIXTURES)
    assert stats["files"] == 2 and stats["sessions"] == 1 and stats["traces"] == 2
    assert stats["llm_spans"] == 11 and stats["tool_spans"] == 7 and stats["stored_spans"] == 20
    assert stats["duplicates"] == 2  # the repeated line and the response logged twice
    assert stats["skipped"] == {"unknown_type:telemetry-beacon": 1, "invalid_json": 1}
    assert stats["sidechains_linked"] == 2 and stats["sidechains_unlinked"] == 0

    spans = _spans(db)
    llm = {s.attributes["claude.message_id"]: s for s in spans if s.kind is SpanKind.LLM_CALL}
    assert set(llm) == set(USAGE)
    for mid, (inp, cache_w, cache_r, out) in USAGE.items():
        u = llm[mid].usage
        # input INCLUDES cache reads and writes (model convention); Claude reports them beside input_tokens
        assert (u.input, u.output, u.cache_read, u.cache_write) == (inp + cache_w + cache_r, out, cache_r, cache_w), mid
        assert llm[mid].llm.provider == "anthropic" and not u.estimated
    assert llm["msg_1"].llm.model == "claude-sonnet-4-5-20250929" and llm["msg_s1"].llm.model == "claude-haiku-4-5-20251001"
    assert llm["msg_1"].llm.stop_reason == "tool_use" and llm["msg_5"].llm.response_preview.startswith("Fixed: add()")

    with Reader(db) as r:
        row = r.session(SESSION)
    assert row.session.name == "Fix the failing test" and row.session.framework == "claude-code"
    assert row.session.framework_version == "2.0.30" and row.session.attributes == {"cwd": "/repo", "git.branch": "main"}
    assert row.input_tokens == sum(i + cw + cr for i, cw, cr, _ in USAGE.values()) == 54280
    assert row.output_tokens == sum(o for *_, o in USAGE.values()) == 410
    assert (row.spans, row.traces, row.errors) == (20, 2, 1)


def test_tools_errors_and_sidechain_nesting(tmp_path, capsys):
    db = tmp_path / "claude.db"
    _import(capsys, db, FIXTURES)
    spans = _spans(db)
    by_id = {s.span_id: s for s in spans}
    tools = {s.tool.call_id: s for s in spans if s.tool is not None}
    assert set(tools) == {"toolu_1", "toolu_2", "toolu_3", "toolu_4", "toolu_5", "toolu_s1", "toolu_s2"}
    bash = tools["toolu_2"]
    assert bash.status is Status.ERROR and "FAILED tests/test_math.py::test_add" in bash.status_message
    assert bash.tool.name == "Bash" and json.loads(bash.tool.input_preview)["command"] == "pytest -q"
    assert bash.tool.output_preview.startswith("Exit code 1")
    assert bash.end_ns - bash.start_ns == 2_000_000_000  # tool_use at :07, tool_result at :09
    read = tools["toolu_1"]
    assert read.status is Status.OK and read.file.path == "/repo/tests/test_math.py" and "def test_add" in read.tool.output_preview

    # Roots: one agent span per prompt, holding the main conversation
    roots = [s for s in spans if s.parent_span_id is None]
    assert sorted(r.name for r in roots) == ["Fix the failing test in tests/test_math.py", "Now run the tests again"]
    assert all(r.kind is SpanKind.AGENT for r in roots)
    for call in ("toolu_1", "toolu_2", "toolu_3", "toolu_4", "toolu_5"):
        assert by_id[tools[call].parent_span_id].parent_span_id is None

    # Sub-agents nest under the Task call that spawned them: the inline one by its prompt,
    # the one in its own file by the agentId in the Task result.
    task1, task2 = tools["toolu_3"], tools["toolu_5"]
    assert task1.kind is SpanKind.AGENT and task1.agent.name == "Explore"
    under1 = sorted(s.name for s in spans if s.parent_span_id == task1.span_id)
    under2 = sorted(s.name for s in spans if s.parent_span_id == task2.span_id)
    assert under1 == ["Grep", "llm_call", "llm_call"] and under2 == ["Bash", "llm_call", "llm_call"]
    assert tools["toolu_s1"].trace_id == task1.trace_id and tools["toolu_s2"].trace_id == task2.trace_id
    assert all(s.attributes.get("claude.sidechain") for s in spans if s.parent_span_id in (task1.span_id, task2.span_id))


def test_reimport_is_idempotent(tmp_path, capsys):
    db = tmp_path / "claude.db"
    _import(capsys, db, FIXTURES)
    first = sorted((s.trace_id, s.span_id) for s in _spans(db))
    _import(capsys, db, FIXTURES / "session.jsonl", FIXTURES / "agent-a1b2c3.jsonl")
    assert sorted((s.trace_id, s.span_id) for s in _spans(db)) == first
    with Reader(db) as r:
        assert r.span_count() == 20


def test_default_path_honours_claude_config_dir(tmp_path, capsys, monkeypatch):
    config = tmp_path / "claude-config"
    project = config / "projects" / "-repo"
    (project / SESSION / "subagents").mkdir(parents=True)
    shutil.copy(FIXTURES / "session.jsonl", project / f"{SESSION}.jsonl")
    shutil.copy(FIXTURES / "agent-a1b2c3.jsonl", project / SESSION / "subagents" / "agent-a1b2c3.jsonl")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(config))
    assert default_paths() == [config / "projects"]
    stats = _import(capsys, tmp_path / "c.db")
    assert stats["files"] == 2 and stats["stored_spans"] == 20 and stats["sidechains_linked"] == 2
    monkeypatch.delenv("CLAUDE_CONFIG_DIR")
    assert default_paths({"HOME": "/x"})[0].name == "projects"


def test_no_transcripts_is_a_clear_error(tmp_path, capsys):
    code = cli.main(["import-claude", str(tmp_path), "--db", str(tmp_path / "c.db")])
    assert code == 1
    assert "no transcripts" in capsys.readouterr().err


def test_transcripts_that_give_nothing_are_an_error(tmp_path, capsys):
    # Was: "imported 0 sessions ..." and exit status 0.
    (tmp_path / "a.jsonl").write_text('{"type": "summary", "summary": "no session id"}\nnot json\n')
    (tmp_path / "b.jsonl").write_text("trace_id,span_id\n")
    code = cli.main(["import-claude", str(tmp_path), "--db", str(tmp_path / "c.db")])
    out, err = capsys.readouterr()
    assert code == 1 and out.startswith("imported 0 sessions") and "skipped 2 file_without_session" in out
    assert err == "agenttrace-tui: nothing imported from 2 transcripts: all skipped (2 file_without_session)\n"
    # One good transcript beside them: a success.
    shutil.copy(FIXTURES / "session.jsonl", tmp_path / "session.jsonl")
    assert _import(capsys, tmp_path / "c.db", tmp_path)["sessions"] == 1


@pytest.mark.parametrize(
    "line",
    [
        '{"type": "assistant", "sessionId": "s", "timestamp": "2026-01-01T00:00:00Z", "message": "oops"}',
        '{"type": "user", "sessionId": "s", "timestamp": "not a time", "message": {"content": "hi"}}',
        '{"type": "user", "sessionId": "s", "timestamp": "2026-01-01T00:00:00Z", "message": {"content": [{"type": "tool_result", "tool_use_id": "nope", "content": "x"}]}}',
        '["not", "an", "object"]',
        '{"type": 5, "sessionId": "s"}',
    ],
)
def test_odd_records_are_skipped_not_fatal(tmp_path, capsys, line):
    f = tmp_path / "odd.jsonl"
    good = '{"type": "user", "uuid": "u1", "sessionId": "s", "timestamp": "2026-01-01T00:00:00Z", "message": {"content": "hello"}}'
    f.write_text(good + "\n" + line + "\n")
    stats = _import(capsys, tmp_path / "odd.db", f)
    assert stats["traces"] == 1 and sum(stats["skipped"].values()) == 1


def test_interruptions_and_meta_messages_do_not_start_traces(tmp_path, capsys):
    base = '"sessionId": "s", "type": "user"'
    lines = [
        '{%s, "uuid": "u1", "timestamp": "2026-01-01T00:00:00Z", "message": {"content": "do it"}}' % base,
        '{%s, "uuid": "u2", "timestamp": "2026-01-01T00:00:01Z", "message": {"content": [{"type": "text", "text": "[Request interrupted by user]"}]}}' % base,
        '{%s, "uuid": "u3", "timestamp": "2026-01-01T00:00:02Z", "isMeta": true, "message": {"content": "Caveat: local commands"}}' % base,
        '{%s, "uuid": "u4", "timestamp": "2026-01-01T00:00:03Z", "isCompactSummary": true, "message": {"content": "Summary of the conversation"}}' % base,
        '{%s, "uuid": "u5", "timestamp": "2026-01-01T00:00:04Z", "message": {"content": "<local-command-stdout>ok</local-command-stdout>"}}' % base,
        '{%s, "uuid": "u6", "timestamp": "2026-01-01T00:00:05Z", "message": {"content": [{"type": "text", "text": "and now this"}]}}' % base,
    ]
    f = tmp_path / "s.jsonl"
    f.write_text("\n".join(lines) + "\n")
    stats = _import(capsys, tmp_path / "i.db", f)
    assert stats["traces"] == 2 and stats["skipped"] == {}


def _session_with_totals(tmp_path, response_model: str, totals: dict, extra: tuple[str, ...] = ()) -> tuple[Path, Path]:
    """One prompt, one logged response (100 in, 10 out, 5 cache reads), then the CLI's running totals."""
    lines = [
        '{"type": "user", "uuid": "u1", "sessionId": "s", "timestamp": "2026-01-01T00:00:00Z", "message": {"content": "hi"}}',
        json.dumps({"type": "assistant", "uuid": "a1", "parentUuid": "u1", "sessionId": "s", "requestId": "r1",
                    "timestamp": "2026-01-01T00:00:01Z",
                    "message": {"id": "m1", "model": response_model, "content": [{"type": "text", "text": "hello"}],
                                "usage": {"input_tokens": 100, "output_tokens": 10, "cache_read_input_tokens": 5,
                                          "cache_creation_input_tokens": 0}}}),
        *extra,
        json.dumps({"type": "cost-state", "sessionId": "s", "modelUsage": totals}),
    ]
    f = tmp_path / "s.jsonl"
    f.write_text("\n".join(lines) + "\n")
    return f, tmp_path / "t.db"


def _unlogged(db):
    with Reader(db) as r:
        return [s for t in r.traces("s") for s in r.spans_of_trace(t.trace_id) if s.attributes.get("claude.unlogged_calls")]


def test_calls_the_transcript_does_not_log_come_from_the_clis_totals(tmp_path, capsys):
    """The title and compaction calls are in the CLI's running totals (``cost-state``, by the model asked
    for) and not logged as responses: the difference is one call per model, named by the totals."""
    totals = {"claude-sonnet-4-5": {"inputTokens": 150, "outputTokens": 13, "cacheReadInputTokens": 5,
                                    "cacheCreationInputTokens": 0},
              "claude-haiku-4-5": {"inputTokens": 40, "outputTokens": 4, "cacheReadInputTokens": 0,
                                   "cacheCreationInputTokens": 0}}
    title = ('{"type": "ai-title", "aiTitle": "Model title", "sessionId": "s"}',
             '{"type": "custom-title", "customTitle": "My name", "sessionId": "s"}')
    f, db = _session_with_totals(tmp_path, "claude-sonnet-4-5-20250929", totals, title)
    stats = _import(capsys, db, f)
    assert stats["llm_spans"] == 3 and stats["skipped"] == {}
    got = {s.llm.model: (s.usage.input, s.usage.output, s.usage.cache_read) for s in _unlogged(db)}
    # The response names a dated snapshot of the model the totals name.
    assert got == {"claude-sonnet-4-5": (50, 3, 0), "claude-haiku-4-5": (40, 4, 0)}
    with Reader(db) as r:
        assert r.session("s").session.name == "My name"  # the user's title before the model's


@pytest.mark.parametrize("totals", [
    # Totals written before the last response: below what is logged.
    {"claude-sonnet-4-5": {"inputTokens": 50, "outputTokens": 13, "cacheReadInputTokens": 5}},
    # A response of a model the totals do not name.
    {"claude-opus-4-1": {"inputTokens": 500, "outputTokens": 50, "cacheReadInputTokens": 5}},
])
def test_totals_that_do_not_add_up_count_nothing_twice(tmp_path, capsys, totals):
    f, db = _session_with_totals(tmp_path, "claude-sonnet-4-5", totals)
    stats = _import(capsys, db, f)
    assert stats["llm_spans"] == 1 and stats["skipped"] == {"cost_state_not_matching_the_responses": 1}
    assert _unlogged(db) == []


def test_the_models_title_names_the_session(tmp_path, capsys):
    """An interactive session's title (``ai-title``, the last one written) names it, not its first prompt."""
    titles = ('{"type": "ai-title", "aiTitle": "First draft", "sessionId": "s"}',
              '{"type": "ai-title", "aiTitle": "Greeting session", "sessionId": "s"}')
    f, db = _session_with_totals(tmp_path, "claude-sonnet-4-5", {}, titles)
    stats = _import(capsys, db, f)
    assert stats["skipped"] == {}
    with Reader(db) as r:
        assert r.session("s").session.name == "Greeting session"
