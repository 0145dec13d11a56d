"""What the history commands share: --db/--json flags, opening the file, output.

Tables are drawn by ``table`` (fitted to the terminal, whole when piped or
with ``--wide``); ``--json`` prints plain JSON.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from ..format.sanitize import clean

if TYPE_CHECKING:
    from ..config import Config

PROG = "agenttrace-tui"

_json = msgspec.json.Encoder()


def add_common(p: argparse.ArgumentParser, json_flag: bool = True, wide: bool = False) -> None:
    # SUPPRESS: when absent here, a --db given before the subcommand still counts.
    p.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="SQLite file (default: $AGENTTRACE_DB, the config file's db, or the user data dir)",
    )
    # As --db: after the subcommand too (it was refused there while --db was taken).
    p.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                   help="TOML config file whose db and prices to use (default: the user config dir's)")
    if json_flag:
        p.add_argument("--json", action="store_true", help="print JSON for scripts instead of a table")
    if wide:
        from .table import add_wide

        add_wide(p)


def _settings(args: argparse.Namespace) -> Config | None:
    """The monitor's settings as its config file and AGENTTRACE_* variables give them
    (``--config`` names the file), or None when they cannot be read: then a line on
    stderr says so, once a command (its figures may not be the monitor's: another
    database, another price file)."""
    warn = not getattr(args, "_settings_warned", False)
    args._settings_warned = True
    skipped: list[str] = []
    try:
        from ..config import load_config

        cfg = load_config({}, config_path=getattr(args, "config", None), skipped=skipped)
    except Exception as exc:  # noqa: BLE001 -- a broken config file must not stop a read-only query
        if warn:
            print(f"{PROG}: warning: {clean(str(exc), 300)}; going on without the config file's settings",
                  file=sys.stderr)
        return None
    # A typo or a bad value costs only itself: the file's db and prices are still the monitor's.
    for problem in skipped if warn else ():
        print(f"{PROG}: warning: {clean(problem, 300)}; left out, the other settings used", file=sys.stderr)
    return cfg


def db_path(args: argparse.Namespace) -> Path:
    """--db, else AGENTTRACE_DB / the config file's ``db``, else the default path."""
    if getattr(args, "db", None):
        return Path(args.db).expanduser()
    cfg = _settings(args)
    if cfg is not None and cfg.db:
        return Path(cfg.db).expanduser()
    from ..store.paths import default_db_path

    return default_db_path()


def prices_path(args: argparse.Namespace) -> str | None:
    """--prices, else AGENTTRACE_PRICES / the config file's ``prices``: the price file the
    monitor prices with, so a command's costs are the figures the monitor shows."""
    if getattr(args, "prices", None):
        return str(args.prices)
    cfg = _settings(args)
    return cfg.prices if cfg is not None else None


def pricing_hook(prices: str | None = None) -> Callable[[Any], None]:
    """The monitor's pricing for spans read back (an import, the ``costs`` report), as a
    span hook for the store they go into, with the monitor's price file ``prices``
    (``prices_path``); raises ``PriceFileError`` for a bad one (before anything is written).

    A span saved without a price (no cost, or an unknown one) is priced now, or its
    tokens estimated, as the monitor would (once merged with what is stored). A figure
    a span carries is kept as it is: the monitor's own, shown live and by every other
    command, and an agent's ``reported`` one; so the same span shows the same cost
    everywhere, and an export imported back is the same data. Vocabularies are built
    up front (the counts are tiktoken's, not chars/4).
    """
    from ..enrich import make_enrichers

    (enricher,) = make_enrichers(prices, None, background_tokens=False)
    finish = enricher.coster.finish

    def hook(span: Any) -> None:
        c = span.cost
        if c is None or c.total is None:
            finish(span)

    return hook


