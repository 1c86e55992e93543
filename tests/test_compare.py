"""sim/compare.py: B - A with bootstrap intervals, paired when the runs share their draws."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import typer
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from sim.cli_views import compare as compare_command
from sim.compare import (
    bootstrap,
    compare_runs,
    comparison_figure,
    difference_data,
    format_comparison,
    is_paired,
    run_scenario,
)
from sim.loading import load_scenario
from sim.plot import RunData

#: One issue with soft red lines that do not meet without strain; a drought (probability 0.4)
#: strains the seller, whose red line then gives: more drought, more deals, never fewer.
WHAT_IF = """\
title: "Fixture: a pressure that helps"
rounds: 6
seed: 2
issues:
  price: {label: Price, unit: EUR, scale: [0, 100]}
  extras: {label: Extras, levels: [none, some, all], core: false}
parties:
  seller:
    name: Seller
    decay: 0.5
    stakes:
      price: {ideal: 90, red_line: {dist: uniform, low: 55, high: 70}, elasticity: 5}
      extras: {ideal: 0, red_line: 1}
  buyer:
    name: Buyer
    stakes:
      price: {ideal: 30, red_line: {dist: uniform, low: 50, high: 62}, hard: true}
      extras: {ideal: 2, red_line: 1}
pressures:
  cash_squeeze:
    kind: personal
    target: seller
    start: 2
    probability: 0.4
    magnitude: 1
