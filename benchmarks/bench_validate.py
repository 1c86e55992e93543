"""How long validation takes on a large generated scenario (1,000 parties, 200 issues).

    python benchmarks/bench_validate.py [--parties 1000] [--issues 200] [--stakes 20]

Each party holds a stake in ``--stakes`` issues (every issue gets stakeholders). The file is
written as YAML and loaded through the whole pipeline (safe YAML, types, semantics).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from sim.loading import load_scenario


def generate(parties: int, issues: int, stakes: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = ["title: Large generated scenario", "rounds: 24", "issues:"]
    for i in range(issues):
        lines.append(f"  i{i}: {{label: Issue {i}, scale: [0, 100]}}")
    lines.append("parties:")
    for p in range(parties):
        lines += [f"  p{p}:", f"    name: Party {p}", "    stakes:"]
        chosen = {p % issues} | set(rng.sample(range(issues), stakes - 1))
        for i in sorted(chosen):
            ideal = rng.uniform(0, 100)
            red = rng.uniform(0, 100)
            lines.append(f"      i{i}: {{ideal: {ideal:.2f}, red_line: {red:.2f}, "
                         f"limit: {100 if red >= ideal else 0}}}")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parties", type=int, default=1000)
    ap.add_argument("--issues", type=int, default=200)
    ap.add_argument("--stakes", type=int, default=20)
    a = ap.parse_args()
    text = generate(a.parties, a.issues, a.stakes)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.yaml"
        path.write_text(text)
        t0 = time.perf_counter()
        s = load_scenario(path).scenario
        dt = time.perf_counter() - t0
    n = sum(len(p.stakes) for p in s.parties.values())
    print(f"{len(s.parties)} parties, {len(s.issues)} issues, {n:,} stakes, "
          f"{len(text) / 2**20:.1f} MiB of YAML: validated in {dt:.2f} s")


if __name__ == "__main__":
    main()
