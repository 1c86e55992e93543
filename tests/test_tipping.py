"""Tipping points (``sim/tipping.py``, ``negsim tip``) against answers computed by hand, and
the Monte Carlo crossing with its band; ``negsim gap`` at the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sim.cli import app as negsim_app
from sim.cli_whatif import tip
from sim.errors import ScenarioError
from sim.loading import load_scenario
from sim.tipping import (
    TipError,
    band_counts,
    find_tipping_point,
    parse_target,
    wilson,
    yaml_number,
)
from sim.yamlio import read_yaml_text

ROOT = Path(__file__).resolve().parents[1]
CAR = ROOT / "scenarios" / "teaching_car_sale.yaml"
MAGNITUDE = "pressures.new_car_arrives.magnitude"
START = "pressures.new_car_arrives.start"
ELASTICITY = "parties.seller.stakes.price.elasticity"
#: The car sale with Sam's elasticity uncertain: uniform on [200, 600], median 400.
UNCERTAIN = [f"{ELASTICITY}={{dist: uniform, low: 200, high: 600}}"]

# The car sale by hand (its header). Sam's red line r(t) = 10,000 - 400 x S(t) (elasticity
# 400); Bea's red line is hard at 9,500, so the zone is open at t iff 400 x S(t) >= 500, that
# is S(t) >= 1.25. A pressure of magnitude m from round 4 with decay 0.5 gives
# S(t) = m (1 + 0.5 + ... + 0.5^(t-4)) = 2m (1 - 0.5^(t-3)) for t >= 4:
#   S(5) = 1.5 m, so the zone is open in round 5 iff m >= 1.25 / 1.5 = 5/6;
#   S(10) = 1.984375 m (2 x (1 - 0.5^7)).
# With m = 1 and start s: S(7) = 2 (1 - 0.5^(8 - s)): s = 6 gives 1.5 (open), s = 7 gives 1
# (closed), so the latest start that opens the zone by round 7 is 6.
# Elasticity e with m = 1 in round 5: e x 1.5 >= 500, e >= 1,000/3.
M_ROUND_5 = 1.25 / 1.5
E_ROUND_5 = 500 / 1.5
# Deal by round 10: both use the linear tactic, so in round 10 (F = 1) both offer their red
# lines and the price settles iff the zone is open (it opens no later than it would at 10,
# strain only grows). With an elasticity e the zone is open at 10 iff e x 1.984375 m >= 500.
# P(deal) = P(e >= 500 / (1.984375 m)) crosses 1/2 where that is the median 400:
M_DEAL_HALF = 500 / (1.984375 * 400)  # 0.62992...


def _app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                      rich_markup_mode=None)
    app.command("tip")(tip)
    app.command("other")(lambda: None)  # two commands, so the name "tip" is given
    return app


def _tip(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(_app(), ["tip", *args])
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res.exit_code, res.stdout, res.stderr


# ---------------------------------------------------------------------------------------------
# At the means: exact bisection
# ---------------------------------------------------------------------------------------------


def test_magnitude_that_opens_the_zone_in_round_5() -> None:
    r = find_tipping_point(CAR, [MAGNITUDE], "zone:price@5")
    assert r.flips and r.rising
    assert r.lo == 0 and r.hi == 4  # the default bracket: 0 to four times the magnitude
    assert r.value is not None and r.other is not None
    assert r.other < M_ROUND_5 <= r.value + 1e-6  # eps of the zone test: 6e-6 EUR
    assert r.value - r.other <= r.tol and abs(r.value - M_ROUND_5) <= r.tol
    assert ">= 0.83334" in r.verdict() and "closed at 0.8333" in r.verdict()


def test_elasticity_that_opens_the_zone_in_round_5() -> None:
    r = find_tipping_point(CAR, [ELASTICITY], "zone:price@5", lo=0, hi=1000, tol=1e-3)
    assert r.flips and r.rising and r.value is not None
    assert abs(r.value - E_ROUND_5) <= 1e-3


def test_start_round_bisects_on_whole_rounds() -> None:
    r = find_tipping_point(CAR, [START], "zone:price@7")
    assert r.integer and (r.lo, r.hi) == (1, 10)
    assert r.flips and r.rising is False
    assert (r.value, r.other) == (6, 7)
    assert all(p.x == int(p.x) for p in r.points)
    assert "start <= 6 (closed at 7)" in r.verdict()


def test_never_flips_is_said_plainly() -> None:
    r = find_tipping_point(CAR, [MAGNITUDE], "zone:price@5", lo=0, hi=0.5)
    assert not r.flips
    assert r.verdict() == (f"the zone of price at round 5 stays closed for {MAGNITUDE} in "
                           "[0, 0.5]: it never flips in this bracket")


def test_cli_tip_gives_the_hand_computed_answer() -> None:
    code, out, err = _tip(str(CAR), "--vary", MAGNITUDE, "--target", "zone:price@5")
    assert code == 0, err
    assert f"the zone of price is open at round 5 for {MAGNITUDE} >= 0.83334" in out
    assert "tried 0.8333" in err  # one line per evaluation on stderr
    code, out, _ = _tip(str(CAR), "--vary", START, "--target", "zone:price@7", "-q")
    assert code == 0 and f"{START} <= 6 (closed at 7)" in out


def test_cli_gap_on_the_car_sale() -> None:
    # Round 1: Sam's red line 10,000, Bea's hard 9,500: Sam must give the whole 500 (8.3% of
    # the 6,000-wide scale). Round 4: strain has moved him to 9,600: 100 left.
    res = CliRunner().invoke(negsim_app, ["gap", str(CAR), "--round", "1"])
    assert res.exit_code == 0, res.output
    assert "opens at Bea's loan ceiling with 500 EUR of red-line moves (8.3% of the scale)" \
        in res.stdout
    assert "seller moves its red line 500 EUR" in res.stdout
    res = CliRunner().invoke(negsim_app, ["gap", str(CAR), "--round", "4"])
    assert "seller moves its red line 100 EUR" in res.stdout
    res = CliRunner().invoke(negsim_app, ["gap", str(CAR), "--round", "5"])
    assert res.stdout.strip() == "Every zone is open at that round: nothing needs to move."


# ---------------------------------------------------------------------------------------------
# Errors: one line each, exit 2, no traceback
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--vary", "pressures.new_car_arrives.magnitud", "--target", "zone:price@5"],
         "--vary 'pressures.new_car_arrives.magnitud': no field 'magnitud' at "
         "pressures.new_car_arrives; did you mean 'magnitude'?"),
        (["--vary", "parties.sellr.decay", "--target", "deal"],
         "did you mean 'seller'?"),
        (["--vary", "title", "--target", "deal"], "--vary 'title': not a number (it holds text)"),
        (["--vary", MAGNITUDE, "--target", "zone:prce@5"],
         "unknown issue 'prce' (expected one of: price); did you mean 'price'?"),
        (["--vary", MAGNITUDE, "--target", "zone:price@11"],
         "the round must be a whole number from 1 to 10, not '11'"),
        (["--vary", MAGNITUDE, "--target", "deal>=1.5"], "strictly between 0 and 1"),
        (["--vary", MAGNITUDE, "--target", "zone:price@5>=0.5"], "for P(zone open) write"),
        (["--vary", MAGNITUDE, "--target", "zone:price", "--lo", "2", "--hi", "1"],
         "the bracket [2, 1] is empty"),
        (["--vary", START, "--target", "zone:price@7", "--lo", "1.5"], "give whole --lo"),
        # A value the file rejects is reported as --set reports it, relabelled --vary:
        (["--vary", "pressures.new_car_arrives.probability", "--target", "deal", "--hi", "2"],
         "--vary 'pressures.new_car_arrives.probability=2.0' (column 39): "
         "pressures.new_car_arrives.probability: must lie in [0, 1]"),
    ],
)
def test_cli_errors(args: list[str], expected: str) -> None:
    code, out, err = _tip(str(CAR), *args)
    assert code == 2
    assert expected in err, err
    assert "Traceback" not in err and out == ""
    assert err.rstrip().endswith("; nothing was run.")


def test_target_grammar() -> None:
    s = load_scenario(CAR).scenario
    t = parse_target("settled:price@7>=40%", s)
    assert (t.kind, t.issue, t.round, t.level) == ("settled", "price", 7, 0.4)
    t = parse_target("deal", s)
    assert (t.kind, t.issue, t.round, t.level) == ("deal", None, 10, 0.5)
    assert parse_target("zone:price", s).round == 10
    with pytest.raises(TipError, match="a deal is over every core issue"):
        parse_target("deal:price>=0.5", s)


def test_overrides_write_numbers_yaml_reads_back() -> None:
    for x in (1e-5, 2.5e20, 0.1, -3.0, 5 / 6):
        assert read_yaml_text(yaml_number(x), "x").data == x
    assert yaml_number(6.0, integer=True) == "6"


def test_a_bad_scenario_is_reported_whole(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nrounds: 0\n")
    with pytest.raises(ScenarioError):
        find_tipping_point(bad, [MAGNITUDE], "deal")
    code, _, err = _tip(str(bad), "--vary", MAGNITUDE, "--target", "deal")
    assert code == 2 and "Traceback" not in err and "nothing was run." in err


# ---------------------------------------------------------------------------------------------
# Monte Carlo: the crossing and its band
# ---------------------------------------------------------------------------------------------


def test_wilson_band_counts() -> None:
    for n in (50, 400, 3200):
        k_a, k_b = band_counts(0.5, n)
        assert wilson(k_a, n)[1] >= 0.5 > wilson(k_a - 1, n)[1]
        assert wilson(k_b, n)[0] > 0.5 >= wilson(k_b - 1, n)[0]
        assert k_a <= n // 2 < k_b


def test_monte_carlo_crossing_band_contains_it_and_shrinks() -> None:
    results = [find_tipping_point(CAR, [MAGNITUDE], "deal>=0.5", lo=0, hi=2, runs=n, seed=3,
                                  overrides=UNCERTAIN) for n in (400, 3200)]
    widths = []
    for r in results:
        assert r.flips and r.rising and r.band is not None and r.value is not None
        a, b = r.band
        assert a <= r.value <= b and r.band_open == (False, False)
        widths.append(b - a)
        # Common random numbers: P(deal) never falls as the magnitude rises (invariant 4).
        ks = [p.k for p in r.points]
        assert ks == sorted(ks)
        pv, po = r.point(r.value), r.point(r.other)
        assert pv is not None and po is not None
        assert (pv.p or 0) >= 0.5 > (po.p or 0)
    assert widths[1] < widths[0] / 2  # about 1/sqrt(8) as wide with 8 times the runs
    a, b = results[1].band or (0, 0)
    assert a <= M_DEAL_HALF <= b  # the answer by hand lies inside the band
    assert abs(results[1].value - M_DEAL_HALF) < 0.02  # type: ignore[operator]


def test_monte_carlo_never_crossing_reports_its_maximum() -> None:
    r = find_tipping_point(CAR, [MAGNITUDE], "deal>=0.5", lo=0, hi=0.5, runs=300, seed=3,
                           overrides=UNCERTAIN)
    assert not r.flips and r.band is None
    top = max(p.p or 0 for p in r.points)
    assert r.verdict().startswith(f"P(deal by round 10) stays below 50% for {MAGNITUDE} in "
                                  "[0, 0.5]: max ")
    assert f"{100 * top:.1f}% at 0.5" in r.verdict()


def test_several_fields_move_together(tmp_path: Path) -> None:
    # Two equal pressures on Sam, both varied: together they act as one of twice the size, so
    # the zone opens in round 5 at half the single pressure's threshold.
    two = tmp_path / "two.yaml"
    text = CAR.read_text()
    two.write_text(text + "  second_car:\n    kind: personal\n    target: seller\n"
                   "    start: 4\n    magnitude: 1\n")
    r = find_tipping_point(two, [MAGNITUDE, "pressures.second_car.magnitude"], "zone:price@5")
    assert r.value is not None and abs(r.value - M_ROUND_5 / 2) <= r.tol
    assert r.label == f"{MAGNITUDE} = pressures.second_car.magnitude"


def test_monte_carlo_on_whole_rounds() -> None:
    # A later start leaves less time for strain: P(deal by round 10) falls with the start.
    r = find_tipping_point(CAR, [START], "deal>=0.8", runs=3000, seed=1, overrides=UNCERTAIN)
    assert r.flips and r.rising is False and r.value is not None and r.band is not None
    a, b = r.band
    assert a <= r.value <= b and a == int(a) and b == int(b)
    assert r.other == r.value + 1
    pv, po = r.point(r.value), r.point(r.other)
    assert pv is not None and po is not None and (pv.p or 0) >= 0.8 > (po.p or 0)
