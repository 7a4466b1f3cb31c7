"""Wire formats of bus messages on NATS: MessagePack for structs, Arrow IPC for chain snapshots.

A message travels alone, or several of one topic travel as one *frame* (``NatsBus.publish_many``):
a MessagePack array of structs, or of Arrow IPC buffers for chains. Decoding validates fully
(each struct's ``__post_init__`` runs), so a malformed payload raises ``msgspec`` or Arrow errors
that the bus counts as poison and never hands to a subscriber.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import msgspec

from optionswarm.model import ChainSnapshot

__all__ = ["MessageCodec", "codec_for"]

M = TypeVar("M")


class MessageCodec(Generic[M]):
    """Encode and decode one message type, singly or as a frame of many."""

    def __init__(self, message_type: type[M]) -> None:
        self.message_type = message_type
        self._chains = issubclass(message_type, ChainSnapshot)
        self._encoder = msgspec.msgpack.Encoder()
        self._one: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(
            bytes if self._chains else message_type
        )
        self._many: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(
            list[bytes] if self._chains else list[message_type]  # type: ignore[valid-type]
        )

    def encode(self, message: M) -> bytes:
        """Bytes of one message."""
        if self._chains:
            return _chain_to_ipc(message)
        return self._encoder.encode(message)

    def decode(self, data: bytes) -> M:
        """One message from ``encode``'s bytes."""
        if self._chains:
            return _chain_from_ipc(data)  # type: ignore[return-value]  # M is ChainSnapshot here
        decoded: M = self._one.decode(data)
        return decoded

    def encode_many(self, messages: Sequence[M]) -> bytes:
        """One frame holding ``messages`` in order."""
        if self._chains:
            return self._encoder.encode([_chain_to_ipc(m) for m in messages])
        return self._encoder.encode(messages)

    def decode_many(self, data: bytes) -> list[M]:
        """The messages of a frame, in order."""
        if self._chains:
            return [_chain_from_ipc(part) for part in self._many.decode(data)]  # type: ignore[misc]  # M is ChainSnapshot here
        decoded: list[M] = self._many.decode(data)
        return decoded


def _chain_to_ipc(chain: Any) -> bytes:
    import pyarrow as pa  # noqa: PLC0415 -- pyarrow only for buses that carry chains

    table = chain.to_arrow()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


def _chain_from_ipc(data: bytes) -> ChainSnapshot:
    import pyarrow as pa  # noqa: PLC0415 -- see _chain_to_ipc

    with pa.ipc.open_stream(pa.py_buffer(data)) as reader:
        return ChainSnapshot.from_arrow(reader.read_all())


_CODECS: dict[type[Any], MessageCodec[Any]] = {}


def codec_for(message_type: type[M]) -> MessageCodec[M]:
    """The (cached) codec of a message type."""
    codec = _CODECS.get(message_type)
    if codec is None:
        codec = _CODECS[message_type] = MessageCodec(message_type)
    return codec
