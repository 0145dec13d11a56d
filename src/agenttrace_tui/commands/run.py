"""``agenttrace-tui run [--name NAME] [--traces-beta] [--no-ui] -- <command ...>``.

Starts an agent with every telemetry setting already in its environment
(``agent_env``: OTel SDK, Claude Code, Gemini CLI, Qwen Code, OpenCode, GitHub
Copilot CLI, a Codex home overlay, our SDK), all carrying one session id, and
attaches it to a monitor:

* a monitor already running (its OTLP/HTTP port answers ``GET /health`` as
  agenttrace-tui) is used: the command keeps the terminal, and its session is
  announced and ended over the native protocol;
* otherwise the live UI starts in this process with follow on, the command's
  output going to a log file (the UI owns the terminal); ``--no-ui`` runs the
  monitor headless instead and leaves the terminal to the command (for
  interactive agents).

When the command exits its session is marked ended with a ``session`` record
carrying ``ended_ns`` and the exit code (``process.exit.code``), and, when it
failed, an error span saying how (``end_records``), with the last lines the
command wrote when they went to the log (``output_tail``): why an agent died is
read in the monitor, not only in a file named after it quits. ``run`` exits with
the command's code.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import re
import shlex
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .agent_env import (
    SELF_NAMED,
    claude_env,
    copilot_env,
    droid_env,
    gemini_env,
    make_codex_overlay,
    opencode_env,
    otel_env,
    remove_overlay,
    sdk_env,
    user_codex_home,
)

PROG = "agenttrace-tui"
PROBE_TIMEOUT_S = 0.5
HEALTH_PATH = "/health"


def register(subparsers: Any, parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "run",
        parents=[parent],
        help="start an agent with telemetry set and watch it (run -- <command ...>)",
        description="Start a command with the telemetry environment set for it (OTel SDK, Claude Code, Gemini CLI, Qwen Code, OpenCode, Copilot CLI, Codex, "
        "agenttrace SDK) and show it in the monitor: a running one, or the live UI started here.",
    )
    p.add_argument("--name", metavar="NAME",
                   help="session name (default: the command's name; for python, node, uv run, npx, ... the script or module it runs)")
    p.add_argument("--traces-beta", action="store_true", help="also turn on Claude Code's traces beta")
    p.add_argument("--no-ui", action="store_true",
                   help="with no monitor running, run one headless here and leave the terminal to the command")
    p.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- COMMAND", help="the command and its arguments")


def command_argv(raw: list[str]) -> list[str]:
    return raw[1:] if raw and raw[0] == "--" else raw


#: Programs that run a script or module: a session named after them says little (every
#: Python agent would be ``python``), so it is named after what they run.
_INTERPRETER = re.compile(r"^(python|pypy)[0-9.]*$|^(node|nodejs|deno|bun|ruby|perl|php|bash|sh|zsh|tsx|ts-node)$")
#: Launchers that run a command or script after them -> the subcommand words they take first.
_LAUNCHERS: dict[str, frozenset[str]] = {
    "uv": frozenset({"run"}), "uvx": frozenset(), "pipx": frozenset({"run"}), "poetry": frozenset({"run"}),
    "hatch": frozenset({"run"}), "pdm": frozenset({"run"}), "npx": frozenset(), "bunx": frozenset(),
    "pnpm": frozenset({"exec", "dlx"}), "yarn": frozenset({"exec", "dlx"}),
}
_SCRIPT_SUFFIXES = frozenset({".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".tsx", ".rb", ".sh", ".pl", ".php"})


def command_name(argv: list[str]) -> str:
    """The session's name when ``--name`` gives none: the program's name, or for an
    interpreter or a launcher what it runs (``python agent.py`` -> ``agent.py``,
    ``python -m pkg.agent`` -> ``pkg.agent``, ``uv run --with x agent.py`` -> ``agent.py``,
    ``npx some-agent`` -> ``some-agent``)."""
    prog = Path(argv[0]).name
    launcher = _LAUNCHERS.get(prog)
    if launcher is None and not _INTERPRETER.match(prog):
        return prog
    args = argv[1:]
    for i, arg in enumerate(args):
        if arg == "-m" and i + 1 < len(args):
            return args[i + 1]
        if not arg.startswith("-") and Path(arg).suffix in _SCRIPT_SUFFIXES:
            return Path(arg).name
    if launcher is not None:  # no script: the program it runs (an option's value may come first)
        for arg in args:
            if not arg.startswith("-") and arg not in launcher:
                return command_name(args[args.index(arg):])
    return prog


def new_session_id(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:40] or "run"
    return f"run-{slug}-{uuid.uuid4().hex[:8]}"


def monitor_running(otlp_port: int | None, host: str = "127.0.0.1") -> bool:
    """Whether an agenttrace-tui monitor answers on the OTLP/HTTP port (not just anything listening)."""
    if not otlp_port:
        return False
    conn = http.client.HTTPConnection(host, otlp_port, timeout=PROBE_TIMEOUT_S)
    try:
        conn.request("GET", HEALTH_PATH)
        resp = conn.getresponse()
        return resp.status == 200 and b"agenttrace-tui" in resp.read(1024)
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def child_env(base: dict[str, str], argv: list[str], session_id: str, *, otlp_port: int, udp_port: int | None,
              tcp_port: int | None, traces_beta: bool, name: str, codex_home: Path | None,
              token: str | None = None) -> dict[str, str]:
    """The command's environment: the user's, plus every group of telemetry settings."""
    exe = Path(argv[0]).name
    # Agents that name their own service keep it; so does a service name the user set.
    service = None if exe in SELF_NAMED or "OTEL_SERVICE_NAME" in base else name
    env = dict(base)
    env.update(otel_env(otlp_port, session_id, service, base, token))
    env.update(claude_env(traces_beta))
    env.update(gemini_env(otlp_port))
    env.update(gemini_env(otlp_port, "QWEN", base))
    env.update(opencode_env(base))
    env.update(copilot_env(base))
    env.update(droid_env(otlp_port, base, token))
    env.update(sdk_env(udp_port, tcp_port, session_id, token))
    if codex_home is not None:
        env["CODEX_HOME"] = str(codex_home)
    return env


def session_record(session_id: str, name: str | None, argv: list[str], *, ended_ns: int | None = None,
                   exit_code: int | None = None) -> dict[str, Any]:
    """The native ``session`` record that announces (or ends) the run's session (``name``:
    None leaves the name the session has)."""
    rec: dict[str, Any] = {"v": 1, "type": "session", "session_id": session_id}
    if name is not None:
        rec["name"] = name
    attrs: dict[str, Any] = {"process.command_line": shlex.join(argv)[:500]}
    if ended_ns is None:
        rec["started_ns"] = time.time_ns()
    else:
        rec["ended_ns"] = ended_ns
        attrs["process.exit.code"] = exit_code
    rec["attributes"] = attrs
    return rec


def end_records(session_id: str, name: str, argv: list[str], ended_ns: int, exit_code: int,
                output: list[str] | None = None, log_path: Path | None = None) -> list[dict[str, Any]]:
    """What ends the run's session: its ``session`` record, and when the command failed
    (a code other than 0, a signal, or it could not start) an error span saying so, so the
    session reads "error" wherever sessions are listed or filtered (it read "done").
    ``output``: the last lines the command wrote (``output_tail``), ``log_path``: where all of it
    went; the span's message ends with the last line (a failing command's last words are
    usually why), the span keeps the lines and the file's path."""
    # Unnamed: the name the agent gave its session (our SDK's session_name) stays; the
    # announcement named it after the command, which a later report of the agent's may change.
    records = [session_record(session_id, None, argv, ended_ns=ended_ns, exit_code=exit_code)]
    if exit_code:
        why = (f"killed by signal {exit_code - 128}" if exit_code > 128 else
               "could not be started" if exit_code == 127 else f"exited with code {exit_code}")
        message = f"the command {why}"
        attrs: dict[str, Any] = {"process.exit.code": exit_code}
        if output:
            message += f"; its output ends: {output[-1][:TAIL_LINE_CHARS]}"
            attrs["process.output"] = "\n".join(output)
        if log_path is not None:
            attrs["process.log"] = str(log_path)
        records.append({
            "v": 1, "type": "span", "trace_id": uuid.uuid4().hex, "span_id": uuid.uuid4().hex[:16],
            "session_id": session_id, "name": f"{name} {why}"[:200], "kind": "task", "start_ns": ended_ns,
            "end_ns": ended_ns, "status": "error", "status_message": message, "attributes": attrs,
        })
    return records


