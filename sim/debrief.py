"""The class debrief: the deals the teams reached, set against the zones and the engine.

A class plays one scenario in several teams; each team hands in its deal (a CSV: ``team``, then
one column per issue with the agreed value or level name; blank = no agreement on that issue).
The debrief places every deal against

- the **zones** of the scenario at its means at the deadline (the last round of the zone
  table, when soft red lines have given all the expected pressure allows): a value outside a
  stakeholder's acceptable set **breaks its red line**, and the debrief names the party, the
  issue and by how much;
- **value left on the table**: with MODEL.md's utility u_pi(x) = 1 - |x - x*| / |r - x*| and
  each party's utility of a deal the salience-weighted mean over its issues (a blank counts
  0, as bad as the red line), a deal inside the zones is *Pareto-dominated* when another point
  inside the zones gives some party more utility and none less. A linear programme (integer
  on ordinal issues) finds the best such point; a zone left blank is flagged too. Beside it,
  each deal's distance from the issues' Nash points;
- the **engine's outcome distribution**: Monte Carlo quantiles of each issue's settlement,
  P(settled) and P(deal), and the engine's settlement at the means.

Why the deadline's zones. A class negotiates once, not round by round; the zones of the last
round are the widest the scenario's pressures make them at the means, so a deal outside them is
one that no party's brief allowed.

The result prints as a table (:func:`format_debrief`) and draws as a figure for the screen
(:func:`debrief_figure`): one panel per issue with the parties' sets, the zone, the Nash point,
the engine's spread and every team's deal; for two parties, a utility panel with the Pareto
frontier.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import NDArray
from scipy.optimize import linprog

from .brief import num
from .engine import Negotiation, RoundReport
from .errors import did_you_mean
from .issue import Issue
from .montecarlo import Records, simulate
from .plot import (
    OKABE_ITO,
    PARTY_COLOURS,
    SOFT_DASH,
    ZONE_COLOUR,
    new_figure,
    title_width,
    wrap,
)
from .report import text_table
from .scenario import Scenario
from .zone import nash_point

F64 = NDArray[np.float64]

#: A deal is reported as leaving value on the table when a point in the zones adds at least
#: this much utility in total (utilities run from 0 at the red lines to 1 at the ideals).
MIN_GAIN = 0.01
#: Monte Carlo runs by default.
DEFAULT_RUNS = 2000
#: Colour of a deal that breaks a red line (vermillion is a party colour; black is not).
BREACH_COLOUR = OKABE_ITO["black"]


class DealsError(ValueError):
    """A deals file that cannot be read; ``problems`` holds one line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# ---------------------------------------------------------------------------------------------
# Reading the class's deals
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deal:
    """One team's agreement: a value per issue, None where they did not agree."""

    team: str
    values: dict[str, float | None]


def parse_value(issue: Issue, text: str) -> float:
    """A cell of the deals file on ``issue``: a number (thousands commas and a trailing unit
    allowed) or, on an ordinal issue, a level's name (any case) or number. ValueError says
    what is wrong."""
    t = text.strip()
    if issue.levels is not None:
        names = {n.casefold(): k for k, n in enumerate(issue.levels)}
        if t.casefold() in names:
            return float(names[t.casefold()])
        try:
            k: float | None = float(t)
        except ValueError:
            k = None
        if k is not None and k.is_integer() and 0 <= k < len(issue.levels):
            return k
        levels = ", ".join(issue.levels)
        hint = did_you_mean(t, issue.levels)
        raise ValueError(f"'{t}' is not a level (expected one of: {levels}, or 0.."
                         f"{len(issue.levels) - 1})" + (f"; {hint}" if hint else ""))
    if issue.unit and t.casefold().endswith(issue.unit.casefold()):
        t = t[: -len(issue.unit)].strip()
    plain = t.replace(",", "") if t.count(",") and all(
        len(g) == 3 for g in t.split(".")[0].split(",")[1:]) else t
    try:
        x = float(plain)
    except ValueError:
        raise ValueError(f"'{text.strip()}' is not a number") from None
    if not math.isfinite(x):
        raise ValueError(f"'{text.strip()}' is not a finite number")
    if not issue.lo - issue.eps <= x <= issue.hi + issue.eps:
        raise ValueError(f"{num(x)} is off the scale [{num(issue.lo)}, {num(issue.hi)}]")
    return x


