"""``/api/stream?token=JWT``: live events as JSON text messages ``{type, ts_ns, seq, data}``.

The first message is ``hello`` (the caller's role, server time); then every event the runtime's
``EventHub`` fans out. A client may send ``{"type": "ping"}`` and gets ``{"type": "pong"}``.
A bad token is refused before the handshake completes (close code 4401, audited); the socket is
closed (4401) when the token expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import msgspec
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from optionswarm.api.security import Security, TokenError
from optionswarm.api.service_port import ApiService

__all__ = ["router"]

router = APIRouter()
_QUEUE = 1_000
_encode = msgspec.json.Encoder().encode


def _hello(username: str, role: str, service: ApiService) -> bytes:
    now = time.time_ns()
    data = {
        "username": username,
        "role": role,
        "server_time_ns": now,
        "node_ts_ns": service.now_ns(),
    }
    return _encode({"type": "hello", "ts_ns": now, "seq": 0, "data": data})


async def _pump(ws: WebSocket, events: asyncio.Queue[Any], expires_at: float) -> None:
    while True:
        timeout = expires_at - time.time()
        if timeout <= 0:
            await ws.close(code=4401, reason="token expired")
            return
        try:
            event = await asyncio.wait_for(events.get(), timeout=timeout)
        except TimeoutError:
            continue
        await ws.send_text(_encode(event).decode())


async def _listen(ws: WebSocket) -> None:
    while True:
        text = await ws.receive_text()
        try:
            message = msgspec.json.decode(text)
        except msgspec.DecodeError:
            continue
        if isinstance(message, dict) and message.get("type") == "ping":
            await ws.send_text(f'{{"type":"pong","ts_ns":{time.time_ns()}}}')


@router.websocket("/api/stream")
async def stream(ws: WebSocket, token: str = "") -> None:
    """Live events (see the module docstring)."""
    service: ApiService = ws.app.state.service
    security: Security = ws.app.state.security
    try:
        principal = security.verify(token)
    except TokenError as exc:
        ip = ws.client.host if ws.client is not None else "unknown"
        service.record(
            "auth.denied",
            {"status": 401, "path": "/api/stream", "reason": f"invalid token: {exc}", "ip": ip},
        )
        await ws.close(code=4401, reason="a valid token is required")
        return
    hub = service.runtime.hub
    events: asyncio.Queue[Any] = hub.subscribe(_QUEUE)
    try:
        await ws.accept()
        await ws.send_text(_hello(principal.username, principal.role, service).decode())
        pump = asyncio.create_task(_pump(ws, events, principal.expires_at))
        listen = asyncio.create_task(_listen(ws))
        done, pending = await asyncio.wait({pump, listen}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await task
        for task in done:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                task.result()
    finally:
        hub.unsubscribe(events)
