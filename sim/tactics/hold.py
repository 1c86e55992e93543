"""Hold-out: never concede."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from .base import Array, RoundContext, Tactic


class Hold(Tactic):
    """F = 0: the party only ever offers its ideal (its red line may still give under strain,
    which widens its acceptable set but not its offer)."""

    name: ClassVar[str] = "hold"
    citation: ClassVar[str] = "MODEL.md (a hold-out baseline)"
    metadata: ClassVar[dict[str, Any]] = {
        "family": "hold-out",
        "reactive": False,
        "uses_strain": False,
        "concedes": False,
    }

    @classmethod
    def concession(cls, ctx: RoundContext, parties: NDArray[np.intp]) -> Array:
        return np.zeros((ctx.previous.shape[0], len(parties), ctx.previous.shape[2]))
