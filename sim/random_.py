"""Random numbers that depend only on (seed, run index, field identity): MODEL.md's common
random numbers.

Each field (``parties.russia.stakes.territory.red_line``) gets its own key, derived from the
seed and the field's path with :class:`numpy.random.SeedSequence` (the field's spawn key is
a hash of its path). Run ``k`` of that field reads a counter-based stream at position ``k``:
two rounds of the SplitMix64 finaliser over (key, k). So a draw never depends on the batch
size, the worker count, or the other fields, and a what-if that shares a field with its base
shares its draws too; all of it is vectorised over runs. Each field uses exactly one uniform
per run, turned into its distribution by the inverse CDF, which also keeps the draws of a
shifted distribution monotone in the shift.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy.special import betaincinv, ndtri

from .distributions import AnyParam, Beta, Choice, Fixed, Normal, Triangular, Uniform

U64 = np.uint64
_GOLDEN = U64(0x9E3779B97F4A7C15)
_M1 = U64(0xBF58476D1CE4E5B9)
_M2 = U64(0x94D049BB133111EB)


def normalise_seed(seed: int | None) -> int:
    """Any seed to a non-negative int; None draws fresh entropy (and the caller records it)."""
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0]) % 2**63
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"a seed is a non-negative whole number, not {seed!r}")
    return int(seed)


@lru_cache(maxsize=65536)
def field_key(seed: int, path: str) -> tuple[int, int]:
    """Two 64-bit words keying the stream of one field under one seed."""
    digest = hashlib.sha256(path.encode()).digest()
    spawn = tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
    words = np.random.SeedSequence(seed, spawn_key=spawn).generate_state(2, np.uint64)
    return int(words[0]), int(words[1])


def _mix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    x = (x ^ (x >> U64(30))) * _M1
    x = (x ^ (x >> U64(27))) * _M2
    return x ^ (x >> U64(31))


def uniforms(seed: int, path: str, runs: NDArray[np.int64]) -> NDArray[np.float64]:
    """One uniform in (0, 1) per run index for the field ``path``."""
    k0, k1 = field_key(seed, path)
    with np.errstate(over="ignore"):
        x = _mix(runs.astype(np.uint64) * _GOLDEN + U64(k0))
        x = _mix(x ^ U64(k1))
    return ((x >> U64(11)).astype(np.float64) + 0.5) * 2.0**-53


def draw(p: AnyParam, seed: int, path: str, runs: NDArray[np.int64]) -> NDArray[np.float64]:
    """Draw ``p`` for each run (a fixed value is broadcast without using randomness)."""
    if isinstance(p, Fixed):
        return np.full(runs.shape, p.value)
    u = uniforms(seed, path, runs)
    if isinstance(p, Normal):
        return np.asarray(p.mean_ + p.sd * ndtri(u), dtype=np.float64)
    if isinstance(p, Uniform):
        return p.low + (p.high - p.low) * u
    if isinstance(p, Triangular):
        span = p.high - p.low
        c = (p.mode - p.low) / span
        left = p.low + np.sqrt(u * span * (p.mode - p.low))
        right = p.high - np.sqrt((1 - u) * span * (p.high - p.mode))
        return np.asarray(np.where(u < c, left, right), dtype=np.float64)
    if isinstance(p, Beta):
        return np.asarray(p.low + (p.high - p.low) * betaincinv(p.a, p.b, u), dtype=np.float64)
    if isinstance(p, Choice):
        cum = np.cumsum(p.probabilities())
        idx = np.minimum(np.searchsorted(cum, u * cum[-1], side="right"), len(p.values) - 1)
        values: NDArray[np.float64] = np.asarray(p.values, dtype=np.float64)[idx]
        return values
    raise TypeError(f"not a parameter: {p!r}")
