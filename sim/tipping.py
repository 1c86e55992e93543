"""Tipping points: the value of one parameter at which an outcome flips.

"What would it take" read as a threshold: how large must a pressure be, how likely, how early,
for a zone to open by some round or for a deal to become more likely than not? negsim answers
it on the engine itself, by bracketing and bisection, instead of by a grid sweep: a handful of
evaluations find the value to a stated tolerance.

**The parameter.** One numeric field of the scenario, named by its dotted path as for
``--set`` (``pressures.new_car_arrives.magnitude``, ``...start``, ``...probability``, any
red line, elasticity, weight, ...), or several paths that move together to the same value
(the two halves of one tariff bill). Each tried value is written as the override
``PATH=value`` and the scenario reloaded, so a value the file would reject is reported exactly
as ``--set`` reports it. A field that is a distribution is *fixed* at each tried value. Round
numbers (a pressure's start or end) are bisected on whole numbers.

**The outcome** (a *target*):

- ``zone:ISSUE@ROUND``: the zone of ISSUE is open at ROUND, for the scenario at its means. This
  is deterministic, so the bisection is exact: the answer is the flip point to within ``tol``.
- ``open:ISSUE@ROUND>=P``: P(zone of ISSUE open at ROUND) at least P (Monte Carlo).
- ``settled:ISSUE@ROUND>=P``: P(ISSUE settled by ROUND) at least P (default P = 0.5).
- ``deal>=P`` and ``deal@ROUND>=P``: P(deal by the deadline, or by ROUND) at least P.

The round defaults to the deadline and the level to 0.5.

**Bracketing.** The bracket ``[lo, hi]`` (by default from the field's domain and current value:
a probability [0, 1], a round [1, T], a position the issue's scale, a magnitude 0 to four
times its mean, ...) is first scanned at a few evenly spaced values. If the outcome is the same
at all of them, it is reported as never flipping in the bracket (with the largest and smallest
probability seen, for a Monte Carlo target). Otherwise the first scan interval in which it
flips is bisected. When the scan sees it flip more than once the outcome is not monotone in
the parameter, and the result says so.

**Monte Carlo targets and their band.** Every evaluation uses the same seed, so run k draws
the same numbers at every tried value (common random numbers): the estimate p(x) is a
deterministic function of x, and where the model is monotone in x run by run (MODEL.md's
invariant 4 for a magnitude without direct effects) each run k has its own threshold t_k at
which it flips, and p(x) is the share of runs with t_k <= x, a step function. The bisection
then finds exactly where that step function crosses the level: the level-quantile of the
runs' thresholds. Its Monte Carlo uncertainty is reported as a band obtained by inverting the
binomial (Wilson 95%) interval along the same curve. The crossing is the first value (going the
way P rises) at which P reaches the level; a value is a plausible crossing if P may already
have reached the level there (the Wilson upper bound of p(x) reaches it: p(x) >= p_a) while it
may not yet have reached it one step before (the lower bound there does not pass it: below
p_b). So the band runs from the first value with p(x) >= p_a to the first with p(x) >= p_b;
for a continuous parameter it is the set of values at which the level lies inside the Wilson
interval of p(x). Its ends are found by two more bisections on the same cached curve (a few
evaluations more). Because p(x) is the empirical distribution function of the thresholds,
this is the classical distribution-free confidence interval of a quantile (by order
statistics, with the Wilson approximation of the binomial): it always contains the
bisection's answer and shrinks like 1/sqrt(runs) divided by the slope of P at the crossing.
A band end that reaches the bracket's end is marked open.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import numpy as np
from pydantic import BaseModel

from .distributions import (
    AnyParam,
    Beta,
    Choice,
    Cited,
    Fixed,
    Normal,
    Triangular,
    Uniform,
    is_random,
)
from .engine import Negotiation
from .errors import Problem, ScenarioError, did_you_mean, dotted
from .loading import Loaded, load_scenario
from .montecarlo import simulate
from .pressure import Pressure
from .random_ import normalise_seed
from .scenario import Scenario

#: The models of a number of the scenario: fixed or a distribution.
PARAM_TYPES = (Fixed, Normal, Uniform, Triangular, Beta, Choice)

#: z of a two-sided 95% interval.
Z95 = 1.959963984540054

#: Default number of evenly spaced values scanned across the bracket before bisecting.
SCAN = 5

#: Default tolerance, as a share of the bracket's width: at the means and in Monte Carlo.
REL_TOL_EXACT = 1e-5
REL_TOL_MC = 1e-3

_TARGET_RE = re.compile(
    r"^\s*(?P<kind>[a-z_]+)"
    r"(?::(?P<issue>[^@>=\s]+))?"
    r"(?:@(?P<round>[^>=\s]+))?"
    r"(?:\s*>=\s*(?P<level>\S+))?\s*$"
)
KINDS = ("zone", "open", "settled", "deal")
TARGET_HELP = (
    "zone:ISSUE@ROUND, open:ISSUE@ROUND>=P, settled:ISSUE@ROUND>=P, deal>=P, deal@ROUND>=P"
)


class TipError(ValueError):
    """Invalid input to a tipping-point search: one line per problem, for the user."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ---------------------------------------------------------------------------------------------
