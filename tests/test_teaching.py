"""The teaching layer: role briefs, the hot-seat game and the class debrief.

Briefs must tell a team its own true positions and only estimates (ranges that contain the
truth) of the others'. The game is driven through its injected input function, through a typer
app with piped input, and as a subprocess, and must survive any answer. The debrief runs on
the shipped six-team class files; its findings are checked against values computed by hand.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from sim.brief import (
    UnknownParty,
    estimate_interval,
    estimates,
    pressures_on,
    role_brief,
)
from sim.cli_teach import brief as brief_command
from sim.cli_teach import debrief as debrief_command
from sim.cli_teach import play as play_command
from sim.debrief import DealsError, debrief, parse_value, read_deals
from sim.loading import load_scenario
from sim.play import GameResult, OfferError, parse_offer, play_game, utility
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
CAR = SCENARIOS / "teaching_car_sale.yaml"
JOB = SCENARIOS / "teaching_job_offer.yaml"
RIVER = SCENARIOS / "teaching_shared_river.yaml"
JOB_CLASS = SCENARIOS / "classes" / "job_offer_class.csv"
CAR_CLASS = SCENARIOS / "classes" / "car_sale_class.csv"


@pytest.fixture(scope="module")
def car() -> Scenario:
    return load_scenario(CAR).scenario


@pytest.fixture(scope="module")
def job() -> Scenario:
    return load_scenario(JOB).scenario


def _app() -> typer.Typer:
    """The three commands in one app, as ``sim/cli.py`` registers them."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                      rich_markup_mode=None)
    app.command("brief")(brief_command)
    app.command("play")(play_command)
    app.command("debrief")(debrief_command)
    return app


def _invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(), list(args), input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------------------------------------
# Role briefs
# ---------------------------------------------------------------------------------------------


def test_a_brief_states_the_partys_own_true_positions(car: Scenario, job: Scenario) -> None:
    seller = role_brief(car, "seller")
    assert seller.startswith("# Confidential brief: Sam (seller)")
    for text in ("12,000 EUR", "10,000 EUR", "soft: can give up to 9,000 EUR",
                 "400 EUR per unit of strain",
                 "in round 4 it moves to 9,600 EUR, and by round 10 to 9,206.25 EUR",
                 "Sam's new car arrives", "50% of last round's strain carries over",
                 "8,000 to 14,000 EUR"):
        assert text in seller, text
    buyer = role_brief(car, "buyer")
    assert "| Price of the car | 9,000 EUR | 9,500 EUR — Bea's loan ceiling | hard |" in buyer
    assert "No pressure reaches you" in buyer
    cand = role_brief(job, "candidate")
    for text in ("| Annual salary | 85 kEUR | 70 kEUR | firm | top priority |",
                 "| Remote days per week | 4 days | 2 days | firm | top priority |",
                 "1. Annual salary: weight 3", "4. Start date: weight 0.5 (minor)",
                 "Give first on what you care least about (Start date)",
                 "0: fully on site, 1: 1 day, 2: 2 days"):
        assert text in cand, text


def test_a_brief_gives_only_estimates_of_the_others(car: Scenario, job: Scenario) -> None:
    seller = role_brief(car, "seller")
    assert "estimate" in seller
    # Bea's true red line is 9,500 and her ideal 9,000: neither is stated, nor the named point
    # that sits on her red line; the estimates are ranges around them.
    assert "Bea's loan ceiling" not in seller
    row = next(line for line in seller.splitlines() if line.startswith("| Price of the car |")
               and "to" in line and "EUR |" in line and "12,000" not in line)
    ideal_cell, red_cell = row.split("|")[2].strip(), row.split("|")[3].strip()
    assert "9,500" not in red_cell and ideal_cell != "9,000 EUR"
    nums = [[float(x.replace(",", "")) for x in re.findall(r"[\d,.]+", c)][:2]
            for c in (ideal_cell, red_cell)]
    assert nums[0][0] < 9000 < nums[0][1] and nums[1][0] < 9500 < nums[1][1]
    cand = role_brief(job, "candidate")
    assert "| Annual salary | 65 kEUR" not in cand  # the employer's ideal is not stated
    assert "estimate" in cand


