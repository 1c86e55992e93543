"""Global sensitivity (``sim/sensitivity.py``, ``negsim sensitivity``) on a tiny scenario whose
answer is known, the missing-SALib message, and the "What would it take" report section."""

from __future__ import annotations

import base64
import importlib.util
import io
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from sim.cli_whatif import sensitivity as sensitivity_command
from sim.compare import run_scenario
from sim.html_report import write_report
from sim.loading import load_scenario, load_scenario_text
from sim.montecarlo import simulate
from sim.sensitivity import (
    SALIB_MISSING,
    SALibMissing,
    Sensitivity,
    run_sensitivity,
    short_label,
    uncertain_inputs,
    with_fixed,
)

#: The tests that run SALib; the missing-SALib message is tested without it.
needs_salib = pytest.mark.skipif(importlib.util.find_spec("SALib") is None,
                                 reason="the sensitivity extra installs SALib")

PNG = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[1]

# The car sale with three uncertain inputs. The deal by round 10 needs Sam's red line to reach
# Bea's hard 9,500: e x S(10) >= 500 with S(10) = 1.984375 m (see tests/test_tipping.py), so
# e >= 252 / m. Over e in [100, 900] that decides everything: the elasticity dominates; the
# magnitude in [0.3, 1.1] moves the threshold less; Bea's capability only weights where
# the price lands, never whether it settles: it is irrelevant to P(deal), exactly.
# The pressure happens with probability 0.8, so each point's P(deal) is 0 or about 0.8.
TINY = """\
title: Car sale, three uncertain inputs
rounds: 10
seed: 11
issues:
  price: {label: Price, unit: EUR, scale: [8000, 14000]}
parties:
  seller:
    name: Sam
    decay: 0.5
    tactic: linear
    stakes:
      price:
        ideal: 12000
        red_line: 10000
        limit: 9000
        elasticity: {dist: uniform, low: 100, high: 900}
  buyer:
    name: Bea
    tactic: linear
    capability: {dist: uniform, low: 0.5, high: 2}
    stakes:
      price: {ideal: 9000, red_line: 9500, hard: true}
pressures:
  new_car:
    kind: personal
    target: seller
    start: 4
    probability: 0.8
    magnitude: {dist: uniform, low: 0.3, high: 1.1}
"""

ELASTICITY = "parties.seller.stakes.price.elasticity"
CAPABILITY = "parties.buyer.capability"
MAGNITUDE = "pressures.new_car.magnitude"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sens") / "tiny.yaml"
    path.write_text(TINY)
    return path


@pytest.fixture(scope="module")
def morris(tiny: Path) -> Sensitivity:
    return run_sensitivity(tiny, method="morris", runs=100, samples=6)


def _app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                      rich_markup_mode=None)
    app.command("sensitivity")(sensitivity_command)
    app.command("other")(lambda: None)
    return app


def test_inputs_and_their_ranges() -> None:
    text = TINY.replace("red_line: 10000", "red_line: {dist: normal, mean: 10000, sd: 300}")
    text = text.replace("ideal: 12000", "ideal: {dist: normal, mean: 12000, sd: 1000}")
    text = text.replace("start: 4", "start: {dist: choice, values: [4, 6]}")
    s = load_scenario_text(text).scenario
    got = {i.path: (i.low, i.high, i.integer) for i in uncertain_inputs(s)}
    assert got == {
        "parties.seller.stakes.price.ideal": (9000, 14000, False),  # 12000 +- 3000, clipped
        "parties.seller.stakes.price.red_line": (9100, 10900, False),  # mean +- 3 sd
        ELASTICITY: (100, 900, False),
        CAPABILITY: (0.5, 2, False),
        "pressures.new_car.start": (4, 6, True),
        MAGNITUDE: (0.3, 1.1, False),
    }
    ad = load_scenario(ROOT / "scenarios" / "abu_dhabi_2026.yaml").scenario
    assert short_label(ad, "pressures.offensive_gains.effects.1.shift") == \
        "offensive_gains shift (ukraine donetsk)"
    assert short_label(ad, "parties.ukraine.stakes.donetsk.elasticity") == \
        "ukraine donetsk elasticity"
    assert short_label(ad, "leverage.india.russia") == "leverage india->russia"


def test_fixing_inputs_is_the_same_as_set_overrides(tiny: Path) -> None:
    s = load_scenario(tiny).scenario
    inputs = uncertain_inputs(s)
    values = {ELASTICITY: 345.5, CAPABILITY: 1.25, MAGNITUDE: 0.95}
    fixed = with_fixed(s, values, inputs)
    via_set = load_scenario(tiny, [f"{p}={v}" for p, v in values.items()]).scenario
    a, b = simulate(fixed, 300, 5).aggregate, simulate(via_set, 300, 5).aggregate
    assert np.array_equal(a.deal, b.deal) and np.array_equal(a.settled, b.settled)
    assert s.parties["seller"].stakes["price"].elasticity.mean() == 500  # the base unchanged


@needs_salib
def test_morris_ranks_the_dominant_input_first_and_the_irrelevant_at_zero(
        morris: Sensitivity) -> None:
    assert morris.points == 6 * (3 + 1)
    names = [morris.inputs[j].path for j in morris.ranking("deal")]
    assert names[0] == ELASTICITY and names[-1] == CAPABILITY
    mu = dict(zip((i.path for i in morris.inputs), morris.indices["deal"]["mu_star"],
                  strict=True))
    assert mu[CAPABILITY] == 0  # exactly: common random numbers, no effect at all
    assert mu[ELASTICITY] > mu[MAGNITUDE] > 0
    assert morris.outputs == ("deal", "price")
    assert np.array_equal(morris.Y[:, 0], morris.Y[:, 1])  # one issue: settled = deal


