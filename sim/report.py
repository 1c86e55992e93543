"""Views of results as tables: the zone table at the means, per-round aggregates, the summary.

A view reads results (or plays the scenario at its means through the public engine API) and
never reaches into the engine's state. Rows list issues and parties in the file's order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .arrays import Structure, structure
from .engine import Negotiation, RoundReport
from .results import QUANTILES, Aggregate
from .scenario import Scenario
from .zone import nash_point, overlaps, setters

Row = dict[str, Any]


def fmt(x: Any) -> str:
    """A table cell: blank for NaN/None, whole numbers without a point, else 6 digits."""
    if x is None:
        return ""
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    if isinstance(x, int | np.integer):
        return str(int(x))
    if isinstance(x, float | np.floating):
        if math.isnan(x):
            return ""
        return f"{float(x):.6g}"
    return str(x)


def _order(s: Scenario, st: Structure) -> tuple[list[int], list[int]]:
    return ([st.issue_index(i) for i in s.issues], [st.party_index(p) for p in s.parties])


# ---------------------------------------------------------------------------------------------
# The scenario at its means: the zone table
# ---------------------------------------------------------------------------------------------


def zone_table(s: Scenario, rounds: list[int] | None = None) -> list[Row]:
    """MODEL.md's zone table of the scenario at its means, one row per (round, issue)."""
    return at_means(s, rounds)[0]


def at_means(s: Scenario, rounds: list[int] | None = None) -> tuple[list[Row], list[Row]]:
    """The scenario at its means: the zone table, and every party's position on every issue
    it holds (one row per round, party and issue)."""
    st = structure(s)
    neg = Negotiation(s, at_means=True, compiled=st)
    zone_rows: list[Row] = []
    position_rows: list[Row] = []
    while not neg.done:
        r = neg.step()
        if rounds is None or r.t in rounds:
            zone_rows.extend(_zone_rows(s, st, r, neg.draws.capability))
            position_rows.extend(_position_rows(s, st, r))
    return zone_rows, position_rows


POSITION_COLUMNS = ("round", "party", "issue", "ideal", "red_line", "hard", "a_lo", "a_hi",
                    "conceded", "offer", "strain", "blocker", "gap")


def _position_rows(s: Scenario, st: Structure, r: RoundReport) -> list[Row]:
    issues, parties = _order(s, st)
    return [
        {"round": r.t, "party": st.parties[a], "issue": st.issues[b],
         "ideal": float(r.ideal[0, a, b]), "red_line": float(r.red_line[0, a, b]),
         "hard": bool(st.hard[a, b]), "a_lo": float(r.a_lo[0, a, b]),
         "a_hi": float(r.a_hi[0, a, b]), "conceded": float(r.conceded[0, a, b]),
         "offer": float(r.offer[0, a, b]), "strain": float(r.strain[0, a]),
         "blocker": bool(r.blockers[0, a, b]), "gap": float(r.gaps[0, a, b])}
        for a in parties for b in issues if st.stakes[a, b]
    ]


def _zone_rows(s: Scenario, st: Structure, r: RoundReport, capability: Any) -> list[Row]:
    issues, parties = _order(s, st)
    z = r.zones
    lo_by, lo_ideal, hi_by, hi_ideal = setters(
        r.a_lo, r.a_hi, r.ideal, st.stakes, z, st.eps[None, None]
    )
    nash = nash_point(r.ideal, r.red_line, capability, st.stakes, z)
    pair = overlaps(r.a_lo, r.a_hi, st.stakes, st.eps[None, None, None])
    rows = []
    for b in issues:
        i = st.issues[b]
        issue = s.issues[i]
        held = [a for a in parties if st.stakes[a, b]]

        def who(mask: Any, by_ideal: Any, b: int = b, held: list[int] = held) -> str:
            return ", ".join(
                f"{st.parties[a]} ({'ideal' if by_ideal[0, a, b] else 'red line'})"
                for a in held
                if mask[0, a, b]
            )

        open_ = bool(z.open[0, b])
        rows.append(
            {
                "round": r.t,
                "date": s.timeline.date_of(r.t).isoformat() if s.timeline else "",
                "issue": i,
                "open": open_,
                "lo": float(z.lo[0, b]) if open_ else math.nan,
                "hi": float(max(z.hi[0, b], z.lo[0, b])) if open_ else math.nan,
                "width": float(z.width[0, b]) if open_ else 0.0,
                "lo_set_by": who(lo_by, lo_ideal) if open_ else "",
                "hi_set_by": who(hi_by, hi_ideal) if open_ else "",
                "blockers": ", ".join(st.parties[a] for a in held if r.blockers[0, a, b]),
                "gaps": "; ".join(
                    f"{st.parties[a]} {fmt(float(r.gaps[0, a, b]))}"
                    for a in held
                    if r.gaps[0, a, b] > 0
                ),
                "overlap": "; ".join(
                    f"{st.parties[a]}-{st.parties[c]}"
                    for k, a in enumerate(held)
                    for c in held[k + 1 :]
                    if pair[0, a, c, b]
                ),
                "offers": "; ".join(
                    f"{st.parties[a]} {fmt(float(r.offer[0, a, b]))}" for a in held
                ),
                "settled_round": int(r.settled_round[0, b]) or None,
                "value": float(r.value[0, b]),
                "value_label": issue.describe(float(r.value[0, b])) if r.settled[0, b] else "",
                "nash": float(nash[0, b]),
            }
        )
    return rows


