"""The scenario: a validated, immutable description of one negotiation (MODEL.md's objects).

:class:`Scenario` checks types and shapes; :func:`check_scenario` checks what types cannot:
references between objects, sides of red lines, domains of uncertain fields, the ``requires``
graph and the leverage graph. Both report :class:`~sim.errors.Problem` records with paths.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator

import networkx as nx
import numpy as np
from pydantic import BaseModel, Field

from .distributions import STRICT, AnyParam, Fixed, Normal, Param, Sources
from .errors import Path, Problem, did_you_mean
from .ids import Id
from .issue import Issue
from .party import Actor, Party, Stake
from .pressure import Pressure


class Timeline(BaseModel):
    """Optional calendar: round 1 starts on ``start``, each round lasts ``days_per_round``."""

    model_config = STRICT

    start: dt.date
    days_per_round: int = Field(ge=1)

    def date_of(self, t: int) -> dt.date:
        return self.start + dt.timedelta(days=(t - 1) * self.days_per_round)


class Scenario(BaseModel):
    """A negotiation: issues, parties, actors, the leverage graph, pressures and rounds."""

    model_config = STRICT

    title: str
    description: str = ""
    as_of: dt.date | None = None
    rounds: int = Field(ge=1, le=100_000)
    seed: int | None = Field(default=None, ge=0)
    timeline: Timeline | None = None
    fact_base: str | None = None
    issues: dict[Id, Issue] = Field(min_length=1)
    parties: dict[Id, Party] = Field(min_length=1)
    actors: dict[Id, Actor] = Field(default_factory=dict)
    leverage: dict[Id, dict[Id, Param]] = Field(default_factory=dict)
    pressures: dict[Id, Pressure] = Field(default_factory=dict)
    source: Sources | None = None
    assumption: str | None = None

    # ---- derived views (no state of their own) -------------------------------------------
    def stakeholders(self, issue: str) -> list[str]:
        """Parties with a stake in ``issue``, in file order."""
        return [p for p, party in self.parties.items() if issue in party.stakes]

    def round_label(self, t: int) -> str:
        if self.timeline is None:
            return f"round {t}"
        return f"round {t} ({self.timeline.date_of(t).isoformat()})"

    def leverage_edges(self) -> Iterator[tuple[str, str, AnyParam]]:
        for a, targets in self.leverage.items():
            for b, w in targets.items():
                yield a, b, w


def stake_direction(stake: Stake) -> int:
    """+1 or -1: from the ideal toward the red line (or toward the limit when they are equal).

    Judged at the means, so it is fixed for the whole scenario and every run.
    """
    ideal, red = stake.ideal.mean(), stake.red_line.mean()
    if red != ideal:
        return 1 if red > ideal else -1
    if stake.limit is not None and stake.limit.mean() != ideal:
        return 1 if stake.limit.mean() > ideal else -1
    return 1


# ---------------------------------------------------------------------------------------------
# Semantic checks
# ---------------------------------------------------------------------------------------------

_POSITIVE = "strictly positive"


def check_scenario(
    s: Scenario, tactic_names: Iterable[str] = (), dropped: Iterable[str] = ()
) -> list[Problem]:
    """Every semantic problem of the scenario (errors and warnings), each with its path.

    ``dropped``: ids of entities that failed type validation and were left out; references
    to them, and counts they would change, are not reported again.
    """
    gone = set(dropped)
    out: list[Problem] = []
    tactics = sorted(tactic_names)
    party_ids, actor_ids, issue_ids = list(s.parties), list(s.actors), list(s.issues)
    nodes = party_ids + actor_ids

    def err(path: Path, msg: str, expected: str | None = None, hint: str | None = None) -> None:
        out.append(Problem(msg, path, expected=expected, hint=hint))

    def unknown(path: Path, kind: str, name: str, known: list[str]) -> None:
        if name in gone:
            return
        known = known + sorted(gone - set(known))  # entities with type errors still exist
        err(
            path,
            f"unknown {kind} '{name}'",
            f"one of: {', '.join(known)}" if known else None,
            did_you_mean(name, known),
        )

    if len(s.parties) < 2 and not gone:
        err(("parties",), "a negotiation needs at least two parties")
    if not any(i.core for i in s.issues.values()):
        err(("issues",), "no core issue: a deal needs at least one issue with core: true")
    for a in actor_ids:
        if a in s.parties:
            err(("actors", a), f"'{a}' is both a party and an actor", "distinct ids")

    # Issues: the requires graph, named points.
    req = nx.DiGraph()
    req.add_nodes_from(issue_ids)
    for i, issue in s.issues.items():
        for k, j in enumerate(issue.requires):
            if j not in s.issues:
                unknown(("issues", i, "requires", k), "issue", j, issue_ids)
            elif j == i:
                err(("issues", i, "requires", k), f"issue '{i}' requires itself")
            else:
                req.add_edge(j, i)
        for x in issue.points:
            if not issue.lo <= x <= issue.hi:
                err(
                    ("issues", i, "points"),
                    f"named point {x:g} lies off the scale",
                    f"a value in [{issue.lo:g}, {issue.hi:g}]",
                )
        if max(abs(issue.lo), abs(issue.hi)) > 1e6 * issue.width:
            out.append(
                Problem(
                    "the scale lies more than 10^6 widths from zero; rounding then "
                    "exceeds the comparison tolerance",
                    ("issues", i, "scale"),
                    hint="shift the scale toward zero",
                    severity="warning",
                )
            )
        if not s.stakeholders(i) and not gone:
            err(
                ("issues", i),
                f"issue '{i}' has no stakeholder",
                hint="give at least one party a stake in it, or remove it",
            )
    if not nx.is_directed_acyclic_graph(req):
        cycle = nx.find_cycle(req)
        names = " -> ".join([cycle[0][0]] + [b for _, b in cycle])
        err(
            ("issues", cycle[-1][1], "requires"),
            f"the requires graph has a cycle: {names}",
            "issues that settle in an order",
        )

    # Parties: capability, decay, tactic, stakes.
    for p, party in s.parties.items():
        base: Path = ("parties", p)
        _positive(out, base + ("capability",), party.capability)
        _in_unit(out, base + ("decay",), party.decay, upper_open=True)
        if tactics and party.tactic.name not in tactics:
            unknown(base + ("tactic", "name"), "tactic", party.tactic.name, tactics)
        if party.tactic.beta is not None:
            _positive(out, base + ("tactic", "beta"), party.tactic.beta)
        _non_negative(out, base + ("tactic", "kappa"), party.tactic.kappa)
        for i, stake in party.stakes.items():
            path = base + ("stakes", i)
            if i not in s.issues:
                unknown(path, "issue", i, issue_ids)
                continue
            _check_stake(out, path, stake, s.issues[i])

    # Leverage graph: known nodes, weights in [-1, 1], convergent propagation.
    for a, b, w in s.leverage_edges():
        path = ("leverage", a, b)
        if a not in nodes:
            unknown(("leverage", a), "party or actor", a, nodes)
        if b not in nodes:
            unknown(path, "party or actor", b, nodes)
        lo, hi = w.support()
        if lo < -1 or hi > 1:
            err(
                path,
                "a leverage weight must lie in [-1, 1]",
                "a number or a bounded distribution within [-1, 1]",
            )
    radius = leverage_radius(s)
    if radius is not None and radius >= 1:
        err(
            ("leverage",),
            f"pressure propagation diverges: the spectral radius of |W| at its "
            f"largest weights is {radius:.3g}",
            "a radius below 1",
            "lower some weights, or break a cycle of strong edges",
        )

    # Pressures: target, rounds, probability, effects.
    graph = leverage_graph(s)
    for e, pr in s.pressures.items():
        base = ("pressures", e)
        if pr.target not in nodes:
            unknown(base + ("target",), "party or actor", pr.target, nodes)
        elif not any(q in s.parties for q in nx.descendants(graph, pr.target) | {pr.target}):
            out.append(
                Problem(
                    f"the target '{pr.target}' reaches no party through the leverage "
                    "graph, so this pressure strains nobody",
                    base + ("target",),
                    hint=f"add a leverage edge from '{pr.target}' to a party",
                    severity="warning",
                )
            )
        _round_in_range(out, base + ("start",), pr.start, s.rounds)
        if pr.end is not None:
            _round_in_range(out, base + ("end",), pr.end, s.rounds)
            if (
                isinstance(pr.end, Fixed)
                and isinstance(pr.start, Fixed)
                and pr.end.value < pr.start.value
            ):
                err(
                    base + ("end",),
                    f"end round {pr.end.value:g} is before the start round {pr.start.value:g}",
                    "end >= start",
                )
        _in_unit(out, base + ("probability",), pr.probability)
        _check_link(out, s, e, pr, unknown)
        for k, eff in enumerate(pr.effects):
            path = base + ("effects", k)
            if eff.party not in s.parties:
                unknown(path + ("party",), "party", eff.party, party_ids)
            elif eff.issue not in s.issues:
                unknown(path + ("issue",), "issue", eff.issue, issue_ids)
            elif eff.issue not in s.parties[eff.party].stakes:
                err(
                    path + ("issue",),
                    f"party '{eff.party}' has no stake in '{eff.issue}' to shift",
                    f"one of its stakes: {', '.join(s.parties[eff.party].stakes)}",
                )
    return out


def _check_link(out: list[Problem], s: Scenario, e: str, pr: Pressure,
                unknown: Callable[[Path, str, str, list[str]], None]) -> None:
    """``occurs_with`` / ``occurs_without``: one link, to an unlinked pressure, no probability."""
    base: Path = ("pressures", e)
    if pr.occurs_with is not None and pr.occurs_without is not None:
        out.append(Problem("give occurs_with or occurs_without, not both", base))
        return
    field, other = (("occurs_with", pr.occurs_with) if pr.occurs_with is not None
                    else ("occurs_without", pr.occurs_without))
    if other is None:
        return
    path = base + (field,)
    if other == e:
        out.append(Problem(f"pressure '{e}' cannot be linked to itself", path))
    elif other not in s.pressures:
        unknown(path, "pressure", other, list(s.pressures))
    elif s.pressures[other].occurs_with or s.pressures[other].occurs_without:
        out.append(Problem(f"'{other}' is itself linked to another pressure", path,
                           hint=f"link '{e}' to the pressure that '{other}' is linked to"))
    if "probability" in pr.model_fields_set:
        out.append(Problem(f"a pressure with {field} takes its occurrence from '{other}' and "
                           "states no probability", base + ("probability",),
                           hint="remove 'probability'"))


def leverage_graph(s: Scenario) -> nx.DiGraph:
    """The leverage graph over parties and actors; edges carry their weight at the means."""
    g = nx.DiGraph()
    g.add_nodes_from(list(s.parties) + list(s.actors))
    for a, b, w in s.leverage_edges():
        lo, hi = w.support()
        if max(abs(lo), abs(hi)) > 0:
            g.add_edge(a, b, weight=w.mean(), max_abs=max(abs(lo), abs(hi)))
    return g


def leverage_radius(s: Scenario) -> float | None:
    """Spectral radius of |W| at the largest magnitudes the weights allow (None: no edges)."""
    g = leverage_graph(s)
    if g.number_of_edges() == 0:
        return None
    m = nx.to_numpy_array(g, weight="max_abs")
    if not np.all(np.isfinite(m)):
        return math.inf
    return float(np.max(np.abs(np.linalg.eigvals(m))))


def _check_stake(out: list[Problem], path: Path, st: Stake, issue: Issue) -> None:
    lo, hi = issue.bounds
    for name in ("ideal", "red_line", "limit"):
        p = getattr(st, name)
        if p is None:
            continue
        a, b = p.support()
        if isinstance(p, Normal):
            a = b = p.mean()
        if a < lo - issue.eps or b > hi + issue.eps:
            out.append(
                Problem(
                    f"{name.replace('_', ' ')} lies off the scale"
                    if a == b
                    else f"the {name.replace('_', ' ')} distribution reaches off the scale",
                    path + (name,),
                    expected=f"values in [{lo:g}, {hi:g}]",
                )
            )
    _positive(out, path + ("salience",), st.salience)
    _non_negative(out, path + ("elasticity",), st.elasticity)
    if st.beta is not None:
        _positive(out, path + ("beta",), st.beta)
    if st.kappa is not None:
        _non_negative(out, path + ("kappa",), st.kappa)
    ideal, red = st.ideal.mean(), st.red_line.mean()
    if not st.hard and red == ideal and st.limit is None:
        out.append(
            Problem(
                "a soft red line equal to its ideal needs a 'limit' to say which way it gives",
                path,
                hint="add 'limit:', or set 'hard: true'",
            )
        )
    if st.limit is not None:
        d = stake_direction(st)
        if d * (st.limit.mean() - red) < 0:
            out.append(
                Problem(
                    "the limit lies on the ideal's side of the red line",
                    path + ("limit",),
                    expected="a limit beyond the red line, away from the ideal",
                )
            )


def _positive(out: list[Problem], path: Path, p: AnyParam) -> None:
    lo, _ = p.support()
    if lo <= 0:
        out.append(
            Problem(
                "must be strictly positive"
                if isinstance(p, Fixed)
                else "this distribution's support reaches 0 or below",
                path,
                expected="a value > 0"
                if isinstance(p, Fixed)
                else "a distribution bounded above 0 (uniform, triangular, beta, choice)",
            )
        )


def _non_negative(out: list[Problem], path: Path, p: AnyParam) -> None:
    if isinstance(p, Fixed) and p.value < 0:
        out.append(Problem("must not be negative", path, expected="a value >= 0"))


def _in_unit(out: list[Problem], path: Path, p: AnyParam, upper_open: bool = False) -> None:
    lo, hi = p.support()
    bad_hi = hi >= 1 if upper_open else hi > 1
    if isinstance(p, Normal):
        if upper_open:
            out.append(
                Problem(
                    "a normal distribution reaches 1", path, expected="a distribution within [0, 1)"
                )
            )
        return
    if lo < 0 or bad_hi:
        what = "[0, 1)" if upper_open else "[0, 1]"
        out.append(
            Problem(
                f"must lie in {what}"
                if isinstance(p, Fixed)
                else f"this distribution reaches outside {what}",
                path,
                expected=f"a value in {what}",
            )
        )


def _round_in_range(out: list[Problem], path: Path, p: AnyParam, rounds: int) -> None:
    lo, hi = p.support()
    if lo < 1 or hi > rounds:
        out.append(
            Problem(
                f"round {lo:g} is outside the negotiation"
                if lo == hi
                else "these rounds reach outside the negotiation",
                path,
                expected=f"a round in 1..{rounds}",
            )
        )
