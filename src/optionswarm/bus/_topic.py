"""Typed topics: a topic names a stream and fixes the one frozen message type it carries."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec

__all__ = ["RequestTopic", "Topic", "TopicError"]

M = TypeVar("M")
Req = TypeVar("Req")
Resp = TypeVar("Resp")

_VALID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


class TopicError(ValueError):
    """A topic was declared with a bad name or a message type that is not a frozen struct."""


def _check_name(name: str) -> None:
    if not name or not set(name) <= _VALID_CHARS or name.startswith(".") or name.endswith("."):
        raise TopicError(
            f"topic name {name!r} must be non-empty lowercase letters, digits, '.', '_' or '-' "
            "(dot-separated, NATS-compatible subject)"
        )


def _check_frozen(message_type: type[Any], name: str) -> None:
    config = getattr(message_type, "__struct_config__", None)
    if not (isinstance(message_type, type) and issubclass(message_type, msgspec.Struct)):
        raise TopicError(f"topic {name!r}: {message_type!r} is not a msgspec.Struct")
    if config is None or not config.frozen:
        raise TopicError(f"topic {name!r}: {message_type.__name__} must be frozen (frozen=True)")


class Topic(Generic[M]):
    """A publish/subscribe stream carrying messages of exactly one frozen type ``M``.

    Topics compare and hash by name, so two modules may declare the same topic independently.
    """

    __slots__ = ("message_type", "name")

    def __init__(self, name: str, message_type: type[M]) -> None:
        _check_name(name)
        _check_frozen(message_type, name)
        self.name = name
        self.message_type = message_type

    def __repr__(self) -> str:
        return f"Topic({self.name!r}, {self.message_type.__name__})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Topic) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("topic", self.name))


class RequestTopic(Generic[Req, Resp]):
    """A request/response endpoint: one responder maps a ``Req`` to a ``Resp``."""

    __slots__ = ("name", "request_type", "response_type")

    def __init__(self, name: str, request_type: type[Req], response_type: type[Resp]) -> None:
        _check_name(name)
        _check_frozen(request_type, name)
        _check_frozen(response_type, name)
        self.name = name
        self.request_type = request_type
        self.response_type = response_type

    def __repr__(self) -> str:
        return (
            f"RequestTopic({self.name!r}, {self.request_type.__name__} -> "
            f"{self.response_type.__name__})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RequestTopic) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("request", self.name))