"""


def make_run(folder: Path, runs: int = 400, seed: int = 5,
             overrides: tuple[str, ...] = ()) -> RunData:
    scenario = folder.parent / "what_if.yaml"
    if not scenario.exists():
        scenario.write_text(WHAT_IF, encoding="utf-8")
    run_scenario(load_scenario(scenario, overrides), folder, runs, seed)
    return RunData.load(folder)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> RunData:
    return make_run(tmp_path_factory.mktemp("cmp") / "base")


@pytest.fixture(scope="module")
def squeezed(base: RunData) -> RunData:
    return make_run(base.path.parent / "squeezed",
                    overrides=("pressures.cash_squeeze.probability=1",))


def test_identical_runs_differ_by_zero(base: RunData) -> None:
    c = compare_runs(base, base, n_boot=500)
    assert c.paired
    keys = [r.key for r in c.rows]
    assert keys == ["deal", "settled:price", "settled:extras", "median:price", "median:extras"]
    for r in c.rows:
        assert r.a == r.b or (math.isnan(r.a) and math.isnan(r.b))
        if math.isfinite(r.a):
            assert r.diff == 0 and r.lo <= 0 <= r.hi
            assert (r.lo, r.hi) == (0, 0)  # paired: every resample differs by exactly 0
            assert not r.excludes_zero


def test_a_pressure_that_helps_raises_p_deal(base: RunData, squeezed: RunData) -> None:
    assert is_paired(base, squeezed)
    c = compare_runs(base, squeezed)
    deal = c.rows[0]
    assert deal.key == "deal"
    assert deal.b > deal.a and deal.diff == pytest.approx(deal.b - deal.a)
    assert 0 < deal.lo <= deal.diff <= deal.hi
    assert deal.excludes_zero
    # Common random numbers: a run with a deal in A keeps it in B (invariant 4), so every run
    # changes in one direction and the paired interval is tight.
    a_deal = base.runs.deal_round > 0
    b_deal = squeezed.runs.deal_round > 0
    assert np.all(b_deal[a_deal])
    # A and B as the run directories say.
    assert deal.a == pytest.approx(float(np.mean(a_deal)))
    assert deal.b == pytest.approx(float(np.mean(b_deal)))


def test_paired_interval_is_narrower_than_independent(base: RunData, squeezed: RunData,
                                                      tmp_path: Path) -> None:
    paired = compare_runs(base, squeezed, n_boot=1000).rows[0]
    other_seed = make_run(tmp_path / "other", seed=99,
                          overrides=("pressures.cash_squeeze.probability=1",))
    assert not is_paired(base, other_seed)
    independent = compare_runs(base, other_seed, n_boot=1000)
    assert not independent.paired
    row = independent.rows[0]
    assert row.hi - row.lo > paired.hi - paired.lo
    assert "independent bootstrap" in format_comparison(independent)


def test_medians_come_from_the_settled_runs(base: RunData, squeezed: RunData) -> None:
    c = compare_runs(base, squeezed, n_boot=300)
    row = next(r for r in c.rows if r.key == "median:price")
    for run, value in ((base, row.a), (squeezed, row.b)):
        v = run.runs.value[:, run.runs.column("price")]
        assert value == pytest.approx(float(np.median(v[np.isfinite(v)])))
    assert row.lo <= row.diff <= row.hi


def test_bootstrap_is_reproducible_and_vectorised() -> None:
    rng = np.random.default_rng(0)
    n, n_issues = 300, 2
    a = (rng.random(n).round(), rng.random((n, n_issues)).round(), rng.random((n, n_issues)))
    b = (rng.random(n).round(), rng.random((n, n_issues)).round(), rng.random((n, n_issues)))
    first = bootstrap(a, b, True, 700, 1)
    second = bootstrap(a, b, True, 700, 1)
    for x, y in zip(first, second, strict=True):
        np.testing.assert_array_equal(x, y)
    assert first[0].shape == (700,) and first[1].shape == (700, n_issues)
    # Paired resampling of identical inputs gives exactly zero in every replicate.
    zero = bootstrap(a, a, True, 200, 1)
    assert np.all(zero[0] == 0) and np.all(zero[1] == 0) and np.all(zero[2] == 0)
    # A replicate's mean difference equals the mean of B minus A on one shared resample.
    rng2 = np.random.default_rng(1)
    idx = rng2.integers(0, n, size=(700, n))
    np.testing.assert_allclose(first[0][:5], b[0][idx[:5]].mean(1) - a[0][idx[:5]].mean(1))


def test_text_and_figure_show_the_rows(base: RunData, squeezed: RunData) -> None:
    c = compare_runs(base, squeezed, n_boot=300)
    text = format_comparison(c)
    assert "paired bootstrap over 400 common runs (same seed 5)" in text
    assert "P(deal by round 6)" in text and "P(price settled)" in text
    assert "--set pressures.cash_squeeze.probability=1" in text
    assert text == format_comparison(compare_runs(base, squeezed, n_boot=300))  # fixed seed
    fig = comparison_figure(c)
    dd = difference_data(c)
    (points,) = [a for a in fig.findobj() if a.get_gid() == "probability:points"]
    assert isinstance(points, Line2D)
    probs = [r for r in c.rows if r.kind == "probability"]
    np.testing.assert_allclose(np.asarray(points.get_xdata()), [dd[r.key][0] for r in probs])
    assert dd["deal"] == pytest.approx((100 * probs[0].diff, 100 * probs[0].lo,
                                        100 * probs[0].hi))
    (segments,) = [a for a in fig.findobj() if a.get_gid() == "probability:intervals"]
    assert isinstance(segments, LineCollection)
    assert len(segments.get_segments()) == len(probs)
    assert [a for a in fig.findobj() if a.get_gid() == "deal_curve:1"]


def test_compare_command_runs_two_scenarios(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(WHAT_IF, encoding="utf-8")
    out = tmp_path / "cmp"
    compare_command(scenario, scenario, runs=200, seed=4, out=out,
                    set_b=["pressures.cash_squeeze.probability=1"], boot=100)
    text = capsys.readouterr().out
    assert "paired bootstrap over 200 common runs (same seed 4)" in text
    for f in ("a/manifest.json", "b/manifest.json", "compare.txt", "compare.png"):
        assert (out / f).is_file()
    a, b = RunData.load(out / "a"), RunData.load(out / "b")
    assert a.seed == b.seed == 4 and a.n == b.n == 200
    # Run directories compare the same way, and a scenario against a run directory is run
    # with that directory's seed and runs, so the pair stays paired.
    compare_command(out / "a", scenario, out=tmp_path / "mixed", boot=100)
    text = capsys.readouterr().out
    assert "paired bootstrap over 200 common runs (same seed 4)" in text


def test_compare_command_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(WHAT_IF, encoding="utf-8")
    with pytest.raises(typer.Exit) as info:
        compare_command(tmp_path / "nope.yaml", scenario, out=tmp_path / "o")
    assert info.value.exit_code == 2
    assert capsys.readouterr().err.strip() == f"A {tmp_path / 'nope.yaml'}: no such file or " \
                                              "directory"
    bad = tmp_path / "bad.yaml"
    bad.write_text(WHAT_IF.replace("rounds: 6", "rounds: 0"), encoding="utf-8")
    with pytest.raises(typer.Exit) as info:
        compare_command(scenario, bad, out=tmp_path / "o", runs=100)
    assert info.value.exit_code == 2
    err = capsys.readouterr().err
    assert "nothing was run" in err and "Traceback" not in err
    with pytest.raises(typer.Exit) as info:
        compare_command(tmp_path, scenario, out=tmp_path / "o")
    assert info.value.exit_code == 2
    assert "not a run directory" in capsys.readouterr().err
