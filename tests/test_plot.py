"""The figures of sim/plot.py: what each one draws equals what the run directory says.

Tests check the data behind every figure (the pure ``*_data`` functions, and the artists the
drawing functions put on the axes, found by their ``gid``), not pixels. A parametrised test
renders every kind for every shipped scenario and for this file's own fixture scenario.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import matplotlib.image as mpimg
import numpy as np
import pytest
import typer
from matplotlib.artist import Artist
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from PIL import Image

from sim.cli_views import plot as plot_command
from sim.compare import run_scenario
from sim.loading import load_scenario
from sim.plot import (
    ALL_KINDS,
    KINDS,
    RunData,
    RunDirError,
    blocker_chart,
    blocker_data,
    deal_curve,
    deal_curve_data,
    describe_zone,
    png_bytes,
    render,
    settlement_data,
    settlement_distributions,
    strain_data,
    strain_fans,
    wilson,
    zone_animation,
    zone_ladder,
    zone_ladder_data,
    zone_weather,
    zone_weather_data,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
PNG = b"\x89PNG\r\n\x1a\n"

#: Three parties, a continuous issue with soft red lines, an ordinal one with a hard red line
#: that requires the first, a non-core issue; a drought (probability 0.5) strains Upstream and
#: moves its soft red line toward Downstream's, so the drought helps a deal.
FIXTURE = """\
title: "Fixture: a water-sharing deal"
rounds: 8
seed: 3
timeline: {start: 2026-01-01, days_per_round: 7}
issues:
  volume:
    label: Water volume delivered downstream each year
    unit: million m3
    scale: [0, 100]
    points: {50: an even split}
  monitoring:
    label: Monitoring regime
    levels: [none, joint reports, independent inspectors]
    requires: [volume]
  goodwill:
    label: Goodwill gesture
    unit: days
    scale: [0, 30]
    core: false
parties:
  up:
    name: Upstream
    decay: 0.5
    tactic: {name: time, beta: 0.5}
    stakes:
      volume: {ideal: 20, red_line: {dist: uniform, low: 40, high: 50}, elasticity: 10}
      monitoring: {ideal: 0, red_line: 1, hard: true}
      goodwill: {ideal: 5, red_line: 15}
  down:
    name: Downstream
    stakes:
      volume: {ideal: 80, red_line: {dist: normal, mean: 55, sd: 5}, elasticity: 5}
      monitoring: {ideal: 2, red_line: 1}
      goodwill: {ideal: 25, red_line: 10}
  broker:
    name: Broker
    mediator: true
    stakes:
      monitoring: {ideal: 1, red_line: 2}
pressures:
  drought:
    kind: climate
    target: up
    start: 3
    probability: 0.5
    magnitude: 1
"""


def make_run(folder: Path, text: str = FIXTURE, runs: int = 400, seed: int = 7,
             overrides: tuple[str, ...] = ()) -> Path:
    """Write ``text`` as a scenario beside ``folder`` and play it into the run dir ``folder``."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    scenario = folder.parent / f"{folder.name}.yaml"
    scenario.write_text(text, encoding="utf-8")
    run_scenario(load_scenario(scenario, overrides), folder, runs, seed)
    return folder


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def num(cell: str) -> float:
    return float(cell) if cell else math.nan


def by_gid(fig: Figure, gid: str) -> list[Artist]:
    return [a for a in fig.findobj() if a.get_gid() == gid]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run(tmp_path_factory.mktemp("plot") / "fixture")