ZONE_COLUMNS = (
    "round",
    "date",
    "issue",
    "open",
    "lo",
    "hi",
    "width",
    "lo_set_by",
    "hi_set_by",
    "blockers",
    "gaps",
    "overlap",
    "offers",
    "settled_round",
    "value",
    "value_label",
    "nash",
)


def text_table(header: list[str], rows: list[list[str]],
               right: frozenset[int] = frozenset()) -> list[str]:
    """Columns as wide as their widest cell, two spaces apart (``right``: right-aligned)."""
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  " + "  ".join(c.rjust(w) if k in right else c.ljust(w)
                                for k, (c, w) in enumerate(zip(cells, widths, strict=True))
                                ).rstrip()

    return [line(header), *(line(r) for r in rows)]


def format_zone_table(s: Scenario, rows: list[Row]) -> str:
    """The zone table for a terminal: one block per round, one line per issue."""
    out: list[str] = []
    by_round: dict[int, list[Row]] = {}
    for row in rows:
        by_round.setdefault(row["round"], []).append(row)
    for t, block in by_round.items():
        date = f"  ({block[0]['date']})" if block[0]["date"] else ""
        out.append(f"Round {t}{date}")
        cells = []
        settled = {row["issue"] for row in block if row["settled_round"]}
        for row in block:
            issue = s.issues[row["issue"]]
            waits = [j for j in issue.requires if j not in settled]
            if row["open"]:
                if issue.ordinal:  # the levels the zone holds
                    eps = issue.eps
                    lo = issue.describe(float(math.ceil(row["lo"] - eps)))
                    hi = issue.describe(float(math.floor(row["hi"] + eps)))
                    zone = lo if lo == hi else f"{lo} .. {hi}"
                else:
                    zone = f"[{fmt(row['lo'])}, {fmt(row['hi'])}]"
                who = f"lo: {row['lo_set_by']}; hi: {row['hi_set_by']}"
            else:
                zone = "closed"
                who = f"blocked by {row['blockers']}" + (
                    f" (gaps: {row['gaps']})" if row["gaps"] else "")
            if row["settled_round"]:
                outcome = f"settled r{row['settled_round']}: {issue.describe(row['value'])}"
            elif row["open"] and waits:
                outcome = f"waits for {', '.join(waits)}"
            elif row["open"] and not math.isnan(row["nash"]):
                outcome = f"Nash point {fmt(row['nash'])}"
            else:
                outcome = ""
            cells.append([row["issue"], zone, outcome, who])
        out.extend(text_table(["issue", "zone", "outcome", "bounds set by / blockers"], cells))
        out.append("")
    return "\n".join(out).rstrip()


# ---------------------------------------------------------------------------------------------
# Monte Carlo aggregates as tables
# ---------------------------------------------------------------------------------------------


def _q(prefix: str) -> list[str]:
    return [f"{prefix}_q{int(round(q * 100)):02d}" for q in QUANTILES]


ROUND_COLUMNS = (
    "round",
    "date",
    "issue",
    "p_open",
    *_q("zone_lo"),
    *_q("zone_hi"),
    "p_settled",
    "p_deal",
)


def round_rows(s: Scenario, agg: Aggregate) -> list[Row]:
    """Per round and issue: P(zone open), zone-bound quantiles, P(settled by t), P(deal by t)."""
    st = structure(s)
    issues, _ = _order(s, st)
    n = max(agg.runs, 1)
    rows = []
    for k in range(st.T):
        for b in issues:
            row: Row = {
                "round": k + 1,
                "date": s.timeline.date_of(k + 1).isoformat() if s.timeline else "",
                "issue": st.issues[b],
                "p_open": agg.open[k, b] / n,
            }
            qlo = agg.zone_lo.quantiles((k, b))
            qhi = agg.zone_hi.quantiles((k, b))
            row.update(zip(_q("zone_lo"), qlo, strict=True))
            row.update(zip(_q("zone_hi"), qhi, strict=True))
            row["p_settled"] = agg.settled[k, b] / n
            row["p_deal"] = agg.deal[k] / n
            rows.append(row)
    return rows


