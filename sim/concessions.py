"""What would it take: the smallest move of red lines that opens a closed issue-zone.

A party's acceptable set runs from its ideal to its red line; only the red-line end can move,
away from the ideal, up to the stake's limit if the red line is soft and not at all if it is
hard. A closed zone opens at a point x when every set reaches x. The cost of x is the total
distance the red lines must move to reach it; it is convex and piecewise linear in x, so its
minimum over the feasible points lies at one of the sets' ends, ideals or limits, and those are
the only candidates evaluated. If no feasible point exists, the hard red lines in the way are
named (or, when even moving every red line to the end of the scale would not do, the ideals
that cross).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .engine import Negotiation, RoundReport
from .scenario import Scenario


@dataclass(frozen=True)
class Move:
    """One red line that must move: by how much (scale units and share of the scale)."""

    party: str
    distance: float
    share: float
    hard: bool


@dataclass(frozen=True)
class Concession:
    """The minimal concession that opens one issue's zone at a round (at the means)."""

    issue: str
    round: int
    opens: bool  # False: no move of soft red lines can open it
    point: float | None = None  # where the zone would open
    total: float = 0.0  # sum of the moves, in scale units
    total_share: float = 0.0  # the same as a share of the scale
    moves: tuple[Move, ...] = ()
    hard_in_the_way: tuple[str, ...] = ()  # hard red lines that would have to move
    crossing_ideals: tuple[str, ...] = ()  # parties whose ideals alone rule a zone out
    note: str = ""
    blockers: tuple[str, ...] = field(default=())


def minimal_concessions(s: Scenario, round_: int | None = None) -> list[Concession]:
    """For each issue whose zone is closed at ``round_`` (default: the deadline) in the
    scenario at its means, the smallest total move of red lines that opens it."""
    t = round_ or s.rounds
    neg = Negotiation(s, at_means=True)
    report = neg.step()
    while report.t < t:
        report = neg.step()
    return [c for i in s.issues if (c := _issue(s, report, i)) is not None]


def _issue(s: Scenario, r: RoundReport, issue: str) -> Concession | None:
    st = r.structure
    b = st.issue_index(issue)
    if r.zones.open[0, b]:
        return None
    held = [a for a in range(st.P) if st.stakes[a, b]]
    names = [st.parties[a] for a in held]
    ideal = np.array([r.ideal[0, a, b] for a in held])
    red = np.array([r.red_line[0, a, b] for a in held])
    limit = np.array([r.limit[0, a, b] for a in held])
    up = np.array([st.direction[a, b] > 0 for a in held])
    hard = np.array([bool(st.hard[a, b]) for a in held])
    lo_i, hi_i, eps = float(st.lo[b]), float(st.hi[b]), float(st.eps[b])
    width = hi_i - lo_i
    blockers = tuple(st.parties[a] for a in held if r.blockers[0, a, b])

    def feasible_range(cap: np.ndarray) -> tuple[float, float]:
        """Points every set can reach when each red line may move up to ``cap``."""
        lows = np.where(up, ideal, cap)
        highs = np.where(up, cap, ideal)
        return float(lows.max()), float(highs.min())

    cap = np.where(hard, red, limit)
    lo, hi = feasible_range(cap)
    ordinal = bool(st.ordinal[b])
    if ordinal:
        lo, hi = float(np.ceil(lo - eps)), float(np.floor(hi + eps))
    if lo > hi + eps:
        # Which hard red lines are in the way: relax them to their limits and look again.
        relaxed = feasible_range(limit)
        crossing: tuple[str, ...] = ()
        if relaxed[0] > relaxed[1] + eps:
            ideal_lo = np.where(up, ideal, lo_i).max()
            ideal_hi = np.where(up, hi_i, ideal).min()
            crossing = tuple(n for n, x, u in zip(names, ideal, up, strict=True)
                             if (u and x >= ideal_hi) or (not u and x <= ideal_lo)) \
                if ideal_lo > ideal_hi + eps else ()
            note = ("the ideals themselves cross: no move of red lines can open it"
                    if crossing else "even every limit reached would not open it")
            hard_names: tuple[str, ...] = ()
        else:
            hard_names = tuple(n for n, h in zip(names, hard, strict=True)
                               if h and n in blockers)
            note = "only hard red lines could open it"
        return Concession(issue, r.t, False, hard_in_the_way=hard_names,
                          crossing_ideals=crossing, note=note, blockers=blockers)
    x = _best_point(ideal, red, up, lo, hi, ordinal, eps)
    dist = np.maximum(np.where(up, x - red, red - x), 0.0)
    moves = tuple(Move(n, float(d), float(d / width), bool(h))
                  for n, d, h in zip(names, dist, hard, strict=True) if d > eps)
    return Concession(issue, r.t, True, point=x, total=float(dist.sum()),
                      total_share=float(dist.sum() / width), moves=moves, blockers=blockers)


def _best_point(ideal: np.ndarray, red: np.ndarray, up: np.ndarray, lo: float, hi: float,
                ordinal: bool, eps: float) -> float:
    """The feasible point with the least total move. The cost is convex, so its minimisers
    form an interval; its midpoint (a level, on an ordinal issue) splits the moves fairly."""
    if ordinal:
        candidates = np.arange(lo, hi + 0.5)
    else:
        candidates = np.unique(np.clip(np.concatenate([ideal, red, [lo, hi]]), lo, hi))
    cost = np.maximum(np.where(up[:, None], candidates[None] - red[:, None],
                               red[:, None] - candidates[None]), 0.0).sum(axis=0)
    best = candidates[cost <= cost.min() + eps]
    mid = 0.5 * (best[0] + best[-1])
    return float(np.floor(mid + eps) if ordinal else mid)


def format_concessions(s: Scenario, rows: list[Concession]) -> str:
    """The minimal concessions as text, one block per closed issue."""
    if not rows:
        return "Every zone is open at that round: nothing needs to move."
    out = []
    for c in rows:
        issue = s.issues[c.issue]
        unit = f" {issue.unit}" if issue.unit else ""
        head = f"{c.issue} ({issue.label}), closed at {s.round_label(c.round)}"
        if c.blockers:
            head += f"; blocked by {', '.join(c.blockers)}"
        out.append(head)
        if c.opens:
            assert c.point is not None
            out.append(f"  opens at {issue.describe(c.point)} with {c.total:g}{unit} of "
                       f"red-line moves ({c.total_share:.1%} of the scale):")
            for m in c.moves:
                out.append(f"    {m.party} moves its red line {m.distance:g}{unit} "
                           f"({m.share:.1%} of the scale)")
        else:
            out.append(f"  cannot open by soft red lines: {c.note}")
            if c.hard_in_the_way:
                out.append(f"    hard red lines in the way: {', '.join(c.hard_in_the_way)}")
            if c.crossing_ideals:
                out.append(f"    ideals that cross: {', '.join(c.crossing_ideals)}")
        out.append("")
    return "\n".join(out).rstrip()
