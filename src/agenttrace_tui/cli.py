"""Command line: argument parsing and wiring only (argparse, stdlib).

``agenttrace-tui`` runs the live monitor; ``agenttrace-tui demo`` runs it fed
by the built-in demo agent. Other subcommands live in ``commands/`` modules,
each exposing ``register(subparsers)``; their heavy imports happen in ``run``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__
from .config import Config, ConfigError, is_loopback, load_config

PROG = "agenttrace-tui"


def monitor_flags(absent: bool = False) -> argparse.ArgumentParser:
    """Flags shared by the monitor and the demo (a parent parser).

    ``absent``: the flags of a subcommand's parser (demo, run, env, serve), which
    leave a flag they were not given absent instead of setting its default, so one
    given before the subcommand (``agenttrace-tui --otlp-port 5555 env``) counts.
    """
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("monitor settings (also AGENTTRACE_<NAME> env vars and the config file)")
    g.add_argument("--config", metavar="PATH", help="TOML config file (default: the user config dir's agenttrace-tui/config.toml)")
    g.add_argument("--db", metavar="PATH", help="SQLite file (default: the user data dir's agenttrace-tui/agenttrace.db)")
    g.add_argument("--no-persist", dest="persist", action="store_const", const=False, default=None, help="keep nothing on disk")
    g.add_argument("--udp-port", metavar="PORT", help="native UDP port (default 4319; 'off' disables)")
    g.add_argument("--tcp-port", metavar="PORT", help="native TCP port (default 4319; 'off' disables)")
    g.add_argument("--socket", metavar="PATH", help="Unix socket path ('off' disables)")
    g.add_argument("--otlp-port", metavar="PORT", help="OTLP/HTTP port (default 4318; 'off' disables)")
    g.add_argument("--otlp-grpc-port", metavar="PORT", help="OTLP/gRPC port (default 4317; 'off' disables)")
    g.add_argument("--bind", metavar="ADDR", help="listen on this address instead of 127.0.0.1 (prints a warning; needs a token)")
    g.add_argument("--token", metavar="SECRET",
                   help="shared secret senders must present (prefer AGENTTRACE_TOKEN: flags show in the process list)")
    g.add_argument("--max-spans", metavar="N", help="spans kept in memory before the oldest traces are evicted (default 200000)")
    g.add_argument("--max-record-bytes", metavar="N", help="largest accepted record (default 65536)")
    g.add_argument("--forward", metavar="URL", help="also send everything to this upstream OTLP/HTTP endpoint")
    g.add_argument("--budget", metavar="USD", help="per-session budget: highlight sessions at 80%% and 100%%")
    g.add_argument("--prices", metavar="PATH", help="TOML price file that overrides bundled prices")
    g.add_argument("--retain", dest="retain_days", metavar="DAYS", help="at start, delete saved sessions older than this")
    g.add_argument("--session-idle", metavar="SECONDS",
                   help="a session with no running span and no record for this long is no longer running (default 300)")
    g.add_argument("--log-level", metavar="LEVEL", help="engine log level: debug, info, warning (default), error, off")
    g.add_argument("--log-file", metavar="PATH", help="engine log file (default: the user state dir's agenttrace-tui/agenttrace-tui.log; rotated at 1 MB)")
    g.add_argument("--headless", action="store_true", help="no UI: print one line per finished trace, and each new kind of failure on stderr")
    if absent:
        # (A subparser's defaults would overwrite what the main parser read before the subcommand.)
        for action in p._actions:
            action.default = argparse.SUPPRESS
    return p


def build_parser() -> argparse.ArgumentParser:
    parent = monitor_flags()
    sub_flags = monitor_flags(absent=True)
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A terminal live monitor for AI agents.",
        parents=[parent],
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        parents=[sub_flags],
        help="run the monitor fed by the built-in demo agent",
        description="Run the monitor fed by a simulated agent that sends over the real UDP path.",
    )
    demo.add_argument("--send-only", action="store_true", help="only run the demo agent, sending to a running monitor")
    demo.add_argument("--endpoint", metavar="URL", help="where --send-only sends (default udp://127.0.0.1:<udp port>)")
    demo.add_argument("--seed", type=int, metavar="N", help="make the demo deterministic")
    demo.add_argument("--rate", type=float, default=1.0, metavar="X", help="scale the demo's pace and volume (default 1)")
    demo.add_argument("--duration", type=float, metavar="SECONDS", help="stop the demo agent after this long")
    demo.add_argument("--sessions", type=int, default=3, metavar="N", help="concurrent demo sessions (default 3)")
    for module in _command_modules():
        module.register(sub)
    # These take the monitor's settings too (the ports an agent is pointed at, the served monitor's).
    for module in _config_command_modules().values():
        module.register(sub, sub_flags)
    return parser


def _config_command_modules() -> dict[str, Any]:
    from .commands import env, run, serve

    return {"run": run, "env": env, "serve": serve}


def _command_modules() -> list[Any]:
    from .commands import (
        compare,
        costs,
        db,
        export,
        import_claude,
        importer,
        metrics,
        prune,
        replay,
        send,
        sessions,
        spans,
        stats,
        traces,
    )

    return [sessions, traces, spans, stats, costs, metrics, compare, export, importer, import_claude, replay, prune, db,
            send]


def config_from_args(args: argparse.Namespace, *, default_db: str | None = None) -> Config:
    flags = {k: getattr(args, k, None) for k in Config.__struct_fields__}
    cfg = load_config(flags, config_path=args.config)
    if not is_loopback(cfg.bind) and args.bind is None:
        raise ConfigError(f"invalid bind: listening on {cfg.bind} (not loopback) needs an explicit --bind")
    if cfg.db is None and default_db is not None and cfg.persist:
        cfg.db = default_db
    return cfg


#: A command given no action runs this one: ``sessions`` lists, as ``sessions list`` does.
DEFAULT_ACTIONS = {"sessions": "list", "traces": "list", "spans": "query"}


def _with_default_action(parser: argparse.ArgumentParser, tokens: list[str]) -> list[str]:
    """``tokens`` with the default action put right after a command that has one
    (``DEFAULT_ACTIONS``) when nothing follows the command or a flag does (not
    ``-h``): ``sessions --limit 5`` is ``sessions list --limit 5``. The command is
    the first word past the global flags and their values, so ``--db sessions``
    names a file, not a command."""
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        action = parser._option_string_actions.get(tok)
        if action is not None:
            i += 1 if action.nargs == 0 else 2
            continue
        if tok.startswith("-"):
            i += 1  # --flag=value, or unknown: argparse reports it
            continue
        default = DEFAULT_ACTIONS.get(tok)
        if default is None:
            return tokens
        (command,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        sub = command.choices[tok]
        (actions,) = (a for a in sub._actions if isinstance(a, argparse._SubParsersAction))
        nxt = tokens[i + 1] if i + 1 < len(tokens) else "-"
        if nxt in actions.choices or nxt in ("-h", "--help") or not nxt.startswith("-"):
            return tokens  # an action, help, or a word argparse refuses naming the actions
        return [*tokens[:i + 1], default, *tokens[i + 1:]]
    return tokens


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """parse_args, except that an unknown flag is reported with the usage of the
    subcommand it was given to (``sessions list --bogus`` shows ``sessions list``'s),
    and a command with a default action runs it when given none (``DEFAULT_ACTIONS``)."""
    tokens = _with_default_action(parser, list(sys.argv[1:] if argv is None else argv))
    args, extra = parser.parse_known_args(tokens)
    if not extra:
        return args
    deepest = parser
    while True:
        subs = [a for a in deepest._actions if isinstance(a, argparse._SubParsersAction)]
        nxt = None
        for action in subs:
            for tok in tokens:
                if tok in action.choices:
                    nxt = action.choices[tok]
                    tokens = tokens[tokens.index(tok) + 1:]
                    break
            if nxt is not None:
                break
        if nxt is None:
            break
        deepest = nxt
    deepest.error(f"unrecognized arguments: {' '.join(extra)}")
    raise AssertionError("unreachable")  # error() exits


def run() -> None:
    """The ``agenttrace-tui`` command: ``main``, then end the process at once.

    When ``main`` returns everything is flushed and closed (database,
    receivers, terminal). Python's own exit would then free the whole heap
    object by object, an hour of spans taking seconds (measured by
    bench/bench_ui_lifecycle.py), so the process ends without that, once logs
    and output are flushed. ``main`` itself returns normally (tests call it).
    """
    import logging
    import os

    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head): nothing left to say
            pass
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = _parse(parser, argv)
    if args.command in ("run", "env", "serve"):
        return _with_config(args)
    if args.command not in (None, "demo"):
        try:
            return int(args.func(args) or 0)
        except BrokenPipeError:  # the reader stopped early (| head): done, not failed
            return 0
    try:
        cfg = config_from_args(args, default_db=_demo_db() if args.command == "demo" else None)
        if args.command == "demo" and args.send_only:
            return _send_demo(args, cfg)
    except ConfigError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    if not is_loopback(cfg.bind):
        print(
            f"{PROG}: warning: receivers listen on {cfg.bind}; anyone who can reach this host can send spans",
            file=sys.stderr,
        )
    demo = args if args.command == "demo" else None
    from .runtime.logsetup import setup_engine_logging

    try:
        setup_engine_logging(cfg.log_level, cfg.log_file)
    except OSError as exc:  # an unwritable state dir must not stop the monitor
        print(f"{PROG}: cannot open the log file: {exc}", file=sys.stderr)
    try:
        return asyncio.run(_run(cfg, headless=args.headless, demo=demo))
    except KeyboardInterrupt:
        return 130


def _with_config(args: argparse.Namespace) -> int:
    """Subcommands that act on the monitor's settings (run, env, serve)."""
    try:
        cfg = config_from_args(args)
    except ConfigError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    return int(_config_command_modules()[args.command].main(args, cfg) or 0)


def _demo_db() -> str:
    # Demo sessions go to their own file so they never mix with real history.
    from .store.paths import default_db_path

    return str(default_db_path().with_name("demo.db"))


def _send_demo(args: argparse.Namespace, cfg: Config) -> int:
    from .commands.demo import run_demo

    # The monitor's UDP port as its settings give it (flag, AGENTTRACE_UDP_PORT, config file).
    endpoint = args.endpoint or f"udp://127.0.0.1:{cfg.udp_port or 4319}"
    try:
        run_demo(endpoint, seed=args.seed, rate=args.rate, duration_s=args.duration, sessions=args.sessions)
    except KeyboardInterrupt:
        pass
    return 0


async def _start_demo_agent(monitor: Any, args: argparse.Namespace, quiet: bool) -> asyncio.subprocess.Process:
    rs = monitor.receivers
    if rs.udp_address is not None:
        endpoint = f"udp://{_host(rs.udp_address[0])}:{rs.udp_address[1]}"
    elif rs.tcp_address is not None:
        endpoint = f"tcp://{_host(rs.tcp_address[0])}:{rs.tcp_address[1]}"
    else:
        endpoint = f"unix://{rs.unix_path}"
    cmd = [sys.executable, "-m", "agenttrace_tui.commands.demo", "--endpoint", endpoint, "--rate", str(args.rate)]
    cmd += ["--sessions", str(args.sessions)]
    if args.seed is not None:
        cmd += ["--seed", str(args.seed)]
    if args.duration is not None:
        cmd += ["--duration", str(args.duration)]
    out = asyncio.subprocess.DEVNULL if quiet else None
    return await asyncio.create_subprocess_exec(*cmd, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out)


async def _start_demo_agent_after(shown: asyncio.Event, monitor: Any, args: argparse.Namespace) -> asyncio.subprocess.Process:
    await shown.wait()
    return await _start_demo_agent(monitor, args, quiet=True)


def _host(addr: str) -> str:
    # An agent reaches a wildcard bind through loopback.
    if addr in ("0.0.0.0", ""):
        return "127.0.0.1"
    if addr == "::":
        return "[::1]"
    return f"[{addr}]" if ":" in addr else addr


async def _run(cfg: Config, *, headless: bool, demo: argparse.Namespace | None) -> int:
    from .ingest.receivers import PortInUseError
    from .runtime.monitor import Monitor
    from .store.check import DatabaseProblem

    try:
        monitor = Monitor(cfg)
    except ConfigError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    try:
        await monitor.start()
    except (PortInUseError, DatabaseProblem) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{PROG}: cannot start receivers: {exc}", file=sys.stderr)
        return 2
    loop = asyncio.get_running_loop()
    agent = None
    agent_start: asyncio.Task[asyncio.subprocess.Process] | None = None
    try:
        if demo is not None and headless:
            agent = await _start_demo_agent(monitor, demo, quiet=False)
        if headless:
            from .commands.headless import run_headless

            stop = asyncio.Event()
            # SIGHUP: the terminal went away (a closed window, tmux kill-session):
            # a clean stop, so the sessions it saw are marked as ended, not left running.
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, stop.set)
            for ep in monitor.endpoints:
                print(f"{PROG}: listening on {ep}", file=sys.stderr)
            for note in monitor.notes:
                print(f"{PROG}: {note}", file=sys.stderr)
            if monitor.receivers is not None and monitor.receivers.udp_rcvbuf:
                print(f"{PROG}: UDP receive buffer granted: {monitor.receivers.udp_rcvbuf:,} bytes", file=sys.stderr)
            from .runtime.gcpolicy import GcPolicy

            gc_task = asyncio.create_task(GcPolicy().run(stop))  # GC off the ingest path (runtime/gcpolicy.py)
            await run_headless(monitor, stop)
            stop.set()
            await gc_task
        else:
            from .ui.app import make_app

            app = make_app(monitor)
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, app.exit)
            if demo is not None:
                # The agent is a second Python process: started before the first
                # frame it competes with it for the CPU, so it starts once the
                # frame is on the screen (the monitor already listens).
                agent_start = asyncio.create_task(_start_demo_agent_after(app.first_frame, monitor, demo))
            await app.run_async()
    finally:
        if agent_start is not None:
            if not agent_start.done():
                agent_start.cancel()
            await asyncio.wait({agent_start})
            if not agent_start.cancelled() and agent_start.exception() is None:
                agent = agent_start.result()
        if agent is not None and agent.returncode is None:
            agent.terminate()
            try:
                await asyncio.wait_for(agent.wait(), 3)
            except TimeoutError:
                agent.kill()
        await monitor.stop()
    return 0
