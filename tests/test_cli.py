"""The command line, run as a user runs it: in a subprocess, reading stdout, stderr, status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SALE = """\
title: Used car sale
rounds: 10
seed: 5
issues:
  price: {label: Price, unit: EUR, scale: [0, 10000]}
parties:
  seller:
    name: Seller
    stakes:
      price: {ideal: 8000, red_line: {dist: uniform, low: 4500, high: 6500}}
  buyer:
    name: Buyer
    tactic: {name: time, beta: {dist: triangular, low: 0.3, mode: 1, high: 3}}
    stakes:
      price: {ideal: 4000, red_line: {dist: normal, mean: 6000, sd: 500}}
"""


def negsim(*args: str, cwd: Path | None = None, timeout: float = 120
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


@pytest.fixture
def sale(tmp_path: Path) -> Path:
    path = tmp_path / "sale.yaml"
    path.write_text(SALE)
    return path


def test_version_and_help() -> None:
    out = negsim("--version")
    assert out.returncode == 0 and out.stdout.startswith("negsim ")
    out = negsim("--help")
    assert out.returncode == 0
    for command in ("validate", "run", "zones", "schema", "list", "sources", "gap", "sweep",
                    "plot", "compare", "report"):
        assert command in out.stdout


def test_validate_prints_a_summary(sale: Path) -> None:
    out = negsim("validate", str(sale))
    assert out.returncode == 0, out.stderr
    assert "valid" in out.stdout and "parties   2: seller, buyer" in out.stdout


def test_invalid_file_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SALE.replace("ideal: 8000", "ideal: 80000").replace("name: Buyer",
                                                                        "name: Buyer\n    "
                                                                        "capabilty: 1")
                   + "pressures:\n  t: {kind: tariff, target: sellr, start: 1, magnitude: 1}\n")
    out = negsim("validate", str(bad))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = [ln for ln in out.stderr.splitlines() if ln.startswith(str(bad) + ":")]
    assert len(lines) == 4, out.stderr  # three mistakes + the closing count line
    assert "did you mean 'capability'?" in out.stderr
    assert "did you mean 'seller'?" in out.stderr
    assert "ideal lies off the scale" in out.stderr
    assert out.stderr.rstrip().endswith("3 problems")


def test_hostile_yaml_refused_cleanly(tmp_path: Path) -> None:
    bad = tmp_path / "evil.yaml"
    bad.write_text('title: !!python/object/apply:os.system ["echo pwned"]\n')
    out = negsim("validate", str(bad))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "pwned" not in out.stdout
    assert "unsupported YAML tag" in out.stderr


def test_missing_file(tmp_path: Path) -> None:
    out = negsim("run", str(tmp_path / "nope.yaml"))
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_run_writes_the_run_directory_and_summary(sale: Path, tmp_path: Path) -> None:
    out = negsim("run", str(sale), "--runs", "500", "--seed", "3", "--out",
                 str(tmp_path / "r"), "-q")
    assert out.returncode == 0, out.stderr
    assert "P(deal by round 10)" in out.stdout and "median settlement" in out.stdout
    run = tmp_path / "r"
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs_completed"] == 500
    assert manifest["seed"] == 3 and len(manifest["scenario"]["sha256"]) == 64
    rows = (run / "runs.csv").read_text().splitlines()
    assert rows[0] == "# negsim 0.1.0" and rows[2] == "# seed 3"
    assert rows[3] == "run,seed,deal_round,price_round,price_value"
    assert len(rows) == 4 + 500
    assert "Round 1" in (run / "zones_at_means.txt").read_text()


def test_same_seed_same_bytes_whatever_workers_and_batch(sale: Path, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert negsim("run", str(sale), "--runs", "3000", "--out", str(a), "-q").returncode == 0
    assert negsim("run", str(sale), "--runs", "3000", "--out", str(b), "-q", "--workers", "2",
                  "--batch", "700").returncode == 0
    assert negsim("run", str(sale), "--runs", "3000", "--out", str(c), "-q", "--seed",
                  "6").returncode == 0
    for name in ("runs.csv", "rounds.csv", "blockers.csv", "strain.csv", "settlements.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "runs.csv").read_bytes() != (c / "runs.csv").read_bytes()


def test_set_override_and_rounds(sale: Path, tmp_path: Path) -> None:
    out = negsim("run", str(sale), "--runs", "50", "--rounds", "4", "--set",
                 "parties.buyer.capability=3", "--out", str(tmp_path / "r"), "-q")
    assert out.returncode == 0, out.stderr
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["overrides"] == ["parties.buyer.capability=3", "rounds=4"]
    assert manifest["rounds"] == 4


def test_zones_prints_the_table(sale: Path) -> None:
    out = negsim("zones", str(sale), "--round", "7")
    assert out.returncode == 0, out.stderr
    assert "Round 7" in out.stdout and "Round 6" not in out.stdout
    assert "price" in out.stdout


def test_list_tactics() -> None:
    out = negsim("list", "tactics")
    assert out.returncode == 0
    for name in ("time", "boulware", "linear", "conceder", "reciprocal", "hold"):
        assert name in out.stdout
    data = json.loads(negsim("list", "tactics", "--json").stdout)
    assert "Faratin" in data["time"]["citation"]


def test_committed_schema_is_current() -> None:
    repo = Path(__file__).resolve().parents[1]
    out = negsim("schema")
    assert out.returncode == 0
    committed = (repo / "schema" / "scenario.schema.json").read_text()
    assert out.stdout == committed, "schema/scenario.schema.json is stale: run `make schema`"


def test_ctrl_c_keeps_finished_runs(sale: Path, tmp_path: Path) -> None:
    run = tmp_path / "r"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", str(sale), "--runs",
                             "100000000", "--batch", "2000", "--out", str(run), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    part = run / "runs.csv.part"
    deadline = time.time() + 60
    while time.time() < deadline and (not part.exists() or part.stat().st_size < 200_000):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "partial"
    done = manifest["runs_completed"]
    assert done > 0 and done % 2000 == 0
    rows = (run / "runs.csv").read_text().splitlines()
    assert len(rows) == 4 + done
    assert not part.exists()
    assert os.path.exists(run / "rounds.csv")


def test_sources_flags_unsourced_numbers(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "src.md").write_text("# S\n\n- key: src\n\n## Facts\n\n1. Sellers ask 8000.\n")
    text = "fact_base: seeds\n" + SALE.replace(
        "price: {ideal: 8000, red_line: {dist: uniform, low: 4500, high: 6500}}",
        "price: {ideal: {value: 8000, source: [src#1]}, red_line: {dist: uniform, low: 4500, "
        "high: 6500, assumption: a guess}}")
    (tmp_path / "s.yaml").write_text(text)
    out = negsim("sources", str(tmp_path / "s.yaml"))
    assert out.returncode == 1
    assert "parties.seller.stakes.price.ideal = 8000\n    src#1: Sellers ask 8000." in out.stdout
    assert "assumption: a guess" in out.stdout
    assert "parties.buyer.stakes.price.red_line = normal(mean=6000, sd=500)\n    UNSOURCED" \
        in out.stdout
    # a stake-level citation covers the numbers the stake holds
    cited = text.replace("price: {ideal: 4000, red_line: {dist: normal, mean: 6000, sd: 500}}",
                         "price: {ideal: 4000, red_line: 6000, assumption: textbook case}")
    cited = cited.replace("tactic: {name: time, beta: {dist: triangular, low: 0.3, mode: 1, "
                          "high: 3}}", "tactic: {name: time, beta: 1, assumption: linear}")
    (tmp_path / "s.yaml").write_text(cited)
    out = negsim("sources", str(tmp_path / "s.yaml"))
    assert out.returncode == 0, out.stdout
    assert out.stdout.rstrip().endswith("0 unsourced")
