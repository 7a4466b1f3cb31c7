"""Initial schema: execution (orders, fills, positions, breakers), oversight, audit + triggers.

Revision ID: 0001
Revises: -

Frozen copy of what the stores' ``create()`` built before migrations existed. Every step creates
only what is missing, so a database that ``create()`` built is adopted as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from optionswarm.storage.migrations import prefixes_in_use

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: the rowid
_AUDIT_TABLES = ("records", "nodes", "checkpoints", "archives")


def upgrade() -> None:
    """Create the three stores' tables, indexes and the audit log's append-only triggers."""
    p = prefixes_in_use()
    _execution(p.execution)
    _oversight(p.oversight)
    _audit(p.audit)
    for ddl in _audit_triggers(p.audit, op.get_bind().dialect.name):
        op.execute(ddl)


def downgrade() -> None:
    """Drop everything ``upgrade`` created."""
    p = prefixes_in_use()
    if op.get_bind().dialect.name == "postgresql":
        for fn in ("append_only", "records_append_only"):
            op.execute(f"DROP FUNCTION IF EXISTS {p.audit}{fn}() CASCADE")
    for name in _AUDIT_TABLES:
        op.drop_table(f"{p.audit}{name}")
    op.drop_index(f"ix_{p.oversight}requests_status", f"{p.oversight}requests")
    for name in ("votes", "requests", "intents"):
        op.drop_table(f"{p.oversight}{name}")
    for name in ("breakers", "positions", "fills", "orders"):
        op.drop_table(f"{p.execution}{name}")


def _execution(p: str) -> None:
    op.create_table(
        f"{p}orders",
        sa.Column("client_order_id", sa.String(128), primary_key=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("filled_quantity", sa.Integer, nullable=False),
        sa.Column("updated_ns", sa.BigInteger, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        f"{p}fills",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("fill_id", sa.String(160), nullable=False, unique=True),
        sa.Column("client_order_id", sa.String(128), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        f"{p}positions",
        sa.Column("symbol", sa.String(64), primary_key=True),
        sa.Column("underlying", sa.String(32), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("avg_price", sa.Float, nullable=False),
        sa.Column("multiplier", sa.Integer, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        f"{p}breakers",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("tripped", sa.Boolean, nullable=False),
        sa.Column("updated_ns", sa.BigInteger, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=True),
        if_not_exists=True,
    )


def _oversight(p: str) -> None:
    op.create_table(
        f"{p}intents",
        sa.Column("client_order_id", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("placed_by", sa.String(128)),
        sa.Column("proposed_ns", sa.BigInteger, nullable=False),
        sa.Column("sent_ns", sa.BigInteger),
        sa.Column("body", sa.Text, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        f"{p}requests",
        sa.Column("request_id", sa.String(80), primary_key=True),
        sa.Column("client_order_id", sa.String(64), nullable=False, unique=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_ns", sa.BigInteger, nullable=False),
        sa.Column("expires_ns", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        if_not_exists=True,
    )
    op.create_index(
        f"ix_{p}requests_status", f"{p}requests", ["status"], unique=False, if_not_exists=True
    )
    op.create_table(
        f"{p}votes",
        sa.Column("request_id", sa.String(80), primary_key=True),
        sa.Column("actor", sa.String(128), primary_key=True),
        sa.Column("approve", sa.Boolean, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("ts_ns", sa.BigInteger, nullable=False),
        if_not_exists=True,
    )


def _audit(p: str) -> None:
    op.create_table(
        f"{p}records",
        sa.Column("seq", _BIG, primary_key=True, autoincrement=False),
        sa.Column("ts_ns", _BIG, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("prev_hash", sa.LargeBinary, nullable=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        f"{p}nodes",
        sa.Column("node_id", _BIG, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        f"{p}checkpoints",
        sa.Column("size", _BIG, primary_key=True, autoincrement=False),
        sa.Column("ts_ns", _BIG, nullable=False),
        sa.Column("root", sa.LargeBinary, nullable=False),
        sa.Column("key_id", sa.Text, nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        f"{p}archives",
        sa.Column("upto", _BIG, primary_key=True, autoincrement=False),
        sa.Column("start", _BIG, nullable=False),
        sa.Column("manifest_path", sa.Text, nullable=False),
        sa.Column("manifest_sha256", sa.LargeBinary, nullable=False),
        if_not_exists=True,
    )


def _audit_triggers(p: str, dialect: str) -> list[str]:
    """UPDATE and DELETE refused on every audit table; records may go once archived."""
    rec, arc = f"{p}records", f"{p}archives"
    tables = [f"{p}{name}" for name in _AUDIT_TABLES]
    if dialect == "sqlite":
        ddl = [
            f"CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t} "
            f"BEGIN SELECT RAISE(ABORT, 'audit table {t} is append-only'); END"
            for t in tables
        ]
        ddl += [
            f"CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t} "
            f"BEGIN SELECT RAISE(ABORT, 'audit table {t} is append-only'); END"
            for t in tables[1:]
        ]
        ddl.append(
            f"CREATE TRIGGER IF NOT EXISTS {rec}_no_delete BEFORE DELETE ON {rec} "
            f"WHEN OLD.seq >= (SELECT COALESCE(MAX(upto), 0) FROM {arc}) "
            f"BEGIN SELECT RAISE(ABORT, 'audit records are deleted only once archived'); END"
        )
        return ddl
    if dialect == "postgresql":
        refuse = "RAISE EXCEPTION 'audit table % is append-only (%)', TG_TABLE_NAME, TG_OP;"
        ddl = [
            f"CREATE OR REPLACE FUNCTION {p}append_only() RETURNS trigger AS $$ BEGIN "
            f"{refuse} END; $$ LANGUAGE plpgsql",
            f"CREATE OR REPLACE FUNCTION {p}records_append_only() RETURNS trigger AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' THEN IF OLD.seq < "
            f"(SELECT COALESCE(MAX(upto), 0) FROM {arc}) THEN RETURN OLD; END IF; END IF; "
            f"{refuse} END; $$ LANGUAGE plpgsql",
        ]
        ddl += [
            f"CREATE OR REPLACE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
            f"FOR EACH ROW EXECUTE FUNCTION {p}{'records_' if t == rec else ''}append_only()"
            for t in tables
        ]
        return ddl
    return []
