"""The real Claude Code CLI's session transcripts import with the fake LLM's numbers.

``fixtures/claude-code-transcript/`` (``record_claude_code_transcript.py``) holds,
for each run, the ``projects/<encoded cwd>/`` folder Claude Code wrote (gzip) AND
the OTLP it exported for the same calls. ``agenttrace-tui import-claude`` reads the
transcripts into a SQLite file under tmp_path; checked against the manifest:

* one LLM span per model call the fake LLM answered, every token field equal to
  the usage it sent, cost equal to genai-prices' price for the model;
* an answer of three content blocks, logged as three records, as one call;
* the Bash call and its output; the refused call (HTTP 400, retried by the CLI)
  as one failed model call with no tokens, priced at nothing unknown;
* the sub-agent (its own ``subagents/agent-<id>.jsonl``) nested under the Agent
  call that started it, its failed Read call an error;
* no record of the real files skipped as unknown;
* per session, the import's tokens, cost and errors equal those of the live replay
  of the same run's OTLP (``test_conformance._replay``).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_conformance import _replay

from agenttrace_tui import cli
from agenttrace_tui.model import SpanKind, Status
from agenttrace_tui.store.sqlite import Reader

NAME = "claude-code-transcript"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / NAME
MANIFEST = json.loads((FIXTURE / "manifest.json").read_text())
RUNS = {r["label"]: r for r in MANIFEST["runs"]}


def _session_of(label: str) -> str:
    return MANIFEST["cli_results"][label]["session_id"]


def import_transcripts(fixture: Path, manifest: dict[str, Any], root: Path) -> tuple[Path, dict[str, Any]]:
    """A fixture's transcripts, unpacked under ``root`` as the CLI left them, imported by the real
    command: the database and the command's JSON."""
    projects = root / "projects"
    for label, files in manifest["transcripts"].items():
        for rel in files:
            dest = projects / f"-tmp-{label}" / Path(rel).relative_to(label)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(gzip.decompress((fixture / "transcripts" / f"{rel}.gz").read_bytes()))
    db, out = root / "claude.db", root / "out.json"
    with out.open("w") as fh:
        old, sys.stdout = sys.stdout, fh
        try:
            code = cli.main(["import-claude", str(projects), "--db", str(db), "--json"])
        finally:
            sys.stdout = old
    assert code == 0
    return db, json.loads(out.read_text())


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return import_transcripts(FIXTURE, MANIFEST, tmp_path_factory.mktemp("claude-transcripts"))


def _spans(db: Path, sid: str) -> list[Any]:
    with Reader(db) as r:
        return [s for t in r.traces(sid) for s in r.spans_of_trace(t.trace_id)]


def _calls(label: str) -> list[dict]:
    return [c for c in RUNS[label]["fake_calls"] if c["status"] == 200]


def _genai_price(model: str, u: dict[str, int], start_ns: int) -> float:
    from genai_prices import Usage, calc_price

    # genai-prices' input_tokens includes the cache reads and writes (Anthropic's input_tokens does not).
    got = calc_price(Usage(input_tokens=u["input"] + u["cached"] + u["cache_creation"], output_tokens=u["output"],
                           cache_read_tokens=u["cached"], cache_write_tokens=u["cache_creation"]),
                     model_ref=model, genai_request_timestamp=datetime.fromtimestamp(start_ns / 1e9, tz=UTC))
    return float(got.total_price)


def test_import_counts(imported: tuple[Path, dict[str, Any]]) -> None:
    _, stats = imported
    files = sum(len(v) for v in MANIFEST["transcripts"].values())
    assert stats["files"] == files == 5 and stats["sessions"] == 4 and stats["traces"] == 4
    # One LLM span per answered call (2 + 2 + 4) and one for the refused turn; two Bash calls, Agent and Read.
    assert stats["llm_spans"] == 9 and stats["tool_spans"] == 4
    assert stats["duplicates"] == 0 and stats["sidechains_linked"] == 1 and stats["sidechains_unlinked"] == 0
    # Every record type the CLI writes is known (those without spans passed over, not reported as skipped).
    assert stats["skipped"] == {}