# Fields: what a dotted path names, whether it is whole, where its values are valid
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRef:
    """One numeric field of a scenario, named by its dotted path."""

    dotted: str
    path: tuple[str | int, ...]
    value: AnyParam | int | float | None  # None: not set in the file (a default applies)
    integer: bool  # a round number: bisected on whole numbers
    domain: tuple[float, float]  # where the field's values are valid (may be infinite)

    @property
    def name(self) -> str:
        return str(self.path[-1])

    @property
    def mean(self) -> float | None:
        """The current value (a distribution's mean), or None when the file leaves it out."""
        if self.value is None:
            return None
        if isinstance(self.value, int | float):
            return float(self.value)
        return self.value.mean()

    def describe(self) -> str:
        """The current value in words: ``1``, ``triangular(0.2, 0.4, 0.6)``, ``not set``."""
        v = self.value
        if v is None:
            return "not set"
        if isinstance(v, int | float):
            return f"{v:g}"
        return describe_param(v)


def describe_param(p: AnyParam) -> str:
    """A number or a distribution as a short text: ``1``, ``triangular(2, 4.5, 8)``,
    ``normal(mean 1, sd 0.2)``, ``choice(15, 18, 21; weights 1, 2, 1)``."""
    if isinstance(p, Fixed):
        return f"{p.value:g}"
    if isinstance(p, Choice):
        values = ", ".join(f"{x:g}" for x in p.values)
        weights = "; weights " + ", ".join(f"{w:g}" for w in p.weights) if p.weights else ""
        return f"choice({values}{weights})"
    if isinstance(p, Normal):
        return f"normal(mean {p.mean_:g}, sd {p.sd:g})"
    if isinstance(p, Beta):
        return f"beta(a {p.a:g}, b {p.b:g} on {p.low:g}..{p.high:g})"
    if isinstance(p, Uniform):
        return f"uniform({p.low:g}, {p.high:g})"
    if isinstance(p, Triangular):
        return f"triangular({p.low:g}, {p.mode:g}, {p.high:g})"
    return str(p)


def split_path(text: str) -> tuple[str | int, ...]:
    """``a.b.0.c`` -> ``("a", "b", 0, "c")``, as ``--set`` reads a path."""
    return tuple(int(w) if w.isdigit() else w for w in text.strip().split("."))


def _numeric_annotation(ann: Any) -> bool:
    """True if a pydantic annotation admits a number (a Param, a round, an int or a float)."""
    if ann in (int, float) or ann is Fixed:
        return True
    return any(_numeric_annotation(a) for a in get_args(ann))


def field_domain(s: Scenario, path: tuple[str | int, ...]) -> tuple[float, float]:
    """Where the values of the field at ``path`` are valid, as MODEL.md clips its draws:
    positions within the issue's scale, probabilities in [0, 1], rounds in [1, T], decay in
    [0, 1), leverage weights in [-1, 1], strictly positive fields above 0, elasticities and
    kappas non-negative; magnitudes and shifts are unbounded."""
    name = path[-1]
    if (len(path) == 5 and path[0] == "parties" and path[2] == "stakes"
            and name in ("ideal", "red_line", "limit") and str(path[3]) in s.issues):
        lo, hi = s.issues[str(path[3])].bounds
        return (float(lo), float(hi))
    if name == "probability":
        return (0.0, 1.0)
    if path[0] == "pressures" and name in ("start", "end"):
        return (1.0, float(s.rounds))
    if name == "decay":
        return (0.0, math.nextafter(1.0, 0.0))
    if path[0] == "leverage":
        return (-1.0, 1.0)
    if name in ("capability", "salience", "beta"):
        return (math.ulp(0.0), math.inf)
    if name in ("elasticity", "kappa"):
        return (0.0, math.inf)
    return (-math.inf, math.inf)