@pytest.mark.parametrize("path", [CAR, JOB, RIVER])
def test_estimates_contain_the_truth_strictly_inside_for_any_seed(path: Path) -> None:
    s = load_scenario(path).scenario
    for seed in range(40):
        for party in s.parties:
            for e in estimates(s, party, seed):
                issue = s.issues[e.issue]
                stake = s.parties[e.party].stakes[e.issue]
                x = (stake.ideal if e.field == "ideal" else stake.red_line).mean()
                assert e.party != party
                assert e.lo <= x <= e.hi, (seed, e)
                if issue.levels is None and issue.lo < x < issue.hi:
                    assert e.lo < x < e.hi, (seed, e)  # never an end: the end is not the value
                    assert e.hi - e.lo >= 0.19 * issue.width
                else:
                    assert e.hi > e.lo  # at least two levels


def test_every_team_reads_the_same_estimates_and_a_seed_repeats_them() -> None:
    s = load_scenario(RIVER).scenario
    views = {p: {(e.party, e.issue, e.field): (e.lo, e.hi) for e in estimates(s, p, 7)}
             for p in s.parties}
    for a in s.parties:
        for b in s.parties:
            common = set(views[a]) & set(views[b])
            assert all(views[a][k] == views[b][k] for k in common)
    assert role_brief(s, "aldria", 7) == role_brief(s, "aldria", 7)
    assert role_brief(s, "aldria", 7) != role_brief(s, "aldria", 8)


def test_estimate_interval_on_an_ordinal_issue_spans_two_levels(job: Scenario) -> None:
    issue = job.issues["remote_days"]
    assert estimate_interval(issue, 3.0, 0.2) == (2.0, 3.0)
    assert estimate_interval(issue, 3.0, 0.8) == (3.0, 4.0)
    assert estimate_interval(issue, 0.0, 0.2) == (0.0, 1.0)
    assert estimate_interval(issue, 2.5, 0.9) == (2.0, 3.0)


def test_pressures_reaching_a_party_through_the_leverage_graph() -> None:
    s = load_scenario(RIVER).scenario
    reach = {r.pressure: r for r in pressures_on(s, "aldria")}
    assert reach["fund_freezes_loan"].share == pytest.approx(0.8)
    assert reach["fund_freezes_loan"].path == ("river_fund", "aldria")
    assert "drought" not in reach  # it targets Calvera, which passes nothing on
    text = role_brief(s, "aldria")
    assert "about 80% of it reaches you (River Fund (the dam's lender) -> Aldria" in text
    assert "probability 70%" in text


def test_pressure_travels_two_edges_of_the_leverage_graph() -> None:
    s = load_scenario(RIVER).scenario
    dunmark = {r.pressure: r for r in pressures_on(s, "dunmark")}
    assert dunmark["fund_freezes_loan"].share == pytest.approx(0.8 * 0.3)
    assert dunmark["fund_freezes_loan"].path == ("river_fund", "aldria", "dunmark")


def test_brief_command_writes_a_file_and_rejects_an_unknown_party(tmp_path: Path) -> None:
    out = tmp_path / "sam.md"
    code, stdout, stderr = _invoke("brief", str(CAR), "--party", "seller", "--out", str(out))
    assert code == 0, stderr
    assert out.read_text().startswith("# Confidential brief: Sam (seller)")
    assert f"wrote {out}" in stderr
    code, stdout, stderr = _invoke("brief", str(CAR), "--party", "selr")
    assert code == 2
    assert stderr.strip() == ("--party selr: unknown party 'selr' (expected one of: seller, "
                              "buyer); did you mean 'seller'?")
    with pytest.raises(UnknownParty):
        role_brief(load_scenario(CAR).scenario, "nobody")


# ---------------------------------------------------------------------------------------------
# The hot-seat game
# ---------------------------------------------------------------------------------------------


def _scripted(answers: list[str]) -> tuple[list[str], object]:
    """A transcript and an ``ask`` that answers from the list, then raises EOFError."""
    lines: list[str] = []
    it: Iterator[str] = iter(answers)

    def ask(prompt: str) -> str:
        try:
            a = next(it)
        except StopIteration:
            raise EOFError from None
        lines.append(prompt + a)
        return a

    return lines, ask


