"""Tiny scenarios whose zones, strains, settlements and Nash points are computed by hand.

Each test states its arithmetic in comments, so a failure says which rule of MODEL.md the
engine departs from. None of these scenarios has a distribution, so one run is every run.
"""

from __future__ import annotations

import textwrap
import warnings

import numpy as np
import pytest

from sim.engine import Negotiation, RoundReport
from sim.loading import load_scenario_text
from sim.scenario import Scenario
from sim.zone import nash_point


def scenario(text: str) -> Scenario:
    return load_scenario_text(textwrap.dedent(text)).scenario


def rounds(s: Scenario) -> list[RoundReport]:
    """Every round of one run at the scenario's means (no distribution here: it is the run)."""
    neg = Negotiation(s, at_means=True)
    out = []
    while not neg.done:
        out.append(neg.step())
    return out


class View:
    """One run's reports read by ids: ``v.zone(t, "border")`` and so on (t from 1)."""

    def __init__(self, s: Scenario) -> None:
        self.reports = rounds(s)
        self.st = self.reports[0].structure

    def r(self, t: int) -> RoundReport:
        return self.reports[t - 1]

    def p(self, party: str) -> int:
        return self.st.party_index(party)

    def i(self, issue: str) -> int:
        return self.st.issue_index(issue)

    def zone(self, t: int, issue: str) -> tuple[float, float, bool]:
        z, k = self.r(t).zones, self.i(issue)
        return float(z.lo[0, k]), float(z.hi[0, k]), bool(z.open[0, k])

    def offer(self, t: int, party: str, issue: str) -> float:
        return float(self.r(t).offer[0, self.p(party), self.i(issue)])

    def red(self, t: int, party: str, issue: str) -> float:
        return float(self.r(t).red_line[0, self.p(party), self.i(issue)])

    def ideal(self, t: int, party: str, issue: str) -> float:
        return float(self.r(t).ideal[0, self.p(party), self.i(issue)])

    def strain(self, t: int, party: str) -> float:
        return float(self.r(t).strain[0, self.p(party)])

    def settled(self, issue: str) -> tuple[int, float]:
        """(settled round or 0, value) at the deadline."""
        last, k = self.reports[-1], self.i(issue)
        return int(last.settled_round[0, k]), float(last.value[0, k])

    def deal(self) -> int:
        return int(self.reports[-1].deal_round[0])

    def blockers(self, t: int, issue: str) -> set[str]:
        b = self.r(t).blockers[0, :, self.i(issue)]
        return {p for k, p in enumerate(self.st.parties) if b[k]}

    def gap(self, t: int, party: str, issue: str) -> float:
        return float(self.r(t).gaps[0, self.p(party), self.i(issue)])


# ---------------------------------------------------------------------------------------------
# Two parties, a known overlap, linear time tactics
# ---------------------------------------------------------------------------------------------

OVERLAP = """
title: two parties with an overlap
rounds: 10
issues:
  border: {label: border, scale: [0, 10]}
  aid: {label: aid, scale: [0, 100], requires: [border], core: false}
parties:
  east:
    name: East
    capability: 3
    tactic: linear
    stakes:
      border: {ideal: 0, red_line: 6, hard: true}
      aid: {ideal: 30, red_line: 80}
  west:
    name: West
    tactic: linear
    stakes:
      border: {ideal: 10, red_line: 4, hard: true}
"""