def db_path_for_write(args: argparse.Namespace) -> Path:
    return db_path(args)


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit status 1."""


def fail(message: str, code: int = 1) -> int:
    from ..format.sanitize import clean

    print(f"{PROG}: {clean(message, 2000)}", file=sys.stderr)
    return code


def open_reader(args: argparse.Namespace) -> Any:
    """A Reader on the file, or CommandError with a clear message."""
    import sqlite3

    from ..store.sqlite import Reader, SchemaError, ensure_schema, needs_upgrade

    path = db_path(args)
    try:
        # A file from an older version is upgraded in place (one transaction)
        # so its unpriced and estimated counts show; a file we may not write
        # is read as it is.
        if path.exists() and needs_upgrade(path):
            ensure_schema(path)
    except (sqlite3.Error, OSError):
        pass
    try:
        return Reader(path)
    except FileNotFoundError:
        raise CommandError(f"no database at {path} (use --db, or run the monitor first)") from None
    except SchemaError as exc:
        raise CommandError(str(exc)) from None


def resolve_session_id(reader: Any, sid: str | None, *, allow_unknown: bool = False) -> str:
    """``latest`` (or nothing) -> the most recently active session's id; an id,
    or any unique prefix of one (as git takes commit ids). Not found or
    ambiguous: CommandError (one line, exit 1)."""
    if sid in (None, "", "latest"):
        rows = reader.sessions(limit=1)
        if not rows:
            raise CommandError("the database holds no sessions")
        return rows[0].id
    assert sid is not None
    if allow_unknown and not reader.ids_with_prefix("session", sid):
        return sid  # e.g. metric samples of a session that sent no span
    return _resolve(reader, "session", sid)


def resolve_trace_id(reader: Any, tid: str) -> str:
    """A trace id or any unique prefix of one; ``latest``: the newest trace, of the agent's own
    when there is one (not one made only of a client's framework internals)."""
    if tid == "latest":
        rows = reader.traces(limit=1, internal=False) or reader.traces(limit=1)
        if not rows:
            raise CommandError("the database holds no traces")
        return rows[0].trace_id
    return _resolve(reader, "trace", tid)


def _resolve(reader: Any, what: str, ident: str) -> str:
    found = reader.ids_with_prefix(what, ident)
    if ident in found:
        return ident
    if len(found) == 1:
        return found[0]
    from ..format.sanitize import clean

    if not found:
        raise CommandError(f"no {what} {clean(ident, 200)!r}")
    shown = ", ".join(clean(f, 64) for f in found[:10])
    more = " and more" if len(found) > 10 else ""
    raise CommandError(f"{what} id {clean(ident, 200)!r} is ambiguous: {shown}{more}; give more characters")


def positive_int(text: str) -> int:
    """argparse type for --limit and friends: a whole number of at least 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def print_json(value: Any) -> None:
    sys.stdout.write(_json.encode(value).decode())
    sys.stdout.write("\n")
    sys.stdout.flush()


def to_builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)


def cost_footnote(c: Any, unpriced: int, estimated: int, session: str | None = None, *,
                  cut: int = 0, running: int = 0) -> None:
    """What ``$?``, ``≈`` and ``…`` in the table above mean, printed only when they appear
    (``cut``: model calls that never ended, counted in a ``$?``; ``running``: calls still
    running, a ``+…``)."""
    from ..format.numbers import plural
    from ..format.sanitize import clean

    if unpriced:
        where = f" --session {clean(session, 80)}" if session else ""
        c.print(
            f"$?: {plural(unpriced, 'LLM call')} without a price ({'its' if unpriced == 1 else 'their'} cost is"
            f" unknown, not $0);"
            f" `{PROG} costs{where}` says why.",
            highlight=False,
            markup=False,
        )
    if cut:
        its = "its" if cut == 1 else "their"
        c.print(f"$?: {plural(cut, 'LLM call')} never ended ({its} session stopped running with {'it' if cut == 1 else 'them'}"
                f" open): {its} cost is unknown.", highlight=False, markup=False)
    if running:
        its = "its" if running == 1 else "their"
        c.print(f"…: {plural(running, 'LLM call')} still running; {its} cost comes with {its} end.",
                highlight=False, markup=False)
    if estimated:
        c.print(
            f"≈: {plural(estimated, 'span')} reported no usage; the monitor counted the tokens from the text.",
            highlight=False,
            markup=False,
        )


def time_arg(value: str | None, flag: str) -> int | None:
    if value is None:
        return None
    from ..format.timeparse import TimeParseError, parse_time

    try:
        return parse_time(value)
    except TimeParseError as exc:
        raise CommandError(f"{flag}: {exc}") from None


def guarded(run: Any) -> Any:
    """Wrap a command's run: CommandError and a missing/locked file become one-line errors."""
    import functools
    import sqlite3

    from ..store.schema import SchemaError

    @functools.wraps(run)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return int(run(args) or 0)
        except (CommandError, SchemaError) as exc:  # SchemaError: a file we cannot use, said in one line
            return fail(str(exc))
        except sqlite3.Error as exc:
            return fail(f"database error: {exc}")
        except BrokenPipeError:
            return 0

    return wrapper
