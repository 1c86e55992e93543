"""negsim beside NegMAS on the same negotiation: negotiations per second and agreement rates.

    python benchmarks/negmas_compare.py [--negmas 200] [--negsim-runs 100000] [--repeats 3]

The negotiation is ``benchmarks/negmas_equivalent.yaml``: three parties, six issues of eleven
values (0..10), linear additive utilities, time-based (linear) concession, 24 rounds, every
party must accept. Its red lines are uncertain, so negotiation k of NegMAS is given exactly
negsim's run k: the ideals, red lines and saliences that negsim draws for run k (with the
scenario's seed) become NegMAS utility functions, built with NegMAS's public API only:

- a ``SAOMechanism`` with ``n_steps=24`` over six issues of values 0..10;
- per party a ``LinearAdditiveUtilityFunction``: on each issue a ``TableFun`` that is 1 at the
  ideal and falls linearly to 0 at the red line; values outside the acceptable set (past the
  red line) score a penalty so large that any outcome with one of them is worth less than 0;
  weights are the saliences normalised to sum 1; the reservation value is just below 0, so
  an outcome is acceptable exactly when every issue lies within the party's red lines, as in
  negsim (where an ordinal set holds only its levels);
- ``LinearTBNegotiator`` agents (NegMAS's linear time-based concession; negsim's parties use
  the linear time tactic).

NegMAS is AGPL-licensed: it is imported here only, never by ``sim/``, and is an optional
benchmark extra (``pip install negmas``). Without it the comparison is skipped with a note.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.arrays import draw_batch, structure
from sim.loading import load_scenario
from sim.montecarlo import Records, simulate
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "benchmarks" / "negmas_equivalent.yaml"
F64 = NDArray[np.float64]

#: Reservation value of every NegMAS party: just below the utility (0) of an outcome with
#: every issue at the red line, and far above any outcome that breaks a red line.
RESERVED = -1e-6


def negmas_version() -> str | None:
    """The installed NegMAS version, or None when it is not installed."""
    if importlib.util.find_spec("negmas") is None:
        return None
    from importlib.metadata import version

    return version("negmas")


def load_equivalent() -> Scenario:
    """The negsim side of the comparison."""
    return load_scenario(SCENARIO).scenario


def _table(ideal: float, red: float, levels: int) -> dict[int, float]:
    """Utility of each value 0..levels-1 on one issue: 1 at the ideal falling linearly to 0 at
    the red line; NaN for the values outside the acceptable set (the caller penalises them)."""
    lo, hi = min(ideal, red), max(ideal, red)
    eps = 1e-9 * (levels - 1)
    span = abs(red - ideal)
    out: dict[int, float] = {}
    for v in range(levels):
        if lo - eps <= v <= hi + eps:
            out[v] = 1.0 - abs(v - ideal) / span if span > 0 else 1.0
        else:
            out[v] = float("nan")
    return out


def negmas_rate(
    scenario: Scenario, seed: int, negotiations: int, chunks: int = 4
) -> dict[str, Any]:
    """Play ``negotiations`` NegMAS negotiations (run k = negsim's run k) and time them.

    Returns the rate (negotiations per second, the median over ``chunks`` equal chunks, each
    timed whole: building the utility functions and the mechanism, and running it), the
    rate per CPU second (all chunks), the agreement per negotiation, and a check that every
    agreement lies within every party's red lines.
    """
    from negmas import SAOMechanism, make_issue
    from negmas.preferences import LinearAdditiveUtilityFunction
    from negmas.preferences.value_fun import TableFun
    from negmas.sao import LinearTBNegotiator

    st = structure(scenario)
    levels = int(st.hi.max()) + 1
    draws = draw_batch(st, seed, np.arange(negotiations, dtype=np.int64))
    names = list(st.issues)

    def ufun(k: int, a: int, os: Any) -> Any:
        w = draws.salience[k, a] / draws.salience[k, a].sum()
        penalty = 2.0 / float(w.min())  # one issue out of bounds outweighs all the others
        values = {}
        for b, name in enumerate(names):
            table = _table(float(draws.ideal[k, a, b]), float(draws.red_line[k, a, b]), levels)
            values[name] = TableFun({v: (-penalty if u != u else u) for v, u in table.items()})
        return LinearAdditiveUtilityFunction(
            values,
            weights={name: float(w[b]) for b, name in enumerate(names)},
            outcome_space=os,
            reserved_value=RESERVED,
        )

    agreements: list[bool] = []
    valid: list[bool] = []
    steps: list[int] = []
    seconds: list[float] = []
    cpu = 0.0
    size = max(1, negotiations // chunks)
    sink = io.StringIO()
    for first in range(0, negotiations, size):
        c0, t0 = time.process_time(), time.perf_counter()
        ks = range(first, min(negotiations, first + size))
        results = []
        with warnings.catch_warnings(), contextlib.redirect_stdout(sink):
            warnings.simplefilter("ignore")
            for k in ks:
                issues = [make_issue(levels, name=n) for n in names]
                mech = SAOMechanism(issues=issues, n_steps=st.T)
                for a, p in enumerate(st.parties):
                    mech.add(LinearTBNegotiator(name=p), preferences=ufun(k, a, mech.outcome_space))
                state = mech.run()
                results.append((k, state.agreement, state.step))
        seconds.append(time.perf_counter() - t0)
        cpu += time.process_time() - c0
        for k, agreement, step in results:
            agreements.append(agreement is not None)
            steps.append(int(step))
            if agreement is not None:
                ok = True
                for a in range(st.P):
                    for b in range(st.I):
                        x = float(agreement[b])
                        lo = min(draws.ideal[k, a, b], draws.red_line[k, a, b])
                        hi = max(draws.ideal[k, a, b], draws.red_line[k, a, b])
                        ok &= bool(lo - 1e-9 <= x <= hi + 1e-9)
                valid.append(ok)
    chunk_rates = [
        min(size, negotiations - i * size) / s for i, s in enumerate(seconds)
    ]
    return {
        "negotiations": negotiations,
        "agent": "LinearTBNegotiator",
        "seconds": sum(seconds),
        "chunk_rates": chunk_rates,
        "negotiations_per_second": statistics.median(chunk_rates),
        "cpu_seconds": cpu,
        "negotiations_per_cpu_second": negotiations / cpu,
        "agreement_rate": sum(agreements) / negotiations,
        "agreements_within_red_lines": all(valid),
        "agreed": agreements,
    }


def negsim_rate(
    scenario: Scenario, seed: int, runs: int, repeats: int, first: int
) -> dict[str, Any]:
    """Time ``simulate`` on the equivalent scenario ``repeats`` times (median), one worker.

    Also returns its agreement rate over all runs and, per run, whether the first ``first``
    runs reached a deal (to pair them with NegMAS's negotiations on the same draws).
    """
    simulate(scenario, 200, seed)  # warm-up
    times = []
    cpus = []
    deal_rate = float("nan")
    head: list[bool] = []
    for _ in range(repeats):
        collected: list[Records] = []
        c0, t0 = time.process_time(), time.perf_counter()
        out = simulate(scenario, runs, seed, on_batch=collected.append)
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        deal_rate = int(out.aggregate.deal[-1]) / runs
        rounds = np.concatenate([r.deal_round for r in collected])
        head = [bool(x > 0) for x in rounds[:first]]
    sec = statistics.median(times)
    return {
        "runs": runs,
        "repeats": repeats,
        "seconds": sec,
        "all_seconds": times,
        "negotiations_per_second": runs / sec,
        "cpu_seconds": statistics.median(cpus),
        "negotiations_per_cpu_second": runs / statistics.median(cpus),
        "agreement_rate": deal_rate,
        "agreed_first": head,
    }


def compare(negotiations: int, negsim_runs: int, repeats: int) -> dict[str, Any]:
    """Both sides; ``{"skipped": reason}`` when NegMAS is not installed."""
    version = negmas_version()
    if version is None:
        return {"skipped": "NegMAS is not installed (pip install negmas, or the bench extra)"}
    s = load_equivalent()
    seed = int(s.seed if s.seed is not None else 0)
    ours = negsim_rate(s, seed, negsim_runs, repeats, negotiations)
    theirs = negmas_rate(s, seed, negotiations)
    paired = list(zip(ours.pop("agreed_first"), theirs.pop("agreed"), strict=True))
    return {
        "negmas_version": version,
        "scenario": str(SCENARIO.relative_to(ROOT)),
        "seed": seed,
        "negsim": ours,
        "negmas": theirs,
        "ratio": ours["negotiations_per_second"] / theirs["negotiations_per_second"],
        "cpu_ratio": ours["negotiations_per_cpu_second"] / theirs["negotiations_per_cpu_second"],
        "paired": {
            "runs": len(paired),
            "negsim_agreement_rate": sum(a for a, _ in paired) / len(paired),
            "both": sum(a and b for a, b in paired),
            "negsim_only": sum(a and not b for a, b in paired),
            "negmas_only": sum(b and not a for a, b in paired),
            "neither": sum(not a and not b for a, b in paired),
        },
    }


def main(argv: list[str] | None = None) -> None:
    """Print the comparison as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--negmas", type=int, default=200, help="NegMAS negotiations to time")
    ap.add_argument("--negsim-runs", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    json.dump(compare(a.negmas, a.negsim_runs, a.repeats), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