def test_two_parties_settle_where_their_linear_offers_meet_the_zone() -> None:
    v = View(scenario(OVERLAP))
    # Zone: [max(0, 4), min(6, 10)] = [4, 6], open from the start; nobody blocks.
    assert v.zone(1, "border") == (4.0, 6.0, True)
    assert v.blockers(1, "border") == set()
    assert v.gap(1, "east", "border") == 0.0 and v.gap(1, "west", "border") == 0.0
    # Linear (beta 1, T = 10): F(t) = t/10. East offers 0 + F x 6 = 0.6 t, West 10 - 0.6 t.
    # East reaches the zone when 0.6 t >= 4, i.e. t >= 6.67; West when 10 - 0.6 t <= 6: the
    # same. Round 6: 3.6 < 4 (no); round 7: 4.2 and 5.8, both inside [4, 6].
    assert v.offer(6, "east", "border") == pytest.approx(3.6)
    assert v.offer(7, "east", "border") == pytest.approx(4.2)
    assert v.offer(7, "west", "border") == pytest.approx(5.8)
    assert v.r(6).settled_round[0, v.i("border")] == 0
    # Value: capability x salience weighted mean: (3 x 4.2 + 1 x 5.8) / 4 = 18.4 / 4 = 4.6.
    t, value = v.settled("border")
    assert t == 7
    assert value == pytest.approx(4.6, abs=1e-12)
    assert v.deal() == 7


def test_a_one_stakeholder_issue_settles_at_its_ideal_when_its_requirement_does() -> None:
    v = View(scenario(OVERLAP))
    # aid has one stakeholder (East, ideal 30) and requires border, which settles in round 7:
    # aid settles in round 7 (after border, within the round) at East's ideal, 30; as a
    # non-core issue it does not change the deal round.
    assert v.r(6).settled_round[0, v.i("aid")] == 0
    assert v.settled("aid") == (7, 30.0)
    assert v.deal() == 7


# ---------------------------------------------------------------------------------------------
# Disjoint hard red lines
# ---------------------------------------------------------------------------------------------

DISJOINT = """
title: disjoint hard red lines
rounds: 6
issues:
  border: {label: border, scale: [0, 10]}
parties:
  east:
    name: East
    stakes:
      border: {ideal: 0, red_line: 3, hard: true, elasticity: 5}
  west:
    name: West
    stakes:
      border: {ideal: 10, red_line: 7, hard: true}
pressures:
  sanctions: {kind: sanctions, target: east, start: 1, magnitude: 2}
"""


def test_disjoint_hard_red_lines_never_settle_and_both_block() -> None:
    v = View(scenario(DISJOINT))
    for t in range(1, 7):
        # Sets [0, 3] and [7, 10]: the strain on East (2 a round) cannot move a hard line.
        assert v.strain(t, "east") == 2.0
        assert v.red(t, "east", "border") == 3.0
        lo, hi, is_open = v.zone(t, "border")
        assert (lo, hi, is_open) == (7.0, 3.0, False)  # max lo = 7 > min hi = 3
        # Each point is covered by one set at most: both parties miss a best-covered point.
        assert v.blockers(t, "border") == {"east", "west"}
        # Each gap: the distance between the sets, 7 - 3 = 4.
        assert v.gap(t, "east", "border") == 4.0
        assert v.gap(t, "west", "border") == 4.0
    assert v.settled("border")[0] == 0
    assert v.deal() == 0


# ---------------------------------------------------------------------------------------------
# One party alone against two that overlap
# ---------------------------------------------------------------------------------------------


def test_the_party_alone_against_two_overlapping_is_the_only_blocker() -> None:
    v = View(
        scenario(
            """
            title: alone against two
            rounds: 3
            issues:
              territory: {label: territory, scale: [0, 10]}
            parties:
              russia: {name: Russia, tactic: hold,
                       stakes: {territory: {ideal: 0, red_line: 2, hard: true}}}
              ukraine: {name: Ukraine, tactic: hold,
                        stakes: {territory: {ideal: 10, red_line: 5, hard: true}}}
              usa: {name: United States, tactic: hold,
                    stakes: {territory: {ideal: 8, red_line: 4, hard: true}}}
            """
        )
    )
    # Sets: Russia [0, 2], Ukraine [5, 10], USA [4, 8]. Zone: [max(0,5,4), min(2,10,8)]
    # = [5, 2]: closed. The best-covered points are [5, 8] (two sets); only Russia misses them.
    assert v.zone(1, "territory") == (5.0, 2.0, False)
    assert v.blockers(1, "territory") == {"russia"}
    # Gaps: Russia to the others' best-covered points [5, 8]: 5 - 2 = 3. Ukraine's set meets
    # the USA's (the points the others cover most, once): 0; the USA's meets Ukraine's: 0.
    assert v.gap(1, "russia", "territory") == 3.0
    assert v.gap(1, "ukraine", "territory") == 0.0
    assert v.gap(1, "usa", "territory") == 0.0


