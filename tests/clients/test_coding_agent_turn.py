"""Reading a coding agent's turn in the app: follow stays on it, and its tree shows the agent's own spans.

* Codex keeps the events of a session that belong to no turn (its ``codex.conversation_starts``,
  its exit) on the session's log, a trace of its own whose last event comes after the turn:
  with follow on, the app went from the turn (its model calls, its tool call) to that row of
  events as soon as the turn ended.
* A Codex turn is some 400 spans of its runtime (``agenttrace.internal``) around five of its
  own, its model calls 9 levels down and its tool call 12: the tree leaves the internals out,
  each span under its nearest own ancestor, until ``i`` shows them; ``traces show`` the same,
  until ``--internal``.

Replays of the real recordings into the real Monitor, the real app through Pilot.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_conformance import _replay

from agenttrace_tui import cli
from agenttrace_tui.model import INTERNAL_ATTR, SESSION_LOG_NAME, SpanKind
from agenttrace_tui.ui.app import make_app


@pytest.mark.parametrize("name", ["codex", "codex-run"])
def test_follow_stays_on_the_turn_not_the_sessions_log(name: str, tmp_path: Path) -> None:
    rp = asyncio.run(_replay(name, tmp_path / "replay.db", order="spans first"))
    store = rp.store

    async def main() -> None:
        app = make_app(store=store)
        app.follow = True
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(200):
                if app.selected_session_id is not None and app.traces.cursor_key is not None:
                    break
                await pilot.pause(0.05)
            await pilot.pause(0.3)
            keys = app.traces.keys
            # The session's log is the newest row (else this proves nothing), and the cursor is on the turn.
            assert store.traces[keys[-1]].name == SESSION_LOG_NAME, [store.traces[k].name for k in keys]
            turn = store.traces[app.traces.cursor_key]
            assert turn.name != SESSION_LOG_NAME and app.span_tree.trace_id == turn.trace_id
            assert any(sp.kind is SpanKind.LLM_CALL for sp in turn.spans.values()), turn.name

    asyncio.run(main())


@pytest.mark.parametrize("name", ["codex", "codex-run"])
def test_a_turns_tree_shows_the_agents_own_spans_and_i_shows_the_internals(name: str, tmp_path: Path) -> None:
    store = asyncio.run(_replay(name, tmp_path / "replay.db", order="spans first")).store

    async def main() -> None:
        app = make_app(store=store)
        app.follow = True  # onto the newest session's turn (the test above)
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(200):
                if app.traces.cursor_key is not None and app.span_tree.trace_id == app.traces.cursor_key:
                    break
                await pilot.pause(0.05)
            await pilot.pause(0.3)
            turn = store.traces[app.span_tree.trace_id]
            own = {sid for sid, sp in turn.spans.items() if not sp.attributes.get(INTERNAL_ATTR)}
            calls = {sid for sid, sp in turn.spans.items() if sp.kind in (SpanKind.LLM_CALL, SpanKind.TOOL_EXECUTION)}
            assert calls and calls <= own and len(own) < len(turn.spans) / 10  # (else this proves little)
            tree = app.span_tree
            shown = tree.visible_span_ids
            assert set(shown) == own
            await pilot.press("i")
            await wait_until(pilot, lambda: len(tree.visible_span_ids) == len(turn.spans))
            await pilot.press("i")
            await wait_until(pilot, lambda: tree.visible_span_ids == shown)

    asyncio.run(main())


async def wait_until(pilot, cond, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        assert loop.time() < deadline, "condition not met in time"
        await pilot.pause(0.05)


def test_traces_show_leaves_the_internals_out_until_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rp = asyncio.run(_replay("codex-run", tmp_path / "replay.db"))
    (sid,) = rp.sessions["ok"]
    (turn,) = [t for t in rp.store.traces_of(sid) if any(sp.kind is SpanKind.LLM_CALL for sp in t.spans.values())]
    own = [sp for sp in turn.spans.values() if not sp.attributes.get(INTERNAL_ATTR)]
    capsys.readouterr()
    assert cli.main(["traces", "show", turn.trace_id, "--db", str(rp.db), "--no-attributes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # The trace line (its one root, merged), a line per other span of the agent's own, the note.
    assert len(lines) == len(own) + 1
    assert {ln.split("[Span: ")[1].rstrip("]") for ln in lines[1:-1]} == {sp.name for sp in own} - {lines[0][8:].split("]")[0]}
    assert lines[-1] == (f"{len(turn.spans) - len(own)} of the {len(turn.spans)} spans are a client's framework "
                         "internals, not shown (--internal shows them).")
    assert cli.main(["traces", "show", turn.trace_id, "--db", str(rp.db), "--no-attributes", "--internal"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(turn.spans)
