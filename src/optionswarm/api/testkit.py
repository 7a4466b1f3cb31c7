"""For tests and benchmarks of the API: a small real runtime and a real server on loopback.

:class:`SmallRuntime` is what :class:`~optionswarm.service.runtime.NodeRuntime` offers the
service, built small: a paper ``TradingNode`` on a simulated clock (SPY, modelled chains of
``risk.testkit``), oversight in human mode, an in-memory audit log, the real ``EventHub`` and a
real ``ReplayDriver`` over a few sessions (started paused). :class:`ServerThread` runs uvicorn on
a free loopback port in a thread with its own event loop; :meth:`ServerThread.call` runs a
function on that loop (the node's thread), as every route does.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from argon2 import PasswordHasher

from optionswarm.api.app import create_app
from optionswarm.api.security import Security
from optionswarm.audit.log import AuditLog
from optionswarm.audit.signing import Ed25519Signer
from optionswarm.audit.store import AuditStore
from optionswarm.config import Settings
from optionswarm.data.replay import ReplayEvent
from optionswarm.engine import SimulatedClock
from optionswarm.engine.events import SessionClose
from optionswarm.engine.topics import BARS, CHAINS, SESSIONS
from optionswarm.model import Bar, ChainSnapshot
from optionswarm.model.testkit import TS_NS
from optionswarm.node import TradingNode
from optionswarm.oversight.config import OversightConfig
from optionswarm.oversight.service import OversightService
from optionswarm.oversight.wiring import attach_oversight, in_memory_store
from optionswarm.risk.testkit import option_symbol, standard_chain
from optionswarm.service.core import TradingService
from optionswarm.service.hub import EventHub
from optionswarm.service.jobs import BacktestJobs
from optionswarm.service.replay import ReplayDriver
from optionswarm.service.users import User, UserStore, hash_password
from optionswarm.storage.sql import SqlConfig, create_sql_engine

__all__ = [
    "FAST_HASHER",
    "PASSWORD",
    "ServerThread",
    "SmallRuntime",
    "bearer",
    "free_port",
    "loopback_uvicorn",
    "put_spread_order",
    "security_for",
]

T = TypeVar("T")
PASSWORD = "correct horse battery"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only
_DAY = 86_400 * 1_000_000_000


def security_for(
    roles: tuple[str, ...] = ("viewer", "trader", "approver", "admin"), **limits: Any
) -> Security:
    """One user per role, named after it, all with :data:`PASSWORD` (cheap hashes)."""
    users = {
        role: User(username=role, role=role, password_hash=hash_password(PASSWORD, FAST_HASHER))
        for role in roles
    }
    return Security(users=UserStore(users, FAST_HASHER), secret=b"s" * 32, **limits)


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header of a token."""
    return {"Authorization": f"Bearer {token}"}


def _events(sessions: int) -> Iterator[ReplayEvent]:
    for day in range(sessions):
        ts = TS_NS + day * _DAY
        spot = 100.0 + day
        yield Bar(symbol="SPY", ts_ns=ts, open=spot, high=spot + 1, low=spot - 1, close=spot)
        yield standard_chain(spot=spot, ts_ns=ts)