# ---------------------------------------------------------------------------------------------
# A soft red line that a pressure opens, then lets close again
# ---------------------------------------------------------------------------------------------


def test_a_pressure_opens_a_soft_red_line_at_the_round_computed_by_hand() -> None:
    v = View(
        scenario(
            """
            title: pressure opens a zone
            rounds: 6
            issues:
              border: {label: border, scale: [0, 10]}
            parties:
              east:
                name: East
                decay: 0.5
                tactic: hold
                stakes:
                  border: {ideal: 0, red_line: 3, limit: 6.5, elasticity: 2}
              west:
                name: West
                tactic: hold
                stakes:
                  border: {ideal: 10, red_line: 5.5, hard: true}
            pressures:
              sanctions: {kind: sanctions, target: east, start: 2, end: 4, magnitude: 1}
            """
        )
    )
    # S(t) = max(0, 0.5 S(t-1) + g(t)), g = 1 in rounds 2..4, else 0:
    #   S = 0, 1, 1.5, 1.75, 0.875, 0.4375.
    # Red line r(t) = min(3 + 2 S(t), limit 6.5):
    #   r = 3, 5, 6, min(6.5, 6.5) = 6.5, 4.75, 3.875.
    # Zone [5.5, r(t)]: open iff r(t) >= 5.5: rounds 3 and 4 only.
    strain = [0.0, 1.0, 1.5, 1.75, 0.875, 0.4375]
    red = [3.0, 5.0, 6.0, 6.5, 4.75, 3.875]
    is_open = [False, False, True, True, False, False]
    for t in range(1, 7):
        assert v.strain(t, "east") == pytest.approx(strain[t - 1], abs=1e-15), t
        assert v.red(t, "east", "border") == pytest.approx(red[t - 1], abs=1e-15), t
        assert v.zone(t, "border")[2] == is_open[t - 1], t
    assert v.zone(3, "border")[:2] == pytest.approx((5.5, 6.0))


def test_the_limit_stops_a_soft_red_line() -> None:
    v = View(
        scenario(
            """
            title: a limit
            rounds: 3
            issues:
              border: {label: border, scale: [0, 10]}
            parties:
              east:
                name: East
                stakes:
                  border: {ideal: 0, red_line: 3, limit: 6.5, elasticity: 4}
              west:
                name: West
                stakes:
                  border: {ideal: 10, red_line: 5.5, hard: true}
            pressures:
              sanctions: {kind: sanctions, target: east, start: 1, magnitude: 1}
            """
        )
    )
    # Decay 0: S = 1 each round; 3 + 4 x 1 = 7 is past the limit, so r = 6.5.
    for t in (1, 2, 3):
        assert v.red(t, "east", "border") == 6.5


# ---------------------------------------------------------------------------------------------
# A requires chain
# ---------------------------------------------------------------------------------------------

CHAIN = """
title: a requires chain
rounds: 10
issues:
  a: {label: a, scale: [0, 10]}
  b: {label: b, scale: [0, 10], requires: [a]}
  c: {label: c, scale: [0, 10], requires: [b]}
parties:
  east:
    name: East
    tactic: linear
    stakes:
      a: {ideal: 0, red_line: 7, hard: true}
      b: {ideal: 0, red_line: 8, hard: true}
      c: {ideal: 0, red_line: 6, hard: true}
  west:
    name: West
    tactic: linear
    stakes:
      a: {ideal: 10, red_line: 3, hard: true}
      b: {ideal: 10, red_line: 2, hard: true}
      c: {ideal: 10, red_line: 4, hard: true}
"""


