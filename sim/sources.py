"""Where every number of a scenario comes from: cited facts, stated assumptions, or nothing.

A number written in the file is *cited* when it, or the object that holds it (a stake, a party,
an issue, a pressure, an effect, a tactic), has ``source: [fact ids]``; it is an *assumption*
when it or that object says ``assumption: <reason>``; otherwise it is *unsourced*, and
``negsim sources`` flags it. Defaults the file leaves out are not numbers of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .distributions import Cited, Fixed
from .errors import Path, dotted
from .scenario import Scenario


@dataclass(frozen=True)
class ParamSource:
    """One number of the file and where it comes from."""

    path: Path
    value: str
    status: str  # "cited", "assumption" or "unsourced"
    facts: tuple[str, ...]
    assumption: str | None

    @property
    def dotted(self) -> str:
        return dotted(self.path)


def _describe(p: Cited) -> str:
    if isinstance(p, Fixed):
        return f"{p.value:g}"
    fields = p.model_dump(exclude={"source", "assumption"}, by_alias=True, exclude_none=True)
    dist = fields.pop("dist")
    return f"{dist}(" + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                  for k, v in fields.items()) + ")"


def parameter_sources(s: Scenario) -> list[ParamSource]:
    """Every number the file states, in file order, with its citation status."""
    return list(_walk(s, (), None, None, top=True))


def _walk(obj: Any, path: Path, facts: list[str] | None, assumption: str | None,
          top: bool = False) -> Iterator[ParamSource]:
    if isinstance(obj, Cited) and isinstance(obj, BaseModel) and _is_number(obj):
        own_facts = obj.source or facts
        own_assumption = obj.assumption or (None if obj.source else assumption)
        status = "cited" if own_facts else "assumption" if own_assumption else "unsourced"
        yield ParamSource(path, _describe(obj), status, tuple(own_facts or ()), own_assumption)
        return
    if isinstance(obj, BaseModel):
        if not top:  # an entity's citation covers the numbers it holds; the scenario's does not
            facts = getattr(obj, "source", None) or facts
            assumption = getattr(obj, "assumption", None) or assumption
        for name in type(obj).model_fields:
            if name in ("source", "assumption") or name not in obj.model_fields_set:
                continue
            yield from _walk(getattr(obj, name), (*path, name), facts, assumption)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, (*path, k), facts, assumption)
    elif isinstance(obj, list):
        for k, v in enumerate(obj):
            yield from _walk(v, (*path, k), facts, assumption)


def _is_number(obj: BaseModel) -> bool:
    return isinstance(obj, Fixed) or hasattr(obj, "dist")
