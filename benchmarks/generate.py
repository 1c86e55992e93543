"""Generated scenarios of any size, for the scaling benchmarks.

    python benchmarks/generate.py --parties 10 --issues 20 --rounds 50 > big.yaml

:func:`generate` writes a valid scenario file (as YAML text) with P parties, I issues and T
rounds, a few pressures (one with a direct effect) and a small leverage graph over the
parties and two outside actors. Every issue has every party as a stakeholder; about one issue
in four is ordinal; issue 1 requires issue 0. Parties alternate sides: even ones want the low
end of each scale, odd ones the high end, and their red lines (triangular draws) reach past
the middle, so zones are open in most runs but close in some. Red lines are soft (they give
under strain) on about half the stakes. :func:`generated_scenario` also validates the text
through the whole loader (``sim.loading.load_scenario_text``).
"""

from __future__ import annotations

import argparse
import random
import sys

from sim.loading import load_scenario_text
from sim.scenario import Scenario

#: Levels of a generated ordinal issue.
ORDINAL_LEVELS = 5
#: Outside actors in the leverage graph.
ACTORS = 2


def _num(x: float) -> str:
    return f"{x:.4g}"


def generate(
    parties: int = 3,
    issues: int = 6,
    rounds: int = 24,
    *,
    pressures: int = 4,
    seed: int = 1,
) -> str:
    """A valid scenario file with ``parties`` parties, ``issues`` issues and ``rounds`` rounds.

    The same arguments always give the same text. ``parties`` >= 2, ``issues`` >= 1,
    ``rounds`` >= 1, ``pressures`` >= 1.
    """
    if parties < 2 or issues < 1 or rounds < 1 or pressures < 1:
        raise ValueError("need parties >= 2, issues >= 1, rounds >= 1, pressures >= 1")
    rng = random.Random(seed)
    pid = [f"p{k:02d}" for k in range(parties)]
    iid = [f"i{k:02d}" for k in range(issues)]
    aid = [f"a{k}" for k in range(ACTORS)]
    lines = [
        f"title: Generated scenario ({parties} parties, {issues} issues, {rounds} rounds)",
        f"rounds: {rounds}",
        f"seed: {seed}",
        "issues:",
    ]
    ordinal = [k % 4 == 3 for k in range(issues)]
    width = [float(ORDINAL_LEVELS - 1) if o else 100.0 for o in ordinal]
    for k, i in enumerate(iid):
        extra = ", requires: [i00]" if k == 1 else ""
        if ordinal[k]:
            levels = ", ".join(f"level {n}" for n in range(ORDINAL_LEVELS))
            lines.append(f"  {i}: {{label: Issue {k}, levels: [{levels}]{extra}}}")
        else:
            lines.append(f"  {i}: {{label: Issue {k}, unit: points, scale: [0, 100]{extra}}}")
    lines.append("parties:")
    for a, p in enumerate(pid):
        beta = rng.choice([0.3, 0.5, 1.0, 2.0])
        lines += [
            f"  {p}:",
            f"    name: Party {a}",
            f"    capability: {_num(rng.uniform(0.5, 2.0))}",
            "    decay: 0.5",
            f"    tactic: {{name: time, beta: {beta}, kappa: 0.05}}",
            "    stakes:",
        ]
        low_side = a % 2 == 0
        for k, i in enumerate(iid):
            w = width[k]
            ideal = rng.uniform(0.0, 0.2) * w
            mode = rng.uniform(0.5, 0.7) * w
            spread = 0.15 * w
            if not low_side:  # mirror: ideal near the top, red line reaching down past the middle
                ideal, mode = w - ideal, w - mode
            lo, hi = mode - spread, mode + spread
            red = f"{{dist: triangular, low: {_num(lo)}, mode: {_num(mode)}, high: {_num(hi)}}}"
            soft = rng.random() < 0.5
            tail = (
                f", elasticity: {_num(0.1 * w)}" if soft else ", hard: true"
            )
            lines.append(
                f"      {i}: {{ideal: {_num(ideal)}, red_line: {red}, "
                f"salience: {_num(rng.uniform(0.5, 3.0))}{tail}}}"
            )
    lines.append("actors:")
    for k, a_ in enumerate(aid):
        lines.append(f"  {a_}: {{name: Actor {k}}}")
    # A small leverage graph: each actor presses two parties; two parties press each other.
    lines.append("leverage:")
    lines.append(f"  {aid[0]}: {{{pid[0]}: 0.5, {pid[-1]}: 0.3}}")
    lines.append(f"  {aid[1]}: {{{pid[1]}: {{dist: uniform, low: 0.2, high: 0.6}}, "
                 f"{pid[0]}: -0.2}}")
    lines.append(f"  {pid[0]}: {{{pid[1]}: 0.2}}")
    lines.append(f"  {pid[1]}: {{{pid[0]}: 0.1}}")
    lines.append("pressures:")
    targets = aid + pid
    for k in range(pressures):
        target = targets[k % len(targets)]
        start = min(rounds, 1 + k * max(1, rounds // (pressures + 1)))
        lines += [
            f"  e{k}:",
            f"    kind: {['tariff', 'sanctions', 'battlefield', 'diplomatic'][k % 4]}",
            f"    target: {target}",
            f"    start: {start}",
            f"    probability: {_num(rng.uniform(0.3, 0.9))}",
            "    magnitude: {dist: triangular, low: 0.1, mode: 0.3, high: 0.5}",
        ]
        if k == 0:  # a direct effect: a fact on the ground moving one party's stake
            lines += [
                "    effects:",
                f"      - {{party: {pid[0]}, issue: {iid[0]}, shift: 10}}",
            ]
    return "\n".join(lines) + "\n"


def generated_scenario(
    parties: int = 3, issues: int = 6, rounds: int = 24, *, pressures: int = 4, seed: int = 1
) -> Scenario:
    """:func:`generate`'s scenario, validated through the loader (raises if it is invalid)."""
    text = generate(parties, issues, rounds, pressures=pressures, seed=seed)
    return load_scenario_text(text, f"<generated P={parties} I={issues} T={rounds}>").scenario


def main(argv: list[str] | None = None) -> None:
    """Print a generated scenario file (validated first)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parties", type=int, default=3)
    ap.add_argument("--issues", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=24)
    ap.add_argument("--pressures", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    text = generate(a.parties, a.issues, a.rounds, pressures=a.pressures, seed=a.seed)
    load_scenario_text(text, "<generated>")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
