"""negsim's performance harness: measures everything, writes results.json, regenerates the page.

    python benchmarks/run_all.py              # the full run (about 10 minutes on 2 cores)
    python benchmarks/run_all.py --quick      # a smaller variant for development (~2 minutes)
    python benchmarks/run_all.py --render-only    # rebuild docs/performance.md from results.json

It measures, in this order:

1. throughput of ``scenarios/abu_dhabi_2026.yaml`` at 10^3, 10^4, 10^5 and 10^6 runs, each in a
   fresh subprocess (``throughput_child.py``) with its peak memory (``ru_maxrss``);
2. how time grows with runs, parties, issues and rounds on generated scenarios
   (``generate.py``), with the fitted exponent of each (least squares of log time on log size);
3. negsim beside NegMAS on the same negotiation (``negmas_compare.py``, in a subprocess;
   skipped with a note when NegMAS is not installed);
4. a profile of ``simulate(abu_dhabi, 20000)`` by function (cProfile) and by line
   (``profile_engine.py``).

Other processes may share the machine, so every timing that fits the time budget is repeated
and the median reported (the repeat count is in each table). The full run writes
``benchmarks/results.json`` and ``docs/performance.md``; ``--quick`` writes
``benchmarks/results_quick.json`` and ``benchmarks/performance_quick.md`` instead, so it never
overwrites the published figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
if str(BENCH) not in sys.path:  # run as a script, benchmarks/ is already on the path
    sys.path.insert(0, str(BENCH))

from generate import generated_scenario  # noqa: E402
from negmas_compare import negmas_version  # noqa: E402
from profile_engine import function_profile, line_profile  # noqa: E402

from sim.loading import load_scenario  # noqa: E402
from sim.montecarlo import simulate  # noqa: E402
from sim.scenario import Scenario  # noqa: E402

ABU_DHABI = ROOT / "scenarios" / "abu_dhabi_2026.yaml"
PAGE = ROOT / "docs" / "performance.md"
SEED = 20260204
GIB = 1024.0  # MiB

#: The targets of the "Speed and scale" issue.
TARGET_RATIO = 1000.0
TARGET_MEMORY_MIB = 1024.0
TARGET_EXPONENT = (0.9, 1.1)


@dataclass(frozen=True)
class Plan:
    """What one run of the harness measures, and how often."""

    name: str
    throughput: tuple[tuple[int, int, int], ...]  # (runs, repeats, workers), one process each
    runs_sweep: tuple[int, ...]  # runs of the generated base scenario
    base: tuple[int, int, int]  # (parties, issues, rounds) held while another dimension varies
    parties: tuple[int, ...]
    issues: tuple[int, ...]
    rounds: tuple[int, ...]
    sweep_seconds: float  # runs per point are chosen so one timing takes about this long
    sweep_runs: tuple[int, int]  # ... within these bounds
    sweep_repeats: int
    negmas_negotiations: int
    negsim_runs: int
    negsim_repeats: int
    profile_runs: int


def full_plan(million_workers: int) -> Plan:
    """The default run."""
    return Plan(
        name="full",
        throughput=((1_000, 3, 1), (10_000, 3, 1), (100_000, 1, 1),
                    (1_000_000, 1, million_workers)),
        runs_sweep=(1_000, 3_000, 10_000, 30_000),
        base=(3, 6, 24),
        parties=(3, 5, 10, 20, 30),
        issues=(1, 3, 10, 30, 50),
        rounds=(10, 25, 50, 100, 200),
        sweep_seconds=1.5,
        sweep_runs=(200, 50_000),
        sweep_repeats=3,
        negmas_negotiations=200,
        negsim_runs=50_000,
        negsim_repeats=3,
        profile_runs=20_000,
    )


def quick_plan(million_workers: int) -> Plan:
    """A smaller variant for development: the same sections, smaller sizes, fewer repeats."""
    return Plan(
        name="quick",
        throughput=((1_000, 1, 1), (10_000, 1, 1), (100_000, 1, million_workers)),
        runs_sweep=(300, 1_000, 3_000),
        base=(3, 6, 24),
        parties=(3, 5, 10),
        issues=(1, 5, 20),
        rounds=(10, 40, 100),
        sweep_seconds=0.3,
        sweep_runs=(100, 5_000),
        sweep_repeats=1,
        negmas_negotiations=20,
        negsim_runs=10_000,
        negsim_repeats=1,
        profile_runs=5_000,
    )


# ---- helpers ------------------------------------------------------------------------------

_T0 = time.perf_counter()


def log(msg: str) -> None:
    """Progress on stderr, with the time since the harness started."""
    print(f"[{time.perf_counter() - _T0:7.1f} s] {msg}", file=sys.stderr, flush=True)


def fit_exponent(sizes: Sequence[float], seconds: Sequence[float]) -> float:
    """Least-squares slope of log(seconds) on log(size)."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(t) for t in seconds]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx


