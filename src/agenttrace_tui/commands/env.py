"""``agenttrace-tui env [otel|claude|codex|sdk ...]``: the settings to paste into a shell.

Prints ``export`` lines (and, for Codex, the ``[otel]`` section of its
config.toml as a comment block) that point an agent at this machine's
monitor, using the configured ports and socket. Without a group it prints all
four. A receiver that is off is said to be off in a comment, never printed as
an endpoint. ``agenttrace-tui run`` sets the same values for one command.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..config import socket_path
from .agent_env import GROUPS, shell_lines


def group_name(text: str) -> str:
    # A type, not choices=: argparse 3.11 checks a '*' positional's default ([]) against
    # its choices, which would have to list [] and then show it in the error.
    if text not in GROUPS:
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(GROUPS)})")
    return text


def register(subparsers: Any, parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "env",
        parents=[parent],
        help="print the shell lines that point an agent at the monitor (otel, claude, codex, sdk)",
        description="Print export lines for a shell: OpenTelemetry SDK, Claude Code, Codex ([otel] for its "
        "config.toml) and the agenttrace SDK, with this monitor's ports.",
    )
    p.add_argument("groups", nargs="*", type=group_name, metavar="GROUP",
                   help=f"one or more of {', '.join(GROUPS)} (default: all)")
    p.add_argument("--traces-beta", action="store_true", help="include Claude Code's traces beta switches")


def main(args: argparse.Namespace, cfg: Any) -> int:
    groups = list(dict.fromkeys(args.groups)) or list(GROUPS)
    # Port 0 (a free one, picked when the monitor starts) cannot be known here: the default is the guess.
    otlp = None if cfg.otlp_port is None else cfg.otlp_port or 4318
    grpc = None if cfg.otlp_grpc_port is None else cfg.otlp_grpc_port or 4317
    sys.stdout.write(shell_lines(groups, otlp_port=otlp, udp_port=cfg.udp_port, tcp_port=cfg.tcp_port,
                                 traces_beta=args.traces_beta, token=cfg.token, otlp_grpc_port=grpc,
                                 socket=socket_path(cfg)))
    return 0