@needs_salib
def test_sobol_agrees(tiny: Path) -> None:
    r = run_sensitivity(tiny, method="sobol", runs=60, samples=32)
    assert r.points == 32 * (3 + 2)
    ix = r.indices["deal"]
    st = dict(zip((i.path for i in r.inputs), ix["ST"], strict=True))
    s1 = dict(zip((i.path for i in r.inputs), ix["S1"], strict=True))
    assert r.inputs[r.ranking("deal")[0]].path == ELASTICITY
    assert st[CAPABILITY] == 0 and s1[CAPABILITY] == 0
    assert st[ELASTICITY] > 0.5


@needs_salib
def test_cli_prints_the_table_and_writes_csv_and_chart(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "sens"
    res = CliRunner().invoke(_app(), ["sensitivity", str(tiny), "--runs", "50", "--samples",
                                      "6", "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[1].startswith("Morris screening: 6 trajectories x 4 points = 24 scenarios, "
                               "50 runs each, seed 11")
    first = next(k for k, line in enumerate(lines) if line.strip().startswith("rank"))
    assert lines[first + 1].split()[:4] == ["1", "seller", "price", "elasticity"]
    assert lines[first + 3].split()[:3] == ["3", "buyer", "capability"]
    assert f"wrote {out}/ (sensitivity.csv, points.csv, tornado.png)" in res.stdout
    table = (out / "sensitivity.csv").read_text().splitlines()
    body = [line for line in table if not line.startswith("#")]
    assert body[0] == ("output,rank,input,label,distribution,low,high,mu_star,mu_star_conf,"
                       "sigma,mu")
    assert body[1].startswith(f"deal,1,{ELASTICITY},seller price elasticity,"
                              "\"uniform(100, 900)\",100,900,")
    assert len(body) == 1 + 2 * 3  # two outputs x three inputs
    points = [line for line in (out / "points.csv").read_text().splitlines()
              if not line.startswith("#")]
    assert len(points) == 1 + 24
    png = (out / "tornado.png").read_bytes()
    assert png.startswith(PNG)
    pixels = mpimg.imread(io.BytesIO(png), format="png")
    assert pixels.shape[0] > 200 and pixels.shape[1] > 600


@needs_salib
def test_cli_errors_in_one_line(tiny: Path, tmp_path: Path) -> None:
    for args, expected in [
        (["--method", "sobl"], "--method: 'sobl' is not one of: morris, sobol"),
        (["--method", "sobol", "--samples", "10"],
         "--samples: Sobol sampling needs a power of 2 (such as 64), not 10"),
        (["--set", "parties.sellr.decay=0.1"], "did you mean 'seller'?"),
    ]:
        res = CliRunner().invoke(_app(), ["sensitivity", str(tiny), "--out",
                                          str(tmp_path / "x"), "-q", *args])
        assert res.exit_code == 2, res.output
        assert expected in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "x").exists()


def test_missing_salib_says_how_to_install(tiny: Path, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    for name in [m for m in sys.modules if m == "SALib" or m.startswith("SALib.")]:
        monkeypatch.setitem(sys.modules, name, None)  # an import now fails as if missing
    monkeypatch.setitem(sys.modules, "SALib", None)
    with pytest.raises(SALibMissing):
        run_sensitivity(tiny)
    res = CliRunner().invoke(_app(), ["sensitivity", str(tiny), "--out", str(tmp_path / "x")])
    assert res.exit_code == 2
    assert res.stderr.strip() == SALIB_MISSING == (
        "negsim sensitivity needs SALib: pip install 'negsim[sensitivity]'")
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------------------------------------
# The report's "What would it take" section
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def car_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("car") / "run"
    run_scenario(load_scenario(ROOT / "scenarios" / "teaching_car_sale.yaml"), out, 200, 1)
    return out


@needs_salib
def test_report_what_if_section(car_run: Path, morris: Sensitivity, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.tipping import find_tipping_point

    monkeypatch.setattr("sim.html_report._figure", lambda kind, run, dpi: "")  # run figures
    plain = write_report(car_run, tmp_path / "plain.html").read_text()
    block = plain[plain.index('<h2 id="what-if">'):plain.index('<h2 id="sources">')]
    assert '<a href="#what-if">What would it take</a>' in plain
    # Round 1: Sam gives 500 (his 10,000 to Bea's hard 9,500); at the deadline all is open.
    assert '<table id="gap-1">' in block and "Bea&#x27;s loan ceiling with 500 EUR" in block
    assert "seller 500 EUR (8.3%)" in block
    assert "Every zone is open: nothing needs to move." in block
    assert "<img" not in block and "Tipping points" not in block

    car = ROOT / "scenarios" / "teaching_car_sale.yaml"
    tipped = find_tipping_point(car, ["pressures.new_car_arrives.magnitude"], "zone:price@5")
    full = write_report(car_run, tmp_path / "full.html", sensitivity=morris,
                        tipping=[tipped]).read_text()
    block = full[full.index('<h2 id="what-if">'):full.index('<h2 id="sources">')]
    assert '<table id="tipping">' in block and "&gt;= 0.83334" in block
    assert '<table id="sensitivity">' in block and "seller price elasticity" in block
    src = block[block.index('src="') + 5:]
    src = src[:src.index('"')]
    assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG)
    assert write_report(car_run, tmp_path / "none.html", what_if=False).read_text().count(
        "what-if") == 0
