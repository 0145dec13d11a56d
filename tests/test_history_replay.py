"""Replay engine: order, pacing, speed, pause, seek, step and error jump on a fake clock."""

from __future__ import annotations

import asyncio

from agenttrace_tui.history.replay import INSTANT, ListSource, Player
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import Session, Span, SpanKind, Status, TokenUsage
from agenttrace_tui.store.memory import Store

S = 1_000_000_000
T0 = 1_700_000_000 * S


class FakeClock:
    def __init__(self) -> None:
        self.now = 5 * S

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> int:
        self.now += int(seconds * S)
        return self.now


def _span(sid, name, start, end, parent=None, status=Status.OK, trace="t1", **kw):
    return Span(
        span_id=sid,
        trace_id=trace,
        session_id="s1",
        name=name,
        start_ns=T0 + int(start * S),
        end_ns=None if end is None else T0 + int(end * S),
        parent_span_id=parent,
        status=status,
        **kw,
    )


def spans():
    return [
        _span("root", "orchestrator", 0, 10),
        _span("a", "llm_planning_call", 1, 3, "root", kind=SpanKind.LLM_CALL, usage=TokenUsage(input=100, output=20)),
        _span("b", "tool_execute", 2, 8, "root", Status.ERROR, kind=SpanKind.TOOL_EXECUTION),
        _span("c", "synthesize", 9, 9.5, "root"),
        _span("d", "validate", 30, 31, "root", Status.TIMEOUT, trace="t2"),
    ]


def make(speed=1.0, **kw):
    clock = FakeClock()
    src = ListSource(spans(), {"s1": Session(id="s1", name="replayed")})
    player = Player(src, "s1", Pipeline(Store()), clock, speed=speed, **kw)
    return player, clock, src


def state(player):
    """span id -> 'running' | status value, for every span in the store."""
    out = {}
    for tr in player.store.traces.values():
        for sp in tr.spans.values():
            out[sp.span_id] = sp.status.value
    return out


def test_events_follow_original_pace_at_1x():
    player, clock, _ = make()
    assert player.store.sessions["s1"].session.name == "replayed"
    assert player.tick() == 1  # the root starts at once
    assert state(player) == {"root": "running"}
    clock.advance(0.99)
    assert player.tick() == 0
    clock.advance(0.02)
    player.tick()
    assert state(player) == {"root": "running", "a": "running"}
    span_a = player.store.span("t1", "a")
    assert span_a.usage is None and span_a.end_ns is None  # tokens come with the end
    clock.advance(1.0)  # t = 2.01: b started
    player.tick()
    assert state(player)["b"] == "running"
    clock.advance(1.0)  # t = 3.01: a ended
    player.tick()
    assert state(player)["a"] == "ok"
    assert player.store.span("t1", "a").usage.input == 100
    assert player.store.totals.input_tokens == 100
    clock.advance(5.0)  # t = 8.01: b ended with an error
    player.tick()
    assert state(player)["b"] == "error"
    assert player.position_ns == T0 + int(8.01 * S)


def test_speed_scales_pace_and_can_change_mid_play():
    player, clock, _ = make(speed=2.0)
    player.tick()
    clock.advance(0.5)  # 1 s of session time at 2x
    player.tick()
    assert "a" in state(player)
    player.set_speed(10.0)
    clock.advance(0.2)  # +2 s of session time -> t = 3.0
    player.tick()
    assert state(player)["a"] == "ok"
    player.set_speed(0.5)
    clock.advance(2.0)  # +1 s -> t = 4.0: nothing new
    assert player.tick() == 0
    assert player.position_ns == T0 + 4 * S
    assert player.speed == 0.5


