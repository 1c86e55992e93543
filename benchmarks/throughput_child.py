"""One throughput measurement in a fresh process (run by ``run_all.py``, one per size).

    python benchmarks/throughput_child.py SCENARIO RUNS [--workers N] [--seed S]

Prints one JSON line: wall seconds, runs per second, CPU seconds (this process and its
workers: the work done, whatever the worker count and however busy the machine), and peak
resident memory (``ru_maxrss``) of this process after importing and loading (the baseline)
and at the end, and of its largest worker process when ``--workers`` > 1. Keeps only
aggregates (no per-run records), as ``negsim run`` does for everything but ``runs.csv``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time


def _maxrss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def main(argv: list[str] | None = None) -> None:
    """Measure and print one JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("runs", type=int)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=20260204)
    a = ap.parse_args(argv)

    from sim.arrays import structure
    from sim.loading import load_scenario
    from sim.montecarlo import default_batch, simulate

    s = load_scenario(a.scenario).scenario
    baseline = _maxrss_mib(resource.RUSAGE_SELF)
    simulate(s, 200, seed=1)  # warm-up: lazy imports and caches are not the engine's time
    load0 = os.getloadavg()[0]
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    c0, t0 = time.process_time(), time.perf_counter()
    out = simulate(s, a.runs, seed=a.seed, workers=a.workers)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += (kids.ru_utime - kids0.ru_utime) + (kids.ru_stime - kids0.ru_stime)
    row = {
        "runs": a.runs,
        "workers": a.workers,
        "batch": min(a.runs, default_batch(structure(s))),
        "seconds": dt,
        "runs_per_second": a.runs / dt,
        "cpu_seconds": cpu,
        "baseline_rss_mib": baseline,
        "peak_rss_mib": _maxrss_mib(resource.RUSAGE_SELF),
        "worker_peak_rss_mib": _maxrss_mib(resource.RUSAGE_CHILDREN) if a.workers > 1 else None,
        "p_deal": int(out.aggregate.deal[-1]) / a.runs,
        "completed": out.completed,
        "load_1min": [load0, os.getloadavg()[0]],
    }
    print(json.dumps(row))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
