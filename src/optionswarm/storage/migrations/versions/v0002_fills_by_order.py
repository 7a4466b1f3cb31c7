"""Index the execution store's fills by client order id (one order's fills without a scan).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from optionswarm.storage.migrations import prefixes_in_use

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``ix_<prefix>fills_client_order_id``."""
    p = prefixes_in_use().execution
    op.create_index(
        f"ix_{p}fills_client_order_id",
        f"{p}fills",
        ["client_order_id"],
        unique=False,
        if_not_exists=True,
    )


def downgrade() -> None:
    """Drop the index."""
    p = prefixes_in_use().execution
    op.drop_index(f"ix_{p}fills_client_order_id", f"{p}fills")
