"""Confidential role briefs: what one party's team knows before a classroom negotiation.

A teacher prints one brief per team. Each brief gives the situation (the issues, their scales,
units, named points and levels), the party's OWN position in full (ideals, red lines, whether
each red line is hard or soft and how far a soft one can give under the pressure to expect,
priorities from its saliences, tactic advice, the pressures that reach it), and only
ESTIMATES of the other parties' ideals and red lines.

Why estimates, and why seeded. A negotiator never knows the other side's red line; a brief
that printed it would turn the exercise into arithmetic. Each estimate is an interval that
contains the true value (the scenario at its means) at a random offset, so its midpoint does
not give the value away. The offset is drawn from a random generator keyed by the seed and the
estimated field's identity (party, issue, ideal or red line) and never by the reader, so every
team that reads about the same party reads the same interval: the briefs agree with each other
and with the truth, and the same seed prints the same briefs. Named points of an issue that
sit exactly on another party's red line (a scenario may label "Bea's loan ceiling") are left
out of the brief for the same reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from .arrays import draw_batch, structure
from .distributions import AnyParam, Choice, Fixed
from .engine import Negotiation
from .errors import did_you_mean
from .issue import Issue
from .party import Party, Stake
from .scenario import Scenario, stake_direction
from .tactics import REGISTRY

#: Width of an estimate interval on a numeric issue, as a share of the issue's scale.
DEFAULT_SPREAD = 0.2
#: The true value lies at least this share of the interval's width inside each end (before the
#: ends are rounded outward and the interval is kept on the scale).
MARGIN = 0.15


class UnknownParty(ValueError):
    """A party id the scenario does not have; the message is one line for the user."""


def check_party(s: Scenario, party: str) -> None:
    """Raise :class:`UnknownParty` unless ``party`` is one of the scenario's parties."""
    if party in s.parties:
        return
    known = list(s.parties)
    hint = did_you_mean(party, known)
    raise UnknownParty(
        f"unknown party '{party}' (expected one of: {', '.join(known)})"
        + (f"; {hint}" if hint else "")
    )


# ---------------------------------------------------------------------------------------------
# Numbers in words
# ---------------------------------------------------------------------------------------------


def num(x: float, digits: int = 6) -> str:
    """A number for a person: thousands separated, at most ``digits`` significant digits."""
    if x == 0:
        return "0"
    return f"{x:,.{digits}g}"


def value_text(issue: Issue, x: float, hidden: Sequence[float] = (), digits: int = 6) -> str:
    """A value on an issue in words: its level, or the number with its unit and any named
    point there (except points in ``hidden``)."""
    if issue.levels is not None:
        k = int(round(x))
        if abs(k - x) < 1e-9 and 0 <= k < len(issue.levels):
            return issue.levels[k]
        lo, hi = math.floor(x), math.ceil(x)
        return f"{num(x, 3)} (between {issue.levels[lo]} and {issue.levels[hi]})"
    text = f"{num(x, digits)} {issue.unit}".strip()
    for point, name in issue.points.items():
        if abs(point - x) <= issue.eps and not any(abs(point - h) <= issue.eps for h in hidden):
            return f"{text} \N{EM DASH} {name}"
    return text


def param_text(p: AnyParam, issue: Issue | None = None) -> str:
    """A scenario number as the brief states it: the value, or "about" the mean of an
    uncertain one with its range."""
    def show(x: float, digits: int = 6) -> str:
        if issue is not None and issue.levels is None:
            return f"{num(x, digits)} {issue.unit}".strip()
        return value_text(issue, x) if issue is not None else num(x, digits)

    if isinstance(p, Fixed):
        return value_text(issue, p.value) if issue is not None else num(p.value)
    if isinstance(p, Choice):
        return " or ".join(show(v) for v in p.values)
    lo, hi = p.support()
    if issue is None or issue.levels is None:
        m = p.mean()
        return (f"about {show(m, 3)} (somewhere from {show(lo, 3)} to {show(hi, 3)})"
                if math.isfinite(lo) and math.isfinite(hi) else f"about {show(m, 3)}")
    if math.isfinite(lo) and math.isfinite(hi):
        return f"about {show(p.mean())} (somewhere from {show(lo)} to {show(hi)})"
    return f"about {show(p.mean())} (uncertain)"


