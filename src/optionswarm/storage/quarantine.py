"""The quarantine: records that failed validation, with a reason code and the raw record.

Each import adds one Parquet file under ``ROOT/quarantine/`` (written then renamed, like every
store here); nothing is ever rewritten. Columns: ``quarantined_at_ns`` (the caller's clock),
``source`` (file name or feed), ``layout``, ``row`` (0-based data row in the source),
``reason_code`` (snake_case, ``data.validation.RejectReason``), ``reason`` (a sentence) and
``raw`` (the record's mapped fields as JSON, exactly as read).
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from optionswarm.storage.atomic import StagedFiles, unique_token

__all__ = ["QUARANTINE_SCHEMA", "QuarantineStore"]

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("quarantined_at_ns", pa.int64(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("layout", pa.string(), nullable=False),
        pa.field("row", pa.int64(), nullable=False),
        pa.field("reason_code", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("raw", pa.string(), nullable=False),
    ]
)


class QuarantineStore:
    """Rejected records under ``root/quarantine`` (see the module docstring)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self._dir = Path(root) / "quarantine"

    def stage(self, records: pa.Table) -> StagedFiles:
        """Write records as a new file, published when the returned batch commits."""
        staged = StagedFiles()
        if records.num_rows:
            table = records.select(QUARANTINE_SCHEMA.names).cast(QUARANTINE_SCHEMA)
            first = pc.min(table.column("quarantined_at_ns")).as_py()
            staged.write_parquet(table, self._dir / f"part-{first}-{unique_token()}.parquet")
        return staged

    def add(self, records: pa.Table) -> None:
        """Store records now."""
        self.stage(records).commit()

    def read(self) -> pa.Table:
        """Every quarantined record, oldest import first."""
        files = sorted(self._dir.glob("part-*.parquet")) if self._dir.exists() else []
        if not files:
            return QUARANTINE_SCHEMA.empty_table()
        table = pa.concat_tables([pq.read_table(f) for f in files])
        return table.sort_by([("quarantined_at_ns", "ascending"), ("row", "ascending")])

    def counts(self) -> dict[str, int]:
        """How many records each reason code holds."""
        table = self.read()
        if table.num_rows == 0:
            return {}
        grouped = table.group_by("reason_code").aggregate([("row", "count")])
        return dict(
            zip(
                grouped.column("reason_code").to_pylist(),
                grouped.column("row_count").to_pylist(),
                strict=True,
            )
        )
