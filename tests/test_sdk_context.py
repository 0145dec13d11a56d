"""SDK spans through real UDP into the monitor's store: nesting, decorators, errors.

Parenting must be right across asyncio.gather, TaskGroups and threads; the
decorator must cover sync/async functions and generators; exceptions and
cancellation must set the status. Everything is checked in the Store the
monitor's own Pipeline filled from a real socket.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import NamedTuple

import pytest

from agenttrace_tui.model import SpanKind, Status
from agenttrace_tui.runtime.testing import LocalMonitor
from agenttrace_tui.sdk import Tracer, current_span, get_tracer, set_tracer, trace, wrap


@pytest.fixture()
def mon():
    with LocalMonitor("udp") as m:
        yield m


@pytest.fixture()
def tracer(mon):
    previous = get_tracer()
    t = Tracer("ctx-test", framework="pytest", endpoint=mon.endpoint)
    yield t
    t.close()
    set_tracer(previous)


def by_name(mon: LocalMonitor, tracer: Tracer, count: int) -> dict:
    assert tracer.flush(10)
    assert mon.wait_for(lambda s: sum(1 for sp in s.iter_spans() if sp.end_ns is not None) >= count)
    spans = mon.spans()
    out = {sp.name: sp for sp in spans}
    assert len(out) == len(spans), "span names are unique in these tests"
    return out


def test_gather_children_have_the_right_parent(mon, tracer):
    async def child(i: int) -> None:
        async with tracer.span(f"child{i}", kind="llm_call"):
            await asyncio.sleep(0.01)
            async with tracer.span(f"grandchild{i}"):
                await asyncio.sleep(0)

    async def main() -> None:
        async with tracer.span("root", kind="agent"):
            await asyncio.gather(*(child(i) for i in range(4)))
        async with tracer.span("second-root"):
            pass

    asyncio.run(main())
    s = by_name(mon, tracer, 10)
    root = s["root"]
    assert root.parent_span_id is None and root.kind is SpanKind.AGENT
    for i in range(4):
        c, g = s[f"child{i}"], s[f"grandchild{i}"]
        assert c.parent_span_id == root.span_id and c.trace_id == root.trace_id
        assert g.parent_span_id == c.span_id and g.trace_id == root.trace_id
        assert c.kind is SpanKind.LLM_CALL
    assert s["second-root"].parent_span_id is None
    assert s["second-root"].trace_id != root.trace_id
    assert s["root"].session_id == tracer.session_id


def test_task_group_and_create_task(mon, tracer):
    async def leaf(name: str) -> None:
        with tracer.span(name):
            await asyncio.sleep(0.005)

    async def main() -> None:
        with tracer.span("tg-root"):
            async with asyncio.TaskGroup() as tg:
                for i in range(3):
                    tg.create_task(leaf(f"tg{i}"))
            await asyncio.create_task(leaf("created"))
            await asyncio.to_thread(lambda: tracer.span("to-thread").__enter__().__exit__(None, None, None))

    asyncio.run(main())
    s = by_name(mon, tracer, 6)
    root = s["tg-root"]
    for name in ("tg0", "tg1", "tg2", "created", "to-thread"):
        assert s[name].parent_span_id == root.span_id, name


def test_threads_need_wrap_and_get_the_parent(mon, tracer):
    def work(name: str) -> None:
        with tracer.span(name):
            pass

    with tracer.span("thread-root") as root:
        t = threading.Thread(target=wrap(work), args=("wrapped-thread",))
        t.start()
        t.join()
        plain = threading.Thread(target=work, args=("plain-thread",))
        plain.start()
        plain.join()
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            list(pool.map(tracer.wrap(work), ["pool-a", "pool-b"]))
        assert current_span() is root
    assert current_span() is None
    s = by_name(mon, tracer, 5)
    rid = s["thread-root"].span_id
    for name in ("wrapped-thread", "pool-a", "pool-b"):
        assert s[name].parent_span_id == rid, name
    # A plain thread starts from an empty context: its span is a new root.
    assert s["plain-thread"].parent_span_id is None


def test_decorator_forms(mon, tracer):
    @trace(kind="tool_execution", tool="calc")
    def sync_fn(x: int) -> int:
        return x * 2

    @trace
    async def async_fn(x: int) -> int:
        with tracer.span("inside-async"):
            await asyncio.sleep(0)
        return x + 1

    @trace("numbers", kind="retrieval")
    def gen(n: int):
        for i in range(n):
            with tracer.span(f"gen-step{i}"):
                pass
            yield i
        return "done"

    @trace(name="anumbers")
    async def agen(n: int):
        for i in range(n):
            await asyncio.sleep(0)
            with tracer.span(f"agen-step{i}"):
                pass
            yield i

    async def main() -> list[int]:
        with tracer.span("deco-root"):
            got = [sync_fn(2), await async_fn(1)]
            got += list(gen(2))
            async for v in agen(2):
                # The consumer's spans between steps are not the generator's children.
                with tracer.span(f"consumer{v}"):
                    pass
                got.append(v)
            return got

    assert asyncio.run(main()) == [4, 2, 0, 1, 0, 1]
    s = by_name(mon, tracer, 11)
    root = s["deco-root"].span_id
    assert s["test_decorator_forms.<locals>.sync_fn"].parent_span_id == root
    assert s["test_decorator_forms.<locals>.sync_fn"].kind is SpanKind.TOOL_EXECUTION
    assert s["test_decorator_forms.<locals>.sync_fn"].attributes["tool"] == "calc"
    afn = s["test_decorator_forms.<locals>.async_fn"]
    assert s["inside-async"].parent_span_id == afn.span_id
    assert s["numbers"].kind is SpanKind.RETRIEVAL
    for i in range(2):
        assert s[f"gen-step{i}"].parent_span_id == s["numbers"].span_id
        assert s[f"agen-step{i}"].parent_span_id == s["anumbers"].span_id
        assert s[f"consumer{i}"].parent_span_id == root
    # The generator span covers the whole iteration, its steps included.
    assert s["numbers"].start_ns <= s["gen-step0"].start_ns and s["numbers"].end_ns >= s["gen-step1"].end_ns


def test_generator_closed_early_and_send_throw(mon, tracer):
    @trace(name="echo")
    def echo():
        got = None
        while True:
            try:
                got = yield got
            except KeyError:
                got = "caught"

    g = echo()
    assert next(g) is None
    assert g.send(5) == 5
    assert g.throw(KeyError("k")) == "caught"
    g.close()
    s = by_name(mon, tracer, 1)
    assert s["echo"].status is Status.OK


def test_exception_marks_error_and_reraises(mon, tracer):
    @trace(name="failing")
    def failing() -> None:
        raise ValueError("bad input 42")

    with pytest.raises(ValueError), tracer.span("err-root"):
        failing()
    s = by_name(mon, tracer, 2)
    for name in ("failing", "err-root"):
        assert s[name].status is Status.ERROR
        assert s[name].status_code == "ValueError"
        assert s[name].status_message == "bad input 42"


def test_cancellation_marks_cancelled(mon, tracer):
    async def slow() -> None:
        async with tracer.span("cancel-me"):
            await asyncio.sleep(30)

    @trace(name="cancel-agen")
    async def agen():
        yield 1
        await asyncio.sleep(30)
        yield 2

    async def main() -> None:
        task = asyncio.create_task(slow())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

        async def consume() -> None:
            async for _ in agen():
                pass

        t2 = asyncio.create_task(consume())
        await asyncio.sleep(0.01)
        t2.cancel()
        with pytest.raises(asyncio.CancelledError):
            await t2

    asyncio.run(main())
    s = by_name(mon, tracer, 2)
    assert s["cancel-me"].status is Status.CANCELLED
    assert s["cancel-agen"].status is Status.CANCELLED


def test_span_methods_reach_the_store(mon, tracer):
    with tracer.span("llm", kind=SpanKind.LLM_CALL, attributes={"gen_ai.request.temperature": 0.2}, custom=1) as sp:
        sp.set_llm("claude-sonnet-4-5", "anthropic", max_tokens=512, stop_reason="end_turn", prompt="Hello " * 200, response="Hi")
        sp.set_tokens(1300, 80, cache_read=1000, cache_write=200, reasoning=5)
        sp.set_attribute("team", "search")
        sp.add_event("retry", attempt=2)
    with tracer.span("tool") as tool:
        tool.set_tool("filesystem", "read", "/src/main.rs", status="ok").set_file("/src/main.rs", "read", 120)
    with tracer.span("agent") as ag:
        ag.set_agent("CodingAgent", iteration=2, state="tool_use", stop_reason="tool_call")
        ag.set_rag("binary search", 15, 0.85)
        ag.set_status("timeout", "took too long")
    s = by_name(mon, tracer, 3)
    llm = s["llm"]
    assert llm.llm.model == "claude-sonnet-4-5" and llm.llm.provider == "anthropic"
    assert llm.llm.max_tokens == 512 and llm.llm.stop_reason == "end_turn" and llm.llm.temperature == 0.2
    assert llm.llm.prompt_preview.endswith("…") and len(llm.llm.prompt_preview) == tracer.preview_chars + 1
    assert (llm.usage.input, llm.usage.output, llm.usage.cache_read, llm.usage.cache_write, llm.usage.reasoning) == (1300, 80, 1000, 200, 5)
    assert llm.usage.total == 1380
    assert llm.attributes["custom"] == 1 and llm.attributes["team"] == "search"
    assert [e.name for e in llm.events] == ["retry"] and llm.events[0].attributes == {"attempt": 2}
    assert (s["tool"].tool.name, s["tool"].tool.action, s["tool"].tool.target) == ("filesystem", "read", "/src/main.rs")
    assert s["tool"].file.bytes == 120
    ag = s["agent"]
    assert ag.agent.iteration == 2 and ag.rag.sources_found == 15 and ag.rag.top_score == 0.85
    assert ag.status is Status.TIMEOUT and ag.status_message == "took too long"


class Point(NamedTuple):
    x: int
    y: int


def test_a_tools_arguments_and_a_prompts_messages_are_sent_as_json(mon, tracer):
    """A dict, list or tuple given as a preview is sent as JSON, as other instrumentations send
    arguments and messages (it was Python's repr: single quotes, ``None``, ``True``); one JSON
    cannot say (a key that is no string, a cycle) is sent as ``str`` gives it."""
    cyclic: list = ["a"]
    cyclic.append(cyclic)
    with tracer.span("read") as sp:
        sp.set_tool("filesystem", input={"path": "src/é.py", "lines": (1, 20), "follow": True, "mode": None},
                    output=[{"line": 1, "text": "import os"}])
    with tracer.span("ask") as sp:
        sp.set_llm("gpt-4o-mini", "openai", prompt=[{"role": "user", "content": "hi"}], response={1: "one"})
    with tracer.span("loop") as sp:
        sp.set_tool("echo", input=cyclic, output={("a", 1): "pair"})
    with tracer.span("point") as sp:
        sp.set_tool("locate", input=Point(2, 3))
    s = by_name(mon, tracer, 4)
    assert s["read"].tool.input_preview == '{"path": "src/é.py", "lines": [1, 20], "follow": true, "mode": null}'
    assert s["read"].tool.output_preview == '[{"line": 1, "text": "import os"}]'
    assert s["ask"].llm.prompt_preview == '[{"role": "user", "content": "hi"}]'
    assert s["ask"].llm.response_preview == '{"1": "one"}'  # (JSON makes an int key a string)
    assert s["loop"].tool.input_preview == "['a', [...]]" and s["loop"].tool.output_preview == "{('a', 1): 'pair'}"
    assert s["point"].tool.input_preview == "Point(x=2, y=3)"  # (a named tuple's names kept)


def test_running_span_shows_live_then_ends(mon, tracer):
    with tracer.span("long-running") as sp:
        assert tracer.flush(10)
        assert mon.wait_for(lambda s: s.span(sp.trace_id, sp.span_id) is not None)
        live = mon.spans()[0]
        assert live.status is Status.RUNNING and live.end_ns is None
        sp.add_event("halfway")
        assert tracer.flush(10)
        assert mon.wait_for(lambda s: len(s.span(sp.trace_id, sp.span_id).events) == 1)
    assert tracer.flush(10)
    assert mon.wait_for(lambda s: s.span(sp.trace_id, sp.span_id).end_ns is not None)
    done = mon.spans()[0]
    assert done.status is Status.OK and [e.name for e in done.events] == ["halfway"]


def test_session_record_start_and_end(mon):
    t = Tracer("sess", framework="langgraph", framework_version="0.2", tags=["a", "b"], endpoint=mon.endpoint, set_global=False)
    with t.span("one"):
        pass
    t.close()
    assert mon.wait_for(lambda s: (e := s.session(t.session_id)) is not None and e.session.ended_ns is not None)
    with mon.lock:
        sess = mon.store.session(t.session_id).session
    assert sess.name == "sess" and sess.framework == "langgraph" and sess.framework_version == "0.2"
    assert sess.tags == ("a", "b") and sess.hostname
    assert sess.attributes["sdk.version"]


def test_untraced_without_tracer():
    previous = get_tracer()
    set_tracer(None)
    try:

        @trace
        def f() -> int:
            return 7

        @trace
        def g():
            yield 1

        assert f() == 7 and list(g()) == [1]
    finally:
        set_tracer(previous)


def test_fork_session_and_metrics(mon):
    owner = Tracer("owner", framework="a", endpoint=mon.endpoint, set_global=False)
    other = owner.fork_session("second", framework="b", tags=["x"])
    with owner.span("in-owner"), other.span("in-second"):
        pass
    with other.span("second-root"):
        pass
    owner.metric("queue.depth", 7, {"queue": "tools"})
    other.metric("queue.depth", 2, {"queue": "second"})
    other.close()
    owner.close()
    assert mon.wait_for(lambda s: s.span_count == 3 and len(s.metrics) == 2
                        and all(e.session.ended_ns for e in s.sessions.values()) and len(s.sessions) == 2)
    spans = {s.name: s for s in mon.spans()}
    assert spans["in-owner"].session_id == owner.session_id
    # Parenting follows the context; a trace lives in one session, so a child
    # made by another session's tracer joins its parent's session.
    assert spans["in-second"].parent_span_id == spans["in-owner"].span_id
    assert spans["in-second"].session_id == owner.session_id
    assert spans["second-root"].session_id == other.session_id
    with mon.lock:
        assert mon.store.session(other.session_id).session.framework == "b"
        series = {m.labels["queue"]: m for m in mon.store.metrics.values()}
    assert (series["tools"].name, series["tools"].last) == ("queue.depth", 7.0)
    # Each sample belongs to its tracer's session (it belonged to none: `metrics --session` found nothing).
    assert (series["tools"].session_id, series["second"].session_id) == (owner.session_id, other.session_id)
    assert other.sender_id == owner.sender_id


def test_decorating_callables_without_code_objects(mon, tracer):
    import functools

    def scale(x: int, factor: int) -> int:
        return x * factor

    class Adder:
        def __call__(self, x: int) -> int:
            return x + 1

    doubled = trace("doubled")(functools.partial(scale, factor=2))
    added = trace("added")(Adder())
    assert doubled(4) == 8 and added(4) == 5
    spans = by_name(mon, tracer, 2)
    assert spans["doubled"].status is Status.OK and spans["added"].status is Status.OK
