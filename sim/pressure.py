"""Pressures: events that strain a party or an actor from a start round to an end round."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .distributions import STRICT, Fixed, Param, RoundParam, Sources
from .ids import Id


class Effect(BaseModel):
    """A fact on the ground: in the start round, a stake's ideal, red line and limit move by
    ``shift x magnitude`` (the one way a hard red line moves)."""

    model_config = STRICT

    party: Id
    issue: Id
    shift: Param
    source: Sources | None = None
    assumption: str | None = None


class Pressure(BaseModel):
    """An event: it happens with ``probability``; if it does, it adds ``magnitude`` to the
    pressure on ``target`` in every round from ``start`` to ``end`` (default: the last round).

    ``occurs_with: other`` makes it happen exactly when ``other`` does (one bill, two
    targets); ``occurs_without: other`` exactly when ``other`` does not (two outcomes of one
    offensive). Such a pressure takes its occurrence from ``other`` and states no probability.
    """

    model_config = STRICT

    kind: str
    target: Id
    label: str = ""
    description: str = ""
    start: RoundParam
    end: RoundParam | None = None
    probability: Param = Fixed(value=1.0)
    occurs_with: Id | None = None  # happens exactly when that pressure happens
    occurs_without: Id | None = None  # happens exactly when that pressure does not
    magnitude: Param
    effects: list[Effect] = Field(default_factory=list)
    source: Sources | None = None
    assumption: str | None = None
