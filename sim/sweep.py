"""Parameter sweeps: the same Monte Carlo on a grid of scenario variants, one tidy table.

A sweep varies fields of a scenario with ``--set``-style overrides. Each ``--vary`` gives one
field and its values (``path=v1,v2,...``, or a numeric range ``path=start:stop:step``); the
grid is the Cartesian product of the ``--vary`` lists, plus a baseline cell with no override
(cell 0). Cells are numbered in the order of :func:`itertools.product`: the first ``--vary``
changes slowest.

**Common random numbers.** Every cell is played with the same seed. The engine's draws depend
only on the seed, the run index and the field's path (``docs/model.md``), so run k of every
cell draws the same numbers and two cells differ only by the varied parameter: the difference
between cells is not Monte Carlo noise between independent samples.

**Everything is checked before anything runs.** Each override alone is applied to the baseline
and validated (a bad path or value is reported once, naming the ``--vary`` value), then every
cell of the grid (a combination can be invalid when each value alone is not). All problems are
raised together in one :class:`~sim.errors.ScenarioError`.

**Resume.** With an output folder, each finished cell's result is appended to ``cells.jsonl``
(one JSON line, flushed and fsynced) under a key that hashes the cell's scenario SHA-256, the
seed and the runs. Running the same sweep again skips every cell whose key is there, and
``sweep.csv`` is rebuilt from those lines after every cell, so an interrupted sweep leaves a
usable partial table. Cells with the same scenario (a varied value equal to the baseline's)
share one key and are computed once.

**Where cells run.** In this process (one cell at a time), on a pool of local worker processes
(one cell per worker, each an ordinary ``simulate(..., workers=1)``), or on a Dask cluster (one
task per cell; ``dask[distributed]`` is an optional extra imported only there). A cell's result
is a plain dict of integer counts and quantiles that depend only on the scenario, seed and
runs, so the table is identical to the byte wherever the cells ran.

**Ctrl-C.** The first Ctrl-C starts no new cell and waits for the cells under way, which are
kept; a second one stops at once and drops the cells under way. The manifest then says
``"status": "partial"``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import hashlib
import importlib
import itertools
import json
import math
import os
import platform
import queue
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from . import __version__
from .errors import Problem, ScenarioError
from .loading import Loaded, file_sha256, load_scenario
from .report import Row, settlement_rows
from .rundir import csv_text, write_atomic

Result = dict[str, Any]

#: A ``--vary`` may give at most this many values, and a grid at most this many cells:
#: beyond that a typo in a range (a step of 0.0001 for 0.1) is far likelier than intent.
MAX_VALUES = 10_000
MAX_CELLS = 100_000

CELLS_FILE = "cells.jsonl"
TABLE_FILE = "sweep.csv"
MANIFEST_FILE = "manifest.json"

DASK_MISSING = "the --scheduler option needs the dask extra: pip install 'negsim[dask]'"

#: Dask's nannies start workers with MALLOC_TRIM_THRESHOLD_=65536. Setting it at all turns off
#: glibc's adaptive mmap threshold, so every large numpy temporary is mmapped and zeroed anew:
#: the engine runs about three times slower (measured: 1.05 s -> 3.1-3.7 s for 5,000 runs).
SLOW_MALLOC = (
    "note: the workers run with MALLOC_TRIM_THRESHOLD_={} (Dask's default), which makes negsim "
    "about 3x slower; start them with the Dask config "
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null (or dask worker --no-nanny)"
)

_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE_RE = re.compile(rf"^\s*({_NUM})\s*:\s*({_NUM})\s*:\s*({_NUM})\s*$")
_INT_RE = re.compile(r"^\s*[+-]?\d+\s*$")


# ---------------------------------------------------------------------------------------------
# The grid: --vary specs and cells
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vary:
    """One ``--vary``: a dotted field path and its values, each with the override text."""

    spec: str  # as given on the command line
    path: str
    values: tuple[Any, ...]  # YAML values (numbers, text, ...)
    texts: tuple[str, ...]  # the value of each override, ``path=text``


@dataclass(frozen=True)
class Cell:
    """One variant of the scenario: its overrides and the validated scenario they give."""

    index: int
    values: tuple[tuple[str, Any], ...]  # (path, value); empty for the baseline
    texts: tuple[tuple[str, str], ...]  # (path, value as written in the override)
    loaded: Loaded

    @property
    def overrides(self) -> tuple[str, ...]:
        """The ``--set``-style overrides that make this cell from the baseline."""
        return tuple(f"{p}={t}" for p, t in self.texts)

    @property
    def baseline(self) -> bool:
        return not self.texts

    @property
    def sha256(self) -> str:
        """SHA-256 of the cell's resolved scenario (after extends and overrides)."""
        return self.loaded.sha256

    def label(self) -> str:
        """``cell 3 (a=1, b=x)``, or ``cell 0 (baseline)``: how messages name a cell."""
        return f"cell {self.index} ({', '.join(self.overrides) or 'baseline'})"