def resolve_field(s: Scenario, text: str, flag: str = "--vary") -> FieldRef:
    """The numeric field at the dotted path ``text``; raises :class:`TipError` naming the
    first segment that does not exist (with a did-you-mean hint), or a field that is not a
    number."""
    where = f"{flag} '{text}'"
    try:
        path = split_path(text)
    except ValueError:
        raise TipError([f"{where}: not a dotted path"]) from None
    if not text.strip() or any(seg == "" for seg in path):
        raise TipError([f"{where}: empty segment in the path"])
    node: Any = s
    parent: Any = None
    ann: Any = None
    for k, seg in enumerate(path):
        here = dotted(path[:k]) or "the top level"
        if isinstance(node, Cited) and isinstance(node, BaseModel):
            raise TipError([f"{where}: {dotted(path[:k])} holds a number, not fields; vary "
                            f"{dotted(path[:k])} itself"])
        if isinstance(node, BaseModel):
            names = [n for n in type(node).model_fields if n not in ("source", "assumption")]
            if not isinstance(seg, str) or seg not in names:
                hint = did_you_mean(str(seg), names)
                raise TipError([f"{where}: no field '{seg}' at {here}"
                                + (f"; {hint}" if hint else "")])
            parent, ann = node, type(node).model_fields[seg].annotation
            node = getattr(node, seg)
        elif isinstance(node, dict):
            keys = [str(x) for x in node]
            if str(seg) not in keys:
                hint = did_you_mean(str(seg), keys)
                raise TipError([f"{where}: no field '{seg}' at {here}"
                                + (f"; {hint}" if hint else "")])
            parent, ann = node, Fixed if path[0] == "leverage" else None
            node = node[next(x for x in node if str(x) == str(seg))]
        elif isinstance(node, list):
            if not isinstance(seg, int) or seg >= len(node):
                raise TipError([f"{where}: no item {seg} at {here} (it has {len(node)})"])
            parent, ann = node, None
            node = node[seg]
        else:
            raise TipError([f"{where}: {here} holds a value, not fields"])
    name = path[-1]
    if name in ("rounds", "seed") and len(path) == 1:
        raise TipError([f"{where}: the {name} cannot be varied here (targets name rounds of "
                        "the scenario); use --set to change it"])
    numeric = isinstance(node, PARAM_TYPES)
    numeric = numeric or (isinstance(node, int | float) and not isinstance(node, bool))
    numeric = numeric or (node is None and ann is not None and _numeric_annotation(ann))
    if not numeric:
        what = ("text" if isinstance(node, str) else "true or false" if isinstance(node, bool)
                else "a list" if isinstance(node, list) else "fields" if node is not None
                else "no number")
        raise TipError([f"{where}: not a number (it holds {what})"])
    integer = isinstance(parent, Pressure) and name in ("start", "end")
    integer = integer or (isinstance(node, int) and not isinstance(node, bool))
    return FieldRef(text.strip(), path, node, integer, field_domain(s, path))


def default_bracket(f: FieldRef) -> tuple[float, float]:
    """A bracket to search when none is given: the field's whole domain when it is bounded
    (a probability, a round, a position on a scale, a weight), otherwise from 0 to four times
    its current value (a quarter to four times, for a strictly positive field)."""
    lo, hi = f.domain
    if f.name == "decay":
        return (0.0, 0.99)
    if math.isfinite(lo) and math.isfinite(hi):
        if f.path[0] == "leverage":
            v = f.mean or 0.0
            return (0.0, 1.0) if v >= 0 else (-1.0, 0.0)
        return (lo, hi)
    v = f.mean if f.mean is not None else 0.0
    if lo > 0:  # strictly positive
        return (v / 4, 4 * v) if v > 0 else (0.25, 4.0)
    if v > 0:
        return (max(lo, 0.0), 4 * v)
    if v < 0:
        return (4 * v, min(hi, 0.0))
    return (max(lo, 0.0), min(hi, 1.0))


