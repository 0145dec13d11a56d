"""What a person sees of a recorded client in the real app (Pilot), its recording replayed into
the real monitor over OTLP/HTTP (``test_conformance._replay``).

OpenCode exports ~1,100 spans of its runtime a run: ~90 traces of nothing but framework
internals beside the one of the agent's turn, and runtime spans marked failed where it probes
a file that is not there. The traces pane folds the traces of internals (``i`` lists them); no
count of errors the person reads includes a failed internal span.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from test_conformance import Replay, _replay

from agenttrace_tui.format.numbers import fmt_cost
from agenttrace_tui.model import SpanKind, Status
from agenttrace_tui.ui.app import make_app


async def test_opencode_runtime_traces_are_folded_and_its_failures_are_not_errors(tmp_path: Path) -> None:
    rp = await _replay("opencode", tmp_path / "ui.db")
    sid = rp.sessions["ok"][0]
    store = rp.store
    every = [t.trace_id for t in store.traces_of(sid)]
    internal = {t for t in every if store.traces[t].internal_only}
    turn = [t for t in every if t not in internal]
    assert len(turn) == 1 and len(internal) > 50
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        app.sessions.select_key(sid)
        for _ in range(100):
            if app.traces.keys == turn:
                break
            await pilot.pause(0.05)
        assert app.traces.keys == turn
        assert str(app.traces.border_title) == f"Traces · {len(internal)} internal folded (i shows)"
        row = " ".join(c.plain for c in app.traces.row_cells(turn[0]))
        assert row.split()[-1] == "·"  # its Err column: no error
        trace = store.traces[turn[0]]
        failed = [s for s in trace.spans.values() if s.status is Status.ERROR]
        assert failed and all(s.attributes.get("agenttrace.internal") for s in failed)
        for _ in range(100):
            if app.span_tree.trace_id == turn[0]:
                break
            await pilot.pause(0.05)
        assert app.span_tree.next_error() is False  # the tree lists no error: ``e`` has none to go to
        app.traces.focus()
        await pilot.press("i")
        for _ in range(100):
            if len(app.traces.keys) == len(every):
                break
            await pilot.pause(0.05)
        assert sorted(app.traces.keys) == sorted(every) and str(app.traces.border_title) == "Traces"
        await pilot.press("i")
        for _ in range(100):
            if app.traces.keys == turn:
                break
            await pilot.pause(0.05)
        assert app.traces.keys == turn


async def test_an_opencode_sub_agents_spend_is_its_row_in_the_cost_pane(tmp_path: Path) -> None:
    """OpenCode's task tool runs a greeter sub-agent in a child session inside the turn's trace: the
    cost pane's ``by agent`` rows charge the sub-agent's two calls to ``greeter`` and the turn's own
    three (OpenCode names its primary agent nowhere) to ``(no agent)``, each at genai-prices' price for
    the tokens the fake server served, and the detail of each of the sub-agent's calls and of its read
    says greeter runs it."""
    from test_conformance import CLIENTS, _genai_price, expected_usage

    rp = await _replay("opencode-subagent", tmp_path / "ui.db")
    run = rp.manifest["runs"][0]
    (sid,) = rp.sessions["ok"]
    store = rp.store
    calls = run["fake_calls"]
    handoff = next(i for i, c in enumerate(calls) if c.get("tool_name") == "task")
    spent: dict[str, float] = {}
    for i, call in enumerate(calls):
        agent = "greeter" if handoff < i < len(calls) - 1 else "(no agent)"
        price = _genai_price(call["model"], expected_usage(call, CLIENTS["opencode-subagent"]), int(call["time"] * 1e9))
        spent[agent] = spent.get(agent, 0.0) + price
    rows = sorted(spent.items(), key=lambda kv: -kv[1])
    assert [a for a, _ in rows] == ["(no agent)", "greeter"]
    await _cost_pane_says(store, sid, [(agent, fmt_cost(usd)) for agent, usd in rows])
    (turn,) = [t for t in store.traces_of(sid) if any(s.kind is SpanKind.LLM_CALL for s in t.spans.values())]
    sub = {s.span_id for s in turn.spans.values() if s.kind in (SpanKind.LLM_CALL, SpanKind.TOOL_EXECUTION)
           and s.attributes.get("session.id") not in (None, sid)}  # the spans naming the sub-agent's session
    assert len(sub) == 3  # its two calls and its read
    await _details_say(store, sid, turn, dict.fromkeys(sub, "greeter  runs it"))


#: The glyphs of a waterfall bar (full and partial blocks).
BAR_GLYPHS = frozenset("█▏▎▍▌▋▊▉")


@pytest.mark.parametrize("name", ["langchain_parallel_tools", "pydantic_ai_parallel_tools"])
async def test_tool_calls_run_side_by_side_overlap_in_the_tree(name: str, tmp_path: Path) -> None:
    """A model answer asking for two tool calls at once, run side by side by the client (LangGraph's
    tool node, pydantic-ai): the span tree lists both tool calls, each on its own row with its own
    arguments in the detail, and their waterfall bars overlap (each starts before the other ends)."""
    rp = await _replay(name, tmp_path / "ui.db")
    sid = rp.sessions["ok"][0]
    store = rp.store
    (trace,) = [t for t in store.traces_of(sid) if any(s.kind is SpanKind.TOOL_EXECUTION for s in t.spans.values())]
    tools = sorted((s for s in trace.spans.values() if s.kind is SpanKind.TOOL_EXECUTION), key=lambda s: s.start_ns)
    assert len(tools) == 2
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        app.sessions.select_key(sid)
        for _ in range(100):
            if app.span_tree.trace_id == trace.trace_id:
                break
            await pilot.pause(0.05)
        assert app.span_tree.trace_id == trace.trace_id
        app.span_tree.action_expand_all()
        await pilot.pause()
        order = app.span_tree.visible_span_ids
        bars = []
        for tool in tools:
            assert tool.span_id in order, f"{tool.name} not listed"
            line = app.span_tree.render_line(1 + order.index(tool.span_id)).text  # (line 0: the time scale)
            assert tool.name in line, line
            cells = [i for i, ch in enumerate(line) if ch in BAR_GLYPHS]
            assert cells, line
            bars.append((min(cells), max(cells)))
        (a0, a1), (b0, b1) = bars
        assert b0 <= a1 and a0 <= b1, f"bars {bars} do not overlap"
        # Each its own row and arguments: the two rows' spans are the two calls.
        assert tools[0].tool is not None and tools[1].tool is not None
        assert tools[0].tool.input_preview != tools[1].tool.input_preview


async def test_each_model_call_of_a_handoff_names_the_agent_that_made_it(tmp_path: Path) -> None:
    """A triage agent hands off to a weather agent (the OpenAI Agents SDK, OpenInference): a model
    call's span names no agent, the agent span above it does; its detail says which agent runs it,
    the triage agent's call and handoff the triage agent's, the weather agent's calls and tool its."""
    rp = await _replay("openai_agents_handoff", tmp_path / "ui.db")
    sid = rp.sessions["ok"][0]
    store = rp.store
    (trace,) = store.traces_of(sid)
    spans = sorted(trace.spans.values(), key=lambda s: s.start_ns)
    want = {}
    agent = None
    for s in spans:
        if s.kind is SpanKind.AGENT and s.agent is not None and s.agent.name:
            agent = s.agent.name
        elif s.kind in (SpanKind.LLM_CALL, SpanKind.TOOL_EXECUTION):
            assert s.agent is None  # nothing on the span itself says it
            want[s.span_id] = agent
    assert sorted(want.values()) == ["Triage agent", "Triage agent", "Weather agent", "Weather agent", "Weather agent"]
    await _details_say(store, sid, trace, {span_id: f"{name}  runs it" for span_id, name in want.items()})


