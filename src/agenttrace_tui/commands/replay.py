"""``agenttrace-tui replay [SESSION_ID | latest]``: play a saved session back.

With the UI (the default) the monitor's screens open in replay mode through
``open_replay_ui``; the UI drives a ``replay.Player`` from a timer. With
``--headless`` one line per trace is printed as it completes in replay time
(the live headless format), which makes replays scriptable.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from .history_common import (
    CommandError,
    add_common,
    db_path,
    guarded,
    open_reader,
    resolve_session_id,
)


def parse_speed(text: str) -> float:
    """``0.5``, ``2x``, ``10X`` or ``instant`` -> a Player speed."""
    from ..history.replay import INSTANT

    s = text.strip().lower().removesuffix("x")
    if s in ("instant", "max", "inf"):
        return INSTANT
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid speed {text!r}: use e.g. 0.5, 1, 2x, 10x or instant") from None
    if not v > 0 or v != v:
        raise argparse.ArgumentTypeError(f"invalid speed {text!r}: must be positive")
    return v


def parse_idle(text: str) -> float:
    """``--max-idle``: seconds, zero or more (a negative gap means nothing: refused)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give seconds, e.g. 5 (got {text!r})") from None
    if not 0 <= v < float("inf"):
        raise argparse.ArgumentTypeError(f"must be zero or more seconds (got {text!r})")
    return v


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "replay",
        help="replay a saved session at its original pace",
        description="Replay a saved session: spans start, run and end as they did. Without a session id the UI "
        "shows a picker (--headless replays the latest).",
    )
    p.add_argument("session_id", nargs="?", metavar="SESSION_ID", help="session id, or 'latest'")
    p.add_argument("--speed", type=parse_speed, default=1.0, metavar="X", help="0.5, 1, 2, 10 or instant (default 1)")
    p.add_argument("--max-idle", type=parse_idle, default=None, metavar="SECONDS", help="skip idle gaps longer than this")
    p.add_argument(
        "--headless", action="store_true", default=argparse.SUPPRESS, help="no UI: print one line per trace as it completes"
    )
    add_common(p, json_flag=False)
    p.set_defaults(func=guarded(run))


def open_replay_ui(db: Path, session_id: str | None, speed: float, max_idle_s: float | None = None) -> int:
    """The monitor's screens in replay mode (``session_id=None``: the picker first)."""
    from ..config import ConfigError, load_config
    from ..ui.replay import run_replay_ui

    try:  # the same [keys] remapping as the monitor
        keymap = load_config().keys
    except ConfigError:
        keymap = {}
    return int(run_replay_ui(db, session_id, speed, max_idle_s, keymap) or 0)


async def replay_headless(
    reader: Any, session_id: str, speed: float, out: Any = None, max_idle_s: float | None = None
) -> int:
    """Play a session, printing each trace line as it completes in replay time; returns lines printed."""
    from ..history.replay import Player
    from .headless import HeadlessPrinter

    out = out or sys.stdout
    max_idle = None if max_idle_s is None else int(max_idle_s * 1e9)
    player = Player(reader, session_id, speed=speed, max_idle_ns=max_idle)
    # "Quiet" is measured on the session's clock: a trace prints once nothing
    # has touched it for 1 s of replay time (late children included).
    printer = HeadlessPrinter(player.store, out, quiet_s=1.0)
    printed = 0

    def on_tick(_n: int) -> None:
        nonlocal printed
        printed += printer.poll(player.position_ns)

    await player.run(on_tick=on_tick)
    printer.quiet_ns = 0
    printed += printer.poll(player.position_ns)
    printed += printer.poll(player.position_ns)
    return printed


def run(args: argparse.Namespace) -> int:
    path = db_path(args)
    if not getattr(args, "headless", False):
        sid = args.session_id
        if sid is not None:
            with open_reader(args) as reader:
                sid = resolve_session_id(reader, sid)
                if reader.session(sid) is None:
                    raise CommandError(f"no session {sid!r}")
        return open_replay_ui(path, sid, args.speed, args.max_idle)
    with open_reader(args) as reader:
        sid = resolve_session_id(reader, args.session_id)
        if reader.session(sid) is None:
            raise CommandError(f"no session {sid!r}")
        try:
            asyncio.run(replay_headless(reader, sid, args.speed, max_idle_s=args.max_idle))
        except KeyboardInterrupt:
            return 130
    return 0