def read_deals(text: str, s: Scenario, source: str = "deals") -> tuple[list[Deal], list[str]]:
    """The deals of a class from CSV text: (deals, notes). Raises :class:`DealsError` with
    every problem (``source:line: ...``): no ``team`` column first, an unknown or repeated
    issue column, a blank or repeated team, a row of the wrong length, a value that is not a
    number or a level, a value off the scale."""
    rows = [(n, row) for n, row in _rows(text) if any(c.strip() for c in row)
            and not row[0].lstrip().startswith("#")]
    if not rows:
        raise DealsError([f"{source}: empty: expected a header 'team,<issue>,...' and one row "
                          "per team"])
    problems: list[str] = []
    n0, header = rows[0]
    names = [h.strip() for h in header]
    if not names or names[0].casefold() != "team":
        problems.append(f"{source}:{n0}: the first column must be 'team' (got "
                        f"'{names[0] if names else ''}')")
    issues: list[str | None] = []
    for k, name in enumerate(names[1:], 2):
        if name in s.issues:
            if name in issues:
                problems.append(f"{source}:{n0}: column {k}: issue '{name}' appears twice")
            issues.append(name)
            continue
        by_label = [i for i, x in s.issues.items() if x.label.casefold() == name.casefold()]
        if by_label:
            issues.append(by_label[0])
            continue
        hint = did_you_mean(name, s.issues)
        problems.append(f"{source}:{n0}: column {k}: unknown issue column '{name}' (expected "
                        f"one of: {', '.join(s.issues)})" + (f"; {hint}" if hint else ""))
        issues.append(None)
    deals: list[Deal] = []
    teams: set[str] = set()
    for n, row in rows[1:]:
        if len(row) != len(names):
            problems.append(f"{source}:{n}: {len(row)} fields, but the header has "
                            f"{len(names)}")
            continue
        team = row[0].strip()
        if not team:
            problems.append(f"{source}:{n}: the team's name is blank")
            continue
        if team in teams:
            problems.append(f"{source}:{n}: team '{team}' appears twice")
            continue
        teams.add(team)
        values: dict[str, float | None] = {i: None for i in s.issues}
        for i, cell in zip(issues, row[1:], strict=True):
            if i is None or not cell.strip():
                continue
            try:
                values[i] = parse_value(s.issues[i], cell)
            except ValueError as exc:
                problems.append(f"{source}:{n}: team {team}, {i}: {exc}")
        deals.append(Deal(team, values))
    if not deals and not problems:
        problems.append(f"{source}: no team rows after the header")
    if problems:
        raise DealsError(problems)
    missing = [i for i in s.issues if i not in issues]
    notes = [f"{source}: no column for {i}: no team agreed on it" for i in missing]
    return deals, notes


def _rows(text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text))
    out = []
    for row in reader:
        out.append((reader.line_num, row))
    return out


# ---------------------------------------------------------------------------------------------
# The analysis
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Breach:
    """A deal value past a party's red line (at the deadline, at the means)."""

    party: str
    issue: str
    value: float
    red_line: float
    by: float  # how far past, in scale units (whole levels on an ordinal issue)


@dataclass
class TeamResult:
    """One team's deal, judged."""

    team: str
    values: dict[str, float | None]
    reference: bool = False  # the engine or the Nash point, not a team
    breaches: list[Breach] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)  # issues agreed outside the zone
    left_open: list[str] = field(default_factory=list)  # open zones left without agreement
    missing_core: list[str] = field(default_factory=list)  # core issues without agreement
    utility: dict[str, float] = field(default_factory=dict)  # per party
    better: dict[str, float] | None = None  # a dominating point in the zones
    gains: dict[str, float] = field(default_factory=dict)  # its utility gains
    nash_distance: float | None = None  # mean |x - Nash| as a share of the scale
    rank: dict[str, float] = field(default_factory=dict)  # share of engine settlements below

    @property
    def verdict(self) -> str:
        if self.breaches:
            return "breaks a red line"
        if self.outside:
            return "outside a zone"
        if self.missing_core:
            return "no deal"
        if self.better is not None:
            return "value left on the table"
        if self.left_open:
            return "incomplete"
        return "efficient"


@dataclass
class IssueView:
    """One issue at the deadline, at the means, and the engine's settlements over runs."""

    issue: str
    open: bool
    lo: float
    hi: float
    nash: float
    sets: dict[str, tuple[float, float, float, float, bool]]  # party: lo, hi, ideal, red, hard
    engine_value: float | None  # the engine at the means
    engine_round: int | None
    quantiles: tuple[float, ...]  # 5, 25, 50, 75, 95 % of the Monte Carlo settlements
    p_settled: float
    values: F64  # the Monte Carlo settlements themselves


@dataclass
class Debrief:
    """The whole debrief: the scenario's zones and the engine's outcomes, and every team."""

    scenario: Scenario
    round: int
    runs: int
    seed: int
    p_deal: float
    issues: list[IssueView]
    teams: list[TeamResult]
    references: list[TeamResult]
    utility: _Utility
    notes: list[str] = field(default_factory=list)

    def issue(self, i: str) -> IssueView:
        return next(v for v in self.issues if v.issue == i)