def test_a_requires_chain_settles_in_order() -> None:
    # Symmetric red lines c and 10 - c: zone [10 - c, c]; East offers F c with F = t/10, so it
    # reaches the zone when t c / 10 >= 10 - c, i.e. t >= 10 (10 - c) / c (West mirrors it).
    #   a (c = 7): t >= 4.29 -> round 5;  b (c = 8): t >= 2.5 -> round 3;
    #   c (c = 6): t >= 6.67 -> round 7.
    # b requires a: it waits for round 5 and settles in it, after a; c requires b: round 7.
    # Every value is the mean of two mirrored offers: 5.
    v = View(scenario(CHAIN))
    assert v.settled("a") == (5, 5.0)
    assert v.settled("b") == (5, 5.0)
    assert v.settled("c") == (7, 5.0)
    assert v.deal() == 7
    # Without the requirement, b settles in round 3 on its own.
    free = scenario(CHAIN.replace("requires: [a]", "requires: []"))
    assert View(free).settled("b") == (3, 5.0)


# ---------------------------------------------------------------------------------------------
# Leverage: pressure on an actor reaching a party
# ---------------------------------------------------------------------------------------------

LEVERAGE = """
title: a tariff on a buyer
rounds: 5
issues:
  border: {label: border, scale: [0, 10]}
parties:
  russia: {name: Russia, decay: 0.5, stakes: {border: {ideal: 0, red_line: 4}}}
  ukraine: {name: Ukraine, stakes: {border: {ideal: 10, red_line: 6}}}
actors:
  india: {name: India}
  china: {name: China}
leverage:
  india: {russia: 0.5}
pressures:
  tariff: {kind: tariff, target: india, start: 1, end: 2, magnitude: 2}
"""


def test_a_tariff_on_an_actor_strains_a_party_through_its_edge_then_decays() -> None:
    v = View(scenario(LEVERAGE))
    # g_russia = w x magnitude = 0.5 x 2 = 1 in rounds 1-2, 0 afterwards; decay 0.5:
    #   S = 1, 0.5 x 1 + 1 = 1.5, 0.75, 0.375, 0.1875. India is an actor; Ukraine is not
    #   reached.
    for t, s in enumerate([1.0, 1.5, 0.75, 0.375, 0.1875], start=1):
        assert v.strain(t, "russia") == pytest.approx(s, abs=1e-15), t
        assert v.strain(t, "ukraine") == 0.0


def test_strain_adds_up_over_every_path_of_the_leverage_graph() -> None:
    s = scenario(
        LEVERAGE.replace(
            "india: {russia: 0.5}", "india: {russia: 0.5, china: 0.5}\n  china: {russia: 0.4}"
        )
    )
    v = View(s)
    # Paths india -> russia (0.5) and india -> china -> russia (0.5 x 0.4 = 0.2):
    #   g = (0.5 + 0.2) x 2 = 1.4 in round 1.
    assert v.strain(1, "russia") == pytest.approx(1.4, abs=1e-15)
    # Round 2: 0.5 x 1.4 + 1.4 = 2.1.
    assert v.strain(2, "russia") == pytest.approx(2.1, abs=1e-15)


# ---------------------------------------------------------------------------------------------
# The Nash point
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cap_east", "expected"),
    [
        # Equal powers: maximise log(1 - x/6) + log(1 - (10 - x)/6), i.e. (6 - x)(x - 4):
        # x = 5, the middle of the zone.
        (1, 5.0),
        # Powers 2 and 1: maximise 2 log(6 - x) + log(x - 4); derivative
        # -2/(6 - x) + 1/(x - 4) = 0  =>  6 - x = 2 (x - 4)  =>  x = 14/3.
        (2, 14 / 3),
    ],
)
def test_the_nash_point_of_a_two_party_zone(cap_east: float, expected: float) -> None:
    s = scenario(OVERLAP.replace("capability: 3", f"capability: {cap_east}"))
    neg = Negotiation(s, at_means=True)
    r = neg.step()
    x = nash_point(r.ideal, r.red_line, neg.draws.capability, r.structure.stakes, r.zones)
    assert x[0, r.structure.issue_index("border")] == pytest.approx(expected, abs=1e-9)


