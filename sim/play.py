"""The hot-seat game: a person plays one party, round by round, against the engine's tactics.

Why this shape. The game only talks to the world through two callables, ``ask(prompt) ->
line`` (which raises :class:`EOFError` when the input ends) and ``say(line)``, so a terminal, a
file of answers, a pipe and a test all drive the same code. The engine plays the scenario at
its means; every round the person sees what their party could know (the others' offers on the
table, not their red lines; the pressure events acting this round; their own strain and
acceptable set; what has settled) and answers one prompt per open issue they hold. Enter keeps
the offer their tactic would make. A bad answer gets a one-line explanation and the same
prompt again; the game never raises on input.

How a round is shown before it is played. The engine decides a round in one step (events,
strain, red lines, the tactics' offers, settlement), and the others' offers in round t do not
depend on the person's offer in round t (tactics look at earlier rounds only). So the game
plays the round once on a copy of the negotiation to show its situation and the tactic's
suggestion, then plays it for real with the person's offers in place of the tactic's.

At the end the outcome is set against the zones of the last round played (the zone table's
line per issue), against the engine playing the same seat at the means, and against the Monte
Carlo distribution of the engine's settlements (quantiles, P(settled), P(deal)).
"""

from __future__ import annotations

import copy
import csv
import io
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .brief import check_party, num, value_text
from .engine import Negotiation, RoundReport
from .issue import Issue
from .montecarlo import Records, simulate
from .report import text_table
from .scenario import Scenario

Ask = Callable[[str], str]
Say = Callable[[str], None]

#: Monte Carlo runs of the engine in the player's seat, for the comparison at the end.
DEFAULT_RUNS = 1000
QUIT_WORDS = ("quit", "q", "exit")
HELP_WORDS = ("?", "help")


class OfferError(ValueError):
    """An answer that is not a valid offer; the message says why and what would be."""