def test_instant_applies_everything_in_order():
    seen = []
    player, _clock, _ = make(speed=INSTANT)
    player.pipeline.taps.append(lambda ups: seen.extend((u.span_id, u.end_ns is None) for u in ups if isinstance(u, Span)))
    player.tick()
    assert player.finished
    assert seen == [
        ("root", True), ("a", True), ("b", True), ("a", False), ("b", False),
        ("c", True), ("c", False), ("root", False), ("d", True), ("d", False),
    ]
    assert state(player) == {"root": "ok", "a": "ok", "b": "error", "c": "ok", "d": "timeout"}
    assert player.events_applied == 10
    assert player.progress == 1.0


def test_pause_freezes_position():
    player, clock, _ = make()
    player.tick()
    player.pause()
    clock.advance(100)
    assert player.tick() == 0
    assert state(player) == {"root": "running"}
    player.resume()
    clock.advance(1.5)
    player.tick()
    assert set(state(player)) == {"root", "a"}


def test_seek_forward_and_back_rebuilds_the_store():
    resets = []
    player, clock, _ = make(on_reset=resets.append)
    player.tick()
    player.seek_by(5 * S)  # t = 5
    assert state(player) == {"root": "running", "a": "ok", "b": "running"}
    first_store = player.store
    player.seek_by(-3 * S)  # t = 2: b has just started, a is still running
    assert state(player) == {"root": "running", "a": "running", "b": "running"}
    assert resets == [player.store] and player.store is not first_store
    assert player.position_ns == T0 + 2 * S
    # playback continues from there: a ends at t = 3
    clock.advance(1.0)
    player.tick()
    assert state(player)["a"] == "ok"
    # far back clamps to the start
    player.seek_by(-1000 * S)
    assert player.position_ns == T0 and state(player) == {"root": "running"}


def test_step_next_and_previous_span_start():
    player, _clock, _ = make()
    assert player.step_next() == T0  # the root's start
    assert player.paused
    assert player.step_next() == T0 + 1 * S
    assert player.step_next() == T0 + 2 * S
    assert player.step_next() == T0 + 9 * S  # skips the ends at 3 and 8
    assert state(player) == {"root": "running", "a": "ok", "b": "error", "c": "running"}
    assert player.step_prev() == T0 + 2 * S
    assert state(player) == {"root": "running", "a": "running", "b": "running"}
    assert player.step_prev() == T0 + 1 * S
    assert set(state(player)) == {"root", "a"}


def test_next_error_jumps_and_restores_when_none_left():
    player, _clock, _ = make()
    player.tick()
    err = player.next_error()
    assert err is not None and err.span_id == "b"
    assert player.position_ns == T0 + 8 * S and state(player)["b"] == "error"
    err = player.next_error()
    assert err is not None and err.span_id == "d" and err.status is Status.TIMEOUT
    pos = player.position_ns
    assert player.next_error() is None
    assert player.position_ns == pos and state(player)["d"] == "timeout"


def test_reads_lazily():
    many = [_span(f"s{i}", "x", i, i + 0.5, trace=f"t{i}") for i in range(10_000)]
    src = ListSource(many)
    player = Player(src, "s1", clock=FakeClock())
    player.tick()
    assert src.pulled <= 2  # the first span and one look-ahead
    assert player.store.span_count == 1


def test_idle_gaps_can_be_compressed():
    player, clock, _ = make(max_idle_ns=2 * S)
    player.tick()
    clock.advance(10.0)  # t = 10: trace 1 done, next event at 30
    player.tick()
    assert "d" not in state(player)
    clock.advance(2.5)  # idle more than 2 s: jump to t = 30
    player.tick()
    assert state(player)["d"] == "running"


def test_async_run_plays_to_the_end_with_an_injected_sleep():
    clock = FakeClock()
    player = Player(ListSource(spans()), "s1", clock=clock, speed=10.0)
    slept = []

    async def fake_sleep(seconds):
        slept.append(seconds)
        clock.advance(seconds if seconds > 0 else 0.001)

    asyncio.run(player.run(sleep=fake_sleep, max_wait_s=0.5))
    assert player.finished
    assert state(player)["d"] == "timeout"
    assert len(slept) < 200 and all(s <= 0.5 for s in slept)