def test_the_nash_point_of_a_zero_width_zone_is_that_point() -> None:
    # A third party with no flexibility at 5 (a constraint, not a factor): zone [5, 5].
    s = scenario(
        OVERLAP
        + "  mediator:\n    name: Mediator\n    stakes:\n"
        + "      border: {ideal: 5, red_line: 5, hard: true}\n"
    )
    neg = Negotiation(s, at_means=True)
    r = neg.step()
    x = nash_point(r.ideal, r.red_line, neg.draws.capability, r.structure.stakes, r.zones)
    assert x[0, r.structure.issue_index("border")] == 5.0


# ---------------------------------------------------------------------------------------------
# An ordinal issue settles at the nearest level, ties to the lower
# ---------------------------------------------------------------------------------------------

ORDINAL = """
title: an ordinal issue
rounds: 2
issues:
  access: {label: access, levels: [none, low, mid, high]}
parties:
  east: {name: East, capability: CAP, tactic: linear,
         stakes: {access: {ideal: 0, red_line: 2, hard: true}}}
  west: {name: West, tactic: linear,
         stakes: {access: {ideal: 3, red_line: 1, hard: true}}}
"""


@pytest.mark.parametrize(
    ("cap", "level"),
    [
        # Zone [1, 2]. Round 1: F = 1/2; East offers 0 + 0.5 x 2 = 1, West 3 - 0.5 x 2 = 2,
        # both in the zone. Equal weights: (1 + 2) / 2 = 1.5, a tie between levels 1 and 2:
        # the lower, 1 ("low").
        (1, 1.0),
        # Weights 0.25 and 1 (East, West): (0.25 x 1 + 1 x 2) / 1.25 = 1.8 -> level 2 ("mid").
        (0.25, 2.0),
        # Weights 3 and 1: (3 x 1 + 1 x 2) / 4 = 1.25 -> level 1 ("low").
        (3, 1.0),
        # Weights 1 and 1, the capability written as a cited number: the tie again.
        ("{value: 1, assumption: equal clout}", 1.0),
    ],
)
def test_an_ordinal_issue_settles_at_the_nearest_level_ties_to_the_lower(
    cap: object, level: float
) -> None:
    v = View(scenario(ORDINAL.replace("CAP", str(cap))))
    assert v.zone(1, "access")[:2] == (1.0, 2.0)
    assert v.settled("access") == (1, level)


# ---------------------------------------------------------------------------------------------
# Reciprocal parties, a hold-out
# ---------------------------------------------------------------------------------------------


def test_two_reciprocal_parties_concede_together_and_reach_their_red_lines_at_t() -> None:
    v = View(
        scenario(
            """
            title: tit for tat
            rounds: 7
            issues:
              border: {label: border, scale: [0, 10]}
            parties:
              east: {name: East, tactic: reciprocal,
                     stakes: {border: {ideal: 0, red_line: 4, hard: true}}}
              west: {name: West, tactic: reciprocal,
                     stakes: {border: {ideal: 10, red_line: 6, hard: true}}}
            """
        )
    )
    # F(t) = min(1, F_other(t-1) + 1/7) with F(0) = 0: F(t) = t/7 for both; F(7) = 1 (within
    # 1e-12 of 1 counts as 1), so each offers exactly its red line in round 7.
    k = v.i("border")
    for t in range(1, 8):
        f = v.r(t).conceded[0, :, k]
        assert f == pytest.approx([t / 7, t / 7], abs=1e-12), t
        assert v.offer(t, "east", "border") == pytest.approx(4 * t / 7, abs=1e-12)
    assert v.offer(7, "east", "border") == 4.0
    assert v.offer(7, "west", "border") == 6.0
    assert (v.r(7).conceded[0, :, k] == 1.0).all()


