"""Monte Carlo results: streaming aggregates over runs, and their tables.

Aggregates are integer counts and fixed-bin histograms, so merging batches (in any grouping,
from any worker) gives the same numbers to the bit: the batch size and the worker count never
change an output. Quantiles are read off the histograms (settlement values in 1,000 bins of
each issue's scale, zone bounds in 100, gaps in 20, strain in log-spaced bins). Each bin also
keeps the smallest and largest value that fell in it (minimum and maximum are exact and
order-free too), and a quantile is interpolated between those, so a value that every run
shares comes out exactly.
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
SCALE_BINS = 1000  # settlement values
ZONE_BINS = 100  # zone bounds, per round
GAP_BINS = 20
# Strain has no natural scale: log-spaced bins over 12 decades, bin 0 for (near) zero.
STRAIN_EDGES = np.concatenate([[0.0], np.logspace(-6, 6, 121)])


@dataclass
class Hist:
    """Fixed-bin counts over a leading shape, with each bin's smallest and largest value."""

    counts: I64
    vmin: F64
    vmax: F64

    @classmethod
    def zeros(cls, shape: tuple[int, ...]) -> Hist:
        return cls(np.zeros(shape, np.int64), np.full(shape, np.inf), np.full(shape, -np.inf))

    def add(self, flat_index: I64, values: F64, at: int | None = None) -> None:
        """Count ``values`` into bins given as indices into the flattened histogram, or into
        the flattened slice ``[at]`` of it (one round of a per-round histogram)."""
        counts, vmin, vmax = ((self.counts, self.vmin, self.vmax) if at is None else
                              (self.counts[at], self.vmin[at], self.vmax[at]))
        counts += np.bincount(flat_index, minlength=counts.size).reshape(counts.shape)
        np.minimum.at(vmin.reshape(-1), flat_index, values)
        np.maximum.at(vmax.reshape(-1), flat_index, values)

    def merge(self, other: Hist) -> None:
        self.counts += other.counts
        np.minimum(self.vmin, other.vmin, out=self.vmin)
        np.maximum(self.vmax, other.vmax, out=self.vmax)

    def quantiles(self, index: tuple[int, ...], qs: tuple[float, ...] = QUANTILES
                  ) -> list[float]:
        """Quantiles of the histogram at ``index`` (NaN when it is empty)."""
        counts, lo, hi = self.counts[index], self.vmin[index], self.vmax[index]
        total = int(counts.sum())
        if total == 0:
            return [float("nan")] * len(qs)
        cum = np.cumsum(counts)
        out = []
        for q in qs:
            target = q * total
            k = min(int(np.searchsorted(cum, target, side="left")), len(counts) - 1)
            while counts[k] == 0:  # q = 0 lands before the first filled bin
                k += 1
            before = cum[k - 1] if k > 0 else 0
            frac = min(max((target - before) / counts[k], 0.0), 1.0)
            out.append(float(lo[k] + frac * (hi[k] - lo[k])))
        return out


def _scale_index(st: Structure, x: F64, nbins: int) -> I64:
    """(R, I) values on each issue's scale -> flat indices ``issue * nbins + bin``."""
    frac = (x - st.lo) / (st.hi - st.lo)
    b = np.clip(np.floor(frac * nbins).astype(np.int64), 0, nbins - 1)
    return b + np.arange(st.I) * nbins


@dataclass
class Aggregate:
    """Counts and histograms per round, party and issue; exactly mergeable."""

    T: int
    P: int
    I: int  # noqa: E741
    runs: int = 0
    open: I64 = field(init=False)  # (T, I) runs with the zone open
    settled: I64 = field(init=False)  # (T, I) runs with the issue settled by t
    deal: I64 = field(init=False)  # (T,) runs with a deal by t
    blockers: I64 = field(init=False)  # (T, P, I) runs in which p blocks i
    zone_lo: Hist = field(init=False)  # (T, I, ZONE_BINS) of open zones
    zone_hi: Hist = field(init=False)
    value: Hist = field(init=False)  # (I, SCALE_BINS) settlement values at the deadline
    strain: Hist = field(init=False)  # (T, P, STRAIN_BINS)
    gap: Hist = field(init=False)  # (T, P, I, GAP_BINS)

    def __post_init__(self) -> None:
        T, P, I = self.T, self.P, self.I
        self.open = np.zeros((T, I), np.int64)
        self.settled = np.zeros((T, I), np.int64)
        self.deal = np.zeros(T, np.int64)
        self.blockers = np.zeros((T, P, I), np.int64)
        self.zone_lo = Hist.zeros((T, I, ZONE_BINS))
        self.zone_hi = Hist.zeros((T, I, ZONE_BINS))
        self.value = Hist.zeros((I, SCALE_BINS))
        self.strain = Hist.zeros((T, P, len(STRAIN_EDGES)))
        self.gap = Hist.zeros((T, P, I, GAP_BINS))

    @classmethod
    def for_structure(cls, st: Structure) -> Aggregate:
        return cls(T=st.T, P=st.P, I=st.I)

    def add_round(self, r: RoundReport) -> None:
        """Count one round of a batch."""
        st, k = r.structure, r.t - 1
        self.open[k] += r.zones.open.sum(axis=0)
        self.settled[k] += r.settled.sum(axis=0)
        self.deal[k] += int(r.deal.sum())
        self.blockers[k] += r.blockers.sum(axis=0)
        is_open = r.zones.open
        zone_hi = np.maximum(r.zones.lo, r.zones.hi)
        _add(self.zone_lo, k, _scale_index(st, r.zones.lo, ZONE_BINS)[is_open],
             r.zones.lo[is_open])
        _add(self.zone_hi, k, _scale_index(st, zone_hi, ZONE_BINS)[is_open], zone_hi[is_open])
        nb = len(STRAIN_EDGES)
        s_idx = np.clip(np.searchsorted(STRAIN_EDGES, r.strain, side="right") - 1, 0, nb - 1)
        _add(self.strain, k, (s_idx + np.arange(st.P) * nb).ravel(), r.strain.ravel())
        frac = r.gaps / (st.hi - st.lo)[None, None]
        g_idx = np.clip(np.floor(frac * GAP_BINS).astype(np.int64), 0, GAP_BINS - 1)
        g_idx = g_idx + np.arange(st.P * st.I).reshape(st.P, st.I) * GAP_BINS
        held = np.broadcast_to(st.stakes[None], g_idx.shape)
        _add(self.gap, k, g_idx[held], r.gaps[held])
        if r.t == st.T:
            self.runs += r.settled.shape[0]
            done = r.settled
            self.value.add(_scale_index(st, np.where(done, r.value, st.lo), SCALE_BINS)[done],
                           r.value[done])

    def merge(self, other: Aggregate) -> None:
        """Add another batch's counts (integer sums, minima, maxima: exact and order-free)."""
        for name in ("open", "settled", "deal", "blockers"):
            getattr(self, name).__iadd__(getattr(other, name))
        for name in ("zone_lo", "zone_hi", "value", "strain", "gap"):
            getattr(self, name).merge(getattr(other, name))
        self.runs += other.runs


def _add(h: Hist, k: int, flat: I64, values: F64) -> None:
    """Count into round ``k`` of a per-round histogram (only that round's slice is touched)."""
    h.add(flat, values, at=k)