def test_player_on_a_real_database(tmp_path):
    from agenttrace_tui.store.sqlite import Reader
    from test_history_fixture import build_db

    db = tmp_path / "r.db"
    build_db(db)
    resets = []
    with Reader(db) as reader:
        clock = FakeClock()
        player = Player(reader, "sess-v1", clock=clock, on_reset=resets.append)
        assert player.store.sessions["sess-v1"].session.name == "agent v1"
        assert player.end_ns is not None and player.end_ns > player.start_ns
        player.tick()
        assert player.store.span_count == 2  # execute_query and orchestrator_decompose start together
        err = player.next_error()
        assert err is not None and err.span_id == "v1-tool1" and err.status_message == "permission denied"
        running = [s.name for t in player.store.traces.values() for s in t.spans.values() if s.end_ns is None]
        assert {"execute_query", "react_loop", "iteration_2"} <= set(running)  # t = 60 s
        player.set_speed(INSTANT)
        player.resume()
        while not player.finished:
            player.tick()
        stored = {s.span_id: s for t in ("trace-v1", "trace-v1b") for s in reader.spans_of_trace(t)}
        replayed = {s.span_id: s for t in player.store.traces.values() for s in t.spans.values()}
        assert replayed == stored  # every span ends exactly as it was saved
        player.seek(player.start_ns + 40 * S)
        assert len(resets) == 1 and resets[0] is player.store
        assert player.store.span("trace-v1", "v1-llm1").end_ns is None  # running again at t = 40 s


def test_empty_session_is_finished_at_once():
    player = Player(ListSource(spans()), "no-such-session", clock=FakeClock())
    assert player.finished and player.start_ns is None and player.progress == 1.0
    assert player.tick() == 0
    assert player.step_next() is None and player.next_error() is None
    assert player.seek_by(10 * S) == 0 and player.store.span_count == 0


def test_bad_speed_is_refused():
    import pytest

    with pytest.raises(ValueError):
        make(speed=0)
    player, _, _ = make()
    # Speed keys stop at both ends: no wrap from instant back to the slowest.
    assert [player.faster() for _ in range(4)] == [2.0, 10.0, INSTANT, INSTANT]
    assert [player.slower() for _ in range(5)] == [10.0, 2.0, 1.0, 0.5, 0.5]


def test_from_the_end_seek_and_step_go_back_and_space_plays_again():
    player, _clock, _ = make(speed=INSTANT)
    player.tick()
    assert player.finished
    end = player.position_ns
    assert end == T0 + 31 * S  # the last event, not past it
    player.seek_by(-10 * S)
    assert not player.finished and player.position_ns == T0 + 21 * S
    assert state(player) == {"root": "ok", "a": "ok", "b": "error", "c": "ok"}
    player.seek(T0 + 10**6 * S)  # far past the end: clamped to it
    assert player.finished and player.position_ns == end
    assert player.step_prev() == T0 + 30 * S  # the last span start
    assert state(player)["d"] == "running"
    player.seek(end)
    player.toggle_pause()  # at the end: play again from the start
    assert not player.paused and player.position_ns == T0 and state(player) == {"root": "running"}


def test_a_span_the_recording_never_saw_end_does_not_tick_at_the_end():
    clock = FakeClock()
    src = ListSource(spans() + [_span("open", "never_ended", 4, None, "root")])
    player = Player(src, "s1", clock=clock, speed=INSTANT)
    player.tick()
    assert player.finished and player.unfinished == 1
    end = player.position_ns
    assert end == T0 + 31 * S
    clock.advance(3600)
    player.tick()
    assert player.position_ns == end
    assert player.store.span("t1", "open").duration_ns(player.position_ns) == 27 * S


