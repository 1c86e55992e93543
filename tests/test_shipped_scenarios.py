"""The scenarios shipped in scenarios/: they load, run, match what happened, and do not drift.

- every ``scenarios/*.yaml`` validates and plays a small Monte Carlo batch;
- the Abu Dhabi base case, at its means, matches rounds 1-2 of the real talks (no core issue
  settled; the prisoner exchange and the arms-control understanding banked by round 2;
  territory and European troops closed, with Russia among the blockers, through round 6);
- the car-sale teaching scenario's zone and opening round are the ones its header computes
  by hand;
- a golden summary per scenario (P(deal by T) and P(settled) per issue, 500 runs, seed
  20260204, rounded to 3 decimals) is compared with ``tests/golden/summaries.json``.
  Regenerate it, after an intended change, with ``NEGSIM_REGEN_GOLDEN=1 pytest
  tests/test_shipped_scenarios.py`` and review the diff.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

from sim.distributions import Cited
from sim.loading import load_scenario
from sim.montecarlo import simulate
from sim.report import zone_table
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
GOLDEN = ROOT / "tests" / "golden" / "summaries.json"
REGEN = os.environ.get("NEGSIM_REGEN_GOLDEN") == "1"
GOLDEN_RUNS = 500
GOLDEN_SEED = 20260204

BASE = ROOT / "scenarios" / "abu_dhabi_2026.yaml"
CAR = ROOT / "scenarios" / "teaching_car_sale.yaml"
SCHEMA_LINE = "# yaml-language-server: $schema=../schema/scenario.schema.json"


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def _load(path: Path) -> Scenario:
    return load_scenario(path).scenario


def _rows(path: Path) -> dict[tuple[int, str], dict[str, Any]]:
    return {(r["round"], r["issue"]): r for r in zone_table(_load(path))}


def _blockers(row: dict[str, Any]) -> set[str]:
    return {b.strip() for b in row["blockers"].split(",") if b.strip()}


def test_scenarios_are_shipped() -> None:
    names = {p.name for p in SCENARIOS}
    expected = {
        "abu_dhabi_2026.yaml",
        "abu_dhabi_tariff_bill_passes.yaml",
        "abu_dhabi_eu_package_passes.yaml",
        "abu_dhabi_offensive_succeeds.yaml",
        "abu_dhabi_offensive_stalls.yaml",
        "abu_dhabi_us_presses_kyiv.yaml",
        "abu_dhabi_europe_at_table.yaml",
        "teaching_car_sale.yaml",
        "teaching_job_offer.yaml",
        "teaching_shared_river.yaml",
    }
    assert expected <= names


# ---------------------------------------------------------------------------------------------
# Every shipped scenario: validates, runs, carries its header
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIOS, ids=_ids(SCENARIOS))
def test_validates_without_warnings(path: Path) -> None:
    loaded = load_scenario(path)
    assert loaded.warnings == ()
    assert loaded.scenario.title


@pytest.mark.parametrize("path", SCENARIOS, ids=_ids(SCENARIOS))
def test_header(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == SCHEMA_LINE
    comment = [ln for ln in lines[1:12] if ln.startswith("#")]
    assert len(comment) >= 3, "a header comment follows the schema line"


@pytest.mark.parametrize("path", SCENARIOS, ids=_ids(SCENARIOS))
def test_runs(path: Path) -> None:
    s = _load(path)
    out = simulate(s, 200, seed=1)
    agg = out.aggregate
    assert out.completed == 200 and not out.interrupted
    assert agg.runs == 200
    assert agg.deal.shape == (s.rounds,)
    assert agg.settled.shape == (s.rounds, len(s.issues))
    assert np.all(np.diff(agg.deal) >= 0)
    assert np.all(np.diff(agg.settled, axis=0) >= 0)
    assert 0 <= agg.deal[-1] <= 200


ABU_DHABI = [p for p in SCENARIOS if p.name.startswith("abu_dhabi_")]


def _uncited(obj: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Dotted paths of numbers written in the file with neither source nor assumption."""
    out: list[str] = []
    if isinstance(obj, Cited):
        if obj.source is None and obj.assumption is None:
            out.append(".".join(path))
        return out
    if isinstance(obj, BaseModel):
        for name in obj.model_fields_set:
            out.extend(_uncited(getattr(obj, name), path + (name,)))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out.extend(_uncited(v, path + (str(k),)))
    elif isinstance(obj, list):
        for k, v in enumerate(obj):
            out.extend(_uncited(v, path + (str(k),)))
    return out


@pytest.mark.parametrize("path", SCENARIOS, ids=_ids(SCENARIOS))
def test_every_number_is_sourced_or_an_assumption(path: Path) -> None:
    s = _load(path)
    skip = {"rounds", "seed", "timeline"}
    missing = [p for name in s.model_fields_set - skip for p in _uncited(getattr(s, name), (name,))]
    assert missing == []