def _play(s: Scenario, party: str, answers: list[str], runs: int = 100
          ) -> tuple[GameResult, str]:
    lines, ask = _scripted(answers)
    result = play_game(s, party, ask, lines.append, runs=runs)  # type: ignore[arg-type]
    return result, "\n".join(lines)


def test_a_scripted_game_settles_where_the_hand_computation_says(car: Scenario) -> None:
    # Sam keeps his tactic's offers for seven rounds, then asks 9,500 in round 8. Bea's linear
    # tactic offers 9,000 + 0.8 x 500 = 9,400 in round 8; the zone is [9,225, 9,500] (Sam's red
    # line 10,000 - 400 x 1.9375), both offers are in it, so the price settles at their mean.
    result, text = _play(car, "seller", [""] * 7 + ["9500"])
    assert result.value("price") == pytest.approx(9450)
    assert result.deal_round == 8 and not result.ended_early
    assert result.offers[7] == {"price": 9500.0}
    for line in (
        "You play Sam (seller). The engine plays the others with their tactics, at the "
        "scenario's means. 10 rounds.",
        "=== Round 1 of 10 ===",
        "  Bea (buyer) offers 9,050 EUR",
        "  you can accept 10,000 to 12,000 EUR (ideal 12,000 EUR; red line 10,000 EUR — Sam's "
        "starting floor)",
        "price: your offer (10,000 to 12,000 EUR) [Enter = 11,800 EUR]: ",
        "News: Sam's new car arrives; he needs to sell the old one — on Sam (seller) (new this "
        "round)",
        "Your strain: 1.5 (it was 1)",
        "  you can accept 9,400 to 12,000 EUR (ideal 12,000 EUR; red line 9,400 EUR, was 10,000)",
        "price: your offer (9,225 to 12,000 EUR) [Enter = 9,780 EUR]: 9500",
        "  -> price settled at 9,450 EUR",
        "  DEAL: every core issue has settled, in round 8.",
        "=== Outcome ===",
        "Deal in round 8.",
        "  price  EUR   [9,206.25, 9,500]  9,450 (r8)  9,470.6 (r9)         9,353.1     0.09",
        "  P(deal by round 10): engine 100.0%; you: deal in round 8",
        "  price  9,450  9,470.6 / 9,470.6 / 9,470.6  100%        worse for you than all of them",
    ):
        assert line in text.splitlines(), line
    # Only what Sam may know: Bea's red line never appears during play.
    play_part = text.split("=== Outcome ===")[0]
    assert "9,500" not in play_part and "Bea's loan ceiling" not in play_part


def test_bad_answers_get_a_message_and_the_same_prompt(car: Scenario, job: Scenario) -> None:
    result, text = _play(car, "seller", ["abc", "5000", "13000", "1e999", "11,500"])
    assert ("  ! 'abc' is not a number: type a number from 10,000 to 12,000 EUR, or press "
            "Enter to keep 11,800 EUR") in text
    assert ("  ! 5,000 is outside what you can accept (10,000 to 12,000 EUR): it is past your "
            "red line (10,000 EUR — Sam's starting floor); offer from 10,000 to 12,000 EUR") in text
    assert "  ! 13,000 is outside what you can accept (10,000 to 12,000 EUR): it is beyond " \
           "your ideal (12,000 EUR)" in text
    assert "  ! '1e999' is not a number" in text
    assert result.offers[0] == {"price": 11500.0}
    assert result.ended_early and "The game stops in round 2: round 1 stands." in text

    answers = ["", "", "5 days", "1 day", "2.5", "3 DAYS", "", "", "", "3", ""]
    result, text = _play(job, "candidate", answers)
    assert ("  ! '5 days' is not a level of Remote days per week; type one of: 2 (2 days), "
            "3 (3 days), 4 (4 days), or press Enter") in text
    assert ("  ! 1 day is outside what you can accept (2 days to 4 days); type one of: "
            "2 (2 days), 3 (3 days), 4 (4 days)") in text
    assert "  ! 2.5 is not a level number" in text
    assert result.offers[0]["remote_days"] == 3.0  # "3 DAYS", any case
    assert result.offers[1]["remote_days"] == 3.0  # a level's number


