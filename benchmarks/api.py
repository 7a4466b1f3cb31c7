"""API figures, printed as JSON: GET latency under a paced loopback load, and WebSocket fan-out.

* GET ``/health`` and ``/api/positions`` (with a token, through auth, rate limiting and the body
  limit; the node holds a few option positions) at ``--rate`` requests per second, open loop:
  each request has a scheduled send time and its latency counts from then, so a slow server is
  not hidden by a client that waits (no coordinated omission). The peer is a bare FastAPI app's
  ``/hello`` on uvicorn in the same process, measured the same way.
* WebSocket fan-out: ``--events`` per second emitted through the runtime's ``EventHub`` to
  ``--clients`` stream clients; latency from the emit (wall clock) to each client's receipt.

The servers run in this process (uvicorn in a thread each); the load runs in a second process
(raw keep-alive HTTP/1.1 over asyncio streams, ``websockets`` for the stream), so the client's
CPU is not the server's. Targets: p99 < 20 ms at 1,000 req/s; event-to-client p99 < 50 ms.

    .venv/bin/python benchmarks/api.py [--rate 1000] [--seconds 5] [--clients 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

_CONNECTIONS = 32


def _summary(latencies_s: list[float], errors: int, seconds: float) -> dict[str, Any]:
    ms = np.array(latencies_s) * 1e3
    if not len(ms):
        return {"requests": 0, "errors": errors}
    return {
        "requests": len(ms),
        "errors": errors,
        "throughput_per_s": round(len(ms) / seconds, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p90_ms": round(float(np.percentile(ms, 90)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "max_ms": round(float(ms.max()), 2),
    }


async def _http_load(
    port: int, path: str, token: str, rate: float | None, seconds: float
) -> dict[str, Any]:
    """Open loop at ``rate`` requests/s; ``rate`` None: closed loop, as fast as answered."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    errors = 0
    total = int((rate or 1e6) * seconds)
    start = time.perf_counter() + 0.2
    end = start + seconds

    async def worker(index: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for i in range(index, total, _CONNECTIONS):
            if rate is None:
                scheduled = time.perf_counter()
                if scheduled > end:
                    break
            else:
                scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - scheduled)
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
        writer.close()

    await asyncio.gather(*(worker(i) for i in range(_CONNECTIONS)))
    return _summary(latencies, errors, time.perf_counter() - start)


_CLOSED_NOTE = "closed loop, 32 connections: p* are service times at the server's capacity"


async def _ws_load(port: int, token: str, clients: int, seconds: float) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    latencies: list[float] = []

    async def client() -> None:
        async with connect(f"ws://127.0.0.1:{port}/api/stream?token={token}") as ws:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=deadline - time.monotonic())
                except TimeoutError:
                    break
                now = time.time_ns()
                message = json.loads(raw)
                if message["type"] == "bench":
                    latencies.append((now - message["data"]["sent_ns"]) / 1e9)

    await asyncio.gather(*(client() for _ in range(clients)))
    summary = _summary(latencies, 0, seconds)
    summary["clients"] = clients
    return summary


def _load_process(job: dict[str, Any], out: Any) -> None:
    if job["kind"] == "http":
        result = asyncio.run(
            _http_load(job["port"], job["path"], job["token"], job["rate"], job["seconds"])
        )
    else:
        result = asyncio.run(_ws_load(job["port"], job["token"], job["clients"], job["seconds"]))
    out.put(result)


def _in_second_process(job: dict[str, Any]) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    process = ctx.Process(target=_load_process, args=(job, out))
    process.start()
    result: dict[str, Any] = out.get(timeout=job["seconds"] + 120)
    process.join()
    return result


def _peer_server() -> tuple[Any, int]:
    import uvicorn
    from fastapi import FastAPI

    from optionswarm.api.testkit import free_port

    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"status": "ok"}

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return server, port


def _with_positions(server: Any) -> int:
    from optionswarm.risk.testkit import option_symbol, standard_chain
    from optionswarm.service import views as v
    from optionswarm.service.core import Actor

    chain = standard_chain()
    actor = Actor("bench", "trader")
    for i, (strike, call) in enumerate(
        ((95.0, False), (90.0, False), (105.0, True), (110.0, True))
    ):
        order = v.SubmitOrder(
            underlying="SPY",
            legs=[v.LegRequest(symbol=option_symbol(chain, strike, call=call), side="buy")],
            quantity=1 + i,
            limit_price=None,
        )
        server.call(lambda order=order: server.service.submit_order(order, actor))
    return len(server.call(server.service.positions))


async def _emit(server: Any, per_second: float, seconds: float) -> None:
    hub = server.runtime.hub
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        hub.emit("bench", {"sent_ns": time.time_ns()}, 0)
        await asyncio.sleep(1.0 / per_second)


def main() -> None:
    """Run the figures and print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--events", type=float, default=100.0)
    args = parser.parse_args()

    import httpx

    from optionswarm.api.testkit import (
        PASSWORD,
        ServerThread,
        SmallRuntime,
        security_for,
    )

    state = Path(tempfile.mkdtemp(prefix="bench-api-"))
    runtime = SmallRuntime(state, oversight=False)
    security = security_for(rate_limit_per_minute=10_000_000)
    server = ServerThread(runtime, security).start()
    login = {"username": "viewer", "password": PASSWORD}
    token = httpx.post(f"{server.url}/api/auth/login", json=login).json()["access_token"]
    positions = _with_positions(server)
    common = {"token": token, "rate": args.rate, "seconds": args.seconds}
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "loadavg_before": os.getloadavg()},
        "load": {
            "rate_per_s": args.rate,
            "seconds": args.seconds,
            "connections": _CONNECTIONS,
            "capacity_runs": _CLOSED_NOTE,
        },
    }
    peer, peer_port = _peer_server()
    targets = {
        "health": (server.port, "/health"),
        "positions": (server.port, "/api/positions"),
        "peer_bare_fastapi_hello": (peer_port, "/hello"),
    }
    for name, (port, path) in targets.items():  # capacity first: what the server can answer
        closed = {**common, "rate": None}
        results[f"{name}_capacity"] = _in_second_process(
            {"kind": "http", "port": port, "path": path, **closed}
        )
    for name, (port, path) in targets.items():
        results[name] = _in_second_process({"kind": "http", "port": port, "path": path, **common})
    results["positions"]["positions_held"] = positions
    peer.should_exit = True
    assert server.loop is not None
    emitter = asyncio.run_coroutine_threadsafe(
        _emit(server, args.events, args.seconds + 3.0), server.loop
    )
    results["websocket_fanout"] = _in_second_process(
        {
            "kind": "ws",
            "port": server.port,
            "token": token,
            "clients": args.clients,
            "seconds": args.seconds,
        }
    )
    results["websocket_fanout"]["events_per_s"] = args.events
    emitter.result(timeout=30)
    server.stop()
    results["machine"]["loadavg_after"] = os.getloadavg()
    results["targets"] = {
        "get_p99_ms_at_1000_rps": 20,
        "ws_event_to_client_p99_ms": 50,
        "positions_met": results["positions"].get("p99_ms", 1e9) < 20,
        "health_met": results["health"].get("p99_ms", 1e9) < 20,
        "ws_met": results["websocket_fanout"].get("p99_ms", 1e9) < 50,
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