def test_load_complete_gives_the_session_as_it_ended():
    from agenttrace_tui.history.replay import load_complete

    store = load_complete(ListSource(spans(), {"s1": Session(id="s1", name="done")}), "s1")
    assert store.sessions["s1"].session.name == "done"
    assert {s.span_id: s.status.value for t in store.traces.values() for s in t.spans.values()} == {
        "root": "ok", "a": "ok", "b": "error", "c": "ok", "d": "timeout",
    }
    assert store.totals.input_tokens == 100 and store.dirty_count == 0


def test_a_session_that_ended_after_its_last_event_plays_on_to_its_end():
    """An agent killed inside a span: its session ended (5 s after the last event) with the
    span open. The play runs on to the session's end, the span ticking as it did live; the
    session's end is played there, not at the start (before it, nothing reads interrupted)."""
    clock = FakeClock()
    ended = T0 + 36 * S
    src = ListSource(spans() + [_span("open", "never_ended", 4, None, "root")],
                     {"s1": Session(id="s1", name="killed", ended_ns=ended)})
    player = Player(src, "s1", clock=clock)
    entry = player.store.sessions["s1"]
    assert entry.session.ended_ns is None
    clock.advance(33)
    player.tick()
    assert not player.finished and player.position_ns == T0 + 33 * S and entry.status() == "running"
    trace = player.store.trace("t1")
    assert trace is not None and trace.status() == "running" and trace.duration_ns(player.position_ns) == 33 * S
    clock.advance(10)
    player.tick()
    assert player.finished and player.position_ns == ended and player.progress == 1.0
    assert entry.session.ended_ns == ended and entry.status() == "interrupted"
    assert trace.status() == "unfinished" and trace.cut_ns == ended
    clock.advance(3600)
    player.tick()
    assert player.position_ns == ended and trace.duration_ns(T0 + 10_000 * S) == 36 * S
    player.seek_by(-10 * S)  # back before the end: the session has not ended yet there
    assert not player.finished and player.store.sessions["s1"].session.ended_ns is None
    player.set_speed(INSTANT)
    player.resume()
    for _ in range(10):
        if player.finished:
            break
        player.tick()
    assert player.finished and player.position_ns == ended
    assert player.store.sessions["s1"].session.ended_ns == ended


def test_a_running_span_shows_none_of_what_its_end_told():
    """The file keeps a span as it ended: while it runs in the replay its parts show what a
    start knows, not the answer, the tool's outcome or the agent's last state; its end, all."""
    from agenttrace_tui.model import AgentInfo, LlmInfo, ToolInfo

    saved = [
        _span("ag", "agent", 0, 10, agent=AgentInfo(name="planner", iteration=2, state="done", stop_reason="completed")),
        _span("llm", "call", 1, 4, "ag", kind=SpanKind.LLM_CALL,
              llm=LlmInfo(model="gpt-4o", prompt_preview="plan it", stop_reason="end_turn", response_preview="the plan")),
        _span("tool", "bash", 5, 6, "ag", kind=SpanKind.TOOL_EXECUTION,
              tool=ToolInfo(name="bash", input_preview="ls", status="error", output_preview="denied")),
    ]
    clock = FakeClock()
    player = Player(ListSource(saved, {"s1": Session(id="s1")}), "s1", Pipeline(Store()), clock, speed=1.0)
    player.tick(clock.advance(5.5))  # the agent and the tool run, the call has ended
    store = player.store
    agent, call, tool = (store.span("t1", s) for s in ("ag", "llm", "tool"))
    assert agent.status is Status.RUNNING and (agent.agent.name, agent.agent.iteration) == ("planner", 2)
    assert (agent.agent.state, agent.agent.stop_reason) == (None, None)
    assert tool.status is Status.RUNNING and (tool.tool.name, tool.tool.input_preview) == ("bash", "ls")
    assert (tool.tool.status, tool.tool.output_preview) == (None, None)
    assert call.llm == saved[1].llm  # ended: all of it
    player.tick(clock.advance(10))
    assert [store.span("t1", s.span_id) for s in saved] == saved  # at their ends, as saved