class _Utility:
    """Each party's utility of a point as an affine function of the agreed values:
    U_p(x) = sum_i w_pi u_pi(x_i) / sum_i w_pi over p's issues with some flexibility, where
    u_pi(x) = 1 - |x - x*| / |r - x*| and w_pi its salience. Inside p's set |x - x*| is
    dir (x - x*), so U_p is affine there, which the linear programme relies on."""

    def __init__(self, s: Scenario, r: RoundReport) -> None:
        st = r.structure
        self.parties = [p for p in s.parties if st.stakes[st.party_index(p)].any()]
        self.ideal: dict[tuple[str, str], float] = {}
        self.span: dict[tuple[str, str], float] = {}
        self.weight: dict[tuple[str, str], float] = {}
        for p in self.parties:
            a = st.party_index(p)
            stakes = s.parties[p].stakes
            total = 0.0
            for i in stakes:
                b = st.issue_index(i)
                span = float(r.red_line[0, a, b] - r.ideal[0, a, b])
                if abs(span) <= st.eps[b]:
                    continue  # no flexibility: a constraint, not a factor
                self.ideal[(p, i)] = float(r.ideal[0, a, b])
                self.span[(p, i)] = span
                total += stakes[i].salience.mean()
            for i in stakes:
                if (p, i) in self.span:
                    self.weight[(p, i)] = stakes[i].salience.mean() / total

    def of(self, p: str, values: dict[str, float | None]) -> float:
        """U_p of a deal; a blank issue counts 0 (as bad as the red line)."""
        u = 0.0
        for (q, i), w in self.weight.items():
            x = values.get(i)
            if q != p or x is None:
                continue
            u += w * (1.0 - abs(x - self.ideal[(q, i)]) / abs(self.span[(q, i)]))
        return u

    def slope(self, p: str, i: str) -> float:
        """dU_p / dx_i inside p's set on i (0 if p is no factor there)."""
        if (p, i) not in self.weight:
            return 0.0
        return -self.weight[(p, i)] / self.span[(p, i)]


def _dominating(util: _Utility, views: list[IssueView], values: dict[str, float | None],
                ordinal: dict[str, bool]) -> tuple[dict[str, float], dict[str, float]] | None:
    """A point inside the zones, agreeing on the same issues, that gives no party less utility
    and the parties together at least MIN_GAIN more; None if there is none.

    First the point that raises the smallest gain the most (every party gains: the most
    persuasive way to show value left on the table); if no such point adds MIN_GAIN in all,
    the point that adds the most in total without taking from anyone.
    """
    free = [v for v in views if v.open and values.get(v.issue) is not None]
    if not free or not util.parties:
        return None
    slopes = np.array([[util.slope(p, v.issue) for v in free] for p in util.parties])
    x0 = np.array([values[v.issue] for v in free], dtype=float)
    integ = [1 if ordinal[v.issue] else 0 for v in free]
    bounds = [((math.ceil(v.lo - 1e-9), math.floor(max(v.lo, v.hi) + 1e-9)) if k
               else (v.lo, max(v.lo, v.hi))) for v, k in zip(free, integ, strict=True)]
    n, m = len(free), len(util.parties)
    # max t  s.t.  slopes_p . (x - x0) >= t  for every p
    c = np.zeros(n + 1)
    c[-1] = -1.0
    a_ub = np.hstack([-slopes, np.ones((m, 1))])
    b_ub = -(slopes @ x0)
    res = linprog(c, A_ub=a_ub, b_ub=b_ub + 1e-12, bounds=[*bounds, (0.0, 1.0)],
                  integrality=[*integ, 0], method="highs")
    x = res.x[:n] if res.status == 0 and res.x is not None else None
    if x is None or (slopes @ (x - x0)).sum() < MIN_GAIN:
        # max sum_p slopes_p . (x - x0)  s.t. every gain >= 0
        res = linprog(-slopes.sum(axis=0), A_ub=-slopes, b_ub=-(slopes @ x0) + 1e-12,
                      bounds=bounds, integrality=integ, method="highs")
        x = res.x if res.status == 0 and res.x is not None else None
    if x is None:
        return None
    gains = slopes @ (x - x0)
    if gains.sum() < MIN_GAIN or gains.min() < -1e-9:
        return None
    point = {v.issue: float(xi) for v, xi in zip(free, x, strict=True)}
    return point, {p: float(g) for p, g in zip(util.parties, gains, strict=True)}


def frontier(util: _Utility, views: list[IssueView], ordinal: dict[str, bool],
             n: int = 41) -> tuple[F64, F64]:
    """The Pareto frontier of two parties' utilities over agreements inside the open zones:
    for each level of the first party's utility, the most the second can have."""
    p, q = util.parties[:2]
    free = [v for v in views if v.open]
    if not free:
        return np.zeros(0), np.zeros(0)
    sp = np.array([util.slope(p, v.issue) for v in free])
    sq = np.array([util.slope(q, v.issue) for v in free])
    integ = [1 if ordinal[v.issue] else 0 for v in free]
    bounds = [((math.ceil(v.lo - 1e-9), math.floor(max(v.lo, v.hi) + 1e-9)) if k
               else (v.lo, max(v.lo, v.hi))) for v, k in zip(free, integ, strict=True)]
    base = {v.issue: 0.0 for v in free}

    def u_at(x: F64, who: str) -> float:
        return util.of(who, {**base, **{v.issue: float(xi) for v, xi in
                                        zip(free, x, strict=True)}})

    lo_res = linprog(sp, bounds=bounds, integrality=integ, method="highs")
    hi_res = linprog(-sp, bounds=bounds, integrality=integ, method="highs")
    if lo_res.x is None or hi_res.x is None:
        return np.zeros(0), np.zeros(0)
    u_lo, u_hi = u_at(lo_res.x, p), u_at(hi_res.x, p)
    xs, ys = [], []
    const_p = u_at(np.zeros(len(free)), p)
    for level in np.linspace(u_lo, u_hi, n):
        # U_p(x) = const_p + sp . x >= level
        res = linprog(-sq, A_ub=[-sp], b_ub=[const_p - level + 1e-12], bounds=bounds,
                      integrality=integ, method="highs")
        if res.x is None:
            continue
        xs.append(u_at(res.x, p))
        ys.append(u_at(res.x, q))
    return np.array(xs), np.array(ys)