@pytest.fixture(scope="module")
def run(run_dir: Path) -> RunData:
    return RunData.load(run_dir)


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def test_load_reads_every_file(run: RunData, run_dir: Path) -> None:
    assert run.n == 400 and run.T == 8 and run.seed == 7
    assert [i.id for i in run.issues] == ["volume", "monitoring", "goodwill"]
    assert [p.id for p in run.parties] == ["up", "down", "broker"]
    assert run.issue("monitoring").levels == ("none", "joint reports", "independent inspectors")
    assert run.issue("volume").label == "Water volume delivered downstream each year"
    assert run.party("down").name == "Downstream"
    assert run.round_label(2) == "round 2 (2026-01-08)"
    assert run.loaded is not None and not run.notes
    rows = read_csv(run_dir / "runs.csv")
    assert run.runs.run.tolist() == [int(r["run"]) for r in rows]
    assert run.runs.deal_round.tolist() == [int(r["deal_round"] or 0) for r in rows]
    v = run.runs.value[:, run.runs.column("volume")]
    expected = np.array([num(r["volume_value"]) for r in rows])
    np.testing.assert_array_equal(np.isnan(v), np.isnan(expected))
    np.testing.assert_allclose(v[~np.isnan(v)], expected[~np.isnan(expected)])
    # Party colours are distinct Okabe-Ito colours.
    assert len({p.colour for p in run.parties}) == 3


def test_load_errors_are_one_line(tmp_path: Path, run_dir: Path) -> None:
    with pytest.raises(RunDirError, match="no such directory"):
        RunData.load(tmp_path / "missing")
    with pytest.raises(RunDirError, match="not a run directory"):
        RunData.load(tmp_path)
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(RunDirError, match="not a directory"):
        RunData.load(tmp_path / "f.txt")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text((run_dir / "manifest.json").read_text())
    with pytest.raises(RunDirError, match="missing runs.csv"):
        RunData.load(broken)


def test_figures_draw_without_the_scenario_file(tmp_path: Path) -> None:
    """A run directory whose scenario has gone still plots: ids as labels, scales from data."""
    folder = make_run(tmp_path / "gone", runs=100)
    (tmp_path / "gone.yaml").unlink()
    run = RunData.load(folder)
    assert run.loaded is None and any("not found" in n for n in run.notes)
    assert run.issue("volume").label == "Water volume delivered downstream each year"
    assert run.party("up").name == "up"
    assert run.issue("monitoring").levels is None  # unknown without the file: a numeric axis
    for kind in ("ladder", "settlements"):  # the kinds that draw on each issue's scale
        assert png_bytes(render(run, kind), 30).startswith(PNG)


