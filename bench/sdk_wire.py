"""The wire lines our own SDK sends for agent-shaped spans, built by the SDK's own record builder.

``sdk_lines(n, live=...)`` makes ``n`` spans with the real ``Tracer``/``Span``
API (the same trace shape as ``bench_store.wire_records``: an agent root, LLM
calls with usage and previews, tools, retrieval, file reads) and turns them
into records with the sender's own builder (``Sender._span_record``) and
encoder, exactly the bytes the sender thread writes to a stream:

* ``live=False``: each span ended before the sender took it, so the SDK sends
  one complete ``span`` record;
* ``live=True``: the sender took each span while it ran (a ``span_start`` with
  what was set at the start) and again after it ended (a ``span_end`` that
  repeats every field, plus what the end set: usage, the response preview, a
  tool's status and output, ...). As in ``bench_pipeline.native_lines`` the end
  comes 300 records after its start (and is numbered then, as the sender would).

``stream`` picks the transport kind the sender encodes for (``Sender.stream``):
what a span_end carries may depend on it.

No socket and no sender thread are involved: the tracer's transport is
``none`` and it is closed before any span is made, so only this code calls
the builder (the spans' queue entries are discarded).
"""

from __future__ import annotations

import random
from typing import Any

import msgspec

from agenttrace_tui.sdk import Tracer
from agenttrace_tui.sdk.sender import _fallback

MODELS = [("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("anthropic", "claude-sonnet-4"), ("anthropic", "claude-haiku-4")]
TOOLS = [("read_file", "read"), ("grep", "search"), ("bash", "run"), ("write_file", "write")]
END_DELAY = 300


def _start_fields(span: Any, i: int, n: int, rnd: random.Random) -> None:
    """What an agent sets before the work runs."""
    if i == 0:
        span.set_agent(name="orchestrator", iteration=1, state="running")
    elif i % 5 in (1, 3):
        prov, model = MODELS[(n // 7) % len(MODELS)]
        span.set_llm(model=model, provider=prov, temperature=0.2,
                     prompt="You are a careful research assistant. Summarise the findings about")
    elif i % 5 == 2:
        tool, action = TOOLS[n % len(TOOLS)]
        span.set_tool(name=tool, action=action, target=f"src/module_{n % 50}.py", input='{"path": "src/module.py"}')
    elif i % 5 == 4:
        span.set_rag(query="why did the build fail")
    else:
        span.set_file(path=f"/repo/docs/page_{n % 40}.md", operation="read")


def _end_fields(span: Any, i: int, n: int, rnd: random.Random) -> None:
    """What an agent sets when the work is done (the values are drawn for every span alike)."""
    inp, out = rnd.randint(500, 4000), rnd.randint(50, 600)
    if i == 0:
        span.set_agent(state="done")
    elif i % 5 in (1, 3):
        span.set_llm(stop_reason="end_turn", response="The three sources agree that the main cause is")
        span.set_tokens(inp, out, cache_read=300)
    elif i % 5 == 2:
        span.set_tool(status="ok", output="def main():\n    ...")
        if n % 17 == 0:
            span.set_status("error", "tool failed: exit 1")
    elif i % 5 == 4:
        span.set_rag(sources_found=5, top_score=0.87)
    else:
        span.set_file(bytes=4096)


def sdk_lines(n_spans: int, live: bool, seed: int = 5, stream: bool = True) -> list[bytes]:
    """One encoded record per line, in the order the monitor would read them."""
    tracer = Tracer("bench agent", endpoint="none", set_global=False, framework="langgraph")
    tracer.close()
    sender = tracer._sender
    sender.stream = stream
    build = sender._span_record
    encode = msgspec.json.Encoder(enc_hook=_fallback).encode
    queue = sender.queue
    kinds = {0: "agent", 1: "llm_call", 2: "tool_execution", 3: "llm_call", 4: "retrieval"}
    rnd = random.Random(seed)
    out: list[Any] = []
    delayed: list[tuple[int, Any]] = []
    n = 0
    while n < n_spans:
        root = None
        for i in range(20):
            if n >= n_spans:
                break
            n += 1
            kind = kinds[0] if i == 0 else kinds.get(i % 5) or "file_read"
            name = ("orchestrator" if i == 0 else f"chat {MODELS[(n // 7) % len(MODELS)][1]}" if kind == "llm_call"
                    else TOOLS[n % len(TOOLS)][0] if kind == "tool_execution" else "vector search"
                    if kind == "retrieval" else "read file")
            span = tracer.span(name, kind, parent=root, tenant="acme", attempt=1, **{"request.id": f"req-{n}"})
            span.start()
            if root is None:
                root = span
            _start_fields(span, i, n, rnd)
            if live:
                out.append(build(span))  # taken off the queue while it runs: span_start
            _end_fields(span, i, n, rnd)
            span.end()
            if live:
                # Built when the sender takes it, 300 records later (so its seq follows theirs).
                delayed.append((len(out) + END_DELAY, span))
                while delayed and delayed[0][0] <= len(out):
                    out.append(build(delayed.pop(0)[1]))
            else:
                out.append(build(span))  # the complete span
            queue.clear()
    out.extend(build(s) for _, s in delayed)
    return [encode(r) for r in out]
