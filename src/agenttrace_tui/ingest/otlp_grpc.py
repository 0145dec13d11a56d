"""OTLP/gRPC receiver: the Trace, Logs and Metrics services on the monitor's loop.

Built on ``grpc.aio`` (grpcio), which runs its handlers as coroutines on the
running asyncio loop, so a request reaches the pipeline with no thread
hand-off, exactly like the HTTP receiver's. The service names come from the
``opentelemetry-proto`` descriptors; the methods are registered as generic
handlers on raw bytes rather than through the generated servicers, so a
body goes through the same ``OtlpIngest.export`` as an HTTP one: the same
protobuf parse, limits, conversion, forwarding and reject counting (an
undecodable body is an ``undecodable_body`` reject here too, where a
generated deserializer would fail inside gRPC, uncounted).

Status codes follow the OTLP/gRPC spec: OK with ``partial_success`` for
rejected items, INVALID_ARGUMENT for a body that cannot be used (not
retryable), RESOURCE_EXHAUSTED past the size limit. gzip
(``grpc-encoding: gzip``) is inflated by gRPC itself; a message larger than
the decompressed-size limit is refused by gRPC before it reaches us (so it
is not in our reject counters).
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from .otlp_http import HttpError, OtlpIngest, OtlpStats, authorized
from .receivers import PortInUseError

if TYPE_CHECKING:
    from .otlp_http import Forwarder
    from .pipeline import Pipeline

SOURCE = "otlp-grpc"
DEFAULT_PORT = 4317

#: Fully qualified service name -> signal.
SERVICES = {
    trace_service_pb2.DESCRIPTOR.services_by_name["TraceService"].full_name: "traces",
    logs_service_pb2.DESCRIPTOR.services_by_name["LogsService"].full_name: "logs",
    metrics_service_pb2.DESCRIPTOR.services_by_name["MetricsService"].full_name: "metrics",
}


def grpc_available() -> bool:
    """True when grpcio is installed (the receiver needs it; the rest of the monitor does not)."""
    try:
        import grpc.aio  # noqa: F401
    except ImportError:
        return False
    return True


def _status(err: HttpError) -> Any:
    import grpc

    if err.status == 413:
        return grpc.StatusCode.RESOURCE_EXHAUSTED
    if err.status == 503:
        return grpc.StatusCode.UNAVAILABLE  # retryable: the exporter keeps the batch
    return grpc.StatusCode.INVALID_ARGUMENT


class OtlpGrpcServer:
    """A running OTLP/gRPC receiver."""

    def __init__(self, core: OtlpIngest, token: str | None = None) -> None:
        self.core = core
        #: The shared secret every call must carry as ``authorization: Bearer <token>`` metadata.
        self.token = token.encode() if token else None
        self.stats = OtlpStats()
        self.address: tuple[str, int] = ("", 0)
        self._server: Any = None

    @property
    def endpoint(self) -> str:
        host, port = self.address
        host = f"[{host}]" if ":" in host else host
        return f"otlp grpc {host}:{port}"

    def _handler(self, signal: str) -> Callable[[bytes, Any], Awaitable[bytes]]:
        async def export(body: bytes, context: Any) -> bytes:
            st = self.stats
            st.requests += 1
            if self.token is not None:
                metadata = {k.lower(): v for k, v in (context.invocation_metadata() or ())}
                auth = metadata.get("authorization", "")
                if not isinstance(auth, str) or not authorized(auth, self.token):
                    import grpc

                    st.responses[401] += 1
                    self.core.reject("unauthorized", "missing or wrong token: send authorization: Bearer <token> "
                                     "metadata", None, source=SOURCE)
                    await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong token")
                    raise AssertionError("unreachable: abort raises")
            try:
                rejects = await self.core.export(signal, body, gzip=False, json=False, source=SOURCE, stats=st)
            except HttpError as err:
                st.responses[err.status] += 1
                self.core.reject(err.reason, err.detail, body, source=SOURCE)
                await context.abort(_status(err), err.detail)
                raise AssertionError("unreachable: abort raises") from None
            st.responses[200] += 1
            return self.core.success(signal, rejects, False)

        return export

    async def close(self) -> None:
        if self._server is not None:
            # A short grace: in-flight exports finish, new ones are refused.
            await self._server.stop(0.5)
            self._server = None


async def start_otlp_grpc(
    pipeline: Pipeline,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    core: OtlpIngest | None = None,
    forwarder: Forwarder | None = None,
    token: str | None = None,
) -> OtlpGrpcServer:
    """Bind the OTLP/gRPC receiver on the running loop (port 0: any free port).

    ``core`` is the HTTP receiver's, so both transports share limits and
    state; without one a new core is made. Raises ``PortInUseError``, or
    ``ImportError`` when grpcio is not installed. With a ``token`` every call
    needs ``authorization: Bearer <token>`` metadata (else UNAUTHENTICATED,
    counted as "unauthorized").
    """
    import grpc
    import grpc.aio

    core = core or OtlpIngest(pipeline, forwarder=forwarder)
    server = OtlpGrpcServer(core, token)
    # The check gRPC itself makes, at our decompressed-size limit; the
    # compressed size is bounded by it too.
    limit = core.max_decompressed_bytes
    # SO_REUSEPORT (gRPC's default) would let two monitors share 4317 silently.
    options = [("grpc.max_receive_message_length", limit), ("grpc.so_reuseport", 0)]
    srv = grpc.aio.server(options=options, maximum_concurrent_rpcs=256)
    handlers = [
        grpc.method_handlers_generic_handler(name, {"Export": grpc.unary_unary_rpc_method_handler(server._handler(sig))})
        for name, sig in SERVICES.items()
    ]
    srv.add_generic_rpc_handlers(handlers)
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if port and _in_use(host, port):
        raise PortInUseError("otlp-grpc", host, port, "--otlp-grpc-port")
    try:
        bound = srv.add_insecure_port(target)
    except RuntimeError as exc:
        raise OSError(errno.EADDRINUSE, f"cannot bind {target}: {exc}") from None
    if bound == 0:
        raise PortInUseError("otlp-grpc", host, port, "--otlp-grpc-port")
    await srv.start()
    server._server = srv
    server.address = (host, bound)
    return server


def _in_use(host: str, port: int) -> bool:
    """Whether something already listens there (gRPC's own bind error says little)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False
