"""Numbers that may be uncertain: a fixed value or a distribution, each with an optional citation.

Any real-valued field of a scenario is a :data:`Param`. In YAML it is written as a bare number
(``0.7``), as a cited number (``{value: 0.7, source: [stratfor_2026-02#9]}``), or as a
distribution (``{dist: triangular, low: 60, mode: 70, high: 80, assumption: "..."}``). These
models are plain data: drawing from them is the engine's business (``sim/random_.py``).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .errors import did_you_mean

#: A citation of the fact base: ``<source key>#<fact number>``.
FactId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*#[0-9]+$")]

STRICT = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


def _as_source_list(value: Any) -> Any:
    """``source: a#1`` is shorthand for ``source: [a#1]``."""
    return [value] if isinstance(value, str) else value


Sources = Annotated[list[FactId], BeforeValidator(_as_source_list)]


class Cited(BaseModel):
    """Where a value comes from: fact ids of ``seeds/``, or an assumption with its reason."""

    model_config = STRICT

    source: Sources | None = None
    assumption: str | None = None


class Fixed(Cited):
    """A plain number, optionally cited."""

    value: float

    @model_serializer(mode="wrap")
    def _bare_when_uncited(self, handler: Any) -> Any:
        if self.source is None and self.assumption is None:
            return self.value
        return handler(self)

    def mean(self) -> float:
        return self.value

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)


class Normal(Cited):
    """Normal(mean, sd); unbounded, so draws are clipped into the field's domain."""

    dist: Literal["normal"]
    mean_: float = Field(alias="mean")
    sd: float = Field(gt=0)

    model_config = ConfigDict(**STRICT, populate_by_name=True, serialize_by_alias=True)

    def mean(self) -> float:
        return self.mean_

    def support(self) -> tuple[float, float]:
        return (-math.inf, math.inf)


class Uniform(Cited):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise PydanticCustomError("dist_params", "uniform needs low < high")
        return self

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class Triangular(Cited):
    """Triangular on [low, high] with its peak at mode."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise PydanticCustomError(
                "dist_params", "triangular needs low <= mode <= high and low < high"
            )
        return self

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class Beta(Cited):
    """Beta(a, b) stretched onto [low, high]."""

    dist: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> Beta:
        if not self.low < self.high:
            raise PydanticCustomError("dist_params", "beta needs low < high")
        return self

    def mean(self) -> float:
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class Choice(Cited):
    """One of ``values``, with ``weights`` (equal when left out)."""

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None

    @field_validator("weights")
    @classmethod
    def _non_negative(cls, w: list[float] | None) -> list[float] | None:
        if w is not None and (any(x < 0 for x in w) or sum(w) <= 0):
            raise PydanticCustomError(
                "dist_params", "choice weights must be >= 0 with a positive sum"
            )
        return w

    @model_validator(mode="after")
    def _lengths(self) -> Choice:
        if self.weights is not None and len(self.weights) != len(self.values):
            raise PydanticCustomError(
                "dist_params",
                "choice needs as many weights as values ({n} values, {m} weights)",
                {"n": len(self.values), "m": len(self.weights)},
            )
        return self

    def probabilities(self) -> list[float]:
        w = self.weights or [1.0] * len(self.values)
        total = math.fsum(w)
        return [x / total for x in w]

    def mean(self) -> float:
        """MODEL.md's "at its means" for a choice: the first value of largest weight."""
        p = self.probabilities()
        return self.values[p.index(max(p))]

    def support(self) -> tuple[float, float]:
        kept = [v for v, q in zip(self.values, self.probabilities(), strict=True) if q > 0]
        return (min(kept), max(kept))


DIST_NAMES = ("normal", "uniform", "triangular", "beta", "choice")


def _param_tag(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return "fixed" if isinstance(value, Fixed) else getattr(value, "dist", None)
    if isinstance(value, dict):
        return str(value.get("dist", "fixed"))
    return None


def _coerce_param(value: Any) -> Any:
    """Accept a bare number; explain anything else that is not a number or a distribution."""
    if isinstance(value, bool):
        raise PydanticCustomError(
            "param_type",
            "expected a number or a distribution, got the boolean {v}",
            {"v": str(value).lower()},
        )
    if isinstance(value, int | float):
        return Fixed(value=float(value))
    if isinstance(value, dict):
        if "dist" in value:
            name = value["dist"]
            if name not in DIST_NAMES:
                hint = did_you_mean(str(name), DIST_NAMES)
                raise PydanticCustomError(
                    "param_dist",
                    "unknown distribution '{name}' (expected one of: {names}){hint}",
                    {
                        "name": name,
                        "names": ", ".join(DIST_NAMES),
                        "hint": f"; {hint}" if hint else "",
                    },
                )
        elif "value" not in value:
            raise PydanticCustomError(
                "param_type",
                "expected a number, {value: ..., source: ...} or {dist: ..., ...}",
            )
        return value
    if isinstance(value, BaseModel):
        return value
    raise PydanticCustomError(
        "param_type",
        "expected a number or a distribution, got {what}",
        {"what": _what(value)},
    )


def _what(value: Any) -> str:
    """A value as the user wrote it, with a hint when it is a quoted number."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return f"the text '{value}'"
        return f"the text '{value}'; remove the quotes to give a number"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


Dist = Normal | Uniform | Triangular | Beta | Choice
AnyParam = Fixed | Dist

Param = Annotated[
    Annotated[Fixed, Tag("fixed")]
    | Annotated[Normal, Tag("normal")]
    | Annotated[Uniform, Tag("uniform")]
    | Annotated[Triangular, Tag("triangular")]
    | Annotated[Beta, Tag("beta")]
    | Annotated[Choice, Tag("choice")],
    Discriminator(_param_tag),
    BeforeValidator(
        _coerce_param,
        json_schema_input_type=float | Fixed | Normal | Uniform | Triangular | Beta | Choice,
    ),
]
"""A real-valued field: a number, a cited number, or a distribution."""


class Round(Fixed):
    """A fixed round number; written back as a whole number."""

    @model_serializer(mode="wrap")
    def _bare_when_uncited(self, handler: Any) -> Any:
        if self.source is None and self.assumption is None:
            return int(self.value)
        data = handler(self)
        data["value"] = int(self.value)
        return data


def _coerce_round(value: Any) -> Any:
    if isinstance(value, bool | float):
        raise PydanticCustomError(
            "round_type", "expected a whole round number or {dist: choice, values: [...]}"
        )
    if isinstance(value, int):
        return Round(value=float(value))
    if isinstance(value, dict) and "value" in value and "dist" not in value:
        return Round.model_validate(value)
    if isinstance(value, dict) and value.get("dist", "choice") != "choice" and "dist" in value:
        raise PydanticCustomError(
            "round_type", "a round can only be uncertain as {dist: choice, values: [...]}"
        )
    return value


def _whole_rounds(value: Round | Choice) -> Round | Choice:
    numbers = [value.value] if isinstance(value, Fixed) else value.values
    if any(x != int(x) for x in numbers):
        raise PydanticCustomError("round_type", "rounds are whole numbers")
    return value


RoundParam = Annotated[
    Annotated[Round, Tag("fixed")] | Annotated[Choice, Tag("choice")],
    Discriminator(_param_tag),
    BeforeValidator(_coerce_round, json_schema_input_type=int | Round | Choice),
    AfterValidator(_whole_rounds),
]
"""A round number (start, end): a whole number or a choice of whole numbers."""


def is_random(p: AnyParam) -> bool:
    """True for a distribution, False for a fixed number."""
    return not isinstance(p, Fixed)