def _effective_red(issue: Issue, red: float, direction: float) -> float:
    """The red line as the set holds it: on an ordinal issue, the farthest level reached."""
    if issue.levels is None:
        return red
    return float(math.floor(red + 1e-9) if direction > 0 else math.ceil(red - 1e-9))


def _judge(s: Scenario, r: RoundReport, util: _Utility, views: list[IssueView],
           nash: F64, res: TeamResult) -> None:
    st = r.structure
    ordinal = {i: s.issues[i].ordinal for i in s.issues}
    dists = []
    for v in views:
        i = v.issue
        issue = s.issues[i]
        b = st.issue_index(i)
        x = res.values.get(i)
        if x is None:
            if v.open:
                res.left_open.append(i)
            if issue.core:
                res.missing_core.append(i)
            continue
        inside = True
        for p, (lo, hi, _ideal, red, _hard) in v.sets.items():
            a = st.party_index(p)
            d = float(st.direction[a, b])
            eff = _effective_red(issue, red, d)
            over = d * (x - eff)
            if over > issue.eps:
                res.breaches.append(Breach(p, i, x, eff, over))
            if not lo - issue.eps <= x <= hi + issue.eps:
                inside = False
        if not inside:
            res.outside.append(i)
        if not math.isnan(nash[0, b]):
            dists.append(abs(x - float(nash[0, b])) / issue.width)
        if len(v.values):
            res.rank[i] = float((v.values < x - issue.eps).mean()
                                + 0.5 * (np.abs(v.values - x) <= issue.eps).mean())
    res.nash_distance = float(np.mean(dists)) if dists else None
    res.utility = {p: util.of(p, res.values) for p in util.parties}
    if not res.breaches and not res.outside:
        found = _dominating(util, views, res.values, ordinal)
        if found is not None:
            res.better, res.gains = found


def debrief(s: Scenario, deals: list[Deal], runs: int = DEFAULT_RUNS,
            seed: int | None = None, notes: list[str] | None = None) -> Debrief:
    """Judge every deal against the zones at the deadline (at the means), the Nash points,
    the engine at the means and ``runs`` Monte Carlo runs (0: none)."""
    neg = Negotiation(s, at_means=True)
    r = neg.run()
    st = r.structure
    cap = np.array([[s.parties[p].capability.mean() for p in st.parties]])
    nash = nash_point(r.ideal, r.red_line, cap, st.stakes, r.zones)
    batches: list[Records] = []
    if runs > 0:
        outcome = simulate(s, runs, seed, on_batch=batches.append)
        used_seed, p_deal = outcome.seed, float(outcome.aggregate.deal[-1] / max(runs, 1))
    else:
        from .random_ import normalise_seed

        used_seed, p_deal = normalise_seed(seed if seed is not None else s.seed), math.nan
    sr = (np.concatenate([x.settled_round for x in batches]) if batches
          else np.zeros((0, st.I), np.int64))
    val = np.concatenate([x.value for x in batches]) if batches else np.zeros((0, st.I))
    views = []
    for i in s.issues:
        b = st.issue_index(i)
        sets = {}
        for p in s.parties:
            a = st.party_index(p)
            if st.stakes[a, b]:
                sets[p] = (float(r.a_lo[0, a, b]), float(r.a_hi[0, a, b]),
                           float(r.ideal[0, a, b]), float(r.red_line[0, a, b]),
                           bool(st.hard[a, b]))
        vals = val[sr[:, b] > 0, b]
        q = (tuple(float(x) for x in np.quantile(vals, [0.05, 0.25, 0.5, 0.75, 0.95]))
             if len(vals) else (math.nan,) * 5)
        views.append(IssueView(
            issue=i, open=bool(r.zones.open[0, b]), lo=float(r.zones.lo[0, b]),
            hi=float(max(r.zones.hi[0, b], r.zones.lo[0, b])), nash=float(nash[0, b]),
            sets=sets,
            engine_value=float(r.value[0, b]) if r.settled[0, b] else None,
            engine_round=int(r.settled_round[0, b]) or None,
            quantiles=q, p_settled=float((sr[:, b] > 0).mean()) if len(sr) else math.nan,
            values=vals,
        ))
    util = _Utility(s, r)
    teams = []
    for d in deals:
        res = TeamResult(d.team, dict(d.values))
        _judge(s, r, util, views, nash, res)
        teams.append(res)
    references = []
    engine = TeamResult("engine (at the means)", {v.issue: v.engine_value for v in views},
                        reference=True)
    _judge(s, r, util, views, nash, engine)
    references.append(engine)
    nash_ref = TeamResult("Nash points", {v.issue: (None if math.isnan(v.nash) else v.nash)
                                          for v in views}, reference=True)
    _judge(s, r, util, views, nash, nash_ref)
    references.append(nash_ref)
    return Debrief(s, r.t, len(sr), used_seed, p_deal, views, teams, references, util,
                   list(notes or []))


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------