@pytest.mark.parametrize("name", ["deepagents", "deepagents_langsmith"])
async def test_each_call_of_a_deep_agent_and_its_sub_agent_names_the_agent_that_made_it(
        name: str, tmp_path: Path) -> None:
    """A Deep Agent (trip-planner) hands a task to its sub-agent (travel-advisor) through its task tool,
    inside whose span the sub-agent's graph runs: each model call's and tool call's detail says which
    agent runs it, the main agent's plan, get_weather, task and its calls trip-planner's, the sub-agent's
    ls and calls travel-advisor's (OpenInference and LangSmith's export alike)."""
    rp = await _replay(name, tmp_path / "ui.db")
    sid = rp.sessions["ok"][0]
    store = rp.store
    (trace,) = store.traces_of(sid)
    want = {}
    for s in trace.spans.values():
        if s.kind in (SpanKind.LLM_CALL, SpanKind.TOOL_EXECUTION):
            up = s
            while up.kind is not SpanKind.AGENT:
                assert up.parent_span_id is not None, s.name
                up = trace.spans[up.parent_span_id]
            assert up.agent is not None and up.agent.name
            want[s.span_id] = up.agent.name
    assert sorted(want.values()) == ["travel-advisor"] * 3 + ["trip-planner"] * 7
    await _details_say(store, sid, trace, {span_id: f"{agent}  runs it" for span_id, agent in want.items()})


