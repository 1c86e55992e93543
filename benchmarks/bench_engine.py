"""Throughput and peak memory of the engine on a shipped scenario.

    python benchmarks/bench_engine.py [--scenario FILE] [--runs 1000,10000,100000] [--out FILE]

Each size runs in a fresh subprocess, so its peak resident memory (ru_maxrss) is its own.
Figures go to stdout as a Markdown table and, with --out, to a JSON file. Timings are
measured here, never in the unit tests.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
from sim.loading import load_scenario
from sim.montecarlo import simulate
s = load_scenario(sys.argv[1]).scenario
runs = int(sys.argv[2])
simulate(s, 200, seed=1)  # warm-up: imports, caches
t0 = time.perf_counter()
out = simulate(s, runs, seed=20260204)
dt = time.perf_counter() - t0
print(json.dumps({"runs": runs, "seconds": dt, "runs_per_second": runs / dt,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "p_deal": int(out.aggregate.deal[-1]) / runs}))
"""


def measure(scenario: Path, runs: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(scenario), str(runs)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "abu_dhabi_2026.yaml")
    ap.add_argument("--runs", default="1000,10000,100000")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    sizes = [int(x) for x in args.runs.split(",")]
    name = args.scenario.resolve()
    label = str(name.relative_to(ROOT)) if name.is_relative_to(ROOT) else name.name
    rows = []
    t0 = time.time()
    for n in sizes:
        row = measure(args.scenario, n)
        rows.append(row)
        print(f"{n:>9,} runs: {row['seconds']:8.2f} s  {row['runs_per_second']:>10,.0f} runs/s"
              f"  peak {row['peak_rss_mib']:7.1f} MiB", file=sys.stderr)
    print(f"\nScenario: `{label}`; machine: {platform.machine()}, "
          f"Python {platform.python_version()}; one worker.\n")
    print("| runs | seconds | runs per second | peak memory (MiB) |")
    print("| ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['runs']:,} | {r['seconds']:.2f} | {r['runs_per_second']:,.0f} | "
              f"{r['peak_rss_mib']:.0f} |")
    if args.out:
        args.out.write_text(json.dumps({"scenario": label,
                                        "python": platform.python_version(), "rows": rows,
                                        "wall_seconds": time.time() - t0}, indent=2) + "\n")


if __name__ == "__main__":
    main()