def test_parse_offer_accepts_units_and_thousands(car: Scenario) -> None:
    price = car.issues["price"]
    assert parse_offer(price, "9,600 EUR", 9000, 9800, 9000, 9100) == 9600
    assert parse_offer(price, "  ", 9000, 9800, 9000, 9100) == 9100
    with pytest.raises(OfferError, match="past your red line"):
        parse_offer(price, "9900", 9000, 9800, 9000, 9100)


def test_end_of_input_and_quit_stop_the_game_cleanly(car: Scenario) -> None:
    result, text = _play(car, "buyer", ["", ""])
    assert result.ended_early and result.rounds_played == 2
    assert "The game stops in round 3: rounds 1-2 stand." in text
    assert "No deal: the game stopped after round 2, with price not settled." in text
    result, text = _play(car, "buyer", ["quit"])
    assert result.rounds_played == 0 and "no round was played" in text
    assert "No round was played." in text


def test_the_engine_alone_in_the_players_seat_matches_the_zone_table(job: Scenario) -> None:
    # Enter on every prompt: the player's offers are the tactic's, so the game ends as the
    # engine does at the means (settlement values of the job offer's zone table).
    result, text = _play(job, "employer", [""] * 40, runs=0)
    assert result.value("salary") == pytest.approx(75)
    assert result.value("remote_days") == 3
    assert result.value("signing_bonus") == pytest.approx(6.78387, abs=1e-5)
    assert result.deal_round == 6
    assert "Every issue has settled: the negotiation ends in round 6." in text
    assert "Monte Carlo" not in text


def test_utility_is_one_at_the_ideal_and_zero_at_the_red_line() -> None:
    assert utility(12000, 12000, 9000) == 1
    assert utility(9000, 12000, 9000) == 0
    assert utility(10500, 12000, 9000) == pytest.approx(0.5)
    assert utility(5, 5, 5) is None


def test_play_command_reads_piped_answers() -> None:
    answers = "\n".join([""] * 7 + ["9500"]) + "\n"
    code, out, err = _invoke("play", str(CAR), "--as", "seller", "--runs", "50", input=answers)
    assert code == 0, err
    assert "price: your offer (9,225 to 12,000 EUR) [Enter = 9,780 EUR]: 9500" in out
    assert "  -> price settled at 9,450 EUR" in out
    assert "Against 50 Monte Carlo runs" in out


def test_play_command_reads_a_csv_offers_file(tmp_path: Path) -> None:
    offers = tmp_path / "offers.csv"
    offers.write_text("round,issue,value\n1,salary,84\n1,remote_days,4 days\n"
                      "2,remote_days,fully remote\n3,salary,abc\n")
    code, out, err = _invoke("play", str(JOB), "--as", "candidate", "--offers", str(offers),
                             "--runs", "0")
    assert code == 0, err
    assert "salary: your offer (70 to 85 kEUR) [Enter = 84.462 kEUR]: 84" in out
    assert "remote_days: your offer (2 days to 4 days, a name or number) [Enter = 3.93 " \
           "(between 3 days and 4 days)]: 4 days" in out
    assert "  ! fully remote is outside what you can accept (2 days to 4 days)" in out
    assert "  ! 'abc' is not a number" in out
    assert "=== Outcome ===" in out and "Deal in round" in out


def test_play_command_reads_answers_line_by_line_from_a_file(tmp_path: Path) -> None:
    offers = tmp_path / "answers.txt"
    offers.write_text("\n\n\n\n\n\n\n9500\n")
    code, out, err = _invoke("play", str(CAR), "--as", "seller", "--offers", str(offers),
                             "--runs", "0")
    assert code == 0, err
    assert "  -> price settled at 9,450 EUR" in out


def test_play_command_errors_are_one_line_each(tmp_path: Path) -> None:
    code, out, err = _invoke("play", str(CAR), "--as", "bea")
    assert code == 2 and "Traceback" not in err
    assert err.strip() == "--as bea: unknown party 'bea' (expected one of: seller, buyer)"
    bad = tmp_path / "bad.csv"
    bad.write_text("round,issue,value\n1,prize,9000\n0,price,9000\nx,price,1\n2,price\n"
                   "3,price,1\n3,price,2\n")
    code, out, err = _invoke("play", str(CAR), "--as", "buyer", "--offers", str(bad))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"{bad}:2: unknown issue 'prize' (expected one of: price); did you mean 'price'?",
        f"{bad}:3: round 0 is outside 1..10",
        f"{bad}:4: round 'x' is not a whole number",
        f"{bad}:5: expected 3 fields (round,issue,value), got 2",
        f"{bad}:7: a second offer for round 3, price",
        f"{bad}: 5 problems; nothing was played.",
    ]
    code, out, err = _invoke("play", str(tmp_path / "none.yaml"), "--as", "buyer")
    assert code == 2 and "file not found" in err and "Traceback" not in err


