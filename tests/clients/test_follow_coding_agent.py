"""Following a coding agent, the app stays on its turn once the agent is done.

Codex keeps the events of a session that belong to no turn (its ``codex.conversation_starts``,
its exit) on the session's log, a trace of its own whose last event comes after the turn:
with follow on, the app went from the turn (its model calls, its tool call) to that row of
events as soon as the turn ended. Replays of the real recordings into the real Monitor, the
real app through Pilot.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_conformance import _replay

from agenttrace_tui.model import SESSION_LOG_NAME, SpanKind
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
