"""Monte Carlo: many runs of a scenario in batches, on one or several worker processes.

Run ``k`` always draws the same numbers (``sim/random_.py``) and aggregates are integer counts,
so the batch size and the worker count never change a byte of the results. Batches finish in
order; an interruption keeps every batch that finished.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .arrays import Structure, structure
from .distributions import is_random
from .engine import Negotiation
from .random_ import normalise_seed
from .results import Aggregate
from .scenario import Scenario

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

#: Working memory per batch is about this many float64 cells (blockers take (R, P, 2P, I)).
CELLS_PER_BATCH = 4_000_000


@dataclass(frozen=True)
class Records:
    """Per-run outcomes of one batch: run index, deal round, settled round and value."""

    runs: I64  # (R,)
    deal_round: I64  # (R,)
    settled_round: I64  # (R, I)
    value: F64  # (R, I)


@dataclass
class Outcome:
    """What a Monte Carlo run produced."""

    aggregate: Aggregate
    seed: int
    requested: int
    completed: int
    interrupted: bool


def default_batch(st: Structure) -> int:
    """Runs per batch, so a batch's working arrays stay around ``CELLS_PER_BATCH``: the
    (R, P, I) state, blockers' (K, 2K) candidates, and the propagation's (k, k, k) products
    when the leverage weights are drawn per run."""
    edges = list(st.scenario.leverage_edges())
    linked = len({a for a, _, _ in edges} | {b for _, b, _ in edges})
    drawn = any(is_random(w) for _, _, w in edges)
    per_run = max(1, 16 * st.P * st.I + 2 * st.P * st.P + st.N * st.N
                  + (linked**3 if drawn else 0))
    return int(max(64, min(20_000, CELLS_PER_BATCH // per_run)))


def play_batch(st: Structure, seed: int, first: int, count: int) -> tuple[Aggregate, Records]:
    """Play runs first..first+count-1 to the deadline; their aggregate and records."""
    agg = Aggregate.for_structure(st)
    neg = Negotiation(st.scenario, runs=count, seed=seed, first_run=first, compiled=st)
    last = neg.run(on_round=agg.add_round)
    return agg, Records(neg.draws.runs, last.deal_round, last.settled_round, last.value)


_WORKER: Structure | None = None


def _init_worker(scenario: Scenario) -> None:
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _WORKER = structure(scenario)


def _worker_batch(args: tuple[int, int, int]) -> tuple[Aggregate, Records]:
    assert _WORKER is not None
    seed, first, count = args
    return play_batch(_WORKER, seed, first, count)


@contextlib.contextmanager
def _stop_at_batch_end() -> Iterator[threading.Event]:
    """Turn the first Ctrl-C into a request to stop after the batch under way (a second one
    interrupts at once). Only the main thread can install the handler; elsewhere Ctrl-C
    interrupts as usual."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def _chunks(runs: int, batch: int) -> list[tuple[int, int]]:
    return [(a, min(batch, runs - a)) for a in range(0, runs, batch)]


def simulate(
    scenario: Scenario,
    runs: int,
    seed: int | None = None,
    *,
    batch: int | None = None,
    workers: int = 1,
    on_batch: Callable[[Records], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Play ``runs`` runs; ``on_batch`` receives each batch's records in run order.

    Ctrl-C stops after the batches that finished: the outcome is then marked interrupted and
    holds exactly the completed prefix of runs.
    """
    st = structure(scenario)
    seed = normalise_seed(seed if seed is not None else scenario.seed)
    size = batch or default_batch(st)
    total = Aggregate.for_structure(st)
    done = 0
    interrupted = False
    results: Iterator[tuple[Aggregate, Records]]
    pool: cf.ProcessPoolExecutor | None = None
    chunks = _chunks(runs, size)
    if workers > 1:
        pool = cf.ProcessPoolExecutor(
            max_workers=workers, initializer=_init_worker, initargs=(scenario,)
        )
        results = pool.map(_worker_batch, [(seed, a, n) for a, n in chunks])
    else:
        results = (play_batch(st, seed, a, n) for a, n in chunks)
    with _stop_at_batch_end() as stop:
        try:
            for agg, rec in results:
                # A batch is committed whole: counts, records and progress together.
                total.merge(agg)
                done += len(rec.runs)
                if on_batch is not None:
                    on_batch(rec)
                if progress is not None:
                    progress(len(rec.runs))
                if stop.is_set():
                    interrupted = True
                    break
        except KeyboardInterrupt:  # a second Ctrl-C, or no handler (not the main thread)
            interrupted = True
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
    return Outcome(total, seed, runs, done, interrupted)
