"""What a person sees of a recorded client in the real app (Pilot), its recording replayed into
the real monitor over OTLP/HTTP (``test_conformance._replay``).

OpenCode exports ~1,100 spans of its runtime a run: ~90 traces of nothing but framework
internals beside the one of the agent's turn, and runtime spans marked failed where it probes
a file that is not there. The traces pane folds the traces of internals (``i`` lists them); no
count of errors the person reads includes a failed internal span.
"""

from __future__ import annotations

from pathlib import Path

from test_conformance import _replay

from agenttrace_tui.model import Status
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