class OffersFileError(ValueError):
    """An offers file that cannot be read; ``problems`` holds one line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# ---------------------------------------------------------------------------------------------
# Reading one offer
# ---------------------------------------------------------------------------------------------


def show(issue: Issue, x: float) -> str:
    """A value during play: five significant digits are enough to read an offer by."""
    return value_text(issue, x, digits=5)


def _range_words(issue: Issue, lo: float, hi: float) -> str:
    if issue.levels is not None:
        a, b = issue.levels[int(lo)], issue.levels[int(hi)]
        return a if lo == hi else f"{a} to {b}"
    unit = f" {issue.unit}" if issue.unit else ""
    return f"{num(lo)}{unit}" if lo == hi else f"{num(lo)} to {num(hi)}{unit}"


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def _number(text: str) -> float | None:
    """``text`` as a finite number (``9,500`` and ``9500`` alike), else None."""
    t = text.strip().replace("_", "")
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    try:
        x = float(t)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def level_range(issue: Issue, a_lo: float, a_hi: float) -> tuple[int, int]:
    """The levels an acceptable set holds on an ordinal issue (its ends rounded inward)."""
    eps = issue.eps
    return int(math.ceil(a_lo - eps)), int(math.floor(a_hi + eps))


def parse_offer(issue: Issue, text: str, a_lo: float, a_hi: float, ideal: float,
                suggestion: float) -> float:
    """The offer ``text`` stands for on ``issue``, within the acceptable set [a_lo, a_hi].

    Empty text keeps ``suggestion``. A numeric issue takes a number (a trailing unit and
    thousands commas are allowed); an ordinal one takes a level's name (any case) or its
    number. Raises :class:`OfferError` with a message for the player otherwise.
    """
    t = text.strip()
    if not t:
        return suggestion
    if issue.levels is not None:
        lo, hi = level_range(issue, a_lo, a_hi)
        allowed = ", ".join(f"{k} ({issue.levels[k]})" for k in range(lo, hi + 1))
        names = {name.casefold(): k for k, name in enumerate(issue.levels)}
        if t.casefold() in names:
            k = names[t.casefold()]
        else:
            x = _number(t)
            if x is None or x != int(x) or not 0 <= x < len(issue.levels):
                what = (f"{t} is not a level number" if x is not None
                        else f"'{t}' is not a level of {issue.label}")
                raise OfferError(f"{what}; type one of: {allowed}, or press Enter")
            k = int(x)
        if not lo <= k <= hi:
            raise OfferError(
                f"{issue.levels[k]} is outside what you can accept "
                f"({_range_words(issue, lo, hi)}); type one of: {allowed}"
            )
        return float(k)
    unit = issue.unit
    if unit and t.casefold().endswith(unit.casefold()):
        t = t[: -len(unit)].strip()
    x = _number(t)
    span = _range_words(issue, a_lo, a_hi)
    if x is None:
        raise OfferError(
            f"'{text.strip()}' is not a number: type a number from {span}, or press Enter "
            f"to keep {show(issue, suggestion)}"
        )
    eps = issue.eps
    if x < a_lo - eps or x > a_hi + eps:
        red = a_hi if abs(a_lo - ideal) <= eps else a_lo
        past_ideal = (x > a_hi + eps) == (abs(a_hi - ideal) <= eps)
        why = (f"beyond your ideal ({value_text(issue, ideal)})" if past_ideal
               else f"past your red line ({value_text(issue, red)})")
        raise OfferError(
            f"{num(x)} is outside what you can accept ({span}): it is {why}; offer from "
            f"{span}"
        )
    return min(max(x, a_lo), a_hi)


# ---------------------------------------------------------------------------------------------
# An offers file
# ---------------------------------------------------------------------------------------------


def read_offers(text: str, s: Scenario, party: str, source: str = "offers"
                ) -> dict[tuple[int, str], str] | list[str]:
    """An offers file: CSV ``round,issue,value`` (a header line first) gives a mapping
    {(round, issue): answer}; anything else is one answer per prompt, returned as its lines.

    Raises :class:`OffersFileError` for a CSV with an unknown issue, a round off the
    scenario's calendar, an issue the party holds no stake in, or a repeated (round, issue).
    """
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")), "")
    header = [c.strip().casefold() for c in first.split(",")]
    if header != ["round", "issue", "value"]:
        return lines
    problems: list[str] = []
    out: dict[tuple[int, str], str] = {}
    reader = csv.reader(io.StringIO(text))
    seen_header = False
    for row in reader:
        n = reader.line_num
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if not seen_header:
            seen_header = True
            continue
        if len(row) != 3:
            problems.append(f"{source}:{n}: expected 3 fields (round,issue,value), got "
                            f"{len(row)}")
            continue
        r_text, issue, value = (c.strip() for c in row)
        try:
            r = int(r_text)
        except ValueError:
            problems.append(f"{source}:{n}: round '{r_text}' is not a whole number")
            continue
        if not 1 <= r <= s.rounds:
            problems.append(f"{source}:{n}: round {r} is outside 1..{s.rounds}")
            continue
        if issue not in s.issues:
            from .errors import did_you_mean

            hint = did_you_mean(issue, s.issues)
            problems.append(f"{source}:{n}: unknown issue '{issue}' (expected one of: "
                            f"{', '.join(s.issues)})" + (f"; {hint}" if hint else ""))
            continue
        if issue not in s.parties[party].stakes:
            problems.append(f"{source}:{n}: {party} holds no stake in '{issue}'")
            continue
        if (r, issue) in out:
            problems.append(f"{source}:{n}: a second offer for round {r}, {issue}")
            continue
        out[(r, issue)] = value
    if problems:
        raise OffersFileError(problems)
    return out


# ---------------------------------------------------------------------------------------------
# The game
# ---------------------------------------------------------------------------------------------


@dataclass
class MonteCarlo:
    """The engine's own settlements over many runs (all seats played by the engine)."""

    runs: int
    seed: int
    deal: float  # P(deal by T)
    settled: dict[str, float]  # P(issue settled by T)
    values: dict[str, np.ndarray]  # the settled values of each issue, one per settled run


@dataclass
class GameResult:
    """What happened: the rounds played, the player's offers, the final state."""

    party: str
    rounds_played: int
    ended_early: bool
    offers: list[dict[str, float]] = field(default_factory=list)  # per round
    final: RoundReport | None = None
    engine: RoundReport | None = None  # the engine in the same seat, at the means
    monte_carlo: MonteCarlo | None = None

    def value(self, issue: str) -> float | None:
        """The player's settlement on ``issue``, or None."""
        if self.final is None:
            return None
        b = self.final.structure.issue_index(issue)
        return float(self.final.value[0, b]) if self.final.settled[0, b] else None

    @property
    def deal_round(self) -> int | None:
        if self.final is None or not self.final.deal_round[0]:
            return None
        return int(self.final.deal_round[0])


