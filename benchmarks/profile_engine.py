"""Where the engine's time goes: functions (cProfile) and lines (a line timer) of ``sim/``.

    python benchmarks/profile_engine.py [--runs 20000] [--scenario FILE] [--top 15]

:func:`function_profile` runs ``simulate`` under cProfile and lists the functions with the
most time of their own (numpy's C functions appear as such, e.g. ``ufunc.reduce``).
:func:`line_profile` runs it again under a small tracer that charges the wall time between
two consecutive line events of ``sim/`` code to the earlier line: a line's own time, which
includes the numpy calls it makes (so ``np.sort`` shows up on the line of ``sim/`` that
sorts). The tracer costs a few microseconds per line executed, negligible beside numpy
operations on batches of thousands of runs, but both profiles run a little slower than an
untraced run.
"""

from __future__ import annotations

import argparse
import cProfile
import linecache
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import sim
from sim.loading import load_scenario
from sim.montecarlo import simulate
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SIM_DIR = str(Path(sim.__file__).resolve().parent)


def _short(filename: str) -> str:
    """``sim/engine.py`` for a file of the package; numpy's and others' by their last parts."""
    p = Path(filename)
    if filename.startswith(SIM_DIR):
        return "sim/" + str(p.resolve().relative_to(SIM_DIR))
    return "/".join(p.parts[-2:]) if len(p.parts) > 1 else filename


def function_profile(
    scenario: Scenario, runs: int, seed: int, top: int = 15
) -> dict[str, Any]:
    """cProfile of ``simulate(scenario, runs)``: the ``top`` functions by their own time."""
    simulate(scenario, 200, seed)  # warm-up: imports and caches are not the engine's time
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.runcall(simulate, scenario, runs, seed)
    wall = time.perf_counter() - t0
    stats = pstats.Stats(prof)
    rows = []
    total = 0.0
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, line, name), (_, ncalls, tottime, cumtime, callers) in raw.items():
        total += tottime
        where = f"{_short(filename)}:{line}" if filename != "~" else "numpy/builtin (C)"
        by_caller = sorted(
            ((f"{_short(f)}:{n}" if f != "~" else n, ct) for (f, _, n), (*_, ct) in
             callers.items()),
            key=lambda kv: -kv[1],
        )
        rows.append({"function": name, "where": where, "calls": ncalls,
                     "own_seconds": tottime, "cumulative_seconds": cumtime,
                     "callers": [{"caller": c, "cumulative_seconds": s} for c, s in by_caller[:5]]})
    rows.sort(key=lambda r: -float(r["own_seconds"]))
    for r in rows:
        r["own_share"] = float(r["own_seconds"]) / total
        r["cumulative_share"] = float(r["cumulative_seconds"]) / total
    return {"runs": runs, "wall_seconds": wall, "profiled_seconds": total, "top": rows[:top]}


class LineTimer:
    """Charges the time between consecutive line events of ``sim/`` frames to the earlier
    line. Frames outside ``sim/`` are not traced, so their time (numpy's Python wrappers,
    say) goes to the ``sim/`` line that called them."""

    def __init__(self) -> None:
        self.seconds: defaultdict[tuple[str, int], float] = defaultdict(float)
        self.hits: defaultdict[tuple[str, int], int] = defaultdict(int)
        self.last: tuple[str, int] | None = None
        self.clock = time.perf_counter()

    def _tick(self, now: tuple[str, int] | None) -> None:
        t = time.perf_counter()
        if self.last is not None:
            self.seconds[self.last] += t - self.clock
        self.last = now
        self.clock = t

    def _global(self, frame: FrameType, event: str, arg: object) -> Callable[..., Any] | None:
        if event == "call" and frame.f_code.co_filename.startswith(SIM_DIR):
            self._tick(self.last)  # the caller's line keeps what it spent up to the call
            return self._local
        return None

    def _local(self, frame: FrameType, event: str, arg: object) -> Callable[..., Any] | None:
        if event == "line":
            here = (frame.f_code.co_filename, frame.f_lineno)
            self._tick(here)
            self.hits[here] += 1
        elif event == "return":
            back = frame.f_back
            up = (
                (back.f_code.co_filename, back.f_lineno)
                if back is not None and back.f_code.co_filename.startswith(SIM_DIR)
                else None
            )
            self._tick(up)
        return self._local


def line_profile(scenario: Scenario, runs: int, seed: int, top: int = 15) -> dict[str, Any]:
    """Own wall time of each line of ``sim/`` during ``simulate(scenario, runs)``."""
    simulate(scenario, 200, seed)
    timer = LineTimer()
    t0 = time.perf_counter()
    sys.settrace(timer._global)
    try:
        simulate(scenario, runs, seed)
    finally:
        sys.settrace(None)
    wall = time.perf_counter() - t0
    total = sum(timer.seconds.values())
    rows = []
    for (filename, line), sec in sorted(timer.seconds.items(), key=lambda kv: -kv[1])[:top]:
        code = linecache.getline(filename, line).strip()
        rows.append({"where": f"{_short(filename)}:{line}", "code": code, "seconds": sec,
                     "share": sec / total, "hits": timer.hits[(filename, line)]})
    by_function: defaultdict[str, float] = defaultdict(float)
    for (filename, line), sec in timer.seconds.items():
        by_function[_function_of(filename, line)] += sec
    functions = [
        {"function": name, "seconds": sec, "share": sec / total}
        for name, sec in sorted(by_function.items(), key=lambda kv: -kv[1])[:top]
    ]
    return {"runs": runs, "wall_seconds": wall, "traced_seconds": total, "top": rows,
            "functions": functions}


def _function_of(filename: str, line: int) -> str:
    """``sim/zone.py::zones``: the innermost top-level or class-level def above ``line``."""
    name = "<module>"
    for k in range(line, 0, -1):
        text = linecache.getline(filename, k)
        stripped = text.lstrip()
        if stripped.startswith("def ") and len(text) - len(stripped) <= 4:
            name = stripped[4:].split("(", 1)[0]
            break
    return f"{_short(filename)}::{name}"


def main(argv: list[str] | None = None) -> None:
    """Print both profiles."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "abu_dhabi_2026.yaml")
    ap.add_argument("--runs", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=20260204)
    ap.add_argument("--top", type=int, default=15)
    a = ap.parse_args(argv)
    s = load_scenario(a.scenario).scenario
    fp = function_profile(s, a.runs, a.seed, a.top)
    print(f"cProfile, simulate({a.scenario.name}, {a.runs}): {fp['wall_seconds']:.2f} s")
    for r in fp["top"]:
        print(f"  {r['own_share']:6.1%} own {r['own_seconds']:7.3f} s"
              f"  cum {r['cumulative_share']:6.1%}"
              f"  {r['function']}  ({r['where']}, {r['calls']} calls)")
    lp = line_profile(s, a.runs, a.seed, a.top)
    print(f"\nlines of sim/ (own time), traced run {lp['wall_seconds']:.2f} s")
    for r in lp["top"]:
        print(f"  {r['share']:6.1%} {r['seconds']:7.3f} s  {r['where']}: {r['code']}")
    print("\nby function (own time of its lines)")
    for r in lp["functions"]:
        print(f"  {r['share']:6.1%} {r['seconds']:7.3f} s  {r['function']}")


if __name__ == "__main__":
    main()