class SmallRuntime:
    """A paper node with oversight, audit, hub and a paused replay (see the module docstring)."""

    def __init__(
        self,
        state_dir: Path,
        *,
        sessions: int = 3,
        speed: float = 50.0,
        strategy: str = "buy-and-hold",
        oversight: bool = True,
    ) -> None:
        self.settings = Settings.model_validate(
            {
                "mode": "paper",
                "backtest": {"underlying": "SPY"},
                "strategy": {"name": strategy},
                "risk": {"allow_market_orders": True, "loss_breakers": True},
                "oversight": {"enabled": True, "mode": "human"},
                "api": {"state_dir": str(state_dir)},
            }
        )
        self.clock = SimulatedClock(start_ns=TS_NS - 1)
        sql = create_sql_engine(SqlConfig(url="sqlite://", synchronous="OFF"))
        self.audit = AuditLog(AuditStore(sql), Ed25519Signer.generate(), clock=self.clock.now_ns)
        self.node = TradingNode(self.settings, clock=self.clock, audit=self.audit)
        config = OversightConfig.from_settings(self.settings.oversight)
        self.oversight: OversightService | None = (
            attach_oversight(self.node, config, store=in_memory_store()) if oversight else None
        )
        self.hub = EventHub(self.node.bus)
        self.replay: ReplayDriver | None = ReplayDriver(
            _events(sessions),
            self.clock,
            publish=self._publish,
            close_session=self._close,
            underlying="SPY",
            sessions_total=sessions,
            speed=speed,
        )

    def _publish(self, event: ReplayEvent) -> None:
        if isinstance(event, Bar):
            self.node.bus.publish(BARS, event)
        else:
            self.node.bus.publish(CHAINS, event)

    def _close(self, ts_ns: int) -> None:
        self.node.bus.publish(SESSIONS, SessionClose(ts_ns=ts_ns, day=str(ts_ns // _DAY)))

    def publish_chain(self, chain: ChainSnapshot | None = None) -> None:
        """Publish a chain now (marks for risk; call on the node's loop)."""
        chain = chain or standard_chain(ts_ns=self.clock.now_ns())
        self.node.bus.publish(CHAINS, chain)

    async def start(self) -> None:
        """Start hub, node and the (paused) replay on the running loop."""
        self.hub.start()
        self.node.start()
        self.clock.advance_to(TS_NS)
        self.publish_chain(standard_chain(ts_ns=TS_NS))
        if self.replay is not None:
            self.replay.start(paused=True)

    async def stop(self) -> None:
        """Stop the replay, the node and the hub."""
        if self.replay is not None:
            await self.replay.stop()
        self.node.stop()
        self.hub.stop()

    def components_state(self) -> dict[str, str]:
        """Each component's state, and the replay's."""
        states = {c.name: str(c.state.value) for c in self.node.components}
        if self.replay is not None:
            states["replay"] = self.replay.state.value
        return states


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when installed (as uvicorn itself would pick), else asyncio's."""
    try:
        import uvloop  # noqa: PLC0415 - optional
    except ImportError:  # pragma: no cover - uvloop is there with uvicorn[standard]
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def put_spread_order(
    client_order_id: str, quantity: int, limit_price: float | None = None
) -> dict[str, Any]:
    """A manual order body: the 95/90 SPY put spread of the risk testkit's standard chain."""
    chain = standard_chain()
    return {
        "client_order_id": client_order_id,
        "underlying": "SPY",
        "legs": [
            {"symbol": option_symbol(chain, 95.0, call=False), "side": "sell"},
            {"symbol": option_symbol(chain, 90.0, call=False), "side": "buy"},
        ],
        "quantity": quantity,
        "limit_price": limit_price,
        "structure": "vertical",
    }


def loopback_uvicorn(app: Any) -> tuple[uvicorn.Server, int]:
    """uvicorn for ``app`` on a free loopback port (quiet, no lifespan, sans-io WebSockets)."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="websockets-sansio",
    )
    return uvicorn.Server(config), port


class ServerThread:
    """uvicorn serving ``create_app(service, security)`` on 127.0.0.1 in a thread."""

    def __init__(
        self,
        runtime: SmallRuntime,
        security: Security,
        *,
        wrap: Callable[[Any], Any] | None = None,
        jobs: BacktestJobs | None = None,
    ) -> None:
        self.runtime = runtime
        self.service = TradingService(runtime, jobs=jobs)
        app = create_app(self.service, security, dashboard_dir=None)
        self.app = app
        self.server, self.port = loopback_uvicorn(wrap(app) if wrap else app)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="api-server", daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(self._serve())

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.runtime.start()
        try:
            await self.server.serve()
        finally:
            await self.runtime.stop()
            self.service.close()

    def start(self, timeout: float = 20.0) -> ServerThread:
        """Start and wait until the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)
        return self

    def call(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Run ``fn`` on the server's loop (the node's thread) and return its result."""
        assert self.loop is not None

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        self.server.should_exit = True
        self._thread.join(timeout=20)
