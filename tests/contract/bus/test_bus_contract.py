"""The message-bus contract: every implementation of the port must pass these.

Implementations: the in-process bus (synchronous, depth-first) and NATS JetStream (asynchronous,
marked ``service``: a unique prefix per test, streams deleted afterwards). ``settle`` waits until
an asynchronous bus has delivered everything published (``NatsBus.flush``); it is a no-op for a
synchronous one. The one difference the port allows is *when* a handler's own publish is
delivered: during the handler (synchronous) or after it returns (asynchronous).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import msgspec
import pytest

from optionswarm.bus import (
    BusClosedError,
    InProcessBus,
    MessageBus,
    MessageTypeError,
    NoResponderError,
    RequestFailedError,
    RequestTopic,
    Topic,
)


class Ping(msgspec.Struct, frozen=True, kw_only=True):
    seq: int


class Pong(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    echoed_by: str


class Other(msgspec.Struct, frozen=True, kw_only=True):
    text: str


PINGS = Topic("test.pings", Ping)
OTHERS = Topic("test.others", Other)
ECHO = RequestTopic("test.echo", Ping, Pong)


def _nats_bus() -> MessageBus:
    from optionswarm.bus.nats import BusUnavailableError, NatsBus, NatsBusConfig

    try:
        return NatsBus(NatsBusConfig(prefix=f"t{secrets.token_hex(4)}", ack_timeout_s=1.0))
    except BusUnavailableError as error:
        pytest.skip(f"NATS unreachable on 127.0.0.1:4222: {error}")


_FACTORIES: dict[str, Callable[[], MessageBus]] = {"inprocess": InProcessBus, "nats": _nats_bus}
IMPLEMENTATIONS = [
    pytest.param("inprocess", id="inprocess"),
    pytest.param("nats", id="nats", marks=pytest.mark.service),
]


def settle(bus: MessageBus) -> None:
    """Wait until an asynchronous bus has delivered everything published so far."""
    flush = getattr(bus, "flush", None)
    if flush is not None:
        flush()


def synchronous(bus: MessageBus) -> bool:
    return isinstance(bus, InProcessBus)


@pytest.fixture(params=IMPLEMENTATIONS)
def bus(request: pytest.FixtureRequest) -> Iterator[MessageBus]:
    instance = _FACTORIES[request.param]()
    yield instance
    delete_streams = getattr(instance, "delete_streams", None)
    if delete_streams is not None:
        delete_streams()
    instance.close()


def test_implementation_satisfies_the_port(bus: MessageBus) -> None:
    assert isinstance(bus, MessageBus)


def test_subscribers_receive_messages_in_publish_order(bus: MessageBus) -> None:
    got: list[int] = []
    bus.subscribe(PINGS, lambda m: got.append(m.seq))
    for seq in range(5):
        bus.publish(PINGS, Ping(seq=seq))
    settle(bus)
    assert got == [0, 1, 2, 3, 4]


def test_every_subscriber_gets_each_message_in_subscription_order(bus: MessageBus) -> None:
    got: list[str] = []
    bus.subscribe(PINGS, lambda m: got.append(f"a{m.seq}"))
    bus.subscribe(PINGS, lambda m: got.append(f"b{m.seq}"))
    bus.publish(PINGS, Ping(seq=1))
    settle(bus)
    assert got == ["a1", "b1"]


def test_topics_are_isolated_from_each_other(bus: MessageBus) -> None:
    pings: list[Ping] = []
    bus.subscribe(PINGS, pings.append)
    bus.subscribe(OTHERS, lambda _: None)
    bus.publish(OTHERS, Other(text="x"))
    settle(bus)
    assert pings == []


def test_publish_of_wrong_type_is_refused(bus: MessageBus) -> None:
    with pytest.raises(MessageTypeError, match=r"test\.pings"):
        bus.publish(PINGS, Other(text="nope"))  # type: ignore[arg-type]


def test_failing_subscriber_is_isolated_counted_and_others_still_receive(
    bus: MessageBus,
) -> None:
    got: list[int] = []

    def broken(_: Ping) -> None:
        raise RuntimeError("subscriber bug")

    bus.subscribe(PINGS, broken)
    bus.subscribe(PINGS, lambda m: got.append(m.seq))
    bus.publish(PINGS, Ping(seq=7))
    bus.publish(PINGS, Ping(seq=8))
    settle(bus)
    assert got == [7, 8]
    stats = bus.stats()
    assert stats.handler_errors == 2
    assert stats.published == 2
    assert stats.delivered == 2


def test_unsubscribe_stops_delivery_and_is_idempotent(bus: MessageBus) -> None:
    got: list[int] = []
    kept: list[int] = []
    sub = bus.subscribe(PINGS, lambda m: got.append(m.seq))
    bus.subscribe(PINGS, lambda m: kept.append(m.seq))
    bus.publish(PINGS, Ping(seq=1))
    settle(bus)
    bus.unsubscribe(sub)
    bus.unsubscribe(sub)
    bus.publish(PINGS, Ping(seq=2))
    settle(bus)
    assert got == [1]
    assert kept == [1, 2]


def test_handler_publishing_during_delivery_is_not_interleaved_with_it(bus: MessageBus) -> None:
    trace: list[str] = []

    def on_ping(m: Ping) -> None:
        trace.append(f"ping{m.seq}")
        bus.publish(OTHERS, Other(text=f"from{m.seq}"))
        trace.append(f"after{m.seq}")

    bus.subscribe(PINGS, on_ping)
    bus.subscribe(OTHERS, lambda m: trace.append(m.text))
    bus.publish(PINGS, Ping(seq=1))
    settle(bus)
    if synchronous(bus):
        assert trace == ["ping1", "from1", "after1"]
    else:  # delivered after the handler returns, never interleaved with it
        assert trace == ["ping1", "after1", "from1"]


def test_subscribing_during_delivery_takes_effect_from_the_next_message(bus: MessageBus) -> None:
    late: list[int] = []

    def first(_: Ping) -> None:
        bus.subscribe(PINGS, lambda m: late.append(m.seq))

    sub = bus.subscribe(PINGS, first)
    bus.publish(PINGS, Ping(seq=1))
    settle(bus)
    bus.unsubscribe(sub)
    bus.publish(PINGS, Ping(seq=2))
    settle(bus)
    assert late == [2]


def test_request_returns_the_responders_answer(bus: MessageBus) -> None:
    bus.register_responder(ECHO, lambda m: Pong(seq=m.seq, echoed_by="r1"))
    assert bus.request(ECHO, Ping(seq=3)) == Pong(seq=3, echoed_by="r1")
    assert bus.stats().requests == 1


def test_request_without_responder_names_the_topic(bus: MessageBus) -> None:
    with pytest.raises(NoResponderError, match=r"test\.echo"):
        bus.request(ECHO, Ping(seq=1))


def test_second_responder_for_a_topic_is_refused(bus: MessageBus) -> None:
    bus.register_responder(ECHO, lambda m: Pong(seq=m.seq, echoed_by="r1"))
    with pytest.raises(ValueError, match="already has a responder"):
        bus.register_responder(ECHO, lambda m: Pong(seq=m.seq, echoed_by="r2"))


def test_failing_responder_surfaces_to_the_requester_only(bus: MessageBus) -> None:
    def broken(_: Ping) -> Pong:
        raise KeyError("missing")

    bus.register_responder(ECHO, broken)
    with pytest.raises(RequestFailedError) as info:
        bus.request(ECHO, Ping(seq=1))
    assert isinstance(info.value.__cause__, KeyError)
    got: list[int] = []
    bus.subscribe(PINGS, lambda m: got.append(m.seq))
    bus.publish(PINGS, Ping(seq=9))
    settle(bus)
    assert got == [9]


def test_request_and_response_types_are_enforced(bus: MessageBus) -> None:
    bus.register_responder(ECHO, lambda m: Other(text="wrong"))  # type: ignore[arg-type,return-value]
    with pytest.raises(MessageTypeError):
        bus.request(ECHO, Other(text="x"))  # type: ignore[arg-type]
    with pytest.raises(MessageTypeError, match="returned Other"):
        bus.request(ECHO, Ping(seq=1))


def test_closed_bus_refuses_publish_and_request(bus: MessageBus) -> None:
    bus.close()
    with pytest.raises(BusClosedError):
        bus.publish(PINGS, Ping(seq=1))
    with pytest.raises(BusClosedError):
        bus.request(ECHO, Ping(seq=1))
