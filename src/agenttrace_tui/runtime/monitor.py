"""The running monitor: store, pipeline, receivers and writer, wired together.

``Monitor.start()`` must be awaited on the event loop that will own the
receivers (the Textual app's loop, or ``asyncio.run`` when headless). It
raises before anything listens if a port is taken, so the CLI can print one
line and exit. ``stop()`` closes receivers first, then flushes the writer, so
everything received is on disk when it returns.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from ..config import Config, socket_path
from ..ingest.pipeline import Pipeline
from ..ingest.stats import IngestStats
from ..store.memory import Store

if TYPE_CHECKING:
    # Imported lazily at run time: a monitor without OTLP, forwarding or a DB
    # never loads those modules (start-up time).
    from ..ingest.otlp_grpc import OtlpGrpcServer
    from ..ingest.otlp_http import OtlpServer
    from ..ingest.receivers import ReceiverSet
    from ..store.writer import Writer
    from .forward import Forwarder


log = logging.getLogger(__name__)
#: Seconds after start at which the price data loads on a worker thread (after the UI's first frame).
LOAD_PRICES_AFTER_S = 1.0


class MonitorStatus(msgspec.Struct, kw_only=True):
    """What the header shows: a cheap snapshot taken once per frame."""

    endpoints: list[str]  # e.g. ["udp 127.0.0.1:4319", "tcp 127.0.0.1:4319", "unix /run/..."]
    spans_per_s: float
    accepted: int
    rejected: int
    evicted: int
    lost: int
    db_path: str | None
    db_size: int | None
    forward_dropped: int = 0
    db_errors: int = 0
    #: False while the database refuses writes (disk full, read-only, locked):
    #: ``db_waiting`` spans are then held in memory and retried with backoff.
    db_writable: bool = True
    db_waiting: int = 0
    #: spans the writer dropped (the waiting bound, or a row it had to quarantine)
    db_dropped: int = 0
    #: rows set aside in the ``quarantine`` table this run
    db_quarantined: int = 0
    #: values the door fixed in records it kept (normalize/limits.py)
    fixed: int = 0
    #: damage found in the database while running (store/check.py), one line
    db_problem: str | None = None


class Monitor:
    def __init__(self, config: Config | None = None, store: Store | None = None) -> None:
        from ..config import ConfigError, token_problem

        self.config = config or Config()
        problem = token_problem(self.config)
        if problem is not None:
            raise ConfigError(problem)
        self.store = store or Store(self.config.max_spans, idle_ns=int(self.config.session_idle * 1_000_000_000))
        if not self.config.persist:
            # Nothing will ever drain changes for a writer: keep none from the first span
            # (a store filled before start, e.g. an import, held one map entry per span).
            self.store.track_dirty = False
        self.stats = IngestStats()
        self.pipeline = Pipeline(
            self.store,
            self.stats,
            enrichers=_enrichers(self.config, self.store),
            max_record_bytes=self.config.max_record_bytes,
        )
        self.receivers: ReceiverSet | None = None
        self.otlp: OtlpServer | None = None
        self.otlp_grpc: OtlpGrpcServer | None = None
        #: Why a configured receiver is not running (e.g. grpcio not installed).
        self.notes: list[str] = []
        self.writer: Writer | None = None
        self.forwarder: Forwarder | None = None
        self.retention_pruned = 0
        #: this run's row in the file's monitor_runs (store/runs.py), and how
        #: many sessions of a previous monitor that died were marked interrupted
        self.run_id: int | None = None
        self.interrupted_marked = 0
        self._started = False
        #: damage the background quick_check of a big database found (one line)
        self.db_problem: str | None = None
        self._check_task: asyncio.Task[None] | None = None
        #: the price data's load, due a second after start (``_load_prices_aside``)
        self._prices_due: asyncio.TimerHandle | None = None

    @property
    def db_path(self) -> Path | None:
        if not self.config.persist:
            return None
        if self.config.db:
            return Path(self.config.db).expanduser()
        from ..store.paths import default_db_path

        return default_db_path()

    def socket_path(self) -> str | None:
        return socket_path(self.config)

    async def start(self) -> None:
        """Bind every receiver, open the DB; idempotent. Raises PortInUseError."""
        if self._started:
            return
        from ..ingest.receivers import start_receivers

        cfg = self.config
        udp_port = cfg.udp_port
        if cfg.token and udp_port is not None:
            # A datagram has no connection to authenticate once, and a secret in every
            # datagram would cost a check per record: with a token, native senders use
            # a stream (the SDK moves a udp:// endpoint to TCP on the same port).
            udp_port = None
            self.notes.append("UDP off: a token is set; native senders use TCP or the Unix socket with a hello line")
        self.receivers = await start_receivers(
            self.pipeline,
            host=cfg.bind,
            udp_port=udp_port,
            tcp_port=cfg.tcp_port,
            unix_path=self.socket_path(),
            max_record_bytes=cfg.max_record_bytes,
            token=cfg.token,
        )
        try:
            await self._start_optional()
        except BaseException:
            # Close what did start, so a failed start leaves no port bound.
            for part in (self.otlp_grpc, self.otlp, self.receivers):
                if part is not None:
                    await part.close()
            raise
        self._started = True
        # A live span whose end comes within the hold is stored once, complete (Pipeline.hold).
        self.pipeline.hold(asyncio.get_running_loop().call_later)
        self._recount_when_vocabularies_are_built()
        self._load_prices_aside()

    def _load_prices_aside(self) -> None:
        """The price data loads on a worker thread soon after start, so the first model call
        priced does not stop the loop for it (134 ms measured: keys, frames and the
        receivers would wait; the first TCP run of bench_ingest paid 2.7 µs a span).
        Not at once: the thread would take the interpreter from the UI's first frame."""
        import threading

        from ..enrich.prices import PriceBook

        thread = threading.Thread(target=PriceBook.load_bundled, name="agenttrace-prices", daemon=True)
        self._prices_due = asyncio.get_running_loop().call_later(LOAD_PRICES_AFTER_S, thread.start)

    def _recount_when_vocabularies_are_built(self) -> None:
        """Token vocabularies are built in a worker thread when a span first needs
        one (about 0.5 s each; ``o200k_base`` holds about 55 MB, ``cl100k_base`` 30 MB).
        Built at start-up, both held 115 MB even though most agents report their
        usage and never need one. The few spans counted by characters while a
        vocabulary is built are counted again when it is ready."""
        import asyncio
        from collections.abc import Callable

        from ..enrich import CostEnricher

        loop = asyncio.get_running_loop()
        for enricher in self.pipeline.enrichers:
            if not isinstance(enricher, CostEnricher) or not enricher.coster.estimator.background:
                continue
            coster = enricher.coster
            refresh = enricher.refresh

            def ready(refresh: Callable[[], int] = refresh) -> None:  # on the worker thread
                try:
                    loop.call_soon_threadsafe(refresh)
                except RuntimeError:  # the loop is gone: nothing left to show
                    pass

            coster.estimator.on_ready = ready

    async def _start_optional(self) -> None:
        cfg = self.config
        if cfg.forward:
            from .forward import Forwarder

            self.forwarder = Forwarder(cfg.forward, store=self.store)
            await self.forwarder.start()
            self.pipeline.taps.append(self.forwarder.tap)
        if cfg.otlp_port is not None:
            from ..ingest.otlp_http import start_otlp

            self.otlp = await start_otlp(self.pipeline, host=cfg.bind, port=cfg.otlp_port, forwarder=self.forwarder,
                                         token=cfg.token)
        if cfg.otlp_grpc_port is not None:
            await self._start_grpc()
        path = self.db_path
        if path is not None:
            await self._open_db(path)
        else:
            self.store.track_dirty = False  # nothing persists: keep no changes for a writer

    async def _open_db(self, path: Path) -> None:
        """Check the file (private, SQLite, ours, writable, not damaged), then start the writer.

        Every way the file can be unusable is a ``DatabaseProblem`` with one
        line for the user, raised before anything is written to it.
        """
        import sqlite3

        from ..store.check import DatabaseProblem, prepare_database
        from ..store.maintenance import apply_retention
        from ..store.sqlite import SchemaError, Writer

        check_later = await asyncio.to_thread(prepare_database, path)
        try:
            self.retention_pruned = apply_retention(path, self.config.retain_days)
            await self._begin_run(path)
            self.writer = Writer(self.store, path)
            await self.writer.start()
        except (SchemaError, sqlite3.Error, OSError) as exc:
            self.writer = None
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise DatabaseProblem(f"cannot open the database {path}: {detail}; choose another file with --db") from None
        writer = self.writer
        self.pipeline.durable = writer.sync
        # A sender faster than the disk pauses instead of growing memory (ingest/flow.py).
        from ..ingest.flow import Flow

        flow = self.pipeline.flow = Flow(lambda: writer.backlog, self.store.max_pending, active=lambda: writer.writable)
        writer.on_written.append(flow.release)
        if check_later:
            self._check_task = asyncio.create_task(self._check_db(path), name="agenttrace-db-check")

    async def _check_db(self, path: Path) -> None:
        """quick_check of a big file while the monitor runs; damage is shown, not fatal."""
        from ..store.check import background_check

        problem = await asyncio.to_thread(background_check, path)
        if problem is not None:
            self.db_problem = problem
            # The diagnostics view cuts long lines: what to do first, then what was found.
            self.notes.append(f"database damaged: agenttrace-tui db recover --db {path}  ({problem})")

    async def _start_grpc(self) -> None:
        from ..ingest.otlp_grpc import grpc_available, start_otlp_grpc

        if not grpc_available():
            self.notes.append("OTLP/gRPC off: grpcio is not installed (pip install grpcio)")
            return
        cfg = self.config
        self.otlp_grpc = await start_otlp_grpc(
            self.pipeline, host=cfg.bind, port=cfg.otlp_grpc_port or 0,
            core=self.otlp.core if self.otlp is not None else None, forwarder=self.forwarder, token=cfg.token,
        )

    async def _begin_run(self, path: Path) -> None:
        import asyncio

        from ..store.runs import begin_run

        try:
            self.run_id, self.interrupted_marked = await asyncio.to_thread(begin_run, path)
        except Exception:  # noqa: BLE001 -- the writer reports a broken file itself; runs are a nicety on top
            self.run_id = None

    async def stop(self) -> None:
        """Stop receiving, then flush everything received to the DB; idempotent."""
        if not self._started:
            return
        self._started = False
        if self._prices_due is not None:
            self._prices_due.cancel()  # (a no-op once the load has started: it finishes on its own)
        if self._check_task is not None and not self._check_task.done():
            self._check_task.cancel()  # the worker thread finishes on its own; nothing waits for it
        clock = time.perf_counter
        t0 = clock()
        for part in (self.receivers, self.otlp, self.otlp_grpc):
            if part is not None:
                await part.close()
        self.pipeline.release()  # the span_starts still held, stored before the last flush
        if self.forwarder is not None:
            await self.forwarder.close()
        t1 = clock()
        await self._stop_tokens()
        self._unended_unpriced()
        t2 = clock()
        if self.writer is not None:
            await self.writer.close()
            t3 = clock()
            if self.run_id is not None:
                await self._end_run(self.writer.path, self.run_id)
        else:
            t3 = clock()
        # Where quitting spends its time (docs/benchmarks.md measures the whole).
        log.debug(
            "stopped in %.0f ms: receivers %.0f, vocabularies %.0f, database flush %.0f, run end %.0f",
            (clock() - t0) * 1000, (t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000, (clock() - t3) * 1000,
        )

    async def _stop_tokens(self) -> None:
        """Let a vocabulary build under way finish (off the loop: exiting while it
        runs in native code can crash the process), then count again the spans
        counted by characters meanwhile, before the last flush: the file ends
        with the figures the store ended with (a build that finished after the
        flush left the file with the rough count and the store with the exact one)."""
        import asyncio

        from ..enrich import CostEnricher
        from ..enrich.tokens import TokenEstimator

        await asyncio.to_thread(TokenEstimator.join_builds)
        for enricher in self.pipeline.enrichers:
            if isinstance(enricher, CostEnricher):
                enricher.refresh()

    def _unended_unpriced(self) -> None:
        """Model calls still open with no tokens, at the last flush: the file says their
        cost is unknown and why (it summed them as $0, silently, in every later report)."""
        from ..enrich.cost import unended_unpriced
        from ..model import SpanKind

        llm = SpanKind.LLM_CALL
        keys = [(t.trace_id, s.span_id) for t in self.store.traces.values() for s in t.spans.values()
                if s.end_ns is None and s.kind is llm and s.usage is None and s.cost is None]
        if keys:
            self.store.rederive(keys, unended_unpriced)

    async def _end_run(self, path: Path, run_id: int) -> None:
        """After the last flush: sessions of this run are never "running" again
        (store/runs.py), unless a later monitor hears from them."""
        import asyncio

        from ..store.runs import end_run

        if not path.exists():
            # Deleted while we ran: the writer wrote on into the deleted file, gone with it.
            log.warning("the database %s was deleted while the monitor ran: what it held is gone "
                        "(the next start makes a new one)", path)
            return
        try:
            await asyncio.to_thread(end_run, path, run_id, list(self.store.sessions))
        except Exception:  # noqa: BLE001 -- a read-only file (or one deleted just now): the data is saved already
            pass

    def yield_to_input(self, seconds: float) -> None:
        """The UI answers a key: for ``seconds`` (0: no longer) the receivers take
        short turns of the loop (``ReceiverSet.yield_to_input``)."""
        if self.receivers is not None:
            self.receivers.yield_to_input(seconds)

    @property
    def endpoints(self) -> list[str]:
        out: list[str] = []
        if self.receivers is not None:
            out.extend(self.receivers.endpoints)
        if self.otlp is not None:
            out.append(self.otlp.endpoint)
        if self.otlp_grpc is not None:
            out.append(self.otlp_grpc.endpoint)
        return out

    def status(self) -> MonitorStatus:
        w = self.writer
        return MonitorStatus(
            endpoints=self.endpoints,
            spans_per_s=self.store.rate.rate(),
            accepted=sum(self.stats.accepted.values()),
            rejected=self.stats.rejected_total,
            evicted=self.store.evicted_spans,
            lost=self.stats.lost,
            db_path=str(w.path) if w is not None else None,
            db_size=w.db_size() if w is not None else None,
            forward_dropped=self.forwarder.dropped if self.forwarder is not None else 0,
            db_errors=w.errors if w is not None else 0,
            db_writable=w.writable if w is not None else True,
            db_waiting=w.pending_spans if w is not None and not w.writable else 0,
            db_dropped=w.dropped_spans if w is not None else 0,
            db_quarantined=w.quarantined if w is not None else 0,
            fixed=sum(self.stats.fixed.values()),
            db_problem=self.db_problem,
        )


def _enrichers(config: Config, store: Store) -> list:
    from ..config import ConfigError
    from ..enrich import make_enrichers
    from ..enrich.prices import PriceFileError

    # With the store, pricing runs on merged spans (span_start + span_end).
    try:
        return make_enrichers(config.prices, store)
    except PriceFileError as exc:
        raise ConfigError(str(exc)) from None
