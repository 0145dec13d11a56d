"""A Gemini CLI session resumed in a second process, as a person sees it in the app.

``fixtures/gemini-cli-resume/`` (README: "A resumed Gemini CLI session") is ``gemini -p <prompt>``,
then ``gemini -p <prompt 2> --resume latest`` in the same HOME and directory; both processes name
the same ``session.id``. Replayed into a real Monitor (``test_conformance._replay``), the app's
session list shows one row for it, named by the first prompt, whose tokens and cost are the
store's (checked against the fake LLM and genai-prices in ``test_conformance``), and its cost pane
the same figures with the cache reads the resumed turn's calls were served.
"""

from __future__ import annotations

from pathlib import Path

from test_claude_resume import cost_pane_shows_totals
from test_conformance import _replay

from agenttrace_tui.normalize import conventions as cv
from agenttrace_tui.ui import fmt
from agenttrace_tui.ui.app import make_app


async def test_the_app_shows_one_row_named_by_the_first_prompt_with_both_processes_figures(tmp_path: Path) -> None:
    rp = await _replay("gemini-cli-resume", tmp_path / "resume.db")
    (sid,) = rp.sessions["ok"]
    totals = rp.store.sessions[sid].totals
    served = [c for r in rp.manifest["runs"] if r["label"] == "ok" for c in r["fake_calls"] if c["usage"]]
    assert totals.cache_read == sum(c["usage_normalized"]["cached"] for c in served)
    app = make_app(store=rp.store)
    async with app.run_test(size=(200, 48)) as pilot:
        await cost_pane_shows_totals(app, pilot, sid, totals)
        row = [c.plain.strip() for c in app.sessions.row_cells(sid)]
        assert fmt.tokens(totals.tokens) in row and fmt.sum_cost(totals, 0, app.sessions.cost_digits, None) in row
        first = cv.prompt_name(rp.manifest["prompts"][0])
        assert any(cell and first.startswith(cell.rstrip("…")) for cell in row), row
        assert sorted(app.sessions.keys) == sorted(s for r in ("ok", "error") for s in rp.sessions[r])
