"""``agenttrace-tui env [otel|claude|codex|sdk ...]``: the settings to paste into a shell.

Prints ``export`` lines (and, for Codex, the ``[otel]`` section of its
config.toml as a comment block) that point an agent at this machine's
monitor, using the configured ports. Without a group it prints all four.
``agenttrace-tui run`` sets the same values for one command.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .agent_env import GROUPS, shell_lines


def register(subparsers: Any, parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "env",
        parents=[parent],
        help="print the shell lines that point an agent at the monitor (otel, claude, codex, sdk)",
        description="Print export lines for a shell: OpenTelemetry SDK, Claude Code, Codex ([otel] for its "
        "config.toml) and the agenttrace SDK, with this monitor's ports.",
    )
    p.add_argument("groups", nargs="*", choices=[[], *GROUPS], metavar="GROUP",
                   help=f"one or more of {', '.join(GROUPS)} (default: all)")
    p.add_argument("--traces-beta", action="store_true", help="include Claude Code's traces beta switches")


def main(args: argparse.Namespace, cfg: Any) -> int:
    groups = list(dict.fromkeys(args.groups)) or list(GROUPS)
    sys.stdout.write(shell_lines(groups, otlp_port=cfg.otlp_port or 4318, udp_port=cfg.udp_port,
                                 tcp_port=cfg.tcp_port, traces_beta=args.traces_beta, token=cfg.token))
    return 0
