"""Settings: defaults < TOML config file < AGENTTRACE_* env vars < flags.

Every setting has one name used everywhere: the TOML key (``udp_port = 4400``),
the env var (``AGENTTRACE_UDP_PORT=4400``) and the flag (``--udp-port 4400``).
A bad value is a ``ConfigError`` naming the setting and where it came from.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from .normalize.records import DEFAULT_MAX_RECORD_BYTES
from .store.entries import DEFAULT_SESSION_IDLE_S
from .store.limits import DEFAULT_MAX_SPANS

ENV_PREFIX = "AGENTTRACE_"


class Config(msgspec.Struct, kw_only=True):
    #: Address receivers bind; anything but loopback needs an explicit --bind.
    bind: str = "127.0.0.1"
    #: Ports: 0 picks a free port, None ("off") disables the receiver.
    udp_port: int | None = 4319
    tcp_port: int | None = 4319
    #: Unix socket path; "" or "off" disables it; None means the default path.
    socket: str | None = None
    #: OTLP/HTTP port (None disables).
    otlp_port: int | None = 4318
    #: OTLP/gRPC port (None disables).
    otlp_grpc_port: int | None = 4317
    #: Upstream OTLP/HTTP endpoint to forward everything to.
    forward: str | None = None
    #: SQLite file; None means the default in the user's data directory.
    db: str | None = None
    persist: bool = True
    max_spans: int = DEFAULT_MAX_SPANS
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    #: Per-session budget in USD (None: no budget).
    budget: float | None = None
    #: User price file (TOML) that overrides bundled prices.
    prices: str | None = None
    #: Delete saved sessions older than this many days (None: keep all).
    retain_days: float | None = None
    #: Seconds with no running span and no record after which a session is no
    #: longer shown as running (it is quiet: done, or error if any span failed).
    session_idle: float = DEFAULT_SESSION_IDLE_S
    #: The engine's log (runtime/logsetup.py): level, and file (None: the user state dir).
    log_level: str = "warning"
    log_file: str | None = None
    #: Shared secret every sender must present (OTLP: ``Authorization: Bearer``;
    #: native streams: a first ``hello`` line). Required when a receiver listens
    #: beyond loopback. Prefer AGENTTRACE_TOKEN or the config file to the flag,
    #: which other local users can read in the process list.
    token: str | None = None
    #: Key remapping, only from the config file's ``[keys]`` table: binding id ->
    #: keys, e.g. ``"app.pause" = "p"`` (``?`` in the monitor lists every id).
    keys: dict[str, str] = msgspec.field(default_factory=dict)


_FIELDS = {f.name: f for f in msgspec.structs.fields(Config)}
_PORTS = ("udp_port", "tcp_port", "otlp_port", "otlp_grpc_port")
_OFF = ("off", "none", "disabled")


class ConfigError(ValueError):
    """A setting with a bad value; the message names the setting and its source."""


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("agenttrace-tui")) / "config.toml"


def _read_file(path: Path, skipped: list[str] | None = None) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    for key in list(data):
        if key not in _FIELDS:
            problem = f"config file {path}: unknown setting {key!r} (known: {', '.join(_FIELDS)})"
            if skipped is None:
                raise ConfigError(problem)
            skipped.append(problem)
            del data[key]
    return data


def _expected(name: str, tp: Any) -> str:
    if name in _PORTS:
        return "a port number 0 to 65535, or 'off'"
    words = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}
    for t, word in words.items():
        if tp == t or tp == (t | None):
            return word
    return str(tp)


def _coerce(name: str, value: Any) -> Any:
    """Convert one raw value (TOML value, env string or flag string) to its type."""
    if isinstance(value, str):
        text = value.strip()
        if name in _PORTS and text.lower() in _OFF:
            return None
        if name == "socket" and text.lower() in _OFF:
            return ""
        if name == "persist":
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"expected true or false, got {value!r}")
    field = _FIELDS[name]
    try:
        out = msgspec.convert(value, field.type, strict=False)
    except msgspec.ValidationError:
        raise ValueError(f"expected {_expected(name, field.type)}, got {value!r}") from None
    if name in _PORTS and out is not None and not 0 <= out <= 65535:
        raise ValueError(f"a port must be 0 to 65535 or 'off', got {out}")
    if name == "max_spans" and out < 1:
        raise ValueError(f"must be at least 1, got {out}")
    if name == "max_record_bytes" and not 512 <= out <= 16 * 1024 * 1024:
        raise ValueError(f"must be 512 to 16777216 bytes, got {out}")
    if name == "log_level":
        out = out.lower()
        if out not in ("debug", "info", "warning", "error", "off"):
            raise ValueError(f"expected debug, info, warning, error or off, got {value!r}")
    if name in ("budget", "retain_days", "session_idle") and out is not None and out <= 0:
        raise ValueError(f"must be positive, got {out}")
    if name == "token" and out is not None:
        out = out.strip()
        if not out:
            return None
        if any(not 0x21 <= ord(c) <= 0x7E for c in out):
            raise ValueError("expected visible ASCII characters with no spaces (e.g. from `openssl rand -hex 24`)")
    if name == "bind":
        try:
            ipaddress.ip_address(out)
        except ValueError:
            raise ValueError(f"expected an IP address such as 127.0.0.1 or ::1, got {out!r}") from None
    return out


def load_config(
    flags: Mapping[str, Any] | None = None,
    *,
    config_path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    skipped: list[str] | None = None,
) -> Config:
    """Merge defaults, the config file, env vars and flags (``None`` flag = not given).

    The config file is ``config_path``, else ``$AGENTTRACE_CONFIG``, else the
    default path if it exists. ``skipped``: instead of raising for an unknown
    setting or a bad value in the file or the environment, leave it out and say
    why there (a read-only query keeps the file's other settings: its ``db`` and
    ``prices`` are what the monitor used); a flag's bad value still raises.
    """
    env = os.environ if env is None else env
    explicit = config_path or env.get(ENV_PREFIX + "CONFIG")
    path = Path(explicit) if explicit else default_config_path()
    layers: list[tuple[str, dict[str, Any]]] = []
    if explicit or path.exists():
        layers.append((f"config file {path}", _read_file(path, skipped)))
    layers.append(
        (
            "environment",
            {name: env[ENV_PREFIX + name.upper()] for name in _FIELDS if ENV_PREFIX + name.upper() in env},
        )
    )
    layers.append(("command line", {k: v for k, v in (flags or {}).items() if v is not None and k in _FIELDS}))
    values: dict[str, Any] = {}
    for source, layer in layers:
        for name, raw in layer.items():
            try:
                values[name] = _coerce(name, raw)
            except ValueError as exc:
                where = (
                    f"--{name.replace('_', '-')}"
                    if source == "command line"
                    else f"{ENV_PREFIX}{name.upper()}"
                    if source == "environment"
                    else source
                )
                if skipped is None or source == "command line":
                    raise ConfigError(f"invalid {name} ({where}): {exc}") from None
                skipped.append(f"invalid {name} ({where}): {exc}")
    return Config(**values)


def token_problem(cfg: Config) -> str | None:
    """Why ``cfg`` cannot run as it is (a receiver beyond loopback without a token), or None."""
    if cfg.token or is_loopback(cfg.bind):
        return None
    if all(getattr(cfg, port) is None for port in _PORTS):
        return None
    return (f"listening on {cfg.bind} (beyond loopback) needs a shared token: set AGENTTRACE_TOKEN, "
            "token in the config file, or --token; senders then present it (docs/protocol.md, docs/otlp.md)")


def socket_path(cfg: Config) -> str | None:
    """The Unix socket the monitor listens on with these settings, or None when it is off.

    One rule for the monitor that binds it and the commands that point senders at it
    (``env sdk``, ``send``), so they name the same path.
    """
    if cfg.socket == "":
        return None
    if cfg.socket is None:
        from .ingest.receivers import default_socket_path

        return default_socket_path()
    return os.path.expanduser(cfg.socket)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