#: How much of the command's log ``output_tail`` reads from its end, and the lines it keeps.
TAIL_BYTES = 8192
TAIL_LINES = 5
#: The longest line of it the error span's message quotes.
TAIL_LINE_CHARS = 300
# Terminal control sequences a command writes into its output (colours, cursor moves, titles):
# formatting, not text; removed before the last lines are read (the rest is shown sanitized).
_TERMINAL_CONTROL = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])")


def output_tail(path: Path, lines: int = TAIL_LINES) -> list[str]:
    """The last non-blank lines a command wrote to its log (at most ``lines``, read from its last
    ``TAIL_BYTES``), terminal control sequences removed and a line a carriage return rewrote (a
    progress bar) read as it was left; [] when the file cannot be read."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - TAIL_BYTES))
            data = f.read(TAIL_BYTES)
    except OSError:
        return []
    text = _TERMINAL_CONTROL.sub("", data.decode("utf-8", "replace"))
    if size > TAIL_BYTES:
        text = text.partition("\n")[2]  # (the first line read may be the end of a longer one)
    shown = (next((part for part in reversed(line.split("\r")) if part.strip()), "").rstrip()
             for line in text.split("\n"))
    return [line for line in shown if line][-lines:]


def exit_status(returncode: int) -> int:
    """A shell's view of a child's status: 128 + N for a child killed by signal N."""
    return 128 - returncode if returncode < 0 else returncode


# -- entry ----------------------------------------------------------------------
def main(args: argparse.Namespace, cfg: Any) -> int:
    argv = command_argv(list(args.argv or []))
    if not argv:
        print(f"{PROG} run: give the command after --, e.g. {PROG} run -- python my_agent.py", file=sys.stderr)
        return 2
    name = args.name or command_name(argv)
    sid = new_session_id(name)
    if monitor_running(cfg.otlp_port):
        return attached(cfg, argv, name, sid, traces_beta=args.traces_beta)
    ui = not (args.no_ui or args.headless)
    try:
        return asyncio.run(own_monitor(cfg, argv, name, sid, traces_beta=args.traces_beta, ui=ui))
    except KeyboardInterrupt:
        return 130


def _send_native(cfg: Any, rec: dict[str, Any]) -> bool:
    import msgspec

    from ..sdk.transport import EndpointError, open_transport

    endpoint = f"tcp://127.0.0.1:{cfg.tcp_port}" if cfg.tcp_port else f"udp://127.0.0.1:{cfg.udp_port or 4319}"
    try:
        transport = open_transport(endpoint, token=cfg.token)
    except EndpointError:
        return False
    try:
        if not transport.ready():
            return False
        payload = msgspec.json.encode(rec) + (b"\n" if getattr(transport, "stream", False) else b"")
        return bool(transport.send([payload]))
    finally:
        transport.close()


def attached(cfg: Any, argv: list[str], name: str, sid: str, *, traces_beta: bool) -> int:
    """A monitor is running: the command keeps the terminal; its session is announced and ended natively."""
    import subprocess

    print(f"{PROG} run: using the monitor on 127.0.0.1:{cfg.otlp_port}; session {sid}", file=sys.stderr)
    overlay = make_codex_overlay(user_codex_home(os.environ), cfg.otlp_port, token=cfg.token)
    try:
        env = child_env(dict(os.environ), argv, sid, otlp_port=cfg.otlp_port, udp_port=cfg.udp_port,
                        tcp_port=cfg.tcp_port, traces_beta=traces_beta, name=name, codex_home=overlay,
                        token=cfg.token)
        _send_native(cfg, session_record(sid, name, argv))
        try:
            proc = subprocess.Popen(argv, env=env)
        except OSError as exc:
            print(f"{PROG} run: cannot start {argv[0]}: {exc.strerror}", file=sys.stderr)
            for rec in end_records(sid, name, argv, time.time_ns(), 127):
                _send_native(cfg, rec)
            return 127
        while True:
            try:
                rc = proc.wait()
                break
            except KeyboardInterrupt:
                continue  # the child got the same SIGINT: wait for it to finish
        code = exit_status(rc)
        for rec in end_records(sid, name, argv, time.time_ns(), code):
            _send_native(cfg, rec)
        return code
    finally:
        remove_overlay(overlay)


class RunHandle:
    """The command started beside an in-process monitor; ``wait`` marks its session ended."""

    def __init__(self, monitor: Any, argv: list[str], name: str, sid: str, proc: Any, overlay: Path,
                 log_path: Path | None) -> None:
        self.monitor = monitor
        self.argv = argv
        self.name = name
        self.session_id = sid
        self.proc = proc
        self.overlay = overlay
        self.log_path = log_path
        self.exit_code: int | None = None
        #: The last lines of the command's log when it failed (``output_tail``).
        self.last_output: list[str] = []

    async def wait(self, on_exit: Callable[[int], None] | None = None) -> int:
        rc = await self.proc.wait()
        self.exit_code = exit_status(rc)
        # What the command sent before it exited is stored before its session ends: its spans
        # still open are its session's unfinished ones.
        self.monitor.pipeline.release()
        if self.exit_code and self.log_path is not None:
            self.last_output = output_tail(self.log_path)
        for rec in end_records(self.session_id, self.name, self.argv, time.time_ns(), self.exit_code,
                               self.last_output, self.log_path):
            _apply_record(self.monitor, rec)
        remove_overlay(self.overlay)
        if on_exit is not None:
            on_exit(self.exit_code)
        return self.exit_code

    async def stop(self) -> None:
        """Ask the command to end (the monitor is closing), then wait briefly."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        remove_overlay(self.overlay)