@pytest.mark.parametrize(
    "path", [p for p in ABU_DHABI if p != BASE], ids=_ids([p for p in ABU_DHABI if p != BASE])
)
def test_what_ifs_extend_the_base(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "\nextends: abu_dhabi_2026.yaml\n" in text
    assert load_scenario(path).files[0].endswith("abu_dhabi_2026.yaml")


# ---------------------------------------------------------------------------------------------
# Abu Dhabi base case: what happened in rounds 1-2
# ---------------------------------------------------------------------------------------------


def test_abu_dhabi_matches_rounds_1_and_2() -> None:
    s = _load(BASE)
    rows = _rows(BASE)
    core = [i for i, issue in s.issues.items() if issue.core]
    assert {"donetsk", "foreign_troops"} <= set(core)
    assert not s.issues["prisoner_exchange"].core and not s.issues["arms_control"].core

    # No core issue settled in rounds 1-2.
    for t in (1, 2):
        for i in core:
            assert rows[t, i]["settled_round"] is None, (t, i)

    # The prisoner exchange and the informal START III limits settle by round 2 (4-5 Feb).
    for i in ("prisoner_exchange", "arms_control"):
        settled = rows[2, i]["settled_round"]
        assert settled is not None and settled <= 2, i

    # Territory and European troops stay closed, blocked by Russia, through round 6.
    for t in range(1, 7):
        for i in ("donetsk", "foreign_troops"):
            row = rows[t, i]
            assert not row["open"], (t, i)
            assert "russia" in _blockers(row), (t, i, row["blockers"])


def test_abu_dhabi_round_2_outcomes_match_the_sources() -> None:
    rows = _rows(BASE)
    # Round 2 exchanged 157 for 157 (stratfor_2026-02#5); the understanding is >= 6 months
    # (stratfor_2026-02#15). Both land in round 2, not round 1.
    assert rows[1, "prisoner_exchange"]["settled_round"] is None
    assert rows[1, "arms_control"]["settled_round"] is None
    assert abs(rows[2, "prisoner_exchange"]["value"] - 157) < 10
    assert rows[2, "arms_control"]["value"] >= 6


def test_abu_dhabi_russian_hard_lines() -> None:
    russia = _load(BASE).parties["russia"]
    for issue in ("donetsk", "foreign_troops"):
        assert russia.stakes[issue].hard, issue
    assert russia.stakes["donetsk"].red_line.mean() >= 95
    assert russia.stakes["foreign_troops"].red_line.mean() == 0


# ---------------------------------------------------------------------------------------------
# Teaching: the car sale computed by hand (see the file's header)
# ---------------------------------------------------------------------------------------------


def test_car_sale_zone_by_hand() -> None:
    rows = _rows(CAR)
    # Rounds 1-4: closed; both sets miss each other, so both are blockers.
    for t in range(1, 5):
        assert not rows[t, "price"]["open"], t
        assert _blockers(rows[t, "price"]) == {"seller", "buyer"}
    # S(4) = 1 -> red line 9,600: still 100 short of the buyer's 9,500.
    assert "seller 100" in rows[4, "price"]["gaps"]
    # S(5) = 0.5 x 1 + 1 = 1.5 -> red line 10,000 - 400 x 1.5 = 9,400: the zone opens.
    r5 = rows[5, "price"]
    assert r5["open"]
    assert math.isclose(r5["lo"], 9400.0, abs_tol=1e-6)
    assert math.isclose(r5["hi"], 9500.0, abs_tol=1e-6)
    assert "seller (red line)" in r5["lo_set_by"]
    assert "buyer (red line)" in r5["hi_set_by"]
    first_open = min(t for (t, i), row in rows.items() if i == "price" and row["open"])
    assert first_open == 5
    # S(6) = 1.75 -> 9,300; S(8) = 1.9375 -> 9,225.
    assert math.isclose(rows[6, "price"]["lo"], 9300.0, abs_tol=1e-6)
    assert math.isclose(rows[8, "price"]["lo"], 9225.0, abs_tol=1e-6)


def test_car_sale_settlement_by_hand() -> None:
    rows = _rows(CAR)
    assert rows[8, "price"]["settled_round"] is None
    # Round 9: seller 12,000 - 0.9 x (12,000 - 9,212.5) = 9,491.25; buyer 9,000 + 0.9 x 500.
    r9 = rows[9, "price"]
    assert r9["settled_round"] == 9
    assert math.isclose(r9["value"], (9491.25 + 9450.0) / 2, abs_tol=1e-6)


# ---------------------------------------------------------------------------------------------
# Golden summaries
# ---------------------------------------------------------------------------------------------


def _summary(s: Scenario) -> dict[str, Any]:
    agg = simulate(s, GOLDEN_RUNS, seed=GOLDEN_SEED).aggregate
    n = agg.runs
    return {
        "runs": int(n),
        "seed": GOLDEN_SEED,
        "p_deal": round(float(agg.deal[-1]) / n, 3),
        "p_settled": {
            issue: round(float(agg.settled[-1, k]) / n, 3)
            for k, issue in enumerate(sorted(s.issues))
        },
    }


def _read_golden() -> dict[str, Any]:
    if not GOLDEN.exists():
        return {}
    data: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("path", SCENARIOS, ids=_ids(SCENARIOS))
def test_golden_summary(path: Path) -> None:
    got = _summary(_load(path))
    if REGEN:
        golden = _read_golden()
        golden[path.name] = got
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(dict(sorted(golden.items())), indent=2) + "\n", "utf-8")
        return
    golden = _read_golden()
    assert path.name in golden, (
        f"no golden summary for {path.name}; run with NEGSIM_REGEN_GOLDEN=1 and review"
    )
    assert got == golden[path.name]


def test_golden_has_no_stale_entries() -> None:
    names = {p.name for p in SCENARIOS}
    golden = _read_golden()
    if REGEN:  # drop the summaries of scenarios that are gone
        kept = {k: v for k, v in sorted(golden.items()) if k in names}
        GOLDEN.write_text(json.dumps(kept, indent=2) + "\n", "utf-8")
        return
    assert set(golden) == names