def test_play_as_a_subprocess_with_a_pipe() -> None:
    answers = "\n".join(["abc"] + [""] * 7 + ["9500"]) + "\n"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "play", str(CAR), "--as", "seller", "--runs", "50"],
        input=answers, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "  ! 'abc' is not a number" in proc.stdout
    assert "  -> price settled at 9,450 EUR" in proc.stdout
    # Input that ends early stops the game, still without a traceback.
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "play", str(CAR), "--as", "seller", "--runs", "0"],
        input="\n\n", capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "(end of input)" in proc.stdout and "The game stops in round 3" in proc.stdout


# ---------------------------------------------------------------------------------------------
# The class debrief
# ---------------------------------------------------------------------------------------------


def test_debrief_of_the_six_team_job_offer_class(tmp_path: Path) -> None:
    out = tmp_path / "deb"
    code, stdout, stderr = _invoke("debrief", str(JOB), str(JOB_CLASS), "--out", str(out),
                                   "--runs", "200")
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert "Teaching: a job offer (four issues, logrolling through salience): the class's 6 " \
           "deals" in lines
    for team in ("Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir"):
        assert any(line.startswith(f"  {team} ") for line in lines), team
    assert any(re.match(r"  Birch +79 +4 +3 days +2 +0\.44 +0\.40 .*efficient$", x) for x in lines)
    for finding in (
        "  Dogwood: breaks Northwind Ltd (employer)'s red line on salary by 2 kEUR (82 against "
        "80 kEUR); breaks Cai (candidate)'s red line on start_date by 1 (3 against 4 weeks "
        "after signing).",
        "  Elm: breaks Northwind Ltd (employer)'s red line on remote_days by 2 levels (fully "
        "remote against 3 days); breaks Cai (candidate)'s red line on signing_bonus by 2 kEUR "
        "(0 against 2 kEUR).",
        "  Birch: inside every zone, and no point in the zones is better for one side without "
        "being worse for another.",
        "  Fir: no agreement on signing_bonus although its zone was open ([2, 10]).",
    ):
        assert finding in lines, finding
    assert any(x.startswith("  Alder: leaves value on the table: ") for x in lines)
    assert any(x.startswith("  Cedar: leaves value on the table: ") for x in lines)
    png = out / "debrief.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from matplotlib.image import imread

    h, w = imread(png).shape[:2]
    assert w >= 1200 and h >= 700  # issue panels and the utility panel
    assert (out / "debrief.txt").read_text().startswith("Teaching: a job offer")
    csv_lines = (out / "debrief.csv").read_text().splitlines()
    assert csv_lines[0].startswith("team,reference,verdict,salary,start_date")
    assert len(csv_lines) == 1 + 6 + 2


def test_debrief_of_the_car_sale_class(tmp_path: Path, car: Scenario) -> None:
    code, stdout, stderr = _invoke("debrief", str(CAR), str(CAR_CLASS), "--out",
                                   str(tmp_path), "--runs", "100")
    assert code == 0, stderr
    assert "  Cedar: breaks Bea (buyer)'s red line on price by 300 EUR (9,800 against 9,500 " \
           "EUR)." in stdout
    assert "  Dogwood: breaks Sam (seller)'s red line on price by 106.25 EUR (9,100 against " \
           "9,206.25 EUR)." in stdout
    assert "  Elm: no agreement on price although its zone was open ([9,206.25, 9,500])." \
        in stdout
    assert "  price  EUR   [9,206.25, 9,500]  9,353.1" in stdout
    assert (tmp_path / "debrief.png").exists()
    # utilities by hand: Alder's 9,450 gives Sam 1 - 2,550/2,793.75, Bea 1 - 450/500
    deals, _ = read_deals(CAR_CLASS.read_text(), car)
    d = debrief(car, deals, runs=0)
    alder = next(t for t in d.teams if t.team == "Alder")
    assert alder.utility["seller"] == pytest.approx(1 - 2550 / 2793.75)
    assert alder.utility["buyer"] == pytest.approx(0.1)
    assert alder.verdict == "efficient" and alder.nash_distance == pytest.approx(
        (9450 - 9353.125) / 6000, abs=1e-6)


