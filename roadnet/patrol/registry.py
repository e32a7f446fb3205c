"""The ledger's file registry: each imported file by its SHA-256, and what its import did.

Importing a file already registered reads nothing: its points are reported as duplicates.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roadnet.patrol import store

_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileImport:
    """What one import did with one file.

    ``status`` is ``imported`` or ``already imported`` (same SHA-256 as a file in the
    ledger: nothing read, its points counted as duplicates). ``kind`` is ``tracks`` or
    ``events``. ``times_filled`` points had no time and were given one by the rule
    ``time_rule`` (``date`` or ``interval``) on the days ``dates``, the day coming from
    ``date_from`` (``option``, ``track_name``, ``file_name``, ``start``); ``vehicles_named``
    lists, for a GPX read without ``--vehicle``, each vehicle and where it was found.
    """

    name: str
    sha256: str
    kind: str
    status: str
    read: int
    added: int
    duplicate: int
    rejected: int
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    times_filled: int = 0
    time_rule: str = ""
    dates: tuple[str, ...] = ()
    date_from: str = ""
    vehicles_named: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        out: dict[str, Any] = {
            "name": self.name,
            "sha256": self.sha256,
            "kind": self.kind,
            "status": self.status,
            "read": self.read,
            "added": self.added,
            "duplicate": self.duplicate,
            "rejected": self.rejected,
            "rejected_by_reason": dict(self.rejected_by_reason),
        }
        if self.times_filled:
            out["times_filled"] = self.times_filled
            out["time_rule"] = self.time_rule
            out["dates"] = list(self.dates)
            out["date_from"] = self.date_from
        if self.vehicles_named:
            out["vehicles_named"] = [{"vehicle": v, "from": f} for v, f in self.vehicles_named]
        return out


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def known_files(ledger: Path, *, timeout_s: float) -> dict[str, sqlite3.Row]:
    """The ledger's registered files: SHA-256 → their ``files`` row."""
    with store.connect(ledger, timeout_s=timeout_s) as conn:
        return {row["sha256"]: row for row in conn.execute("SELECT * FROM files")}


def already_imported(
    sha: str, kind: str, path: Path, row: sqlite3.Row | None, earlier: FileImport | None
) -> FileImport:
    """A file already in the ledger (or twice in this import): its points are duplicates."""
    if row is not None:
        read, rejected = int(row["rows_read"]), int(row["rejected"])
        reasons = json.loads(row["rejected_by_reason"] or "{}")
        kind = str(row["kind"])
    elif earlier is not None:
        read, rejected, reasons, kind = (
            earlier.read,
            earlier.rejected,
            dict(earlier.rejected_by_reason),
            earlier.kind,
        )
    else:
        read, rejected, reasons = 0, 0, {}
    return FileImport(
        name=path.name,
        sha256=sha,
        kind=kind,
        status="already imported",
        read=read,
        added=0,
        duplicate=read - rejected,
        rejected=rejected,
        rejected_by_reason=reasons,
    )
