"""Small contracts of the error type, the enums and the internal field checks."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from optionswarm.model import ModelValidationError, QualityFlag, Side, View
from optionswarm.model._checks import coerce_scalar
from optionswarm.model.testkit import make_view


def test_model_validation_error_survives_pickling_with_its_field() -> None:
    error = ModelValidationError("ask", "must be finite")
    copy = pickle.loads(pickle.dumps(error))
    assert copy.field == "ask"
    assert copy.reason == "must be finite"
    assert str(copy) == str(error)


def test_side_sign_and_opposite() -> None:
    assert Side.BUY.sign == 1
    assert Side.SELL.sign == -1
    assert Side.BUY.opposite is Side.SELL
    assert Side.SELL.opposite is Side.BUY


def test_quality_flags_are_distinct_bits_within_the_reserved_low_half() -> None:
    values = [flag.value for flag in QualityFlag if flag.value]
    assert len(set(values)) == len(values)
    assert all(value & (value - 1) == 0 and value < 1 << 16 for value in values)


def test_coerce_scalar_turns_numpy_scalars_into_python_numbers() -> None:
    assert coerce_scalar(np.bool_(True)) is True
    assert type(coerce_scalar(np.int16(3))) is int
    assert type(coerce_scalar(np.float32(0.5))) is float
    assert coerce_scalar("SPY") == "SPY"


def test_text_longer_than_its_limit_is_rejected() -> None:
    with pytest.raises(ModelValidationError, match="at most 4000") as caught:
        make_view(rationale="x" * 4001)
    assert caught.value.field == "rationale"


def test_an_agent_may_not_hide_a_view_inside_an_abstention() -> None:
    with pytest.raises(ModelValidationError):
        View.abstain("a", "SPY", 0, "timeout", "why", ttl_ns=0)
