"""The tactic registry: every concession policy, by name (``negsim list tactics``)."""

from __future__ import annotations

from .base import RoundContext, Tactic
from .hold import Hold
from .reciprocal import Reciprocal
from .time import Boulware, Conceder, Linear, Time

REGISTRY: dict[str, type[Tactic]] = {
    t.name: t for t in (Time, Boulware, Linear, Conceder, Reciprocal, Hold)
}

__all__ = ["REGISTRY", "RoundContext", "Tactic"]
