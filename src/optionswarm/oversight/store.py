"""Approvals in the transactional store (SQLAlchemy Core: SQLite or PostgreSQL, same code).

Tables (``prefix`` defaults to ``oversight_``): ``intents`` (every proposed order as proposed,
who placed it, when it was sent), ``requests`` (one row per approval request: status, a version
counter and the request as JSON) and ``votes`` (one row per approver and request).

A request is decided at most once: every change is ``UPDATE ... WHERE request_id = :id AND
version = :seen`` and counts only if exactly one row changed; the vote is inserted in the same
transaction, so a lost race leaves no trace and the caller re-reads and tries again.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from optionswarm.model import OrderIntent
from optionswarm.oversight.states import ApprovalStatus
from optionswarm.oversight.types import ApprovalRequest, ApprovalVote

__all__ = ["ApprovalStore", "ProposedIntent", "StoredRequest"]

_ENCODE = msgspec.json.Encoder(order="sorted").encode
_DECODE_REQUEST = msgspec.json.Decoder(ApprovalRequest).decode
_DECODE_INTENT = msgspec.json.Decoder(OrderIntent).decode


class StoredRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A request as read, with the version an update must match."""

    request: ApprovalRequest
    version: int


class ProposedIntent(msgspec.Struct, frozen=True, kw_only=True):
    """An order as it was proposed, who placed it, and when (if ever) it was sent."""

    intent: OrderIntent
    placed_by: str | None
    proposed_ns: int
    sent_ns: int | None


