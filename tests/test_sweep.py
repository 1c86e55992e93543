"""Parameter sweeps (``sim/sweep.py``, ``sim/cli_sweep.py``): the grid, common random numbers,
identical tables wherever the cells run (in process, local workers, Dask), resume, Ctrl-C, and
invalid ``--vary`` values reported before anything runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from sim.cli_sweep import sweep
from sim.errors import ScenarioError
from sim.loading import load_scenario
from sim.montecarlo import simulate
from sim.report import settlement_rows
from sim.sweep import (
    CELLS_FILE,
    DASK_MISSING,
    Cell,
    Plan,
    grid,
    parse_vary,
    plan_cells,
    run_sweep,
)

SALE = """\
title: Used car sale
rounds: 10
seed: 5
issues:
  price: {label: Price, unit: EUR, scale: [0, 10000]}
parties:
  seller:
    name: Seller
    decay: 0.5
    stakes:
      price:
        ideal: 8000
        red_line: {dist: uniform, low: 5500, high: 7000}
        limit: 4000
        elasticity: 400
  buyer:
    name: Buyer
    tactic: {name: time, beta: {dist: triangular, low: 0.3, mode: 1, high: 3}}
    stakes:
      price: {ideal: 4000, red_line: {dist: normal, mean: 6000, sd: 500}}
pressures:
  new_car:
    kind: personal
    target: seller
    start: {dist: choice, values: [2, 4, 6]}
    probability: 0.5
    magnitude: {dist: uniform, low: 0.5, high: 1.5}
"""

PROB = "pressures.new_car.probability"
CAP = "parties.buyer.capability"
VARY_2X2 = [f"{PROB}=0.2,0.8", f"{CAP}=1,2"]
RUNS = 400


@pytest.fixture
def sale(tmp_path: Path) -> Path:
    path = tmp_path / "sale.yaml"
    path.write_text(SALE)
    return path


@pytest.fixture
def plan(sale: Path) -> Plan:
    return plan_cells(sale, VARY_2X2)


def _app() -> typer.Typer:
    """A one-command app with the sweep, as ``sim/cli.py`` will register it."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(sweep)
    return app


def _table(path: Path) -> str:
    return (path / "sweep.csv").read_text()


# ---------------------------------------------------------------------------------------------
# The grid
# ---------------------------------------------------------------------------------------------