def test_old_run_dir_without_positions_recomputes_them(tmp_path: Path, run_dir: Path) -> None:
    """Run directories written before positions_at_means.csv existed: the at-the-means tables
    are recomputed from the scenario, and equal the ones written."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(run_dir, old)
    (old / "positions_at_means.csv").unlink()
    run = RunData.load(old)
    assert any("recomputed" in n for n in run.notes)
    assert zone_ladder_data(run, 5) == zone_ladder_data(RunData.load(run_dir), 5)


# ---------------------------------------------------------------------------------------------
# Each kind: the data drawn equals the files
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("t", [1, 4, 8])
def test_ladder_bars_are_the_positions_at_the_means(run: RunData, run_dir: Path, t: int) -> None:
    positions = [r for r in read_csv(run_dir / "positions_at_means.csv") if r["round"] == str(t)]
    zones = {r["issue"]: r for r in read_csv(run_dir / "zones_at_means.csv")
             if r["round"] == str(t)}
    panels = zone_ladder_data(run, t)
    fig = zone_ladder(run, t)
    assert [p.issue for p in panels] == ["volume", "monitoring", "goodwill"]
    for p in panels:
        rows = [r for r in positions if r["issue"] == p.issue]
        assert [b.party for b in p.bars] == [r["party"] for r in rows]
        for b, r in zip(p.bars, rows, strict=True):
            assert (b.lo, b.hi) == (float(r["a_lo"]), float(r["a_hi"]))
            assert (b.ideal, b.red_line, b.offer) == (float(r["ideal"]), float(r["red_line"]),
                                                      float(r["offer"]))
            assert b.hard == (r["hard"] == "yes") and b.blocker == (r["blocker"] == "yes")
            # The drawn bar spans exactly [a_lo, a_hi]; hatched iff a blocker.
            (bar,) = by_gid(fig, f"bar:{p.issue}:{b.party}")
            assert isinstance(bar, Rectangle)
            assert bar.get_x() == pytest.approx(b.lo)
            assert bar.get_x() + bar.get_width() == pytest.approx(b.hi)
            assert bool(bar.get_hatch()) == b.blocker
            # Hard red lines solid, soft ones dashed.
            (line,) = by_gid(fig, f"red_line:{p.issue}:{b.party}")
            assert isinstance(line, Line2D)
            assert list(line.get_xdata()) == [b.red_line, b.red_line]  # type: ignore[arg-type]
            assert (line.get_linestyle() == "-") == b.hard
        z = zones[p.issue]
        assert p.open == (z["open"] == "yes")
        zone_artists = by_gid(fig, f"zone:{p.issue}")
        if p.open:
            assert p.zone == (float(z["lo"]), float(z["hi"]))
            assert len(zone_artists) == 1
        else:
            assert p.zone is None and not zone_artists
        settled = bool(z["settled_round"])
        assert (p.value is not None) == settled
        assert bool(by_gid(fig, f"settled:{p.issue}")) == settled
        if settled:
            assert p.value == float(z["value"])
        # The Nash point only for an open zone that has not settled.
        assert (p.nash is not None) == (p.open and not settled and bool(z["nash"]))
        assert bool(by_gid(fig, f"nash:{p.issue}")) == (p.nash is not None)


def test_ladder_marks_hard_and_soft_red_lines_and_blockers(run: RunData) -> None:
    panels = {p.issue: p for p in zone_ladder_data(run, 1)}
    bars = {b.party: b for b in panels["monitoring"].bars}
    assert bars["up"].hard and not bars["down"].hard
    # In round 1 the volume sets are disjoint at the means: both parties block, zone closed.
    volume = panels["volume"]
    assert not volume.open and {b.party for b in volume.bars if b.blocker} == {"up", "down"}


def test_ladder_small_multiples_and_range(run: RunData) -> None:
    fig = zone_ladder(run, [1, 4, 8])
    ladder_axes = [ax for ax in fig.axes if ax.get_xlim()[1] > 0]
    assert len(ladder_axes) == 3 * 3  # issues x rounds
    assert len(by_gid(fig, "bar:volume:up")) == 3
    with pytest.raises(ValueError):
        zone_ladder(run, 9)
    with pytest.raises(ValueError):
        zone_ladder_data(run, 0)


def test_describe_zone_names_the_levels_held(run: RunData) -> None:
    monitoring = run.issue("monitoring")
    assert describe_zone(monitoring, 0.6, 2.0) == "joint reports .. independent inspectors"
    assert describe_zone(monitoring, 1.0, 1.0) == "joint reports"
    assert describe_zone(run.issue("volume"), 40, 55) == "[40, 55] million m3"
    assert describe_zone(run.issue("volume"), 50, 50) == "an even split"


def test_weather_arrays_are_the_rounds_file(run: RunData, run_dir: Path) -> None:
    rows = read_csv(run_dir / "rounds.csv")
    d = zone_weather_data(run)
    assert d.p_open.shape == (3, 8) and d.rounds.tolist() == list(range(1, 9))
    for r in rows:
        k, t = d.issues.index(r["issue"]), int(r["round"]) - 1
        assert d.p_open[k, t] == float(r["p_open"])
        assert d.p_settled[k, t] == float(r["p_settled"])
        assert d.p_deal[t] == float(r["p_deal"])
    fig = zone_weather(run)
    (mesh,) = by_gid(fig, "weather:P(zone open)")
    assert isinstance(mesh, QuadMesh)
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(3, 8), d.p_open)
    (mesh,) = by_gid(fig, "weather:P(settled by round)")
    assert isinstance(mesh, QuadMesh)
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(3, 8), d.p_settled)


def test_deal_curve_is_p_deal_with_a_band_that_holds_it(run: RunData) -> None:
    c = deal_curve_data(run)
    assert c.n == 400
    np.testing.assert_array_equal(c.p, zone_weather_data(run).p_deal)
    # P(deal by T) is the share of runs with a deal round in runs.csv.
    assert c.p[-1] == pytest.approx(np.mean(run.runs.deal_round > 0))
    assert np.all(c.lo <= c.p) and np.all(c.p <= c.hi)
    assert np.all(np.diff(c.p) >= 0)
    fig = deal_curve(run)
    (line,) = by_gid(fig, "deal_curve:0")
    assert isinstance(line, Line2D)
    np.testing.assert_array_equal(np.asarray(line.get_ydata()), c.p)
    assert by_gid(fig, "deal_band:0")


def test_wilson_band_narrows_with_n() -> None:
    p = np.array([0.0, 0.1, 0.5, 0.9, 1.0])
    widths = []
    for n in (50, 200, 1000, 10_000):
        lo, hi = wilson(p, n)
        assert np.all((lo <= p) & (p <= hi)) and np.all(lo >= 0) and np.all(hi <= 1)
        widths.append(hi - lo)
    assert all(np.all(a > b) for a, b in zip(widths, widths[1:], strict=False))
    # The textbook value: 50 of 100 gives about [0.404, 0.596].
    lo, hi = wilson(0.5, 100)
    assert float(lo) == pytest.approx(0.4038, abs=1e-4)
    assert float(hi) == pytest.approx(0.5962, abs=1e-4)


def test_deal_curves_compare_several_runs(run: RunData, tmp_path: Path) -> None:
    small = RunData.load(make_run(tmp_path / "small", runs=100))
    fig = deal_curve([run, small], ["base", "small"])
    assert by_gid(fig, "deal_curve:0") and by_gid(fig, "deal_curve:1")
    with pytest.raises(ValueError):
        deal_curve([run, small], ["one label"])


def test_settlement_histograms_are_the_runs(run: RunData, run_dir: Path) -> None:
    panels = settlement_data(run)
    positions = [r for r in read_csv(run_dir / "positions_at_means.csv") if r["round"] == "8"]
    for b, p in enumerate(panels):
        values = run.runs.value[:, b]
        settled = values[np.isfinite(values)]
        np.testing.assert_array_equal(np.sort(p.values), np.sort(settled))
        assert p.p_settled == pytest.approx(len(settled) / run.n)
        assert p.share.sum() == pytest.approx(p.p_settled)
        counts, _ = np.histogram(settled, bins=p.edges)
        np.testing.assert_allclose(p.share, counts / run.n)
        lines = {(r["party"], float(r["red_line"]), r["hard"] == "yes")
                 for r in positions if r["issue"] == p.issue}
        assert set(p.red_lines) == lines
    monitoring = panels[1]
    assert monitoring.edges.tolist() == [-0.5, 0.5, 1.5, 2.5]  # one bin per level
    fig = settlement_distributions(run)
    heights = [r.get_height() for r in by_gid(fig, "hist:volume") if isinstance(r, Rectangle)]
    np.testing.assert_allclose(heights, panels[0].share)
    assert len(by_gid(fig, "red_line:volume:up")) == 1


def test_blocker_shares_are_the_mean_over_rounds(run: RunData, run_dir: Path) -> None:
    d = blocker_data(run)
    rows = read_csv(run_dir / "blockers.csv")
    for a, issue in enumerate(d.issues):
        for b, party in enumerate(d.parties):
            mine = [float(r["p_blocker"]) for r in rows
                    if r["issue"] == issue and r["party"] == party]
            if mine:
                assert d.share[a, b] == pytest.approx(np.mean(mine))
            else:
                assert math.isnan(d.share[a, b])  # no stake
    # The most frequent blocker of settlements.csv is the largest share of its row.
    for r in read_csv(run_dir / "settlements.csv"):
        a = d.issues.index(r["issue"])
        if r["top_blocker"]:
            b = d.parties.index(r["top_blocker"])
            assert d.share[a, b] == pytest.approx(float(r["p_top_blocker"]), rel=1e-5)
            assert d.share[a, b] == pytest.approx(np.nanmax(d.share[a]))
    fig = blocker_chart(run)
    (mesh,) = by_gid(fig, "blockers")
    assert isinstance(mesh, QuadMesh)
    drawn: Any = np.ma.filled(np.ma.asarray(mesh.get_array()).reshape(d.share.shape), np.nan)
    np.testing.assert_array_equal(drawn, d.share)


def test_strain_fans_are_the_strain_file(run: RunData, run_dir: Path) -> None:
    rows = read_csv(run_dir / "strain.csv")
    fans = {f.party: f for f in strain_data(run)}
    for r in rows:
        f, t = fans[r["party"]], int(r["round"]) - 1
        for q in ("q05", "q25", "q50", "q75", "q95"):
            assert getattr(f, q)[t] == float(r[f"strain_{q}"])
    up = fans["up"]
    assert np.all(up.q05 <= up.q25) and np.all(up.q25 <= up.q50) and np.all(up.q75 <= up.q95)
    assert np.all(fans["down"].q95 == 0)  # nothing strains Downstream
    fig = strain_fans(run)
    (median,) = by_gid(fig, "strain_median:up")
    assert isinstance(median, Line2D)
    np.testing.assert_array_equal(np.asarray(median.get_ydata()), up.q50)


def test_animation_has_one_frame_per_round(run: RunData, tmp_path: Path) -> None:
    path = zone_animation(run, tmp_path / "sub" / "ladder.gif", dpi=30)
    with Image.open(path) as im:
        assert im.format == "GIF" and getattr(im, "n_frames", 1) == run.T
        size = im.size
        for k in range(getattr(im, "n_frames", 1)):
            im.seek(k)
            assert im.size == size
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temp left
    with pytest.raises(ValueError):
        zone_animation(run, tmp_path / "x.gif", rounds=[0])


def test_figures_never_touch_pyplot(run: RunData) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    for kind in KINDS:
        render(run, kind)
    assert plt.get_fignums() == before


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


def _exit_code(fn: Any, *args: Any, **kwargs: Any) -> int:
    with pytest.raises(typer.Exit) as info:
        fn(*args, **kwargs)
    return int(info.value.exit_code)


def test_plot_command_writes_the_default_path(run_dir: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    plot_command(run_dir, "deal")
    out = capsys.readouterr().out.strip()
    assert out == str(run_dir / "deal.png")
    assert (run_dir / "deal.png").read_bytes().startswith(PNG)
    target = tmp_path / "ladder.svg"
    plot_command(run_dir, "ladder", target, [8])
    assert target.read_text().lstrip().startswith("<?xml")
    plot_command(run_dir, "animation", tmp_path / "a.gif", [1, 2])
    with Image.open(tmp_path / "a.gif") as im:
        assert getattr(im, "n_frames", 1) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope",), "unknown kind"),
        (("deal", None, [2]), "--round applies"),
        (("ladder", None, [99]), "the run has 8 rounds"),
        (("deal", Path("x.gif")), "write a figure as"),
        (("animation", Path("x.png")), "written as .gif"),
    ],
)
def test_plot_command_errors(run_dir: Path, capsys: pytest.CaptureFixture[str],
                             args: tuple[Any, ...], message: str) -> None:
    assert _exit_code(plot_command, run_dir, *args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_plot_command_not_a_run_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(plot_command, tmp_path / "missing", "deal") == 2
    assert capsys.readouterr().err.strip() == f"{tmp_path / 'missing'}: no such directory"
    assert _exit_code(plot_command, tmp_path, "deal") == 2
    assert "not a run directory" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# Every kind renders for every shipped scenario (and the fixture)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", [None, *SHIPPED],
                         ids=["fixture", *(p.stem for p in SHIPPED)])
def test_every_kind_renders(scenario: Path | None, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    if scenario is None:
        make_run(folder, runs=200)
    else:
        run_scenario(load_scenario(scenario), folder, 200, 11)
    run = RunData.load(folder)
    assert run.loaded is not None and run.n == 200
    for kind in KINDS:
        fig = render(run, kind)
        png = png_bytes(fig, 30)
        assert png.startswith(PNG)
        image = mpimg.imread(io.BytesIO(png), format="png")
        assert image.shape[0] > 50 and image.shape[1] > 50
    # One frame here (every frame of the fixture is checked above): it proves the GIF path.
    gif = zone_animation(run, tmp_path / "ladder.gif", rounds=[run.T], dpi=30)
    with Image.open(gif) as im:
        assert im.format == "GIF"
    assert set(ALL_KINDS) == {*KINDS, "animation"}