def _apply_record(monitor: Any, rec: dict[str, Any]) -> None:
    """Into the in-process monitor's pipeline, as if it had arrived over the wire."""
    import msgspec

    monitor.pipeline.feed(msgspec.json.encode(rec), "run")


async def start_command(monitor: Any, argv: list[str], name: str, sid: str, *, traces_beta: bool = False,
                        log_path: Path | None = None) -> RunHandle:
    """Start ``argv`` against the started ``monitor`` (its real ports); output to ``log_path`` if given."""
    otlp_port = monitor.otlp.address[1] if monitor.otlp is not None else 4318
    rs = monitor.receivers
    udp = rs.udp_address[1] if rs is not None and rs.udp_address is not None else None
    tcp = rs.tcp_address[1] if rs is not None and rs.tcp_address is not None else None
    token = monitor.config.token
    overlay = make_codex_overlay(user_codex_home(os.environ), otlp_port, token=token)
    env = child_env(dict(os.environ), argv, sid, otlp_port=otlp_port, udp_port=udp, tcp_port=tcp,
                    traces_beta=traces_beta, name=name, codex_home=overlay, token=token)
    _apply_record(monitor, session_record(sid, name, argv))
    out: Any = None
    if log_path is not None:
        out = open(log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, env=env, stdin=asyncio.subprocess.DEVNULL if out is not None else None, stdout=out,
            stderr=out)
    except OSError:
        remove_overlay(overlay)
        for rec in end_records(sid, name, argv, time.time_ns(), 127):
            _apply_record(monitor, rec)
        raise
    finally:
        if out is not None:
            out.close()
    return RunHandle(monitor, argv, name, sid, proc, overlay, log_path)


