"""SMA 20/50 crossover in a peer library; run by benchmarks/backtest.py in the peers venv.

Usage: ``python sma_peers.py {backtrader|nautilus} BARS.json`` -> JSON on stdout with the trades
(entry/exit day and price), the bars processed and the seconds of the engine run alone. Both peers
fill market orders at the signal bar's close (backtrader ``set_coc(True)``; nautilus' default for
bar data), long 100 units, no fees, like optionswarm's ``SmaCrossover``.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

FAST, SLOW, QUANTITY = 20, 50, 100


def crossing(prev: float, diff: float, long: bool) -> str | None:
    """'buy' when the fast SMA crosses above the slow one while flat, 'sell' below while long."""
    if not long and prev <= 0.0 < diff:
        return "buy"
    if long and prev >= 0.0 > diff:
        return "sell"
    return None


def _load(path: str) -> dict[str, list[Any]]:
    with open(path) as handle:
        return json.load(handle)  # type: ignore[no-any-return]


def run_backtrader(bars: dict[str, list[Any]]) -> dict[str, Any]:
    import backtrader as bt
    import pandas as pd

    frame = pd.DataFrame(
        {k: bars[k] for k in ("open", "high", "low", "close", "volume")},
        index=pd.to_datetime(bars["day"]),
    )
    fills: list[tuple[str, str, float]] = []

    class Sma(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.fast = bt.indicators.SMA(self.data.close, period=FAST)
            self.slow = bt.indicators.SMA(self.data.close, period=SLOW)

        def notify_order(self, order: Any) -> None:
            if order.status == order.Completed:
                day = bt.num2date(order.executed.dt).date().isoformat()
                side = "buy" if order.isbuy() else "sell"
                fills.append((day, side, float(order.executed.price)))

        def next(self) -> None:
            diff = self.fast[0] - self.slow[0]
            prev = self.fast[-1] - self.slow[-1]
            signal = crossing(prev, diff, bool(self.position))
            if signal == "buy":
                self.buy(size=QUANTITY)
            elif signal == "sell":
                self.close()

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(bt.feeds.PandasData(dataname=frame))
    cerebro.addstrategy(Sma)
    cerebro.broker.setcash(1e9)
    cerebro.broker.set_coc(True)
    started = time.perf_counter()
    cerebro.run()
    seconds = time.perf_counter() - started
    return {"fills": fills, "bars": len(frame), "seconds": seconds}


def _nautilus_strategy(fills: list[tuple[str, str, float]]) -> tuple[Any, Any]:
    import pandas as pd
    from nautilus_trader.config import StrategyConfig
    from nautilus_trader.indicators import SimpleMovingAverage
    from nautilus_trader.model.data import Bar, BarType
    from nautilus_trader.model.enums import OrderSide
    from nautilus_trader.model.events import OrderFilled
    from nautilus_trader.model.identifiers import InstrumentId
    from nautilus_trader.model.objects import Quantity
    from nautilus_trader.trading.strategy import Strategy

    class SmaConfig(StrategyConfig, frozen=True):  # type: ignore[misc,call-arg]
        instrument_id: InstrumentId
        bar_type: BarType

    class SmaCross(Strategy):  # type: ignore[misc]
        def __init__(self, config: SmaConfig) -> None:
            super().__init__(config)
            self.fast = SimpleMovingAverage(FAST)
            self.slow = SimpleMovingAverage(SLOW)
            self.prev: float | None = None
            self.long = False

        def on_start(self) -> None:
            self.register_indicator_for_bars(self.config.bar_type, self.fast)
            self.register_indicator_for_bars(self.config.bar_type, self.slow)
            self.subscribe_bars(self.config.bar_type)

        def on_bar(self, bar: Bar) -> None:
            if not self.slow.initialized:
                return
            diff = self.fast.value - self.slow.value
            prev, self.prev = self.prev, diff
            signal = None if prev is None else crossing(prev, diff, self.long)
            if signal is not None:
                self._market(OrderSide.BUY if signal == "buy" else OrderSide.SELL)
                self.long = signal == "buy"

        def _market(self, side: Any) -> None:
            order = self.order_factory.market(
                self.config.instrument_id, side, Quantity.from_int(QUANTITY)
            )
            self.submit_order(order)

        def on_event(self, event: Any) -> None:
            if isinstance(event, OrderFilled):
                day = pd.Timestamp(event.ts_event, unit="ns", tz="UTC").date().isoformat()
                side = "buy" if event.order_side == OrderSide.BUY else "sell"
                fills.append((day, side, float(event.last_px)))

    return SmaConfig, SmaCross


def run_nautilus(bars: dict[str, list[Any]]) -> dict[str, Any]:
    import pandas as pd
    from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
    from nautilus_trader.config import LoggingConfig
    from nautilus_trader.model.currencies import USD
    from nautilus_trader.model.data import BarType
    from nautilus_trader.model.enums import AccountType, OmsType
    from nautilus_trader.model.identifiers import InstrumentId, Symbol, Venue
    from nautilus_trader.model.instruments import Equity
    from nautilus_trader.model.objects import Money, Price, Quantity
    from nautilus_trader.persistence.wranglers import BarDataWrangler

    venue = Venue("XNAS")
    instrument = Equity(
        instrument_id=InstrumentId(Symbol("SPX"), venue),
        raw_symbol=Symbol("SPX"),
        currency=USD,
        price_precision=2,
        price_increment=Price.from_str("0.01"),
        lot_size=Quantity.from_int(1),
        ts_event=0,
        ts_init=0,
    )
    bar_type = BarType.from_str(f"{instrument.id}-1-DAY-LAST-EXTERNAL")
    frame = pd.DataFrame(
        {k: [round(v, 2) for v in bars[k]] for k in ("open", "high", "low", "close")}
        | {"volume": bars["volume"]},
        index=pd.to_datetime(bars["ts_ns"], unit="ns", utc=True),
    )
    nt_bars = BarDataWrangler(bar_type, instrument).process(frame)
    fills: list[tuple[str, str, float]] = []
    SmaConfig, SmaCross = _nautilus_strategy(fills)
    engine = BacktestEngine(
        BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR", bypass_logging=True))
    )
    engine.add_venue(
        venue=venue,
        oms_type=OmsType.NETTING,
        account_type=AccountType.CASH,
        base_currency=USD,
        starting_balances=[Money(1_000_000_000, USD)],
        bar_execution=True,
    )
    engine.add_instrument(instrument)
    engine.add_data(nt_bars)
    engine.add_strategy(SmaCross(SmaConfig(instrument_id=instrument.id, bar_type=bar_type)))
    started = time.perf_counter()
    engine.run()
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"fills": fills, "bars": len(nt_bars), "seconds": seconds}


def main() -> None:
    peer, path = sys.argv[1], sys.argv[2]
    bars = _load(path)
    result = run_backtrader(bars) if peer == "backtrader" else run_nautilus(bars)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
