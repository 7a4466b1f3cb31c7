"""All-or-nothing file writes: stage every file beside its final place, then rename them all.

``StagedFiles`` collects ``(temporary, final)`` pairs. ``commit`` renames each temporary file onto
its final name (``os.replace``: atomic on one filesystem, so a reader sees a file whole or not at
all); if any rename fails, the files already renamed are removed again and the rest discarded,
so a failed batch leaves the store as it was. Final names are always new (a unique token), so
no existing file is ever overwritten.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq

__all__ = ["StagedFiles", "unique_token"]


def unique_token() -> str:
    """A short random token for new file names (never reused in practice: 64 random bits)."""
    return secrets.token_hex(8)


class StagedFiles:
    """Files written under temporary names, published together by ``commit``."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []
        self._done = False

    def __len__(self) -> int:
        return len(self._pending)

    @property
    def final_paths(self) -> list[Path]:
        """Where the files will appear once committed."""
        return [final for _, final in self._pending]

    def write_parquet(self, table: pa.Table, final: Path, **options: object) -> None:
        """Write ``table`` to a hidden temporary file next to ``final``."""
        if final.exists():
            raise FileExistsError(f"refusing to overwrite {final}")
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary = final.with_name(f".{final.name}.{unique_token()}.tmp")
        pq.write_table(table, temporary, **options)
        self._pending.append((temporary, final))

    def write_ipc(self, table: pa.Table, final: Path) -> None:
        """Write ``table`` as an uncompressed Arrow IPC file (memory-mappable) next to ``final``."""
        if final.exists():
            raise FileExistsError(f"refusing to overwrite {final}")
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary = final.with_name(f".{final.name}.{unique_token()}.tmp")
        with pa.ipc.new_file(temporary, table.schema) as writer:
            writer.write_table(table)
        self._pending.append((temporary, final))

    def extend(self, other: StagedFiles) -> None:
        """Take over another batch's files (to commit several stores' files together)."""
        self._pending.extend(other._pending)
        other._pending = []

    def commit(self) -> list[Path]:
        """Publish every staged file; on failure undo the ones already published and raise."""
        published: list[Path] = []
        try:
            for temporary, final in self._pending:
                os.replace(temporary, final)
                published.append(final)
        except BaseException:
            for final in published:
                final.unlink(missing_ok=True)
            self.rollback()
            raise
        self._done = True
        self._pending = []
        return published

    def rollback(self) -> None:
        """Discard every staged, unpublished file."""
        for temporary, _ in self._pending:
            temporary.unlink(missing_ok=True)
        self._pending = []
