"""The NATS wire formats and the request/response error mapping, without a server."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.bus import MessageTypeError, RequestFailedError, RequestTopic
from optionswarm.bus._nats_codec import PoisonMessageError, codec_for
from optionswarm.bus._nats_rpc import RemoteResponderError, answer, raise_for_reply
from optionswarm.model import ChainSnapshot, ModelValidationError, Quote

TS = 1_764_000_000_000_000_000


class Ask(msgspec.Struct, frozen=True, kw_only=True):
    n: int


class Reply(msgspec.Struct, frozen=True, kw_only=True):
    n: int


ASK = RequestTopic("rpc.ask", Ask, Reply)


def _chain(roots: list[str]) -> ChainSnapshot:
    n = len(roots)
    return ChainSnapshot.from_arrays(
        underlying="SPX",
        ts_ns=TS,
        spot=2700.0,
        root=np.array(roots, dtype=object),
        expiry_ns=np.full(n, TS + 7 * 86_400 * 10**9),
        strike=2600.0 + 5.0 * np.arange(n),
        is_call=np.arange(n) % 2 == 0,
        bid=np.where(np.arange(n) % 3 == 0, np.nan, 1.5),
        ask=np.full(n, 2.0),
        iv=np.full(n, 0.2),
        rate=0.01,
        modelled=True,
        source="wire",
    )


def test_chain_with_several_roots_and_missing_bids_round_trips() -> None:
    codec = codec_for(ChainSnapshot)
    chain = _chain(["SPX", "SPXW", "SPXW", "SPX", "SPXW", "SPX"])
    assert codec.decode(codec.encode(chain)).equals(chain)
    frame = codec.decode_many(codec.encode_many([chain, _chain(["SPXW"])]))
    assert [len(c) for c in frame] == [6, 1]
    assert frame[0].equals(chain)


def test_a_chain_payload_with_a_short_column_is_refused() -> None:
    codec = codec_for(ChainSnapshot)
    wire = msgspec.msgpack.decode(codec.encode(_chain(["SPX", "SPX"])))
    wire[3]["strike"][1] = wire[3]["strike"][1][:8]  # one strike instead of two
    with pytest.raises(PoisonMessageError) as info:
        codec.decode(msgspec.msgpack.encode(wire))
    assert isinstance(info.value.__cause__, ModelValidationError)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_decode_into_a_quote_silently(data: bytes) -> None:
    codec = codec_for(Quote)
    try:
        quote = codec.decode(data)
    except PoisonMessageError:
        return
    assert codec.decode(codec.encode(quote)) == quote  # whatever decodes is a valid Quote


def test_responder_errors_travel_back_as_the_right_error() -> None:
    def broken(ask: Ask) -> Reply:
        raise ZeroDivisionError("division")

    data, headers = answer(ASK, broken, codec_for(Ask).encode(Ask(n=1)))
    with pytest.raises(RequestFailedError) as info:
        raise_for_reply(ASK, headers, data)
    assert isinstance(info.value.__cause__, ZeroDivisionError)

    class CustomError(Exception):
        pass

    def custom(ask: Ask) -> Reply:
        raise CustomError("mine")

    data, headers = answer(ASK, custom, codec_for(Ask).encode(Ask(n=1)))
    with pytest.raises(RequestFailedError) as info:
        raise_for_reply(ASK, headers, data)
    assert isinstance(info.value.__cause__, RemoteResponderError)
    assert "CustomError: mine" in str(info.value.__cause__)


def test_bad_request_bytes_and_wrong_reply_types_are_reported() -> None:
    data, headers = answer(ASK, lambda a: Reply(n=a.n), b"\xc1")
    with pytest.raises(RequestFailedError, match="ValueError"):
        raise_for_reply(ASK, headers, data)
    data, headers = answer(ASK, lambda a: Ask(n=a.n), codec_for(Ask).encode(Ask(n=2)))
    with pytest.raises(MessageTypeError, match="returned Ask, expected Reply"):
        raise_for_reply(ASK, headers, data)
    data, headers = answer(ASK, lambda a: Reply(n=a.n * 2), codec_for(Ask).encode(Ask(n=2)))
    raise_for_reply(ASK, headers, data)
    assert codec_for(Reply).decode(data) == Reply(n=4)