async def own_monitor(cfg: Any, argv: list[str], name: str, sid: str, *, traces_beta: bool, ui: bool) -> int:
    """No monitor running: start one here (UI or headless) with the command as its session."""
    from ..ingest.receivers import PortInUseError
    from ..runtime.monitor import Monitor
    from ..store.check import DatabaseProblem

    monitor = Monitor(cfg)
    try:
        await monitor.start()
    except (PortInUseError, DatabaseProblem) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    log_path = Path(tempfile.gettempdir()) / f"agenttrace-{sid}.log" if ui else None
    try:
        try:
            handle = await start_command(monitor, argv, name, sid, traces_beta=traces_beta, log_path=log_path)
        except OSError as exc:
            print(f"{PROG} run: cannot start {argv[0]}: {exc.strerror}", file=sys.stderr)
            return 127
        if not ui:
            for ep in monitor.endpoints:
                print(f"{PROG}: listening on {ep}; session {sid}", file=sys.stderr)
            loop = asyncio.get_running_loop()
            # Ctrl-C reaches the command (same process group); we wait for it to end.
            loop.add_signal_handler(signal.SIGINT, lambda: None)
            code = await handle.wait()
        else:
            from ..ui.app import make_app

            app = make_app(monitor)
            app.follow = True
            waiter = asyncio.create_task(handle.wait(lambda code: notify_exit(app, handle, code)))
            await app.run_async()
            if not waiter.done():
                await handle.stop()
                await waiter
            print(f"{PROG} run: {argv[0]} exited with {handle.exit_code}; its output is in {log_path}", file=sys.stderr)
            code = handle.exit_code if handle.exit_code is not None else 0
        await monitor.stop()  # takes in what was still on its way, and writes it all
        print(session_summary(monitor, sid), file=sys.stderr)
        return code
    finally:
        await monitor.stop()