BLOCKER_COLUMNS = ("round", "party", "issue", "p_blocker", "gap_q50", "gap_q95")


def blocker_rows(s: Scenario, agg: Aggregate) -> list[Row]:
    """Per round, party and issue held: how often it blocks, and its gap's quantiles."""
    st = structure(s)
    issues, parties = _order(s, st)
    n = max(agg.runs, 1)
    rows = []
    for k in range(st.T):
        for a in parties:
            for b in issues:
                if not st.stakes[a, b]:
                    continue
                q50, q95 = agg.gap.quantiles((k, a, b), (0.5, 0.95))
                rows.append(
                    {
                        "round": k + 1,
                        "party": st.parties[a],
                        "issue": st.issues[b],
                        "p_blocker": agg.blockers[k, a, b] / n,
                        "gap_q50": q50,
                        "gap_q95": q95,
                    }
                )
    return rows


STRAIN_COLUMNS = ("round", "party", *_q("strain"))


def strain_rows(s: Scenario, agg: Aggregate) -> list[Row]:
    st = structure(s)
    _, parties = _order(s, st)
    rows = []
    for k in range(st.T):
        for a in parties:
            row: Row = {"round": k + 1, "party": st.parties[a]}
            row.update(zip(_q("strain"), agg.strain.quantiles((k, a)), strict=True))
            rows.append(row)
    return rows


SETTLEMENT_COLUMNS = (
    "issue",
    "label",
    "unit",
    "core",
    "p_settled",
    "median_round",
    *_q("value"),
    "top_blocker",
    "p_top_blocker",
)


def settlement_rows(s: Scenario, agg: Aggregate) -> list[Row]:
    """Per issue at the deadline: P(settled), when, the value's quantiles, the top blocker."""
    st = structure(s)
    issues, parties = _order(s, st)
    n = max(agg.runs, 1)
    rows = []
    for b in issues:
        i = st.issues[b]
        by_t = agg.settled[:, b]
        median_round = next((k + 1 for k in range(st.T) if by_t[k] >= 0.5 * n), None)
        # The most frequent blocker: summed over rounds, the party that blocks this issue most.
        counts = [(int(agg.blockers[:, a, b].sum()), -a) for a in parties if st.stakes[a, b]]
        top_count, top = max(counts) if counts else (0, 0)
        row: Row = {
            "issue": i,
            "label": s.issues[i].label,
            "unit": s.issues[i].unit,
            "core": bool(st.core[b]),
            "p_settled": by_t[-1] / n,
            "median_round": median_round,
        }
        row.update(
            zip(_q("value"), agg.value.quantiles((b,)), strict=True)
        )
        row["top_blocker"] = st.parties[-top] if top_count else ""
        row["p_top_blocker"] = top_count / (n * st.T)
        rows.append(row)
    return rows


def summary_text(s: Scenario, agg: Aggregate, seed: int, partial: bool = False) -> str:
    """The few lines an analyst reads first."""
    st = structure(s)
    n = max(agg.runs, 1)
    p_deal = agg.deal / n
    deadline = s.round_label(st.T)
    lines = [
        f"{s.title}: {agg.runs:,} runs, seed {seed}"
        + (" (PARTIAL: interrupted)" if partial else "")
    ]
    median = next((k + 1 for k in range(st.T) if p_deal[k] >= 0.5), None)
    when = f"; half of the runs have a deal by {s.round_label(median)}" if median else ""
    lines.append(f"P(deal by {deadline}) = {p_deal[-1]:.1%}{when}")
    lines.append("")
    cells = []
    for row in settlement_rows(s, agg):
        issue = s.issues[row["issue"]]
        med = row["value_q50"]
        blocker = (f"{row['top_blocker']} ({row['p_top_blocker']:.0%} of run-rounds)"
                   if row["top_blocker"] else "-")
        cells.append([row["issue"], "yes" if row["core"] else "no", f"{row['p_settled']:.1%}",
                      issue.describe(med) if not math.isnan(med) else "-", blocker])
    lines.extend(text_table(["issue", "core", "P(settled)", "median settlement",
                             "most frequent blocker"], cells, right=frozenset({2})))
    return "\n".join(lines)