def _preview(neg: Negotiation) -> Negotiation:
    """A copy of the negotiation that can play ahead without touching the original."""
    twin = copy.copy(neg)
    for name, value in vars(neg).items():
        if isinstance(value, np.ndarray):
            setattr(twin, name, value.copy())
    return twin


class Game:
    """One party's seat in the scenario at its means; the engine plays the others."""

    def __init__(self, s: Scenario, party: str) -> None:
        check_party(s, party)
        self.scenario = s
        self.party = party
        self.neg = Negotiation(s, at_means=True)
        self.st = self.neg.structure
        self.a = self.st.party_index(party)
        self.last: RoundReport | None = None

    @property
    def done(self) -> bool:
        return self.neg.done or (self.last is not None and bool(self.last.settled[0].all()))

    def preview(self) -> RoundReport:
        """This round as it would be played with the tactic's offers."""
        return _preview(self.neg).step()

    def open_issues(self, report: RoundReport) -> list[str]:
        """The player's issues still to settle, in the file's order."""
        st = self.st
        settled_before = self.last.settled[0] if self.last is not None else np.zeros(st.I, bool)
        return [i for i in self.scenario.issues
                if st.stakes[self.a, st.issue_index(i)] and not settled_before[st.issue_index(i)]]

    def play(self, offers: Mapping[str, float]) -> RoundReport:
        """Play the round with the player's offers in place of the tactic's."""
        report = self.neg.step(offers={self.party: dict(offers)} if offers else None)
        self.last = report
        return report


def _names(s: Scenario) -> dict[str, str]:
    return {**{p: x.name for p, x in s.parties.items()},
            **{a: x.name for a, x in s.actors.items()}}


def _situation(game: Game, r: RoundReport, say: Say) -> None:
    """What the player can know at the start of round ``r.t``."""
    s, st, a = game.scenario, game.st, game.a
    names = _names(s)
    date = f" ({s.timeline.date_of(r.t).isoformat()})" if s.timeline else ""
    say("")
    say(f"=== Round {r.t} of {st.T}{date} ===")
    events = [e for k, e in enumerate(st.events) if r.active[0, k]]
    if events:
        for e in events:
            pr = s.pressures[e]
            new = " (new this round)" if int(game.neg.draws.start[0, st.events.index(e)]) == r.t \
                else ""
            say(f"News: {pr.label or e} \N{EM DASH} on {names.get(pr.target, pr.target)}{new}")
    else:
        say("News: no pressure events this round.")
    before = game.last.strain[0, a] if game.last is not None else 0.0
    now = float(r.strain[0, a])
    change = "" if abs(now - before) < 1e-12 else f" (it was {num(float(before), 4)})"
    say(f"Your strain: {num(now, 4)}{change}" + ("  (no pressure on you)" if now == 0 else ""))
    settled = [(i, int(r.settled_round[0, st.issue_index(i)]))
               for i in s.issues if game.last is not None
               and game.last.settled[0, st.issue_index(i)]]
    if settled:
        say("Settled: " + "; ".join(
            f"{i} at {value_text(s.issues[i], float(r.value[0, st.issue_index(i)]))} "
            f"(round {t})" for i, t in settled))
    for i in game.open_issues(r):
        b = st.issue_index(i)
        issue = s.issues[i]
        unit = f", {issue.unit}" if issue.unit else ""
        say(f"{issue.label} ({i}{unit})")
        for q in range(st.P):
            if q != a and st.stakes[q, b]:
                say(f"  {names[st.parties[q]]} offers {show(issue, float(r.offer[0, q, b]))}")
        lo, hi = float(r.a_lo[0, a, b]), float(r.a_hi[0, a, b])
        ideal, red = float(r.ideal[0, a, b]), float(r.red_line[0, a, b])
        if issue.levels is not None:
            lo, hi = (float(x) for x in level_range(issue, lo, hi))
        moved = ""
        start = s.parties[game.party].stakes[i].red_line.mean()
        if abs(red - start) > issue.eps:
            moved = f", was {num(start)}" if issue.levels is None else \
                f", was {value_text(issue, start)}"
        say(f"  you can accept {_range_words(issue, lo, hi)} (ideal "
            f"{value_text(issue, ideal)}; red line {value_text(issue, red)}{moved})")
        say(f"  your tactic suggests {show(issue, float(r.offer[0, a, b]))}")
        before = game.last.settled[0] if game.last is not None else np.zeros(st.I, bool)
        waits = [j for j in issue.requires if not before[st.issue_index(j)]]
        if waits:
            say(f"  (it needs {' and '.join(waits)} settled first; both may settle in the "
                "same round)")


