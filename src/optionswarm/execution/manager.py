"""``OrderManager``: every order's life, from intent through the risk gate to the broker and back.

* One table-driven state machine (:mod:`optionswarm.execution.states`); every transition is an
  ``OrderEvent`` on ``ORDER_EVENTS`` with a reason code and a sentence.
* Idempotent client order ids: the same intent again is a no-op that returns the existing order;
  a different intent under a used id is refused (``DuplicateOrderIdError``; on the bus, a
  ``duplicate_client_order_id`` rejection).
* Packages stay whole: legs fill at the ratio, and the order's ``filled_quantity`` counts package
  units whose every leg has filled (never one leg alone).
* Cancel / replace, DAY orders expire at the session close, ``cancel_all`` / ``flatten`` (risk's
  ``OrderControl``), ``reconcile`` against the broker's positions (mismatches feed risk).
* With an ``ExecutionStore`` every transition, fill and position is committed before it is
  published, and ``on_start`` recovers the stored book.
* The store unreachable (``StoreUnavailableError``): nothing is sent to the broker whose
  transition was not stored (a new order is denied with ``storage_unavailable``, an approved one
  rejected), the failure feeds the observer (risk's ``storage_errors`` breaker halts trading) and
  an ``ExecutionNotice`` says so. Facts from the broker (acks, fills, cancels) still move the
  book in memory; their writes wait in order (``StoreWrites``) and land on the next write once
  the store is back.

Errors: ``DuplicateOrderIdError`` (a caller bug: refuse), ``UnknownOrderError`` (no such id),
``IllegalOrderTransitionError`` (the request makes no sense in the order's state).
"""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from collections.abc import Callable, Mapping

import msgspec

from optionswarm.bus import MessageBus, Subscription
from optionswarm.engine import Clock, Component, TimeEvent
from optionswarm.engine.events import OrderRejected, SessionClose
from optionswarm.engine.topics import FILLS, ORDERS, REJECTIONS, SESSIONS
from optionswarm.execution.events import (
    EXECUTION_NOTICES,
    ORDER_EVENTS,
    ExecutionNotice,
    OrderEvent,
    OrderRecord,
)
from optionswarm.execution.ports import ExecutionClient, RiskGate, RiskOutcome
from optionswarm.execution.positions import PositionBook
from optionswarm.execution.states import OrderState, OrderTrigger, apply_order_trigger
from optionswarm.execution.store import ExecutionStore
from optionswarm.execution.store_writes import StoreWrites
from optionswarm.model import Fill, OrderIntent, TimeInForce
from optionswarm.storage.sql import StoreUnavailableError

__all__ = ["DuplicateOrderIdError", "OrderManager", "UnknownOrderError"]

_T = OrderTrigger
_NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
_SESSION_ALARM = "order-manager.session-close"
_STORE_DOWN = "storage_unavailable"


class DuplicateOrderIdError(ValueError):
    """A different order arrived under a client order id already used."""


class UnknownOrderError(KeyError):
    """No order under that client order id."""