def yaml_number(x: float, integer: bool = False) -> str:
    """A number as YAML text that reads back as the same number (YAML 1.1 needs a point in
    ``1.0e-05``; a whole round is written without one)."""
    if integer:
        return str(int(round(x)))
    text = repr(float(x))
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exp = text.split("e")
        text = f"{mantissa}.0e{exp}"
    return text


# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The outcome whose flip is sought."""

    kind: str  # "zone" (at the means), "open", "settled", "deal" (Monte Carlo)
    issue: str | None
    round: int
    level: float  # the probability level of a Monte Carlo target (unused for "zone")
    text: str

    @property
    def monte_carlo(self) -> bool:
        return self.kind != "zone"

    def quantity(self, s: Scenario) -> str:
        """What is measured: ``P(deal by round 29 (2026-12-25))``, ``the zone of price at
        round 5``."""
        at = s.round_label(self.round)
        by = at.replace("round", "by round", 1)
        if self.kind == "zone":
            return f"the zone of {self.issue} at {at} (at the means)"
        if self.kind == "open":
            return f"P(zone of {self.issue} open at {at})"
        if self.kind == "settled":
            return f"P({self.issue} settled {by})"
        return f"P(deal {by})"

    def describe(self, s: Scenario) -> str:
        if self.kind == "zone":
            return f"the zone of {self.issue} open at {s.round_label(self.round)} (at the means)"
        return f"{self.quantity(s)} >= {pct(self.level)}"


def pct(p: float) -> str:
    """A probability as a percentage with as many decimals as it needs (50%, 12.5%)."""
    text = f"{100 * p:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def parse_target(text: str, s: Scenario) -> Target:
    """Read a target (:data:`TARGET_HELP`) against a scenario; raises :class:`TipError`."""
    where = f"--target '{text}'"
    m = _TARGET_RE.match(text)
    if m is None:
        raise TipError([f"{where}: not a target (expected {TARGET_HELP})"])
    kind, issue, rnd, lvl = m.group("kind"), m.group("issue"), m.group("round"), m.group("level")
    problems: list[str] = []
    if kind not in KINDS:
        hint = did_you_mean(kind, KINDS)
        raise TipError([f"{where}: unknown target '{kind}' (expected {TARGET_HELP})"
                        + (f"; {hint}" if hint else "")])
    if kind == "deal" and issue is not None:
        problems.append(f"{where}: a deal is over every core issue; write deal>=P or "
                        "deal@ROUND>=P")
    if kind != "deal" and issue is None:
        problems.append(f"{where}: name the issue, as {kind}:ISSUE@ROUND")
    if issue is not None and kind != "deal" and issue not in s.issues:
        hint = did_you_mean(issue, list(s.issues))
        problems.append(f"{where}: unknown issue '{issue}' (expected one of: "
                        f"{', '.join(s.issues)})" + (f"; {hint}" if hint else ""))
    t = s.rounds
    if rnd is not None:
        if not rnd.isdigit() or not 1 <= int(rnd) <= s.rounds:
            problems.append(f"{where}: the round must be a whole number from 1 to {s.rounds}, "
                            f"not '{rnd}'")
        else:
            t = int(rnd)
    level = 0.5
    if lvl is not None:
        if kind == "zone":
            problems.append(f"{where}: a zone at the means is open or closed, with no "
                            f"probability; for P(zone open) write open:{issue}@ROUND>=P")
        else:
            try:
                level = float(lvl[:-1]) / 100 if lvl.endswith("%") else float(lvl)
            except ValueError:
                level = math.nan
            if not 0 < level < 1:
                problems.append(f"{where}: the level must be a probability strictly between "
                                f"0 and 1 (0.5 or 50%), not '{lvl}'")
    if problems:
        raise TipError(problems)
    return Target(kind, issue, t, level, text.strip())