def session_summary(monitor: Any, sid: str) -> str:
    """What the command's session came to, in one line: spans, errors, tokens, cost (a ``$?``
    says why), and where to look further."""
    from ..format.numbers import fmt_cost, fmt_count, plural
    from ..format.sanitize import clean
    from ..model import unpriced_reasons

    entry = monitor.store.sessions.get(sid)
    if entry is None:
        return f"{PROG} run: session {sid}: nothing was reported"
    t = entry.totals
    est = t.estimated > 0
    line = (f"{PROG} run: session {sid}: {plural(t.spans, 'span')} in {plural(len(entry.trace_ids), 'trace')}, "
            f"{plural(t.errors, 'error')}, {fmt_count(t.tokens, est)} tokens, cost {fmt_cost(t.cost, est, t.cost_unknown)}")
    if t.cost_unknown:
        traces = monitor.store.traces
        spans = (sp for tid in entry.trace_ids if (tr := traces.get(tid)) is not None for sp in tr.spans.values())
        why = "; ".join(clean(r, 80) for r in unpriced_reasons(spans)[:3])
        line += f" ({plural(t.cost_unknown, 'call')} unpriced: {why})"
    if monitor.writer is not None:
        line += f"; more: {PROG} sessions show {sid}"
    return line


def notify_exit(app: Any, handle: RunHandle, code: int) -> None:
    """The app's notice that the command ended, with the last line it wrote when it failed."""
    from ..format.sanitize import clean

    output = handle.last_output
    said = f": {clean(output[-1], 120)}" if output else ""
    app.notify(f"{clean(handle.argv[0], 80)} exited with {code}{said}\nq quits the monitor", markup=False, timeout=10)
