"""Import a vendor chain file: read, canonicalise, validate, then store all-or-nothing.

Accepted rows go to the ``ChainStore``, rejected ones to the ``QuarantineStore`` with their reason
and raw record; both sets of files are staged and published together, so an import that fails at
any step (unreadable file, missing column, full disk) leaves every store exactly as it was.
The collar compares each contract's first mid with the latest stored chain before the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from optionswarm.data.ingest import (
    Canonicalised,
    canonicalise,
    file_columns,
    fit_layout,
    read_vendor_file,
)
from optionswarm.data.metrics import DataMetrics
from optionswarm.data.validation import (
    REJECT_SENTENCES,
    RejectReason,
    ValidationResult,
    ValidatorConfig,
    validate,
)
from optionswarm.data.vendors import VendorLayout
from optionswarm.storage.chains import ChainStore
from optionswarm.storage.quarantine import QuarantineStore

__all__ = ["ChainImporter", "ImportFailedError", "ImportReport"]


class ImportFailedError(RuntimeError):
    """The file could not be imported at all; nothing was stored."""


class ImportReport(msgspec.Struct, frozen=True, kw_only=True):
    """What one import did."""

    source: str
    layout: str
    rows_read: int
    contracts: int
    accepted: int
    quarantined: int
    flagged: int
    reasons: dict[str, int]
    files: list[str]


class ChainImporter:
    """Imports vendor files into a chain store, quarantining bad records (see module docstring)."""

    def __init__(
        self,
        store: ChainStore,
        quarantine: QuarantineStore,
        metrics: DataMetrics | None = None,
        config: ValidatorConfig | None = None,
    ) -> None:
        self._store = store
        self._quarantine = quarantine
        self._metrics = metrics or DataMetrics()
        self._config = config or ValidatorConfig()

    @property
    def metrics(self) -> DataMetrics:
        """The counters this importer updates."""
        return self._metrics

    def import_file(
        self,
        path: str | os.PathLike[str],
        layout: VendorLayout,
        *,
        now_ns: int,
        as_of_ns: int | None = None,
    ) -> ImportReport:
        """Import one CSV/Parquet file; raises ``ImportFailedError`` if nothing could be stored."""
        try:
            layout = fit_layout(layout, file_columns(path))
            raw = read_vendor_file(path, layout)
        except (OSError, pa.ArrowException, KeyError, ValueError) as error:
            self._metrics.inc("imports_failed")
            raise ImportFailedError(
                f"cannot read {path} as layout {layout.name!r}: {error}"
            ) from error
        return self.import_table(
            raw, layout, source=Path(path).name, now_ns=now_ns, as_of_ns=as_of_ns
        )

    def import_table(
        self,
        raw: pa.Table,
        layout: VendorLayout,
        *,
        source: str,
        now_ns: int,
        as_of_ns: int | None = None,
    ) -> ImportReport:
        """Import rows already read into an Arrow table with the layout's columns."""
        try:
            canon = canonicalise(raw, layout)
            result = validate(
                canon.table,
                self._config,
                as_of_ns=as_of_ns,
                previous_mid=self._previous_mids(canon.table),
                unparsable=canon.unparsable,
            )
            records = _quarantine_records(
                raw, canon, result, source=source, layout=layout.name, now_ns=now_ns
            )
        except (pa.ArrowException, KeyError, ValueError) as error:
            self._metrics.inc("imports_failed")
            raise ImportFailedError(f"cannot import {source}: {error}") from error
        staged = self._store.stage(result.checked, result.accepted_rows)
        chain_files = staged.final_paths
        try:
            staged.extend(self._quarantine.stage(records))
            staged.commit()
        except BaseException:
            staged.rollback()
            self._metrics.inc("imports_failed")
            raise
        self._store.note_written(chain_files)
        reasons = result.reason_counts()
        self._count(raw.num_rows, result, reasons)
        return ImportReport(
            source=source,
            layout=layout.name,
            rows_read=raw.num_rows,
            contracts=canon.table.num_rows,
            accepted=result.accepted_count,
            quarantined=len(result.rejected_rows),
            flagged=result.flagged,
            reasons=reasons,
            files=[str(p) for p in chain_files if p.suffix == ".parquet"],
        )

    def _previous_mids(self, table: pa.Table) -> dict[str, float]:
        mids: dict[str, float] = {}
        if table.num_rows == 0:
            return mids
        valid_ts = pc.filter(table.column("ts_ns"), pc.greater(table.column("ts_ns"), 0))
        first_ts = pc.min(valid_ts).as_py()
        for underlying in pc.unique(table.column("underlying")).to_pylist():
            if first_ts is None or not underlying:
                continue
            previous = self._store.chain_at(underlying, first_ts - 1)
            if previous is None:
                continue
            bid = previous.column("bid").to_numpy(zero_copy_only=False)
            ask = previous.column("ask").to_numpy(zero_copy_only=False)
            mid = (np.asarray(bid, dtype=float) + np.asarray(ask, dtype=float)) / 2.0
            symbols = previous.column("occ_symbol").to_pylist()
            mids.update(
                (s, float(m)) for s, m in zip(symbols, mid.tolist(), strict=True) if np.isfinite(m)
            )
        return mids

    def _count(self, rows: int, result: ValidationResult, reasons: dict[str, int]) -> None:
        self._metrics.inc("imports")
        self._metrics.inc("records_read", rows)
        self._metrics.inc("records_accepted", result.accepted_count)
        self._metrics.inc("records_flagged", result.flagged)
        self._metrics.inc("records_quarantined", len(result.rejected_rows))
        for code, count in reasons.items():
            self._metrics.inc(f"quarantined.{code}", count)


def _quarantine_records(
    raw: pa.Table,
    canon: Canonicalised,
    result: ValidationResult,
    *,
    source: str,
    layout: str,
    now_ns: int,
) -> pa.Table:
    raw_rows = canon.raw_row[result.rejected_rows]
    originals = raw.take(pa.array(raw_rows)).to_pylist() if raw_rows.size else []
    sides = canon.table.column("is_call").take(pa.array(result.rejected_rows)).to_pylist()
    payload = [
        json.dumps({**record, "_side": "C" if side else "P"}, default=str, sort_keys=True)
        for record, side in zip(originals, sides, strict=True)
    ]
    reasons = [RejectReason(int(r)) for r in result.rejected_reasons.tolist()]
    n = len(payload)
    return pa.table(
        {
            "quarantined_at_ns": pa.array(np.full(n, now_ns, dtype=np.int64)),
            "source": pa.array([source] * n, pa.string()),
            "layout": pa.array([layout] * n, pa.string()),
            "row": pa.array(raw_rows.astype(np.int64)),
            "reason_code": pa.array([r.code for r in reasons], pa.string()),
            "reason": pa.array([REJECT_SENTENCES[r] for r in reasons], pa.string()),
            "raw": pa.array(payload, pa.string()),
        }
    )
