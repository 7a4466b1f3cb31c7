"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from optionswarm.storage.migrations import prefixes_in_use

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade() -> None:
    """${message}"""
    p = prefixes_in_use()
    ${upgrades if upgrades else "raise NotImplementedError"}


def downgrade() -> None:
    """Undo ``upgrade``."""
    p = prefixes_in_use()
    ${downgrades if downgrades else "raise NotImplementedError"}