def cell(issue: Issue, x: float | None, digits: int = 5) -> str:
    """A value in the table: the level's name, or the number (blank: no agreement)."""
    if x is None or math.isnan(x):
        return "-"
    if issue.levels is not None:
        k = int(round(x))
        return issue.levels[k] if abs(k - x) < 1e-9 else num(x, 3)
    return num(x, digits)


def _zone_cell(issue: Issue, v: IssueView) -> str:
    if not v.open:
        return "closed"
    if issue.levels is not None:
        a, b = math.ceil(v.lo - 1e-9), math.floor(v.hi + 1e-9)
        return issue.levels[a] if a == b else f"{issue.levels[a]} .. {issue.levels[b]}"
    return f"[{num(v.lo)}, {num(v.hi)}]"


def _amount(issue: Issue, x: float) -> str:
    """How far past a red line: whole levels, or the number with a short unit."""
    if issue.levels is not None:
        n = int(round(x))
        return f"{n} level" + ("s" if n != 1 else "")
    short = issue.unit if len(issue.unit) <= 6 else ""
    return f"{num(x)} {short}".strip()


def format_debrief(d: Debrief) -> str:
    """The debrief as text: the zones and the engine, the class's deals, the findings."""
    s = d.scenario
    names = {p: x.name for p, x in s.parties.items()}
    out = [f"{s.title}: the class's {len(d.teams)} deals", ""]
    mc = (f" and the engine's settlements over {d.runs:,} Monte Carlo runs (seed {d.seed})"
          if d.runs else "")
    out.append(f"Zones at round {d.round} (the deadline, at the means), Nash points{mc}:")
    rows = []
    for v in d.issues:
        issue = s.issues[v.issue]
        q = v.quantiles
        spread = ("-" if math.isnan(q[0]) else
                  cell(issue, q[2]) + " (always)" if q[0] == q[4] else
                  f"{cell(issue, q[0])} / {cell(issue, q[2])} / {cell(issue, q[4])}")
        engine = (f"{cell(issue, v.engine_value)} (r{v.engine_round})"
                  if v.engine_value is not None else "not settled")
        rows.append([v.issue, issue.unit or "level", _zone_cell(issue, v),
                     cell(issue, v.nash), engine, spread if d.runs else "-",
                     f"{v.p_settled:.0%}" if d.runs else "-"])
    out += text_table(["issue", "unit", "zone", "Nash point", "engine at the means",
                       "engine 5% / median / 95%", "P(settled)"], rows)
    if d.runs:
        out.append(f"  P(deal by round {d.round}) over the runs: {d.p_deal:.1%}")
    out.append("")
    parties = d.teams[0].utility.keys() if d.teams else d.references[0].utility.keys()
    header = ["team", *(v.issue for v in d.issues), *(f"u {p}" for p in parties), "from Nash",
              "verdict"]
    rows = []
    for t in [*d.teams, *d.references]:
        rows.append([
            t.team,
            *(cell(s.issues[v.issue], t.values.get(v.issue)) for v in d.issues),
            *(f"{t.utility[p]:.2f}" for p in parties),
            "-" if t.nash_distance is None else f"{t.nash_distance:.1%}",
            f"(reference) {t.verdict}" if t.reference else t.verdict,
        ])
    out.append("The class's deals (u: each party's utility, salience-weighted, 1 = every "
               f"ideal, 0 = every red line at round {d.round}; a blank counts 0):")
    table = text_table(header, rows, right=frozenset(range(len(d.issues) + 1, len(header) - 1)))
    n_teams = len(d.teams)
    out += table[: n_teams + 1]
    out.append("  " + "-" * (len(table[0]) - 2))
    out += table[n_teams + 1:]
    out.append("  (from Nash: the mean distance of the agreed values from the issues' Nash "
               "points, as a share of each scale)")
    out.append("")
    out.append("Findings:")
    for t in d.teams:
        lines = []
        for br in t.breaches:
            issue = s.issues[br.issue]
            unit = f" {issue.unit}" if issue.unit else ""
            lines.append(f"breaks {names[br.party]}'s red line on {br.issue} by "
                         f"{_amount(issue, br.by)} ({cell(issue, br.value, 6)} against "
                         f"{cell(issue, br.red_line, 6)}{unit})")
        for i in t.outside:
            if not any(b.issue == i for b in t.breaches):
                lines.append(f"agrees {i} outside its zone ({_zone_cell(s.issues[i], d.issue(i))})")
        if t.better is not None:
            point = ", ".join(f"{i} {cell(s.issues[i], x)}" for i, x in t.better.items())
            gains = " and ".join(f"{names[p]} {g:+.2f}" for p, g in t.gains.items()
                                 if abs(g) >= 0.005)
            lines.append(f"leaves value on the table: {point} gives {gains} utility, and "
                         "nobody less")
        for i in t.left_open:
            lines.append(f"no agreement on {i} although its zone was open "
                         f"({_zone_cell(s.issues[i], d.issue(i))})")
        for i in t.missing_core:
            if i not in t.left_open:
                lines.append(f"no agreement on {i} (its zone is closed: no deal was possible)")
        if not lines:
            lines.append("inside every zone, and no point in the zones is better for one side "
                         "without being worse for another")
        out.append(f"  {t.team}: " + "; ".join(lines) + ".")
    for note in d.notes:
        out.append(f"  note: {note}")
    return "\n".join(out)