@asynccontextmanager
async def _trace_open(store: Any, sid: str, trace_id: str) -> AsyncIterator[tuple[Any, Any]]:
    """The real app on ``store`` with session ``sid`` selected, its one trace ``trace_id`` listed and
    the span tree focused: (app, pilot)."""
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        app.sessions.select_key(sid)
        for _ in range(100):
            if app.traces.keys == [trace_id]:
                break
            await pilot.pause(0.05)
        app.span_tree.focus()
        yield app, pilot


async def _details_say(store, sid: str, trace, agent_rows: dict[str, str]) -> None:
    """In the real app, each span's detail (span id -> its text) has that ``agent`` row."""
    async with _trace_open(store, sid, trace.trace_id) as (app, pilot):
        for span_id, text in agent_rows.items():
            app.span_tree.select_span(span_id)
            for _ in range(100):
                rows = [ln.split(None, 1) for ln in app.detail.plain().splitlines()]
                if ["agent", text] in rows:
                    break
                await pilot.pause(0.05)
            assert ["agent", text] in rows, (trace.spans[span_id].name, app.detail.plain())


async def test_each_model_call_of_an_adk_transfer_names_its_agent_and_the_transfer_is_a_tool_call(
        tmp_path: Path) -> None:
    """A root agent transfers to its sub-agent (Google ADK's ``transfer_to_agent``): ADK names the
    agent on every span, so each model call's and tool call's detail says its agent (the root
    agent's call and transfer the root agent's, the weather agent's calls and tool its), and the
    transfer is the successful tool call its call id says, no failed or second one."""
    rp = await _replay("google_adk_multiagent", tmp_path / "ui.db")
    sid = rp.sessions["ok"][0]
    store = rp.store
    (trace,) = store.traces_of(sid)
    spans = sorted(trace.spans.values(), key=lambda s: s.start_ns)
    want = {s.span_id: s.agent.name for s in spans if s.kind in (SpanKind.LLM_CALL, SpanKind.TOOL_EXECUTION)
            and s.agent is not None}
    assert sorted(want.values()) == ["root_agent", "root_agent", "weather_agent", "weather_agent", "weather_agent"]
    transfers = [s for s in spans if s.tool is not None and s.tool.name == "transfer_to_agent"]
    assert [(s.status, s.tool.call_id, want[s.span_id]) for s in transfers if s.tool is not None] == [
        (Status.OK, rp.manifest["runs"][0]["fake_calls"][0]["tool_call_id"], "root_agent")]
    await _details_say(store, sid, trace, want)


