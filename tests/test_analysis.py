"""Pure trace analysis: tree shape, flattening, critical path, HOTSPOT rule, filter language, formatting."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agenttrace_tui.analysis.critical_path import HOTSPOT_RULE, analyze
from agenttrace_tui.analysis.filter import (
    FilterError,
    matching_ids,
    next_index,
    parse_duration,
    parse_filter,
    with_ancestors,
)
from agenttrace_tui.analysis.rows import flatten
from agenttrace_tui.analysis.summary import span_summary
from agenttrace_tui.analysis.tree import TraceTree, TreeBuilder, counted_below, without_internal
from agenttrace_tui.format.numbers import fmt_cost, fmt_duration, fmt_tokens
from agenttrace_tui.model import (
    AgentInfo,
    Cost,
    FileInfo,
    LlmInfo,
    RagInfo,
    Span,
    SpanKind,
    Status,
    TokenUsage,
    ToolInfo,
)
from agenttrace_tui.store.memory import Store

S = 1_000_000_000
BASE = 1_700_000_000 * S  # the store treats start 0 as "unknown"


def sp(sid: str, parent: str | None, start: float, end: float | None, **kw) -> Span:
    kw.setdefault("name", sid)
    return Span(
        span_id=sid,
        trace_id=kw.pop("trace_id", "t"),
        session_id=kw.pop("session_id", "s"),
        parent_span_id=parent,
        start_ns=BASE + int(start * S),
        end_ns=None if end is None else BASE + int(end * S),
        **kw,
    )


def tree_of(*spans: Span) -> TraceTree:
    st = Store()
    st.apply(spans)
    return TraceTree.from_trace(st.trace(spans[0].trace_id))


# -- formatting -----------------------------------------------------------------


@pytest.mark.parametrize(
    "ns,text",
    [
        (0, "0ns"),
        (850, "850ns"),
        (12_345, "12µs"),
        (3_400_000, "3.4ms"),
        (250_000_000, "250ms"),
        (1_234_000_000, "1.23s"),
        (30 * S, "30.0s"),
        (125 * S, "2m05s"),
        (3725 * S, "1h02m"),
        (90_000 * S, "1d01h"),
        (-5, "0ns"),
        # A time that rounds up to the next step takes it (these read 1000µs, 10.0µs, 1000ms, 10.00s, 60.0s).
        (999_600, "1.0ms"),
        (9_960, "10µs"),
        (999_700_000, "1.00s"),
        (9_996_000_000, "10.0s"),
        (59_970_000_000, "1m00s"),
        (999_400, "999µs"),
        (9_940_000, "9.9ms"),
        (59_940_000_000, "59.9s"),
    ],
)
def test_fmt_duration(ns: int, text: str) -> None:
    assert fmt_duration(ns) == text


def test_fmt_tokens_and_cost() -> None:
    assert [fmt_tokens(n) for n in (950, 1234, 12_345, 3_400_000, 45_000_000)] == ["950", "1.2k", "12k", "3.4M", "45M"]
    # To the nearest in every range (12k-999k were cut: 13,770 read 13k beside 2,170 as 2.2k),
    # and a count that rounds into the next unit takes it.
    assert [fmt_tokens(n) for n in (2_170, 13_770, 11_600, 9_960, 999_600, 12_600_000, 674.6)] == [
        "2.2k", "14k", "12k", "10k", "1.0M", "13M", "675"]
    assert [fmt_cost(v) for v in (0.0, 0.00123, 0.5, 1234.5, None, float("nan"))] == ["$0", "$0.0012", "$0.50", "$1,234", "$?", "$?"]


def test_parse_duration_units_and_errors() -> None:
    assert parse_duration("2s") == 2 * S
    assert parse_duration("100ms") == 100_000_000
    assert parse_duration("1.5m") == 90 * S
    assert parse_duration("250us") == parse_duration("250µs") == 250_000
    assert parse_duration("3") == 3 * S
    with pytest.raises(ValueError, match="unknown duration unit"):
        parse_duration("3 fortnights")
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


# -- structure and flattening --------------------------------------------------------


def test_children_are_ordered_by_start_time_not_arrival() -> None:
    tree = tree_of(sp("root", None, 0, 10), sp("late", "root", 5, 6), sp("early", "root", 1, 2), sp("mid", "root", 3, 4))
    assert tree.order == ["root", "early", "mid", "late"]
    assert tree.depth == [0, 1, 1, 1]
    assert tree.end[0] == 4


def test_orphans_are_top_level_and_cycles_do_not_hang() -> None:
    st = Store()
    st.apply([sp("root", None, 0, 10), sp("orphan", "missing", 2, 3), sp("a", "b", 4, 5), sp("b", "a", 4, 5), sp("self", "self", 6, 7)])
    tree = TraceTree.from_trace(st.trace("t"))
    assert sorted(tree.order) == ["a", "b", "orphan", "root", "self"]  # every span exactly once
    assert tree.depth[tree.index["orphan"]] == 0
    assert tree.depth[tree.index["root"]] == 0
    assert tree.depth[tree.index["self"]] == 0


def test_incremental_builder_matches_a_fresh_build_as_spans_arrive_and_change() -> None:
    st = Store()
    builder = TreeBuilder()
    batches = [
        [sp("root", None, 0, None, status=Status.RUNNING), sp("b", "root", 5, None, status=Status.RUNNING)],
        [sp("b1", "b", 6, 7), sp("orphan", "late-parent", 1, 2)],
        [sp("b", "root", 5, 9)],  # ends: no shape change
        [sp("a", "root", 1, 3, status=Status.ERROR)],  # sorts before b
        [sp("late-parent", "root", 0.5, 4)],  # adopts the orphan
        [sp("b1", "b", 4.5, 7)],  # start moved
        [sp("a", "root", 1, 3, status=Status.OK)],  # error cleared
    ]
    for batch in batches:
        st.apply(batch)
        trace = st.trace("t")
        got = builder.build(trace)
        fresh = TraceTree.from_trace(trace)
        assert (got.order, got.depth, got.parent, got.end, got.errors) == (fresh.order, fresh.depth, fresh.parent, fresh.end, fresh.errors)
        assert got.version == trace.version
    assert got.order == ["root", "late-parent", "orphan", "a", "b", "b1"]
    assert builder.changed_ids == ["a"]
    assert builder.running_ids == {"root"}


def test_a_tree_without_internals_is_the_tree_of_the_kept_spans_under_their_nearest_kept_ancestors() -> None:
    """A client's framework internals left out (Codex's runtime around its calls): each kept span
    hangs from its nearest kept ancestor, top-level when it has none; errors follow their rows."""
    internal = {"agenttrace.internal": True}
    spans = [
        sp("root", None, 0, 10),
        sp("x", "root", 1, 6, attributes=internal),
        sp("a", "x", 2, 3, status=Status.ERROR),
        sp("y", "x", 3, 5, attributes=internal),
        sp("b", "y", 4, 5),
        sp("c", "root", 7, 8),
        sp("z", "root", 8.5, 9, attributes=internal),
        sp("t", None, 11, 14, attributes=internal),
        sp("d", "t", 12, 13, status=Status.ERROR),
    ]
    whole = tree_of(*spans)
    got = without_internal(whole, {"x", "y", "z", "t"})
    # The same spans stored with the parents they are shown under.
    parents = {"a": "root", "b": "root", "c": "root", "d": None}
    kept = [sp(s.span_id, parents.get(s.span_id, s.parent_span_id), (s.start_ns - BASE) / S, (s.end_ns - BASE) / S,
               status=s.status) for s in spans if s.span_id in {"root", "a", "b", "c", "d"}]
    want = tree_of(*kept)
    assert (got.order, got.depth, got.parent, got.end, got.errors) == (want.order, want.depth, want.parent, want.end, want.errors)
    assert got.order == ["root", "a", "b", "c", "d"] and [got.order[i] for i in got.errors] == ["a", "d"]
    assert got.index == {sid: i for i, sid in enumerate(got.order)} and got.version == whole.version
    assert got.spans is whole.spans  # the same span objects: a row's detail is the span as stored


def test_a_span_lifted_from_under_an_internal_one_takes_its_place_among_its_new_siblings_by_start() -> None:
    """The internal span ``x`` started first, so its subtree came first; the call ``a`` under it
    started after ``c`` and ``b``: shown beside them, it reads after them, as in the tree of the
    kept spans with the parents they are shown under. Spans that start together keep their order."""
    internal = {"agenttrace.internal": True}
    spans = [
        sp("root", None, 0, 20),
        sp("x", "root", 1, 19, attributes=internal),
        sp("a", "x", 6, 7),
        sp("y", "x", 2, 18, attributes=internal),
        sp("e", "y", 12, 13),
        sp("f", "y", 5, 6, status=Status.ERROR),
        sp("c", "root", 3, 4, status=Status.ERROR),
        sp("b", "root", 5, 9),
        sp("b1", "b", 5.5, 6),
        sp("g", "root", 12, 13),
    ]
    whole = tree_of(*spans)
    assert whole.order[:6] == ["root", "x", "y", "f", "e", "a"]
    got = without_internal(whole, {"x", "y"})
    kept = [sp(s.span_id, "root" if s.parent_span_id in {"x", "y"} else s.parent_span_id,
               (s.start_ns - BASE) / S, (s.end_ns - BASE) / S, status=s.status) for s in spans if s.span_id not in {"x", "y"}]
    want = tree_of(*kept)
    assert (got.order, got.depth, got.parent, got.end, got.errors) == (want.order, want.depth, want.parent, want.end, want.errors)
    assert got.order == ["root", "c", "f", "b", "b1", "a", "e", "g"]
    assert [got.order[i] for i in got.errors] == ["c", "f"]


def test_flatten_hides_collapsed_subtrees_and_draws_guides() -> None:
    tree = tree_of(
        sp("root", None, 0, 10),
        sp("a", "root", 1, 5),
        sp("a1", "a", 1, 2),
        sp("a2", "a", 2, 3),
        sp("b", "root", 6, 9),
        sp("b1", "b", 6, 7),
    )
    rows = flatten(tree)
    assert rows.ids == ["root", "a", "a1", "a2", "b", "b1"]
    assert [rows.guides(r) for r in range(len(rows))] == ["", "├─", "│ ├─", "│ └─", "└─", "  └─"]
    assert [rows.disclosure(r) for r in range(len(rows))] == [1, 1, 0, 0, 1, 0]

    rows = flatten(tree, collapsed={"a"})
    assert rows.ids == ["root", "a", "b", "b1"]
    assert rows.disclosure(rows.row_of("a")) == 2
    assert rows.parent_row(rows.row_of("b1")) == rows.row_of("b")
    assert rows.row_of("a1") == -1

    rows = flatten(tree, collapsed={"root"})
    assert rows.ids == ["root"] and rows.disclosure(0) == 2


def test_flatten_with_a_filter_keeps_ancestors_and_guides_follow_visible_rows() -> None:
    tree = tree_of(sp("root", None, 0, 10), sp("a", "root", 1, 5), sp("a1", "a", 1, 2), sp("b", "root", 6, 9))
    visible = with_ancestors(tree, [tree.index["a1"]])
    assert visible == {"root", "a", "a1"}
    rows = flatten(tree, visible=visible)
    assert rows.ids == ["root", "a", "a1"]
    assert rows.guides(1) == "└─"  # b is hidden, so a is the last visible child
    assert [rows.disclosure(r) for r in range(3)] == [1, 1, 0]

    rows = flatten(tree, collapsed={"a"}, visible=visible)
    assert rows.ids == ["root", "a"] and rows.disclosure(1) == 2


def test_deep_chain_has_no_recursion_limit_and_elides_guides() -> None:
    n = 5000
    spans = [sp("s0", None, 0, n)] + [sp(f"s{i}", f"s{i-1}", i * 0.001, n - i * 0.001) for i in range(1, n)]
    tree = tree_of(*spans)
    rows = flatten(tree)
    assert len(rows) == n
    guides = rows.guides(n - 1)
    assert guides.startswith("⋯") and len(guides) <= 2 * 65
    result = analyze(tree, BASE)
    assert len(result.critical) == n


# -- critical path and hotspots ----------------------------------------------------------


def test_critical_path_follows_the_last_finishing_parallel_child() -> None:
    # root waits for B (the longer of two parallel children), then C.
    tree = tree_of(
        sp("root", None, 0, 100),
        sp("A", "root", 0, 60),
        sp("B", "root", 0, 90),
        sp("B1", "B", 0, 30),
        sp("B2", "B", 30, 88),
        sp("C", "root", 90, 100),
    )
    result = analyze(tree, BASE)
    assert set(result.critical) == {"root", "B", "B1", "B2", "C"}
    assert result.critical["B"] == 90 * S
    assert result.critical["B2"] == 58 * S
    assert result.self_ns["B"] == 2 * S  # 88..90 waiting in B itself
    assert result.duration_ns == 100 * S


def test_critical_path_clips_a_child_that_overlaps_the_next_one() -> None:
    # X ends after Y starts: Y is critical, X only up to Y's start.
    tree = tree_of(sp("root", None, 0, 10), sp("X", "root", 0, 6), sp("Y", "root", 4, 10))
    result = analyze(tree, BASE)
    assert result.critical["Y"] == 6 * S
    assert result.critical["X"] == 4 * S


def test_hotspot_is_the_deepest_big_critical_span_like_seed_002() -> None:
    tree = tree_of(
        sp("query", None, 0, 125),
        sp("decompose", "query", 0, 5),
        sp("dag", "query", 5, 124.5),
        sp("task1", "dag", 5, 124),
        sp("rag", "task1", 5, 35),
        sp("embed", "rag", 5, 6.5),
        sp("search", "rag", 6.5, 34),
        sp("react", "task1", 35, 124),
        *[sp(f"iter{i}", "react", 35 + i * 8.9, 35 + (i + 1) * 8.9) for i in range(10)],
        sp("task2", "dag", 5, 50),
        sp("synth", "query", 124.5, 125),
    )
    result = analyze(tree, BASE)
    # search (27.5 s = 22 %) is the deepest >= 20 % span under rag; react (71 %) is
    # spread over ten 7 % iterations, so react itself is the hotspot.
    assert result.hotspots == {"search", "react"}
    assert "task2" not in result.critical  # parallel, finished earlier
    assert "rag" in result.critical and "rag" not in result.hotspots  # merely a parent of a hotspot


def test_parent_with_large_own_time_is_a_hotspot_and_root_only_for_its_own_time() -> None:
    tree = tree_of(sp("root", None, 0, 100), sp("p", "root", 0, 100), sp("k", "p", 0, 30))
    result = analyze(tree, BASE)
    assert result.self_ns["p"] == 70 * S
    assert result.hotspots == {"p", "k"}  # p waits 70 s itself after k; root has no own time

    tree = tree_of(sp("root", None, 0, 100), sp("k", "root", 0, 30))
    assert analyze(tree, BASE).hotspots == {"root", "k"}  # root's own 70 s is a hotspot too


def test_single_span_trace_has_no_hotspot_and_running_spans_use_now() -> None:
    assert analyze(tree_of(sp("only", None, 0, 10)), BASE).hotspots == frozenset()
    tree = tree_of(sp("root", None, 0, None, status=Status.RUNNING), sp("k", "root", 1, None, status=Status.RUNNING))
    result = analyze(tree, BASE + 11 * S)
    assert result.duration_ns == 11 * S
    assert result.critical["k"] == 10 * S
    assert result.hotspots == {"k"}
    assert "HOTSPOT" in HOTSPOT_RULE and "20 %" in HOTSPOT_RULE


# -- filter language ------------------------------------------------------------------


@pytest.fixture
def ftree() -> TraceTree:
    return tree_of(
        sp("root", None, 0, 10, kind=SpanKind.AGENT, agent=AgentInfo(name="Coder")),
        sp(
            "llm1",
            "root",
            0,
            3,
            kind=SpanKind.LLM_CALL,
            llm=LlmInfo(provider="openai", model="gpt-4o-mini"),
            usage=TokenUsage(input=1500, output=300),
            cost=Cost(total=0.02),
        ),
        sp("llm2", "root", 3, 3.05, kind=SpanKind.LLM_CALL, llm=LlmInfo(provider="anthropic", model="claude-sonnet"), usage=TokenUsage(input=10, output=5)),
        sp("grep", "root", 4, 4.5, kind=SpanKind.TOOL_EXECUTION, tool=ToolInfo(name="grep", target="/src/main.rs"), status=Status.ERROR, status_message="exit 2"),
        sp("read", "root", 5, 6, kind=SpanKind.FILE_READ, file=FileInfo(path="/etc/hosts"), attributes={"note": "Vector Search tuned"}),
        sp("slow", "root", 6, 10, name="vector search", kind=SpanKind.RETRIEVAL, rag=RagInfo(query="binary search"), status=Status.TIMEOUT),
    )


def ids(tree: TraceTree, query: str) -> list[str]:
    return [tree.order[i] for i in matching_ids(tree, parse_filter(query), BASE)]


def test_filter_fields(ftree: TraceTree) -> None:
    assert ids(ftree, "status:error") == ["grep", "slow"]  # error includes timeout
    assert ids(ftree, "status:timeout") == ["slow"]
    assert ids(ftree, "kind:llm") == ["llm1", "llm2"]  # alias of llm_call
    assert ids(ftree, "kind:tool") == ids(ftree, "kind:tool_execution") == ["grep"]
    assert ids(ftree, "kind:file") == ["read"]
    assert ids(ftree, "model:gpt-4o") == []  # exact: gpt-4o is not gpt-4o-mini
    assert ids(ftree, "model:gpt-4o*") == ids(ftree, "model:GPT-4O-MINI") == ["llm1"]
    assert ids(ftree, "provider:ANTHROPIC") == ["llm2"]
    assert ids(ftree, "tool:grep") == ["grep"]
    assert ids(ftree, 'name:"vector search"') == ["slow"]
    assert ids(ftree, "agent:coder") == ["root"]
    assert ids(ftree, "path:/src") == ["grep"]
    assert ids(ftree, "session:s") == ftree.order
    assert ids(ftree, "dur>2s") == ["root", "llm1", "slow"]
    assert ids(ftree, "dur<100ms") == ["llm2"]
    assert ids(ftree, "dur>=4s") == ["root", "slow"]
    assert ids(ftree, "cost>0.01") == ["llm1"]
    assert ids(ftree, "tokens>1k") == ["llm1"]
    assert ids(ftree, "tokens<=15") == ["llm2"]
    # GitHub's way of writing a comparison, field:>value, is the same one.
    for plain, colon in (("dur>2s", "dur:>2s"), ("dur>=4s", "dur:>=4s"), ("cost>0.01", "cost:>0.01"),
                         ("tokens<=15", "tokens:<=15"), ("-cost>0.01", "-cost:>0.01")):
        assert ids(ftree, colon) == ids(ftree, plain), colon


def test_filter_free_text_and_combinations(ftree: TraceTree) -> None:
    assert ids(ftree, "SEARCH") == ["read", "slow"]  # name, attribute value, rag query
    assert ids(ftree, "hosts") == ["read"]  # typed part value
    assert ids(ftree, "2 exit") == ["grep"]  # two terms, AND, in any order
    assert ids(ftree, '"2 exit"') == []  # quoted: one phrase
    assert ids(ftree, '"exit 2"') == ["grep"]  # the status message is searched
    assert ids(ftree, "kind:llm dur>1s") == ["llm1"]
    assert ids(ftree, "kind:llm -model:gpt*") == ["llm2"]
    assert ids(ftree, "search -status:error") == ["read"]
    assert ids(ftree, '"kind:llm"') == []  # quoted: literal text, not a field
    assert parse_filter("   ").empty


@pytest.mark.parametrize(
    "query,message",
    [
        ("colour:red", "unknown field 'colour'"),
        ("status:weird", "unknown status 'weird'"),
        ("kind:banana", "unknown kind 'banana'"),
        ("dur>2wk", "unknown duration unit"),
        ("dur:2s", "compare with > or <, e.g. dur>2s"),
        ("cost:lots", r"compare with > or <, e.g. cost>0\.01 \(or cost:\?"),  # a hint that parses
        ("cost:>lots", "not an amount"),
        ("dur:>", "needs a value"),
        ("cost>lots", "not an amount"),
        ("tokens>many", "not a number"),
        ("model>3", "use model:value"),
        ("model:", "needs a value"),
        ('name:"open', "unbalanced"),
    ],
)
def test_filter_errors_say_why(query: str, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        parse_filter(query)


def test_next_index_wraps_or_stops() -> None:
    assert next_index([2, 5, 9], 5) == 9
    assert next_index([2, 5, 9], 9) == 2
    assert next_index([2, 5, 9], 9, wrap=False) is None
    assert next_index([2, 5, 9], 2, forward=False) == 9
    assert next_index([2, 5, 9], 6, forward=False) == 5
    assert next_index([], 0) is None


def test_span_summary_per_kind() -> None:
    llm = sp(
        "l",
        None,
        0,
        1,
        kind=SpanKind.LLM_CALL,
        llm=LlmInfo(model="gpt-4o", stop_reason="tool_call", cached=True),
        usage=TokenUsage(input=2048, output=150, cache_read=1024),
    )
    assert span_summary(llm) == [("", "gpt-4o", False), ("tok", "2.0k→150", True), ("cache", "1.0k", True),
                                 ("stop", "tool_call", False), ("", "cached", False)]
    # A model call's cost sits beside its tokens, before its stop reason.
    priced = sp("p", None, 0, 1, kind=SpanKind.LLM_CALL, llm=LlmInfo(model="gpt-4o", stop_reason="end_turn"),
                usage=TokenUsage(input=2048, output=150), cost=Cost(total=0.013))
    assert span_summary(priced) == [("", "gpt-4o", False), ("tok", "2.0k→150", True), ("", "$0.013", True),
                                    ("stop", "end_turn", False)]
    tool = sp("t", None, 0, 1, tool=ToolInfo(name="filesystem", action="write", target="/src/search.py", status="failed"))
    assert span_summary(tool) == [("tool", "filesystem", False), ("", "write", False), ("", "/src/search.py", False),
                                  ("status", "failed", False)]
    agent = sp("a", None, 0, 1, agent=AgentInfo(name="CodingAgent", iteration=2, state="thinking"))
    assert span_summary(agent) == [("agent", "CodingAgent", False), ("iter", "2", True), ("state", "thinking", False)]
    rag = sp("r", None, 0, 1, rag=RagInfo(query="binary search", sources_found=15))
    assert span_summary(rag) == [("query", "“binary search”", False), ("hits", "15", True)]
    f = sp("f", None, 0, 1, file=FileInfo(operation="read", path="/src/main.rs"), cost=Cost(total=0.5))
    assert span_summary(f) == [("", "read", False), ("", "/src/main.rs", False), ("", "$0.50", True)]
    long = sp("x", None, 0, 1, tool=ToolInfo(target="y" * 1000))
    assert len(span_summary(long, limit=40)[0][1]) == 40


def test_analysis_is_pure_so_the_cli_can_use_it_without_the_ui_stack() -> None:
    code = "import sys, agenttrace_tui.analysis\nprint(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_counted_below_sums_the_usage_below_a_span_once_and_stops_at_a_cycle_or_its_limit() -> None:
    def span(sid: str, parent: str | None, usage: TokenUsage | None = None) -> Span:
        return Span(span_id=sid, trace_id="t", session_id="s", parent_span_id=parent, name=sid,
                    kind=SpanKind.LLM_CALL if usage is not None else SpanKind.AGENT, start_ns=1, end_ns=2, usage=usage)

    spans = {s.span_id: s for s in (
        span("agent", None, TokenUsage(input=999, output=99, scope="subtree")),
        span("sub", "agent", TokenUsage(input=500, output=50, scope="subtree")),  # a sub-agent's sum: not counted
        span("c1", "sub", TokenUsage(input=100, output=10)),
        span("c2", "agent", TokenUsage(input=200, output=20)),
        span("x", "y"), span("y", "x"),  # a parent cycle beside it
    )}
    children: dict[str | None, list[str]] = {}
    for s in spans.values():
        children.setdefault(s.parent_span_id, []).append(s.span_id)
    assert counted_below(spans, children, "agent") == (300, 30)
    assert counted_below(spans, children, "x") == (0, 0)  # the cycle ends the walk
    assert counted_below(spans, children, "agent", limit=2) is None  # past its limit: not said