def test_a_dominating_point_lies_in_the_zones_and_gives_no_one_less(job: Scenario) -> None:
    deals, _ = read_deals(JOB_CLASS.read_text(), job)
    d = debrief(job, deals, runs=0)
    alder = next(t for t in d.teams if t.team == "Alder")
    assert alder.better is not None
    for i, x in alder.better.items():
        v = d.issue(i)
        assert v.lo - 1e-9 <= x <= v.hi + 1e-9
    assert alder.better["remote_days"] == 3 and alder.better["start_date"] == pytest.approx(4)
    point = {**alder.values, **alder.better}
    for p in d.utility.parties:
        assert d.utility.of(p, point) >= alder.utility[p] - 1e-9
        assert alder.gains[p] > 0  # both gain: logrolling remote days against the start date
    birch = next(t for t in d.teams if t.team == "Birch")
    assert birch.better is None and birch.verdict == "efficient"
    engine = d.references[0]
    assert engine.verdict == "value left on the table"  # the engine's tactics do not logroll


def test_parse_value_takes_levels_numbers_and_units(job: Scenario, car: Scenario) -> None:
    assert parse_value(job.issues["remote_days"], "3 Days") == 3
    assert parse_value(job.issues["remote_days"], "4") == 4
    assert parse_value(car.issues["price"], "9,450") == 9450
    assert parse_value(car.issues["price"], "9450 EUR") == 9450
    for text, message in (("abc", "'abc' is not a number"), ("20000", "off the scale")):
        with pytest.raises(ValueError, match=message):
            parse_value(car.issues["price"], text)
    with pytest.raises(ValueError, match="did you mean '4 days'"):
        parse_value(job.issues["remote_days"], "5 days")


def test_debrief_errors_are_clear_exit_2_and_no_traceback(tmp_path: Path, job: Scenario
                                                          ) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("team,salry,start_date,remote_days\nA,70,abc,2 days\nA,70,4,2 days\n"
                   "B,71,4,two days\nC,70\n")
    code, out, err = _invoke("debrief", str(JOB), str(bad), "--runs", "0", "--out",
                             str(tmp_path / "o"))
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.splitlines() == [
        f"{bad}:1: column 2: unknown issue column 'salry' (expected one of: salary, "
        "start_date, remote_days, signing_bonus); did you mean 'salary'?",
        f"{bad}:2: team A, start_date: 'abc' is not a number",
        f"{bad}:3: team 'A' appears twice",
        f"{bad}:4: team B, remote_days: 'two days' is not a level (expected one of: fully on "
        "site, 1 day, 2 days, 3 days, 4 days, fully remote, or 0..5); did you mean '4 days'?",
        f"{bad}:5: 2 fields, but the header has 4",
        f"{bad}: 5 problems; nothing was run.",
    ]
    assert not (tmp_path / "o").exists()
    bad.write_text("group,salary\nA,70\n")
    with pytest.raises(DealsError, match="the first column must be 'team'"):
        read_deals(bad.read_text(), job)
    with pytest.raises(DealsError, match="empty"):
        read_deals("\n", job)
    code, out, err = _invoke("debrief", str(JOB), str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read the deals file" in err and "Traceback" not in err


def test_a_deals_file_without_some_issues_notes_them(job: Scenario) -> None:
    deals, notes = read_deals("team,salary\nA,75\n", job, "c.csv")
    assert notes[0] == "c.csv: no column for start_date: no team agreed on it"
    d = debrief(job, deals, runs=0)
    a = d.teams[0]
    assert a.verdict == "no deal" and set(a.left_open) == {"start_date", "remote_days",
                                                            "signing_bonus"}
    assert math.isnan(d.p_deal) and d.runs == 0
    assert np.isfinite(a.utility["candidate"])
