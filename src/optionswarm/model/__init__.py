"""The domain model: immutable, validated types shared by every subsystem.

Instruments and OSI symbols, quotes and bars, columnar option-chain snapshots, multi-leg orders,
fills and positions, agent views and consensus decisions; tick helpers; canonical encoding.

* Every struct is a frozen, keyword-only ``msgspec.Struct`` that rejects unknown fields when
  decoded; its ``__post_init__`` validates, so construction, ``msgspec.structs.replace`` and
  decoding all check. Timestamps are UTC nanoseconds (``ts_ns``); contracts are ``int``
  (``bool``/``float`` rejected); prices are ``float`` and are compared with the tick helpers
  (``prices_equal``, ``round_to_tick``), never with ``==``.
* Bad values raise ``ModelValidationError`` (a ``ValueError``) whose ``.field`` names the field.
  ``decode`` raises only that; ``msgspec.json.decode`` directly raises ``msgspec.ValidationError``
  with the field first in the message (see ``_errors``).
* ``encode`` gives deterministic bytes (sorted keys) for hashing; ``ChainSnapshot`` travels as
  ``to_dict`` / ``to_arrow``.
* Tick rules (``_ticks``): non-penny $0.05/$0.10 split at $3 (also SPX/SPXW), penny $0.01/$0.05,
  all-penny $0.01 (SPY, QQQ, IWM).
* Reason codes are plain snake_case strings, listed with their sentences in ``Reason`` /
  ``REASON_CODES``. Test factories live in ``optionswarm.model.testkit``.
"""

from optionswarm.model._chain import ChainSnapshot
from optionswarm.model._codec import DEFAULT_MAX_BYTES, decode, digest, encode
from optionswarm.model._enums import (
    Direction,
    ExerciseStyle,
    InstrumentKind,
    OptionRight,
    QualityFlag,
    SettlementStyle,
    SettlementType,
    Side,
    TimeInForce,
    VolView,
)
from optionswarm.model._errors import ModelValidationError
from optionswarm.model._expiry import (
    NS_PER_DAY,
    NS_PER_YEAR,
    expiry_date_of,
    expiry_instant_ns,
    ns_to_datetime,
)
from optionswarm.model._instruments import CASH_SETTLED_INDEX_ROOTS, OptionContract, Underlying
from optionswarm.model._market import Bar, Quote
from optionswarm.model._occ import (
    ROOT_TO_UNDERLYING,
    OccSymbol,
    canonical_symbol,
    root_belongs_to,
    underlying_for_root,
)
from optionswarm.model._orders import MAX_LEGS, OrderIntent, OrderLeg
from optionswarm.model._portfolio import Fill, Position
from optionswarm.model._reasons import ABSTAIN_REASONS, DECISION_REASONS, REASON_CODES, Reason
from optionswarm.model._swarm import DEFAULT_VIEW_TTL_NS, AgentContribution, Decision, View
from optionswarm.model._ticks import (
    ALL_PENNY,
    NON_PENNY,
    PENNY,
    TickRule,
    ceil_to_tick,
    floor_to_tick,
    is_on_tick,
    option_tick_size,
    price_compare,
    prices_equal,
    round_to_tick,
    tick_rule_for_root,
)

__all__ = [
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
