"""Monte Carlo results: streaming aggregates over runs, and their tables.

Aggregates are integer counts and fixed-bin histograms, so merging batches (in any grouping,
from any worker) gives the same numbers to the bit: the batch size and the worker count never
change an output. Quantiles are read off the histograms (1,000 bins on each issue's scale;
levels on an ordinal issue), which bounds their resolution at 0.1% of the scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .arrays import Structure
from .engine import RoundReport

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SCALE_BINS = 1000
GAP_BINS = 100
# Strain has no natural scale: log-spaced bins over 12 decades, bin 0 for (near) zero.
STRAIN_EDGES = np.concatenate([[0.0], np.logspace(-6, 6, 481)])


def _bins(st: Structure) -> I64:
    return np.where(st.ordinal, (st.hi - st.lo).astype(np.int64) + 1, SCALE_BINS)


def _scale_index(st: Structure, x: F64, nbins: int) -> I64:
    """(R, I) values -> flat histogram indices issue * nbins + bin."""
    width = st.hi - st.lo
    levels = _bins(st)
    frac = (x - st.lo) / width
    b = np.floor(frac * levels).astype(np.int64)
    b = np.where(st.ordinal, np.rint(x - st.lo).astype(np.int64), b)
    b = np.clip(b, 0, levels - 1)
    return b + np.arange(st.I) * nbins  # type: ignore[no-any-return]


@dataclass
class Aggregate:
    """Counts and histograms per round, party and issue; exactly mergeable."""

    T: int
    P: int
    I: int  # noqa: E741
    runs: int = 0
    open: I64 = field(init=False)
    settled: I64 = field(init=False)
    deal: I64 = field(init=False)
    blockers: I64 = field(init=False)
    zone_lo: I64 = field(init=False)
    zone_hi: I64 = field(init=False)
    value: I64 = field(init=False)
    strain: I64 = field(init=False)
    gap: I64 = field(init=False)

    def __post_init__(self) -> None:
        T, P, I = self.T, self.P, self.I
        self.open = np.zeros((T, I), np.int64)
        self.settled = np.zeros((T, I), np.int64)
        self.deal = np.zeros(T, np.int64)
        self.blockers = np.zeros((T, P, I), np.int64)
        self.zone_lo = np.zeros((T, I, SCALE_BINS), np.int64)
        self.zone_hi = np.zeros((T, I, SCALE_BINS), np.int64)
        self.value = np.zeros((I, SCALE_BINS), np.int64)
        self.strain = np.zeros((T, P, len(STRAIN_EDGES)), np.int64)
        self.gap = np.zeros((T, P, I, GAP_BINS), np.int64)

    @classmethod
    def for_structure(cls, st: Structure) -> Aggregate:
        return cls(T=st.T, P=st.P, I=st.I)

    def add_round(self, r: RoundReport) -> None:
        """Count one round of a batch."""
        st, k = r.structure, r.t - 1
        n = SCALE_BINS
        self.open[k] += r.zones.open.sum(axis=0)
        self.settled[k] += r.settled.sum(axis=0)
        self.deal[k] += int(r.deal.sum())
        self.blockers[k] += r.blockers.sum(axis=0)
        is_open = r.zones.open
        lo_idx = _scale_index(st, r.zones.lo, n)[is_open]
        hi_idx = _scale_index(st, np.maximum(r.zones.lo, r.zones.hi), n)[is_open]
        self.zone_lo[k] += np.bincount(lo_idx, minlength=st.I * n).reshape(st.I, n)
        self.zone_hi[k] += np.bincount(hi_idx, minlength=st.I * n).reshape(st.I, n)
        s_idx = np.searchsorted(STRAIN_EDGES, r.strain, side="right") - 1
        s_flat = (s_idx + np.arange(st.P) * len(STRAIN_EDGES)).ravel()
        self.strain[k] += np.bincount(s_flat, minlength=st.P * len(STRAIN_EDGES)).reshape(
            st.P, len(STRAIN_EDGES))
        frac = r.gaps / (st.hi - st.lo)[None, None]
        g_idx = np.clip(np.floor(frac * GAP_BINS).astype(np.int64), 0, GAP_BINS - 1)
        g_flat = (g_idx + np.arange(st.P * st.I).reshape(st.P, st.I) * GAP_BINS)[
            np.broadcast_to(st.stakes[None], g_idx.shape)]
        self.gap[k] += np.bincount(g_flat, minlength=st.P * st.I * GAP_BINS).reshape(
            st.P, st.I, GAP_BINS)
        if r.t == st.T:
            self.runs += r.settled.shape[0]
            done = r.settled
            v_idx = _scale_index(st, np.where(done, r.value, st.lo), n)[done]
            self.value += np.bincount(v_idx, minlength=st.I * n).reshape(st.I, n)

    def merge(self, other: Aggregate) -> None:
        """Add another batch's counts (integer sums: exact and order-free)."""
        for name in ("open", "settled", "deal", "blockers", "zone_lo", "zone_hi", "value",
                     "strain", "gap"):
            getattr(self, name).__iadd__(getattr(other, name))
        self.runs += other.runs


def hist_quantiles(counts: I64, lo: float, hi: float, qs: tuple[float, ...] = QUANTILES,
                   ordinal: bool = False) -> list[float]:
    """Quantiles read off a fixed-bin histogram over [lo, hi] (NaN when it is empty)."""
    total = int(counts.sum())
    if total == 0:
        return [float("nan")] * len(qs)
    cum = np.cumsum(counts)
    out = []
    nb = len(counts)
    for q in qs:
        target = q * total
        k = int(np.searchsorted(cum, target, side="left"))
        k = min(k, nb - 1)
        if ordinal:
            out.append(lo + k)
            continue
        before = cum[k - 1] if k > 0 else 0
        frac = (target - before) / counts[k] if counts[k] else 0.0
        out.append(lo + (hi - lo) * (k + frac) / nb)
    return out


def strain_quantiles(counts: I64, qs: tuple[float, ...] = QUANTILES) -> list[float]:
    """Quantiles of strain from its log-binned histogram (bin 0 counts as 0)."""
    total = int(counts.sum())
    cum = np.cumsum(counts)
    out = []
    for q in qs:
        k = int(np.searchsorted(cum, q * total, side="left"))
        if k == 0 or k >= len(STRAIN_EDGES) - 1:
            out.append(0.0 if k == 0 else float(STRAIN_EDGES[-1]))
            continue
        before = cum[k - 1]
        frac = (q * total - before) / counts[k] if counts[k] else 0.0
        a, b = np.log(STRAIN_EDGES[k]), np.log(STRAIN_EDGES[k + 1])
        out.append(float(np.exp(a + frac * (b - a))))
    return out