def debrief_rows(d: Debrief) -> tuple[list[dict[str, object]], list[str]]:
    """The debrief as CSV rows (one per team, then the references) and their columns."""
    s = d.scenario
    parties = list(d.utility.parties)
    columns = ["team", "reference", "verdict", *s.issues, *(f"u_{p}" for p in parties),
               "from_nash", "breaches", "better_point"]
    rows: list[dict[str, object]] = []
    for t in [*d.teams, *d.references]:
        row: dict[str, object] = {"team": t.team, "reference": t.reference,
                                  "verdict": t.verdict}
        for i in s.issues:
            x = t.values.get(i)
            row[i] = "" if x is None else cell(s.issues[i], x, 10)
        for p in parties:
            row[f"u_{p}"] = round(t.utility[p], 6)
        row["from_nash"] = "" if t.nash_distance is None else round(t.nash_distance, 6)
        row["breaches"] = "; ".join(f"{b.party} {b.issue} by {num(b.by)}" for b in t.breaches)
        row["better_point"] = ("" if t.better is None else
                               "; ".join(f"{i}={num(x)}" for i, x in t.better.items()))
        rows.append(row)
    return rows, columns


# ---------------------------------------------------------------------------------------------
# The figure
# ---------------------------------------------------------------------------------------------

#: How a team's deal is drawn in the utility panel, by its verdict: marker, face colour.
STYLES: dict[str, tuple[str, str]] = {
    "efficient": ("o", "#333333"),
    "value left on the table": ("o", "white"),
    "incomplete": ("o", "#bbbbbb"),
    "no deal": ("o", "#bbbbbb"),
    "breaks a red line": ("X", BREACH_COLOUR),
    "outside a zone": ("X", BREACH_COLOUR),
}


def _levels_1d(xs: list[tuple[float, str]], span: float, axis_chars: float) -> list[int]:
    """Label rows for points on a line: a label goes one row further down when it would
    overlap a label already placed on its row (widths estimated from character counts)."""
    placed: list[tuple[float, float, int]] = []  # left, right, row
    rows = []
    for x, label in xs:
        half = 0.5 * (len(label) + 1) / axis_chars * span
        row = 0
        while any(r == row and not (x + half < lo or x - half > hi) for lo, hi, r in placed):
            row += 1
        placed.append((x - half, x + half, row))
        rows.append(row)
    return rows