@pytest.mark.parametrize("label", ["ok", "blocks", "agent"])
def test_each_call_once_with_the_fake_llms_usage_and_price(imported: tuple[Path, dict[str, Any]], label: str) -> None:
    db, _ = imported
    llm = {s.attributes["claude.request_id"]: s for s in _spans(db, _session_of(label)) if s.kind is SpanKind.LLM_CALL}
    calls = _calls(label)
    assert sorted(llm) == sorted(c["request_id"] for c in calls)
    for c in calls:
        span, u = llm[c["request_id"]], c["usage_normalized"]
        assert span.attributes["claude.message_id"] == c["response_id"] and span.llm.model == c["model"]
        assert span.llm.provider == "anthropic" and span.status is Status.OK
        # Anthropic's input_tokens excludes the cache counts; the monitor's input includes them.
        got = (span.usage.input, span.usage.output, span.usage.cache_read, span.usage.cache_write)
        assert got == (u["input"] + u["cached"] + u["cache_creation"], u["output"], u["cached"], u["cache_creation"])
        assert not span.usage.estimated
        assert span.cost is not None and span.cost.source == "computed"
        assert span.cost.total == pytest.approx(_genai_price(c["model"], u, span.start_ns), rel=1e-9)
    # The CLI's own summary of the run agrees (its cost is its own price table's).
    total = sum(s.cost.total for s in llm.values())
    assert total == pytest.approx(MANIFEST["cli_results"][label]["total_cost_usd"], rel=1e-6)


def _records(label: str) -> list[dict]:
    (main,) = [rel for rel in MANIFEST["transcripts"][label] if "/" not in rel.removeprefix(f"{label}/")]
    raw = gzip.decompress((FIXTURE / "transcripts" / f"{main}.gz").read_bytes())
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def test_a_response_in_several_records_is_one_call(imported: tuple[Path, dict[str, Any]]) -> None:
    """The CLI logs an answer of three content blocks as three assistant records, each with the
    whole answer's usage: counted once, its text kept."""
    db, _ = imported
    (asked,) = [c for c in _calls("blocks") if c["tool_name"]]
    assert asked["blocks"] == ["thinking", "text", "tool_use"]
    logged = [r for r in _records("blocks") if r["type"] == "assistant" and r["requestId"] == asked["request_id"]]
    assert [r["message"]["content"][0]["type"] for r in logged] == asked["blocks"]
    assert all(r["message"]["usage"]["output_tokens"] == asked["usage"]["output_tokens"] for r in logged)
    (span,) = [s for s in _spans(db, _session_of("blocks"))
               if s.kind is SpanKind.LLM_CALL and s.attributes["claude.request_id"] == asked["request_id"]]
    assert span.usage.output == asked["usage"]["output_tokens"] and span.llm.stop_reason == "tool_use"
    assert span.llm.response_preview == "Let me run that."


@pytest.mark.parametrize("label", ["ok", "blocks"])
def test_tool_call_and_its_output(imported: tuple[Path, dict[str, Any]], label: str) -> None:
    db, _ = imported
    spans = _spans(db, _session_of(label))
    (bash,) = [s for s in spans if s.tool is not None]
    (asked,) = [c for c in _calls(label) if c["tool_name"]]
    assert bash.tool.name == "Bash" and bash.tool.call_id == asked["tool_call_id"] and bash.status is Status.OK
    assert json.loads(bash.tool.input_preview)["command"] == "echo fakellm-tool-ok"
    assert bash.tool.output_preview == "fakellm-tool-ok" and bash.tool.target == "echo fakellm-tool-ok"
    (root,) = [s for s in spans if s.parent_span_id is None]
    assert root.kind is SpanKind.AGENT and all(s.parent_span_id == root.span_id for s in spans if s is not root)


