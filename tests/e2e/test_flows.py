"""The dashboard in a real browser against a real ``optionswarm run``: approvals, roles, live
events, kill switch (on a server of its own, since it halts trading for good)."""

from __future__ import annotations

import contextlib
import json
import statistics
import threading
import time
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from .conftest import Server, clear_queue, login, record_figures, spread_legs

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1366, "height": 860}


def _submit(server: Server, legs: list[dict[str, Any]], *, underlying: str = "SPX") -> Any:
    order = {
        "underlying": underlying,
        "legs": legs,
        "quantity": 1,
        "limit_price": None,
        "tif": "day",
        "structure": "put_spread",
    }
    with server.api("tom") as api:
        return api.post("/api/orders", json=order).raise_for_status().json()


def _card(page: Any, order_id: str) -> Any:
    return page.locator(f'[data-testid="approval-card"][data-order-id="{order_id}"]')


def _order_state(server: Server, order_id: str) -> str:
    with server.api("vic") as api:
        return str(api.get(f"/api/orders/{order_id}").raise_for_status().json()["state"])


def test_an_approver_approves_a_high_risk_order_and_sees_it_fill(
    server: Server, browser: Any
) -> None:
    clear_queue(server)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    login(page, server, "ann", then="/approvals/")
    page.get_by_test_id("stream-state").filter(has_text="live").wait_for()

    legs = spread_legs(server)
    started = time.monotonic()
    order = _submit(server, legs)
    accepted_s = time.monotonic() - started
    assert order["state"] == "pending_approval", order
    card = page.locator(
        f'[data-testid="approval-card"][data-order-id="{order["client_order_id"]}"]'
    )
    card.wait_for(timeout=5000)
    appeared_s = time.monotonic() - started
    record_figures(
        approval_in_queue_s={
            "order_accepted": round(accepted_s, 3),
            "card_shown": round(appeared_s, 3),
        }
    )
    assert appeared_s < 1.0
    assert "SPX \u00d7 1" in card.inner_text()  # "SPX x 1" with a multiplication sign
    assert card.get_by_test_id("max-loss").inner_text().startswith("$")

    clear_queue(server, keep=card.get_attribute("data-request-id"))
    card.get_by_label("Comment").fill("e2e: inside the limits")
    card.get_by_test_id("approve").click()
    deadline = time.monotonic() + 30
    while _order_state(server, order["client_order_id"]) != "filled":
        assert time.monotonic() < deadline, "the approved order did not fill in 30 s"
        clear_queue(server)  # the swarm's own requests would hold the replay
        time.sleep(0.3)

    page.get_by_role("link", name="Positions").first.click()
    short_leg = " ".join(order["legs"][0]["symbol"].split())
    row = page.get_by_test_id("position-row").filter(has_text=short_leg)
    row.wait_for(timeout=5000)
    assert "-1" in row.inner_text()
    context.close()


def test_a_viewer_gets_no_approve_button_and_a_forged_approval_is_refused(
    server: Server, browser: Any
) -> None:
    clear_queue(server)
    order = _submit(server, spread_legs(server, offset=1))
    assert order["state"] == "pending_approval", order
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    login(page, server, "vic", then="/approvals/")
    card = page.locator(
        f'[data-testid="approval-card"][data-order-id="{order["client_order_id"]}"]'
    )
    card.wait_for(timeout=5000)
    request_id = card.get_attribute("data-request-id")
    assert page.get_by_test_id("approve").count() == 0
    assert page.get_by_test_id("reject").count() == 0

    # the viewer forges the request the button would have sent, with the page's own token
    status = page.evaluate(
        """async (id) => {
            const s = JSON.parse(sessionStorage.getItem("optionswarm.session"));
            const r = await fetch(`/api/approvals/${id}/approve`, {
                method: "POST",
                headers: {"Authorization": `Bearer ${s.token}`, "Content-Type": "application/json"},
                body: JSON.stringify({comment: "forged"}),
            });
            return r.status;
        }""",
        request_id,
    )
    assert status == 403
    with server.api("vic") as api:
        assert (
            api.post(f"/api/approvals/{request_id}/approve", json={"comment": ""}).status_code
            == 403
        )
        assert api.get(f"/api/approvals/{request_id}").json()["status"] == "pending"
    clear_queue(server)
    context.close()


