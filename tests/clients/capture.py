"""An OTLP/HTTP capture server: records every export a client sends, verbatim.

It accepts ``POST`` to any path ending in ``/v1/traces``, ``/v1/logs`` or
``/v1/metrics`` (protobuf or JSON, gzip/deflate or plain; so Langfuse's
``/api/public/otel/v1/traces`` is a traces request too), answers 200 with an
empty success body in the request's encoding (protobuf: zero bytes, which is
an empty ``Export*ServiceResponse``; JSON: ``{}``), and keeps each request in
arrival order.  Other paths get 404 and are recorded too (signal ``other``),
so a client exporting to a wrong path is visible.

Stable API:

    with CaptureServer() as cap:        # starts on a free port
        cap.url                          # "http://127.0.0.1:PORT" (OTLP base endpoint)
        cap.requests                     # list[Captured], arrival order
        cap.wait_quiet(0.5, timeout=10)  # wait until no request for 0.5 s
        cap.mark()                       # index of the next request (run boundaries)

``Captured`` fields: ``seq`` (1-based), ``path``, ``signal`` (``traces`` |
``logs`` | ``metrics`` | ``other``), ``content_type``, ``content_encoding``,
``body`` (bytes after gzip/deflate decoding), ``time``, ``user_agent``, and
``ext`` (``pb`` or ``json``) and ``filename(n)`` -> ``"NNN-traces.pb"``.

For clients whose exporter speaks only OTLP/gRPC, ``cap.start_grpc()`` also
serves the Trace, Logs and Metrics ``Export`` methods on a second port of
127.0.0.1 (``cap.grpc_url``, ``http://127.0.0.1:PORT``; needs grpcio): each
call is kept in the same ``requests`` list, its ``path`` the gRPC method
(``/opentelemetry.proto.collector.trace.v1.TraceService/Export``), its
``content_type`` ``application/grpc``, its ``body`` the request message as
received (gRPC itself undoes ``grpc-encoding: gzip``), answered with an
empty response message.

Run as a script (``python capture.py --port 4318 --out DIR``) it writes each
request to DIR as it arrives until killed.
"""

from __future__ import annotations

import argparse
import gzip
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SIGNALS = ("traces", "logs", "metrics")

#: The OTLP/gRPC services' ``Export`` methods, by signal.
GRPC_SERVICES = {
    "traces": "opentelemetry.proto.collector.trace.v1.TraceService",
    "logs": "opentelemetry.proto.collector.logs.v1.LogsService",
    "metrics": "opentelemetry.proto.collector.metrics.v1.MetricsService",
}


@dataclass
class Captured:
    """One OTLP request as it came in (body already decompressed)."""

    seq: int
    path: str
    signal: str
    content_type: str
    content_encoding: str
    body: bytes
    time: float
    user_agent: str | None = None

    @property
    def is_json(self) -> bool:
        return "json" in self.content_type.lower()

    @property
    def ext(self) -> str:
        return "json" if self.is_json else "pb"

    def filename(self, n: int | None = None) -> str:
        return f"{(self.seq if n is None else n):03d}-{self.signal}.{self.ext}"


class CaptureServer:
    """The capture server; see the module docstring for the stable API."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        out_dir: str | Path | None = None,
        on_request: Callable[[Captured], None] | None = None,
    ) -> None:
        self.requests: list[Captured] = []
        self.out_dir = Path(out_dir) if out_dir else None
        self.on_request = on_request
        self._lock = threading.Lock()
        self._last = time.monotonic()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._grpc: Any = None
        self._grpc_port: int | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> CaptureServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="otlp-capture", daemon=True)
        self._thread.start()
        return self

    @property
    def grpc_url(self) -> str:
        if self._grpc_port is None:
            raise RuntimeError("start_grpc() first")
        return f"http://127.0.0.1:{self._grpc_port}"

    def start_grpc(self, port: int = 0) -> str:
        """Also take OTLP/gRPC exports (see the module docstring); returns ``grpc_url``."""
        from concurrent import futures

        import grpc

        def handler(signal: str, method: str) -> Callable[[bytes, Any], bytes]:
            def export(body: bytes, context: Any) -> bytes:
                meta = dict(context.invocation_metadata())
                self._store(Captured(seq=0, path=method, signal=signal, content_type="application/grpc",
                                     content_encoding="", body=body, time=time.time(),
                                     user_agent=meta.get("user-agent")))
                return b""  # an empty Export*ServiceResponse
            return export

        handlers = [
            grpc.method_handlers_generic_handler(service, {
                "Export": grpc.unary_unary_rpc_method_handler(handler(signal, f"/{service}/Export")),
            })
            for signal, service in GRPC_SERVICES.items()
        ]
        self._grpc = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=handlers)
        self._grpc_port = self._grpc.add_insecure_port(f"127.0.0.1:{port}")
        self._grpc.start()
        return self.grpc_url

    def stop(self) -> None:
        if self._grpc is not None:
            self._grpc.stop(grace=1).wait()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> CaptureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def mark(self) -> int:
        """Index into ``requests`` where the next request will land."""
        with self._lock:
            return len(self.requests)

    def wait_quiet(self, quiet: float = 0.5, timeout: float = 10.0) -> None:
        """Block until no request arrived for ``quiet`` seconds (at most ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                idle = time.monotonic() - self._last
            if idle >= quiet:
                return
            time.sleep(min(quiet - idle, 0.1) + 0.01)

    def _store(self, cap: Captured) -> None:
        with self._lock:
            cap.seq = len(self.requests) + 1
            self.requests.append(cap)
            self._last = time.monotonic()
        if self.out_dir:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            (self.out_dir / cap.filename()).write_bytes(cap.body)
        if self.on_request:
            self.on_request(cap)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if not length and (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
                    raw = self._read_chunked()
                enc = (self.headers.get("Content-Encoding") or "").lower()
                try:
                    if enc == "gzip":
                        raw = gzip.decompress(raw)
                    elif enc == "deflate":
                        raw = zlib.decompress(raw)
                except Exception:  # noqa: BLE001 - keep the raw bytes; the encoding says what they are
                    pass
                path = self.path.split("?", 1)[0].rstrip("/")
                signal = next((s for s in SIGNALS if path.endswith("/v1/" + s)), "other")
                ctype = self.headers.get("Content-Type") or ""
                server._store(
                    Captured(
                        seq=0,
                        path=path,
                        signal=signal,
                        content_type=ctype,
                        content_encoding=enc,
                        body=raw,
                        time=time.time(),
                        user_agent=self.headers.get("User-Agent"),
                    )
                )
                if signal == "other":
                    self._reply(404, "text/plain", b"not an OTLP path")
                elif "json" in ctype.lower():
                    self._reply(200, "application/json", b"{}")
                else:
                    self._reply(200, "application/x-protobuf", b"")

            def do_GET(self) -> None:
                self._reply(404, "text/plain", b"OTLP capture: POST only")

            def _read_chunked(self) -> bytes:
                out = b""
                for _ in range(1_000_000):
                    size = int(self.rfile.readline().strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    out += self.rfile.read(size)
                    self.rfile.readline()
                return out

            def _reply(self, status: int, ctype: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=4318)
    parser.add_argument("--out", required=True, help="directory for NNN-signal.ext files")
    args = parser.parse_args()
    cap = CaptureServer(port=args.port, out_dir=args.out)
    print(cap.url, flush=True)
    try:
        cap._httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