def scale_text(issue: Issue) -> str:
    """The scale of an issue: its range and unit, or its levels."""
    if issue.levels is not None:
        return ", ".join(f"{k}: {name}" for k, name in enumerate(issue.levels))
    return f"{num(issue.lo)} to {num(issue.hi)} {issue.unit}".rstrip()


# ---------------------------------------------------------------------------------------------
# Estimates of the other parties' positions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A range that contains another party's true ideal or red line on one issue."""

    party: str
    issue: str
    field: str  # "ideal" or "red_line"
    lo: float
    hi: float

    def contains(self, x: float, eps: float = 1e-9) -> bool:
        return self.lo - eps <= x <= self.hi + eps


def _uniform(seed: int, key: str) -> float:
    """One uniform in [0, 1) that depends only on the seed and the field's key."""
    digest = hashlib.sha256(key.encode()).digest()
    rng = np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])
    return float(rng.random())


def _nice_step(width: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) near a tenth of ``width``."""
    raw = width / 10
    power = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * power >= raw * 0.75:
            return m * power
    return 10 * power  # pragma: no cover - the loop always returns


def estimate_interval(issue: Issue, x: float, u: float, spread: float = DEFAULT_SPREAD
                      ) -> tuple[float, float]:
    """An interval on ``issue`` that contains ``x``, placed by the uniform ``u``.

    Numeric issue: width ``spread`` of the scale, with ``x`` at a share between MARGIN and
    1 - MARGIN of the way from its upper end (``u`` picks where), ends rounded outward to a
    round step, kept on the scale. Ordinal issue: two adjacent levels (the whole scale if it
    has only two), ``u`` picking which neighbour joins the true level.
    """
    lo_s, hi_s = issue.lo, issue.hi
    if issue.levels is not None:
        k = len(issue.levels)
        if k <= 2:
            return lo_s, hi_s
        below, above = math.floor(x + 1e-9), math.ceil(x - 1e-9)
        if below != above:  # a mean between two levels: exactly those two
            return float(below), float(above)
        start = below - (1 if u < 0.5 else 0)
        start = min(max(start, 0), k - 2)
        return float(start), float(start + 1)
    w = spread * (hi_s - lo_s)
    offset = MARGIN + (1 - 2 * MARGIN) * u
    lo = x - offset * w
    lo = min(max(lo, lo_s), hi_s - w)
    hi = lo + w
    step = _nice_step(w)
    lo = max(lo_s, math.floor(lo / step + 1e-9) * step)
    hi = min(hi_s, math.ceil(hi / step - 1e-9) * step)
    return lo, hi


def estimates(s: Scenario, party: str, seed: int | None = None,
              spread: float = DEFAULT_SPREAD) -> list[Estimate]:
    """What ``party``'s team is told about every other party's ideals and red lines: an
    interval around each true value (at the means), the same whoever reads it."""
    check_party(s, party)
    seed = _brief_seed(s, seed)
    out = []
    for q, other in s.parties.items():
        if q == party:
            continue
        for i, stake in other.stakes.items():
            issue = s.issues[i]
            for name, param in (("ideal", stake.ideal), ("red_line", stake.red_line)):
                x = min(max(param.mean(), issue.lo), issue.hi)
                u = _uniform(seed, f"estimate.{q}.{i}.{name}")
                lo, hi = estimate_interval(issue, x, u, spread)
                out.append(Estimate(q, i, name, lo, hi))
    return out


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a '|' would end the cell."""
    return text.replace("|", "\\|")


def _brief_seed(s: Scenario, seed: int | None) -> int:
    return int(seed if seed is not None else (s.seed if s.seed is not None else 0))


