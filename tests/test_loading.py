"""Scenario loading: one test per kind of mistake, reading the message the user sees."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.loading import dump_scenario, load_scenario, load_scenario_text

SALE = """\
title: Used car sale
rounds: 10
issues:
  price: {label: Price, unit: EUR, scale: [0, 10000]}
parties:
  seller:
    name: Seller
    stakes:
      price: {ideal: 8000, red_line: 5000}
  buyer:
    name: Buyer
    stakes:
      price: {ideal: 4000, red_line: 6000}
"""


def problems(text: str, overrides: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(textwrap.dedent(text), "s.yaml", overrides)
    return [str(p) for p in info.value.problems if p.severity == "error"]


def one(text: str, overrides: tuple[str, ...] = ()) -> str:
    found = problems(text, overrides)
    assert len(found) == 1, found
    return found[0]


def test_valid_sale_loads() -> None:
    s = load_scenario_text(SALE).scenario
    assert list(s.parties) == ["seller", "buyer"]
    assert s.parties["buyer"].stakes["price"].red_line.mean() == 6000


def test_three_mistakes_reported_at_once_with_lines() -> None:
    text = SALE.replace("red_line: 5000", "red_lin: 5000").replace(
        "red_line: 6000", "red_line: 12000") + textwrap.dedent("""\
        pressures:
          tariff: {kind: tariff, target: sellr, start: 2, magnitude: 1}
        """)
    found = problems(text)
    assert any(m.startswith("s.yaml:9:") and "unknown field 'red_lin'" in m
               and "did you mean 'red_line'?" in m for m in found), found
    assert any(m.startswith("s.yaml:13:") and "red line lies off the scale" in m
               and "[0, 10000]" in m for m in found), found
    assert any(m.startswith("s.yaml:15:") and "unknown party or actor 'sellr'" in m
               and "did you mean 'seller'?" in m for m in found), found


def test_unknown_key_suggests_the_field() -> None:
    msg = one(SALE.replace("name: Buyer", "name: Buyer\n    capabilty: 2"))
    assert "parties.buyer.capabilty: unknown field 'capabilty'" in msg
    assert "did you mean 'capability'?" in msg
    assert msg.startswith("s.yaml:12:5:")


def test_quoted_number_is_not_a_number() -> None:
    msg = one(SALE.replace("ideal: 4000", "ideal: '4000'"))
    assert "parties.buyer.stakes.price.ideal" in msg
    assert "got the text '4000'; remove the quotes" in msg


def test_boolean_where_text_is_expected() -> None:
    msg = one(SALE.replace("name: Buyer", "name: no"))
    assert "parties.buyer.name: expected text, got the boolean false" in msg
    assert "quote it ('false')" in msg


def test_missing_required_field() -> None:
    msg = one(SALE.replace("rounds: 10\n", ""))
    assert "rounds: missing required field 'rounds'" in msg


def test_invalid_id() -> None:
    msg = one(SALE.replace("  buyer:\n", "  buyer.one:\n"))
    assert "'buyer.one' is not a valid id" in msg
    assert "try 'buyer_one'" in msg


def test_unknown_distribution_suggests_a_name() -> None:
    msg = one(SALE.replace("red_line: 6000", "red_line: {dist: triangle, low: 5, high: 6}"))
    assert "unknown distribution 'triangle'" in msg and "did you mean 'triangular'?" in msg


def test_invalid_distribution_parameters() -> None:
    msg = one(SALE.replace("red_line: 6000",
                           "red_line: {dist: uniform, low: 6500, high: 5500}"))
    assert "uniform needs low < high" in msg


def test_distribution_reaching_off_the_scale() -> None:
    msg = one(SALE.replace("red_line: 6000",
                           "red_line: {dist: uniform, low: 5500, high: 10500}"))
    assert "the red line distribution reaches off the scale" in msg


def test_positive_field_rejects_a_normal() -> None:
    msg = one(SALE.replace("name: Buyer", "name: Buyer\n    capability: {dist: normal, "
                           "mean: 1, sd: 0.1}"))
    assert "capability: this distribution's support reaches 0 or below" in msg


def test_soft_red_line_equal_to_ideal_needs_a_limit() -> None:
    msg = one(SALE.replace("red_line: 6000", "red_line: 4000"))
    assert "needs a 'limit'" in msg


def test_limit_on_the_wrong_side() -> None:
    msg = one(SALE.replace("red_line: 6000", "red_line: 6000, limit: 5000"))
    assert "the limit lies on the ideal's side of the red line" in msg


def test_probability_out_of_range() -> None:
    msg = one(SALE + "pressures:\n  p: {kind: x, target: buyer, start: 1, magnitude: 1, "
              "probability: 1.5}\n")
    assert "pressures.p.probability: must lie in [0, 1]" in msg


def test_requires_cycle() -> None:
    text = SALE.replace("scale: [0, 10000]}", "scale: [0, 10000], requires: [tax]}\n"
                        "  tax: {label: Tax, scale: [0, 1], requires: [price]}")
    text = text.replace("price: {ideal: 4000, red_line: 6000}",
                        "price: {ideal: 4000, red_line: 6000}\n      tax: {ideal: 0, "
                        "red_line: 1}")
    msg = one(text)
    assert "the requires graph has a cycle" in msg


def test_divergent_leverage() -> None:
    msg = one(SALE + "leverage:\n  seller: {buyer: 1.0}\n  buyer: {seller: 1.0}\n")
    assert "pressure propagation diverges" in msg and "spectral radius" in msg


def test_fewer_than_two_parties_and_no_stakeholder() -> None:
    text = SALE.split("  buyer:")[0] + "  "  # only the seller
    text = text.replace("price: {ideal: 8000, red_line: 5000}",
                        "price: {ideal: 8000, red_line: 5000}").rstrip() + "\n"
    text = text.replace("scale: [0, 10000]}", "scale: [0, 10000]}\n  tax: {label: T, "
                        "scale: [0, 1]}")
    found = problems(text)
    assert any("at least two parties" in m for m in found)
    assert any("issue 'tax' has no stakeholder" in m for m in found)


def test_no_core_issue() -> None:
    msg = one(SALE.replace("scale: [0, 10000]}", "scale: [0, 10000], core: false}"))
    assert "no core issue" in msg


def test_unknown_tactic() -> None:
    msg = one(SALE.replace("name: Buyer", "name: Buyer\n    tactic: boulwere"))
    assert "unknown tactic 'boulwere'" in msg and "did you mean 'boulware'?" in msg


def test_stated_end_before_start_rejected() -> None:
    msg = one(SALE + "pressures:\n  p: {kind: x, target: buyer, start: 5, end: 2, "
              "magnitude: 1}\n")
    assert "end round 2 is before the start round 5" in msg


def test_effect_on_a_stake_the_party_lacks() -> None:
    text = SALE.replace("scale: [0, 10000]}", "scale: [0, 10000]}\n  tax: {label: T, "
                        "scale: [0, 1]}")
    text = text.replace("price: {ideal: 4000, red_line: 6000}",
                        "price: {ideal: 4000, red_line: 6000}\n      tax: {ideal: 0, "
                        "red_line: 1}")
    msg = one(text + "pressures:\n  p: {kind: x, target: buyer, start: 1, magnitude: 1, "
              "effects: [{party: seller, issue: tax, shift: 1}]}\n")
    assert "party 'seller' has no stake in 'tax'" in msg


def test_warning_for_a_target_that_reaches_no_party() -> None:
    loaded = load_scenario_text(SALE + "actors:\n  eu: {name: EU}\npressures:\n  p: {kind: x, "
                                "target: eu, start: 1, magnitude: 1}\n")
    assert any("reaches no party" in str(w) for w in loaded.warnings)


def test_override_errors_name_the_override() -> None:
    msg = one(SALE, ("parties.buyer.capability=abc",))
    assert msg.startswith("--set 'parties.buyer.capability=abc' (column 26)")
    msg = one(SALE, ("parties.buyr.capability=2",))
    assert "no field 'buyr' at parties" in msg and "did you mean 'buyer'?" in msg


def test_override_sets_a_distribution() -> None:
    s = load_scenario_text(SALE, overrides=(
        "parties.buyer.stakes.price.red_line={dist: normal, mean: 6100, sd: 100}",)).scenario
    assert s.parties["buyer"].stakes["price"].red_line.mean() == 6100


def test_extends_merges_by_id(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(SALE)
    (tmp_path / "variant.yaml").write_text(
        "extends: base.yaml\ntitle: Tougher buyer\nparties:\n  buyer:\n    stakes:\n"
        "      price: {red_line: 5500}\n")
    s = load_scenario(tmp_path / "variant.yaml").scenario
    assert s.title == "Tougher buyer"
    assert s.parties["buyer"].stakes["price"].red_line.mean() == 5500
    assert s.parties["buyer"].stakes["price"].ideal.mean() == 4000
    assert s.parties["seller"].name == "Seller"


def test_extends_error_points_into_the_variant(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(SALE)
    (tmp_path / "variant.yaml").write_text(
        "extends: base.yaml\nparties:\n  buyer:\n    stakes:\n      price: {hard: tru}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "variant.yaml")
    msg = str(info.value)
    assert "variant.yaml:5:" in msg and "expected true or false, got the text 'tru'" in msg


def test_extends_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "a.yaml")
    assert "through a cycle" in str(info.value)


def test_unknown_fact_id(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "src.md").write_text("# S\n\n- key: src\n\n## Facts\n\n1. A fact.\n2. Another.\n")
    (tmp_path / "s.yaml").write_text(
        "fact_base: seeds\n" + SALE.replace("ideal: 8000", "ideal: {value: 8000, source: "
                                            "[src#3]}"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "s.yaml")
    assert "cites 'src#3', which is not in the fact base" in str(info.value)
    (tmp_path / "s.yaml").write_text(
        "fact_base: seeds\n" + SALE.replace("ideal: 8000", "ideal: {value: 8000, source: "
                                            "[src#2]}"))
    assert load_scenario(tmp_path / "s.yaml").facts["src#2"] == "Another."


def test_dump_then_load_gives_an_equal_scenario() -> None:
    text = SALE.replace("red_line: 6000", "red_line: {dist: triangular, low: 5500, mode: "
                        "6000, high: 6500, assumption: a guess}")
    s = load_scenario_text(text).scenario
    assert load_scenario_text(dump_scenario(s)).scenario == s


def test_extends_replaces_a_distribution_with_a_number(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(SALE.replace(
        "red_line: 6000", "red_line: {dist: choice, values: [5500, 6000], assumption: guess}"))
    (tmp_path / "variant.yaml").write_text(
        "extends: base.yaml\nparties:\n  buyer:\n    stakes:\n"
        "      price: {red_line: {value: 5800, assumption: the buyer said so}}\n")
    s = load_scenario(tmp_path / "variant.yaml").scenario
    red = s.parties["buyer"].stakes["price"].red_line
    assert red.mean() == 5800 and red.assumption == "the buyer said so"


LINKED = SALE + """\
pressures:
  bill_india: {kind: tariff, target: buyer, start: 2, magnitude: 1, probability: 0.5}
  bill_china: {kind: tariff, target: seller, start: 2, magnitude: 1, occurs_with: bill_india}
  no_bill: {kind: relief, target: seller, start: 2, magnitude: -1, occurs_without: bill_india}
"""


def test_linked_pressures_share_one_draw() -> None:
    from sim.arrays import draw_batch, structure

    s = load_scenario_text(LINKED).scenario
    st = structure(s)
    import numpy as np

    d = draw_batch(st, 11, np.arange(400, dtype=np.int64))
    india, china, none = (st.events.index(e) for e in ("bill_india", "bill_china", "no_bill"))
    assert 100 < d.occurs[:, india].sum() < 300
    assert (d.occurs[:, china] == d.occurs[:, india]).all()
    assert (d.occurs[:, none] == ~d.occurs[:, india]).all()


def test_linked_pressure_errors() -> None:
    found = problems(LINKED.replace("occurs_with: bill_india}", "occurs_with: bill_indai, "
                                    "probability: 0.3}"))
    assert any("unknown pressure 'bill_indai'" in m and "did you mean 'bill_india'?" in m
               for m in found), found
    assert any("states no probability" in m for m in found), found
    found = problems(LINKED.replace("occurs_without: bill_india", "occurs_without: bill_china"))
    assert any("'bill_china' is itself linked" in m for m in found), found