def _panel(ax: Axes, d: Debrief, v: IssueView, colours: dict[str, str]) -> None:
    """One issue: the parties' sets, the zone, the Nash point, the engine's spread, and the
    teams' deals on a row of their own (a cross where the deal breaks a red line)."""
    s = d.scenario
    issue = s.issues[v.issue]
    parties = list(v.sets)
    n = len(parties)
    y_engine, y_class = -1.0, -2.0
    if v.open:
        if v.hi - v.lo > issue.eps:
            ax.axvspan(v.lo, v.hi, color=ZONE_COLOUR, alpha=0.22, lw=0)
        else:
            ax.axvline(v.lo, color=ZONE_COLOUR, alpha=0.6, lw=5)
    for k, p in enumerate(parties):
        lo, hi, ideal, red, hard = v.sets[p]
        y = n - 1 - k
        c = colours[p]
        ax.barh(y, max(hi - lo, 1e-12), left=lo, height=0.46, color=c, alpha=0.3,
                edgecolor=c, lw=1.0)
        ax.plot([red, red], [y - 0.34, y + 0.34], color=c, lw=2.6,
                ls="-" if hard else SOFT_DASH, solid_capstyle="butt")
        ax.plot([ideal], [y], marker="o", ms=7, color=c, mec="white", mew=0.8, ls="none")
    if not math.isnan(v.nash):
        ax.axvline(v.nash, color="black", lw=1.2, ls=(0, (1, 1.5)))
    q = v.quantiles
    if not math.isnan(q[0]):
        ax.plot([q[0], q[4]], [y_engine, y_engine], color="#555555", lw=1.2)
        ax.barh(y_engine, max(q[3] - q[1], 1e-12), left=q[1], height=0.4, color="white",
                edgecolor="#555555", lw=1.2)
        ax.plot([q[2], q[2]], [y_engine - 0.2, y_engine + 0.2], color="black", lw=2)
    xlim = _xlim(d, v, issue)
    agreed = sorted(((x, t.team) for t in d.teams if (x := t.values.get(v.issue)) is not None),
                    key=lambda p: p[0])
    rows = _levels_1d(agreed, xlim[1] - xlim[0], 95.0)
    broken = {t.team for t in d.teams if any(b.issue == v.issue for b in t.breaches)
              or v.issue in t.outside}
    for (x, team), row in zip(agreed, rows, strict=True):
        marker, face = ("X", BREACH_COLOUR) if team in broken else ("o", "#777777")
        ax.plot([x], [y_class], marker=marker, ms=8 if marker == "X" else 7, color=face,
                mec="black", mew=0.8, ls="none", zorder=5)
        ax.annotate(team, (x, y_class), xytext=(0, -11 - 9 * row), textcoords="offset points",
                    ha="center", va="top", fontsize=7.5)
    depth = max(rows, default=0)
    ax.set_yticks([*range(n - 1, -1, -1), y_engine, y_class])
    ax.set_yticklabels([*(wrap(s.parties[p].name, 20) for p in parties),
                        f"engine ({d.runs:,} runs)" if d.runs else "engine", "class deals"],
                       fontsize=8)
    ax.set_ylim(y_class - 0.9 - 0.32 * depth, n - 0.4)
    ax.set_xlim(*xlim)
    if issue.levels is not None:
        ax.set_xticks(range(len(issue.levels)))
        ax.set_xticklabels([wrap(x, 14) for x in issue.levels], fontsize=7.5)
    else:
        ax.tick_params(axis="x", labelsize=8)
        ax.set_xlabel(issue.unit, fontsize=8)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    ax.set_title(f"{issue.label}: zone {_zone_cell(issue, v)}", fontsize=9.5, loc="left")


def _xlim(d: Debrief, v: IssueView, issue: Issue) -> tuple[float, float]:
    """The part of the scale where something happens: the sets, the deals, the engine."""
    if issue.levels is not None:
        return -0.4, len(issue.levels) - 0.6
    xs = [x for lo, hi, ideal, red, _ in v.sets.values() for x in (lo, hi, ideal, red)]
    xs += [x for t in d.teams if (x := t.values.get(v.issue)) is not None]
    xs += [q for q in v.quantiles if not math.isnan(q)]
    lo, hi = min(xs), max(xs)
    pad = 0.08 * max(hi - lo, 1e-6 * issue.width)
    return max(issue.lo, lo - pad) - 0.01 * (hi - lo), min(issue.hi, hi + pad) + 0.01 * (hi - lo)


def _place_2d(points: list[tuple[float, float, str]], lim: tuple[float, float]
              ) -> list[tuple[float, float, str]]:
    """Offsets (points) and alignment for labels of points in a square panel, each at the
    first of a few positions around its point that overlaps no label placed before."""
    span = lim[1] - lim[0]
    tries: list[tuple[float, float, str]] = [
        (7, -3, "left"), (7, 8, "left"), (7, -14, "left"), (-7, -3, "right"),
        (-7, 8, "right"), (-7, -14, "right"), (0, 11, "center"), (0, -17, "center"),
    ]
    boxes: list[tuple[float, float, float, float]] = []
    for x, y, _ in points:  # the markers themselves
        fx, fy = (x - lim[0]) / span, (y - lim[0]) / span
        boxes.append((fx - 0.015, fy - 0.015, fx + 0.015, fy + 0.015))
    out: list[tuple[float, float, str]] = []
    for x, y, label in points:
        fx, fy = (x - lim[0]) / span, (y - lim[0]) / span
        w, h = 0.014 * (len(label) + 1), 0.035
        for dx, dy, ha in tries:
            ox, oy = fx + dx / 330, fy + dy / 330
            left = ox if ha == "left" else ox - w if ha == "right" else ox - w / 2
            box = (left, oy - h / 3, left + w, oy + 2 * h / 3)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in boxes):
                break
        boxes.append(box)
        out.append((dx, dy, ha))
    return out


