"""What every tactic is: a small declared class with one batched decision method."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


@dataclass(frozen=True)
class RoundContext:
    """What a tactic may look at in round ``t`` of ``T``, for a batch of R runs.

    Arrays are indexed (run, party, issue) over all parties and issues in engine order.
    """

    t: int
    T: int
    strain: Array  # (R, P): S_p(t)
    beta: Array  # (R, P, I): b_pi, the time tactic's exponent for this stake
    kappa: Array  # (R, P, I): how much strain hurries the concession
    previous: Array  # (R, P, I): F_pi(t-1), the share conceded so far
    stakes: NDArray[np.bool_]  # (P, I): does p hold a stake in i


class Tactic(ABC):
    """A concession policy: the share F of the way from ideal to red line a party offers."""

    name: ClassVar[str]
    citation: ClassVar[str]
    metadata: ClassVar[dict[str, Any]]
    default_beta: ClassVar[float] = 1.0

    @classmethod
    @abstractmethod
    def concession(cls, ctx: RoundContext, parties: NDArray[np.intp]) -> Array:
        """The tactic's value of F for ``parties`` (indices) in round ``ctx.t``: (R, n, I).

        The engine takes the maximum with the previous F, so F never decreases.
        """
