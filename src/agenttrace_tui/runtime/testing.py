"""A tiny in-process monitor for testing instrumented code.

``LocalMonitor`` binds a real socket on 127.0.0.1 (UDP, TCP or a Unix
socket, port 0), feeds what arrives into the monitor's own ``Pipeline`` and
``Store`` on a background thread, and lets a test wait for a condition::

    with LocalMonitor() as mon:
        tracer = Tracer(endpoint=mon.endpoint, set_global=False)
        ...
        tracer.flush()
        mon.wait_for(lambda store: store.span_count >= 3)

Importing it loads the monitor's store and pipeline (not the UI); it is not
part of ``agenttrace_tui.sdk``: agents import the SDK alone.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from ..ingest.pipeline import Pipeline
from ..store.memory import Store


class LocalMonitor:
    def __init__(self, transport: str = "udp", *, path: str | None = None, max_spans: int = 200_000, rcvbuf: int = 8 * 1024 * 1024) -> None:
        self.transport = transport
        self.store = Store(max_spans)
        self.pipeline = Pipeline(self.store)
        self.lock = threading.Lock()
        self.datagrams = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._tmpdir: str | None = None
        if transport == "udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            except OSError:
                pass
            self.sock.bind(("127.0.0.1", 0))
            self.endpoint = f"udp://127.0.0.1:{self.sock.getsockname()[1]}"
        elif transport == "tcp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.bind(("127.0.0.1", 0))
            self.sock.listen(16)
            self.endpoint = f"tcp://127.0.0.1:{self.sock.getsockname()[1]}"
        elif transport == "unix":
            if path is None:
                self._tmpdir = tempfile.mkdtemp(prefix="agenttrace-test-")
                path = os.path.join(self._tmpdir, "monitor.sock")
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(path)
            self.sock.listen(16)
            self.endpoint = f"unix://{path}"
        else:
            raise ValueError(f"transport must be udp, tcp or unix, not {transport!r}")
        self.sock.settimeout(0.05)

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> LocalMonitor:
        target = self._udp_loop if self.transport == "udp" else self._accept_loop
        self._spawn(target)
        return self

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        self.sock.close()
        if self._tmpdir:
            for name in os.listdir(self._tmpdir):
                os.unlink(os.path.join(self._tmpdir, name))
            os.rmdir(self._tmpdir)

    def __enter__(self) -> LocalMonitor:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()
        self._threads.append(t)

    # -- reading -------------------------------------------------------------
    def _udp_loop(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65_536)
            except (TimeoutError, BlockingIOError):
                continue
            except OSError:
                return
            with self.lock:
                self.datagrams += 1
                self.pipeline.feed(data, "udp")

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, BlockingIOError):
                continue
            except OSError:
                return
            conn.settimeout(0.05)
            self._spawn(self._stream_loop, conn)

    def _stream_loop(self, conn: socket.socket) -> None:
        buf = b""
        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(1 << 16)
                except (TimeoutError, BlockingIOError):
                    continue
                except OSError:
                    return
                if not data:
                    return
                buf += data
                *lines, buf = buf.split(b"\n")
                with self.lock:
                    for line in lines:
                        if line.strip():
                            self.pipeline.feed(line, self.transport)

    # -- asserting -----------------------------------------------------------
    def wait_for(self, predicate: Callable[[Store], bool], timeout: float = 10.0) -> bool:
        """Poll ``predicate(store)`` (under the lock) until true or ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if predicate(self.store):
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def spans(self) -> list[Any]:
        with self.lock:
            return list(self.store.iter_spans())