def test_a_hold_out_never_moves_its_offer_even_when_its_red_line_gives() -> None:
    v = View(
        scenario(
            """
            title: a hold-out
            rounds: 6
            issues:
              border: {label: border, scale: [0, 10]}
            parties:
              east:
                name: East
                tactic: hold
                stakes: {border: {ideal: 2, red_line: 4, elasticity: 1}}
              west:
                name: West
                tactic: linear
                stakes: {border: {ideal: 10, red_line: 3, hard: true}}
            pressures:
              sanctions: {kind: sanctions, target: east, start: 1, magnitude: 1}
            """
        )
    )
    for t in range(1, 7):
        # Decay 0 keeps no strain from round to round: S(t) = 1. East's soft red line is
        # 4 + 1 x 1 = 5; its set [2, 5] meets West's [3, 10]: zone [3, 5].
        assert v.red(t, "east", "border") == 5.0
        assert v.zone(t, "border") == (3.0, 5.0, True)
        # East only ever offers its ideal, 2, short of the zone: the issue never settles.
        assert v.offer(t, "east", "border") == 2.0
        assert v.r(t).conceded[0, v.p("east"), v.i("border")] == 0.0
    assert v.offer(6, "west", "border") == 3.0  # West reaches its red line at T
    assert v.settled("border")[0] == 0


# ---------------------------------------------------------------------------------------------
# A direct effect moves a hard red line
# ---------------------------------------------------------------------------------------------


def test_direct_effects_move_a_hard_red_line_add_up_and_clip_into_the_scale() -> None:
    v = View(
        scenario(
            """
            title: facts on the ground
            rounds: 7
            issues:
              border: {label: border, scale: [0, 10]}
            parties:
              east: {name: East, tactic: hold,
                     stakes: {border: {ideal: 0, red_line: 4, hard: true, elasticity: 3}}}
              west: {name: West, tactic: hold,
                     stakes: {border: {ideal: 10, red_line: 8, hard: true}}}
            pressures:
              offensive:
                kind: battlefield
                target: east
                start: 3
                end: 3
                magnitude: 2
                effects: [{party: east, issue: border, shift: 1.5}]
              counter:
                kind: battlefield
                target: west
                start: 5
                magnitude: 1
                effects: [{party: east, issue: border, shift: -1}]
              collapse:
                kind: battlefield
                target: west
                start: 7
                magnitude: 1
                effects: [{party: east, issue: border, shift: 10}]
            """
        )
    )
    # Rounds 1-2: ideal 0, red line 4 (hard: the strain on East in round 3 moves nothing).
    # Round 3: shift 1.5 x magnitude 2 = +3: ideal 3, red line 7 (kept after the event ends).
    # Round 5: another -1 x 1 = -1: total +2: ideal 2, red line 6.
    # Round 7: +10 more: total +12: ideal 12 and red line 16, clipped into [0, 10]: both 10.
    ideal = [0, 0, 3, 3, 2, 2, 10]
    red = [4, 4, 7, 7, 6, 6, 10]
    for t in range(1, 8):
        assert v.ideal(t, "east", "border") == ideal[t - 1], t
        assert v.red(t, "east", "border") == red[t - 1], t
    assert v.strain(3, "east") == 2.0
    # Zone [max(lo), min(hi)] with West's [8, 10]: open only in round 7, at [10, 10].
    assert v.zone(6, "border")[2] is False
    assert v.zone(7, "border") == (10.0, 10.0, True)


def test_reports_are_numpy_arrays_of_one_run() -> None:
    v = View(scenario(OVERLAP))
    r = v.r(1)
    assert r.offer.shape == (1, 2, 2) and r.zones.lo.shape == (1, 2)
    assert np.isnan(r.value).all()


def test_a_party_without_stakes_changes_nothing_and_warns_nothing() -> None:
    # MODEL.md: a party that does not care about an issue lists no stake in it and does not
    # constrain it; one with no stake at all is a bystander. Its time tactic has no stake to
    # concede on, so nothing (not even a floating-point warning) should come of it.
    observer = "  observer: {name: Observer, tactic: linear}\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with_observer = View(scenario(OVERLAP + observer))
    alone = View(scenario(OVERLAP))
    assert with_observer.settled("border") == alone.settled("border")
    assert with_observer.deal() == alone.deal() == 7