def _prompt(issue_id: str, issue: Issue, lo: float, hi: float, suggestion: float) -> str:
    if issue.levels is not None:
        a, b = level_range(issue, lo, hi)
        span = f"{_range_words(issue, a, b)}, a name or number"
    else:
        span = _range_words(issue, lo, hi)
    return f"{issue_id}: your offer ({span}) [Enter = {show(issue, suggestion)}]: "


def _results(game: Game, r: RoundReport, asked: list[str], say: Say) -> None:
    s, st = game.scenario, game.st
    for i in asked:
        b = st.issue_index(i)
        if r.settled[0, b]:
            say(f"  -> {i} settled at {value_text(s.issues[i], float(r.value[0, b]))}")
        else:
            say(f"  -> {i}: no agreement yet")
    before = game.last is not None
    for i in s.issues:
        b = st.issue_index(i)
        if i not in asked and r.settled_round[0, b] == r.t and before:
            say(f"  -> {i} settled at {value_text(s.issues[i], float(r.value[0, b]))} "
                "(without you)")
    if r.deal_round[0] == r.t:
        say(f"  DEAL: every core issue has settled, in round {r.t}.")


def play_game(
    s: Scenario,
    party: str,
    ask: Ask,
    say: Say,
    *,
    scripted: Mapping[tuple[int, str], str] | None = None,
    runs: int = DEFAULT_RUNS,
    seed: int | None = None,
) -> GameResult:
    """Play ``party``'s seat: one prompt per open issue each round, the outcome at the end.

    ``ask(prompt)`` returns the player's line (EOFError: the input ended, and the game stops
    after the rounds already played); ``say(line)`` shows a line. ``scripted[(round, issue)]``
    answers that prompt instead of ``ask`` (a later attempt after a bad answer asks ``ask``).
    ``runs`` Monte Carlo runs (0: none) with ``seed`` are the engine's reference.
    """
    game = Game(s, party)
    st = game.st
    me = s.parties[party]
    say(f"{s.title}")
    say(f"You play {me.name}. The engine plays the others with their tactics, at the "
        f"scenario's means. {st.T} rounds.")
    say("Each round: type your offer on each open issue and press Enter; Enter alone keeps "
        "your tactic's suggestion; 'quit' or end of input stops the game.")
    result = GameResult(party, 0, False)
    stopped = False
    while not game.done:
        preview = game.preview()
        _situation(game, preview, say)
        asked = game.open_issues(preview)
        offers: dict[str, float] = {}
        for i in asked:
            b = st.issue_index(i)
            issue = s.issues[i]
            lo, hi = float(preview.a_lo[0, game.a, b]), float(preview.a_hi[0, game.a, b])
            ideal = float(preview.ideal[0, game.a, b])
            suggestion = float(preview.offer[0, game.a, b])
            prompt = _prompt(i, issue, lo, hi, suggestion)
            attempt = 0
            while True:
                key = (preview.t, i)
                if attempt == 0 and scripted is not None and key in scripted:
                    line = scripted[key]
                    say(prompt + line)
                else:
                    try:
                        line = ask(prompt)
                    except EOFError:
                        stopped = True
                        break
                attempt += 1
                if line.strip().casefold() in QUIT_WORDS:
                    stopped = True
                    break
                if line.strip() in HELP_WORDS:
                    say(f"  Offer anything your side can accept on {issue.label}: "
                        f"{_range_words(issue, *_span(issue, lo, hi))}. Enter keeps "
                        f"{show(issue, suggestion)}; 'quit' stops the game.")
                    continue
                try:
                    offers[i] = parse_offer(issue, line, lo, hi, ideal, suggestion)
                    break
                except OfferError as exc:
                    say(f"  ! {exc}")
            if stopped:
                break
        if stopped:
            say("")
            played = {1: "no round was played", 2: "round 1 stands"}.get(
                preview.t, f"rounds 1-{preview.t - 1} stand")
            say(f"The game stops in round {preview.t}: {played}.")
            result.ended_early = True
            break
        report = game.play(offers)
        result.offers.append(offers)
        result.rounds_played = report.t
        _results(game, report, asked, say)
    result.final = game.last
    if game.last is not None and not result.ended_early and game.last.t < st.T \
            and game.last.settled[0].all():
        say(f"Every issue has settled: the negotiation ends in round {game.last.t}.")
    engine = Negotiation(s, at_means=True)
    last = engine.run()
    result.engine = last
    if runs > 0:
        result.monte_carlo = monte_carlo(s, runs, seed)
    for line in outcome_lines(s, result):
        say(line)
    return result


