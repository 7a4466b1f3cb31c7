"""Bus and hot-store figures, printed as JSON: optionswarm's adapters beside raw clients, same run.

* JetStream publish throughput: ``NatsBus.publish`` + ``flush`` against raw nats-py
  ``publish_async`` + ``publish_async_completed`` on the same stream, the same payload bytes and
  the same ``Nats-Msg-Id`` header (raw without the header is shown too). Best of ``--repeat``.
* framed events: quotes through ``NatsBus.publish_many`` (``--frame`` per message) and chain
  snapshots (one message each, ``--contracts`` contracts): events/s end to end (received).
* end-to-end latency publish -> handler, one message in flight (closed loop): adapter vs raw
  push consumer with manual acks.
* Redis hot reads: ``RedisHotStore.latest_quote`` vs raw redis-py ``HGET`` of the same key.
* the in-process bus: publish -> one subscriber, msgs/s.

The machine is shared: CPU seconds of this process and the load average are printed beside.
Streams use a unique prefix and are deleted afterwards.

    .venv/bin/python benchmarks/bus.py [--messages 20000] [--latency 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import threading
import time
from typing import Any

import msgspec
import nats
import numpy as np

from optionswarm.bus import InProcessBus, Topic
from optionswarm.bus.nats import NatsBus, NatsBusConfig
from optionswarm.model import ChainSnapshot, Quote
from optionswarm.storage.redis_hot import RedisHotStore, RedisHotStoreConfig

TS0 = 1_764_000_000_000_000_000


class Tick(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    sent_ns: int
    price: float


TICKS = Topic("bench.ticks", Tick)
LATENCY = Topic("bench.latency", Tick)
QUOTES = Topic("bench.quotes", Quote)
CHAINS = Topic("bench.chains", ChainSnapshot)


def _pct(samples_ns: list[int], q: float) -> float:
    return round(float(np.percentile(np.array(samples_ns) / 1e6, q)), 3)


def _payloads(n: int) -> list[bytes]:
    encoder = msgspec.msgpack.Encoder()
    return [encoder.encode(Tick(seq=i, sent_ns=0, price=100.0 + i / 100)) for i in range(n)]


# -- raw nats-py -------------------------------------------------------------------------------


async def _raw_publish(subject: str, payloads: list[bytes], with_ids: bool) -> float:
    client = await nats.connect("nats://127.0.0.1:4222")
    js = client.jetstream(publish_async_max_pending=8192)
    token = secrets.token_hex(4)
    start = time.perf_counter()
    for i, payload in enumerate(payloads):
        headers = {"Nats-Msg-Id": f"{token}-{i}"} if with_ids else None
        await js.publish_async(subject, payload, headers=headers)
    await js.publish_async_completed()
    elapsed = time.perf_counter() - start
    await client.close()
    return len(payloads) / elapsed


async def _raw_latency(subject: str, stream: str, count: int) -> list[int]:
    client = await nats.connect("nats://127.0.0.1:4222")
    js = client.jetstream()
    arrived = asyncio.Event()
    samples: list[int] = []

    async def on_msg(msg: Any) -> None:
        samples.append(time.perf_counter_ns() - int(msg.headers["Sent"]))
        await msg.ack()
        arrived.set()

    sub = await js.subscribe(
        subject, durable=f"raw_{secrets.token_hex(3)}", stream=stream, cb=on_msg, manual_ack=True
    )
    for i in range(count):
        arrived.clear()
        headers = {"Nats-Msg-Id": f"lat-{i}", "Sent": str(time.perf_counter_ns())}
        await js.publish_async(subject, b"x" * 24, headers=headers)
        await asyncio.wait_for(arrived.wait(), 5)
    await sub.unsubscribe()
    await client.close()
    return samples


# -- optionswarm adapter -----------------------------------------------------------------------


def _adapter_publish(bus: NatsBus, n: int) -> float:
    messages = [Tick(seq=i, sent_ns=0, price=100.0 + i / 100) for i in range(n)]
    start = time.perf_counter()
    for message in messages:
        bus.publish(TICKS, message)
    bus.flush(timeout=120)
    return n / (time.perf_counter() - start)


def _adapter_latency(bus: NatsBus, count: int) -> list[int]:
    arrived = threading.Event()
    samples: list[int] = []

    def on_tick(tick: Tick) -> None:
        samples.append(time.perf_counter_ns() - tick.sent_ns)
        arrived.set()

    bus.subscribe(LATENCY, on_tick)
    for i in range(count):
        arrived.clear()
        bus.publish(LATENCY, Tick(seq=i, sent_ns=time.perf_counter_ns(), price=1.0))
        if not arrived.wait(5):
            raise TimeoutError("latency message not delivered")
    return samples


def _framed(bus: NatsBus, frames: int, frame: int, chains: int, contracts: int) -> dict[str, Any]:
    received = [0, 0]

    def on_quote(_: Quote) -> None:
        received[0] += 1

    def on_chain(chain: ChainSnapshot) -> None:
        received[1] += len(chain)

    bus.subscribe(QUOTES, on_quote)
    bus.subscribe(CHAINS, on_chain)
    batches = [
        [
            Quote(symbol=f"Q{k}", ts_ns=TS0 + i, bid=1.0, ask=1.1, bid_size=1, ask_size=1)
            for k in range(frame)
        ]
        for i in range(frames)
    ]
    start = time.perf_counter()
    for batch in batches:
        bus.publish_many(QUOTES, batch)
    bus.flush(timeout=120)
    quote_rate = received[0] / (time.perf_counter() - start)
    snapshots = [_chain(TS0 + i, contracts) for i in range(chains)]
    start = time.perf_counter()
    for snapshot in snapshots:
        bus.publish(CHAINS, snapshot)
    bus.flush(timeout=120)
    chain_rate = received[1] / (time.perf_counter() - start)
    return {
        "quotes_per_message": frame,
        "quote_events_per_s": round(quote_rate),
        "contracts_per_chain": contracts,
        "chain_contract_events_per_s": round(chain_rate),
        "chain_messages_per_s": round(chain_rate / contracts),
    }


def _chain(ts_ns: int, contracts: int) -> ChainSnapshot:
    half = contracts // 2
    strikes = 2500.0 + 5.0 * np.arange(half)
    return ChainSnapshot.from_arrays(
        underlying="SPX",
        ts_ns=ts_ns,
        spot=2700.0,
        root="SPXW",
        expiry_ns=np.full(2 * half, ts_ns + 30 * 86_400 * 10**9),
        strike=np.concatenate([strikes, strikes]),
        is_call=np.repeat([True, False], half),
        bid=np.full(2 * half, 10.0),
        ask=np.full(2 * half, 10.5),
    )


# -- Redis and in-process ----------------------------------------------------------------------


def _redis(count: int) -> dict[str, Any]:
    store = RedisHotStore(RedisHotStoreConfig(prefix=f"bench-{secrets.token_hex(4)}"))
    try:
        symbols = [f"SPXW  180216C0{2600 + i:04d}000" for i in range(100)]
        store.put_quotes(Quote(symbol=s, ts_ns=TS0, bid=1.0, ask=1.1) for s in symbols)
        raw = store._redis
        ours: list[int] = []
        theirs: list[int] = []
        for i in range(count):
            symbol = symbols[i % 100]
            t0 = time.perf_counter_ns()
            store.latest_quote(symbol)
            t1 = time.perf_counter_ns()
            raw.hget(f"{{{store.config.prefix}}}:quote:{symbol}", "data")
            t2 = time.perf_counter_ns()
            ours.append(t1 - t0)
            theirs.append(t2 - t1)
        return {
            "hot_read_p50_ms": _pct(ours, 50),
            "hot_read_p99_ms": _pct(ours, 99),
            "raw_hget_p50_ms": _pct(theirs, 50),
            "raw_hget_p99_ms": _pct(theirs, 99),
            "reads": count,
        }
    finally:
        store.clear()
        store.close()


def _inprocess(n: int) -> float:
    bus = InProcessBus()
    bus.subscribe(TICKS, lambda _: None)
    messages = [Tick(seq=i, sent_ns=0, price=1.0) for i in range(n)]
    start = time.perf_counter()
    for message in messages:
        bus.publish(TICKS, message)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--latency", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--frame", type=int, default=100)
    parser.add_argument("--contracts", type=int, default=1000)
    args = parser.parse_args()
    cpu0 = time.process_time()
    prefix = f"bench{secrets.token_hex(3)}"
    bus = NatsBus(NatsBusConfig(prefix=prefix))
    try:
        subject = bus._subject(TICKS.name)
        stream = bus._streams["bench"]
        payloads = _payloads(args.messages)
        raw_ids, raw_plain, ours = [], [], []
        for _ in range(args.repeat):
            raw_ids.append(asyncio.run(_raw_publish(subject, payloads, with_ids=True)))
            raw_plain.append(asyncio.run(_raw_publish(subject, payloads, with_ids=False)))
            ours.append(_adapter_publish(bus, args.messages))
        adapter_lat = _adapter_latency(bus, args.latency)
        raw_lat = asyncio.run(_raw_latency(f"{prefix}.bench.rawlat", stream, args.latency))
        framed = _framed(bus, args.messages // args.frame, args.frame, 200, args.contracts)
        result = {
            "jetstream_publish": {
                "messages": args.messages,
                "adapter_msgs_per_s": round(max(ours)),
                "raw_nats_py_msgs_per_s": round(max(raw_ids)),
                "raw_nats_py_without_msg_id_msgs_per_s": round(max(raw_plain)),
                "adapter_vs_raw": round(max(ours) / max(raw_ids), 3),
                "runs": args.repeat,
            },
            "jetstream_framed": framed,
            "end_to_end_latency_ms": {
                "adapter_p50": _pct(adapter_lat, 50),
                "adapter_p99": _pct(adapter_lat, 99),
                "raw_p50": _pct(raw_lat, 50),
                "raw_p99": _pct(raw_lat, 99),
                "samples": args.latency,
            },
            "redis": _redis(5_000),
            "inprocess_bus_msgs_per_s": round(max(_inprocess(200_000) for _ in range(3))),
            "cpu_seconds": round(time.process_time() - cpu0, 2),
            "load_average_1m": round(os.getloadavg()[0], 2),
        }
    finally:
        bus.delete_streams()
        bus.close()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