class ApprovalStore:
    """Intents, approval requests and votes in one SQL database."""

    def __init__(self, engine: sa.Engine, prefix: str = "oversight_") -> None:
        self.engine = engine
        self.metadata = sa.MetaData()
        self.intents = sa.Table(
            f"{prefix}intents",
            self.metadata,
            sa.Column("client_order_id", sa.String(64), primary_key=True),
            sa.Column("source", sa.String(32), nullable=False),
            sa.Column("placed_by", sa.String(128)),
            sa.Column("proposed_ns", sa.BigInteger, nullable=False),
            sa.Column("sent_ns", sa.BigInteger),
            sa.Column("body", sa.Text, nullable=False),
        )
        self.requests = sa.Table(
            f"{prefix}requests",
            self.metadata,
            sa.Column("request_id", sa.String(80), primary_key=True),
            sa.Column("client_order_id", sa.String(64), nullable=False, unique=True),
            sa.Column("status", sa.String(24), nullable=False, index=True),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("created_ns", sa.BigInteger, nullable=False),
            sa.Column("expires_ns", sa.BigInteger, nullable=False),
            sa.Column("body", sa.Text, nullable=False),
        )
        self.votes = sa.Table(
            f"{prefix}votes",
            self.metadata,
            sa.Column("request_id", sa.String(80), primary_key=True),
            sa.Column("actor", sa.String(128), primary_key=True),
            sa.Column("approve", sa.Boolean, nullable=False),
            sa.Column("comment", sa.Text, nullable=False),
            sa.Column("ts_ns", sa.BigInteger, nullable=False),
        )

    def create(self) -> None:
        """Create the tables if missing."""
        self.metadata.create_all(self.engine)

    def drop(self) -> None:
        """Drop the tables (tests)."""
        self.metadata.drop_all(self.engine)

    # -- intents -----------------------------------------------------------------------------
    def save_intent(self, intent: OrderIntent, placed_by: str | None, ts_ns: int) -> bool:
        """Record a proposed order once; False if it was already recorded (nothing changes)."""
        row = {
            "client_order_id": intent.client_order_id,
            "source": intent.source,
            "placed_by": placed_by,
            "proposed_ns": ts_ns,
            "body": _ENCODE(intent).decode(),
        }
        with self.engine.begin() as conn:  # the first proposal stands
            insert = self._insert_if_absent(self.intents)
            inserted = conn.execute(insert.returning(self.intents.c.client_order_id), row)
            if inserted.first() is None:
                return False
        return True

    def _insert_if_absent(self, table: sa.Table) -> sa.Insert:
        """``INSERT ... ON CONFLICT DO NOTHING`` where the dialect has it, else a plain insert."""
        name = self.engine.dialect.name
        if name == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        if name == "sqlite":
            return sqlite.insert(table).on_conflict_do_nothing()
        return sa.insert(table)  # pragma: no cover - other databases raise on a duplicate

    def mark_sent(self, client_order_id: str, ts_ns: int) -> None:
        """Note when the order went to the broker (first time only)."""
        table = self.intents
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(table)
                .where(table.c.client_order_id == client_order_id, table.c.sent_ns.is_(None))
                .values(sent_ns=ts_ns)
            )

    def intent(self, client_order_id: str) -> ProposedIntent | None:
        """The proposed order under ``client_order_id``."""
        table = self.intents
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(table).where(table.c.client_order_id == client_order_id)
            ).first()
        if row is None:
            return None
        return ProposedIntent(
            intent=_DECODE_INTENT(row.body),
            placed_by=row.placed_by,
            proposed_ns=int(row.proposed_ns),
            sent_ns=None if row.sent_ns is None else int(row.sent_ns),
        )

    def traded_underlyings(self) -> set[str]:
        """Underlyings of every order ever sent."""
        table = self.intents
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table.c.body).where(table.c.sent_ns.is_not(None)))
            return {_DECODE_INTENT(r.body).underlying for r in rows}

    # -- requests ----------------------------------------------------------------------------
    def insert_request(self, request: ApprovalRequest) -> bool:
        """Store a new request; False if the order already has one (nothing changes)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(self.requests), [_request_row(request, 0)])
        except sa.exc.IntegrityError:
            return False  # the order already has a request (unique client order id)
        return True

    def load(self, request_id: str) -> StoredRequest | None:
        """One request and its version."""
        return self._one(self.requests.c.request_id == request_id)

    def load_by_order(self, client_order_id: str) -> StoredRequest | None:
        """The request of one order."""
        return self._one(self.requests.c.client_order_id == client_order_id)

    def _one(self, where: sa.ColumnElement[bool]) -> StoredRequest | None:
        table = self.requests
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(table.c.body, table.c.version).where(where)).first()
        if row is None:
            return None
        return StoredRequest(request=_DECODE_REQUEST(row.body), version=int(row.version))

    def requests_in(
        self, statuses: Iterable[ApprovalStatus] | None = None
    ) -> list[ApprovalRequest]:
        """Requests, oldest first (optionally only those in ``statuses``)."""
        table = self.requests
        query = sa.select(table.c.body).order_by(table.c.created_ns, table.c.request_id)
        if statuses is not None:
            query = query.where(table.c.status.in_([s.value for s in statuses]))
        with self.engine.connect() as conn:
            return [_DECODE_REQUEST(r.body) for r in conn.execute(query)]

    def votes_of(self, request_id: str) -> list[ApprovalVote]:
        """The votes cast on one request, in time order."""
        table = self.votes
        query = sa.select(table).where(table.c.request_id == request_id).order_by(table.c.ts_ns)
        with self.engine.connect() as conn:
            return [
                ApprovalVote(
                    request_id=r.request_id,
                    actor=r.actor,
                    approve=bool(r.approve),
                    comment=r.comment,
                    ts_ns=int(r.ts_ns),
                )
                for r in conn.execute(query)
            ]

    def replace(
        self, seen: StoredRequest, updated: ApprovalRequest, vote: ApprovalVote | None = None
    ) -> bool:
        """Write ``updated`` if the row is still at ``seen.version``; True if this call won."""
        table = self.requests
        row = _request_row(updated, seen.version + 1)
        del row["request_id"], row["client_order_id"], row["created_ns"]
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(table)
                .where(
                    table.c.request_id == updated.request_id,
                    table.c.version == seen.version,
                )
                .values(**row)
            )
            if result.rowcount != 1:
                return False
            if vote is not None:
                conn.execute(sa.insert(self.votes), [msgspec.structs.asdict(vote)])
        return True


def _request_row(request: ApprovalRequest, version: int) -> dict[str, object]:
    return {
        "request_id": request.request_id,
        "client_order_id": request.client_order_id,
        "status": request.status.value,
        "version": version,
        "created_ns": request.created_ns,
        "expires_ns": request.expires_ns,
        "body": _ENCODE(request).decode(),
    }