def _range_text(issue: Issue, lo: float, hi: float) -> str:
    if issue.levels is not None:
        return f"{issue.levels[int(lo)]} to {issue.levels[int(hi)]}"
    unit = f" {issue.unit}" if issue.unit else ""
    return f"{num(lo)} to {num(hi)}{unit}"


# ---------------------------------------------------------------------------------------------
# The party's own position
# ---------------------------------------------------------------------------------------------


def _hidden_points(s: Scenario, party: str, issue: str) -> list[float]:
    """Values on ``issue`` that must not be labelled in ``party``'s brief: the other parties'
    red lines (at their means)."""
    return [
        other.stakes[issue].red_line.mean()
        for q, other in s.parties.items()
        if q != party and issue in other.stakes
    ]


def _priority_words(salience: float, mean: float) -> str:
    ratio = salience / mean if mean > 0 else 1.0
    if ratio >= 1.5:
        return "top priority"
    if ratio >= 0.9:
        return "important"
    if ratio >= 0.5:
        return "secondary"
    return "minor"


def _tactic_advice(party: Party, s: Scenario) -> list[str]:
    """Advice from the party's tactic: how it concedes, and what hurries it."""
    tac = party.tactic
    cls = REGISTRY.get(tac.name)
    beta = tac.beta.mean() if tac.beta is not None else (cls.default_beta if cls else 1.0)
    T = s.rounds
    lines = []
    if tac.name == "hold":
        lines.append("Your side's line is to hold: offer your ideal and wait for the others "
                     "to come to you. Any move is your decision alone.")
    elif tac.name == "reciprocal":
        lines.append("Your side's line is tit-for-tat: match what the others conceded in the "
                     "last round and add one small step. Reward their moves, do not run "
                     "ahead of them.")
    else:
        if beta < 0.8:
            style = ("hold out (Boulware): concede little in the early rounds and most of "
                     "it near the deadline")
        elif beta > 1.25:
            style = ("concede early (Conceder): make generous moves at the start to build "
                     "momentum")
        else:
            style = f"concede evenly: about 1/{T} of the way to your red line each round"
        lines.append(f"Your side's line is to {style}. There are {T} rounds.")
    stakes = {i: st for i, st in party.stakes.items()
              if st.ideal.mean() != st.red_line.mean() or _kind(st) == "soft"}
    if len(stakes) > 1:  # among the issues on which the party can move at all
        ranked = sorted(stakes, key=lambda i: stakes[i].salience.mean())
        low, high = ranked[0], ranked[-1]
        if stakes[low].salience.mean() < stakes[high].salience.mean():
            lines.append(f"Give first on what you care least about ({s.issues[low].label}); "
                         f"hold longest on what you care most about ({s.issues[high].label}). "
                         "Trading a minor issue for a major one is how both sides gain.")
    if tac.kappa.mean() > 0:
        lines.append("Pressure hurries you: the more strain your side is under, the faster "
                     "it concedes.")
    lines.append("Never agree past a red line: a deal there is worse for you than no deal.")
    return lines


def _red_line_paths(s: Scenario, party: str) -> dict[str, list[float]]:
    """The party's red line on each issue, round by round, at the means."""
    neg = Negotiation(s, at_means=True)
    st = neg.structure
    a = st.party_index(party)
    paths: dict[str, list[float]] = {i: [] for i in s.parties[party].stakes}
    while not neg.done:
        r = neg.step()
        for i in paths:
            paths[i].append(float(r.red_line[0, a, st.issue_index(i)]))
    return paths


def _kind(stake: Stake) -> str:
    """hard, soft (gives under strain) or firm (soft, but no elasticity: it does not move)."""
    if stake.hard:
        return "hard"
    return "soft" if stake.elasticity.mean() > 0 else "firm"


def _limit(stake: Stake, issue: Issue) -> float:
    d = stake_direction(stake)
    if stake.limit is not None:
        return stake.limit.mean()
    return issue.hi if d > 0 else issue.lo