def local_exponent(sizes: Sequence[float], seconds: Sequence[float]) -> float:
    """The slope between the two largest sizes: the growth at the top of the range."""
    return math.log(seconds[-1] / seconds[-2]) / math.log(sizes[-1] / sizes[-2])


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                             check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def _mem_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment() -> dict[str, Any]:
    """Date, machine, Python and library versions, and the code measured."""
    import numpy
    import scipy

    from sim import __version__ as negsim_version

    dirty = _git("status", "--porcelain", "--", "sim")
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": platform.machine(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _mem_total_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "negsim": negsim_version,
        "negmas": negmas_version(),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "sim_dirty": bool(dirty),
    }


# ---- 1. throughput ------------------------------------------------------------------------

def _child(scenario: Path, runs: int, workers: int) -> dict[str, Any]:
    cmd = [sys.executable, str(BENCH / "throughput_child.py"), str(scenario), str(runs),
           "--workers", str(workers), "--seed", str(SEED)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def throughput(plan: Plan) -> list[dict[str, Any]]:
    """Each size in fresh processes; the median time over its repeats, the largest peak."""
    rows = []
    for runs, repeats, workers in plan.throughput:
        log(f"throughput: {runs:,} runs x {repeats} ({workers} worker(s))")
        tries = [_child(ABU_DHABI, runs, workers) for _ in range(repeats)]
        secs = [t["seconds"] for t in tries]
        med = statistics.median(secs)
        peak = max(t["peak_rss_mib"] for t in tries)
        wpeak = max((t["worker_peak_rss_mib"] or 0.0) for t in tries) if workers > 1 else None
        rows.append({
            "runs": runs,
            "workers": workers,
            "repeats": repeats,
            "batch": tries[0]["batch"],
            "seconds": med,
            "all_seconds": secs,
            "runs_per_second": runs / med,
            "cpu_seconds": statistics.median(t["cpu_seconds"] for t in tries),
            "baseline_rss_mib": min(t["baseline_rss_mib"] for t in tries),
            "peak_rss_mib": peak,
            "worker_peak_rss_mib": wpeak,
            # Upper bound on the memory of the whole process tree at any moment.
            "total_peak_bound_mib": peak + workers * (wpeak or 0.0),
            "p_deal": tries[0]["p_deal"],
            "load_1min": [x for t in tries for x in t["load_1min"]],
        })
        log(f"  {med:.2f} s, {runs / med:,.0f} runs/s, peak {rows[-1]['total_peak_bound_mib']:.0f}"
            " MiB")
    return rows


# ---- 2. scaling ---------------------------------------------------------------------------

def _time(scenario: Scenario, runs: int, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        simulate(scenario, runs, SEED)
        out.append(time.perf_counter() - t0)
    return out


def _nice(x: float) -> int:
    """``x`` rounded to two significant digits."""
    digits = max(0, int(math.floor(math.log10(max(x, 1.0)))) - 1)
    return int(round(x / 10**digits) * 10**digits)


def runs_for(scenario: Scenario, seconds: float, bounds: tuple[int, int]) -> int:
    """Runs so that one timing takes about ``seconds``, within ``bounds``. The marginal cost
    of a run is calibrated from 50 and 200 runs (which also warms up), so that fixed costs
    per batch and per round do not count as per-run costs."""
    simulate(scenario, 20, SEED)
    t0 = time.perf_counter()
    simulate(scenario, 50, SEED)
    t1 = time.perf_counter()
    simulate(scenario, 200, SEED)
    t2 = time.perf_counter()
    small, large = t1 - t0, t2 - t1
    per_run = max((large - small) / 150, 0.25 * large / 200)  # noise can make the first < 0
    return min(bounds[1], max(bounds[0], _nice(seconds / per_run)))


def sweep(
    name: str, sizes: Sequence[int], make: Callable[[int], Scenario], plan: Plan,
    runs: Callable[[int], int] | None = None,
) -> dict[str, Any]:
    """Median time at each size and the fitted exponent. With ``runs`` None (parties, issues,
    rounds) each point plays enough runs to take about ``plan.sweep_seconds`` and the
    exponent is that of the time per run, i.e. of the time at a fixed number of runs."""
    points: list[dict[str, Any]] = []
    for n in sizes:
        s = make(n)
        if runs is None:
            count = runs_for(s, plan.sweep_seconds, plan.sweep_runs)
        else:
            count = runs(n)
            simulate(s, min(count, 100), SEED)  # warm-up
        secs = _time(s, count, plan.sweep_repeats)
        med = statistics.median(secs)
        points.append({"size": n, "runs": count, "seconds": med, "all_seconds": secs,
                       "ms_per_run": 1000 * med / count})
        log(f"  {name} = {n}: {count:,} runs, {med:.3f} s, {1000 * med / count:.3f} ms a run")
    xs = [float(p["size"]) for p in points]
    ys = [float(p["seconds"] if runs is not None else p["ms_per_run"]) for p in points]
    return {"dimension": name, "points": points, "repeats": plan.sweep_repeats,
            "measure": "seconds" if runs is not None else "seconds per run",
            "exponent": fit_exponent(xs, ys), "local_exponent": local_exponent(xs, ys)}


def scaling(plan: Plan) -> dict[str, Any]:
    """Runs, parties, issues and rounds, one at a time around the base scenario."""
    P, I, T = plan.base
    out = {}
    log(f"scaling: runs on a generated scenario (P={P}, I={I}, T={T})")
    base = generated_scenario(P, I, T)
    out["runs"] = sweep("runs", plan.runs_sweep, lambda n: base, plan, runs=lambda n: n)
    log("scaling: parties")
    out["parties"] = sweep("parties", plan.parties, lambda n: generated_scenario(n, I, T), plan)
    log("scaling: issues")
    out["issues"] = sweep("issues", plan.issues, lambda n: generated_scenario(P, n, T), plan)
    log("scaling: rounds")
    out["rounds"] = sweep("rounds", plan.rounds, lambda n: generated_scenario(P, I, n), plan)
    return out


# ---- 3. NegMAS ----------------------------------------------------------------------------

def negmas(plan: Plan) -> dict[str, Any]:
    """The comparison in a subprocess (so NegMAS's imports stay out of this process)."""
    if negmas_version() is None:
        log("negmas: not installed, skipped")
        return {"skipped": "NegMAS is not installed (pip install negmas, or the bench extra)"}
    log(f"negmas: {plan.negmas_negotiations} NegMAS negotiations, negsim "
        f"{plan.negsim_runs:,} runs x {plan.negsim_repeats}")
    cmd = [sys.executable, str(BENCH / "negmas_compare.py"),
           "--negmas", str(plan.negmas_negotiations),
           "--negsim-runs", str(plan.negsim_runs), "--repeats", str(plan.negsim_repeats)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        tail = " ".join(out.stderr.strip().splitlines()[-3:])
        log(f"negmas: failed: {tail}")
        return {"skipped": f"the comparison failed: {tail}"}
    res: dict[str, Any] = json.loads(out.stdout)
    log(f"  ratio {res['ratio']:,.0f}")
    return res


# ---- 4. profile ---------------------------------------------------------------------------

def profile(plan: Plan) -> dict[str, Any]:
    """cProfile by function and the line timer, on simulate(abu_dhabi, profile_runs)."""
    s = load_scenario(ABU_DHABI).scenario
    log(f"profile: cProfile of simulate(abu_dhabi, {plan.profile_runs:,})")
    fp = function_profile(s, plan.profile_runs, SEED)
    log(f"profile: line timer of simulate(abu_dhabi, {plan.profile_runs:,})")
    lp = line_profile(s, plan.profile_runs, SEED)
    return {"functions": fp, "lines": lp}


# ---- targets and the page -----------------------------------------------------------------

def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issue, what was measured, and whether it was met (None: not
    measured in this run)."""
    out = []
    cmp_ = res["negmas"]
    if "skipped" in cmp_:
        out.append({"target": f"at least {TARGET_RATIO:,.0f} x NegMAS's negotiations per second",
                     "measured": "not measured: " + cmp_["skipped"], "met": None})
    else:
        out.append({"target": f"at least {TARGET_RATIO:,.0f} x NegMAS's negotiations per second",
                     "measured": f"{cmp_['ratio']:,.0f} x", "met": cmp_["ratio"] >= TARGET_RATIO})
    big = [r for r in res["throughput"] if r["runs"] >= 1_000_000]
    if big:
        r = big[0]
        what = (f"{r['total_peak_bound_mib']:,.0f} MiB" if r["workers"] == 1 else
                f"{r['total_peak_bound_mib']:,.0f} MiB (parent {r['peak_rss_mib']:,.0f} + "
                f"{r['workers']} workers x {r['worker_peak_rss_mib']:,.0f}, an upper bound)")
        out.append({"target": "10^6 runs of the Abu Dhabi scenario with peak memory under 1 GiB",
                     "measured": what, "met": r["total_peak_bound_mib"] < TARGET_MEMORY_MIB})
    else:
        out.append({"target": "10^6 runs of the Abu Dhabi scenario with peak memory under 1 GiB",
                     "measured": "not measured in this run (--quick)", "met": None})
    e = res["runs_exponent"]
    lo, hi = TARGET_EXPONENT
    out.append({"target": f"time linear in runs (fitted exponent within {lo}-{hi})",
                 "measured": f"{e['value']:.3f} ({e['basis']})", "met": lo <= e["value"] <= hi})
    return out


def runs_exponent(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The exponent of time on runs for the Abu Dhabi throughput rows: of the CPU time (this
    process and its workers) over every row, which measures the work whatever the worker
    count and however busy the machine, and of the wall time over the one-worker rows."""
    sizes = [r["runs"] for r in rows]
    cpu = fit_exponent(sizes, [r["cpu_seconds"] for r in rows])
    one = [r for r in rows if r["workers"] == 1]
    wall = fit_exponent([r["runs"] for r in one], [r["seconds"] for r in one])
    basis = (f"CPU time, Abu Dhabi, {sizes[0]:,} to {sizes[-1]:,} runs; wall time with one "
             f"worker, {one[0]['runs']:,} to {one[-1]['runs']:,} runs: {wall:.3f}")
    return {"value": cpu, "wall_one_worker": wall, "basis": basis, "sizes": sizes,
            "wall_sizes": [r["runs"] for r in one]}


def _memory_verdict(rows: list[dict[str, Any]]) -> str:
    """Does the peak of the process holding a batch stay flat once runs fill a batch?"""
    full = [r for r in rows if r["runs"] > r["batch"]]
    if len(full) < 2:
        return ("Fewer than two rows hold more than one batch, so flatness is not measured in "
                "this run.")
    held = [(r["runs"], r["worker_peak_rss_mib"] if r["workers"] > 1 else r["peak_rss_mib"])
            for r in full]
    lo, hi = min(p for _, p in held), max(p for _, p in held)
    spread = (hi - lo) / lo
    verdict = "flat" if spread <= 0.15 else "NOT flat"
    return ("Peak of the process that holds a batch (the measuring process with one worker, "
            "the largest worker otherwise) once runs exceed one batch: " + ", ".join(
                f"{n:,} runs: {p:,.0f} MiB" for n, p in held) +
            f". It is **{verdict}** ({spread:.0%} apart) while runs grow "
            f"{held[-1][0] // held[0][0]:,}-fold; the parent of the workers keeps only the "
            "merged aggregates.")


def _yes(met: bool | None) -> str:
    return "not measured" if met is None else ("**met**" if met else "**not met**")


def _mib(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _load_range(res: dict[str, Any]) -> tuple[float, float]:
    loads = [x for r in res["throughput"] for x in r["load_1min"]] + res.get("load_1min", [])
    return (min(loads), max(loads)) if loads else (float("nan"), float("nan"))


def render(res: dict[str, Any]) -> str:
    """The Markdown page: every figure of ``res``, generated."""
    env = res["environment"]
    plan = res["plan"]
    L: list[str] = []
    add = L.append
    add("<!-- Generated by benchmarks/run_all.py from benchmarks/results.json: do not edit by "
        "hand. -->")
    add("# Performance")
    add("")
    add(f"> **Generated page, do not edit by hand.** Regenerate with `python benchmarks/run_all.py`"
        f" (`make bench`). Measured on {env['date']}.")
    add("")
    dirty = " with uncommitted changes in `sim/`" if env["sim_dirty"] else ""
    add(f"Machine: {env['machine']}, {env['cpu']}, {env['cores']} cores, "
        f"{env['memory_gib']:.1f} GiB, {env['os']}. Python {env['python']}, numpy "
        f"{env['numpy']}, scipy {env['scipy']}; negsim {env['negsim']} at commit "
        f"`{env['commit']}`{dirty}; NegMAS {env['negmas'] or 'not installed'}.")
    add("")
    lo, hi = _load_range(res)
    add(f"Other processes may share the machine (its 1-minute load average ran from {lo:.1f} to "
        f"{hi:.1f} during the measurements, on {env['cores']} cores), so every timing that fits "
        "the time budget is repeated and the **median** is reported; each table gives the "
        f"number of repeats. The whole harness ({plan['name']} plan) took "
        f"{res['wall_seconds'] / 60:.1f} minutes.")
    add("")

    add("## Targets")
    add("")
    add("| target | measured | |")
    add("| --- | --- | --- |")
    for t in res["targets"]:
        add(f"| {t['target']} | {t['measured']} | {_yes(t['met'])} |")
    add("")

    add("## Throughput: the Abu Dhabi 2026 scenario")
    add("")
    add("`scenarios/abu_dhabi_2026.yaml` (3 parties, 9 issues, 29 rounds, 13 pressures), seed "
        f"{SEED}. Each row is measured in fresh processes (`benchmarks/throughput_child.py`), "
        "after a warm-up of 200 runs; only aggregates are kept. Peak memory is `ru_maxrss` of "
        "the measuring process (and, with workers, of its largest worker).")
    add("")
    add("| runs | workers | repeats | seconds (median) | runs per second | CPU seconds | "
        "runs per CPU second | batch | peak memory (MiB) | largest worker (MiB) | "
        "P(deal by T) |")
    add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in res["throughput"]:
        add(f"| {r['runs']:,} | {r['workers']} | {r['repeats']} | {r['seconds']:,.2f} | "
            f"{r['runs_per_second']:,.0f} | {r['cpu_seconds']:,.2f} | "
            f"{r['runs'] / r['cpu_seconds']:,.0f} | {r['batch']:,} | "
            f"{_mib(r['peak_rss_mib'])} | {_mib(r['worker_peak_rss_mib'])} | "
            f"{r['p_deal']:.4f} |")
    add("")
    add("Runs per CPU second is what one core gives when nothing else runs on it; on a "
        "shared machine the wall-clock rate is lower by the share of a core the process got.")
    add("")
    e = res["runs_exponent"]
    add(f"Fitted exponent of time on runs: **{e['value']:.3f}** for the CPU time (this process "
        f"and its workers) over {e['sizes'][0]:,} to {e['sizes'][-1]:,} runs, which measures "
        "the work done whatever the worker count and however busy the machine is; "
        f"**{e['wall_one_worker']:.3f}** for the wall time of the one-worker rows "
        f"({e['wall_sizes'][0]:,} to {e['wall_sizes'][-1]:,} runs). Below 1 means fixed "
        "costs (per batch and per round) that larger runs share out.")
    multi = [r for r in res["throughput"] if r["workers"] > 1]
    if multi:
        add("")
        add(f"The {multi[0]['runs']:,}-run row uses {multi[0]['workers']} worker processes so "
            "that the harness keeps to its time budget on this machine; its runs per second "
            "are therefore not comparable with the one-worker rows (and depend on the cores "
            "other processes leave free). `--million-workers 1` measures it with one worker.")
    add("")

    add("## How time grows")
    add("")
    P, I, T = plan["base"]
    add(f"Generated scenarios (`benchmarks/generate.py`): every party holds a stake in every "
        f"issue, about one issue in four is ordinal, red lines are uncertain, four pressures "
        f"(one with a direct effect) and a leverage graph over the parties and two actors. One "
        f"dimension varies at a time around P = {P} parties, I = {I} issues, T = {T} rounds; "
        "one worker. For parties, issues and rounds each point plays enough runs to take "
        f"about {plan['sweep_seconds']:g} s (from the marginal cost of a run between 50 and "
        "200 runs) and the exponent is "
        "that of the time per run, which is the time at any fixed number of runs. The "
        "exponent is the least-squares slope of log time on log size over the whole range; "
        "the local one is the slope between the two largest sizes (fixed costs per batch and "
        "per round flatten the small sizes).")
    add("")
    add("| dimension | range | runs per point | repeats | fitted exponent | local exponent |")
    add("| --- | --- | --- | ---: | ---: | ---: |")
    for name, sw in res["scaling"].items():
        pts = sw["points"]
        runs = (f"{pts[0]['runs']:,} to {pts[-1]['runs']:,}" if name != "runs"
                else "(the size)")
        add(f"| {name} | {pts[0]['size']:,} to {pts[-1]['size']:,} | {runs} | {sw['repeats']} | "
            f"**{sw['exponent']:.2f}** | {sw['local_exponent']:.2f} |")
    add("")
    steep = [f"{name} (local exponent {sw['local_exponent']:.2f})"
             for name, sw in res["scaling"].items() if sw["local_exponent"] > 1.1]
    if steep:
        add("Faster than linear at the top of the range: " + ", ".join(steep) + ".")
        add("")
    for name, sw in res["scaling"].items():
        add(f"**{name}**: " + "; ".join(
            f"{p['size']:,}: {p['ms_per_run']:.3f} ms a run ({p['runs']:,} runs in "
            f"{p['seconds']:.2f} s)" for p in sw["points"]) + ".")
        add("")

    add("## Peak memory against runs")
    add("")
    add("Runs are played in batches (`sim/montecarlo.py::default_batch`: about 4 million "
        "float64 cells of working arrays a batch, at most 20,000 runs) and only aggregates "
        "(counts and fixed-bin histograms) are kept across batches, so once a run is at least "
        "one batch long, memory should stay flat as runs grow.")
    add("")
    add("| runs | workers | batch | after imports and loading (MiB) | peak (MiB) | "
        "peak minus baseline (MiB) | largest worker (MiB) |")
    add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in res["throughput"]:
        add(f"| {r['runs']:,} | {r['workers']} | {r['batch']:,} | {r['baseline_rss_mib']:,.0f} | "
            f"{r['peak_rss_mib']:,.0f} | {r['peak_rss_mib'] - r['baseline_rss_mib']:,.0f} | "
            f"{_mib(r['worker_peak_rss_mib'])} |")
    add("")
    add(_memory_verdict(res["throughput"]))
    add("")

    add("## negsim beside NegMAS")
    add("")
    cmp_ = res["negmas"]
    if "skipped" in cmp_:
        add(f"**Skipped:** {cmp_['skipped']}. NegMAS is an optional benchmark extra (AGPL; "
            "negsim never imports it); install it with `pip install negmas` and rerun.")
        add("")
    else:
        ns, nm, pr = cmp_["negsim"], cmp_["negmas"], cmp_["paired"]
        add(f"The same negotiation in both tools (`{cmp_['scenario']}`, and "
            "`benchmarks/negmas_compare.py`): three parties, six issues of eleven values "
            "(0..10), linear additive utilities (1 at the ideal, 0 at the red line, weights = "
            "saliences normalised, anything past a red line unacceptable), time-based linear "
            "concession, 24 rounds, every party must accept. Red lines are uncertain: NegMAS "
            "negotiation k is given the ideals, red lines and saliences negsim draws for its "
            f"run k (seed {cmp_['seed']}), so both play the same draws. NegMAS "
            f"{env['negmas']}: `SAOMechanism(n_steps=24)`, `LinearAdditiveUtilityFunction` "
            f"with `TableFun`s, `{nm['agent']}` agents; its time covers building the utility "
            "functions and the mechanism and running it, in a loop. negsim: `simulate` on "
            "the scenario, one worker.")
        add("")
        add("| tool | negotiations timed | repeats | negotiations per second (median) | "
            "per CPU second | agreement rate |")
        add("| --- | ---: | ---: | ---: | ---: | ---: |")
        add(f"| negsim | {ns['runs']:,} | {ns['repeats']} | {ns['negotiations_per_second']:,.0f} "
            f"| {ns['negotiations_per_cpu_second']:,.0f} | {ns['agreement_rate']:.1%} |")
        add(f"| NegMAS | {nm['negotiations']:,} | {len(nm['chunk_rates'])} chunks | "
            f"{nm['negotiations_per_second']:,.2f} | {nm['negotiations_per_cpu_second']:,.2f} | "
            f"{nm['agreement_rate']:.1%} |")
        add("")
        add(f"**Speed ratio: negsim plays {cmp_['ratio']:,.0f} times as many negotiations per "
            f"second as NegMAS** ({cmp_['cpu_ratio']:,.0f} times per CPU second).")
        add("")
        ok = "all lie" if nm["agreements_within_red_lines"] else "NOT all lie"
        add(f"On the {pr['runs']} runs both played (the same draws): negsim agreed in "
            f"{pr['negsim_agreement_rate']:.1%} of them and NegMAS in "
            f"{nm['agreement_rate']:.1%}; both in {pr['both']}, negsim only in "
            f"{pr['negsim_only']}, NegMAS only in {pr['negmas_only']}, neither in "
            f"{pr['neither']}. NegMAS's agreements {ok} within every party's red lines. negsim "
            "settles each issue separately, as soon as every offer has reached its zone, so it "
            "agrees whenever all six zones hold a level; NegMAS's agents search the joint "
            "space of 11^6 outcomes by utility and can miss an agreement that exists.")
        add("")

    add("## Where the time goes")
    add("")
    prof = res["profile"]
    lp, fp = prof["lines"], prof["functions"]
    add(f"`simulate(abu_dhabi_2026, {lp['runs']:,})`, one worker. The line timer "
        "(`benchmarks/profile_engine.py`) charges the wall time between two consecutive "
        "lines of `sim/` to the earlier one, so a line's time includes the numpy work it "
        f"starts (traced run: {lp['wall_seconds']:.1f} s).")
    add("")
    top3 = lp["functions"][:3]
    add("Most of the time goes to " + ", ".join(
        f"`{f['function']}` ({f['share']:.0%})" for f in top3) + "; the rest is spread over "
        "the remaining steps of a round.")
    add("")
    add("By function (own time of its lines):")
    add("")
    add("| function | seconds | share |")
    add("| --- | ---: | ---: |")
    for f in lp["functions"][:10]:
        add(f"| `{f['function']}` | {f['seconds']:.2f} | {f['share']:.1%} |")
    add("")
    add("By line:")
    add("")
    add("| line | code | seconds | share |")
    add("| --- | --- | ---: | ---: |")
    for r in lp["top"][:12]:
        code = r["code"].replace("|", "\\|")
        if len(code) > 80:
            code = code[:77] + "..."
        add(f"| `{r['where']}` | `{code}` | {r['seconds']:.2f} | {r['share']:.1%} |")
    add("")
    add(f"cProfile (own time; numpy's C functions on their own rows; profiled run "
        f"{fp['wall_seconds']:.1f} s):")
    add("")
    add("| function | where | calls | own seconds | own share | cumulative share |")
    add("| --- | --- | ---: | ---: | ---: | ---: |")
    for r in fp["top"][:10]:
        add(f"| `{r['function']}` | `{r['where']}` | {r['calls']:,} | {r['own_seconds']:.2f} | "
            f"{r['own_share']:.1%} | {r['cumulative_share']:.1%} |")
    add("")

    add("## Reproduce")
    add("")
    add("```sh")
    add("python benchmarks/run_all.py            # everything; writes benchmarks/results.json "
        "and this page")
    add("python benchmarks/run_all.py --quick    # smaller, for development (writes "
        "benchmarks/results_quick.json)")
    add("pip install negmas                      # the optional side of the comparison "
        "(AGPL; bench extra)")
    add("negsim run benchmarks/negmas_equivalent.yaml --runs 100000 --quiet --out "
        "/tmp/negmas_eq")
    add("python benchmarks/profile_engine.py --runs 20000")
    add("python benchmarks/generate.py --parties 10 --issues 20 --rounds 50 > big.yaml")
    add("```")
    return "\n".join(L) + "\n"


# ---- main ---------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    """Measure (or, with --render-only, reuse results), then write the JSON and the page."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for development")
    ap.add_argument("--million-workers", type=int, default=2,
                    help="worker processes for the 10^6-run row (default 2: the time budget)")
    ap.add_argument("--out", type=Path, help="results JSON (default by plan)")
    ap.add_argument("--page", type=Path, help="Markdown page (default by plan)")
    ap.add_argument("--render-only", action="store_true",
                    help="rebuild the page from the results JSON without measuring")
    a = ap.parse_args(argv)
    plan = (quick_plan if a.quick else full_plan)(a.million_workers)
    out = a.out or (BENCH / ("results_quick.json" if a.quick else "results.json"))
    page = a.page or ((BENCH / "performance_quick.md") if a.quick else PAGE)
    if a.render_only:
        res = json.loads(out.read_text())
    else:
        t0 = time.perf_counter()
        res = {"environment": environment(), "plan": asdict(plan),
               "load_1min": [os.getloadavg()[0]]}
        log(f"{plan.name} plan; results to {out.relative_to(ROOT)}")
        res["throughput"] = throughput(plan)
        res["runs_exponent"] = runs_exponent(res["throughput"])
        res["scaling"] = scaling(plan)
        res["negmas"] = negmas(plan)
        res["profile"] = profile(plan)
        res["load_1min"].append(os.getloadavg()[0])
        res["wall_seconds"] = time.perf_counter() - t0
        res["targets"] = targets(res)
        out.write_text(json.dumps(res, indent=2) + "\n")
        log(f"wrote {out.relative_to(ROOT)}")
    page.write_text(render(res))
    log(f"wrote {page.relative_to(ROOT)}")
    for t in res["targets"]:
        print(f"{_yes(t['met']).strip('*'):>12}  {t['target']}: {t['measured']}")


if __name__ == "__main__":
    main()
