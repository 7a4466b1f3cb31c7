"""Latency seams: pairing orders with ticks, the timed risk gate and the timed LLM engine."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from optionswarm.execution.ports import AllowAllRiskGateStub, RiskVerdict
from optionswarm.llm import LLMClient, LLMConfig, LLMTimeoutError, ModelUnavailableError, OffEngine
from optionswarm.llm.testkit import ScriptedEngine
from optionswarm.model import OrderIntent, OrderLeg, Side
from optionswarm.monitoring.instruments import Instruments
from optionswarm.monitoring.timing import SESSION_KEY, TickToOrder, TimedChatEngine, TimedRiskGate


class _StepClock:
    """A controllable perf_counter stand-in: each test sets the time explicitly."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _intent(
    order_id: str, *, decision: str | None, underlying: str = "SPX", source: str = "strategy"
) -> OrderIntent:
    return OrderIntent(
        client_order_id=order_id,
        underlying=underlying,
        legs=(OrderLeg(symbol=underlying, side=Side.BUY, ratio=1),),
        quantity=1,
        limit_price=None,
        ts_ns=1,
        source=source,
        decision_id=decision,
    )


@pytest.fixture
def instruments() -> Instruments:
    return Instruments(CollectorRegistry())


def _count(ins: Instruments, name: str, **labels: str) -> float:
    return ins.registry.get_sample_value(name, labels) or 0.0


def test_an_order_pairs_with_the_tick_its_decision_answered(instruments: Instruments) -> None:
    clock = _StepClock()
    pairing = TickToOrder(instruments.tick_to_order, now=clock)
    pairing.on_tick("sp500", "chain")
    clock.t += 0.004
    pairing.on_decision("s-1-d", "sp500")
    pairing.on_tick("sp500", "bar")  # a later tick does not move the decision's origin
    clock.t += 0.001
    assert pairing.on_order(_intent("s-1", decision="s-1-d")) == pytest.approx(0.005)
    assert _count(instruments, "optionswarm_tick_to_order_seconds_count", trigger="chain") == 1
    # the decision is consumed: a replay of the same order id falls back to its underlying
    assert pairing.on_order(_intent("s-1", decision="s-1-d")) is None


def test_fallbacks_session_close_manual_orders_and_stale_pairs(instruments: Instruments) -> None:
    clock = _StepClock()
    pairing = TickToOrder(instruments.tick_to_order, max_age_s=1.0, now=clock)
    assert pairing.on_order(_intent("a", decision=None)) is None  # nothing seen yet
    pairing.on_tick("SPX", "chain")
    clock.t += 0.5
    assert pairing.on_order(_intent("b", decision=None)) == pytest.approx(0.5)
    assert pairing.on_order(_intent("c", decision=None, source="manual")) is None
    clock.t += 0.1
    pairing.on_tick(SESSION_KEY, "session")  # later than the chain: the decision answers it
    pairing.on_decision("d-d", "sp500")
    clock.t += 0.2
    assert pairing.on_order(_intent("d", decision="d-d")) == pytest.approx(0.2)
    assert _count(instruments, "optionswarm_tick_to_order_seconds_count", trigger="session") == 1
    clock.t += 5.0
    assert pairing.on_order(_intent("e", decision=None)) is None  # older than max_age_s


def test_undelivered_decisions_are_bounded(instruments: Instruments) -> None:
    pairing = TickToOrder(instruments.tick_to_order)
    pairing.on_tick("sp500", "bar")
    for i in range(5000):
        pairing.on_decision(f"d{i}", "sp500")
    assert len(pairing._decisions) == 4096
    assert "d0" not in pairing._decisions
    assert "d4999" in pairing._decisions


def test_the_timed_gate_passes_the_verdict_through_and_times_errors(
    instruments: Instruments,
) -> None:
    gate = TimedRiskGate(AllowAllRiskGateStub(), instruments.risk_check)
    verdict = gate.check(_intent("x", decision=None))
    assert isinstance(verdict, RiskVerdict)
    assert verdict.reason_code == AllowAllRiskGateStub.reason_code
    assert _count(instruments, "optionswarm_risk_check_seconds_count", outcome="accept") == 1

    class _Broken:
        def check(self, intent: OrderIntent) -> RiskVerdict:
            raise RuntimeError(f"no verdict for {intent.client_order_id}")

    broken = TimedRiskGate(_Broken(), instruments.risk_check)
    with pytest.raises(RuntimeError, match="no verdict"):
        broken.check(_intent("y", decision=None))
    assert _count(instruments, "optionswarm_risk_check_seconds_count", outcome="error") == 1


def test_llm_calls_are_timed_by_outcome_and_cache_hits_are_not_model_calls(
    instruments: Instruments, tmp_path: object
) -> None:
    engine = ScriptedEngine(lambda request: "ok", model_id="scripted-1", delay_s=0.01)
    timed = TimedChatEngine(engine, instruments.llm_call)
    assert timed.model_id == "scripted-1"
    client = LLMClient(LLMConfig(timeout_s=5.0), engine=timed)
    request = client.request((("user", "hello"),))
    assert client.complete(request).text == "ok"
    assert client.complete(request).text == "ok"  # answered by the cache
    assert engine.calls == 1
    hist = "optionswarm_llm_call_seconds"
    assert _count(instruments, f"{hist}_count", model="scripted-1", outcome="ok") == 1
    assert _count(instruments, f"{hist}_sum", model="scripted-1", outcome="ok") >= 0.01

    slow = TimedChatEngine(ScriptedEngine(lambda r: "late", delay_s=0.05), instruments.llm_call)
    with pytest.raises(LLMTimeoutError):
        slow.chat(request, deadline=0.0)
    assert _count(instruments, f"{hist}_count", model="scripted", outcome="timeout") == 1

    off = TimedChatEngine(OffEngine(), instruments.llm_call)
    with pytest.raises(ModelUnavailableError):
        off.chat(request, deadline=1e12)
    assert _count(instruments, f"{hist}_count", model="off", outcome="unavailable") == 1
    client.close()
    off.close()
