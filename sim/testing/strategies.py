"""Hypothesis strategies that build valid negsim scenarios, from one id up to a whole scenario.

Use them to property-test your own scenarios and tactics::

    from hypothesis import given
    from sim.engine import Negotiation
    from sim.testing import strategies as sims

    @given(sims.scenarios(tactics=["time", "my_tactic"]), sims.seeds())
    def test_offers_stay_acceptable(scenario, seed):
        neg = Negotiation(scenario, runs=16, seed=seed)
        while not neg.done:
            r = neg.step()
            assert ((r.a_lo <= r.offer) & (r.offer <= r.a_hi)).all()

Two layers, so that a test can change a scenario before it is validated:

* ``*_data`` strategies give plain data, exactly what a YAML file holds (numbers, lists,
  mappings keyed by id); :func:`scenario_data` gives a whole scenario as a dict, ready for
  ``Scenario.model_validate``, for ``dump_yaml``, or for editing into a what-if;
* :func:`issues`, :func:`stakes`, :func:`parties`, :func:`actors`, :func:`pressures` and
  :func:`scenarios` give validated models.

Every scenario generated passes ``Scenario.model_validate`` and has no error from
``check_scenario(s, REGISTRY)`` (warnings, such as a pressure on an actor that reaches no
party, may occur). Sizes are small by default (2-4 parties, 1-4 issues, 2-12 rounds) so that a
property runs many examples in seconds; every size is a knob.

Uncertain fields (``{dist: ...}``) always stay inside their field's domain: positions inside
the scale (each red line on its ideal's side at the means, each limit beyond its red line),
strictly positive fields (capability, salience, beta) bounded away from zero, ``decay`` below
1, probabilities in [0, 1], leverage weights small enough that every row of |W| sums below 1
(so propagation converges), rounds as whole numbers within the negotiation.

Numbers are drawn as a fraction of their interval, half the time from a coarse grid (eighths),
so ties, touching acceptable sets and red lines at the end of the scale are common.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st
from pydantic import TypeAdapter

from ..distributions import DIST_NAMES, AnyParam, Param
from ..issue import Issue
from ..party import Actor, Party, Stake
from ..pressure import Pressure
from ..scenario import Scenario
from ..tactics import REGISTRY

__all__ = [
    "BOUNDED",
    "PRESSURE_KINDS",
    "actor_data",
    "actors",
    "distribution_data",
    "ids",
    "issue_bounds",
    "issue_data",
    "issues",
    "leverage_data",
    "param_data",
    "param_mean",
    "parties",
    "party_data",
    "position_data",
    "pressure_data",
    "pressures",
    "round_data",
    "scenario_data",
    "scenarios",
    "seeds",
    "stake_data",
    "stakes",
    "tactic_data",
    "texts",
]

Data = dict[str, Any]
"""Plain scenario data: what a YAML file holds."""

#: Distribution kinds with a bounded support, for fields that must stay off a bound
#: (capability, salience, beta, decay, leverage weights); ``normal`` is for clipped fields.
BOUNDED = ("uniform", "triangular", "beta", "choice")
#: Usual pressure kinds (any label is allowed; reports group by it).
PRESSURE_KINDS = ("tariff", "sanctions", "battlefield", "military", "diplomatic")

_PARAM: TypeAdapter[AnyParam] = TypeAdapter(Param)

# Strategies built once: a composite that builds fresh strategies on every draw is slow.
_BOOL = st.booleans()
_RARELY = st.sampled_from([False, False, True])
_SELDOM = st.sampled_from([False, False, False, True])
_CORE = st.sampled_from([True, True, False])
_FRACTION = st.one_of(st.sampled_from([k / 8 for k in range(9)]), st.floats(0.0, 1.0))
_SHAPE = st.floats(0.5, 5.0)
_SD = st.floats(1e-3, 0.5)
_WEIGHTS = st.sampled_from([0.0, 0.5, 1.0, 2.0])
_DECADE = st.sampled_from([0, 1, 2, -2, 3])
_YAML_WORDS = ("a", "b", "x", "y", "n", "no", "on", "off", "yes", "null", "true", "E")


def param_mean(value: Any) -> float:
    """The mean (MODEL.md's "at its means") of a param given as plain data."""
    return _PARAM.validate_python(value).mean()


# ---------------------------------------------------------------------------------------------
# Atoms: ids, texts, seeds, numbers
# ---------------------------------------------------------------------------------------------


def ids(max_size: int = 8) -> st.SearchStrategy[str]:
    """Valid ids (``[A-Za-z][A-Za-z0-9_-]*``), at most ``max_size`` (>= 4) characters.

    They include words YAML 1.1 reads as something else when unquoted (``y``, ``no``,
    ``on``, ``null``), which a dump must quote.
    """
    tail = max(3, max_size - 1)
    return st.one_of(
        st.sampled_from(_YAML_WORDS),
        st.from_regex(rf"\A[A-Za-z][A-Za-z0-9_-]{{0,{tail}}}\Z"),
    )


_IDS = ids()


_COMMON_TEXTS = ("Border", "no", "1.5", "Ukraine — EU", "a: b", "'quoted'", " x ", "")


def _unique_ids(draw: st.DrawFn, n: int) -> list[str]:
    """``n`` distinct ids (a repeat gets a suffix, rather than being drawn again)."""
    out: list[str] = []
    for k in range(n):
        x = draw(_IDS)
        while x in out:
            x = f"{x}{k}"
        out.append(x)
    return out


def texts(max_size: int = 12, min_size: int = 0) -> st.SearchStrategy[str]:
    """Free text for labels, names and descriptions: any short Unicode text, or one of a few
    that YAML must quote (cheaper to draw, so whole scenarios stay quick to generate)."""
    common = tuple(t for t in _COMMON_TEXTS if min_size <= len(t) <= max_size)
    return st.one_of(st.sampled_from(common), st.text(min_size=min_size, max_size=max_size))


_TEXT = texts()
_WORD = texts(10, min_size=1)


def seeds() -> st.SearchStrategy[int]:
    """Seeds for ``Negotiation`` and ``simulate`` (non-negative, below 2^63)."""
    return st.integers(min_value=0, max_value=2**63 - 1)


def _number(draw: st.DrawFn, low: float, high: float, integer: bool = False) -> float:
    """A number in [low, high] (a whole one if ``integer``)."""
    if integer:
        return float(draw(st.integers(math.ceil(low), math.floor(high))))
    f = draw(_FRACTION)
    return min(high, max(low, low + (high - low) * f))


def _pick(draw: st.DrawFn, items: Sequence[Any]) -> Any:
    """One of ``items`` (shrinking toward the first); cheaper than a fresh sampled_from."""
    return items[draw(st.integers(0, len(items) - 1))] if len(items) > 1 else items[0]


def _two_sorted(draw: st.DrawFn, low: float, high: float) -> tuple[float, float]:
    """a < b within [low, high] (which must allow it)."""
    a, b = sorted((_number(draw, low, high), _number(draw, low, high)))
    if not a < b:
        a, b = low, high
    return a, b


# ---------------------------------------------------------------------------------------------
# Numbers that may be uncertain
# ---------------------------------------------------------------------------------------------


def _distribution(
    draw: st.DrawFn, low: float, high: float, kinds: Sequence[str], integer: bool
) -> Data:
    if integer or not (high - low) * 1e-3 > 0:
        kinds = ["choice"]
    kind = _pick(draw, kinds)
    out: Data = {"dist": kind}
    if kind == "normal":
        out["mean"] = _number(draw, low, high)
        out["sd"] = draw(_SD) * (high - low)
    elif kind == "uniform":
        out["low"], out["high"] = _two_sorted(draw, low, high)
    elif kind == "triangular":
        a, b = _two_sorted(draw, low, high)
        out["low"], out["mode"], out["high"] = a, _number(draw, a, b), b
    elif kind == "beta":
        out["a"], out["b"] = draw(_SHAPE), draw(_SHAPE)
        out["low"], out["high"] = _two_sorted(draw, low, high)
    else:
        n = draw(st.integers(1, 4))
        out["values"] = [_number(draw, low, high, integer) for _ in range(n)]
        if draw(_BOOL):
            weights = [draw(_WEIGHTS) for _ in range(n)]
            if sum(weights) <= 0:
                weights[-1] = 1.0
            out["weights"] = weights
    return out


def _param(
    draw: st.DrawFn,
    low: float,
    high: float,
    *,
    distributions: bool = True,
    kinds: Sequence[str] = DIST_NAMES,
    cited: bool = True,
    integer: bool = False,
) -> Any:
    form = draw(st.integers(0, 2)) if distributions and kinds else draw(st.integers(0, 1))
    if form == 0 or (form == 1 and not cited):
        return _number(draw, low, high, integer)
    if form == 1:
        return {"value": _number(draw, low, high, integer), "assumption": draw(_TEXT)}
    return _distribution(draw, low, high, kinds, integer)


@st.composite
def distribution_data(
    draw: st.DrawFn,
    low: float,
    high: float,
    kinds: Sequence[str] = DIST_NAMES,
    integer: bool = False,
) -> Data:
    """A distribution (``{dist: ...}``) of one of ``kinds`` with its support within
    [low, high].

    ``normal`` (unbounded) gets a mean within [low, high] and an sd up to half the interval:
    use it only for fields whose draws are clipped into their domain. ``integer``: a
    ``choice`` of whole values (rounds, ordinal levels). A degenerate interval gives a
    ``choice``.
    """
    return _distribution(draw, low, high, kinds, integer)


@st.composite
def param_data(
    draw: st.DrawFn,
    low: float,
    high: float,
    *,
    distributions: bool = True,
    kinds: Sequence[str] = DIST_NAMES,
    cited: bool = True,
    integer: bool = False,
) -> Any:
    """A real-valued field with its values in [low, high]: a bare number, a cited number
    ``{value, assumption}`` (if ``cited``) or a distribution of ``kinds`` (if
    ``distributions``)."""
    return _param(
        draw, low, high, distributions=distributions, kinds=kinds, cited=cited, integer=integer
    )


def _round(draw: st.DrawFn, low: int, high: int, distributions: bool) -> Any:
    if distributions and draw(_BOOL):
        return _distribution(draw, low, high, ("choice",), integer=True)
    return draw(st.integers(low, high))


@st.composite
def round_data(
    draw: st.DrawFn,
    rounds: int,
    low: int = 1,
    high: int | None = None,
    distributions: bool = True,
) -> Any:
    """A round number within [low, high] (default 1..rounds): a whole number or a ``choice``
    of whole numbers."""
    return _round(draw, low, rounds if high is None else high, distributions)


# ---------------------------------------------------------------------------------------------
# Issues and stakes
# ---------------------------------------------------------------------------------------------


def issue_bounds(issue: Mapping[str, Any]) -> tuple[float, float]:
    """(lo, hi) of an issue given as data (ordinal: 0..k-1)."""
    if issue.get("levels") is not None:
        return 0.0, float(len(issue["levels"]) - 1)
    lo, hi = issue["scale"]
    return float(lo), float(hi)


def _issue(
    draw: st.DrawFn,
    ordinal: bool | None,
    requires: Sequence[str],
    core: bool | None,
    max_levels: int,
    points: bool,
) -> Data:
    is_ordinal = draw(_BOOL) if ordinal is None else ordinal
    out: Data = {"label": draw(_TEXT)}
    if draw(_BOOL):
        out["unit"] = draw(_TEXT)
    if is_ordinal:
        out["levels"] = draw(st.lists(_WORD, min_size=2, max_size=max_levels, unique=True))
    else:
        # Widths from 1e-2 to 1e3; bounds within about 10^3 widths of zero.
        width = 10.0 ** draw(_DECADE) * (0.5 + _number(draw, 0, 1))
        where = draw(st.integers(0, 3))
        lo = width * ((0.0, -1.0, -0.5)[where] if where < 3 else 1e3 * (2 * draw(_FRACTION) - 1))
        hi = lo + width
        out["scale"] = [lo, hi] if lo < hi else [0.0, width]
    lo, hi = issue_bounds(out)
    if points and draw(_BOOL):
        out["points"] = {_number(draw, lo, hi): draw(_TEXT) for _ in range(draw(st.integers(1, 3)))}
    if requires:
        out["requires"] = list(requires)
    out["core"] = draw(_BOOL) if core is None else core
    return out


@st.composite
def issue_data(
    draw: st.DrawFn,
    *,
    ordinal: bool | None = None,
    requires: Sequence[str] = (),
    core: bool | None = None,
    max_levels: int = 5,
    points: bool = True,
) -> Data:
    """An issue: a continuous scale ``[lo, hi]`` (widths 0.005 to 1500, bounds within about
    10^3 widths of zero, so never the rounding warning) or ordinal ``levels`` (2 to
    ``max_levels``); ``requires`` is used as given; ``core`` None for either."""
    return _issue(draw, ordinal, requires, core, max_levels, points)


def issues(**kwargs: Any) -> st.SearchStrategy[Issue]:
    """Validated :class:`~sim.issue.Issue` models (knobs as :func:`issue_data`)."""
    return issue_data(**kwargs).map(Issue.model_validate)


@st.composite
def position_data(
    draw: st.DrawFn,
    low: float,
    high: float,
    *,
    ordinal: bool = False,
    distributions: bool = True,
    cited: bool = True,
) -> Any:
    """A position (ideal, red line, limit) whose support lies in [low, high]; on an ordinal
    issue a level or a ``choice`` of levels ([low, high] must then hold a level)."""
    return _param(draw, low, high, distributions=distributions, cited=cited, integer=ordinal)


def _stake(
    draw: st.DrawFn,
    issue: Mapping[str, Any],
    hard: bool | None,
    distributions: bool,
    cited: bool,
    own_tactic: bool,
) -> Data:
    lo, hi = issue_bounds(issue)
    ordinal = issue.get("levels") is not None

    def position(a: float, b: float) -> Any:
        return _param(draw, a, b, distributions=distributions, cited=cited, integer=ordinal)

    ideal = position(lo, hi)
    xm = param_mean(ideal)
    is_hard = draw(_BOOL) if hard is None else hard
    side = _pick(draw, [d for d in (1, -1) if (hi > xm if d > 0 else xm > lo)])
    end = hi if side > 0 else lo
    if draw(_SELDOM):
        red = ideal  # no flexibility (at the means)
    else:
        red = position(min(xm, end), max(xm, end))
        if param_mean(red) == xm:
            red = end
    rm = param_mean(red)
    out: Data = {"ideal": ideal, "red_line": red}
    if is_hard:
        out["hard"] = True
    elif draw(_RARELY):
        out["hard"] = False
    if not is_hard and (rm == xm or draw(_BOOL)):
        limit = position(min(rm, end), max(rm, end))
        lm = param_mean(limit)
        if side * (lm - rm) < 0 or lm == xm:
            limit = end
        out["limit"] = limit
    if draw(_BOOL):
        out["salience"] = _param(
            draw, 0.1, 5.0, distributions=distributions, kinds=BOUNDED, cited=cited
        )
    if draw(_BOOL):
        out["elasticity"] = _param(draw, 0.0, hi - lo, distributions=distributions, cited=cited)
    if own_tactic and draw(_RARELY):
        out["beta"] = _param(
            draw, 0.2, 5.0, distributions=distributions, kinds=BOUNDED, cited=cited
        )
    if own_tactic and draw(_RARELY):
        out["kappa"] = _param(draw, 0.0, 1.0, distributions=distributions, cited=cited)
    if draw(_RARELY):
        out["note"] = draw(_TEXT)
    return out


@st.composite
def stake_data(
    draw: st.DrawFn,
    issue: Mapping[str, Any],
    *,
    hard: bool | None = None,
    distributions: bool = True,
    cited: bool = True,
    own_tactic: bool = True,
) -> Data:
    """A stake consistent with ``issue`` (given as data).

    At the means the red line lies on one side of the ideal, or equals it (no flexibility);
    a soft stake whose red line equals its ideal always states a limit, and any limit lies
    beyond its red line. ``hard``: None for either; ``own_tactic``: the stake may set its
    own ``beta`` and ``kappa``. Elasticity is up to one scale width per unit of strain.
    """
    return _stake(draw, issue, hard, distributions, cited, own_tactic)


def stakes(issue: Mapping[str, Any], **kwargs: Any) -> st.SearchStrategy[Stake]:
    """Validated :class:`~sim.party.Stake` models on ``issue`` (given as data)."""
    return stake_data(issue, **kwargs).map(Stake.model_validate)


# ---------------------------------------------------------------------------------------------
# Parties, actors, leverage, pressures
# ---------------------------------------------------------------------------------------------


def _tactic(
    draw: st.DrawFn, tactics: Sequence[str] | None, distributions: bool, cited: bool
) -> Any:
    name = _pick(draw, sorted(REGISTRY) if tactics is None else tactics)
    if draw(_BOOL):
        return name
    out: Data = {"name": name}
    if draw(_BOOL):
        out["beta"] = _param(
            draw, 0.2, 5.0, distributions=distributions, kinds=BOUNDED, cited=cited
        )
    if draw(_BOOL):
        out["kappa"] = _param(draw, 0.0, 1.0, distributions=distributions, cited=cited)
    return out


@st.composite
def tactic_data(
    draw: st.DrawFn,
    tactics: Sequence[str] | None = None,
    *,
    distributions: bool = True,
    cited: bool = True,
) -> Any:
    """A tactic of the registry (or one of ``tactics``): a bare name or
    ``{name, beta, kappa}`` with beta in [0.2, 5] and kappa in [0, 1]."""
    return _tactic(draw, tactics, distributions, cited)


def _party(
    draw: st.DrawFn,
    issues: Mapping[str, Mapping[str, Any]],
    stakes_in: Sequence[str] | None,
    tactics: Sequence[str] | None,
    hard: bool | None,
    distributions: bool,
    cited: bool,
) -> Data:
    if stakes_in is None:
        names = sorted(issues)
        stakes_in = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    out: Data = {"name": draw(_TEXT)}
    if draw(_BOOL):
        out["capability"] = _param(
            draw, 0.1, 5.0, distributions=distributions, kinds=BOUNDED, cited=cited
        )
    if draw(_BOOL):
        out["decay"] = _param(
            draw, 0.0, 0.9, distributions=distributions, kinds=BOUNDED, cited=cited
        )
    out["tactic"] = _tactic(draw, tactics, distributions, cited)
    if draw(_RARELY):
        out["mediator"] = True
    out["stakes"] = {
        i: _stake(draw, issues[i], hard, distributions, cited, own_tactic=True) for i in stakes_in
    }
    return out


@st.composite
def party_data(
    draw: st.DrawFn,
    issues: Mapping[str, Mapping[str, Any]],
    *,
    stakes_in: Sequence[str] | None = None,
    tactics: Sequence[str] | None = None,
    hard: bool | None = None,
    distributions: bool = True,
    cited: bool = True,
) -> Data:
    """A party (capability in [0.1, 5], decay in [0, 0.9], a tactic of ``tactics``) with
    stakes in ``stakes_in`` (default: a non-empty subset of ``issues``, given as data)."""
    return _party(draw, issues, stakes_in, tactics, hard, distributions, cited)


def parties(issues: Mapping[str, Mapping[str, Any]], **kwargs: Any) -> st.SearchStrategy[Party]:
    """Validated :class:`~sim.party.Party` models over ``issues`` (given as data)."""
    return party_data(issues, **kwargs).map(Party.model_validate)


def actor_data() -> st.SearchStrategy[Data]:
    """An outside player: a name and an optional description."""
    return st.fixed_dictionaries({"name": _TEXT}, optional={"description": _TEXT})


_ACTOR = actor_data()


def actors() -> st.SearchStrategy[Actor]:
    """Validated :class:`~sim.party.Actor` models."""
    return _ACTOR.map(Actor.model_validate)


def _leverage(
    draw: st.DrawFn,
    nodes: Sequence[str],
    max_edges: int,
    nonnegative: bool,
    self_loops: bool,
    distributions: bool,
    cited: bool,
) -> dict[str, dict[str, Any]]:
    edges: list[tuple[str, str]] = []
    shape = draw(st.integers(0, 2)) if len(nodes) > 1 else 0
    if shape == 0:  # any edges, cycles and self-loops included
        for _ in range(draw(st.integers(0, max_edges)) if nodes else 0):
            a, b = _pick(draw, nodes), _pick(draw, nodes)
            if (a, b) not in edges and (self_loops or a != b):
                edges.append((a, b))
    else:  # acyclic (W nilpotent): 1, a chain through the nodes in a drawn order; 2, a DAG
        order = draw(st.permutations(list(nodes)))
        if shape == 1:
            edges = list(zip(order[:-1], order[1:], strict=True))[:max_edges]
        else:
            for _ in range(draw(st.integers(0, max_edges))):
                j = draw(st.integers(1, len(order) - 1))
                a, b = order[draw(st.integers(0, j - 1))], order[j]
                if (a, b) not in edges:
                    edges.append((a, b))
    degree: dict[str, int] = {}
    for a, _ in edges:
        degree[a] = degree.get(a, 0) + 1
    out: dict[str, dict[str, Any]] = {}
    for a, b in edges:
        bound = 0.95 / degree[a]
        out.setdefault(a, {})[b] = _param(
            draw,
            0.0 if nonnegative else -bound,
            bound,
            distributions=distributions,
            kinds=BOUNDED,
            cited=cited,
        )
    return out


@st.composite
def leverage_data(
    draw: st.DrawFn,
    nodes: Sequence[str],
    *,
    max_edges: int = 6,
    nonnegative: bool = False,
    self_loops: bool = True,
    distributions: bool = True,
    cited: bool = True,
) -> dict[str, dict[str, Any]]:
    """A leverage graph (``{a: {b: w}}``) over ``nodes`` whose propagation converges: each
    weight's largest magnitude is at most 0.95 / (its source's out-degree), so every row of
    |W| sums to at most 0.95 and the spectral radius of |W| is below 1. ``nonnegative``:
    weights in [0, 0.95].

    A third of the graphs are any edges (cycles, and self-loops if ``self_loops``), a third a
    chain through all the nodes, a third another acyclic graph: pressure passed on along
    paths of several edges, with a spectral radius of 0."""
    return _leverage(draw, nodes, max_edges, nonnegative, self_loops, distributions, cited)


def _pressure(
    draw: st.DrawFn,
    targets: Sequence[str],
    rounds: int,
    stakes: Mapping[str, Mapping[str, Mapping[str, Any]]] | None,
    effects: bool,
    distributions: bool,
    chance_events: bool,
    cited: bool,
) -> Data:
    out: Data = {
        "kind": draw(st.sampled_from(PRESSURE_KINDS)) if draw(_BOOL) else draw(_TEXT),
        "target": _pick(draw, targets),
    }
    if draw(_RARELY):
        out["label"] = draw(_TEXT)
    start = _round(draw, 1, rounds, distributions)
    out["start"] = start
    if draw(_BOOL):
        out["end"] = _round(draw, start if isinstance(start, int) else 1, rounds, distributions)
    if chance_events:
        if draw(_BOOL):
            out["probability"] = _param(draw, 0.0, 1.0, distributions=distributions, cited=cited)
    elif draw(_RARELY):
        out["probability"] = draw(st.sampled_from((1.0, 0.0)))
    out["magnitude"] = _param(draw, -1.0, 3.0, distributions=distributions, cited=cited)
    if effects and stakes:
        held = sorted((p, i) for p, by in stakes.items() for i in by)
        effs = []
        for _ in range(draw(st.integers(0, 2)) if held else 0):
            p, i = _pick(draw, held)
            lo, hi = issue_bounds(stakes[p][i])
            half = (hi - lo) / 2
            shift = _param(draw, -half, half, distributions=distributions, cited=cited)
            effs.append({"party": p, "issue": i, "shift": shift})
        if effs:
            out["effects"] = effs
    return out


@st.composite
def pressure_data(
    draw: st.DrawFn,
    targets: Sequence[str],
    rounds: int,
    *,
    stakes: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    effects: bool = True,
    distributions: bool = True,
    chance_events: bool = True,
    cited: bool = True,
) -> Data:
    """A pressure on one of ``targets`` within rounds 1..``rounds``, magnitude in [-1, 3].

    ``stakes``: party -> issue -> issue data, the stakes a direct effect may shift (up to half
    the issue's width per unit of magnitude, either way). ``chance_events=False``: the
    probability is 1 or 0, so every run sees the same events. A stated end is never before a
    stated start.
    """
    return _pressure(draw, targets, rounds, stakes, effects, distributions, chance_events, cited)


def pressures(targets: Sequence[str], rounds: int, **kwargs: Any) -> st.SearchStrategy[Pressure]:
    """Validated :class:`~sim.pressure.Pressure` models (knobs as :func:`pressure_data`)."""
    return pressure_data(targets, rounds, **kwargs).map(Pressure.model_validate)


# ---------------------------------------------------------------------------------------------
# Whole scenarios
# ---------------------------------------------------------------------------------------------


@st.composite
def scenario_data(
    draw: st.DrawFn,
    *,
    min_parties: int = 2,
    max_parties: int = 4,
    min_issues: int = 1,
    max_issues: int = 4,
    min_rounds: int = 2,
    max_rounds: int = 12,
    max_actors: int = 2,
    min_pressures: int = 0,
    max_pressures: int = 3,
    distributions: bool = True,
    chance_events: bool = True,
    tactics: Sequence[str] | None = None,
    requires: bool = True,
    ordinal: bool | None = None,
    hard: bool | None = None,
    effects: bool = True,
    leverage: bool = True,
    nonnegative_leverage: bool = False,
    cited: bool = True,
    single_stakeholder: bool = True,
) -> Data:
    """A whole scenario as plain data (a dict ``Scenario.model_validate`` accepts).

    Knobs: the numbers of parties, issues, actors, pressures and rounds (``min_*``,
    ``max_*``);
    ``distributions`` (False: every field a plain number); ``chance_events`` (False: every
    event has probability 1 or 0, so with ``distributions=False`` every run is alike);
    ``tactics`` (the names allowed, default the whole registry); ``requires`` (an acyclic
    graph of ``requires`` edges, or none); ``ordinal`` (None: continuous and ordinal issues;
    True or False: one kind only); ``hard`` (None: hard and soft red lines); ``effects``
    (direct effects of pressures on existing stakes); ``leverage`` and
    ``nonnegative_leverage``; ``cited`` (``{value, assumption}`` numbers);
    ``single_stakeholder`` (False: every issue has at least two stakeholders).
    """
    if tactics is not None and not tactics:
        raise ValueError("tactics: name at least one tactic")
    if not single_stakeholder and max_parties < 2:
        raise ValueError("single_stakeholder=False needs max_parties >= 2")
    T = draw(st.integers(min_rounds, max_rounds))
    n_parties = draw(st.integers(min_parties, max_parties))
    n_actors = draw(st.integers(0, max_actors))
    names = _unique_ids(draw, n_parties + n_actors)
    party_ids, actor_ids = names[:n_parties], names[n_parties:]
    issue_ids = _unique_ids(draw, draw(st.integers(min_issues, max_issues)))
    pressure_ids = _unique_ids(draw, draw(st.integers(min_pressures, max_pressures)))

    # Requires: edges only from earlier to later issues of a drawn order (so acyclic).
    order = draw(st.permutations(issue_ids))
    reqs: dict[str, list[str]] = {}
    for k, i in enumerate(order):
        earlier = list(order[:k])
        reqs[i] = []
        if requires and earlier:
            for _ in range(draw(st.integers(0, 2))):
                j = _pick(draw, earlier)
                if j not in reqs[i]:
                    reqs[i].append(j)
    core = {i: draw(_CORE) for i in issue_ids}
    if not any(core.values()):
        core[_pick(draw, issue_ids)] = True
    issue_map = {i: _issue(draw, ordinal, reqs[i], core[i], 5, True) for i in issue_ids}

    # Who holds a stake in what: every issue has a stakeholder (two, unless allowed one).
    held: dict[str, list[str]] = {}
    for p in party_ids:
        held[p] = [i for i in issue_ids if draw(_BOOL)]
    need = 1 if single_stakeholder else 2
    for i in issue_ids:
        holders = [p for p in party_ids if i in held[p]]
        while len(holders) < need:
            p = _pick(draw, [q for q in party_ids if q not in holders])
            held[p].append(i)
            holders.append(p)
    party_map = {
        p: _party(draw, issue_map, held[p], tactics, hard, distributions, cited) for p in party_ids
    }
    data: Data = {"title": draw(_TEXT), "rounds": T}
    if draw(_RARELY):
        data["description"] = draw(_TEXT)
    if draw(_RARELY):
        data["seed"] = draw(st.integers(0, 2**32))
    if draw(_RARELY):
        data["as_of"] = draw(st.dates())
        data["timeline"] = {"start": draw(st.dates()), "days_per_round": draw(st.integers(1, 30))}
    data["issues"] = issue_map
    data["parties"] = party_map
    if actor_ids:
        data["actors"] = {a: draw(_ACTOR) for a in actor_ids}
    nodes = party_ids + actor_ids
    if leverage:
        lev = _leverage(draw, nodes, 6, nonnegative_leverage, True, distributions, cited)
        if lev:
            data["leverage"] = lev
    if pressure_ids:
        stake_issues = {p: {i: issue_map[i] for i in party_map[p]["stakes"]} for p in party_ids}
        data["pressures"] = {
            e: _pressure(draw, nodes, T, stake_issues, effects, distributions, chance_events, cited)
            for e in pressure_ids
        }
    return data


def scenarios(**kwargs: Any) -> st.SearchStrategy[Scenario]:
    """Validated scenarios (knobs as :func:`scenario_data`), each free of ``check_scenario``
    errors for the tactics of the registry."""
    return scenario_data(**kwargs).map(Scenario.model_validate)