# ---------------------------------------------------------------------------------------------
# Evaluations
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One evaluation: the value tried and the outcome there."""

    x: float
    hit: bool  # the target holds (zone open; P >= level)
    k: int = 0  # runs in which the event happened (Monte Carlo)
    n: int = 0  # runs (0 at the means)

    @property
    def p(self) -> float | None:
        return self.k / self.n if self.n else None


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion k/n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z / d * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def band_counts(level: float, n: int) -> tuple[int, int]:
    """(k_a, k_b): the fewest successes whose Wilson upper bound reaches ``level``, and the
    fewest whose lower bound exceeds it. The level lies inside the interval of k/n exactly
    when k_a <= k < k_b."""
    k_a = next((k for k in range(n + 1) if wilson(k, n)[1] >= level), n + 1)
    k_b = next((k for k in range(k_a, n + 1) if wilson(k, n)[0] > level), n + 1)
    return k_a, k_b


class Evaluator:
    """Evaluates the target at a value of the varied fields (cached: each value once)."""

    def __init__(self, file: Path, overrides: Sequence[str], fields: Sequence[FieldRef],
                 target: Target, runs: int, seed: int,
                 on_eval: Callable[[Point], None] | None = None) -> None:
        self.file, self.overrides, self.fields = file, list(overrides), list(fields)
        self.target, self.runs, self.seed = target, runs, seed
        self.integer = any(f.integer for f in fields)
        self.cache: dict[float, Point] = {}
        self.on_eval = on_eval

    def overrides_at(self, x: float) -> list[str]:
        return [*self.overrides,
                *(f"{f.dotted}={yaml_number(x, self.integer)}" for f in self.fields)]

    def load(self, x: float) -> Loaded:
        return load_scenario(self.file, self.overrides_at(x))

    def __call__(self, x: float) -> Point:
        x = float(round(x)) if self.integer else float(x)
        if x in self.cache:
            return self.cache[x]
        s = self.load(x).scenario
        tg = self.target
        if tg.kind == "zone":
            assert tg.issue is not None
            neg = Negotiation(s, at_means=True)
            b = neg.structure.issue_index(tg.issue)
            report = neg.step()
            while report.t < tg.round:
                report = neg.step()
            point = Point(x, bool(report.zones.open[0, b]))
        else:
            outcome = simulate(s, self.runs, self.seed)
            if outcome.interrupted:
                raise KeyboardInterrupt
            agg = outcome.aggregate
            k = _count(agg_open=agg.open, agg_settled=agg.settled, agg_deal=agg.deal,
                       target=tg, issues=tuple(sorted(s.issues)))
            # k / n >= level, without a rounding error at an exact tie (k = 300 of 1,000, 0.3)
            point = Point(x, k >= tg.level * agg.runs * (1 - 1e-12), k, agg.runs)
        self.cache[x] = point
        if self.on_eval is not None:
            self.on_eval(point)
        return point


def _count(agg_open: np.ndarray, agg_settled: np.ndarray, agg_deal: np.ndarray, target: Target,
           issues: tuple[str, ...]) -> int:
    k = target.round - 1
    if target.kind == "deal":
        return int(agg_deal[k])
    assert target.issue is not None
    b = issues.index(target.issue)
    return int((agg_open if target.kind == "open" else agg_settled)[k, b])


def bisect(hit: Callable[[float], bool], a: float, b: float, tol: float,
           integer: bool) -> tuple[float, float]:
    """Narrow ``(a, b)``, where ``hit(a) != hit(b)``, until ``|b - a| <= tol`` (whole numbers:
    until they are neighbours); ``a`` keeps ``hit(a)``'s outcome and ``b`` the other."""
    ha = hit(a)
    while True:
        if integer:
            if abs(b - a) <= 1:
                return a, b
            m = float((int(a) + int(b)) // 2)
        else:
            if abs(b - a) <= tol:
                return a, b
            m = (a + b) / 2
            if m in (a, b):  # no float left between them
                return a, b
        if hit(m) == ha:
            a = m
        else:
            b = m


# ---------------------------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TipResult:
    """A tipping point, or the statement that the outcome does not flip in the bracket."""

    target: Target
    quantity: str  # what is measured, in words
    at_label: str  # the target's round in words
    fields: tuple[FieldRef, ...]
    integer: bool
    lo: float
    hi: float
    tol: float
    runs: int | None  # None at the means
    seed: int | None
    scan: tuple[Point, ...]
    points: tuple[Point, ...]  # every evaluation, by value
    flips: bool
    rising: bool | None = None  # the target holds above the flip (True) or below it (False)
    value: float | None = None  # the first value at which the target holds
    other: float | None = None  # the nearest value tried at which it does not
    band: tuple[float, float] | None = None  # Monte Carlo: the 95% band of the crossing
    band_open: tuple[bool, bool] = (False, False)  # a band end reaches the bracket's end
    notes: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        """The varied field(s): ``a`` or ``a = b`` when several move together."""
        return " = ".join(f.dotted for f in self.fields)

    @property
    def evaluations(self) -> int:
        return len(self.points)

    def point(self, x: float | None) -> Point | None:
        return next((p for p in self.points if p.x == x), None)

    def fmt(self, x: float) -> str:
        """A value of the parameter, to the precision of the search."""
        if self.integer:
            return str(int(round(x)))
        digits = max(0, math.ceil(-math.log10(self.tol))) if self.tol > 0 else 6
        text = f"{x:.{min(digits, 12)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    def message(self) -> str:
        """The result as a few lines of text (what ``negsim tip`` prints)."""
        lines = [f"target: {self.headline}"]
        together = ", together," if len(self.fields) > 1 else ""
        lines.append(f"varying: {self.label}{together} in [{self.fmt(self.lo)}, "
                     f"{self.fmt(self.hi)}]" + (" (whole rounds)" if self.integer else ""))
        cur = "; ".join(f"{f.dotted} is {f.describe()}" for f in self.fields)
        fixed = any(isinstance(f.value, PARAM_TYPES) and is_random(f.value)
                    for f in self.fields)
        lines.append(f"  now: {cur}" + ("; each tried value fixes it" if fixed else ""))
        if self.runs is not None:
            lines.append(f"  {self.runs:,} runs per value, seed {self.seed}: the same random "
                         "numbers at every value (common random numbers)")
        scan = ", ".join(f"{self.fmt(p.x)}: {self._outcome(p)}" for p in self.scan)
        lines.append(f"  scan: {scan}")
        lines.extend(f"  note: {n}" for n in self.notes)
        lines.append("  " + self.verdict())
        if self.band is not None:
            lines.append(f"  95% band: {self.band_text()} (where the crossing can lie, given "
                         "the Wilson 95% intervals of the estimates)")
        lines.append(f"  {self.evaluations} evaluations")
        return "\n".join(lines)

    @property
    def headline(self) -> str:
        if self.target.kind == "zone":
            return f"the zone of {self.target.issue} open at {self._at} (at the means)"
        return f"{self.quantity} >= {pct(self.target.level)}"

    def _outcome(self, p: Point) -> str:
        if p.p is not None:
            return pct(p.p)
        return "open" if p.hit else "closed"

    def verdict(self) -> str:
        """One line: where it flips, or that it never does."""
        t = self.target
        rng = f"{self.label} in [{self.fmt(self.lo)}, {self.fmt(self.hi)}]"
        if not self.flips:
            if t.kind == "zone":
                state = "open" if self.scan[0].hit else "closed"
                return (f"the zone of {t.issue} at {self._at} stays {state} for {rng}: it "
                        "never flips in this bracket")
            ps = [p for p in self.points if p.p is not None]
            top = max(ps, key=lambda p: (p.k, -p.x))
            low = min(ps, key=lambda p: (p.k, p.x))
            if self.scan[0].hit:
                return (f"{self.quantity} stays at or above {pct(t.level)} for {rng}: min "
                        f"{pct(low.p or 0)} at {self.fmt(low.x)}{self._ties(low)}")
            return (f"{self.quantity} stays below {pct(t.level)} for {rng}: max "
                    f"{pct(top.p or 0)} at {self.fmt(top.x)}{self._ties(top)}")
        assert self.value is not None and self.other is not None
        v, o = self.fmt(self.value), self.fmt(self.other)
        op = ">=" if self.rising else "<="
        if t.kind == "zone":
            return (f"the zone of {t.issue} is open at {self._at} for {self.label} {op} {v} "
                    f"(closed at {o})")
        pv, po = self.point(self.value), self.point(self.other)
        assert pv is not None and po is not None
        return (f"{self.quantity} >= {pct(t.level)} for {self.label} {op} {v} "
                f"({pct(pv.p or 0)} at {v}, {pct(po.p or 0)} at {o})")

    def band_text(self) -> str:
        """``0.611 to 0.635``; an end that reached the bracket's end says the band may go on."""
        if self.band is None:
            return "-"
        a, b = self.band
        if a == b and not any(self.band_open):
            return self.fmt(a)
        ends = [f"{self.fmt(x)}" + (" (the bracket's end: it may reach beyond)" if o else "")
                for x, o in zip((a, b), self.band_open, strict=True)]
        return f"{ends[0]} to {ends[1]}"

    def _ties(self, best: Point) -> str:
        """`` (the same at 3 other values tried)`` when an extreme is a plateau."""
        m = sum(p.k == best.k for p in self.points) - 1
        return f" (the same at {m} other value{'s' if m > 1 else ''} tried)" if m else ""

    @property
    def _at(self) -> str:
        """The target's round in words (``round 5``, with its date if the scenario has one)."""
        return self.at_label or f"round {self.target.round}"

    def rows(self) -> list[dict[str, Any]]:
        """Every evaluation as a row (value, outcome, probability, runs)."""
        return [{"value": p.x, "hit": p.hit, "p": p.p, "runs": p.n or None} for p in self.points]


def find_tipping_point(
    file: str | Path,
    vary: Sequence[str],
    target: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    runs: int = 1000,
    seed: int | None = None,
    tol: float | None = None,
    scan: int = SCAN,
    overrides: Sequence[str] = (),
    on_eval: Callable[[Point], None] | None = None,
) -> TipResult:
    """Find where ``target`` flips as the fields ``vary`` (moving together) run over
    ``[lo, hi]``; see the module's docstring for the method.

    Raises :class:`TipError` for a bad path, target or bracket, and
    :class:`~sim.errors.ScenarioError` (relabelled ``--vary``) when a tried value makes the
    scenario invalid.
    """
    file = Path(file)
    base = load_scenario(file, overrides)
    s = base.scenario
    tg = parse_target(target, s)
    problems: list[str] = []
    fields: list[FieldRef] = []
    if not vary:
        problems.append("--vary: give at least one field path to vary")
    for text in vary:
        try:
            fields.append(resolve_field(s, text))
        except TipError as exc:
            problems.extend(exc.problems)
    if len({f.dotted for f in fields}) < len(fields):
        problems.append("--vary: the same field is given twice")
    if problems:
        raise TipError(problems)
    integer = any(f.integer for f in fields)
    if integer and not all(f.integer for f in fields):
        raise TipError([f"--vary: {', '.join(f.dotted for f in fields if f.integer)} take whole "
                        "rounds and the others do not; vary them separately"])
    d_lo, d_hi = default_bracket(fields[0])
    lo_v = d_lo if lo is None else float(lo)
    hi_v = d_hi if hi is None else float(hi)
    if not (math.isfinite(lo_v) and math.isfinite(hi_v) and lo_v < hi_v):
        raise TipError([f"the bracket [{lo_v:g}, {hi_v:g}] is empty: give --lo below --hi"])
    if integer and (lo_v != int(lo_v) or hi_v != int(hi_v)):
        raise TipError([f"{fields[0].dotted} is a round: give whole --lo and --hi"])
    if scan < 2:
        raise TipError(["--scan: at least 2 values (the bracket's ends)"])
    width = hi_v - lo_v
    if tol is None:
        tol = width * (REL_TOL_MC if tg.monte_carlo else REL_TOL_EXACT)
    if not tol > 0:
        raise TipError([f"--tol must be positive, not {tol:g}"])
    seed_v = normalise_seed(seed if seed is not None else s.seed)
    ev = Evaluator(file, overrides, fields, tg, runs, seed_v, on_eval)
    _check_values(ev, lo_v, hi_v)

    if integer:
        xs = sorted({float(round(v)) for v in np.linspace(lo_v, hi_v, min(scan, int(width) + 1))})
    else:
        xs = [float(v) for v in np.linspace(lo_v, hi_v, scan)]
    scanned = [ev(x) for x in xs]
    changes = [k for k in range(len(scanned) - 1) if scanned[k].hit != scanned[k + 1].hit]
    common: dict[str, Any] = dict(
        target=tg, quantity=tg.quantity(s), at_label=s.round_label(tg.round),
        fields=tuple(fields), integer=integer, lo=lo_v, hi=hi_v, tol=tol,
        runs=runs if tg.monte_carlo else None, seed=seed_v if tg.monte_carlo else None,
        scan=tuple(scanned))
    notes: list[str] = []
    if not changes:
        return TipResult(**common, points=_points(ev), flips=False)
    if len(changes) > 1:
        notes.append(f"the outcome flips {len(changes)} times across the scan: it is not "
                     "monotone in the parameter here; the first flip is bisected")
    k = changes[0]
    rising = scanned[k + 1].hit
    a, b = bisect(lambda x: ev(x).hit, xs[k], xs[k + 1], tol, integer)
    value, other = (b, a) if rising else (a, b)  # the target holds at value, not at other
    band: tuple[float, float] | None = None
    band_open = (False, False)
    if tg.monte_carlo:
        band, band_open = _band(ev, tg.level, runs, value, other, rising, tol, integer,
                                lo_v, hi_v)
    return TipResult(**common, points=_points(ev), flips=True, rising=rising, value=value,
                     other=other, band=band, band_open=band_open, notes=tuple(notes))


def _points(ev: Evaluator) -> tuple[Point, ...]:
    return tuple(ev.cache[x] for x in sorted(ev.cache))


def _check_values(ev: Evaluator, lo: float, hi: float) -> None:
    """Load the scenario at both ends of the bracket: a value the file rejects is reported as
    ``--set`` reports it, relabelled ``--vary``, before anything runs."""
    problems: list[Problem] = []
    said: set[str] = set()
    for x in (lo, hi):
        try:
            ev.load(x)
        except ScenarioError as exc:
            for p in exc.problems:
                text = str(p)
                if text.startswith("--set '"):
                    text = "--vary '" + text[len("--set '"):]
                if text not in said:
                    said.add(text)
                    problems.append(Problem(text, severity=p.severity))
    if problems:
        raise ScenarioError(problems)


def _band(ev: Evaluator, level: float, n: int, value: float, other: float, rising: bool,
          tol: float, integer: bool, lo: float, hi: float
          ) -> tuple[tuple[float, float], tuple[bool, bool]]:
    """The 95% band of a Monte Carlo crossing: from the first value (in the direction in which
    P rises) at which P's estimate reaches k_a/n to the first at which it reaches k_b/n
    (:func:`band_counts`), each bisected on the cached curve; returned in increasing order,
    with whether each end stopped at the bracket's end."""
    d = 1.0 if rising else -1.0
    k_a, k_b = band_counts(level, n)

    def pair(kc: int, near_hit: bool) -> tuple[float, float] | None:
        """The last value with fewer than kc successes and the first with at least kc, next
        to the main crossing (before its hit side if ``near_hit``, after its miss side
        otherwise); None if the curve never crosses kc there."""
        order = sorted(ev.cache, key=lambda x: d * x)
        if near_hit:
            below = [x for x in order if d * x <= d * value and ev.cache[x].k < kc]
            if not below:
                return None
            a = below[-1]
            b = next(x for x in order if d * x > d * a and ev.cache[x].k >= kc)
        else:
            above = [x for x in order if d * x >= d * other and ev.cache[x].k >= kc]
            if not above:
                return None
            b = above[0]
            a = [x for x in order if d * x < d * b and ev.cache[x].k < kc][-1]
        return bisect(lambda x: ev(x).k >= kc, a, b, tol, integer)

    start, end = (lo, hi) if rising else (hi, lo)
    low_pair = pair(k_a, True) if k_a > 0 else None
    high_pair = pair(k_b, False) if k_b <= n else None
    first = low_pair[1] if low_pair is not None else start
    last = high_pair[1] if high_pair is not None else end
    (a, a_open), (b, b_open) = sorted([(first, low_pair is None), (last, high_pair is None)])
    return (a, b), (a_open, b_open)


__all__ = [
    "FieldRef",
    "Point",
    "Target",
    "TipError",
    "TipResult",
    "band_counts",
    "default_bracket",
    "describe_param",
    "field_domain",
    "find_tipping_point",
    "parse_target",
    "resolve_field",
    "wilson",
    "yaml_number",
]
