"""The execution store's contract on SQLite and PostgreSQL (same SQLAlchemy Core code).

PostgreSQL tests are ``service`` tests on 127.0.0.1:5432 (db ``test``, user ``postgres``); each
run uses its own table prefix and drops its tables afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from optionswarm.execution import ExecutionStore, OrderRecord, OrderState
from optionswarm.model import Fill, OrderIntent, OrderLeg, Position, Side
from optionswarm.storage.sql import create_sql_engine

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SYMBOL = "SPXW  160205P01900000"


def _postgres() -> sa.Engine:
    engine = create_sql_engine(PG_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError:
        engine.dispose()
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ExecutionStore]:
    if request.param == "sqlite":
        engine = create_sql_engine(f"sqlite:///{tmp_path / 'exec.db'}")
    else:
        engine = _postgres()
    store = ExecutionStore(engine, prefix=f"t{uuid.uuid4().hex[:10]}_")
    try:
        yield store
    finally:
        store.drop()
        engine.dispose()


def _record(state: OrderState, filled: int) -> OrderRecord:
    intent = OrderIntent(
        client_order_id="o-1",
        underlying="SPX",
        legs=(OrderLeg(symbol=SYMBOL, side=Side.SELL),),
        quantity=3,
        limit_price=-1.0,
        ts_ns=1,
    )
    return OrderRecord(intent=intent, state=state, filled_quantity=filled, leg_filled=(filled,))


def _fill(n: int) -> Fill:
    return Fill(
        client_order_id="o-1",
        fill_id=f"o-1-{n}",
        symbol=SYMBOL,
        side=Side.SELL,
        quantity=1,
        price=1.25,
        fee=0.65,
        ts_ns=10 + n,
    )


def _position(quantity: int) -> Position:
    return Position(symbol=SYMBOL, underlying="SPX", quantity=quantity, avg_price=1.25)


def test_orders_fills_positions_and_breakers_round_trip(store: ExecutionStore) -> None:
    store.save_order(_record(OrderState.WORKING, 0))
    assert store.record_fill(_fill(0), _record(OrderState.PARTIALLY_FILLED, 1), _position(-1))
    assert not store.record_fill(_fill(0), _record(OrderState.PARTIALLY_FILLED, 1), _position(-1))
    written = store.record_fills(
        [_fill(0), _fill(1), _fill(2)], _record(OrderState.FILLED, 3), [_position(-3)]
    )
    assert written == 2
    assert store.load_orders()["o-1"] == _record(OrderState.FILLED, 3)
    assert [f.fill_id for f in store.load_fills()] == ["o-1-0", "o-1-1", "o-1-2"]
    assert store.load_positions() == {SYMBOL: _position(-3)}
    store.record_fills([], None, [_position(0)])
    assert store.load_positions() == {}
    store.save_breaker("drawdown", b"{}", 5)
    store.save_breaker("daily_loss", b"{}", 5)
    store.save_breaker("daily_loss", None, 6)
    assert store.load_breakers() == {"drawdown": b"{}"}
