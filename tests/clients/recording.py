"""Shared machinery for the client recorders: venvs, servers, runs, fixtures.

A recorder installs one PINNED client, starts the fake LLM (``fakellm.py``)
and the OTLP capture server (``capture.py``) on 127.0.0.1, runs the client in
a child process once per run (a fresh process per run, so each run starts with
fresh global OpenTelemetry state and flushes on exit), then writes the
fixtures: one file per OTLP request plus ``manifest.json``.

Stable API:

    python = ensure_venv("strands", ["strands-agents==1.2.3", ...])
    versions = installed_versions(python, ["strands-agents", ...])

    with Recording("strands") as rec:            # fixtures/strands/ (tool_answers=, script_system=, parallel_calls=, later_turn_usage=: FakeLLM's)
        rec.llm, rec.cap                          # FakeLLM, CaptureServer
        env = otel_env(rec.cap.url, service_name="strands-recording")
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT_CODE, env)              # tool call turn
        rec.run_python("error", python, AGENT_CODE, env, mode="error")
        rec.run("cli-ok", ["claude", "-p", "hi"], env)             # any argv
        rec.save(packages=versions, env=env, notes=["..."])

Most Python recorders need only the scripted pair of runs:

    AGENT = OTEL_SDK_SETUP + SETUP + guarded('print("FINAL:", agent.run("…"))')
    record_turns("crewai", python, AGENT, versions=[...], notes=[...], recorder=Path(__file__).name)

``run``/``run_python`` return the run's record (a dict, also kept in
``rec.runs``): ``label``, ``mode``, ``argv``, ``exit_code``, ``seconds``,
``stdout_tail``, ``stderr_tail``, ``requests`` (capture indexes) and
``fake_calls`` (the fake server's log entries of that run).  The child gets
``RUN_LABEL`` and ``RUN_MODE`` in its environment, runs in a fresh temporary
working directory, and (unless ``isolate_home=False``) a fresh ``HOME``, so
nothing of the user's real config or state is read or written.

``save`` replaces the fixture directory's ``NNN-*`` files and manifest
(``save(..., gzip_files=True)`` stores each body gzip-compressed as
``NNN-signal.ext.gz``; ``read_body(path)`` gives back the exact body either way).  The
manifest replaces the two servers' URLs with ``{FAKELLM_URL}`` and
``{OTLP_URL}`` so re-recording does not churn it.  When the files pass
``max_bytes`` (300 KB by default), metrics exports other than the last one of
each run are dropped first, and the manifest lists what was dropped.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from capture import CaptureServer  # noqa: E402
from fakellm import FakeLLM, Usage  # noqa: E402

FIXTURES = HERE / "fixtures"
VENV_ROOT = Path(os.environ.get("AGENTTRACE_CLIENT_VENVS", "/tmp/agenttrace-client-venvs"))
FAKE_KEY = "sk-fakellm-not-a-real-key"
MAX_FIXTURE_BYTES = 300_000

# Parent variables that must not leak into a recorded client (real keys, exporters,
# and the agent CLIs' own settings: a recorder started from inside Claude Code or
# Codex would otherwise hand CLAUDECODE/CLAUDE_CODE_*/CODEX_* to the recorded CLI).
_DROP_PREFIXES = (
    "OTEL_", "OPENAI_", "ANTHROPIC_", "LOGFIRE_", "GOOGLE_", "GEMINI_", "LITELLM_", "AWS_", "AZURE_",
    "CLAUDE", "CODEX",
)


def ensure_venv(name: str, packages: list[str], python: str | None = None) -> Path:
    """A venv under ``VENV_ROOT/name`` with exactly ``packages`` installed; returns its python.

    Re-used when a marker file says the same package list was installed; a
    changed list is installed over the existing venv (pip resolves the pins).
    """
    venv = VENV_ROOT / name
    marker = venv / ".recording-packages.json"
    py = venv / "bin" / "python"
    wanted = sorted(packages)
    if py.exists() and marker.exists() and json.loads(marker.read_text()) == wanted:
        return py
    if not py.exists():
        VENV_ROOT.mkdir(parents=True, exist_ok=True)
        subprocess.run([python or sys.executable, "-m", "venv", str(venv)], check=True)
    # pip's output (warnings about local index folders) is shown only when it fails.
    res = subprocess.run([str(py), "-m", "pip", "install", "-q", *packages], capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stdout[-5000:] + res.stderr[-5000:])
        raise SystemExit(f"pip install failed for {name}: {packages}")
    marker.write_text(json.dumps(wanted))
    return py


def python312(client: str) -> str:
    """A Python 3.12+ interpreter for a client's venv (some clients require one): this one, else
    the first ``python3.12``/``python3.13`` found (on the PATH or under pyenv)."""
    if sys.version_info >= (3, 12):
        return sys.executable
    candidates = [shutil.which(n) for n in ("python3.12", "python3.13")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += sorted(str(p) for p in pyenv.glob("3.1[23]*/bin/python3"))
    for cand in candidates:
        if cand and subprocess.run([cand, "-c", "import sys; assert sys.version_info >= (3, 12)"],
                                   capture_output=True).returncode == 0:
            return cand
    raise SystemExit(f"{client} needs Python 3.12 or later: none found")


def installed_versions(python: Path | str, names: Iterable[str]) -> dict[str, str | None]:
    """Versions of ``names`` as installed in the venv of ``python`` (None when absent)."""
    code = (
        "import json, sys\n"
        "from importlib.metadata import version, PackageNotFoundError\n"
        "out = {}\n"
        "for n in sys.argv[1:]:\n"
        "    try: out[n] = version(n)\n"
        "    except PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))\n"
    )
    res = subprocess.run([str(python), "-c", code, *names], capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def otel_env(
    endpoint: str,
    protocol: str = "http/protobuf",
    service_name: str = "agent-recording",
    signals: Iterable[str] = ("traces", "logs", "metrics"),
) -> dict[str, str]:
    """Standard OTel SDK variables pointing every signal at the capture server.

    Short export intervals keep a run short; exporters for signals not in
    ``signals`` are set to ``none``.
    """
    signals = set(signals)
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
        "OTEL_SERVICE_NAME": service_name,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_BLRP_SCHEDULE_DELAY": "200",
        "OTEL_METRIC_EXPORT_INTERVAL": "1000",
        "OTEL_TRACES_EXPORTER": "otlp" if "traces" in signals else "none",
        "OTEL_LOGS_EXPORTER": "otlp" if "logs" in signals else "none",
        "OTEL_METRICS_EXPORTER": "otlp" if "metrics" in signals else "none",
    }
    return env


def read_body(path: str | Path) -> bytes:
    """The OTLP request body a fixture file holds (``*.gz`` files are stored gzip-compressed)."""
    data = Path(path).read_bytes()
    return gzip.decompress(data) if str(path).endswith(".gz") else data


def _clean_parent_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(_DROP_PREFIXES)}


class Recording:
    """Servers plus run bookkeeping for one client; see the module docstring."""

    def __init__(self, client: str, out_dir: str | Path | None = None, log_bodies: bool = False,
                 usage: dict[str, Usage] | None = None, tool_answers: dict[str, list[dict]] | None = None,
                 parallel_calls: list[tuple[str, dict]] | None = None,
                 later_turn_usage: dict[str, Usage] | None = None, search_for: str | None = None,
                 script_system: str | None = None) -> None:
        self.client = client
        self.out_dir = Path(out_dir) if out_dir else FIXTURES / client
        self.llm = FakeLLM(log_bodies=log_bodies, usage=usage, tool_answers=tool_answers, parallel_calls=parallel_calls,
                           later_turn_usage=later_turn_usage, search_for=search_for, script_system=script_system)
        self.cap = CaptureServer()
        self.runs: list[dict] = []
        self.tmp = Path(tempfile.mkdtemp(prefix=f"record-{client}-"))
        self.started = _dt.datetime.now(_dt.UTC)

    def __enter__(self) -> Recording:
        self.llm.start()
        self.cap.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.llm.stop()
        self.cap.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- placeholders so manifests do not depend on the ports of one run --
    def scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            out = value.replace(self.llm.url, "{FAKELLM_URL}").replace(self.cap.url, "{OTLP_URL}")
            return out.replace(str(self.tmp), "{TMP}")
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        return value

    def run(
        self,
        label: str,
        argv: list[str],
        env: dict[str, str] | None = None,
        mode: str = "ok",
        error_status: int = 400,
        refuse_offering: str | None = None,
        timeout: float = 300,
        isolate_home: bool = True,
        stdin: str | None = None,
        quiet: float = 1.0,
        refuse_system: str | None = None,
        refuse_later_turns: bool = False,
    ) -> dict:
        """Run ``argv`` as one recorded run; returns (and keeps) its record. An ``error`` run with
        ``refuse_offering``, ``refuse_system`` or ``refuse_later_turns`` refuses only the requests that offer
        that tool, whose system prompt holds that text, or of a conversation's later turn
        (``fakellm.FakeLLM.begin_run``; the record says which)."""
        self.llm.begin_run(label, mode=mode, error_status=error_status, refuse_offering=refuse_offering,
                           refuse_system=refuse_system, refuse_later_turns=refuse_later_turns)
        first = self.cap.mark()
        workdir = self.tmp / label
        workdir.mkdir(parents=True, exist_ok=True)
        child_env = _clean_parent_env()
        if isolate_home:
            home = self.tmp / f"home-{label}"
            home.mkdir(exist_ok=True)
            child_env["HOME"] = str(home)
        child_env.update(env or {})
        child_env.update({"RUN_LABEL": label, "RUN_MODE": mode, "PYTHONUNBUFFERED": "1"})
        t0 = time.monotonic()
        try:
            proc = subprocess.run(
                argv,
                env=child_env,
                cwd=workdir,
                input=stdin,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            code, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            code = "timeout"
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        seconds = round(time.monotonic() - t0, 2)
        # Exporters may still be sending after the child's last line (CLIs fork helpers).
        self.cap.wait_quiet(quiet, timeout=15)
        last = self.cap.mark()
        self.llm.begin_run(f"{label}:after")
        record = {
            "label": label,
            "mode": mode,
            "error_status": error_status if mode == "error" else None,
            **({"refused_offering": refuse_offering} if mode == "error" and refuse_offering else {}),
            **({"refuse_system": refuse_system} if mode == "error" and refuse_system is not None else {}),
            **({"refuse_later_turns": True} if mode == "error" and refuse_later_turns else {}),
            "argv": [Path(a).name if i == 0 else a for i, a in enumerate(argv)],
            "exit_code": code,
            "seconds": seconds,
            "stdout_tail": out[-2000:],
            "stderr_tail": err[-3000:],
            "requests": list(range(first, last)),
            "fake_calls": self.llm.calls(run=label),
        }
        self.runs.append(record)
        print(
            f"[{self.client}] run {label!r}: exit {code}, {seconds}s, "
            f"{len(record['fake_calls'])} model calls, {last - first} OTLP requests",
            flush=True,
        )
        if code != 0 and mode == "ok":
            print(err[-3000:], file=sys.stderr)
        return record

    def run_python(
        self, label: str, python: Path | str, code: str, env: dict[str, str] | None = None, **kw: Any
    ) -> dict:
        """Run Python source ``code`` with ``python`` as one recorded run."""
        script = self.tmp / f"agent_{label}.py"
        script.write_text(code)
        return self.run(label, [str(python), str(script)], env, **kw)

    def save(
        self,
        packages: dict[str, str | None],
        env: dict[str, str] | None = None,
        notes: list[str] | None = None,
        recorder: str | None = None,
        max_bytes: int = MAX_FIXTURE_BYTES,
        extra: dict | None = None,
        gzip_files: bool = False,
    ) -> Path:
        """Write the fixture files and manifest; returns the fixture directory.

        With ``gzip_files`` each request body is stored gzip-compressed as
        ``NNN-signal.ext.gz`` (the bytes inside are exactly what was received),
        and the size limit applies to the stored files: for clients whose raw
        exports are far over the limit (Codex sends hundreds of internal spans
        per turn) this keeps every request instead of dropping some.
        """
        out = self.out_dir
        out.mkdir(parents=True, exist_ok=True)
        for old in out.iterdir():
            if old.is_file() and (old.name == "manifest.json" or old.name[:3].isdigit()):
                old.unlink()
        reqs = self.cap.requests
        keep = set(range(len(reqs)))
        dropped: list[dict] = []
        run_of = {i: r["label"] for r in self.runs for i in r["requests"]}

        stored_size: dict[int, int] = {}

        def stored(i: int) -> bytes:
            body = reqs[i].body
            return gzip.compress(body, compresslevel=9, mtime=0) if gzip_files else body

        def size(i: int) -> int:
            if i not in stored_size:
                stored_size[i] = len(stored(i))
            return stored_size[i]

        def total() -> int:
            return sum(size(i) for i in keep)

        if total() > max_bytes:
            # Metrics are cumulative snapshots: the last export of a run holds its totals.
            for run in self.runs:
                metric_idx = [i for i in run["requests"] if reqs[i].signal == "metrics"]
                for i in metric_idx[:-1]:
                    keep.discard(i)
                    dropped.append({"index": i, "signal": "metrics", "bytes": size(i), "run": run["label"]})
        files: list[dict] = []
        name_of: dict[int, str] = {}
        for n, i in enumerate(sorted(keep), start=1):
            req = reqs[i]
            name = req.filename(n) + (".gz" if gzip_files else "")
            name_of[i] = name
            (out / name).write_bytes(stored(i))
            files.append(
                {
                    "file": name,
                    "signal": req.signal,
                    "path": req.path,
                    "content_type": req.content_type,
                    "content_encoding": req.content_encoding or None,
                    "bytes": len(req.body),
                    "stored": "gzip" if gzip_files else "raw",
                    "stored_bytes": size(i),
                    "run": run_of.get(i),
                    "user_agent": req.user_agent,
                }
            )
        runs = []
        for run in self.runs:
            r = dict(run)
            r["files"] = [name_of[i] for i in run["requests"] if i in name_of]
            r["requests"] = len(run["requests"])
            runs.append(r)
        manifest = {
            "client": self.client,
            "packages": packages,
            "recorded_at": self.started.isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "recorder": recorder,
            "env": env or {},
            "fakellm_usage": {k: vars(v) for k, v in self.llm.usage.items()},  # the table this recording's answers used
            **({"fakellm_later_turn_usage": {k: vars(v) for k, v in self.llm.later_turn_usage.items()}}
               if self.llm.later_turn_usage else {}),
            **({"fakellm_tool_answers": self.llm.tool_answers} if self.llm.tool_answers else {}),
            **({"fakellm_script_system": self.llm.script_system} if self.llm.script_system else {}),
            **({"fakellm_parallel_calls": [list(c) for c in self.llm.parallel_calls]} if self.llm.parallel_calls else {}),
            **({"fakellm_search_for": self.llm.search_for} if self.llm.search_for else {}),
            "runs": runs,
            "files": files,
            "dropped": dropped,
            "total_bytes": total(),
            "notes": notes or [],
            "fakellm_log": self.llm.log,
        }
        if extra:
            manifest.update(extra)
        manifest = self.scrub(manifest)
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
        print(f"[{self.client}] saved {len(files)} files ({total()} bytes) to {out}", flush=True)
        if total() > max_bytes:
            print(f"[{self.client}] WARNING: fixtures are {total()} bytes, over {max_bytes}", file=sys.stderr)
        return out


#: A Python tool loop's start on an OpenAI-shaped chat API (the Groq, Cohere and Mistral recorders'):
#: the tool offered, the conversation, and the tool itself.
CHAT_TOOL_TURN = '''TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
            {"role": "user", "content": "What is the weather in Paris?"}]


def get_weather(city: str) -> str:
    return f"Sunny, 22 C in {city}"
'''

# Python source a child script can start with to set up the OTel SDK itself
# (for instrumentations that only use the global providers).  It reads the
# standard OTEL_* variables from ``otel_env`` and defines ``otel_shutdown()``.
OTEL_SDK_SETUP = '''
import os
from opentelemetry import trace, metrics, _logs
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

resource = Resource.create()
tracer_provider = TracerProvider(resource=resource)
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(tracer_provider)
_providers = [tracer_provider]
logger_provider = None
meter_provider = None
if os.environ.get("OTEL_LOGS_EXPORTER") == "otlp":
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
    _logs.set_logger_provider(logger_provider)
    _providers.append(logger_provider)
if os.environ.get("OTEL_METRICS_EXPORTER") == "otlp":
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    meter_provider = MeterProvider(resource=resource, metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())])
    metrics.set_meter_provider(meter_provider)
    _providers.append(meter_provider)


def otel_shutdown():
    for p in _providers:
        p.shutdown()
'''

# Base packages for children that use OTEL_SDK_SETUP.
OTEL_SDK_PACKAGES = ["opentelemetry-sdk==1.45.2", "opentelemetry-exporter-otlp-proto-http==1.45.2"]


#: An MCP server for agents to start over stdio (after ``OTEL_SDK_SETUP``): one tool,
#: ``get_weather``, on the MCP SDK's high-level server (FastMCP, named ``MCPServer`` since mcp 2.0);
#: the exporters flushed when the client closes the connection.
MCP_WEATHER_SERVER = '''
from mcp.server.mcpserver import MCPServer

mcp = MCPServer("weather")


@mcp.tool()
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


try:
    mcp.run(transport="stdio")
finally:
    otel_shutdown()
'''


def guarded(turn: str) -> str:
    """The end of an agent script: ``turn`` (Python source that runs the agent and prints
    ``FINAL: …``), an error printed with exit code 3 instead, the exporters flushed
    (``otel_shutdown``) either way. Scripts start with ``OTEL_SDK_SETUP`` and import ``sys``."""
    body = "\n".join("    " + line if line else line for line in turn.strip("\n").splitlines())
    return (f"code = 0\ntry:\n{body}\nexcept Exception as exc:\n"
            "    print(\"ERROR:\", type(exc).__name__, exc)\n    code = 3\nfinally:\n    otel_shutdown()\nsys.exit(code)\n")


def js_guarded(turn: str, flush: str) -> str:
    """``guarded`` for a Node.js agent script (an ES module): ``turn`` (JavaScript that runs the
    agent and logs ``FINAL: …``; it may set ``code = 3`` itself), an error logged with exit code 3
    instead, ``flush`` (the statements that flush the exporters) awaited either way."""
    def indent(text: str) -> str:
        return "\n".join("  " + line if line else line for line in text.strip("\n").splitlines())
    return (f"let code = 0;\ntry {{\n{indent(turn)}\n}} catch (e) {{\n  console.log('ERROR:', e.name, e.message);\n"
            f"  code = 3;\n}} finally {{\n{indent(flush)}\n}}\nprocess.exit(code);\n")


def openai_env(rec: Recording) -> dict[str, str]:
    """What points an OpenAI client at the fake LLM."""
    return {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}


def record_turns(name: str, python: Path, agent: str, *, versions: Iterable[str], notes: list[str], recorder: str,
                 client_env: Callable[[Recording], dict[str, str]] = openai_env,
                 signals: Iterable[str] = ("traces",)) -> None:
    """Record Python source ``agent`` as the two runs of every recording into ``fixtures/<name>/``:
    ``ok`` (the scripted tool turn) and ``error`` (the fake LLM refuses every call), with the OTel
    variables for ``signals`` and ``client_env(rec)`` (default: an OpenAI client's) set; the
    manifest names the installed versions of the packages ``versions`` names."""
    with Recording(name) as rec:
        env = otel_env(rec.cap.url, service_name=f"{name.replace('_', '-')}-recording", signals=signals)
        env |= client_env(rec)
        rec.run_python("ok", python, agent, env)
        rec.run_python("error", python, agent, env, mode="error")
        rec.save(packages=installed_versions(python, versions), env=env, recorder=recorder, notes=notes)


def recorder_main(name: str, packages: list[str], record: Callable[..., None],
                  ensure: Callable[[str, list[str]], Path] | None = None,
                  variants: dict[str, Any] | None = None) -> None:
    """Command line of every recorder: install the pinned venv (``ensure``: ``ensure_venv``, or a
    recorder's own installer), then record. A recorder of several recordings (``variants``) makes
    those its command line names, all by default: ``record(python, name)`` for each.

    ``--install-only`` stops after the venv is ready (to pre-build venvs).
    """
    import argparse

    parser = argparse.ArgumentParser(description=f"Record the {name} client's telemetry into fixtures/")
    if variants is not None:
        parser.add_argument("names", nargs="*", metavar="NAME",
                            help=f"recordings to make (default: all): {', '.join(variants)}")
    parser.add_argument("--install-only", action="store_true", help="only create the pinned venv")
    args = parser.parse_args()
    if variants is not None and (unknown := [n for n in args.names if n not in variants]):
        parser.error(f"unknown recording {unknown}; one of {list(variants)}")
    python = (ensure or ensure_venv)(name, packages)
    if args.install_only:
        print(f"[{name}] venv ready: {python}")
        return
    if variants is None:
        record(python)
        return
    for variant in args.names or list(variants):
        record(python, variant)


def chosen_variants(variants: dict[str, Any]) -> list[str]:
    """The recordings of a recorder with several (``VARIANTS``) its command line names (all by
    default); an unknown name stops it, naming the ones it has."""
    names = sys.argv[1:] or list(variants)
    unknown = [n for n in names if n not in variants]
    if unknown:
        raise SystemExit(f"unknown recording {unknown}; one of {sorted(variants)}")
    return names