def _agents_of_calls(spans: dict) -> dict[str, str]:
    """Span id -> the agent that runs it (the nearest agent span above it that names its agent), for
    each model call and tool call of ``spans`` (by span id)."""
    want = {}
    for s in spans.values():
        if s.kind in (SpanKind.LLM_CALL, SpanKind.TOOL_EXECUTION):
            up = s
            while not (up.kind is SpanKind.AGENT and up.agent is not None and up.agent.name):
                assert up.parent_span_id is not None, s.name
                up = spans[up.parent_span_id]
            want[s.span_id] = up.agent.name
    return want


def _agent_rows(lines: list[str], n: int) -> list[tuple[str, str]]:
    """The first ``n`` rows under the cost pane's ``by agent`` heading: (agent, figure)."""
    if " by agent" not in lines:
        return []
    at = lines.index(" by agent")
    return [(re.split(r"\s{2,}|[█▏▎▍▌▋▊▉]", line.strip())[0].strip(), line.split()[-1])
            for line in lines[at + 1:at + 1 + n]]


async def _cost_pane_says(store, sid: str, rows: list[tuple[str, str]]) -> list[str]:
    """In the real app, the cost pane of session ``sid`` has these ``by agent`` rows first, in order
    ((agent, figure)); returns its lines."""
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(200):  # the pane follows the selected session on its next draw
            if app.selected_session_id != sid:
                app.jump_to_session(sid)
            lines = app.cost.plain().split("\n")
            if _agent_rows(lines, len(rows)) == rows:
                break
            await pilot.pause(0.05)
    assert _agent_rows(lines, len(rows)) == rows, "\n".join(lines)
    return lines


async def test_each_agent_of_a_crew_has_its_calls_and_its_row_in_the_cost_pane(tmp_path: Path) -> None:
    """A CrewAI crew of two agents, each with its own task (OpenInference names an agent only as the
    ``graph.node.id`` of its task's span): each model call's and tool call's detail says which agent
    runs it, the researcher's two calls and get_weather its, the writer's call its; the cost pane's
    ``by agent`` rows say what each spent, costliest first, the figures of the live store."""
    rp = await _replay("crewai_crew", tmp_path / "ui.db")
    sid = rp.sessions["ok"][0]
    store = rp.store
    (trace,) = store.traces_of(sid)
    want = _agents_of_calls(trace.spans)
    assert all(trace.spans[span_id].agent is None for span_id in want)  # nothing on the span itself says it
    assert sorted(want.values()) == ["Weather researcher"] * 3 + ["Weather writer"]
    await _details_say(store, sid, trace, {span_id: f"{name}  runs it" for span_id, name in want.items()})
    live, _waiting = store.agent_costs(sid)
    assert [agent for agent, _b in live] == ["Weather researcher", "Weather writer"]
    await _cost_pane_says(store, sid, [(agent, fmt_cost(b.cost)) for agent, b in live])


@pytest.mark.parametrize("name", ["agno_team", "agno_team_openllmetry"])
async def test_an_agno_teams_calls_name_their_agents_and_the_cost_pane_shows_each_agents_spend(
        name: str, tmp_path: Path) -> None:
    """An Agno Team's leader delegates to its two members by its ``delegate_task_to_member`` tool, inside
    whose span each member's run is an agent span of its own: each model call's and tool call's detail
    says the agent that made it (the leader's three calls and two delegations the team's, the weather
    agent's two calls and get_weather its, the writer's call its), and the cost pane's `by agent` rows
    show the three agents, costliest first, each at what the live store charged it. OpenInference and
    OpenLLMetry (whose team span names the team as ``agno.team.name`` alone) alike."""
    rp = await _replay(name, tmp_path / "ui.db")
    sid = rp.sessions["ok"][0]
    store = rp.store
    traces = store.traces_of(sid)
    want = _agents_of_calls({s.span_id: s for t in traces for s in t.spans.values()})
    assert sorted(want.values()) == ["Weather Agent"] * 3 + ["Weather Team"] * 5 + ["Writer Agent"]
    (trace,) = {t for t in traces if any(s.span_id in want for s in t.spans.values())}
    await _details_say(store, sid, trace, {span_id: f"{name}  runs it" for span_id, name in want.items()})
    live, _waiting = store.agent_costs(sid)
    assert [a for a, _ in live] == ["Weather Team", "Weather Agent", "Writer Agent"]
    await _cost_pane_says(store, sid, [(a, fmt_cost(b.cost)) for a, b in live])


