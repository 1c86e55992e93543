"""Parties at the table (their stakes and tactic) and actors outside it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from .distributions import STRICT, Fixed, Param, Sources
from .ids import Id


class Stake(BaseModel):
    """What a party wants on one issue: its ideal, its red line, and how the red line gives."""

    model_config = STRICT

    ideal: Param
    red_line: Param
    hard: bool = False
    limit: Param | None = None
    salience: Param = Fixed(value=1.0)
    elasticity: Param = Fixed(value=0.0)
    beta: Param | None = None
    kappa: Param | None = None
    note: str = ""
    source: Sources | None = None
    assumption: str | None = None


class Tactic(BaseModel):
    """How a party concedes: a tactic of the registry (``negsim list tactics``) and its knobs."""

    model_config = STRICT

    name: str = "time"
    beta: Param | None = None  # None: the tactic's own default (1 for ``time``)
    kappa: Param = Fixed(value=0.0)
    source: Sources | None = None
    assumption: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _name_only(cls, data: Any) -> Any:
        """``tactic: hold`` is shorthand for ``tactic: {name: hold}``."""
        return {"name": data} if isinstance(data, str) else data


class Party(BaseModel):
    """A party at the table: its clout, its tactic, how strain carries over, and its stakes."""

    model_config = STRICT

    name: str
    description: str = ""
    capability: Param = Fixed(value=1.0)
    decay: Param = Fixed(value=0.0)
    tactic: Tactic = Field(default_factory=Tactic)
    mediator: bool = False
    stakes: dict[Id, Stake] = Field(default_factory=dict)
    source: Sources | None = None
    assumption: str | None = None


class Actor(BaseModel):
    """An outside player (EU, India, China): not at the table, but in the leverage graph."""

    model_config = STRICT

    name: str
    description: str = ""
    source: Sources | None = None
    assumption: str | None = None