def _effective(issue: Issue, x: float, direction: int) -> float:
    """The red line as the set holds it: on an ordinal issue, the farthest level reached."""
    if issue.levels is None:
        return x
    return float(math.floor(x + 1e-9) if direction > 0 else math.ceil(x - 1e-9))


def _give_text(s: Scenario, party: str, i: str, stake: Stake, path: list[float]) -> str:
    """How the red line behaves: whether strain moves it, how far it can give, and where it
    stands round by round under the pressure to expect (the scenario at its means)."""
    issue = s.issues[i]
    d = stake_direction(stake)
    start = _effective(issue, stake.red_line.mean(), d)
    kind = _kind(stake)
    if kind == "hard":
        text = "Hard: strain never moves it."
    elif kind == "firm":
        text = "It does not give under strain."
    else:
        ela = stake.elasticity.mean()
        unit = "of a level" if issue.levels is not None else issue.unit
        text = (f"Soft: under pressure it gives {num(ela, 3)} {unit} per unit of strain, "
                f"never past {value_text(issue, _limit(stake, issue))}.").replace("  ", " ")
    levels = [_effective(issue, x, d) for x in path]
    moved = [t for t, x in enumerate(levels, 1) if abs(x - start) > issue.eps]
    if moved:
        first = moved[0]
        where = (f"in round {first} it moves to {value_text(issue, levels[first - 1])}")
        if abs(levels[-1] - levels[first - 1]) > issue.eps:
            where += f", and by round {len(path)} to {value_text(issue, levels[-1])}"
        if kind == "hard":
            text += f" But a fact on the ground does: {where}."
        else:
            text += f" With the pressure to expect, {where}."
    elif kind == "soft":
        text += " The pressure to expect does not move it before the deadline."
    return text


# ---------------------------------------------------------------------------------------------
# Pressures reaching the party
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """A pressure and the share of it that reaches the party (1: aimed at it directly)."""

    pressure: str
    share: float
    path: tuple[str, ...]  # from the target to the party


def pressures_on(s: Scenario, party: str) -> list[Reach]:
    """Every pressure whose strain reaches ``party``, directly or through the leverage graph
    (at the means of the leverage weights), and the share of it that arrives."""
    st = structure(s)
    prop = draw_batch(st, None, np.arange(1, dtype=np.int64)).propagation[0]
    a = st.party_index(party)
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(st.nodes)
    graph.add_edges_from((x, y) for x, y, _ in s.leverage_edges())
    out = []
    for name, pr in s.pressures.items():
        m = st.nodes.index(pr.target)
        share = float(prop[a, m])
        direct_effect = any(e.party == party for e in pr.effects)
        if abs(share) < 1e-12 and not direct_effect:
            continue
        try:
            path = tuple(nx.shortest_path(graph, pr.target, party))
        except nx.NetworkXNoPath:
            path = (pr.target,)
        out.append(Reach(name, share, path))
    return out


def _rounds_text(s: Scenario, start: AnyParam, end: AnyParam | None) -> str:
    def one(p: AnyParam) -> str:
        if isinstance(p, Choice):
            return " or ".join(str(int(v)) for v in p.values)
        return str(int(p.mean()))

    first = f"round {one(start)}"
    if s.timeline is not None and isinstance(start, Fixed):
        first += f" ({s.timeline.date_of(int(start.value)).isoformat()})"
    last = "the end" if end is None else f"round {one(end)}"
    return f"from {first} to {last}"


