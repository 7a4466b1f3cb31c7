"""Topic declarations: names are subjects, message types are frozen structs."""

from __future__ import annotations

import msgspec
import pytest

from optionswarm.bus import RequestTopic, Topic, TopicError


class Frozen(msgspec.Struct, frozen=True):
    x: int


class Mutable(msgspec.Struct):
    x: int


def test_topic_with_mutable_message_type_is_refused() -> None:
    with pytest.raises(TopicError, match="must be frozen"):
        Topic("a.b", Mutable)


def test_topic_with_non_struct_type_is_refused() -> None:
    with pytest.raises(TopicError, match=r"not a msgspec\.Struct"):
        Topic("a.b", dict)


@pytest.mark.parametrize("name", ["", "A.b", "a b", ".a", "a.", "a*"])
def test_topic_with_bad_name_is_refused(name: str) -> None:
    with pytest.raises(TopicError, match="topic name"):
        Topic(name, Frozen)


def test_topics_compare_by_name_and_describe_themselves() -> None:
    assert Topic("a.b", Frozen) == Topic("a.b", Frozen)
    assert hash(Topic("a.b", Frozen)) == hash(Topic("a.b", Frozen))
    assert Topic("a.b", Frozen) != Topic("a.c", Frozen)
    assert Topic("a.b", Frozen) != "a.b"
    assert repr(Topic("a.b", Frozen)) == "Topic('a.b', Frozen)"


def test_request_topics_compare_by_name_and_check_both_types() -> None:
    rt = RequestTopic("q.r", Frozen, Frozen)
    assert rt == RequestTopic("q.r", Frozen, Frozen)
    assert hash(rt) == hash(RequestTopic("q.r", Frozen, Frozen))
    assert rt != Topic("q.r", Frozen)
    assert "Frozen -> Frozen" in repr(rt)
    with pytest.raises(TopicError):
        RequestTopic("q.r", Frozen, Mutable)


def test_unsubscribing_the_last_handler_forgets_the_topic() -> None:
    from optionswarm.bus import InProcessBus

    bus = InProcessBus()
    got: list[Frozen] = []
    sub = bus.subscribe(Topic("a.b", Frozen), got.append)
    bus.unsubscribe(sub)
    bus.publish(Topic("a.b", Frozen), Frozen(1))
    assert got == []
    assert bus.stats().delivered == 0
