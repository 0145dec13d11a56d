"""Sockets the sender thread writes to: UDP datagrams, or TCP / Unix streams.

Endpoints are URLs: ``udp://127.0.0.1:4319`` (the default), ``tcp://host:port``,
``unix:///path/to/socket`` (or ``unix://relative/path``), ``udp://[::1]:4319``
for IPv6, and ``none`` to send nothing. ``AGENTTRACE_ENDPOINT`` supplies the
default. ``AGENTTRACE_TOKEN`` (a monitor's shared secret) makes every stream
start with a hello line carrying it, and sends a ``udp://`` endpoint over TCP.

A missing monitor must cost the agent nothing visible. UDP: a datagram to a
closed port is simply lost (an ICMP "refused" that surfaces as an OSError on a
later send is ignored and counted). Streams: a failed connect is counted and
retried with exponential backoff (0.1 s doubling to 5 s); while disconnected
the sender leaves records in its bounded queue, so a monitor started a moment
after the agent still gets them. Only the sender thread calls these methods.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Protocol, cast

DEFAULT_ENDPOINT = "udp://127.0.0.1:4319"
#: Largest UDP datagram the sender builds by packing records into a JSON array.
UDP_BATCH_BYTES = 16 * 1024


class EndpointError(ValueError):
    """An endpoint URL that cannot be used; ``str()`` says why."""


def default_endpoint() -> str:
    return os.environ.get("AGENTTRACE_ENDPOINT", "").strip() or DEFAULT_ENDPOINT


def parse_endpoint(url: str) -> tuple[str, object]:
    """``(scheme, address)``: ("udp"|"tcp", (host, port)), ("unix", path) or ("none", None)."""
    url = url.strip()
    if url.lower() in ("none", "off", "disabled"):
        return "none", None
    if url.startswith("unix://"):
        path = url[len("unix://") :]
        if not path:
            raise EndpointError(f"endpoint {url!r}: unix:// needs a socket path, e.g. unix:///tmp/agenttrace.sock")
        return "unix", path
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("udp", "tcp"):
        raise EndpointError(f"endpoint {url!r}: scheme must be udp://, tcp:// or unix://")
    rest = rest.split("/", 1)[0]
    # Parsed by hand: urllib.parse would add milliseconds to the SDK's import.
    if rest.startswith("["):
        host, _, port_text = rest[1:].partition("]")
        port_text = port_text[1:] if port_text.startswith(":") else ""
    else:
        host, _, port_text = rest.rpartition(":")
    if not host or not port_text:
        raise EndpointError(f"endpoint {url!r}: expected {scheme}://host:port")
    try:
        port = int(port_text)
    except ValueError:
        raise EndpointError(f"endpoint {url!r}: invalid port {port_text!r}") from None
    if not 0 < port < 65536:
        raise EndpointError(f"endpoint {url!r}: port must be 1-65535")
    return scheme, (host, port)


class Transport(Protocol):
    errors: int

    def ready(self) -> bool: ...

    def send(self, payloads: list[bytes]) -> bool: ...

    def close(self) -> None: ...


class NullTransport:
    """Sends nothing (endpoint ``none``): tracing code runs, nothing leaves."""

    errors = 0
    stream = True

    def ready(self) -> bool:
        return True

    def send(self, payloads: list[bytes]) -> bool:
        return True

    def close(self) -> None:
        pass


class UdpTransport:
    """One datagram per payload; the sender packs records into JSON arrays of at most ``batch_bytes``."""

    stream = False

    def __init__(self, host: str, port: int, batch_bytes: int = UDP_BATCH_BYTES) -> None:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
        self.sock = socket.socket(info[0], socket.SOCK_DGRAM)
        self.address = info[4]
        self.batch_bytes = batch_bytes
        self.errors = 0
        self.datagrams = 0

    def ready(self) -> bool:
        return True

    def send(self, payloads: list[bytes]) -> bool:
        sendto = self.sock.sendto
        addr = self.address
        ok = True
        for payload in payloads:
            try:
                sendto(payload, addr)
                self.datagrams += 1
            except OSError:
                # ECONNREFUSED from an earlier datagram, ENOBUFS...: lose it, count it.
                self.errors += 1
                ok = False
        return ok

    def close(self) -> None:
        self.sock.close()


class StreamTransport:
    """Newline-delimited JSON over TCP or a Unix socket; reconnects with backoff.

    Each payload is many lines, written with one ``sendall``.
    """

    stream = True

    def __init__(self, family: int, address: object, connect_timeout: float = 1.0, send_timeout: float = 5.0,
                 token: str | None = None) -> None:
        self.family = family
        #: Sent as the first line of every connection: ``{"v":1,"type":"hello","token":"..."}``.
        self.hello = hello_line(token) if token else None
        self.address = address
        self.connect_timeout = connect_timeout
        self.send_timeout = send_timeout
        self.sock: socket.socket | None = None
        self.errors = 0
        self.connect_failures = 0
        self.connects = 0
        self._retry_at = 0.0
        self._backoff = 0.1

    def ready(self) -> bool:
        if self.sock is not None:
            return True
        now = time.monotonic()
        if now < self._retry_at:
            return False
        sock = socket.socket(self.family, socket.SOCK_STREAM)
        sock.settimeout(self.connect_timeout)
        try:
            sock.connect(self.address)  # type: ignore[arg-type]
        except OSError:
            sock.close()
            self.connect_failures += 1
            self._retry_at = now + self._backoff
            self._backoff = min(self._backoff * 2, 5.0)
            return False
        sock.settimeout(self.send_timeout)
        if self.family != socket.AF_UNIX:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.hello is not None:
            try:
                sock.sendall(self.hello)
            except OSError:
                sock.close()
                self.connect_failures += 1
                self._retry_at = now + self._backoff
                self._backoff = min(self._backoff * 2, 5.0)
                return False
        self.sock = sock
        self.connects += 1
        self._backoff = 0.1
        return True

    def send(self, payloads: list[bytes]) -> bool:
        if self.sock is None and not self.ready():
            self.errors += 1
            return False
        assert self.sock is not None
        try:
            for payload in payloads:
                self.sock.sendall(payload)
            return True
        except OSError:
            # Peer gone or stuck past send_timeout: drop this batch, reconnect later.
            self.errors += 1
            self._disconnect()
            return False

    def _disconnect(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self._retry_at = time.monotonic() + self._backoff

    def close(self) -> None:
        self._disconnect()


def default_token() -> str | None:
    return os.environ.get("AGENTTRACE_TOKEN", "").strip() or None


def hello_line(token: str) -> bytes:
    """The first line of a stream to a monitor that requires a token (docs/protocol.md)."""
    import json

    return json.dumps({"v": 1, "type": "hello", "token": token}, separators=(",", ":")).encode() + b"\n"


def open_transport(endpoint: str, udp_batch_bytes: int = UDP_BATCH_BYTES, token: str | None = None) -> Transport:
    """The transport for ``endpoint``. With a token (``token``, else ``AGENTTRACE_TOKEN``)
    streams open with a hello line, and a ``udp://`` endpoint is reached over TCP at
    the same host and port: a monitor that requires a token takes no datagrams."""
    scheme, address = parse_endpoint(endpoint)
    token = token or default_token()
    if scheme == "none":
        return NullTransport()
    if scheme == "udp" and token:
        scheme = "tcp"
    if scheme == "udp":
        host, port = cast("tuple[str, int]", address)
        try:
            return UdpTransport(host, port, udp_batch_bytes)
        except OSError as exc:
            raise EndpointError(f"endpoint {endpoint!r}: {exc}") from None
    if scheme == "tcp":
        host, port = cast("tuple[str, int]", address)
        try:
            info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        except OSError as exc:
            raise EndpointError(f"endpoint {endpoint!r}: {exc}") from None
        return StreamTransport(info[0], info[4], token=token)
    if not hasattr(socket, "AF_UNIX"):
        raise EndpointError("unix:// endpoints need a platform with Unix sockets")
    return StreamTransport(socket.AF_UNIX, address, token=token)
