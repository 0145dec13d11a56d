"""How long each kind of span ran (the cost pane's by-kind time): time shared counted once.

Spans go through the real pipeline into the real store; the figures are read as the cost pane
reads them (``Store.kind_times``) and worked out here by hand from the spans' times.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fixtures
from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import Session, Span, SpanKind, Status, ToolInfo
from agenttrace_tui.store.memory import Store

S = 1_000_000_000
T0 = 1_750_000_000 * S

AGENT, TOOL, LLM = SpanKind.AGENT, SpanKind.TOOL_EXECUTION, SpanKind.LLM_CALL


def sp(sid: str, parent: str | None, kind: SpanKind, start: float, end: float | None, tid: str = "t1",
       session: str = "s1", name: str | None = None) -> Span:
    return Span(span_id=sid, trace_id=tid, session_id=session, parent_span_id=parent, name=name or sid, kind=kind,
                start_ns=T0 + int(start * S), end_ns=None if end is None else T0 + int(end * S),
                status=Status.OK if end is not None else Status.RUNNING,
                tool=ToolInfo(name=name or sid) if kind is TOOL else None)


def fed(spans: list, store: Store | None = None) -> Store:
    store = store or Store()
    Pipeline(store, enrichers=make_enrichers(None, store)).apply(spans)
    return store


def test_nested_spans_of_a_kind_count_their_time_once():
    # An agent in an agent in an agent (0-6 s, 1-5 s, 2-4 s) ran 6 s, not 12; a tool that calls
    # itself (list_dir 2.0-2.6 s, inside it 2.1-2.5 s, inside that 2.2-2.4 s) ran 0.6 s.
    store = fed([sp("outer", None, AGENT, 0, 6), sp("mid", "outer", AGENT, 1, 5), sp("inner", "mid", AGENT, 2, 4),
                 sp("l1", "inner", TOOL, 2.0, 2.6, name="list_dir"), sp("l2", "l1", TOOL, 2.1, 2.5, name="list_dir"),
                 sp("l3", "l2", TOOL, 2.2, 2.4, name="list_dir")])
    times = store.kind_times("s1")
    assert times == {"agent": 6 * S, "tool_execution": int(0.6 * S)}
    assert store.kind_times(None) == times


def test_spans_side_by_side_count_the_time_any_of_them_ran():
    # Three tool calls, two in parallel (0-2 s and 1-3 s) and one later (5-6 s): 4 s of tools;
    # model calls that touch end to start (3-4 s, 4-5 s) are 2 s. A running span adds nothing yet.
    store = fed([sp("root", None, AGENT, 0, None), sp("a", "root", TOOL, 0, 2), sp("b", "root", TOOL, 1, 3),
                 sp("c", "root", TOOL, 5, 6), sp("m1", "root", LLM, 3, 4), sp("m2", "root", LLM, 4, 5)])
    assert store.kind_times("s1") == {"tool_execution": 4 * S, "llm_call": 2 * S}
    # The root ends at 7 s: the session's agent time is its 7 s, read anew (the cache follows the change).
    fed([sp("root", None, AGENT, 0, 7)], store)
    assert store.kind_times("s1") == {"tool_execution": 4 * S, "llm_call": 2 * S, "agent": 7 * S}


def test_spans_still_running_count_until_now_or_until_their_session_ended():
    # Session s1: an earlier trace's agent ran -5 to -2 s; in the trace running now, its root agent
    # from 0 s (still running), a sub-agent 1-3 s, a tool 2-2.5 s and another tool from 4 s (still
    # running). Ended spans alone: agent 5 s, tool 0.5 s. At 10 s the root has run 10 s, the agents
    # 13 s in all (the sub-agent's time within the root's counted once); tools 0.5 + 6 s. Session
    # s2's agent (0-2 s) adds to all sessions'.
    store = fed([Session(id="s1", name="one"), Session(id="s2", name="two"),
                 sp("old", None, AGENT, -5, -2, tid="t0"), sp("root", None, AGENT, 0, None),
                 sp("sub", "root", AGENT, 1, 3), sp("a", "sub", TOOL, 2, 2.5), sp("b", "root", TOOL, 4, None),
                 sp("d", None, AGENT, 0, 2, tid="t4", session="s2")])
    ended = {"agent": 5 * S, "tool_execution": S // 2}
    assert store.kind_times("s1") == ended
    assert store.kind_times("s1", running=True, now_ns=T0 + 10 * S) == {"agent": 13 * S, "tool_execution": int(6.5 * S)}
    assert store.kind_times(None, running=True, now_ns=T0 + 10 * S) == {"agent": 15 * S, "tool_execution": int(6.5 * S)}
    assert store.kind_times(None) == {"agent": 7 * S, "tool_execution": S // 2}
    # A clock behind the session's last report (the second tool's start, 4 s): counted until that report.
    assert store.sessions["s1"].until_ns(T0 + 2 * S) == T0 + 4 * S
    assert store.kind_times("s1", running=True, now_ns=T0 + 2 * S) == {"agent": 7 * S, "tool_execution": S // 2}
    # While its budgeted read waits, the last answer is read with the running spans as well.
    assert store.kind_times_known("s1", running=True, now_ns=T0 + 20 * S) == {
        "agent": 23 * S, "tool_execution": int(16.5 * S)}
    # The root ends at 9 s: the agents ran 3 + 9 s; the tool still runs.
    fed([sp("root", None, AGENT, 0, 9)], store)
    assert store.kind_times("s1", running=True, now_ns=T0 + 30 * S) == {"agent": 12 * S, "tool_execution": int(26.5 * S)}
    # The session ends at 12 s with the tool open (its agent was killed): the tool ran until then,
    # whatever the clock.
    fed([Session(id="s1", ended_ns=T0 + 12 * S)], store)
    assert store.sessions["s1"].until_ns(T0 + 99 * S) == T0 + 12 * S
    assert store.kind_times("s1", running=True, now_ns=T0 + 99 * S) == {"agent": 12 * S, "tool_execution": int(8.5 * S)}


def test_a_span_still_running_shares_its_time_with_ended_spans_of_its_kind_once():
    # Session s3: two traces whose agents ran 0-10 s and 5-15 s (15 s), a third whose agent runs
    # since 8 s (its tool ran 8-9 s). At 20 s the agents ran from 0 to 20 s: 20 s, not 15 + 12.
    # In another session, an agent running since 3 s in a trace whose sub-agent ran 2-6 s (and an
    # earlier trace's agent 0-1 s): at 10 s the agents ran 0-1 and 2-10 s, 9 s.
    store = fed([Session(id="s3", name="three"), sp("u1", None, AGENT, 0, 10, tid="u1", session="s3"),
                 sp("u2", None, AGENT, 5, 15, tid="u2", session="s3"), sp("u3", None, AGENT, 8, None, tid="u3", session="s3"),
                 sp("u3t", "u3", TOOL, 8, 9, tid="u3", session="s3"),
                 Session(id="s4", name="four"), sp("w0", None, AGENT, 0, 1, tid="w0", session="s4"),
                 sp("w1", None, AGENT, 3, None, tid="w1", session="s4"), sp("w2", None, AGENT, 2, 6, tid="w1", session="s4")])
    assert store.kind_times("s3") == {"agent": 15 * S, "tool_execution": S}
    assert store.kind_times("s3", running=True, now_ns=T0 + 20 * S) == {"agent": 20 * S, "tool_execution": S}
    assert store.kind_times("s4", running=True, now_ns=T0 + 10 * S) == {"agent": 9 * S}
    # Session s5: a supervisor agent running since 0 s in a trace of its own, turns after it began (agents
    # 1-2 s and 3-5 s, their tools 1.2-1.5 s and 4-4.5 s) and one before (an agent -3 to -1 s): at 10 s the
    # agents ran 2 + 10 s, the tools 0.8 s.
    fed([Session(id="s5", name="five"), sp("sup", None, AGENT, 0, None, tid="v0", session="s5"),
         sp("a0", None, AGENT, -3, -1, tid="v1", session="s5"),
         sp("a1", None, AGENT, 1, 2, tid="v2", session="s5"), sp("t1", "a1", TOOL, 1.2, 1.5, tid="v2", session="s5"),
         sp("a2", None, AGENT, 3, 5, tid="v3", session="s5"), sp("t2", "a2", TOOL, 4, 4.5, tid="v3", session="s5")],
        store)
    assert store.kind_times("s5") == {"agent": 5 * S, "tool_execution": int(0.8 * S)}
    assert store.kind_times("s5", running=True, now_ns=T0 + 10 * S) == {"agent": 12 * S, "tool_execution": int(0.8 * S)}
    # All sessions at 10 s: s3's time runs to its last report (15 s), its running agent within it.
    assert store.kind_times(None, running=True, now_ns=T0 + 10 * S) == {
        "agent": 15 * S + 9 * S + 12 * S, "tool_execution": S + int(0.8 * S)}


def test_a_sessions_traces_at_once_share_their_time_and_sessions_add_up():
    # Session s1: two traces whose agents ran 0-10 s and 5-15 s (15 s of agent time), one more
    # later 20-22 s (2 s); session s2: an agent 0-10 s at the same time as s1's. All sessions:
    # each session's time added, 17 + 10 s.
    store = fed([Session(id="s1", name="one"), Session(id="s2", name="two"),
                 sp("a", None, AGENT, 0, 10, tid="t1"), sp("b", None, AGENT, 5, 15, tid="t2"),
                 sp("c", None, AGENT, 20, 22, tid="t3"), sp("d", None, AGENT, 0, 10, tid="t4", session="s2")])
    assert store.kind_times("s1") == {"agent": 17 * S}
    assert store.kind_times("s2") == {"agent": 10 * S}
    assert store.kind_times(None) == {"agent": 27 * S}
    assert store.kind_times("no-such-session") == {}
    # A trace that came last, 14-21 s, joins the three: s1's agents ran from 0 to 22 s.
    fed([sp("e", None, AGENT, 14, 21, tid="t5")], store)
    assert store.kind_times("s1") == {"agent": 22 * S}
    assert store.kind_times(None) == {"agent": 32 * S}
    # One of the overlapping traces changes (a sub-agent of t2's, 22-25 s): 25 s.
    fed([sp("b2", "b", AGENT, 22, 25, tid="t2")], store)
    assert store.kind_times("s1") == {"agent": 25 * S}


def test_spans_a_trace_drops_to_keep_within_the_span_budget_still_count():
    # One trace of 3,000 tool calls, each 0.5 s, one a second, in a store of 1,000 spans (nothing
    # persists it): the trace keeps its newest spans in memory, and its tools' time still counts
    # every call (1,500 s), as its span count does. A call reported again after it left memory
    # is not counted twice.
    store = Store(max_spans=1_000)
    store.track_dirty = False
    calls = [sp(f"c{k}", "root", TOOL, k, k + 0.5, name="fetch") for k in range(3_000)]
    for k in range(0, 3_000, 250):  # (in reads, as they would come)
        fed(calls[k:k + 250], store)
        store.kind_times("s1")  # (read between them, as the cost pane does)
    trace = store.traces["t1"]
    assert trace.trimmed > 2_000 and "c0" not in trace.spans
    assert store.sessions["s1"].totals.spans == 3_000
    assert store.kind_times("s1") == {"tool_execution": 1_500 * S}
    fed([calls[0]], store)  # the first call again (it left memory long ago)
    assert "c0" in store.traces["t1"].spans
    assert store.kind_times("s1") == {"tool_execution": 1_500 * S}


def test_a_budgeted_read_works_out_a_slice_and_then_answers_as_a_whole_read():
    # 30 traces of 4 spans: with a budget of 8 spans a read works out two traces and says it is
    # not done (None), or with ``defer`` none at all; once every trace is done, the whole figure
    # (the cost pane reads so, between frames).
    spans: list = []
    for k in range(30):
        at = 10 * k
        spans += [sp("r", None, AGENT, at, at + 4, tid=f"t{k}"), sp("x", "r", TOOL, at, at + 1, tid=f"t{k}"),
                  sp("y", "r", TOOL, at + 0.5, at + 2, tid=f"t{k}"), sp("m", "r", LLM, at + 2, at + 3, tid=f"t{k}")]
    store = fed(spans)
    assert store.kind_times("s1", 8, defer=True) is None
    reads = 0
    while (got := store.kind_times("s1", 8)) is None:
        reads += 1
        assert reads < 30
    assert reads == 14  # (two traces a read: 15 reads, the last one whole)
    assert got == {"agent": 120 * S, "tool_execution": 60 * S, "llm_call": 30 * S} == fed(spans).kind_times("s1")
    # A trace changes: a deferred read whose merge of the session's 30 traces is over its budget
    # works out nothing; the last answer stands meanwhile, and the next whole read has the change.
    fed([sp("z", "r", TOOL, 5, 7, tid="t0")], store)
    assert store.kind_times("s1", 8, defer=True) is None
    assert store.kind_times_known("s1") == got
    assert store.kind_times("s1", 40, defer=True) == {"agent": 120 * S, "tool_execution": 62 * S, "llm_call": 30 * S}


def test_stats_gives_each_kinds_time_as_the_cost_pane_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Two sessions written to a real file (the real writer): s1's nested agents and tools, two of
    # its traces at once, a model call in each; s2 alone. `stats` reads them back by start time
    # and gives each kind's time as the pane works it out from memory, per session and over both.
    spans = [Session(id="s1", name="one"), Session(id="s2", name="two"),
             sp("outer", None, AGENT, 0, 6), sp("mid", "outer", AGENT, 1, 5),
             sp("l1", "mid", TOOL, 2.0, 2.6, name="list_dir"), sp("l2", "l1", TOOL, 2.1, 2.5, name="list_dir"),
             sp("m1", "mid", LLM, 3, 4), sp("b", None, AGENT, 5, 9, tid="t2"), sp("m2", "b", LLM, 3.5, 8, tid="t2"),
             sp("c", None, AGENT, 20, 21, tid="t3"), sp("d", None, AGENT, 0, 3, tid="t4", session="s2"),
             sp("e", "d", TOOL, 1, None, tid="t4", session="s2")]
    db = fixtures.write_db(tmp_path / "kinds.db", spans)
    store = fed(spans)

    def stats(*argv: str) -> dict[str, int]:
        got = json.loads(fixtures.cli_out(capsys, "--db", str(db), "stats", "--json", *argv))
        return {r["kind"]: r["time_ns"] for r in got["by_kind"]}

    # (A span still running ran until its session's last report, as a recording that is over reads it.)
    def pane(session_id: str | None) -> dict[str, int] | None:
        return store.kind_times(session_id, running=True)

    assert stats("--session", "s1") == pane("s1") == {
        "agent": 10 * S, "tool_execution": int(0.6 * S), "llm_call": 5 * S}
    assert stats("--session", "s2") == pane("s2") == {"agent": 3 * S, "tool_execution": 2 * S}
    assert stats() == pane(None)
    # The table says the same, in the one duration format.
    out = fixtures.cli_out(capsys, "--db", str(db), "stats", "--session", "s1")
    row = next(line for line in out.splitlines() if line.lstrip().startswith("tool_execution"))
    assert row.split()[1:3] == ["2", "600ms"]