async def test_an_agency_swarm_agencys_details_and_cost_pane_say_which_agent_spent_what(tmp_path: Path) -> None:
    """An Agency Swarm agency traced by AgentOps: the CEO asks the Worker through send_message, inside whose
    span the Worker's run is an agent span of its own. Each model call's and tool call's detail says the agent
    that made it (the CEO's two calls and send_message its, the Worker's two calls and get_weather its), and
    the cost pane's `by agent` rows show both agents at what the live store charged them."""
    rp = await _replay("agency_swarm", tmp_path / "ui.db")
    sid = rp.sessions["ok"][0]
    store = rp.store
    (trace,) = store.traces_of(sid)
    want = _agents_of_calls(trace.spans)
    assert sorted(want.values()) == ["CEO"] * 3 + ["Worker"] * 3
    await _details_say(store, sid, trace, {span_id: f"{name}  runs it" for span_id, name in want.items()})
    live, _waiting = store.agent_costs(sid)
    assert {a for a, _ in live} == {"CEO", "Worker"}
    await _cost_pane_says(store, sid, [(a, fmt_cost(b.cost)) for a, b in live])


async def test_an_autogen_teams_cost_pane_and_details_say_which_agent_spent_what(tmp_path: Path) -> None:
    """An AutoGen AgentChat team (RoundRobinGroupChat: a weather agent with get_weather, then a writer):
    the cost pane's session section has a row per agent, the weather agent's two calls and the writer's
    one at genai-prices' price for the tokens the fake server served them, costliest first, and no row
    for the agent runtime's spans of the messages between them (which spend nothing); each model call's
    and tool call's detail says which agent runs it."""
    from test_conformance import CLIENTS, _genai_price, expected_usage

    rp = await _replay("autogen_team", tmp_path / "ui.db")
    run = rp.manifest["runs"][0]
    sid = rp.sessions["ok"][0]
    store = rp.store
    spent: dict[str, float] = {}
    for call in run["fake_calls"]:
        agent = "weather_agent" if call["kind"] in ("tool_call", "final") else "writer"
        price = _genai_price(call["model"], expected_usage(call, CLIENTS["autogen_team"]), int(call["time"] * 1e9))
        spent[agent] = spent.get(agent, 0.0) + price
    assert list(spent) == ["weather_agent", "writer"] and spent["weather_agent"] > spent["writer"]
    # (The session's other traces are autogen-core's one-span ``create_agent`` traces.)
    (trace,) = [t for t in store.traces_of(sid) if any(s.kind is SpanKind.LLM_CALL for s in t.spans.values())]
    want = _agents_of_calls(trace.spans)
    assert sorted(want.values()) == ["weather_agent"] * 3 + ["writer"]
    lines = await _cost_pane_says(store, sid, [(agent, fmt_cost(usd)) for agent, usd in spent.items()])
    assert lines[0] == "session autogen-team-recording", lines
    # The runtime's spans spend nothing: no row of theirs.
    assert not any(line.strip().startswith("(no agent)") for line in lines), lines
    await _details_say(store, sid, trace, {span_id: f"{agent}  runs it" for span_id, agent in want.items()})


