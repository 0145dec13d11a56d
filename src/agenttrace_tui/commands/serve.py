"""``agenttrace-tui serve [--port 8000] [--replay SESSION] [--bind ADDR]``: the UI in a browser.

textual-serve serves the same Textual app, unchanged, to a browser tab:
each tab that connects starts ``agenttrace-tui`` (the live monitor, with the
monitor settings given here) or ``agenttrace-tui replay SESSION`` as a
subprocess and streams its screen over a websocket. The live monitor binds
the receiver ports, so one tab at a time runs it (a second tab says the
ports are in use); replays can be open in many tabs.

Listening on loopback (127.0.0.1) needs nothing more. Any other address
needs an explicit ``--bind`` and a token: a random one is printed once at
start (or ``--token`` / ``AGENTTRACE_TOKEN``); every page and the websocket require it, as
``?token=...``, an ``X-Agenttrace-Token`` header or ``Authorization: Bearer``,
after which a same-site cookie carries it. Without it: 401, no UI.
"""

from __future__ import annotations

import argparse
import hmac
import secrets
import shlex
import sys
from typing import Any

PROG = "agenttrace-tui"
TOKEN_COOKIE = "agenttrace_token"
#: Monitor settings passed on to the served monitor (flag, Config field).
_PASS_ON = [
    ("--db", "db"), ("--udp-port", "udp_port"), ("--tcp-port", "tcp_port"), ("--socket", "socket"),
    ("--otlp-port", "otlp_port"), ("--otlp-grpc-port", "otlp_grpc_port"), ("--max-spans", "max_spans"),
    ("--budget", "budget"), ("--prices", "prices"), ("--forward", "forward"), ("--config", "config"),
]


def register(subparsers: Any, parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "serve",
        parents=[parent],
        help="serve the monitor (or a replay) to a browser with textual-serve",
        description="Serve the live monitor, or a replay, to a web browser (textual-serve). Loopback only "
        "unless --bind is given, which also requires a token.",
    )
    p.add_argument("--port", type=int, default=8000, help="HTTP port of the web UI (default 8000)")
    p.add_argument("--replay", metavar="SESSION", help="serve a replay of this saved session instead of the live monitor")
    p.add_argument("--public-url", metavar="URL", help="the URL browsers reach the server at (default http://HOST:PORT)")


def served_command(args: argparse.Namespace) -> str:
    """The shell command each browser tab starts."""
    argv = [sys.executable, "-m", "agenttrace_tui"]
    for flag, field in _PASS_ON:
        value = getattr(args, field, None)
        if value is not None:
            argv += [flag, str(value)]
    if getattr(args, "persist", None) is False:
        argv.append("--no-persist")
    if args.replay:
        argv += ["replay", args.replay]
    return shlex.join(argv)


def token_ok(expected: str | None, request: Any) -> bool:
    """Whether ``request`` carries the token (query, header, bearer or cookie); True when none is required."""
    if expected is None:
        return True
    auth = request.headers.get("Authorization", "")
    offered = [
        request.query.get("token"),
        request.headers.get("X-Agenttrace-Token"),
        auth[7:] if auth.lower().startswith("bearer ") else None,
        request.cookies.get(TOKEN_COOKIE),
    ]
    return any(o is not None and hmac.compare_digest(o.encode(), expected.encode()) for o in offered)


def make_server(command: str, host: str, port: int, token: str | None, public_url: str | None = None) -> Any:
    """A textual-serve Server whose every route checks ``token`` (None: loopback, no token)."""
    from aiohttp import web
    from textual_serve.server import Server

    class TokenServer(Server):
        async def _make_app(self) -> web.Application:
            app = await super()._make_app()

            @web.middleware
            async def require_token(request: web.Request, handler: Any) -> web.StreamResponse:
                if not token_ok(token, request):
                    return web.Response(status=401, text="agenttrace-tui: a token is required (?token=...)\n")
                response = await handler(request)
                if token is not None and request.cookies.get(TOKEN_COOKIE) != token:
                    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict")
                return response

            app.middlewares.append(require_token)
            return app

        async def on_startup(self, app: web.Application) -> None:
            # One line instead of textual-serve's banner: the token (when any) was printed already.
            self.console.print(f"{PROG}: serving on {self.public_url}", markup=False, highlight=False)

    title = "agenttrace-tui"
    host_in_url = f"[{host}]" if ":" in host else host
    return TokenServer(command, host=host, port=port, title=title,
                       public_url=public_url or f"http://{host_in_url}:{port}")


def main(args: argparse.Namespace, cfg: Any) -> int:
    from ..config import is_loopback

    host = cfg.bind
    # --token guards the web UI; the served monitor's receivers stay on loopback and follow
    # its own settings (AGENTTRACE_TOKEN or the config file's token, inherited, apply there too).
    token = cfg.token
    if not is_loopback(host):
        if token is None:
            token = secrets.token_urlsafe(24)
            print(f"{PROG}: token (shown once): {token}", file=sys.stderr)
        print(f"{PROG}: warning: the web UI listens on {host}; open it with ?token=<token>", file=sys.stderr)
    try:
        server = make_server(served_command(args), host, args.port, token, args.public_url)
    except ImportError:
        print(f"{PROG}: serve needs textual-serve (pip install textual-serve)", file=sys.stderr)
        return 2
    try:
        server.serve()
    except OSError as exc:
        print(f"{PROG}: cannot serve on {host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0
