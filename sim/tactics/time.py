"""Time-dependent concession (Faratin, Sierra and Jennings 1998), with strain hurrying it."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from .base import Array, RoundContext, Tactic


class Time(Tactic):
    """F = min(1, (t/T)^(1/b) + kappa x strain): b < 1 holds out (Boulware), 1 is linear,
    b > 1 concedes early (Conceder). A party concedes faster on the issues it cares less about,
    because b_pi = beta_p x (mean salience) / s_pi."""

    name: ClassVar[str] = "time"
    citation: ClassVar[str] = (
        "P. Faratin, C. Sierra, N. R. Jennings (1998), Negotiation decision functions for "
        "autonomous agents, Robotics and Autonomous Systems 24(3-4): 159-182"
    )
    metadata: ClassVar[dict[str, Any]] = {
        "family": "time-dependent",
        "reactive": False,
        "uses_strain": True,
        "concedes": True,
    }

    @classmethod
    def concession(cls, ctx: RoundContext, parties: NDArray[np.intp]) -> Array:
        b = ctx.beta[:, parties, :]
        clock = np.power(ctx.t / ctx.T, 1.0 / b)
        hurry = ctx.kappa[:, parties, :] * ctx.strain[:, parties, None]
        return np.minimum(1.0, clock + hurry)


class Boulware(Time):
    """The time tactic holding out: beta 0.2 unless the party states its own."""

    name: ClassVar[str] = "boulware"
    metadata: ClassVar[dict[str, Any]] = {**Time.metadata, "default_beta": 0.2}
    default_beta: ClassVar[float] = 0.2


class Linear(Time):
    """The time tactic conceding evenly: beta 1 unless the party states its own."""

    name: ClassVar[str] = "linear"
    metadata: ClassVar[dict[str, Any]] = {**Time.metadata, "default_beta": 1.0}
    default_beta: ClassVar[float] = 1.0


class Conceder(Time):
    """The time tactic conceding early: beta 5 unless the party states its own."""

    name: ClassVar[str] = "conceder"
    metadata: ClassVar[dict[str, Any]] = {**Time.metadata, "default_beta": 5.0}
    default_beta: ClassVar[float] = 5.0
