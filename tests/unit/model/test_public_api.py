"""The public surface of optionswarm.model is agreed with other subsystems: it must not drift."""

from __future__ import annotations

import pytest

from optionswarm import model

EXPECTED_PUBLIC_NAMES = [
    "ABSTAIN_REASONS",
    "ALL_PENNY",
    "CASH_SETTLED_INDEX_ROOTS",
    "DECISION_REASONS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_VIEW_TTL_NS",
    "MAX_LEGS",
    "NON_PENNY",
    "NS_PER_DAY",
    "NS_PER_YEAR",
    "PENNY",
    "REASON_CODES",
    "ROOT_TO_UNDERLYING",
    "AgentContribution",
    "Bar",
    "ChainSnapshot",
    "Decision",
    "Direction",
    "ExerciseStyle",
    "Fill",
    "InstrumentKind",
    "ModelValidationError",
    "OccSymbol",
    "OptionContract",
    "OptionRight",
    "OrderIntent",
    "OrderLeg",
    "Position",
    "QualityFlag",
    "Quote",
    "Reason",
    "SettlementStyle",
    "SettlementType",
    "Side",
    "TickRule",
    "TimeInForce",
    "Underlying",
    "View",
    "VolView",
    "canonical_symbol",
    "ceil_to_tick",
    "decode",
    "digest",
    "encode",
    "expiry_date_of",
    "expiry_instant_ns",
    "floor_to_tick",
    "is_on_tick",
    "ns_to_datetime",
    "option_tick_size",
    "price_compare",
    "prices_equal",
    "root_belongs_to",
    "round_to_tick",
    "tick_rule_for_root",
    "underlying_for_root",
]

# Field names agreed in notes/model-api.md, per type (extra fields with defaults are allowed).
AGREED_FIELDS = {
    "OccSymbol": ("root", "expiry", "right", "strike_milli"),
    "Underlying": ("symbol", "kind", "multiplier", "tick_size"),
    "OptionContract": (
        "symbol",
        "underlying",
        "exercise",
        "settlement",
        "settlement_type",
        "multiplier",
    ),
    "Bar": ("symbol", "ts_ns", "open", "high", "low", "close", "volume"),
    "Quote": ("symbol", "ts_ns", "bid", "ask", "bid_size", "ask_size", "last"),
    "ChainSnapshot": (
        "underlying",
        "ts_ns",
        "spot",
        "rate",
        "dividend_yield",
        "modelled",
        "root",
        "expiry_ns",
        "strike",
        "is_call",
        "bid",
        "ask",
        "bid_size",
        "ask_size",
        "volume",
        "open_interest",
        "iv",
        "quality_flags",
    ),
    "OrderLeg": ("symbol", "side", "ratio"),
    "OrderIntent": (
        "client_order_id",
        "underlying",
        "legs",
        "quantity",
        "limit_price",
        "tif",
        "ts_ns",
        "source",
        "structure",
        "decision_id",
        "tag",
    ),
    "Fill": ("client_order_id", "fill_id", "symbol", "side", "quantity", "price", "fee", "ts_ns"),
    "Position": ("symbol", "underlying", "quantity", "avg_price", "multiplier"),
    "View": (
        "agent_id",
        "underlying",
        "ts_ns",
        "direction",
        "probability",
        "vol_view",
        "conviction",
        "horizon_days",
        "rationale",
        "ttl_ns",
        "abstain_reason",
    ),
    "AgentContribution": ("agent_id", "view", "weight", "contribution"),
    "Decision": (
        "decision_id",
        "underlying",
        "ts_ns",
        "direction",
        "vol_view",
        "confidence",
        "disagreement",
        "contributions",
        "reason_code",
        "explanation",
    ),
}


def test_public_names_are_exactly_the_agreed_list() -> None:
    assert sorted(model.__all__) == sorted(EXPECTED_PUBLIC_NAMES)
    assert len(set(model.__all__)) == len(model.__all__)


def test_every_public_name_resolves() -> None:
    missing = [name for name in model.__all__ if not hasattr(model, name)]
    assert missing == []


def test_agreed_struct_fields_are_present() -> None:
    for type_name, fields in AGREED_FIELDS.items():
        struct_fields = getattr(model, type_name).__struct_fields__
        absent = [field for field in fields if field not in struct_fields]
        assert absent == [], f"{type_name} lost fields {absent}"


def test_agreed_methods_and_properties_are_present() -> None:
    agreed = {
        "OccSymbol": ("parse", "format", "strike", "compact"),
        "Quote": ("mid", "spread", "checked"),
        "Bar": ("checked",),
        "ChainSnapshot": (
            "from_arrays",
            "__len__",
            "mid",
            "time_to_expiry",
            "occ_symbols",
            "expiries",
            "slice",
            "to_arrow",
            "from_arrow",
            "to_dict",
        ),
        "View": ("abstain", "is_abstention"),
    }
    for type_name, members in agreed.items():
        cls = getattr(model, type_name)
        absent = [member for member in members if not hasattr(cls, member)]
        assert absent == [], f"{type_name} lost {absent}"


def test_every_struct_is_frozen_keyword_only_and_strict() -> None:
    for type_name in AGREED_FIELDS:
        cls = getattr(model, type_name)
        config = cls.__struct_config__
        assert config.frozen, type_name
        assert config.forbid_unknown_fields, type_name
        with pytest.raises(TypeError):
            cls(*range(len(cls.__struct_fields__)))


def test_enum_values_match_the_agreement() -> None:
    assert model.OptionRight.CALL == "C"
    assert model.OptionRight.PUT == "P"
    assert {m.name for m in model.TimeInForce} == {"DAY", "GTC", "IOC", "FOK"}
    assert {m.name for m in model.Side} == {"BUY", "SELL"}
    assert {m.name for m in model.Direction} == {"BULLISH", "BEARISH", "NEUTRAL"}
    assert {m.name for m in model.VolView} == {"RISING", "FALLING", "FLAT"}
    assert {m.name for m in model.InstrumentKind} == {"INDEX", "EQUITY", "ETF"}
    assert {m.name for m in model.ExerciseStyle} == {"AMERICAN", "EUROPEAN"}
    assert {m.name for m in model.SettlementStyle} == {"AM", "PM"}
    assert {m.name for m in model.SettlementType} == {"CASH", "PHYSICAL"}


def test_model_validation_error_is_a_value_error_with_field() -> None:
    error = model.ModelValidationError("bid", "must be finite")
    assert isinstance(error, ValueError)
    assert error.field == "bid"
    assert str(error) == "bid: must be finite"