def test_vary_lists_ranges_and_mappings() -> None:
    v = parse_vary("a.b=0.2, 0.5 ,text,true")
    assert v.path == "a.b" and v.values == (0.2, 0.5, "text", True)
    assert v.texts == ("0.2", "0.5", "text", "true")
    assert parse_vary("rounds=2:10:4").values == (2, 6, 10)  # whole numbers stay whole
    tenths = parse_vary("x=0:1:0.1").values
    assert len(tenths) == 11 and tenths[3] == 0.3 and tenths[-1] == 1.0  # stop included
    assert parse_vary("x=0:1:0.3").values == (0.0, 0.3, 0.6, 0.9)  # stop not on the grid
    assert parse_vary("x=1:0:-0.5").values == (1.0, 0.5, 0.0)
    assert parse_vary("x=0:1:0.5,3").values == (0.0, 0.5, 1.0, 3)  # ranges and values mix
    d = parse_vary("x={dist: normal, mean: 1, sd: 0.2},2")
    assert d.values == ({"dist": "normal", "mean": 1, "sd": 0.2}, 2)
    assert d.texts == ("{dist: normal, mean: 1, sd: 0.2}", "2")


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("x", "expected path=v1,v2"),
        ("=1,2", "expected path=v1,v2"),
        ("x=1,,2", "an empty value"),
        ("x=0:1:0", "the step of 0:1:0 is 0"),
        ("x=5:1:1", "is empty"),
        ("x=0:1:0.00001", "100,001 values"),
        ("x=1,2,1", "the value 1 is given twice"),
        ("seed=1,2", "choose it with --seed"),
    ],
)
def test_bad_vary_specs(spec: str, says: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_vary(spec)
    assert says in str(err.value)
    assert f"--vary '{spec}'" in str(err.value) or "--vary" not in spec


def test_grid_is_baseline_then_product(sale: Path) -> None:
    varies = [parse_vary(f"{PROB}=0.2,0.5,0.8"), parse_vary(f"{CAP}=1:2:1")]
    combos = grid(varies)
    assert len(combos) == 1 + 3 * 2 and combos[0] == ()
    assert [(c[0][1], c[1][1]) for c in combos[1:]] == [
        (0.2, 1),
        (0.2, 2),
        (0.5, 1),
        (0.5, 2),
        (0.8, 1),
        (0.8, 2),
    ]  # the first --vary changes slowest
    plan = plan_cells(sale, [f"{PROB}=0.2,0.5,0.8", f"{CAP}=1:2:1"])
    assert [c.index for c in plan.cells] == list(range(7))
    assert plan.baseline.baseline and plan.baseline.overrides == ()
    assert plan.cells[4].overrides == (f"{PROB}=0.5", f"{CAP}=2")
    assert plan.cells[4].loaded.scenario.parties["buyer"].capability.value == 2  # type: ignore[union-attr]
    assert plan.cells[4].loaded.scenario.pressures["new_car"].probability.value == 0.5  # type: ignore[union-attr]
    # 0.5 and capability 1 are the baseline's values: cell 3 is the baseline's scenario, so it
    # shares its key and is played once.
    assert plan.cells[3].sha256 == plan.baseline.sha256
    assert len({c.sha256 for c in plan.cells}) == 6
    ran, on_cell = _counting()
    result = run_sweep(plan, 50, on_cell=on_cell)
    assert ran == [0, 1, 2, 4, 5, 6] and len(result.rows) == 7
    assert {**result.rows[3], "cell": 0, PROB: None, CAP: None} == result.rows[0]


def test_every_problem_is_reported_before_anything_runs(sale: Path) -> None:
    with pytest.raises(ScenarioError) as err:
        plan_cells(sale, ["pressures.new_car.probabilty=0.2,0.8", f"{CAP}=1,abc,-1", "x=3:1:1"])
    lines = str(err.value).splitlines()
    assert len(lines) == 4, lines  # a wrong path once, not once per value
    assert "--vary 'x=3:1:1': the range 3:1:1 is empty" in lines[0]
    assert lines[1].startswith("--vary 'pressures.new_car.probabilty=0.2' (column 30)")
    assert "did you mean 'probability'?" in lines[1]
    assert lines[2].startswith(f"--vary '{CAP}=abc'") and "got the text 'abc'" in lines[2]
    assert lines[3].startswith(f"--vary '{CAP}=-1'") and "strictly positive" in lines[3]


def test_a_combination_can_be_invalid_when_each_value_is_not(sale: Path) -> None:
    # ideal 7500 and red line 7800 are each fine, but together they put the seller's red
    # line above the ideal, and the limit (4000) on the ideal's side of it.
    stake = "parties.seller.stakes.price"
    with pytest.raises(ScenarioError) as err:
        plan_cells(sale, [f"{stake}.red_line=6000,7800", f"{stake}.ideal=7500,9000"])
    (line,) = str(err.value).splitlines()
    assert line.startswith(f"cell 3 ({stake}.red_line=7800, {stake}.ideal=7500): ")
    assert "limit" in line


def test_cli_reports_bad_vary_and_exits_2(sale: Path, tmp_path: Path) -> None:
    out = tmp_path / "sw"
    res = CliRunner().invoke(
        _app(),
        [
            str(sale),
            "--vary",
            f"{PROB}=0.2,1.5x",
            "--vary",
            "parties.buyr.capability=2",
            "--runs",
            "10",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 2, res.output
    assert f"--vary '{PROB}=1.5x'" in res.stderr
    assert (
        "--vary 'parties.buyr.capability=2'" in res.stderr and "did you mean 'buyer'" in res.stderr
    )
    assert "2 problems; nothing was run." in res.stderr
    assert "Traceback" not in res.output and not out.exists()


def test_cli_without_dask_says_so_in_one_line(
    sale: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if missing
    res = CliRunner().invoke(
        _app(), [str(sale), "--vary", f"{PROB}=0.2", "--scheduler", "tcp://127.0.0.1:1"]
    )
    assert res.exit_code == 2
    assert res.stderr.strip() == DASK_MISSING
    res = CliRunner().invoke(
        _app(), [str(sale), "--vary", f"{PROB}=0.2", "--scheduler", "x", "--workers", "2"]
    )
    assert res.exit_code == 2 and "not both" in res.stderr


# ---------------------------------------------------------------------------------------------
# Results: common random numbers, identical wherever cells run
# ---------------------------------------------------------------------------------------------


def test_a_cell_equals_a_direct_simulate_of_its_scenario(sale: Path, plan: Plan) -> None:
    result = run_sweep(plan, RUNS)
    assert result.status == "complete" and result.seed == 5
    row = result.rows[3]
    assert row["cell"] == 3 and row[PROB] == 0.8 and row[CAP] == 1
    s = load_scenario(sale, [f"{PROB}=0.8", f"{CAP}=1"]).scenario
    agg = simulate(s, RUNS, 5).aggregate
    assert row["runs"] == RUNS and row["seed"] == 5
    assert row["p_deal"] == agg.deal[-1] / RUNS
    assert row["p_deal_by_r5"] == agg.deal[4] / RUNS
    (price,) = settlement_rows(s, agg)
    assert row["price_p_settled"] == price["p_settled"]
    assert row["price_value_q50"] == price["value_q50"]
    assert row["price_top_blocker"] == price["top_blocker"]
    # Common random numbers: the buyer's capability moves where deals land, not whether.
    assert result.rows[3]["p_deal"] == result.rows[4]["p_deal"]
    assert result.rows[3]["price_value_q50"] != result.rows[4]["price_value_q50"]
    assert result.rows[1]["p_deal"] < result.rows[0]["p_deal"] < result.rows[3]["p_deal"]


def test_workers_give_identical_rows(plan: Plan, tmp_path: Path) -> None:
    one = run_sweep(plan, RUNS, 11, out=tmp_path / "one")
    two = run_sweep(plan, RUNS, 11, out=tmp_path / "two", workers=2)
    assert one.rows == two.rows and len(one.rows) == 5
    assert _table(tmp_path / "one") == _table(tmp_path / "two")
    assert sorted(two.computed) == [0, 1, 2, 3, 4]


def test_files_written(plan: Plan, tmp_path: Path) -> None:
    out = tmp_path / "sw"
    run_sweep(plan, RUNS, out=out)
    lines = _table(out).splitlines()
    assert lines[:6] == [
        "# negsim 0.1.0",
        f"# scenario {plan.path}",
        f"# scenario_sha256 {plan.baseline.sha256}",
        "# seed 5",
        f"# runs {RUNS}",
        "# cells 5 of 5",
    ]
    assert lines[6].startswith(f"cell,{PROB},{CAP},seed,runs,p_deal,p_deal_by_r3,")
    assert lines[6].endswith(",price_p_settled,price_value_q50,price_top_blocker")
    assert lines[7].startswith("0,,,5,400,") and lines[10].startswith("3,0.8,1,5,400,")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["cells_done"] == 5
    assert manifest["seed"] == 5 and manifest["runs"] == RUNS
    assert manifest["vary"][0] == {"spec": VARY_2X2[0], "path": PROB, "values": ["0.2", "0.8"]}
    assert [c["scenario_sha256"] for c in manifest["cells"]] == [c.sha256 for c in plan.cells]
    assert len((out / CELLS_FILE).read_text().splitlines()) == 5


# ---------------------------------------------------------------------------------------------
# Resume and interruption
# ---------------------------------------------------------------------------------------------


def _counting() -> tuple[list[int], Any]:
    ran: list[int] = []

    def on_cell(cell: Cell, result: dict[str, Any], seconds: float | None) -> None:
        ran.append(cell.index)

    return ran, on_cell


def test_resume_runs_only_the_missing_cells(plan: Plan, tmp_path: Path) -> None:
    ref = run_sweep(plan, RUNS, out=tmp_path / "ref")
    out = tmp_path / "sw"
    run_sweep(plan, RUNS, out=out)
    jsonl = out / CELLS_FILE
    lines = jsonl.read_text().splitlines()
    kept = [ln for ln in lines if json.loads(ln)["cell"] not in (1, 3)]
    # ...and a last line torn by a crash, which must be ignored and cut
    jsonl.write_text("\n".join(kept) + "\n" + lines[1][:40])
    ran, on_cell = _counting()
    again = run_sweep(plan, RUNS, out=out, on_cell=on_cell)
    assert ran == [1, 3] and again.computed == [1, 3] and again.reused == [0, 2, 4]
    assert again.rows == ref.rows and _table(out) == _table(tmp_path / "ref")
    assert len(jsonl.read_text().splitlines()) == 5
    ran, on_cell = _counting()
    run_sweep(plan, RUNS, out=out, on_cell=on_cell)
    assert ran == []  # everything done: nothing runs
    ran, on_cell = _counting()
    run_sweep(plan, RUNS + 1, out=out, on_cell=on_cell)
    assert len(ran) == 5  # other runs: another key


def test_stop_after_k_cells_then_resume(plan: Plan, tmp_path: Path) -> None:
    ref = run_sweep(plan, RUNS, out=tmp_path / "ref")
    out = tmp_path / "sw"
    stop = threading.Event()
    ran: list[int] = []

    def on_cell(cell: Cell, result: dict[str, Any], seconds: float | None) -> None:
        ran.append(cell.index)
        if len(ran) == 2:
            stop.set()

    first = run_sweep(plan, RUNS, out=out, stop=stop, on_cell=on_cell)
    assert first.status == "partial" and ran == [0, 1]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "partial" and manifest["cells_done"] == 2
    partial = _table(out).splitlines()
    assert "# cells 2 of 5" in partial and len(partial) == 7 + 2  # a usable partial table
    ran2, count = _counting()
    second = run_sweep(plan, RUNS, out=out, on_cell=count)
    assert ran2 == [2, 3, 4] and second.status == "complete"
    assert second.rows == ref.rows and _table(out) == _table(tmp_path / "ref")
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_ctrl_c_keeps_finished_cells_and_the_same_command_resumes(
    sale: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sw"
    runs = "20000"  # a cell takes a good fraction of a second
    args = [
        sys.executable,
        "-m",
        "sim",
        "sweep",
        str(sale),
        "--vary",
        f"{PROB}=0.2,0.4,0.8",
        "--vary",
        f"{CAP}=1,2",
        "--runs",
        runs,
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    jsonl = out / CELLS_FILE
    while time.time() < deadline and not (jsonl.exists() and jsonl.read_text().count("\n")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "finishing the cells under way" in err
    manifest = json.loads((out / "manifest.json").read_text())
    done = manifest["cells_done"]
    assert manifest["status"] == "partial" and 1 <= done <= 3 < 7
    assert len(jsonl.read_text().splitlines()) == done
    again = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"resuming: {done} of 7 cells already done" in again.stderr
    assert again.stderr.count("  cell ") == 7 - done
    ref = run_sweep(
        plan_cells(sale, [f"{PROB}=0.2,0.4,0.8", f"{CAP}=1,2"]), int(runs), out=tmp_path / "ref"
    )
    assert ref.status == "complete" and _table(out) == _table(tmp_path / "ref")


# ---------------------------------------------------------------------------------------------
# Dask (an optional extra)
# ---------------------------------------------------------------------------------------------


def test_dask_cluster_gives_the_same_table(sale: Path, plan: Plan, tmp_path: Path) -> None:
    distributed = pytest.importorskip(
        "dask.distributed",
        reason="dask[distributed] is the optional dask extra (pip install 'negsim[dask]')",
        exc_type=ImportError,
    )
    import dask

    local = run_sweep(plan, RUNS, out=tmp_path / "local")  # in process, before any cluster
    args = [str(sale), *(a for v in VARY_2X2 for a in ("--vary", v)), "--runs", str(RUNS)]
    # Without Dask's MALLOC_TRIM_THRESHOLD_, which slows numpy-heavy tasks (sim/sweep.py).
    untrimmed = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
    environ = dict(os.environ)  # the nannies write their workers' variables into os.environ
    try:
        with (
            dask.config.set(untrimmed),
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
        ):
            address = cluster.scheduler_address
            res = CliRunner().invoke(
                _app(), [*args, "--out", str(tmp_path / "dask"), "--scheduler", address]
            )
            assert res.exit_code == 0, res.output
            assert "MALLOC_TRIM_THRESHOLD_" not in res.stderr
            lib = run_sweep(plan, RUNS, scheduler=address)
    finally:
        os.environ.clear()
        os.environ.update(environ)
    assert lib.rows == local.rows and lib.status == "complete"
    assert _table(tmp_path / "dask") == _table(tmp_path / "local")
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["scheduler"] == address and manifest["workers"] is None
