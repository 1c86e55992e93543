"""The run directory on disk: manifest, per-run records, per-round aggregates, zone table.

Every file is written to a temporary name and renamed into place, so a reader never sees half
a file; ``runs.csv`` grows batch by batch as ``runs.csv.part`` and is renamed when the run ends,
also when it ends by Ctrl-C (the manifest then says ``"status": "partial"``).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import platform
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import __version__
from .arrays import structure
from .loading import Loaded, file_sha256
from .montecarlo import Outcome, Records
from .report import (
    BLOCKER_COLUMNS,
    POSITION_COLUMNS,
    ROUND_COLUMNS,
    SETTLEMENT_COLUMNS,
    STRAIN_COLUMNS,
    ZONE_COLUMNS,
    Row,
    at_means,
    blocker_rows,
    fmt,
    format_zone_table,
    round_rows,
    settlement_rows,
    strain_rows,
    summary_text,
)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


@contextlib.contextmanager
def atomic_path(path: Path, suffix: str = "") -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed onto ``path`` (with the usual
    permissions) if the block succeeds, removed if it fails. A reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write text (UTF-8) or bytes to ``path`` atomically."""
    with atomic_path(path) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8", newline="")


def csv_text(rows: Iterable[Row], columns: Sequence[str], header: Sequence[str] = ()) -> str:
    """Rows as CSV text with ``# key: value`` header lines (seed, hash, version)."""
    buf = io.StringIO()
    for line in header:
        buf.write(f"# {line}\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([fmt(row.get(c)) for c in columns])
    return buf.getvalue()


class RunWriter:
    """Streams per-run records to ``runs.csv`` and writes the rest when the run ends."""

    def __init__(
        self, out: Path, loaded: Loaded, seed: int, runs: int, workers: int, batch: int | None
    ) -> None:
        self.out = out
        self.loaded = loaded
        self.s = loaded.scenario
        self.seed = seed
        self.started = dt.datetime.now(dt.UTC)
        out.mkdir(parents=True, exist_ok=True)
        self.header = [f"negsim {__version__}", f"scenario_sha256 {loaded.sha256}", f"seed {seed}"]
        self.meta: dict[str, Any] = {"runs": runs, "workers": workers, "batch": batch}
        self.part = out / "runs.csv.part"
        self._file: IO[str] = open(self.part, "w", encoding="utf-8", newline="")  # noqa: SIM115
        issues = list(self.s.issues)
        cols = ["run", "seed", "deal_round"]
        for i in issues:
            cols += [f"{i}_round", f"{i}_value"]
        self._file.write("".join(f"# {h}\n" for h in self.header))
        self._file.write(",".join(cols) + "\n")
        st = structure(self.s)
        self._cols = [st.issue_index(i) for i in issues]

    def add(self, rec: Records) -> None:
        """Append one batch's rows (vectorised formatting; no loop over runs in Python)."""
        parts = [
            rec.runs.astype(str),
            np.full(len(rec.runs), str(self.seed)),
            np.where(rec.deal_round > 0, rec.deal_round.astype(str), ""),
        ]
        for b in self._cols:
            done = rec.settled_round[:, b] > 0
            parts.append(np.where(done, rec.settled_round[:, b].astype(str), ""))
            parts.append(np.where(done, np.char.mod("%.12g", rec.value[:, b]), ""))
        line = parts[0]
        for p in parts[1:]:
            line = np.char.add(np.char.add(line, ","), p)
        self._file.write("\n".join(line.tolist()) + "\n")
        self._file.flush()

    def finish(self, outcome: Outcome) -> str:
        """Close ``runs.csv`` and write the aggregates, zone table, summary and manifest."""
        self._file.close()
        os.replace(self.part, self.out / "runs.csv")
        s, agg = self.s, outcome.aggregate
        h = self.header + [f"runs {outcome.completed}"]
        write_atomic(self.out / "rounds.csv", csv_text(round_rows(s, agg), ROUND_COLUMNS, h))
        write_atomic(self.out / "blockers.csv", csv_text(blocker_rows(s, agg), BLOCKER_COLUMNS, h))
        write_atomic(self.out / "strain.csv", csv_text(strain_rows(s, agg), STRAIN_COLUMNS, h))
        write_atomic(
            self.out / "settlements.csv", csv_text(settlement_rows(s, agg), SETTLEMENT_COLUMNS, h)
        )
        table, positions = at_means(s)
        zh = [
            f"negsim {__version__}",
            f"scenario_sha256 {self.loaded.sha256}",
            "the scenario at its means",
        ]
        write_atomic(self.out / "zones_at_means.csv", csv_text(table, ZONE_COLUMNS, zh))
        write_atomic(self.out / "zones_at_means.txt", format_zone_table(s, table) + "\n")
        write_atomic(self.out / "positions_at_means.csv",
                     csv_text(positions, POSITION_COLUMNS, zh))
        summary = summary_text(s, agg, outcome.seed, partial=outcome.interrupted)
        write_atomic(self.out / "summary.txt", summary + "\n")
        manifest = {
            "negsim_version": __version__,
            "status": "partial" if outcome.interrupted else "complete",
            "scenario": {
                "path": self.loaded.path,
                "files": list(self.loaded.files),
                "title": s.title,
                "sha256": self.loaded.sha256,
                "file_sha256": (file_sha256(self.loaded.path) if self.loaded.path else None),
            },
            "overrides": list(self.loaded.overrides),
            "seed": outcome.seed,
            "runs_requested": outcome.requested,
            "runs_completed": outcome.completed,
            **{k: v for k, v in self.meta.items() if k != "runs"},
            "rounds": s.rounds,
            "started": self.started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "files": [
                "runs.csv",
                "rounds.csv",
                "blockers.csv",
                "strain.csv",
                "settlements.csv",
                "zones_at_means.csv",
                "zones_at_means.txt",
                "positions_at_means.csv",
                "summary.txt",
            ],
        }
        write_atomic(self.out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
        return summary

    def abort(self) -> None:
        self._file.close()
        self.part.unlink(missing_ok=True)