class OrderManager(Component):
    """Owns orders and the path intent -> risk gate -> execution client; implements OrderControl."""

    def __init__(
        self,
        bus: MessageBus,
        clock: Clock,
        gate: RiskGate,
        client: ExecutionClient,
        *,
        store: ExecutionStore | None = None,
        observer: Callable[[object], None] | None = None,
        session_close: dt.time | None = None,
    ) -> None:
        super().__init__("order-manager", bus, clock)
        # New York time at which DAY orders expire on the clock (paper/live); backtests expire
        # them on the replay's SessionClose events instead
        self.session_close = session_close
        self.gate = gate
        self.client = client
        self.store = store
        self.observer = observer  # e.g. RiskEngine.observe: position checks feed its breakers
        self.writes = StoreWrites("execution", self._on_store_failure)
        self._lock = threading.RLock()  # wall-clock timers (latency, heartbeat) run on a thread
        self._subscriptions: list[Subscription] = []
        self.on_reset()

    def on_reset(self) -> None:
        self.orders: dict[str, OrderRecord] = {}
        self.book = PositionBook()
        self.transitions = 0
        self._flatten_seq = 0
        self._pending: dict[str, list[Fill]] = {}  # leg fills of a unit not yet whole

    def on_start(self) -> None:
        if self.store is not None:
            self._recover(self.store)
        if self.session_close is not None:
            self._arm_session_close()
        broker_positions = getattr(self.client, "positions", None)
        if callable(broker_positions):  # a broker that reports positions is reconciled at start
            self.reconcile(broker_positions())
        self._subscriptions = [
            self.bus.subscribe(ORDERS, self._on_intent),
            self.bus.subscribe(FILLS, self.on_fill),
            self.bus.subscribe(REJECTIONS, self._on_rejection),
            self.bus.subscribe(SESSIONS, self._on_session_close),
        ]

    def on_stop(self) -> None:
        for subscription in self._subscriptions:
            self.bus.unsubscribe(subscription)
        self._subscriptions = []
        self.clock.cancel(_SESSION_ALARM)

    def _arm_session_close(self) -> None:
        assert self.session_close is not None
        now = dt.datetime.fromtimestamp(self.clock.now_ns() / 1e9, tz=_NEW_YORK)
        close = dt.datetime.combine(now.date(), self.session_close, tzinfo=_NEW_YORK)
        if close <= now:
            close = dt.datetime.combine(
                now.date() + dt.timedelta(days=1), self.session_close, tzinfo=_NEW_YORK
            )
        at_ns = int(close.timestamp()) * 1_000_000_000
        self.clock.set_alarm(_SESSION_ALARM, at_ns, self._on_session_alarm)

    def _on_session_alarm(self, event: TimeEvent) -> None:
        self.expire_day_orders("the session closed on the clock")
        self.clock.cancel(_SESSION_ALARM)
        self._arm_session_close()

    # -- queries ----------------------------------------------------------------------------
    def get(self, client_order_id: str) -> OrderRecord:
        """The order under ``client_order_id`` (``UnknownOrderError`` if none)."""
        try:
            return self.orders[client_order_id]
        except KeyError:
            raise UnknownOrderError(client_order_id) from None

    def working(self) -> list[OrderRecord]:
        """Orders at the broker, oldest first."""
        return [o for o in self.orders.values() if o.is_working]

    # -- submission -------------------------------------------------------------------------
    def submit(self, intent: OrderIntent) -> OrderRecord:
        """Check ``intent`` with the gate and send it to the client if accepted."""
        with self._lock:
            existing = self.orders.get(intent.client_order_id)
            if existing is not None:
                if _same_order(existing.intent, intent):
                    return existing
                raise DuplicateOrderIdError(
                    f"client order id {intent.client_order_id!r} is already used by another order"
                )
            now = self.clock.now_ns()
            record = OrderRecord(
                intent=intent,
                state=OrderState.NEW,
                leg_filled=tuple(0 for _ in intent.legs),
                created_ns=now,
                updated_ns=now,
            )
            self.orders[intent.client_order_id] = record
            self._move(record, _T.SUBMIT, "submitted", "sent to the risk gate")
            if not self.writes.healthy:  # the order could not be recorded: it goes nowhere
                self._deny(intent.client_order_id, _STORE_DOWN, _STORE_DOWN_TEXT, "order_manager")
                return self.orders[intent.client_order_id]
            verdict = self.gate.check(intent)
            if verdict.outcome is RiskOutcome.NEEDS_APPROVAL:
                self._move(
                    self.orders[intent.client_order_id],
                    _T.NEEDS_APPROVAL,
                    verdict.reason_code,
                    verdict.message,
                )
            elif verdict.accepted:
                self._send(intent.client_order_id, _T.ACCEPT, verdict.reason_code, verdict.message)
            else:
                self._deny(intent.client_order_id, verdict.reason_code, verdict.message, "risk")
            return self.orders[intent.client_order_id]

    def approve(self, client_order_id: str, actor: str) -> OrderRecord:
        """A human approved an order waiting in PENDING_APPROVAL: send it to the broker."""
        with self._lock:
            self._send(client_order_id, _T.APPROVE, "approved", f"approved by {actor}")
            return self.orders[client_order_id]

    def reject_approval(self, client_order_id: str, actor: str, reason: str) -> OrderRecord:
        """A human refused an order waiting for approval."""
        with self._lock:
            self._deny(client_order_id, "approval_refused", f"{actor}: {reason}", "oversight")
            return self.orders[client_order_id]

    def _send(self, client_order_id: str, trigger: OrderTrigger, code: str, message: str) -> None:
        if not self.writes.flush():
            self._deny(client_order_id, _STORE_DOWN, _STORE_DOWN_TEXT, "order_manager")
            return
        record = self._move(self.get(client_order_id), trigger, code, message)
        if not self.writes.healthy:  # "submitted" was not stored: the broker never hears of it
            self._move(record, _T.REJECT, _STORE_DOWN, _STORE_DOWN_TEXT)
            return
        self.client.submit(record.intent)
        current = self.orders[client_order_id]
        if current.state is OrderState.SUBMITTED:
            self._move(current, _T.ACK, "acknowledged", "the broker holds the order")

    def _deny(self, client_order_id: str, code: str, message: str, stage: str) -> None:
        self._move(self.get(client_order_id), _T.DENY, code, message)
        self.bus.publish(
            REJECTIONS,
            OrderRejected(
                client_order_id=client_order_id,
                ts_ns=self.clock.now_ns(),
                stage=stage,
                reason_code=code,
                message=message,
            ),
        )

    def _on_intent(self, intent: OrderIntent) -> None:
        try:
            self.submit(intent)
        except DuplicateOrderIdError as exc:
            self.bus.publish(
                REJECTIONS,
                OrderRejected(
                    client_order_id=intent.client_order_id,
                    ts_ns=self.clock.now_ns(),
                    stage="order_manager",
                    reason_code="duplicate_client_order_id",
                    message=str(exc),
                ),
            )

    # -- cancel, replace, expire ------------------------------------------------------------
    def cancel(self, client_order_id: str, reason: str = "cancel requested") -> OrderRecord:
        """Cancel a working order (or one waiting for approval)."""
        with self._lock:
            record = self.get(client_order_id)
            if record.state is OrderState.PENDING_APPROVAL:
                return self._move(record, _T.CANCEL, "cancelled", reason)
            self._move(record, _T.CANCEL, "cancel_requested", reason)
            if self.client.cancel(client_order_id):
                self._move(self.orders[client_order_id], _T.CANCELLED, "cancelled", reason)
            return self.orders[client_order_id]

    def replace(self, client_order_id: str, limit_price: float | None) -> OrderRecord:
        """Change the limit of a working order's unfilled rest (the broker must support it)."""
        with self._lock:
            record = self.get(client_order_id)
            self._move(record, _T.REPLACE, "replace_requested", f"new limit {limit_price}")
            replace = getattr(self.client, "replace", None)
            accepted = replace is not None and replace(client_order_id, limit_price)
            current = self.orders[client_order_id]  # a fill may have completed it meanwhile
            if accepted:
                intent = msgspec.structs.replace(current.intent, limit_price=limit_price)
                current = msgspec.structs.replace(current, intent=intent)
                self.orders[client_order_id] = current
            if current.state is not OrderState.REPLACE_PENDING:
                return current
            if accepted:
                self._move(current, _T.REPLACED, "replaced", f"limit is now {limit_price}")
            else:
                self._move(current, _T.REJECT, "replace_refused", "the broker kept the old terms")
            return self.orders[client_order_id]

    def expire_day_orders(self, reason: str = "session closed") -> list[str]:
        """Expire every working DAY order (the broker drops its rest); returns their ids."""
        with self._lock:
            expired = []
            for record in self.working():
                if record.intent.tif is TimeInForce.DAY:
                    self.client.cancel(record.client_order_id)
                    self._move(record, _T.EXPIRE, "expired", reason)
                    expired.append(record.client_order_id)
            return expired

    def _on_session_close(self, event: SessionClose) -> None:
        self.expire_day_orders(f"session {event.day} closed")

    # -- OrderControl (risk's kill switch) --------------------------------------------------
    def cancel_all(self, reason: str) -> None:
        """Cancel every working order and every order waiting for approval."""
        with self._lock:
            for record in list(self.orders.values()):
                pending = record.state is OrderState.PENDING_APPROVAL
                cancellable = record.is_working and record.state is not OrderState.CANCEL_PENDING
                if pending or cancellable:
                    self.cancel(record.client_order_id, reason)

    def flatten(self, reason: str) -> None:
        """Close every position with market orders whose ``source`` is ``"flatten"``."""
        with self._lock:
            self._flatten_seq += 1
            for intent in self.book.closing_intents(
                f"flatten-{self._flatten_seq}", self.clock.now_ns()
            ):
                self.bus.publish(ORDERS, intent)
            self.log.info("flatten", reason=reason)

    # -- fills and broker rejections --------------------------------------------------------
    def on_fill(self, fill: Fill) -> None:
        """Book a fill (idempotent by fill id); advance its order by whole package units.

        Leg fills of a package are held until they make whole units (every leg at the ratio);
        then they, the order and the positions are committed in one transaction — a crash
        never leaves one leg of a unit booked without the others.
        """
        with self._lock:
            pending = self._pending.setdefault(fill.client_order_id, [])
            if not self.book.is_new_fill(fill.fill_id) or fill in pending:
                return
            record = self.orders.get(fill.client_order_id)
            if record is None:  # settlement, assignment or an order from before this book
                self._commit([fill], None)
                self._pending.pop(fill.client_order_id, None)
                return
            pending.append(fill)
            updated = record
            for item in pending:
                updated = _with_leg_fill(updated, item)
            if not _whole_units(updated):
                return
            updated = msgspec.structs.replace(updated, updated_ns=fill.ts_ns)
            self._commit(self._pending.pop(fill.client_order_id), updated)
            self._advance_on_fill(record, updated)

    def _commit(self, fills: list[Fill], order: OrderRecord | None) -> None:
        positions = [self.book.apply(fill) for fill in fills]
        if order is not None:
            self.orders[order.client_order_id] = order
        store = self.store
        if store is not None:
            self.writes.run("record_fills", lambda: store.record_fills(fills, order, positions))

    def _advance_on_fill(self, before: OrderRecord, after: OrderRecord) -> None:
        if after.filled_quantity == before.filled_quantity or before.is_terminal:
            return  # a leg of a unit whose other legs are still coming
        if after.filled_quantity >= after.intent.quantity:
            self._move(after, _T.FILL_ALL, "filled", f"all {after.intent.quantity} unit(s) filled")
        else:
            message = f"{after.filled_quantity} of {after.intent.quantity} unit(s) filled"
            self._move(after, _T.FILL, "partially_filled", message)

    def _on_rejection(self, rejection: OrderRejected) -> None:
        if rejection.stage != "execution":
            return
        with self._lock:
            record = self.orders.get(rejection.client_order_id)
            if record is None or record.is_terminal:
                return
            self._move(record, _T.REJECT, rejection.reason_code, rejection.message)

    # -- reconciliation ---------------------------------------------------------------------
    def reconcile(self, broker_positions: Mapping[str, int]) -> list[object]:
        """Compare the book with the broker's positions; each difference feeds the observer.

        Returns the ``PositionCheck``s of the mismatches (empty when both agree).
        """
        from optionswarm.risk.observations import PositionCheck  # noqa: PLC0415 - risk imports execution: a top-level import is circular

        now = self.clock.now_ns()
        checks: list[object] = []
        mine = self.book.quantities()
        for symbol in sorted(set(mine) | set(broker_positions)):
            expected, actual = mine.get(symbol, 0), int(broker_positions.get(symbol, 0))
            if expected == actual:
                continue
            check = PositionCheck(ts_ns=now, symbol=symbol, expected=expected, actual=actual)
            checks.append(check)
            self._notice(
                "position_mismatch",
                symbol,
                actual - expected,
                f"book holds {expected}, broker holds {actual}",
            )
            if self.observer is not None:
                self.observer(check)
        return checks

    def _notice(self, kind: str, symbol: str, quantity: int, message: str) -> None:
        self.bus.publish(
            EXECUTION_NOTICES,
            ExecutionNotice(
                kind=kind,
                symbol=symbol,
                quantity=quantity,
                reason_code=kind,
                message=message,
                ts_ns=self.clock.now_ns(),
            ),
        )

    # -- the one place state changes --------------------------------------------------------
    def _move(
        self, record: OrderRecord, trigger: OrderTrigger, code: str, message: str
    ) -> OrderRecord:
        state = apply_order_trigger(record.state, trigger)
        now = self.clock.now_ns()
        moved = msgspec.structs.replace(
            record, state=state, reason_code=code, message=message, updated_ns=now
        )
        self.orders[record.client_order_id] = moved
        self.transitions += 1
        store = self.store
        if store is not None:
            self.writes.run("save_order", lambda: store.save_order(moved))
        self.bus.publish(
            ORDER_EVENTS,
            OrderEvent(
                client_order_id=record.client_order_id,
                previous=record.state,
                state=state,
                trigger=trigger,
                reason_code=code,
                message=message,
                filled_quantity=moved.filled_quantity,
                quantity=moved.intent.quantity,
                ts_ns=now,
            ),
        )
        return moved

    def _on_store_failure(self, what: str, error: StoreUnavailableError) -> None:
        """A store write failed: tell risk (the ``storage_errors`` breaker) and the operators."""
        from optionswarm.risk.observations import StorageError  # noqa: PLC0415 - risk imports execution: a top-level import is circular

        self._notice(_STORE_DOWN, "", self.writes.pending, f"{what} waits: {error}")
        if self.observer is not None:
            self.observer(StorageError(ts_ns=self.clock.now_ns(), code=what, message=str(error)))

    def _recover(self, store: ExecutionStore) -> None:
        self.orders = store.load_orders()
        self.book = PositionBook.restore(store.load_positions(), store.load_fills())
        restore = getattr(self.client, "restore", None)
        for record in self.working():
            if restore is not None:
                restore(record.intent, record.remaining, self.book.fills_of(record.client_order_id))


_STORE_DOWN_TEXT = "the order store is unreachable: nothing goes to the broker until it is back"


def _same_order(a: OrderIntent, b: OrderIntent) -> bool:
    return msgspec.structs.replace(a, ts_ns=0) == msgspec.structs.replace(b, ts_ns=0)


def _whole_units(record: OrderRecord) -> bool:
    """True when every leg's filled quantity is the same number of units at its ratio."""
    units = {q // leg.ratio for q, leg in zip(record.leg_filled, record.intent.legs, strict=True)}
    exact = all(
        q % leg.ratio == 0 for q, leg in zip(record.leg_filled, record.intent.legs, strict=True)
    )
    return exact and len(units) == 1


def _with_leg_fill(record: OrderRecord, fill: Fill) -> OrderRecord:
    filled = list(record.leg_filled) or [0] * len(record.intent.legs)
    for index, leg in enumerate(record.intent.legs):
        if leg.symbol == fill.symbol and leg.side is fill.side:
            filled[index] += fill.quantity
            break
    units = min(q // leg.ratio for q, leg in zip(filled, record.intent.legs, strict=True))
    return msgspec.structs.replace(
        record, leg_filled=tuple(filled), filled_quantity=min(units, record.intent.quantity)
    )
