"""Wire formats of bus messages on NATS: MessagePack for structs, columnar bytes for chains.

A message travels alone, or several of one topic travel as one *frame* (``NatsBus.publish_many``):
a MessagePack array. A ``ChainSnapshot`` travels as its scalars, its distinct roots with one
code per row, and each numeric column's raw little-endian bytes (no per-row Python work).
Decoding validates fully (each struct's ``__post_init__`` runs, a chain is rebuilt through its
constructor), so a malformed payload raises an error that the bus counts as poison and never
hands to a subscriber.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import msgspec
import numpy as np

from optionswarm.bus._port import BusError
from optionswarm.model import ChainSnapshot

__all__ = ["MessageCodec", "PoisonMessageError", "codec_for"]

M = TypeVar("M")


class PoisonMessageError(BusError, ValueError):
    """A payload that does not decode into a valid message (the cause says why)."""


class _ChainWire(msgspec.Struct, array_like=True):
    scalars: dict[str, Any]
    roots: list[str]
    root_codes: bytes  # uint16 per row, index into roots
    columns: dict[str, tuple[str, bytes]]  # name -> (dtype string, raw bytes)


class MessageCodec(Generic[M]):
    """Encode and decode one message type, singly or as a frame of many."""

    def __init__(self, message_type: type[M]) -> None:
        self.message_type = message_type
        self._chains = issubclass(message_type, ChainSnapshot)
        self._encoder = msgspec.msgpack.Encoder()
        self._one: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(
            _ChainWire if self._chains else message_type
        )
        self._many: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(
            list[_ChainWire] if self._chains else list[message_type]  # type: ignore[valid-type]
        )

    def encode(self, message: M) -> bytes:
        """Bytes of one message."""
        if self._chains:
            return self._encoder.encode(_chain_to_wire(message))
        return self._encoder.encode(message)

    def decode(self, data: bytes) -> M:
        """One message from ``encode``'s bytes; ``PoisonMessageError`` if they are not one."""
        try:
            decoded = self._one.decode(data)
            if self._chains:
                return _chain_from_wire(decoded)  # type: ignore[return-value]  # M is a chain
        except Exception as error:  # malformed bytes raise several types (msgspec, unicode, model)
            raise PoisonMessageError(f"not a {self.message_type.__name__}: {error}") from error
        message: M = decoded
        return message

    def encode_many(self, messages: Sequence[M]) -> bytes:
        """One frame holding ``messages`` in order."""
        if self._chains:
            return self._encoder.encode([_chain_to_wire(m) for m in messages])
        return self._encoder.encode(messages)

    def decode_many(self, data: bytes) -> list[M]:
        """The messages of a frame, in order; ``PoisonMessageError`` if it is not one."""
        try:
            decoded: list[Any] = self._many.decode(data)
            if self._chains:
                return [_chain_from_wire(wire) for wire in decoded]  # type: ignore[misc]  # chains
        except Exception as error:  # see decode
            raise PoisonMessageError(
                f"not a frame of {self.message_type.__name__}: {error}"
            ) from error
        return decoded


def _chain_to_wire(chain: Any) -> _ChainWire:
    roots = chain.root.tolist()
    distinct = list(dict.fromkeys(roots))
    if len(distinct) == 1:
        codes = np.zeros(len(roots), dtype="<u2")
    else:
        index = {root: i for i, root in enumerate(distinct)}
        codes = np.fromiter((index[r] for r in roots), dtype="<u2", count=len(roots))
    columns = {
        name: (
            values.dtype.newbyteorder("<").str,
            values.astype(values.dtype.newbyteorder("<")).tobytes(),
        )
        for name, values in chain.columns().items()
        if name != "root"
    }
    return _ChainWire(chain.scalars(), distinct, codes.tobytes(), columns)


def _chain_from_wire(wire: _ChainWire) -> ChainSnapshot:
    codes = np.frombuffer(wire.root_codes, dtype="<u2")
    columns: dict[str, Any] = {
        name: np.frombuffer(raw, dtype=np.dtype(dtype))
        for name, (dtype, raw) in wire.columns.items()
    }
    columns["root"] = np.array(wire.roots, dtype=object)[codes]
    return ChainSnapshot(**wire.scalars, **columns)


_CODECS: dict[type[Any], MessageCodec[Any]] = {}


def codec_for(message_type: type[M]) -> MessageCodec[M]:
    """The (cached) codec of a message type."""
    codec = _CODECS.get(message_type)
    if codec is None:
        codec = _CODECS[message_type] = MessageCodec(message_type)
    return codec
