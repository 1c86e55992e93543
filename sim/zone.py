"""Issue-zones: where every stakeholder's acceptable set meets, who blocks it, how far each
party is from the crowd, and the Nash bargaining point within it. All vectorised over runs.

Arrays are (R, P, I) for per-party quantities and (R, I) per issue; a party without a stake
in an issue is masked out by ``stakes`` (P, I).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .numerics import canonical_sum

F64 = NDArray[np.float64]
B = NDArray[np.bool_]


@dataclass(frozen=True)
class Zones:
    """The issue-zones of one round for a batch of runs."""

    lo: F64  # (R, I): max of the stakeholders' lower ends
    hi: F64  # (R, I): min of their upper ends
    open: B  # (R, I)

    @property
    def width(self) -> F64:
        return np.maximum(0.0, self.hi - self.lo)

    def clamp(self, x: F64) -> F64:
        """Clamp (R, P, I) or (R, I) values into the zone (a zone crossed by < eps is its lo)."""
        lo, hi = self.lo, np.maximum(self.lo, self.hi)
        if x.ndim == 3:
            lo, hi = lo[:, None, :], hi[:, None, :]
        return np.clip(x, lo, hi)


def acceptable(ideal: F64, red: F64, stakes: B) -> tuple[F64, F64]:
    """A_pi = the interval between ideal and red line; (-inf, inf) where p has no stake."""
    held = stakes[None]
    return (
        np.where(held, np.minimum(ideal, red), -np.inf),
        np.where(held, np.maximum(ideal, red), np.inf),
    )


def snap_levels(a_lo: F64, a_hi: F64, ordinal: B, eps: F64) -> tuple[F64, F64]:
    """On ordinal issues a set holds only its levels: round its ends inward to levels."""
    return (
        np.where(ordinal, np.ceil(a_lo - eps), a_lo),
        np.where(ordinal, np.floor(a_hi + eps), a_hi),
    )


def zones(a_lo: F64, a_hi: F64, ordinal: B, eps: F64) -> Zones:
    """Z_i = the intersection: open iff max lo <= min hi + eps (and it holds a level)."""
    lo, hi = a_lo.max(axis=1), a_hi.min(axis=1)
    is_open = lo <= hi + eps
    holds_level = np.ceil(lo - eps) <= np.floor(hi + eps)
    return Zones(lo, hi, is_open & np.where(ordinal, holds_level, True))


def blockers_and_gaps(a_lo: F64, a_hi: F64, stakes: B, is_open: B, eps: F64
                      ) -> tuple[B, F64]:
    """MODEL.md step 5: blockers (R, P, I) and gaps (R, P, I); ``eps`` is (I,).

    Where a zone is open nobody blocks it and every gap is 0 (the intersection is covered by
    all the other sets and lies in each), so only closed (run, issue) pairs, and only each
    issue's stakeholders, are computed.
    """
    R, P, I = a_lo.shape
    blockers = np.zeros((R, P, I), bool)
    gaps = np.zeros((R, P, I))
    for i in range(I):
        held = np.flatnonzero(stakes[:, i])
        closed = np.flatnonzero(~is_open[:, i])
        if len(held) < 2 or closed.size == 0:
            continue
        # Runs last, so every array operation runs along a long contiguous axis.
        lo = a_lo[:, held, i].T[:, closed]  # (K, Rc)
        hi = a_hi[:, held, i].T[:, closed]
        if len(held) == 2 and (lo <= hi).all():
            # Two disjoint sets: both block, and each gap is the distance between them.
            apart = np.maximum(np.maximum(lo[0] - hi[1], lo[1] - hi[0]), 0.0)
            b, g = np.ones(lo.shape, bool), np.stack([apart, apart])
        else:
            b, g = _blockers_and_gaps(lo, hi, float(eps[i]))
        rows, cols = closed[None, :], held[:, None]
        blockers[rows, cols, i] = b
        gaps[rows, cols, i] = g
    return blockers, gaps


def _blockers_and_gaps(lo: F64, hi: F64, eps: float) -> tuple[B, F64]:
    """Blockers and gaps of K stakeholders' sets in Rc runs of one issue, (K, Rc) each.

    The points covered by the largest number of sets form a union of intervals whose ends
    are ends of the sets, so the sets' ends are the only candidate points needed. A blocker
    misses one of the best-covered points; a party's gap is its distance to the nearest
    point best covered by the *other* stakeholders' sets.
    """
    ends = np.concatenate([lo, hi], axis=0)  # (2K, Rc) candidate points
    # inside[p, c, r]: candidate c lies in party p's set
    inside = (lo[:, None] - eps <= ends[None]) & (ends[None] <= hi[:, None] + eps)
    cover = inside.sum(axis=0)  # (2K, Rc)
    best = cover == cover.max(axis=0)
    blockers = (best[None] & ~inside).any(axis=1)
    others = cover[None] - inside  # coverage by the other sets, (K, 2K, Rc)
    best_o = others == others.max(axis=1, keepdims=True)
    dist = np.maximum(np.maximum(lo[:, None] - ends[None], ends[None] - hi[:, None]), 0.0)
    gaps = np.where(best_o, dist, np.inf).min(axis=1)
    return blockers, gaps


def nash_point(
    ideal: F64, red: F64, capability: F64, stakes: B, z: Zones, iterations: int = 200
) -> F64:
    """The asymmetric Nash bargaining point in each open zone: maximise
    sum_p c_p log u_pi(x) over Z, u_pi(x) = 1 - |x - x*| / |r - x*|; NaN where the zone is
    closed or no party has flexibility (a zero-width zone gives its point).

    The objective is concave, so bisection on the sign of its (sub)gradient finds it.
    """
    span = np.abs(red - ideal)
    factor = stakes[None] & (span > 0)  # (R, P, I)
    c = np.where(factor, capability[:, :, None], 0.0)
    safe = np.where(factor, span, 1.0)
    lo, hi = z.lo.copy(), np.maximum(z.lo, z.hi)
    with np.errstate(over="ignore", divide="ignore"):  # u -> 0 at a red line: +-inf
        for _ in range(iterations):
            mid = 0.5 * (lo + hi)
            u = 1.0 - np.abs(mid[:, None] - ideal) / safe
            pull = -np.sign(mid[:, None] - ideal) / safe / np.maximum(u, 1e-300)
            slope = np.where(factor, pull, 0.0)
            grad = canonical_sum(c * slope, axis=1)
            up = grad > 0
            lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    x = 0.5 * (lo + hi)
    x = np.where(z.hi - z.lo <= 0, z.lo, x)
    return np.where(z.open & (factor.any(axis=1) | (z.hi - z.lo <= 0)), x, np.nan)


def setters(a_lo: F64, a_hi: F64, ideal: F64, stakes: B, z: Zones, eps: F64) -> tuple[B, B, B, B]:
    """Whose set sets each bound, and whether by its ideal: (lo_by, lo_by_ideal, hi_by,
    hi_by_ideal), each (R, P, I); ties within eps all count."""
    held = stakes[None]
    lo_by = held & (np.abs(a_lo - z.lo[:, None]) <= eps)
    hi_by = held & (np.abs(a_hi - z.hi[:, None]) <= eps)
    return (
        lo_by,
        lo_by & (np.abs(ideal - a_lo) <= eps),
        hi_by,
        hi_by & (np.abs(ideal - a_hi) <= eps),
    )


def overlaps(a_lo: F64, a_hi: F64, stakes: B, eps: F64) -> B:
    """Pairwise overlap (R, P, P, I): do the sets of p and q on issue i meet?"""
    meet = (
        np.maximum(a_lo[:, :, None], a_lo[:, None])
        <= np.minimum(a_hi[:, :, None], a_hi[:, None]) + eps
    )
    both = stakes[:, None] & stakes[None]
    return meet & both[None]
