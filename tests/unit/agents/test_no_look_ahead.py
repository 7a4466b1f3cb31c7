"""The leak test: perturb every input stamped after t; nothing decided at or before t changes.

Runs the whole fast path (features, every fast agent, track record, both consensus modes) over
real S&P 500 bars and modelled chains, then again with every bar and chain after t distorted.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import numpy as np

from optionswarm.agents import Swarm
from optionswarm.agents.testkit import Session, real_sessions
from optionswarm.model import encode

SESSIONS = real_sessions(dt.date(2015, 6, 1), dt.date(2016, 5, 31), dt.date(2015, 12, 1))


def _run(sessions: tuple[Session, ...] | list[Session]) -> dict[int, bytes]:
    swarm = Swarm("sp500")
    out: dict[int, bytes] = {}
    for bar, chain in sessions:
        swarm.on_bar(bar)
        if chain is not None:
            result = swarm.on_chain(chain)
            out[chain.ts_ns] = encode(result.decision) + encode(result.baseline)
    return out


def _perturbed(cut_ns: int, seed: int) -> list[Session]:
    rng = np.random.default_rng(seed)
    out: list[Session] = []
    for bar, chain in SESSIONS:
        if bar.ts_ns <= cut_ns:
            out.append((bar, chain))
            continue
        k = float(rng.uniform(0.8, 1.25))
        bar2 = msgspec.structs.replace(
            bar, open=bar.open * k, high=bar.high * k, low=bar.low * k, close=bar.close * k
        )
        chain2 = None
        if chain is not None:
            chain2 = msgspec.structs.replace(chain.with_columns(iv=chain.iv * k), spot=bar2.close)
        out.append((bar2, chain2))
    return out


def test_no_decision_at_or_before_t_changes_when_the_future_is_perturbed() -> None:
    base = _run(SESSIONS)
    chain_times = sorted(base)
    for cut_index, seed in ((30, 1), (90, 2)):
        cut = chain_times[cut_index]
        changed = _run(_perturbed(cut, seed))
        assert [ts for ts in changed if ts <= cut] == [ts for ts in base if ts <= cut]
        for ts in chain_times:
            if ts <= cut:
                assert changed[ts] == base[ts], f"decision at {ts} saw data after {cut}"
        after = [ts for ts in chain_times if ts > cut]
        assert any(changed[ts] != base[ts] for ts in after)  # the perturbation does bite


def test_track_records_form_from_resolved_outcomes_during_the_run() -> None:
    swarm = Swarm("sp500")
    for bar, chain in SESSIONS:
        swarm.on_bar(bar)
        if chain is not None:
            result = swarm.on_chain(chain)
            for outcome in swarm.track.resolved:
                assert outcome.resolved_ns <= result.decision.ts_ns
    assert swarm.track.resolved
    for outcome in swarm.track.resolved:
        assert outcome.resolved_ns >= outcome.made_ns  # never scored before it was made
    weights = {c.agent_id: c.weight for c in result.decision.contributions}
    assert any(abs(w - 1.0) > 1e-6 for a, w in weights.items() if a != "calendar")
