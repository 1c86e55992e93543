"""Reductions whose result depends only on the values, never on their order or the batch size.

Sums over parties, issues, events or nodes are taken in sorted order of the terms, so that
reordering or renaming the scenario's entities changes no bit of the result (MODEL.md
invariant 6), and each run's row is reduced on its own, so the batch size changes nothing
(invariant 8). Sorting keeps sums monotone: raising one term raises every order statistic.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def canonical_sum(a: Array, axis: int) -> Array:
    """Sum along ``axis`` in ascending order of the terms, one term at a time.

    Up to two terms need no sorting: a + b is exactly b + a.
    """
    if a.shape[axis] <= 2:
        return np.asarray(a.sum(axis=axis), dtype=np.float64)
    terms = np.sort(np.moveaxis(a, axis, -1), axis=-1)
    if terms.shape[-1] == 0:
        return np.zeros(terms.shape[:-1])
    acc = terms[..., 0].copy()
    for k in range(1, terms.shape[-1]):
        acc += terms[..., k]
    return acc


def ordered_matmul(a: Array, b: Array) -> Array:
    """Batched ``a @ b`` over the last two axes with canonical inner sums (no BLAS).

    BLAS may pick kernels by shape, so a batch of 7 and a batch of 1,000 could differ in the
    last bit; this never does.
    """
    prod = a[..., :, :, None] * b[..., None, :, :]  # (..., n, k, m)
    return canonical_sum(prod, axis=-2)
