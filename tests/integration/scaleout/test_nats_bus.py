"""NatsBus beyond the port contract, against the real JetStream server on 127.0.0.1:4222.

Each test uses its own subject/stream prefix and deletes its streams afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
import time
from collections.abc import Callable, Iterator

import msgspec
import nats
import nats.js.errors
import numpy as np
import pytest

from optionswarm.bus import NoResponderError, RequestFailedError, RequestTopic, Topic
from optionswarm.bus._nats_codec import codec_for
from optionswarm.bus._nats_consume import SeenWindow
from optionswarm.bus.nats import (
    BusUnavailableError,
    NatsBus,
    NatsBusConfig,
    PublishBackpressureError,
    PublishFailedError,
)
from optionswarm.model import ChainSnapshot

pytestmark = pytest.mark.service


class Tick(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    price: float = 1.0


class Answer(msgspec.Struct, frozen=True, kw_only=True):
    seq: int


TICKS = Topic("market.ticks", Tick)
CHAINS = Topic("market.chains", ChainSnapshot)
ASK = RequestTopic("rpc.ask", Tick, Answer)


def _chain(ts_ns: int) -> ChainSnapshot:
    return ChainSnapshot.from_arrays(
        underlying="SPX",
        ts_ns=ts_ns,
        spot=100.0,
        root="SPXW",
        expiry_ns=np.full(4, ts_ns + 86_400 * 10**9 * 7),
        strike=np.array([95.0, 105.0, 95.0, 105.0]),
        is_call=np.array([True, True, False, False]),
        bid=np.array([6.0, np.nan, 0.4, 5.9]),
        ask=np.array([6.2, 0.6, 0.5, 6.1]),
        iv=np.array([0.2, 0.18, 0.22, 0.19]),
        source="test",
    )


@pytest.fixture
def make_bus() -> Iterator[Callable[..., NatsBus]]:
    prefix = f"t{secrets.token_hex(4)}"
    made: list[NatsBus] = []

    def make(consumer: str = "node", **overrides: object) -> NatsBus:
        config = NatsBusConfig(prefix=prefix, consumer=consumer, **overrides)  # type: ignore[arg-type]
        try:
            bus = NatsBus(config)
        except BusUnavailableError as error:
            pytest.skip(f"NATS unreachable: {error}")
        made.append(bus)
        return bus

    yield make
    streams = {name for bus in made for name in bus._streams.values()}
    for bus in made:
        bus.close()
    _delete_streams(streams)


def _delete_streams(names: set[str]) -> None:
    async def main() -> None:
        client = await nats.connect("nats://127.0.0.1:4222")
        try:
            for name in names:
                with contextlib.suppress(nats.js.errors.NotFoundError):
                    await client.jetstream().delete_stream(name)
        finally:
            await client.close()

    if names:
        asyncio.run(main())


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)


def _raw_publish(subject: str, payload: bytes, headers: dict[str, str] | None = None) -> None:
    async def main() -> None:
        client = await nats.connect("nats://127.0.0.1:4222")
        try:
            await client.jetstream().publish(subject, payload, headers=headers)
        finally:
            await client.close()

    asyncio.run(main())


def test_message_crosses_from_one_bus_to_another(make_bus: Callable[..., NatsBus]) -> None:
    publisher, receiver = make_bus("ingest"), make_bus("agents")
    got: list[Tick] = []
    receiver.subscribe(TICKS, got.append)
    for seq in range(50):
        publisher.publish(TICKS, Tick(seq=seq, price=seq / 4))
    publisher.flush()
    _wait_for(lambda: len(got) == 50)
    assert got == [Tick(seq=seq, price=seq / 4) for seq in range(50)]


def test_chain_snapshots_and_frames_round_trip(make_bus: Callable[..., NatsBus]) -> None:
    bus = make_bus()
    chains: list[ChainSnapshot] = []
    ticks: list[int] = []
    bus.subscribe(CHAINS, chains.append)
    bus.subscribe(TICKS, lambda t: ticks.append(t.seq))
    sent = [_chain(10**18 + i) for i in range(3)]
    bus.publish(CHAINS, sent[0])
    bus.publish_many(CHAINS, sent[1:])
    bus.publish_many(TICKS, [Tick(seq=i) for i in range(100)])
    bus.publish_many(TICKS, [])
    bus.flush()
    assert len(chains) == 3
    assert all(a.equals(b) for a, b in zip(chains, sent, strict=True))
    assert ticks == list(range(100))
    assert bus.stats().published == 103


def test_a_redelivered_message_is_handled_once(make_bus: Callable[..., NatsBus]) -> None:
    bus = make_bus(ack_wait_s=0.3)
    calls: list[int] = []
    release = threading.Event()

    def slow(tick: Tick) -> None:
        calls.append(tick.seq)
        if tick.seq == 0:
            release.wait(2.0)  # longer than ack_wait: the server redelivers meanwhile

    bus.subscribe(TICKS, slow)
    bus.publish(TICKS, Tick(seq=0))
    _wait_for(lambda: calls == [0])
    time.sleep(0.8)
    release.set()
    bus.publish(TICKS, Tick(seq=1))
    bus.flush()
    _wait_for(lambda: bus.transport_stats().duplicates_dropped >= 1)
    assert calls == [0, 1]


def test_a_resent_publish_with_the_same_id_is_stored_once(
    make_bus: Callable[..., NatsBus],
) -> None:
    bus = make_bus()
    got: list[int] = []
    bus.subscribe(TICKS, lambda t: got.append(t.seq))
    subject = bus._subject(TICKS.name)
    payload = codec_for(Tick).encode(Tick(seq=5))
    for _ in range(3):
        _raw_publish(subject, payload, {"Nats-Msg-Id": "fixed-id"})
    _raw_publish(subject, codec_for(Tick).encode(Tick(seq=6)), {"Nats-Msg-Id": "other-id"})
    _wait_for(lambda: got == [5, 6])
    assert bus.transport_stats().duplicates_dropped == 0  # the server already dropped them


def test_a_durable_consumer_catches_up_after_a_restart(make_bus: Callable[..., NatsBus]) -> None:
    publisher = make_bus("ingest")
    first = make_bus("risk")
    first.subscribe(TICKS, lambda _: None)
    first.close()
    for seq in range(5):
        publisher.publish(TICKS, Tick(seq=seq))
    publisher.flush()
    got: list[int] = []
    make_bus("risk").subscribe(TICKS, lambda t: got.append(t.seq))  # backlog arrives at once
    _wait_for(lambda: len(got) >= 5, timeout=15)
    assert got == [0, 1, 2, 3, 4]


def test_poison_payload_is_dropped_and_counted(make_bus: Callable[..., NatsBus]) -> None:
    bus = make_bus()
    got: list[int] = []
    bus.subscribe(TICKS, lambda t: got.append(t.seq))
    _raw_publish(bus._subject(TICKS.name), b"\xc1not msgpack", {"Nats-Msg-Id": "bad"})
    bus.publish(TICKS, Tick(seq=1))
    bus.flush()
    _wait_for(lambda: got == [1])
    assert bus.transport_stats().poison_messages == 1


def test_unacknowledged_publishes_block_then_fail(make_bus: Callable[..., NatsBus]) -> None:
    bus = make_bus(
        max_pending_publishes=1, publish_block_timeout_s=0.2, ack_timeout_s=0.1, give_up_s=0.5
    )
    bus.publish(TICKS, Tick(seq=0))
    bus.flush()
    _delete_streams({bus._streams["market"]})  # behind the bus's back: no ack will ever come
    bus.publish(TICKS, Tick(seq=1))
    with pytest.raises(PublishBackpressureError, match="await acknowledgement"):
        bus.publish(TICKS, Tick(seq=2))
    with pytest.raises(PublishFailedError, match="1 publishes"):
        bus.flush(timeout=5.0)
    stats = bus.transport_stats()
    assert stats.publish_failures == 1
    assert stats.publish_retries >= 1
    assert stats.pending_publishes == 0


def test_requests_reach_a_responder_on_another_bus(make_bus: Callable[..., NatsBus]) -> None:
    server, client = make_bus("risk"), make_bus("api")

    def respond(tick: Tick) -> Answer:
        if tick.seq < 0:
            raise LookupError("negative")
        return Answer(seq=tick.seq * 2)

    server.register_responder(ASK, respond)
    assert client.request(ASK, Tick(seq=21)) == Answer(seq=42)
    with pytest.raises(RequestFailedError) as info:
        client.request(ASK, Tick(seq=-1))
    assert isinstance(info.value.__cause__, LookupError)
    server.close()
    with pytest.raises(NoResponderError, match=r"rpc\.ask"):
        client.request(ASK, Tick(seq=1))


def test_unreachable_server_is_reported_at_creation() -> None:
    with pytest.raises(BusUnavailableError, match="cannot reach NATS"):
        NatsBus(NatsBusConfig(servers=("nats://127.0.0.1:9",), connect_timeout_s=0.2))


def test_bad_prefix_is_refused_before_connecting() -> None:
    with pytest.raises(ValueError, match="prefix"):
        NatsBus(NatsBusConfig(prefix="Bad.Prefix"))


def test_seen_window_forgets_the_oldest_ids() -> None:
    window = SeenWindow(2)
    assert window.add("a")
    assert window.add("b")
    assert not window.add("a")
    assert window.add("c")  # evicts "a"
    assert window.add("a")


def test_settings_choose_the_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    from optionswarm.bus import InProcessBus, bus_from_settings
    from optionswarm.config import load_settings

    assert isinstance(bus_from_settings(load_settings().bus), InProcessBus)
    prefix = f"t{secrets.token_hex(4)}"
    monkeypatch.setenv("OPTIONSWARM_BUS__KIND", "nats")
    monkeypatch.setenv("OPTIONSWARM_BUS__PREFIX", prefix)
    monkeypatch.setenv("OPTIONSWARM_BUS__CONSUMER", "risk")
    settings = load_settings().bus
    try:
        bus = bus_from_settings(settings)
    except BusUnavailableError as error:
        pytest.skip(f"NATS unreachable: {error}")
    try:
        assert isinstance(bus, NatsBus)
        assert (bus.config.prefix, bus.config.consumer) == (prefix, "risk")
        got: list[int] = []
        bus.subscribe(TICKS, lambda t: got.append(t.seq))
        bus.publish(TICKS, Tick(seq=3))
        bus.flush()
        assert got == [3]
    finally:
        bus.delete_streams()
        bus.close()


def test_flush_from_a_handler_is_refused_and_config_guards_duplicates(
    make_bus: Callable[..., NatsBus],
) -> None:
    with pytest.raises(ValueError, match="duplicate_window_s"):
        NatsBus(NatsBusConfig(give_up_s=200.0, duplicate_window_s=120.0))
    bus = make_bus()
    errors: list[str] = []

    def flushing(_: Tick) -> None:
        try:
            bus.flush()
        except RuntimeError as error:
            errors.append(str(error))

    bus.subscribe(TICKS, flushing)
    bus.publish(TICKS, Tick(seq=1))
    bus.flush()
    assert errors == ["flush from a handler would wait for that handler itself"]