def _span(issue: Issue, lo: float, hi: float) -> tuple[float, float]:
    if issue.levels is None:
        return lo, hi
    a, b = level_range(issue, lo, hi)
    return float(a), float(b)


def monte_carlo(s: Scenario, runs: int, seed: int | None) -> MonteCarlo:
    """The engine's settlements over ``runs`` runs: P(deal), P(settled), settled values."""
    batches: list[Records] = []
    outcome = simulate(s, runs, seed, on_batch=batches.append)
    issues = outcome.aggregate.I
    deal = np.concatenate([b.deal_round for b in batches]) if batches else np.zeros(0, int)
    sr = np.concatenate([b.settled_round for b in batches]) if batches else np.zeros((0, issues))
    val = np.concatenate([b.value for b in batches]) if batches else np.zeros((0, issues))
    from .arrays import structure

    st = structure(s)
    n = max(len(deal), 1)
    return MonteCarlo(
        runs=len(deal),
        seed=outcome.seed,
        deal=float((deal > 0).sum() / n),
        settled={i: float((sr[:, b] > 0).sum() / n) for b, i in enumerate(st.issues)},
        values={i: val[sr[:, b] > 0, b] for b, i in enumerate(st.issues)},
    )


# ---------------------------------------------------------------------------------------------
# The outcome
# ---------------------------------------------------------------------------------------------


def utility(x: float, ideal: float, red: float) -> float | None:
    """MODEL.md's u(x) = 1 - |x - x*| / |r - x*|: 1 at the ideal, 0 at the red line (None when
    the party has no flexibility)."""
    span = abs(red - ideal)
    if span <= 0:
        return None
    return 1.0 - abs(x - ideal) / span


def _zone_words(issue: Issue, r: RoundReport, b: int) -> str:
    z = r.zones
    if not z.open[0, b]:
        return "closed"
    lo, hi = float(z.lo[0, b]), float(max(z.hi[0, b], z.lo[0, b]))
    if issue.levels is not None:
        a, c = level_range(issue, lo, hi)
        return _range_words(issue, a, c)
    return f"[{num(lo)}, {num(hi)}]"


def _nash(r: RoundReport) -> np.ndarray:
    from .zone import nash_point

    st = r.structure
    # Capability at the means: the engine's draws for the scenario at its means.
    cap = np.array([[st.scenario.parties[p].capability.mean() for p in st.parties]])
    return nash_point(r.ideal, r.red_line, cap, st.stakes, r.zones)


def standing(x: float, values: np.ndarray, direction: float) -> tuple[float, float]:
    """How ``x`` compares with ``values`` for a party: the shares of them that are worse for
    it and that are equal (``direction`` +1: its red line lies above its ideal, so lower is
    better for it)."""
    if len(values) == 0:
        return math.nan, math.nan
    ties = np.isclose(values, x, rtol=0, atol=1e-9 * max(1.0, abs(x)))
    worse = ((values > x) if direction > 0 else (values < x)) & ~ties
    return float(worse.mean()), float(ties.mean())


def cell(issue: Issue, x: float) -> str:
    """A value in a table: five significant digits, or the level's name."""
    if issue.levels is not None:
        k = int(round(x))
        return issue.levels[k] if abs(k - x) < 1e-9 else num(x, 3)
    return num(x, 5)


