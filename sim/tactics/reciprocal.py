"""Reciprocal (tit-for-tat) concession in proportion to the others' concessions."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from ..numerics import canonical_sum
from .base import Array, RoundContext, Tactic


class Reciprocal(Tactic):
    """F = min(1, mean of the other stakeholders' F(t-1) + 1/T + kappa x strain): it matches
    what the others conceded last round and adds one step, so two reciprocal parties concede
    together and reach their red lines by T."""

    name: ClassVar[str] = "reciprocal"
    citation: ClassVar[str] = (
        "R. Axelrod (1984), The Evolution of Cooperation; relative tit-for-tat as in Faratin, "
        "Sierra and Jennings (1998), section 4.3"
    )
    metadata: ClassVar[dict[str, Any]] = {
        "family": "behaviour-dependent",
        "reactive": True,
        "uses_strain": True,
        "concedes": True,
    }

    @classmethod
    def concession(cls, ctx: RoundContext, parties: NDArray[np.intp]) -> Array:
        held = ctx.stakes[None, :, :]  # (1, P, I)
        prev = np.where(held, ctx.previous, 0.0)  # (R, P, I)
        n_parties = prev.shape[1]
        # For each deciding party, the others' F: mask its own row out, then sum over parties.
        not_self = np.arange(n_parties)[None, :] != parties[:, None]  # (n, P)
        others = np.where(not_self[None, :, :, None], prev[:, None, :, :], 0.0)  # (R, n, P, I)
        total = canonical_sum(others, axis=2)  # (R, n, I)
        count = (held & not_self[:, :, None]).sum(axis=1)  # (n, I)
        mean_others = np.where(count > 0, total / np.maximum(count, 1), 0.0)
        hurry = ctx.kappa[:, parties, :] * ctx.strain[:, parties, None]
        return np.minimum(1.0, mean_others + 1.0 / ctx.T + hurry)
