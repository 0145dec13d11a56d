"""Settings: defaults < TOML config file < AGENTTRACE_* env vars < flags.

Only the ``Config`` struct lives here for now; loading and validation are
built by the engine issue's CLI work.
"""

from __future__ import annotations

import msgspec

from .ingest.protocol import DEFAULT_MAX_RECORD_BYTES
from .store.memory import DEFAULT_MAX_SPANS


class Config(msgspec.Struct, kw_only=True):
    #: Address receivers bind; anything but loopback needs an explicit --bind.
    bind: str = "127.0.0.1"
    udp_port: int = 4319
    tcp_port: int = 4319
    #: Unix socket path; "" disables it; None means the default path.
    socket: str | None = None
    #: OTLP/HTTP port (0 disables).
    otlp_port: int = 4318
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