def _standing_words(worse: float, same: float) -> str:
    if same >= 0.995:
        return "the same as the engine's"
    if worse <= 0.005 and same < 0.005:
        return "worse for you than all of them"
    if worse >= 0.995:
        return "better for you than all of them"
    text = f"better for you than {worse:.0%}"
    if same >= 0.005:
        text += f", the same as {same:.0%}"
    return text


def outcome_lines(s: Scenario, result: GameResult) -> list[str]:
    """The end of the game: the player's deal against the zones of the deadline (the zone
    table's last round, at the means), the engine in the same seat at the means, and the
    Monte Carlo distribution of the engine's settlements."""
    out = ["", "=== Outcome ==="]
    r, eng = result.final, result.engine
    if r is None or eng is None:
        out.append("No round was played.")
        return out
    st = r.structure
    a = st.party_index(result.party)
    unsettled = [i for i in s.issues if s.issues[i].core and not r.settled[0, st.issue_index(i)]]
    if result.deal_round:
        out.append(f"Deal in round {result.deal_round}.")
    elif result.ended_early:
        out.append(f"No deal: the game stopped after round {r.t}, with "
                   f"{', '.join(unsettled)} not settled.")
    else:
        out.append(f"No deal by round {r.t}: {', '.join(unsettled)} did not settle.")
    # The zones do not depend on anyone's offers, so the engine's last round at the means
    # shows the zones of the game's deadline too.
    nash = _nash(eng)
    out.append("")
    out.append(f"Against the zones of round {eng.t} (the deadline, at the means), the Nash "
               "point and the engine in your seat:")
    rows = []
    for i in s.issues:
        b = st.issue_index(i)
        issue = s.issues[i]
        mine = (f"{cell(issue, float(r.value[0, b]))} (r{int(r.settled_round[0, b])})"
                if r.settled[0, b] else "not settled")
        engine = (f"{cell(issue, float(eng.value[0, b]))} (r{int(eng.settled_round[0, b])})"
                  if eng.settled[0, b] else "not settled")
        u = "(no stake)"
        if st.stakes[a, b]:
            got = (utility(float(r.value[0, b]), float(eng.ideal[0, a, b]),
                           float(eng.red_line[0, a, b])) if r.settled[0, b] else None)
            u = f"{got:.2f}" if got is not None else "-"
        nash_text = cell(issue, float(nash[0, b])) if not math.isnan(nash[0, b]) else "-"
        if eng.zones.open[0, b]:
            zone = _zone_words(issue, eng, b)
        else:
            held = [st.parties[q] for q in range(st.P)
                    if st.stakes[q, b] and eng.blockers[0, q, b]]
            zone = "closed" + (f" (blocked by {', '.join(held)})" if held else "")
        rows.append([i, issue.unit or "level", zone, mine, engine, nash_text, u])
    out += text_table(["issue", "unit", "zone", "you", "engine in your seat", "Nash point",
                       "your utility"], rows)
    out.append(f"  (utility: 1 at your ideal, 0 at your red line in round {eng.t})")
    mc = result.monte_carlo
    if mc is not None:
        out.append("")
        out.append(f"Against {mc.runs:,} Monte Carlo runs of the engine in your seat "
                   f"(seed {mc.seed}; every uncertain number drawn):")
        you = f"deal in round {result.deal_round}" if result.deal_round else "no deal"
        out.append(f"  P(deal by round {st.T}): engine {mc.deal:.1%}; you: {you}")
        rows = []
        for i in s.issues:
            b = st.issue_index(i)
            issue = s.issues[i]
            vals = mc.values[i]
            if len(vals):
                q = np.quantile(vals, [0.05, 0.5, 0.95])
                qs = " / ".join(cell(issue, float(x)) for x in q)
            else:
                qs = "never settles"
            mine = cell(issue, float(r.value[0, b])) if r.settled[0, b] else "not settled"
            where = "-"
            if r.settled[0, b] and st.stakes[a, b] and len(vals):
                worse, same = standing(float(r.value[0, b]), vals, float(st.direction[a, b]))
                where = _standing_words(worse, same)
            rows.append([i, mine, qs, f"{mc.settled[i]:.0%}", where])
        out += text_table(["issue", "you", "engine 5% / median / 95%", "P(settled)",
                           "your settlement against the engine's"], rows)
    out.append("")
    out.append("The zones were hidden during play; `negsim zones SCENARIO` shows them round "
               "by round.")
    return out
