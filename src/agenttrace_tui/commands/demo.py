"""The built-in demo agent: orchestrator, tool and LLM traffic through the real UDP path.

Several concurrent sessions (different agents, frameworks and providers) each
run task after task, every task one trace::

    execute_query                              agent
    ├── orchestrator_decompose                 reasoning
    │   ├── llm_planning_call                  llm_call (tokens, cache reads)
    │   └── parse_plan                         custom
    ├── execute_workflow_dag                   task (parallel)
    │   ├── task_execution task-1 …            task
    │   │   ├── rag_context_retrieval          retrieval   <- the slow hotspot in task-1
    │   │   │   ├── query_embedding            embedding
    │   │   │   └── vector_search              retrieval (hits, top score)
    │   │   ├── react_loop                     agent
    │   │   │   ├── iteration_N                agent (iteration, state)
    │   │   │   │   ├── llm_inference          llm_call (stop reason)
    │   │   │   │   └── tool_execute           tool_execution (filesystem read/write, sometimes fails)
    │   │   │   └── validate_result            verification
    └── synthesize_results                     llm_call

It uses the SDK exactly as an agent would (one Tracer, one session per
simulated agent via ``fork_session``) and really sleeps, so running spans
tick in the monitor. ``seed`` fixes every choice (shape, models, tokens,
errors); ``rate`` divides every sleep and, from rate 10 up, multiplies the
number of sessions, for load tests.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import threading
import time
from collections.abc import Sequence
from typing import Any

from ..sdk import Tracer
from ..sdk.transport import DEFAULT_ENDPOINT

#: (session name, framework, provider, planner model, worker model, agent names)
AGENTS = [
    ("code-review-agent", "langgraph", "anthropic", "claude-sonnet-4-5", "claude-haiku-4-5", ("CodingAgent", "ReviewAgent")),
    ("research-assistant", "openai-agents", "openai", "gpt-4o", "gpt-4o-mini", ("ResearchAgent", "WriterAgent")),
    ("data-pipeline-agent", "crewai", "anthropic", "claude-sonnet-4-5", "gpt-4o-mini", ("EtlAgent", "QaAgent", "DocsAgent")),
    ("support-triage", "autogen", "openai", "gpt-4o", "claude-haiku-4-5", ("TriageAgent", "FixAgent")),
]
QUERIES = [
    "binary search implementation for the index module",
    "why does the nightly ETL job time out",
    "summarise open issues about authentication",
    "add retry with backoff to the HTTP client",
    "find callers of deprecated parse_config",
    "compare latency of the two vector stores",
]
FILES = ["/src/main.rs", "/src/search.py", "/src/index/btree.rs", "/etl/jobs/nightly.py", "/docs/auth.md", "/src/http/client.py", "/tests/test_search.py"]
TOOL_ERRORS = [
    ("FileNotFoundError", "No such file or directory: {path}"),
    ("PermissionError", "Permission denied: {path}"),
    ("TimeoutError", "tool call timed out after 30s"),
]


def _provider(model: str) -> str:
    return "anthropic" if model.startswith("claude") else "openai"


class _Session:
    """One simulated agent: a session of its own, task after task."""

    def __init__(self, owner: Tracer | None, endpoint: str, queue: int, index: int, rng: random.Random, rate: float) -> None:
        name, framework, _, planner, worker, agents = AGENTS[index % len(AGENTS)]
        suffix = f"-{index // len(AGENTS) + 1}" if index >= len(AGENTS) else ""
        meta: dict[str, Any] = {"framework": framework, "framework_version": "demo", "tags": ["demo", framework], "service": "agenttrace-demo"}
        if owner is None:
            # The first session owns the socket and sender thread; the others share it.
            self.tracer = Tracer(name + suffix, endpoint=endpoint, set_global=False, queue_size=queue, **meta)
        else:
            self.tracer = owner.fork_session(name + suffix, **meta)
        #: Session 0 fails its first tool call, so every run shows an error.
        self.force_error = index == 0
        self.rng = rng
        self.rate = rate
        self.planner = planner
        self.worker = worker
        self.agents = agents
        self.tasks_done = 0

    async def sleep(self, rng: random.Random, low: float, high: float) -> None:
        await asyncio.sleep(rng.uniform(low, high) / self.rate)

    def _tokens(self, rng: random.Random, span: Any, model: str, prompt: int, output: int) -> None:
        inp = int(prompt * rng.uniform(0.8, 1.3))
        # Anthropic-style prompt caching: most of a repeated prompt is read from cache.
        cache_read = int(inp * rng.uniform(0.4, 0.8)) if rng.random() < 0.7 else 0
        cache_write = int((inp - cache_read) * 0.3) if _provider(model) == "anthropic" and rng.random() < 0.3 else 0
        span.set_tokens(inp, int(output * rng.uniform(0.6, 1.4)), cache_read=cache_read, cache_write=cache_write)

    async def llm(
        self, rng: random.Random, name: str, model: str, prompt: str, response: str, stop: str, tokens: tuple[int, int], secs: tuple[float, float]
    ) -> None:
        with self.tracer.span(name, kind="llm_call") as span:
            span.set_llm(model, _provider(model), temperature=0.2, max_tokens=4096, prompt=prompt)
            await self.sleep(rng, *secs)
            self._tokens(rng, span, model, *tokens)
            span.set_llm(stop_reason=stop, response=response)

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.run_task()
            self.tasks_done += 1
            await self.sleep(self.rng, 0.5, 2.0)

    async def run_task(self) -> None:
        rng, t = self.rng, self.tracer
        query = rng.choice(QUERIES)
        n_tasks = rng.choice((2, 2, 3))
        with t.span("execute_query", kind="agent", attributes={"agent.name": "Orchestrator", "rag.query": query}) as root:
            root.set_agent("Orchestrator", state="planning")
            with t.span("orchestrator_decompose", kind="reasoning"):
                await self.llm(
                    rng,
                    "llm_planning_call",
                    self.planner,
                    f"Decompose this request into independent tasks: {query}",
                    f"Plan: {n_tasks} tasks. 1) gather context 2) change code" + (" 3) review" if n_tasks == 3 else ""),
                    "end_turn" if _provider(self.planner) == "anthropic" else "stop",
                    (450, 120),
                    (1.0, 3.0),
                )
                with t.span("parse_plan", tasks=n_tasks):
                    await self.sleep(rng, 0.01, 0.05)
            root.set_agent(state="executing")
            with t.span("execute_workflow_dag", kind="task", tasks=n_tasks, strategy="parallel"):
                # Each parallel task draws from its own generator, seeded in a
                # fixed order, so the interleaving cannot change the shape.
                seeds = [rng.getrandbits(64) for _ in range(n_tasks)]
                await asyncio.gather(*(self.task(random.Random(seeds[i]), i + 1, query) for i in range(n_tasks)))
            root.set_agent(state="done", stop_reason="completed")
            await self.llm(
                rng,
                "synthesize_results",
                self.planner,
                "Combine the task results into one answer.",
                "All tasks finished: the change is ready for review.",
                "end_turn" if _provider(self.planner) == "anthropic" else "stop",
                (900, 300),
                (0.3, 0.8),
            )

    async def task(self, rng: random.Random, number: int, query: str) -> None:
        t = self.tracer
        agent = self.agents[(number - 1) % len(self.agents)]
        with t.span("task_execution", kind="task", task_id=f"task-{number}", attributes={"agent.name": agent}):
            # The hotspot: task-1's retrieval is many times slower than the others.
            hot = number == 1
            with t.span("rag_context_retrieval", kind="retrieval") as rag:
                with t.span("query_embedding", kind="embedding") as emb:
                    emb.set_llm("text-embedding-3-small", "openai")
                    await self.sleep(rng, 0.2, 0.6)
                    emb.set_tokens(rng.randint(8, 40), 0)
                with t.span("vector_search", kind="retrieval", index="code-chunks") as vs:
                    await self.sleep(rng, 5.0, 9.0) if hot else await self.sleep(rng, 0.1, 0.5)
                    hits = rng.randint(3, 20)
                    score = round(rng.uniform(0.55, 0.95), 3)
                    vs.set_rag(query, hits, score)
                rag.set_rag(query, hits, score)
            max_iter = rng.randint(2, 4)
            with t.span("react_loop", kind="agent", max_iterations=max_iter) as loop:
                loop.set_agent(agent)
                prompt_tokens = 2048
                for it in range(1, max_iter + 1):
                    last = it == max_iter
                    with t.span(f"iteration_{it}", kind="agent") as step:
                        step.set_agent(agent, iteration=it, state="thinking")
                        stop = ("end_turn" if _provider(self.worker) == "anthropic" else "stop") if last else "tool_use"
                        await self.llm(
                            rng,
                            "llm_inference",
                            self.worker,
                            f"[{agent}] iteration {it}: {query}. Observations so far: {it - 1}.",
                            "Done: writing the result." if last else f"I need to inspect {FILES[it % len(FILES)]}.",
                            stop,
                            (prompt_tokens, 150 if not last else 60),
                            (0.8, 2.5),
                        )
                        prompt_tokens += rng.randint(150, 400)
                        step.set_agent(state="tool_use")
                        await self.tool(rng, write=last)
                    loop.set_agent(iteration=it, stop_reason="stop_sequence" if last else None)
                with t.span("validate_result", kind="verification") as val:
                    await self.sleep(rng, 0.05, 0.3)
                    val.set_attribute("checks", rng.randint(3, 12))

    async def tool(self, rng: random.Random, write: bool) -> None:
        t = self.tracer
        path = rng.choice(FILES)
        action = "write" if write else "read"
        fails = rng.random() < 0.08 or self.force_error
        self.force_error = False
        try:
            with t.span("tool_execute", kind="tool_execution") as span:
                span.set_tool("filesystem", action, path, input={"path": path, "op": action})
                span.set_file(path, action)
                await self.sleep(rng, 0.05, 0.4)
                if fails:
                    kind, msg = rng.choice(TOOL_ERRORS)
                    span.set_tool(status="error")
                    raise _ToolError(kind, msg.format(path=path))
                size = rng.randint(200, 40_000)
                span.set_tool(status="ok", output=f"{size} bytes {'written' if write else 'read'}")
                span.set_file(bytes=size)
        except _ToolError:
            pass  # the agent recovers and carries on; the span keeps the error


class _ToolError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


async def _main(endpoint: str, seed: int | None, rate: float, duration_s: float | None, sessions: int) -> None:
    rate = max(0.01, float(rate))
    count = max(1, sessions) * (max(1, int(rate // 10)))
    queue = max(65_536, int(4_096 * rate))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if threading.current_thread() is threading.main_thread():
        try:
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    agents: list[_Session] = []
    for i in range(count):
        owner = agents[0].tracer if agents else None
        agents.append(_Session(owner, endpoint, queue, i, random.Random(None if seed is None else seed * 1000 + i), rate))
    tasks = [asyncio.create_task(a.run_forever(stop)) for a in agents]
    try:
        if duration_s is None:
            await stop.wait()
        else:
            try:
                await asyncio.wait_for(stop.wait(), duration_s)
            except TimeoutError:
                pass
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for a in reversed(agents):  # the owner (agents[0]) last: it stops the sender
            a.tracer.close(timeout=2.0)


def run_demo(
    endpoint: str = DEFAULT_ENDPOINT,
    *,
    seed: int | None = None,
    rate: float = 1.0,
    duration_s: float | None = None,
    sessions: int = 3,
) -> None:
    """Send demo traffic to ``endpoint`` until Ctrl+C, SIGTERM or ``duration_s``."""
    try:
        asyncio.run(_main(endpoint, seed, rate, duration_s, sessions))
    except KeyboardInterrupt:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agenttrace_tui.commands.demo", description="Send simulated agent traffic to a running monitor.")
    parser.add_argument("--endpoint", default=DEFAULT_ENDPOINT, help="where to send (udp://, tcp://, unix://); default %(default)s")
    parser.add_argument("--seed", type=int, default=None, help="make the traffic's shape deterministic")
    parser.add_argument("--rate", type=float, default=1.0, help="speed-up factor: divides sleeps, multiplies sessions from 10 up")
    parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds (default: until Ctrl+C)")
    parser.add_argument("--sessions", type=int, default=3, help="concurrent simulated agents (default %(default)s)")
    args = parser.parse_args(argv)
    if args.rate <= 0:
        parser.error("--rate must be > 0")
    started = time.monotonic()
    run_demo(args.endpoint, seed=args.seed, rate=args.rate, duration_s=args.duration, sessions=args.sessions)
    print(f"demo: sent for {time.monotonic() - started:.1f}s to {args.endpoint}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