async def test_an_agent_framework_workflows_cost_pane_and_details_say_which_agent_spent_what(tmp_path: Path) -> None:
    """A Microsoft Agent Framework workflow of two agent executors traced through OpenInference's processor
    (weather-agent with get_weather, then writer-agent): the cost pane's session section has a row per agent,
    the weather agent's two calls and the writer's one at genai-prices' price for the tokens the fake server
    served them, costliest first, each call once though every agent span repeats its calls' sum; no row for
    the workflow's own spans; each model call's and tool call's detail says which agent runs it."""
    from test_conformance import CLIENTS, _genai_price, expected_usage

    name = "agent_framework_openinference_workflow"
    rp = await _replay(name, tmp_path / "ui.db")
    run = rp.manifest["runs"][0]
    sid = rp.sessions["ok"][0]
    store = rp.store
    spent: dict[str, float] = {}
    for call in run["fake_calls"]:
        agent = "weather-agent" if call["kind"] in ("tool_call", "final") else "writer-agent"
        price = _genai_price(call["model"], expected_usage(call, CLIENTS[name]), int(call["time"] * 1e9))
        spent[agent] = spent.get(agent, 0.0) + price
    assert list(spent) == ["weather-agent", "writer-agent"] and spent["weather-agent"] > spent["writer-agent"]
    # (The session's other trace is the workflow's one-span ``workflow.build``.)
    (trace,) = [t for t in store.traces_of(sid) if any(s.kind is SpanKind.LLM_CALL for s in t.spans.values())]
    want = _agents_of_calls(trace.spans)
    assert sorted(want.values()) == ["weather-agent"] * 3 + ["writer-agent"]
    lines = await _cost_pane_says(store, sid, [(agent, fmt_cost(usd)) for agent, usd in spent.items()])
    assert not any(line.strip().startswith("(no agent)") for line in lines), lines
    await _details_say(store, sid, trace, {span_id: f"{agent}  runs it" for span_id, agent in want.items()})


async def test_a_strands_swarms_cost_pane_and_details_say_which_agent_spent_what(tmp_path: Path) -> None:
    """A Strands Swarm (a triage agent handing off to a weather agent): the cost pane's session section has a
    row per agent, each at genai-prices' price for the tokens the fake server served its calls (the triage
    agent's handoff call and the call reading its result; the weather agent's others), each call once though
    each agent span repeats its calls' sum; no row for the swarm's run; each model call's and tool call's
    detail says which agent runs it, and the handoff's detail shows the arguments it was called with."""
    from test_conformance import CLIENTS, _genai_price, expected_usage

    name = "strands_swarm"
    rp = await _replay(name, tmp_path / "ui.db")
    run = rp.manifest["runs"][0]
    sid = rp.sessions["ok"][0]
    store = rp.store
    handoff = next(i for i, c in enumerate(run["fake_calls"]) if c.get("tool_name") == "handoff_to_agent")
    spent: dict[str, float] = {}
    for i, call in enumerate(run["fake_calls"]):
        agent = "triage_agent" if i <= handoff + 1 else "weather_agent"
        price = _genai_price(call["model"], expected_usage(call, CLIENTS[name]), int(call["time"] * 1e9))
        spent[agent] = spent.get(agent, 0.0) + price
    (trace,) = store.traces_of(sid)
    want = _agents_of_calls(trace.spans)
    assert sorted(want.values()) == ["triage_agent"] * 3 + ["weather_agent"] * 3
    live, _waiting = store.agent_costs(sid)
    assert {a: pytest.approx(b.cost) for a, b in live} == spent
    lines = await _cost_pane_says(store, sid, [(a, fmt_cost(b.cost)) for a, b in live])
    assert not any(line.strip().startswith("(no agent)") for line in lines), lines
    await _details_say(store, sid, trace, {span_id: f"{agent}  runs it" for span_id, agent in want.items()})
    (tool,) = [s for s in trace.spans.values() if s.name == "execute_tool handoff_to_agent"]
    async with _trace_open(store, sid, trace.trace_id) as (app, pilot):
        app.span_tree.select_span(tool.span_id)
        args = json.dumps(rp.manifest["fakellm_tool_answers"]["handoff_to_agent"][0])
        for _ in range(100):
            lines = app.detail.plain().splitlines()
            shown = [lines[i + 1].strip() for i, line in enumerate(lines[:-1]) if line.startswith("── tool input")]
            if shown == [args]:
                break
            await pilot.pause(0.05)
        assert shown == [args], app.detail.plain()