def _pressure_lines(s: Scenario, party: str) -> list[str]:
    out = []
    names = {**{p: x.name for p, x in s.parties.items()}, **{a: x.name for a, x in
                                                              s.actors.items()}}
    for reach in pressures_on(s, party):
        pr = s.pressures[reach.pressure]
        label = pr.label or reach.pressure
        if pr.occurs_with is not None:
            chance = f"happens exactly when '{pr.occurs_with}' does"
        elif pr.occurs_without is not None:
            chance = f"happens exactly when '{pr.occurs_without}' does not"
        else:
            prob = pr.probability.mean()
            chance = "certain" if prob >= 1 else f"probability {prob:.0%}"
        mag = pr.magnitude.mean()
        kind = "relief" if mag < 0 else "pressure"
        if reach.path[0] == party:
            how = "aimed at you"
        else:
            chain = " -> ".join(names.get(n, n) for n in reach.path)
            how = (f"aimed at {names.get(pr.target, pr.target)}; about {reach.share:.0%} "
                   f"of it reaches you ({chain})")
        line = (f"- **{label}** ({pr.kind} {kind}, {how}): "
                f"{_rounds_text(s, pr.start, pr.end)}, {chance}; magnitude "
                f"{param_text(pr.magnitude)} a round.")
        for e in pr.effects:
            if e.party == party:
                issue = s.issues[e.issue]
                shift = e.shift.mean() * mag
                line += (f" When it starts, it moves your ideal and red line on "
                         f"{issue.label} by {num(shift)} {issue.unit}".rstrip() + ".")
        out.append(line)
    return out


# ---------------------------------------------------------------------------------------------
# The brief
# ---------------------------------------------------------------------------------------------


