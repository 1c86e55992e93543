"""Minimal concessions (`negsim gap`), against answers computed by hand."""

from __future__ import annotations

import textwrap
from pathlib import Path

from sim.concessions import minimal_concessions
from sim.loading import load_scenario, load_scenario_text

ROOT = Path(__file__).resolve().parents[1]


def test_car_sale_round_1_and_4() -> None:
    # Seller's set [10000, 12000] (soft, limit 9000), buyer's [9000, 9500] (hard): the zone
    # opens at 9500 when the seller gives 500; in round 4 strain has moved his red line to
    # 9600 (10000 - 400 x 1), so 100 is left; from round 5 the zone is open.
    s = load_scenario(ROOT / "scenarios" / "teaching_car_sale.yaml").scenario
    (c,) = minimal_concessions(s, 1)
    assert c.opens and c.point == 9500 and c.total == 500
    assert [(m.party, m.distance, m.hard) for m in c.moves] == [("seller", 500, False)]
    assert abs(c.total_share - 500 / 6000) < 1e-12
    (c,) = minimal_concessions(s, 4)
    assert c.point == 9500 and [(m.party, m.distance) for m in c.moves] == [("seller", 100)]
    assert minimal_concessions(s, 5) == []


PAIR = """\
title: Two sets
rounds: 4
issues:
  x: {label: X, scale: [0, 10]}
parties:
  a:
    name: A
    stakes:
      x: {ideal: 0, red_line: 3, hard: HARD_A}
  b:
    name: B
    stakes:
      x: {ideal: 10, red_line: 6, hard: HARD_B}
"""


def pair(hard_a: bool, hard_b: bool) -> str:
    return textwrap.dedent(PAIR).replace("HARD_A", str(hard_a).lower()).replace(
        "HARD_B", str(hard_b).lower())


def test_soft_gap_is_split_between_both() -> None:
    # A's set [0, 3], B's [6, 10], both soft: the total move is 3 anywhere in [3, 6]; the
    # midpoint 4.5 splits it, 1.5 each.
    (c,) = minimal_concessions(load_scenario_text(pair(False, False)).scenario, 1)
    assert c.opens and c.point == 4.5 and c.total == 3
    assert sorted((m.party, m.distance) for m in c.moves) == [("a", 1.5), ("b", 1.5)]


def test_one_hard_line_puts_the_move_on_the_other() -> None:
    (c,) = minimal_concessions(load_scenario_text(pair(True, False)).scenario, 1)
    assert c.point == 3 and [(m.party, m.distance) for m in c.moves] == [("b", 3)]


def test_both_hard_names_them() -> None:
    (c,) = minimal_concessions(load_scenario_text(pair(True, True)).scenario, 1)
    assert not c.opens and set(c.hard_in_the_way) == {"a", "b"}
    assert "only hard red lines" in c.note


def test_limits_that_stop_short() -> None:
    # B's red line may only give down to 5: A (hard at 3) and B can never meet.
    text = pair(True, False).replace("red_line: 6, hard: false",
                                     "red_line: 6, hard: false, limit: 5")
    (c,) = minimal_concessions(load_scenario_text(text).scenario, 1)
    assert not c.opens and c.hard_in_the_way == ("a",)


def test_abu_dhabi_territory() -> None:
    s = load_scenario(ROOT / "scenarios" / "abu_dhabi_2026.yaml").scenario
    found = {c.issue: c for c in minimal_concessions(s, 1)}
    donetsk = found["donetsk"]
    # Russia's red line is hard at all of Donetsk: only Ukraine can move, to 100.
    assert donetsk.opens and donetsk.point == 100
    assert [m.party for m in donetsk.moves] == ["ukraine"]