async def _tool_cost_rows(rp: Replay, n: int) -> list[list[str]]:
    """The first ``n`` rows (cells split) of the cost pane's tools table for the ok run's session."""
    sid = rp.sessions["ok"][0]
    app = make_app(store=rp.store)
    heading = " tools by LLM cost  calls  decided consumed"
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(200):  # the pane follows the selected session on its next draw
            if app.selected_session_id != sid:
                app.jump_to_session(sid)
            lines = app.cost.plain().split("\n")
            if heading in lines:
                break
            await pilot.pause(0.05)
    assert heading in lines, "\n".join(lines)
    at = lines.index(heading)
    return [ln.split() for ln in lines[at + 1:at + 1 + n]]


@pytest.mark.parametrize(("name", "sep"), [("claude-code-mcp", "__"), ("gemini-cli-mcp", "_"), ("copilot-cli-mcp", "-")])
async def test_an_agent_clis_mcp_tool_is_shown_with_its_server_and_tool_in_the_cost_pane(
        name: str, sep: str, tmp_path: Path) -> None:
    """An agent CLI names a tool of an MCP server with the server in it, longer than the cost pane's tool
    column: Claude Code ``mcp__<server>__<tool>``, Gemini CLI ``mcp_<server>_<tool>``, GitHub Copilot CLI
    ``<server>-<tool>`` (the server named on its span). Its row keeps the tool whole and the server's start
    (``weat…__get_weather``, not ``mcp__weather__get…``: two tools of one server, such as Copilot's built-in
    ``github-mcp-server``'s, one cut-off name), with its one call and the spend of the model calls that decided
    it and read its result (Gemini CLI's each in a trace of its own) at genai-prices' price for the tokens the
    fake server served them, thinking and cached tokens in."""
    from test_conformance import CLIENTS, _genai_price, expected_usage

    rp = await _replay(name, tmp_path / "ui.db")
    asked, answered = rp.manifest["runs"][0]["fake_calls"][-2:]
    assert asked["tool_name"].endswith(f"weather{sep}get_weather") and answered["kind"] == "final"
    decided, consumed = (_genai_price(c["model"], expected_usage(c, CLIENTS[name]), int(c["time"] * 1e9))
                         for c in (asked, answered))
    (row,) = await _tool_cost_rows(rp, 1)
    assert row[1:] == ["1", fmt_cost(decided), fmt_cost(consumed)], row
    server, _sep, tool = row[0].partition(sep)
    assert tool == "get_weather" and server and "weather".startswith(server.rstrip("…")), row


async def test_droids_mcp_tool_is_shown_with_its_server_and_tool_in_the_cost_pane(tmp_path: Path) -> None:
    """Factory's Droid names a tool of an MCP server ``<server>___<tool>`` (``weather___get_weather``), longer
    than the cost pane's tool column, and names the server nowhere else: its row keeps the tool whole and the
    server's start (``wea…___get_weather``, not ``weather___get_wea…``), with its one call; Droid sends no token
    count and its custom model is priced by no list, so the spend of the calls that decided it and read its
    result is not known (``$?``), as the loading of it by ``ToolSearch``, its own row."""
    rp = await _replay("droid-mcp", tmp_path / "ui.db")
    called = [c["tool_name"] for c in rp.manifest["runs"][0]["fake_calls"] if c.get("tool_call_id")]
    assert called == ["ToolSearch", "weather___get_weather"]
    rows = sorted(await _tool_cost_rows(rp, 2))
    assert rows == [["ToolSearch", "1", fmt_cost(None), fmt_cost(None)],
                    [rows[1][0], "1", fmt_cost(None), fmt_cost(None)]], rows
    server, _sep, tool = rows[1][0].partition("___")
    assert tool == "get_weather" and server and "weather".startswith(server.rstrip("…")), rows