def _utility_panel(ax: Axes, d: Debrief, colours: dict[str, str]) -> None:
    """Two parties' utilities: the Pareto frontier inside the zones and every deal."""
    s = d.scenario
    util = d.utility
    p, q = util.parties[:2]
    ordinal = {i: s.issues[i].ordinal for i in s.issues}
    fx, fy = frontier(util, d.issues, ordinal)
    everyone = [*d.teams, *d.references]
    us = [t.utility[w] for t in everyone for w in (p, q)] + list(fx) + list(fy)
    lim = (min(0.0, *us) - 0.06, max(us) + 0.08)
    if len(fx):
        order = np.argsort(fx)
        ax.plot(fx[order], fy[order], color=ZONE_COLOUR, lw=2.2)
        ax.fill_between(fx[order], fy[order], lim[0], color=ZONE_COLOUR, alpha=0.08, lw=0)
    points = []
    for t in everyone:
        label = t.team if not t.reference else t.team.split(" (")[0]
        points.append((t.utility[p], t.utility[q], label))
    for t, (x, y, label), (dx, dy, ha) in zip(everyone, points, _place_2d(points, lim),
                                                 strict=True):
        if t.reference:
            marker, face = ("D", "black") if t.team.startswith("Nash") else ("s", "#999999")
        else:
            marker, face = STYLES[t.verdict]
        ax.plot([x], [y], marker=marker, ms=8, color=face, mec="black", mew=0.9, ls="none",
                zorder=5)
        ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha,
                    va="center", fontsize=7.5)
    ax.set_xlabel(f"utility of {s.parties[p].name}", fontsize=8.5, color=colours[p])
    ax.set_ylabel(f"utility of {s.parties[q].name}", fontsize=8.5, color=colours[q])
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.set_aspect("equal")
    ax.axhline(0, color="#999999", lw=0.8)
    ax.axvline(0, color="#999999", lw=0.8)
    ax.grid(color="#eeeeee", lw=0.6)
    ax.set_title(wrap("Utilities (1 = every ideal, 0 = every red line): a deal below the "
                      "frontier leaves value on the table", 60), fontsize=9.5, loc="left")
    handles = [
        Line2D([], [], color=ZONE_COLOUR, lw=2.2, label="Pareto frontier in the zones"),
        *(Line2D([], [], marker=STYLES[k][0], ms=7, mfc=STYLES[k][1], mec="black", ls="none",
                 label=k) for k in ("efficient", "value left on the table", "incomplete",
                                    "breaks a red line")),
        Line2D([], [], marker="s", ms=7, mfc="#999999", mec="black", ls="none",
               label="engine at the means"),
        Line2D([], [], marker="D", ms=7, mfc="black", mec="black", ls="none",
               label="Nash points"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2,
              fontsize=8, frameon=False)


def debrief_figure(d: Debrief) -> Figure:
    """The debrief for the screen: one panel per issue (sets, zone, Nash point, the engine's
    5-25-50-75-95% spread, the teams' deals), and for two parties their utilities against the
    Pareto frontier."""
    s = d.scenario
    colours = {p: PARTY_COLOURS[k % len(PARTY_COLOURS)] for k, p in enumerate(s.parties)}
    two = len(d.utility.parties) == 2 and sum(v.open for v in d.issues) >= 2
    n = len(d.issues)
    heights = [1.5 + 0.32 * len(v.sets) for v in d.issues]
    fig = new_figure(14 if two else 9, max(5.0, sum(heights) + 1.6))
    sub_l: SubFigure | None = None
    if two:
        subs = np.asarray(fig.subfigures(1, 2, width_ratios=[1.35, 1]), dtype=object)
        sub_l, sub_r = subs[0], subs[1]
        axes = sub_l.subplots(n, 1, height_ratios=heights, squeeze=False)[:, 0]
        _utility_panel(sub_r.subplots(1, 1), d, colours)
    else:
        axes = fig.subplots(n, 1, height_ratios=heights, squeeze=False)[:, 0]
    for ax, v in zip(axes, d.issues, strict=True):
        _panel(ax, d, v, colours)
    handles = [
        Patch(color=ZONE_COLOUR, alpha=0.35, label="zone (deadline, at the means)"),
        Line2D([], [], color="black", lw=1.2, ls=(0, (1, 1.5)), label="Nash point"),
        Line2D([], [], color="#777777", lw=2.6, label="hard red line"),
        Line2D([], [], color="#777777", lw=2.6, ls=SOFT_DASH, label="soft red line"),
        Line2D([], [], marker="o", ms=7, color="#777777", mec="white", ls="none",
               label="ideal"),
        Patch(facecolor="white", edgecolor="#555555",
              label="engine: 25-75% (median, 5-95%)"),
        Line2D([], [], marker="o", ms=7, mfc="#777777", mec="black", ls="none",
               label="a team's deal"),
        Line2D([], [], marker="X", ms=8, mfc=BREACH_COLOUR, mec="black", ls="none",
               label="a deal past a red line"),
    ]
    holder: Figure | SubFigure = sub_l if sub_l is not None else fig
    holder.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8,
                  frameon=False)
    mc = f"; the engine: {d.runs:,} Monte Carlo runs, seed {d.seed}" if d.runs else ""
    width = title_width(14 if two else 9, 10.5)
    fig.suptitle(wrap(f"{s.title}\nThe class's deals against the zones at round {d.round} "
                      f"(the deadline, at the means){mc}", width), fontsize=10.5)
    return fig
