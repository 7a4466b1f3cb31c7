"""Fault injection for the service tests: a TCP proxy on a free loopback port that a test stops
(every live connection cut, new ones refused, as when a server goes down) and starts again.

Clients are pointed at the proxy instead of the real server (PostgreSQL on 5432, Redis on 6379),
so a test takes only its own connections down and never disturbs other tests or helpers.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class TcpProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target``; ``stop()`` is an outage, ``start()`` the end."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        with socket.socket() as probe:  # a free port, kept across stop/start
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Accept connections again."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.05)
        self._listener = listener
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Refuse new connections and cut every open one (both directions)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            live, self._sockets = self._sockets, set()
        for sock in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads = [t for t in self._threads if t.is_alive()]

    def cut(self) -> None:
        """Drop every open connection but keep accepting (a killed client connection)."""
        with self._lock:
            live, self._sockets = self._sockets, set()
        for sock in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(src, dst), daemon=True).start()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxy() -> Iterator[Callable[[int], TcpProxy]]:
    """Make running proxies to a loopback port; all stopped at the end of the test."""
    made: list[TcpProxy] = []

    def make(target_port: int) -> TcpProxy:
        p = TcpProxy(target_port)
        p.start()
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()


def pg_url_via(proxy: TcpProxy, schema: str) -> str:
    """PostgreSQL through ``proxy``, with ``schema`` as the search path."""
    url = sa.make_url(PG_URL).set(port=proxy.port)
    return str(url.update_query_dict({"options": f"-csearch_path={schema}"}))


@pytest.fixture
def pg_proxy_url(proxy: Callable[[int], TcpProxy], pg_schema: str) -> tuple[TcpProxy, str]:
    """A proxy to PostgreSQL and the URL of a fresh schema through it."""
    p = proxy(5432)
    return p, pg_url_via(p, pg_schema)