@dataclass(frozen=True)
class Plan:
    """A validated grid: the scenario file, the ``--vary`` specs and every cell."""

    path: Path
    varies: tuple[Vary, ...]
    cells: tuple[Cell, ...]
    warnings: tuple[Problem, ...] = ()

    @property
    def baseline(self) -> Cell:
        return self.cells[0]


def cell_key(scenario_sha256: str, seed: int, runs: int) -> str:
    """The resume key of a cell: a hash of what determines its result, and nothing else."""
    text = json.dumps(
        {"scenario_sha256": scenario_sha256, "seed": seed, "runs": runs}, sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _split_top(text: str) -> list[str]:
    """Split at commas that are not inside brackets, braces or quotes (so a value may be a
    flow mapping such as ``{dist: normal, mean: 1, sd: 0.2}``)."""
    items, depth, quote, start = [], 0, "", 0
    for k, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            items.append(text[start:k])
            start = k + 1
    items.append(text[start:])
    return items


def _range(spec: str, a: str, b: str, c: str) -> tuple[list[Any], list[str], str | None]:
    """``start:stop:step``, stop included when the steps land on it (within 1e-9 of a step).
    Whole numbers stay whole; other values are rounded to 12 significant digits so that
    ``0:1:0.1`` gives 0.3, not 0.30000000000000004."""
    whole = all(_INT_RE.match(x) for x in (a, b, c))
    start, stop, step = (int(x) if whole else float(x) for x in (a, b, c))
    if step == 0:
        return [], [], f"--vary '{spec}': the step of {a}:{b}:{c} is 0"
    n = math.floor((stop - start) / step + 1e-9)
    if n < 0:
        return (
            [],
            [],
            (
                f"--vary '{spec}': the range {a}:{b}:{c} is empty (a step of {c} never gets from "
                f"{a} to {b})"
            ),
        )
    if n + 1 > MAX_VALUES:
        return (
            [],
            [],
            (
                f"--vary '{spec}': the range {a}:{b}:{c} has {n + 1:,} values "
                f"(at most {MAX_VALUES:,})"
            ),
        )
    values: list[Any] = []
    for k in range(n + 1):
        v = start + k * step
        values.append(v if whole else float(f"{v:.12g}"))
    return values, [repr(v) for v in values], None


def parse_vary(spec: str) -> Vary:
    """Parse ``path=v1,v2,...`` (YAML values) or ``path=start:stop:step`` (numbers); ranges
    and single values can be mixed (``x=0:1:0.25,2``). Raises ScenarioError."""
    from .yamlio import read_yaml_text

    path, eq, rest = spec.partition("=")
    path = path.strip()
    if not eq or not path:
        raise ScenarioError(
            [Problem(f"--vary '{spec}': expected path=v1,v2,... or path=start:stop:step")]
        )
    if path == "seed":
        raise ScenarioError(
            [
                Problem(
                    f"--vary '{spec}': every cell uses the sweep's seed (common random "
                    "numbers); choose it with --seed"
                )
            ]
        )
    values: list[Any] = []
    texts: list[str] = []
    problems: list[Problem] = []
    for item in _split_top(rest):
        text = item.strip()
        if not text:
            problems.append(Problem(f"--vary '{spec}': an empty value (two commas in a row?)"))
            continue
        m = _RANGE_RE.match(text)
        if m:
            vs, ts, err = _range(spec, *m.groups())
            if err:
                problems.append(Problem(err))
            values.extend(vs)
            texts.extend(ts)
            continue
        try:
            doc = read_yaml_text(text, source=f"--vary {path}={text}")
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        values.append(doc.data)
        texts.append(text)
    seen: set[str] = set()
    for t, v in zip(texts, values, strict=True):
        canon = json.dumps(v, sort_keys=True, default=str)
        if canon in seen:
            problems.append(Problem(f"--vary '{spec}': the value {t} is given twice"))
        seen.add(canon)
    if len(values) > MAX_VALUES:
        problems.append(
            Problem(f"--vary '{spec}': {len(values):,} values (at most {MAX_VALUES:,})")
        )
    if problems:
        raise ScenarioError(problems)
    return Vary(spec, path, tuple(values), tuple(texts))


def grid(varies: Sequence[Vary]) -> list[tuple[tuple[str, Any, str], ...]]:
    """The cells' overrides as ``(path, value, text)`` triples: the baseline (no override)
    first, then the Cartesian product of the values, the first ``--vary`` slowest."""
    axes = [[(v.path, x, t) for x, t in zip(v.values, v.texts, strict=True)] for v in varies]
    return [(), *itertools.product(*axes)] if axes else [()]


def _relabel(p: Problem, prefix: str) -> Problem:
    """A loader problem, said in the sweep's words: a problem placed at the override itself
    (``--set 'x=1' (column 3): ...``) becomes ``--vary 'x=1' ...``; any other is prefixed
    with the override or cell that causes it."""
    text = str(p)
    at_override = text.startswith("--set '")
    text = "--vary '" + text[len("--set '") :] if at_override else f"{prefix}: {text}"
    return Problem(text, severity=p.severity)


def plan_cells(path: str | Path, vary: Sequence[str | Vary]) -> Plan:
    """Parse the ``--vary`` specs, build the grid and validate every cell's scenario.

    Raises :class:`ScenarioError` holding every problem, each naming the override or the cell
    that causes it, before anything runs."""
    path = Path(path)
    baseline = load_scenario(path)  # a broken file is reported as it is, alone
    problems: list[Problem] = []
    varies: list[Vary] = []
    for v in vary:
        if isinstance(v, Vary):
            varies.append(v)
            continue
        try:
            varies.append(parse_vary(v))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    paths = [v.path for v in varies]
    for p in sorted({p for p in paths if paths.count(p) > 1}):
        problems.append(Problem(f"--vary {p}: the same field is varied twice; give one list"))
    total = math.prod(len(v.values) for v in varies)
    if total + 1 > MAX_CELLS:
        problems.append(Problem(f"the grid has {total + 1:,} cells (at most {MAX_CELLS:,})"))

    cache: dict[tuple[str, ...], Loaded] = {(): baseline}
    warnings: dict[str, Problem] = {str(w): w for w in baseline.warnings}

    said: set[tuple[Any, ...]] = set()

    def load(overrides: tuple[str, ...], prefix: str, once: str | None = None) -> None:
        try:
            loaded = load_scenario(path, overrides)
        except ScenarioError as exc:
            for p in exc.problems:
                # A wrong path fails alike at every value of its --vary: say it once.
                at_override = p.position is not None and p.position.file.startswith("--set ")
                what = (once, p.path, p.message, p.expected, p.hint)
                if once is None or not at_override or what not in said:
                    said.add(what)
                    problems.append(_relabel(p, prefix))
            return
        cache[overrides] = loaded
        for w in loaded.warnings:  # each warning once, named by the first cell that has it
            warnings.setdefault(str(w), _relabel(w, prefix))

    # Each value alone first (also for the --vary specs that parsed when another did not): a bad
    # path or value is reported once, naming its --vary value.
    for v in varies:
        for t in v.texts:
            load((f"{v.path}={t}",), f"--vary '{v.path}={t}'", once=v.path)
    if problems:
        raise ScenarioError(problems)
    cells = []
    for k, combo in enumerate(grid(varies)):
        overrides = tuple(f"{p}={t}" for p, _, t in combo)
        if overrides not in cache:
            load(overrides, f"cell {k} ({', '.join(overrides)})")
        if overrides in cache:
            cells.append(
                Cell(
                    k,
                    tuple((p, x) for p, x, _ in combo),
                    tuple((p, t) for p, _, t in combo),
                    cache[overrides],
                )
            )
    if problems:
        raise ScenarioError(problems)
    return Plan(path, tuple(varies), tuple(cells), tuple(warnings.values()))


# ---------------------------------------------------------------------------------------------
# One cell: a Monte Carlo run summarised as a plain dict
# ---------------------------------------------------------------------------------------------


class CellInterrupted(RuntimeError):
    """A cell stopped before all its runs: it is never recorded."""


def _plain(x: Any) -> Any:
    """JSON-safe and exact: numpy scalars to Python, NaN to None."""
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        return None if math.isnan(x) else float(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def _run_cell(
    scenario: Any,
    seed: int,
    runs: int,
    batch: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Result:
    from .arrays import structure
    from .montecarlo import simulate

    started = time.perf_counter()
    outcome = simulate(scenario, runs, seed, batch=batch, workers=1, progress=progress)
    if outcome.interrupted or outcome.completed != runs:
        raise CellInterrupted(f"the cell stopped after {outcome.completed} of {runs} runs")
    agg = outcome.aggregate
    st = structure(scenario)
    issues = {
        row["issue"]: {k: _plain(v) for k, v in row.items() if k not in ("issue", "label", "unit")}
        for row in settlement_rows(scenario, agg)
    }
    # Blocking of the core issues (which decide the deal), summed over rounds, per party.
    blocks = agg.blockers[:, :, st.core].sum(axis=(0, 2))
    return {
        "negsim_version": __version__,
        "runs": int(agg.runs),
        "rounds": int(st.T),
        "deal": [int(x) for x in agg.deal],
        "core_blocks": {p: int(blocks[a]) for a, p in enumerate(st.parties)},
        "issues": issues,
        # Not results: popped by run_sweep before the result is stored.
        "seconds": round(time.perf_counter() - started, 3),
        "malloc_trim_threshold": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
    }


def run_cell(scenario: Any, seed: int, runs: int, batch: int | None = None) -> Result:
    """Play one cell (``simulate(scenario, runs, seed, workers=1)``) and summarise it as a plain
    dict: deal counts by round, per-issue settlement statistics, core blocking per party.

    Module-level and picklable, so a process pool or a Dask worker can run it; ``scenario`` is
    the validated :class:`~sim.scenario.Scenario` (a pydantic model, picklable)."""
    return _run_cell(scenario, seed, runs, batch)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent process decides when to stop


def _pool_cell(scenario: Any, seed: int, runs: int, batch: int | None) -> Result:
    """:func:`run_cell` in a worker process, on a thread: ``simulate`` installs a Ctrl-C
    handler only on the main thread, and a worker must leave Ctrl-C to the parent."""
    with cf.ThreadPoolExecutor(1) as ex:
        return ex.submit(run_cell, scenario, seed, runs, batch).result()


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------


def deal_rounds(T: int) -> list[int]:
    """Rounds, besides the deadline, at which the table gives P(deal by t): a quarter, half
    and three quarters of the way."""
    return sorted({max(1, math.ceil(T * f)) for f in (0.25, 0.5, 0.75)} - {T})


def columns(plan: Plan) -> list[str]:
    """The columns of ``sweep.csv``: cell, each varied path, seed, runs, deal probabilities,
    then per issue (file order) P(settled), median settlement value and top blocker."""
    s = plan.baseline.loaded.scenario
    cols = ["cell", *(v.path for v in plan.varies), "seed", "runs", "p_deal"]
    cols += [f"p_deal_by_r{t}" for t in deal_rounds(s.rounds)]
    cols += ["deal_median_round", "top_core_blocker"]
    issues = list(s.issues)
    for c in plan.cells:
        issues += [i for i in c.loaded.scenario.issues if i not in issues]
    for i in issues:
        cols += [f"{i}_p_settled", f"{i}_value_q50", f"{i}_top_blocker"]
    return cols


def cell_row(plan: Plan, cell: Cell, result: Result, seed: int) -> Row:
    """One row of the table from a cell's result (the same whether it was computed now, read
    back from ``cells.jsonl`` or returned by a Dask worker)."""
    s = plan.baseline.loaded.scenario
    n = max(int(result["runs"]), 1)
    deal = result["deal"]
    T = len(deal)
    row: Row = {"cell": cell.index, **{v.path: None for v in plan.varies}, **dict(cell.values)}
    row.update(seed=seed, runs=result["runs"])
    row["p_deal"] = deal[-1] / n
    for t in deal_rounds(s.rounds):
        row[f"p_deal_by_r{t}"] = deal[min(t, T) - 1] / n
    row["deal_median_round"] = next((k + 1 for k in range(T) if deal[k] >= 0.5 * n), None)
    blocks = result["core_blocks"]
    # Ties go to the first party in id order (max keeps the first of equal keys).
    top = max(sorted(blocks.items()), key=lambda kv: int(kv[1]), default=None)
    row["top_core_blocker"] = top[0] if top and top[1] > 0 else ""
    for i, r in result["issues"].items():
        row[f"{i}_p_settled"] = r["p_settled"]
        row[f"{i}_value_q50"] = r["value_q50"]
        row[f"{i}_top_blocker"] = r["top_blocker"]
    return row


def table_text(plan: Plan, rows: Sequence[Row], seed: int, runs: int) -> str:
    """``sweep.csv``: a few ``# key value`` lines, then one row per finished cell. A varied
    path's column holds the value as written in the override (exact, never rounded)."""
    by_index = {c.index: c for c in plan.cells}
    out = []
    for row in rows:
        texts = dict(by_index[row["cell"]].texts)
        out.append({**row, **{v.path: texts.get(v.path) for v in plan.varies}})
    header = [
        f"negsim {__version__}",
        f"scenario {plan.path}",
        f"scenario_sha256 {plan.baseline.sha256}",
        f"seed {seed}",
        f"runs {runs}",
        f"cells {len(rows)} of {len(plan.cells)}",
    ]
    return csv_text(out, columns(plan), header)


# ---------------------------------------------------------------------------------------------
# Where cells run
# ---------------------------------------------------------------------------------------------


class _Future(Protocol):
    def result(self) -> Any: ...


Done = tuple[str, "_Future"]  # (cell key, finished future)


class _Backend(Protocol):
    capacity: int

    def submit(
        self, key: str, cell: Cell, seed: int, runs: int, done: queue.Queue[Done]
    ) -> None: ...

    def abort(self) -> None: ...

    def close(self) -> None: ...


class _Aborted(Exception):
    """Raised inside a cell played on a thread of this process, to stop it at once."""


class _InProcess:
    """One cell at a time on a daemon thread of this process (the main thread keeps Ctrl-C).
    A second Ctrl-C stops the cell at its next batch."""

    capacity = 1

    def __init__(self, batch: int | None) -> None:
        self.batch = batch
        self.aborted = threading.Event()

    def _check(self, n: int) -> None:
        if self.aborted.is_set():
            raise _Aborted

    def submit(self, key: str, cell: Cell, seed: int, runs: int, done: queue.Queue[Done]) -> None:
        fut: cf.Future[Result] = cf.Future()

        def work() -> None:
            fut.set_running_or_notify_cancel()
            try:
                fut.set_result(_run_cell(cell.loaded.scenario, seed, runs, self.batch, self._check))
            except BaseException as exc:  # handed to the main thread
                fut.set_exception(exc)
            done.put((key, fut))

        threading.Thread(target=work, name=f"negsim-cell-{cell.index}", daemon=True).start()

    def abort(self) -> None:
        self.aborted.set()

    def close(self) -> None:
        pass


class _LocalPool:
    """A pool of worker processes, one cell per task; workers ignore Ctrl-C."""

    def __init__(self, workers: int, batch: int | None) -> None:
        self.capacity = workers
        self.batch = batch
        self.pool = cf.ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)

    def submit(self, key: str, cell: Cell, seed: int, runs: int, done: queue.Queue[Done]) -> None:
        fut = self.pool.submit(_pool_cell, cell.loaded.scenario, seed, runs, self.batch)
        fut.add_done_callback(lambda f: done.put((key, f)))

    def abort(self) -> None:
        # Stop at once: the cells under way are dropped. Python 3.14 has terminate_workers();
        # before it, the executor's worker processes are only reachable as _processes.
        terminate = getattr(self.pool, "terminate_workers", None)
        if terminate is not None:
            terminate()
        else:
            procs = list((getattr(self.pool, "_processes", None) or {}).values())
            for p in procs:
                p.terminate()
            for p in procs:
                p.join(5)
        self.pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self.pool.shutdown(wait=True)


class DaskMissing(ImportError):
    """``--scheduler`` was asked for but ``dask.distributed`` is not installed."""


def import_dask() -> Any:
    """``dask.distributed``, imported only when a sweep runs on a cluster (an optional extra)."""
    try:
        return importlib.import_module("dask.distributed")
    except ImportError as exc:
        raise DaskMissing(DASK_MISSING) from exc


class SchedulerUnreachable(ConnectionError):
    """The Dask scheduler at the given address did not answer."""


class _Dask:
    """One task per cell on a Dask cluster. At most as many cells are in flight as the cluster
    has worker threads, so a Ctrl-C leaves only the cells under way to wait for."""

    def __init__(self, address: str, batch: int | None) -> None:
        distributed = import_dask()
        try:
            self.client = distributed.Client(address, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise SchedulerUnreachable(
                f"cannot connect to the Dask scheduler at {address}: {exc}"
            ) from exc
        self.batch = batch
        self.capacity = max(1, sum(self.client.nthreads().values()))
        self.futures: dict[str, Any] = {}

    def submit(self, key: str, cell: Cell, seed: int, runs: int, done: queue.Queue[Done]) -> None:
        tag = f"negsim-cell-{cell.index}-{key[:12]}-{os.urandom(4).hex()}"
        fut = self.client.submit(
            run_cell, cell.loaded.scenario, seed, runs, self.batch, key=tag, pure=False
        )
        self.futures[key] = fut

        def finished(f: Any) -> None:
            self.futures.pop(key, None)
            done.put((key, f))

        fut.add_done_callback(finished)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.client.cancel(list(self.futures.values()), force=True)
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()


# ---------------------------------------------------------------------------------------------
# Running the sweep
# ---------------------------------------------------------------------------------------------


@dataclass
class Sweep:
    """What a sweep produced: the table rows of every finished cell (in cell order)."""

    rows: list[Row]
    columns: list[str]
    seed: int
    runs: int
    status: str  # "complete" or "partial"
    computed: list[int] = field(default_factory=list)  # cells played by this call
    reused: list[int] = field(default_factory=list)  # cells read back from cells.jsonl

    @property
    def interrupted(self) -> bool:
        return self.status != "complete"


def read_cells(path: Path) -> dict[str, Result]:
    """The results in a ``cells.jsonl`` by key (a line torn by a crash is ignored)."""
    found: dict[str, Result] = {}
    if not path.exists():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
            found[rec["key"]] = rec["result"]
        except (ValueError, KeyError, TypeError):
            continue
    return found


def _repair_tail(path: Path) -> None:
    """Cut a last line that a crash left without its newline, so appends start clean."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as f:
            f.truncate(data.rfind(b"\n") + 1)


@contextlib.contextmanager
def _ctrl_c(stop: threading.Event, log: Callable[[str], None]) -> Iterator[None]:
    """First Ctrl-C: set ``stop`` (no new cell starts); second: KeyboardInterrupt at once.
    Only the main thread can install the handler; elsewhere Ctrl-C acts as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        log("interrupt: finishing the cells under way; Ctrl-C again to stop at once")

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _previous_seed(out: Path | None) -> int | None:
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        if out is not None:
            seed = json.loads((out / MANIFEST_FILE).read_text())["seed"]
            return int(seed)
    return None


def run_sweep(
    plan: Plan,
    runs: int,
    seed: int | None = None,
    *,
    out: Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    batch: int | None = None,
    stop: threading.Event | None = None,
    on_cell: Callable[[Cell, Result, float | None], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> Sweep:
    """Play every cell of ``plan`` with ``runs`` runs and the same seed; the table's rows.

    ``seed`` defaults to the baseline scenario's, else the seed of an earlier sweep in
    ``out``, else fresh entropy (recorded in the manifest). With ``out``, results go to
    ``out/cells.jsonl``, ``out/sweep.csv`` and ``out/manifest.json`` and cells already in
    ``cells.jsonl`` are not played again. ``workers > 1`` plays cells on a process pool;
    ``scheduler`` (an address) on a Dask cluster. ``on_cell(cell, result, seconds)`` is called
    in this thread after each cell played here; setting ``stop`` (or Ctrl-C) ends the sweep
    after the cells under way. Raises DaskMissing, SchedulerUnreachable, or the error of a
    failed cell.
    """
    from .random_ import normalise_seed

    say = log or (lambda text: None)
    if seed is None:
        seed = plan.baseline.loaded.scenario.seed
    if seed is None:
        seed = _previous_seed(out)
    seed = normalise_seed(seed)
    stop = stop or threading.Event()
    keys = {c.index: cell_key(c.sha256, seed, runs) for c in plan.cells}
    results: dict[str, Result] = {}
    jsonl = None
    if out is not None:
        old = read_cells(out / CELLS_FILE)
        results = {k: old[k] for k in keys.values() if k in old and old[k].get("runs") == runs}
    reused = [c.index for c in plan.cells if keys[c.index] in results]
    if reused:
        say(
            f"resuming: {len(reused)} of {len(plan.cells)} cells already done in "
            f"{out / CELLS_FILE if out else ''}"
        )
    todo: list[Cell] = []
    for c in plan.cells:  # one computation per distinct key
        if keys[c.index] not in results and all(keys[t.index] != keys[c.index] for t in todo):
            todo.append(c)
    started = dt.datetime.now(dt.UTC)
    computed: list[int] = []
    status = "partial"

    def rows() -> list[Row]:
        return [
            cell_row(plan, c, results[keys[c.index]], seed)
            for c in plan.cells
            if keys[c.index] in results
        ]

    def write(final: bool) -> None:
        if out is None:
            return
        write_atomic(out / TABLE_FILE, table_text(plan, rows(), seed, runs))
        manifest = _manifest(
            plan, seed, runs, keys, results, status, workers, scheduler, started, final
        )
        write_atomic(out / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")

    backend: _Backend | None = None
    if todo:
        if scheduler is not None:
            backend = _Dask(scheduler, batch)
        elif workers > 1 and len(todo) > 1:
            backend = _LocalPool(min(workers, len(todo)), batch)
        else:
            backend = _InProcess(batch)
    if out is not None:  # only now: a scheduler that does not answer leaves no folder behind
        out.mkdir(parents=True, exist_ok=True)
        _repair_tail(out / CELLS_FILE)
    write(final=False)
    if out is not None:
        jsonl = open(out / CELLS_FILE, "a", encoding="utf-8")  # noqa: SIM115
    failure: BaseException | None = None
    warned = False
    try:
        with _ctrl_c(stop, say):
            try:
                done: queue.Queue[Done] = queue.Queue()
                pending = list(todo)
                cells_by_key = {keys[c.index]: c for c in todo}
                in_flight = 0
                while True:
                    while (
                        backend and pending and not stop.is_set() and in_flight < backend.capacity
                    ):
                        c = pending.pop(0)
                        backend.submit(keys[c.index], c, seed, runs, done)
                        in_flight += 1
                    if in_flight == 0:
                        break
                    try:
                        key, fut = done.get(timeout=0.2)
                    except queue.Empty:
                        continue
                    in_flight -= 1
                    try:
                        result = fut.result()
                    except BaseException as exc:  # stop starting cells; wait for the others
                        if failure is None:
                            failure = exc
                        stop.set()
                        continue
                    cell = cells_by_key[key]
                    if result.get("negsim_version") != __version__:
                        failure = RuntimeError(
                            f"{cell.label()} ran on negsim {result.get('negsim_version')}, "
                            f"this is negsim {__version__}: install the same version on the "
                            "workers"
                        )
                        stop.set()
                        continue
                    seconds = result.pop("seconds", None)
                    trim = result.pop("malloc_trim_threshold", None)
                    if trim is not None and not warned:
                        warned = True
                        say(SLOW_MALLOC.format(trim))
                    results[key] = result
                    computed.append(cell.index)
                    if jsonl is not None:
                        line = {
                            "key": key,
                            "cell": cell.index,
                            "overrides": list(cell.overrides),
                            "scenario_sha256": cell.sha256,
                            "seed": seed,
                            "runs": runs,
                            "negsim_version": __version__,
                            "seconds": seconds,
                            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                            "result": result,
                        }
                        jsonl.write(json.dumps(line, sort_keys=True) + "\n")
                        jsonl.flush()
                        os.fsync(jsonl.fileno())
                    write(final=False)
                    if on_cell is not None:
                        on_cell(cell, result, seconds)
            except KeyboardInterrupt:  # a second Ctrl-C: stop at once
                stop.set()
                if backend is not None:
                    backend.abort()
                    backend = None
    finally:
        if backend is not None:
            backend.close()
        if jsonl is not None:
            jsonl.close()
        if all(k in results for k in keys.values()):
            status = "complete"
        write(final=True)
    if failure is not None:
        raise failure
    return Sweep(rows(), columns(plan), seed, runs, status, computed, reused)


def _manifest(
    plan: Plan,
    seed: int,
    runs: int,
    keys: dict[int, str],
    results: dict[str, Result],
    status: str,
    workers: int,
    scheduler: str | None,
    started: dt.datetime,
    final: bool,
) -> dict[str, Any]:
    base = plan.baseline.loaded
    done = sum(keys[c.index] in results for c in plan.cells)
    return {
        "negsim_version": __version__,
        "status": status,
        "scenario": {
            "path": base.path,
            "files": list(base.files),
            "title": base.scenario.title,
            "sha256": base.sha256,
            "file_sha256": file_sha256(base.path) if base.path else None,
        },
        "vary": [{"spec": v.spec, "path": v.path, "values": list(v.texts)} for v in plan.varies],
        "seed": seed,
        "runs": runs,
        "workers": workers if scheduler is None else None,
        "scheduler": scheduler,
        "cells_total": len(plan.cells),
        "cells_done": done,
        "cells": [
            {
                "cell": c.index,
                "overrides": list(c.overrides),
                "scenario_sha256": c.sha256,
                "key": keys[c.index],
                "done": keys[c.index] in results,
            }
            for c in plan.cells
        ],
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds") if final else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "files": [TABLE_FILE, CELLS_FILE],
    }


__all__ = [
    "Cell",
    "CellInterrupted",
    "DaskMissing",
    "Plan",
    "SchedulerUnreachable",
    "Sweep",
    "Vary",
    "cell_key",
    "cell_row",
    "columns",
    "grid",
    "import_dask",
    "parse_vary",
    "plan_cells",
    "read_cells",
    "run_cell",
    "run_sweep",
    "table_text",
]