def test_refused_call_is_one_failed_call_without_tokens(imported: tuple[Path, dict[str, Any]]) -> None:
    db, _ = imported
    sid = _session_of("error")
    (llm,) = [s for s in _spans(db, sid) if s.kind is SpanKind.LLM_CALL]
    refused = [c for c in RUNS["error"]["fake_calls"] if c["status"] == 400]
    assert len(refused) == 6  # the CLI re-sends a refused request; its transcript records the last failure
    assert llm.status is Status.ERROR and "400" in (llm.status_message or "")
    assert llm.attributes["claude.request_id"] == refused[-1]["request_id"]
    # The model asked for, not the CLI's placeholder for a response it made up ("<synthetic>").
    assert llm.llm.model == refused[-1]["model"]
    assert llm.usage is None  # nothing was billed, so nothing to price (no "$?")
    with Reader(db) as r:
        row = r.session(sid)
    assert (row.errors, row.input_tokens, row.output_tokens, row.cost, row.unpriced) == (1, 0, 0, 0.0, 0)


def test_sub_agent_nests_under_the_agent_call(imported: tuple[Path, dict[str, Any]]) -> None:
    db, _ = imported
    spans = _spans(db, _session_of("agent"))
    by_call = {s.tool.call_id: s for s in spans if s.tool is not None}
    first, sub_tool, sub_final, last = _calls("agent")
    agent, read = by_call[first["tool_call_id"]], by_call[sub_tool["tool_call_id"]]
    assert agent.kind is SpanKind.AGENT and agent.agent.name == "greeter" and agent.status is Status.OK
    assert read.tool.name == "Read" and read.status is Status.ERROR and "File does not exist" in read.status_message
    under = {s.span_id for s in spans if s.parent_span_id == agent.span_id}
    llm = {s.attributes["claude.request_id"]: s for s in spans if s.kind is SpanKind.LLM_CALL}
    assert under == {read.span_id, llm[sub_tool["request_id"]].span_id, llm[sub_final["request_id"]].span_id}
    root = next(s for s in spans if s.parent_span_id is None)
    assert llm[first["request_id"]].parent_span_id == llm[last["request_id"]].parent_span_id == root.span_id
    assert agent.parent_span_id == root.span_id
    with Reader(db) as r:
        assert r.session(_session_of("agent")).errors == 1  # the sub-agent's Read


@pytest.mark.parametrize("label", ["ok", "error", "blocks", "agent"])
def test_session_title_and_client(imported: tuple[Path, dict[str, Any]], label: str) -> None:
    db, _ = imported
    with Reader(db) as r:
        row = r.session(_session_of(label))
    # No summary record in a -p run: the session is named by its prompt.
    argv = RUNS[label]["argv"]
    assert row.session.name == argv[argv.index("-p") + 1][:80]
    assert row.session.framework == "claude-code" and row.session.framework_version == MANIFEST["packages"][
        "@anthropic-ai/claude-code"]
    assert row.session.attributes["cwd"] == f"{{TMP}}/{label}"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The same runs' OTLP replayed into a real monitor (as test_conformance does)."""
    return asyncio.run(_replay(NAME, tmp_path_factory.mktemp("claude-live") / "live.db"))


def _rows(imported: tuple[Path, dict[str, Any]], live: Any, label: str) -> tuple[Any, Any]:
    (sid,) = live.sessions[label]
    assert sid == _session_of(label)  # the CLI's session id names both
    with Reader(live.db) as r:
        want = r.session(sid)
    with Reader(imported[0]) as r:
        got = r.session(sid)
    return got, want


@pytest.mark.parametrize("label", list(RUNS))
def test_totals_equal_the_live_replay_of_the_same_calls(imported: tuple[Path, dict[str, Any]], live: Any,
                                                        label: str) -> None:
    got, want = _rows(imported, live, label)
    assert (got.input_tokens, got.output_tokens, got.unpriced) == (want.input_tokens, want.output_tokens, want.unpriced)
    assert got.cost == pytest.approx(want.cost, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("label", [
    "ok", "error", "blocks",
    # The sub-agent's Read call failed (tool_result is_error; its OTel tool_result event success=false and
    # claude_code.tool.execution span status error; the claude_code.tool span of the call, status unset,
    # comes after the event, folded into the failed tool span rebuilt from it): 1 error both ways.
    "agent",
])
def test_errors_equal_the_live_replay_of_the_same_calls(imported: tuple[Path, dict[str, Any]], live: Any,
                                                        label: str) -> None:
    got, want = _rows(imported, live, label)
    assert got.errors == want.errors