def role_brief(s: Scenario, party: str, seed: int | None = None,
               spread: float = DEFAULT_SPREAD) -> str:
    """The confidential brief of ``party`` as Markdown (see the module's docstring)."""
    check_party(s, party)
    me = s.parties[party]
    seed_used = _brief_seed(s, seed)
    lines: list[str] = [f"# Confidential brief: {me.name}", ""]
    lines.append(f"*{s.title}*. For the team playing **{me.name}** only: do not show it to "
                 "the other teams.")
    lines.append("")
    if me.mediator:
        lines.append("You are the **mediator**: you sit at the table with stakes of your own, "
                     "and you want an agreement.")
        lines.append("")

    # The situation
    lines += ["## The situation", ""]
    if s.description:
        lines += [s.description, ""]
    if me.description:
        lines += [f"Your side: {me.description}", ""]
    others = [p.name for q, p in s.parties.items() if q != party]
    lines.append(f"At the table with you: {', '.join(others)}.")
    lines.append("")
    when = ""
    if s.timeline is not None:
        end = s.timeline.date_of(s.rounds + 1) - dt.timedelta(days=1)
        when = (f", one every {s.timeline.days_per_round} days from "
                f"{s.timeline.start.isoformat()} to {end.isoformat()}")
    core = [s.issues[i].label for i, x in s.issues.items() if x.core]
    lines.append(f"The negotiation lasts {s.rounds} rounds{when}. An issue not settled by "
                 f"round {s.rounds} is not agreed. A deal needs agreement on: "
                 f"{'; '.join(core)}.")
    lines.append("")
    lines += ["### The issues", "", "| issue | scale | notes |", "| --- | --- | --- |"]
    for i, issue in s.issues.items():
        notes = []
        hidden = _hidden_points(s, party, i)
        points = [f"{num(x)}: {name}" for x, name in sorted(issue.points.items())
                  if not any(abs(x - h) <= issue.eps for h in hidden)]
        if points:
            notes.append("Named points: " + "; ".join(points))
        if issue.requires:
            notes.append("Settles only after " + ", ".join(s.issues[j].label
                                                             for j in issue.requires))
        if not issue.core:
            notes.append("Not needed for a deal (a side agreement)")
        if issue.description:
            notes.append(" ".join(issue.description.split()))
        if i not in me.stakes:
            notes.append("You hold no stake in it")
        text = " ".join(n if n.endswith((".", "!", "?")) else n + "." for n in notes)
        lines.append(f"| {_cell(issue.label)} (`{i}`) | {_cell(scale_text(issue))} | "
                     f"{_cell(text) or '-'} |")
    lines.append("")

    # Your position
    paths = _red_line_paths(s, party)
    lines += ["## Your position (confidential)", ""]
    if me.stakes:
        saliences = {i: st.salience.mean() for i, st in me.stakes.items()}
        mean_sal = sum(saliences.values()) / len(saliences)
        lines += ["| issue | your ideal | your red line | hard or soft | priority |",
                  "| --- | --- | --- | --- | --- |"]
        for i, stake in me.stakes.items():
            issue = s.issues[i]
            kind = _kind(stake)
            if kind == "soft":
                kind = f"soft: can give up to {value_text(issue, _limit(stake, issue))}"
            lines.append(
                f"| {_cell(issue.label)} | {_cell(param_text(stake.ideal, issue))} | "
                f"{_cell(param_text(stake.red_line, issue))} | {_cell(kind)} | "
                f"{_priority_words(saliences[i], mean_sal)} |"
            )
        lines.append("")
        for i, stake in me.stakes.items():
            issue = s.issues[i]
            want, worst = param_text(stake.ideal, issue), param_text(stake.red_line, issue)
            if want == worst:
                text = f"- **{issue.label}**: you want {want} and, for now, accept nothing else. "
            else:
                text = (f"- **{issue.label}**: you want {want}; the worst you can accept is "
                        f"{worst}. ")
            text += _give_text(s, party, i, stake, paths[i])
            if stake.note:
                text += f" {stake.note}"
            lines.append(text)
        lines.append("")

        lines += ["### Your priorities", ""]
        ranked = sorted(me.stakes, key=lambda i: -saliences[i])
        if len(ranked) == 1:
            lines.append(f"You have one issue: {s.issues[ranked[0]].label}.")
        else:
            for k, i in enumerate(ranked, 1):
                lines.append(f"{k}. {s.issues[i].label}: weight {num(saliences[i])} "
                             f"({_priority_words(saliences[i], mean_sal)})")
        lines.append("")
    else:
        lines += ["You hold no stake in any issue: you are here to help the others agree.", ""]

    lines += ["## Tactic advice", ""]
    lines += [f"- {x}" for x in _tactic_advice(me, s)]
    lines.append("")

    lines += ["## Pressure on you", ""]
    pressure = _pressure_lines(s, party)
    if pressure:
        lines += pressure
        decay = me.decay.mean()
        lines.append("")
        lines.append(f"Strain builds up from these: each round {decay:.0%} of last round's "
                     "strain carries over, and your soft red lines give with it (a pressure "
                     "of magnitude 1 adds one unit of strain a round)."
                     if decay > 0 else
                     "Strain does not carry over: you feel only this round's pressure.")
    else:
        lines.append("No pressure reaches you in this scenario: only the deadline hurries you.")
    lines.append("")

    # The others
    lines += ["## The other side: estimates, not facts", ""]
    lines.append("Your team's best intelligence on the other parties. Every figure below is "
                 "an **estimate**: a range that your analysts believe contains the true "
                 "value. It does not say where in the range the value lies, nor whether a red "
                 "line is hard or soft.")
    lines.append("")
    est = estimates(s, party, seed_used, spread)
    for q, other in s.parties.items():
        if q == party:
            continue
        lines.append(f"### {other.name}" + (" (the mediator)" if other.mediator else ""))
        lines.append("")
        if not other.stakes:
            lines += ["Holds no stake in any issue.", ""]
            continue
        lines += ["| issue | ideal (estimate) | red line (estimate) |", "| --- | --- | --- |"]
        for i in other.stakes:
            issue = s.issues[i]
            got = {e.field: e for e in est if e.party == q and e.issue == i}
            ideal, red = got["ideal"], got["red_line"]
            lines.append(f"| {_cell(issue.label)} | {_cell(_range_text(issue, ideal.lo, ideal.hi))}"
                         f" | {_cell(_range_text(issue, red.lo, red.hi))} |")
        lines.append("")
    lines.append(f"*Brief seed {seed_used}: the same seed prints the same estimates in every "
                 "team's brief.*")
    return "\n".join(lines) + "\n"