class _ReferenceClient:
    """A bare WebSocket client on the same stream: when it has an event, the server has sent it.
    It gives the page's figure a peer (what the browser adds to the server's sending)."""

    def __init__(self, server: Server) -> None:
        self.url = (
            server.base.replace("http://", "ws://") + f"/api/stream?token={server.token('vic')}"
        )
        self.first: dict[str, float] = {}
        self.ws: Any = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        assert self.ready.wait(10), "the reference client did not connect"

    def _read(self) -> None:
        from websockets.sync.client import connect

        with connect(self.url) as ws, contextlib.suppress(ConnectionClosed):
            self.ws = ws
            self.ready.set()
            for message in ws:
                now = time.time() * 1000
                event = json.loads(message)
                key = event.get("data", {}).get("client_order_id")
                if event["type"] == "order" and key:
                    self.first.setdefault(key, now)

    def close(self) -> None:
        self.ws.close()
        self.thread.join(timeout=5)


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 2),
        "p99": round(ordered[int(0.99 * (len(ordered) - 1))], 2),
        "max": round(ordered[-1], 2),
    }


def test_every_live_event_reaches_the_page_and_is_timed(server: Server, browser: Any) -> None:
    """Orders refused at once by risk (wrong underlying), about 20 a second, one order event each.
    For each: when the test sent it, when a bare WebSocket client got its first event (the server
    has sent it) and when the page's stream handler got it. Every event must reach the page; the
    delays are figures (artifacts/e2e-figures.json; the target, p99 < 100 ms after the server sent
    it, is reported there, not asserted: on a shared 2-core machine that measures the neighbours).
    The figure from the send includes the request and the risk check."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    login(page, server, "vic")
    page.get_by_test_id("stream-state").filter(has_text="live").wait_for()
    legs = spread_legs(server)
    reference = _ReferenceClient(server)
    sent: dict[str, float] = {}
    try:
        with server.api("tom") as api:
            for _ in range(200):
                order = {"underlying": "NDX", "legs": legs, "quantity": 1, "limit_price": None}
                before = time.time() * 1000
                reply = api.post("/api/orders", json=order).raise_for_status().json()
                sent[reply["client_order_id"]] = before
                assert reply["state"] == "denied"
                time.sleep(0.03)
        page.wait_for_function(
            "ids => ids.every(id => (window.__oswStream || []).some(p => p.key === id))",
            arg=list(sent),
        )
    finally:
        reference.close()
    at_page: dict[str, float] = {}
    for probe in page.evaluate("window.__oswStream"):
        if probe["type"] == "order" and probe["key"] in sent:
            at_page.setdefault(probe["key"], probe["recv_ms"])
    assert set(at_page) == set(sent)
    assert set(sent) <= set(reference.first)
    after_server = _summary([at_page[k] - reference.first[k] for k in sent])
    record_figures(
        event_latency_ms={
            "server_sent_to_page": after_server,
            "order_sent_to_page": _summary([at_page[k] - sent[k] for k in sent]),
            "order_sent_to_server_sent": _summary([reference.first[k] - sent[k] for k in sent]),
        }
    )
    assert after_server["n"] == len(sent)  # every order's event timed (a figure, not a bound)
    context.close()


def test_the_kill_switch_halts_trading_and_the_overview_shows_it(
    own_server: Server, browser: Any
) -> None:
    server = own_server
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    login(page, server, "tom")
    state = page.get_by_test_id("trading-state")
    state.wait_for()
    assert state.inner_text() != "HALTED"
    page.get_by_test_id("kill-switch").click()
    page.get_by_label("Reason").fill("e2e drill")
    page.get_by_test_id("kill-confirm").click()
    page.get_by_test_id("trading-state").filter(has_text="HALTED").wait_for(timeout=3000)
    with server.api("vic") as api:
        status = api.get("/api/status").raise_for_status().json()
    assert status["kill_engaged"] is True
    assert status["trading_state"].upper() == "HALTED"
    assert page.get_by_test_id("kill-switch").is_disabled()
    # an order placed now is refused
    assert _submit(server, spread_legs(server))["state"] == "denied"
    context.close()
