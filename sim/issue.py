"""An issue on the table: a numeric scale (or ordinal levels), its label and unit."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from .distributions import STRICT, Sources
from .ids import Id


class Issue(BaseModel):
    """A scale ``[lo, hi]`` (or ``levels`` mapped to 0..k-1) that a settlement picks a point on.

    ``requires`` lists issues that must settle first; ``core`` issues are the ones a deal needs.
    """

    model_config = STRICT

    label: str
    unit: str = ""
    description: str = ""
    scale: list[float] | None = Field(default=None, min_length=2, max_length=2)
    levels: list[str] | None = Field(default=None, min_length=2)
    points: dict[float, str] = Field(default_factory=dict)
    requires: list[Id] = Field(default_factory=list)
    core: bool = True
    source: Sources | None = None
    assumption: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _numeric_point_keys(cls, data: Any) -> Any:
        # YAML keys of named points are numbers; pydantic's strict float key check wants floats.
        if isinstance(data, dict) and isinstance(data.get("points"), dict):
            points = data["points"]
            if all(isinstance(k, int | float) and not isinstance(k, bool) for k in points):
                data = {**data, "points": {float(k): v for k, v in points.items()}}
        return data

    @model_validator(mode="after")
    def _scale_or_levels(self) -> Issue:
        if self.levels is None and self.scale is None:
            raise PydanticCustomError(
                "issue_scale", "an issue needs a 'scale: [lo, hi]' or ordinal 'levels: [...]'"
            )
        if self.levels is not None:
            if self.scale is not None and list(self.scale) != [0.0, len(self.levels) - 1.0]:
                raise PydanticCustomError(
                    "issue_scale",
                    "an ordinal issue's scale is 0..k-1 for its k levels; leave 'scale' out",
                )
            if len(set(self.levels)) != len(self.levels):
                raise PydanticCustomError("issue_scale", "ordinal levels must be distinct")
        elif self.scale is not None and not self.scale[0] < self.scale[1]:
            raise PydanticCustomError("issue_scale", "a scale needs lo < hi, as [lo, hi]")
        return self

    @property
    def ordinal(self) -> bool:
        return self.levels is not None

    @property
    def lo(self) -> float:
        return 0.0 if self.levels is not None else self.bounds[0]

    @property
    def hi(self) -> float:
        return float(len(self.levels) - 1) if self.levels is not None else self.bounds[1]

    @property
    def bounds(self) -> tuple[float, float]:
        if self.levels is not None:
            return (0.0, float(len(self.levels) - 1))
        assert self.scale is not None
        return (self.scale[0], self.scale[1])

    @property
    def width(self) -> float:
        return self.hi - self.lo

    @property
    def eps(self) -> float:
        """MODEL.md's comparison tolerance for this issue: 1e-9 of the scale's width."""
        return 1e-9 * self.width

    def describe(self, x: float) -> str:
        """A value in words: its level, or its named point, or the number with its unit."""
        if self.levels is not None:
            k = int(round(x))
            if abs(k - x) < 1e-9 and 0 <= k < len(self.levels):
                return self.levels[k]
        for point, name in self.points.items():
            if abs(point - x) <= self.eps:
                return name
        return f"{x:g} {self.unit}".strip()