@pytest.mark.parametrize(("name", "tool", "result"), [
    ("copilot-cli-mcp", "weather-get_weather", "Sunny, 22 C in Paris"),
    ("claude-code-mcp", "mcp__weather__get_weather", '{"result":"Sunny, 22 C in Paris"}'),
    ("claude-code-subagent-mcp", "mcp__weather__get_weather", '{"result":"Sunny, 22 C in Paris"}'),
    ("droid-mcp", "weather___get_weather", "Sunny, 22 C in Paris")])
async def test_an_agent_clis_mcp_tool_call_names_its_server_in_its_detail(
        name: str, tool: str, result: str | None, tmp_path: Path) -> None:
    """GitHub Copilot CLI and Claude Code name the MCP server of a tool call on its span (Claude Code on its
    event too), Factory's Droid in the tool's name (``<server>___<tool>``): the call's detail says it beside the tool, and the result where the client sent it (Copilot's
    span; Claude Code's with ``OTEL_LOG_TOOL_CONTENT``, its span's ``tool.output`` event: its first line, the
    result's text)."""
    rp = await _replay(name, tmp_path / "ui.db")
    sid = rp.sessions["ok"][0]
    # The tool call's detail names the server beside the tool.
    (trace,) = [t for t in rp.store.traces_of(sid) if any(s.kind is SpanKind.TOOL_EXECUTION for s in t.spans.values())]
    (span_id,) = [i for i, s in trace.spans.items() if s.kind is SpanKind.TOOL_EXECUTION
                  and s.tool is not None and s.tool.name == tool]
    want = ["tool", f"{tool}  MCP server weather"]
    async with _trace_open(rp.store, sid, trace.trace_id) as (app, pilot):
        app.span_tree.select_span(span_id)
        for _ in range(100):
            rows = [ln.split(None, 1) for ln in app.detail.plain().splitlines()]
            if want in rows:
                break
            await pilot.pause(0.05)
        lines = [ln.strip() for ln in app.detail.plain().splitlines()]
    assert want in rows, app.detail.plain()
    heads = [i for i, ln in enumerate(lines) if ln.endswith(" tool output")]  # the section's rule and title
    assert bool(heads) == (result is not None), lines
    if result is not None:
        assert lines[heads[0] + 1] == result, lines


async def test_each_codex_turn_is_a_row_of_the_traces_pane_named_by_its_prompt(tmp_path: Path) -> None:
    """Codex names every turn's root span ``turn/start``: the traces pane lists the two turns of a
    resumed conversation by the prompts the recorder sent (``test_codex_turn_names``), not as two
    rows of one name."""
    from test_codex_turn_names import prompts_sent

    rp = await _replay("codex-resume", tmp_path / "ui.db")
    (sid,) = rp.sessions["ok"]
    sent = {tid: p for tid, p in prompts_sent("codex-resume").items() if rp.store.traces[tid].session_id == sid}
    assert len(set(sent.values())) == 2
    app = make_app(store=rp.store)
    async with app.run_test(size=(160, 48)) as pilot:
        app.sessions.select_key(sid)
        for _ in range(100):
            if set(sent) <= set(app.traces.keys):
                break
            await pilot.pause(0.05)
        rows = {tid: " ".join(c.plain for c in app.traces.row_cells(tid)) for tid in sent}
        for tid, prompt in sent.items():
            assert prompt in rows[tid] and "turn/start" not in rows[tid], rows[tid]
