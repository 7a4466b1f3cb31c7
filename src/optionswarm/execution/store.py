"""``ExecutionStore``: orders, fills, positions and breaker state in the transactional store.

SQLAlchemy Core over :func:`optionswarm.storage.sql.create_sql_engine`: SQLite (WAL) by default,
PostgreSQL with the same code. A fill, the order it advances and the position it changes are
written in ONE transaction, so after a crash either all three are there or none is; a fill id
already stored (or repeated within one batch) is ignored: a broker may resend fills. Tables carry
a prefix so several stores (or test runs) share one database.

The schema is the Alembic history's head (``optionswarm.storage.migrations``); the constructor
creates missing tables directly (the embedded fast path) unless ``create=False`` (a deployment
whose schema ``migrations.upgrade`` manages).
"""

from __future__ import annotations

import msgspec
import sqlalchemy as sa

from optionswarm.execution.events import OrderRecord
from optionswarm.model import Fill, Position

__all__ = ["ExecutionStore"]

_ORDER_DECODER = msgspec.json.Decoder(OrderRecord)
_FILL_DECODER = msgspec.json.Decoder(Fill)
_ENCODER = msgspec.json.Encoder()


class ExecutionStore:
    """Durable execution state; every write is its own committed transaction."""

    def __init__(self, engine: sa.Engine, prefix: str = "exec_", *, create: bool = True) -> None:
        self.engine = engine
        self.metadata = sa.MetaData()
        self.orders = sa.Table(
            f"{prefix}orders",
            self.metadata,
            sa.Column("client_order_id", sa.String(128), primary_key=True),
            sa.Column("state", sa.String(32), nullable=False),
            sa.Column("filled_quantity", sa.Integer, nullable=False),
            sa.Column("updated_ns", sa.BigInteger, nullable=False),
            sa.Column("body", sa.LargeBinary, nullable=False),
        )
        self.fills = sa.Table(
            f"{prefix}fills",
            self.metadata,
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("fill_id", sa.String(160), nullable=False, unique=True),
            sa.Column("client_order_id", sa.String(128), nullable=False, index=True),
            sa.Column("body", sa.LargeBinary, nullable=False),
        )
        self.positions = sa.Table(
            f"{prefix}positions",
            self.metadata,
            sa.Column("symbol", sa.String(64), primary_key=True),
            sa.Column("underlying", sa.String(32), nullable=False),
            sa.Column("quantity", sa.Integer, nullable=False),
            sa.Column("avg_price", sa.Float, nullable=False),
            sa.Column("multiplier", sa.Integer, nullable=False),
        )
        self.breakers = sa.Table(
            f"{prefix}breakers",
            self.metadata,
            sa.Column("name", sa.String(64), primary_key=True),
            sa.Column("tripped", sa.Boolean, nullable=False),
            sa.Column("updated_ns", sa.BigInteger, nullable=False),
            sa.Column("body", sa.LargeBinary, nullable=True),
        )
        if create:
            self.create()

    def create(self) -> None:
        """Create the tables if missing."""
        self.metadata.create_all(self.engine)

    def drop(self) -> None:
        """Drop this store's tables (tests, throwaway runs)."""
        self.metadata.drop_all(self.engine)

    # -- writes -----------------------------------------------------------------------------
    def save_order(self, record: OrderRecord) -> None:
        """Insert or update one order."""
        with self.engine.begin() as conn:
            self._upsert_order(conn, record)

    def record_fill(self, fill: Fill, order: OrderRecord | None, position: Position) -> bool:
        """Store one fill with its order and position atomically; False if the id is known."""
        return self.record_fills([fill], order, [position]) == 1

    def record_fills(
        self, fills: list[Fill], order: OrderRecord | None, positions: list[Position]
    ) -> int:
        """Store fills (e.g. every leg of a package unit), their order and the positions they
        changed in ONE transaction; fill ids already stored are skipped. Returns fills written.
        """
        written = 0
        with self.engine.begin() as conn:
            ids = [fill.fill_id for fill in fills]
            known = {
                row.fill_id
                for row in conn.execute(
                    sa.select(self.fills.c.fill_id).where(self.fills.c.fill_id.in_(ids))
                )
            }
            for fill in fills:
                if fill.fill_id in known:
                    continue
                known.add(fill.fill_id)
                conn.execute(
                    self.fills.insert().values(
                        fill_id=fill.fill_id,
                        client_order_id=fill.client_order_id,
                        body=_ENCODER.encode(fill),
                    )
                )
                written += 1
            if order is not None:
                self._upsert_order(conn, order)
            for position in positions:
                self._save_position(conn, position)
        return written

    def save_breaker(self, name: str, payload: bytes | None, ts_ns: int) -> None:
        """Record a breaker as tripped (with the trip event's JSON) or reset (``None``)."""
        values = {"tripped": payload is not None, "updated_ns": ts_ns, "body": payload}
        with self.engine.begin() as conn:
            updated = conn.execute(
                self.breakers.update().where(self.breakers.c.name == name).values(**values)
            )
            if updated.rowcount == 0:
                conn.execute(self.breakers.insert().values(name=name, **values))

    def _upsert_order(self, conn: sa.Connection, record: OrderRecord) -> None:
        values = {
            "state": record.state.value,
            "filled_quantity": record.filled_quantity,
            "updated_ns": record.updated_ns,
            "body": _ENCODER.encode(record),
        }
        cid = record.client_order_id
        updated = conn.execute(
            self.orders.update().where(self.orders.c.client_order_id == cid).values(**values)
        )
        if updated.rowcount == 0:
            conn.execute(self.orders.insert().values(client_order_id=cid, **values))

    def _save_position(self, conn: sa.Connection, position: Position) -> None:
        table = self.positions
        conn.execute(table.delete().where(table.c.symbol == position.symbol))
        if position.quantity != 0:
            conn.execute(
                table.insert().values(
                    symbol=position.symbol,
                    underlying=position.underlying,
                    quantity=position.quantity,
                    avg_price=position.avg_price,
                    multiplier=position.multiplier,
                )
            )

    # -- reads ------------------------------------------------------------------------------
    def load_orders(self) -> dict[str, OrderRecord]:
        """Every stored order by client order id."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(self.orders.c.body)).all()
        records = [_ORDER_DECODER.decode(row.body) for row in rows]
        return {r.client_order_id: r for r in sorted(records, key=lambda r: r.created_ns)}

    def load_fills(self, client_order_id: str | None = None) -> list[Fill]:
        """Every stored fill (or one order's) in the order they were stored."""
        query = sa.select(self.fills.c.body).order_by(self.fills.c.seq)
        if client_order_id is not None:
            query = query.where(self.fills.c.client_order_id == client_order_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_FILL_DECODER.decode(row.body) for row in rows]

    def load_positions(self) -> dict[str, Position]:
        """Every open position by symbol."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(self.positions)).all()
        return {
            row.symbol: Position(
                symbol=row.symbol,
                underlying=row.underlying,
                quantity=row.quantity,
                avg_price=row.avg_price,
                multiplier=row.multiplier,
            )
            for row in rows
        }

    def load_breakers(self) -> dict[str, bytes]:
        """Tripped breakers: name -> the trip event's JSON."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(self.breakers.c.name, self.breakers.c.body).where(
                    self.breakers.c.tripped.is_(True)
                )
            ).all()
        return {row.name: bytes(row.body) for row in rows if row.body is not None}
