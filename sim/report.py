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
    st = structure(s)
    neg = Negotiation(s, at_means=True, compiled=st)
    rows: list[Row] = []
    while not neg.done:
        r = neg.step()
        if rounds is None or r.t in rounds:
            rows.extend(_zone_rows(s, st, r, neg.draws.capability))
    return rows


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


def format_zone_table(s: Scenario, rows: list[Row]) -> str:
    """The zone table for a terminal: one block per round, one line per issue."""
    out: list[str] = []
    current = None
    for row in rows:
        if row["round"] != current:
            current = row["round"]
            date = f"  {row['date']}" if row["date"] else ""
            out.append(f"\nRound {current}{date}")
            out.append(f"  {'issue':<18} {'zone':<24} {'bounds set by':<44} {'settled':<22}")
        issue = s.issues[row["issue"]]
        if row["open"]:
            zone = f"[{fmt(row['lo'])}, {fmt(row['hi'])}]"
            setby = f"{row['lo_set_by']} / {row['hi_set_by']}"
        else:
            zone = "closed"
            setby = f"blocked by {row['blockers']}" + (
                f"; gaps {row['gaps']}" if row["gaps"] else ""
            )
        settled = (
            f"r{row['settled_round']}: {issue.describe(row['value'])}"
            if row["settled_round"]
            else ""
        )
        if row["open"] and not math.isnan(row["nash"]) and not settled:
            settled = f"(Nash {fmt(row['nash'])})"
        out.append(f"  {row['issue']:<18} {zone:<24} {setby:<44} {settled}")
    return "\n".join(out).lstrip("\n")


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
    lines.append(
        f"  {'issue':<18} {'core':<5} {'P(settled)':>10}  {'median value':<28} "
        f"{'most frequent blocker':<28}"
    )
    for row in settlement_rows(s, agg):
        issue = s.issues[row["issue"]]
        med = row["value_q50"]
        value = issue.describe(med) if not math.isnan(med) else "-"
        blocker = (
            f"{row['top_blocker']} ({row['p_top_blocker']:.0%} of run-rounds)"
            if row["top_blocker"]
            else "-"
        )
        lines.append(
            f"  {row['issue']:<18} {'yes' if row['core'] else 'no':<5} "
            f"{row['p_settled']:>10.1%}  {value[:28]:<28} {blocker}"
        )
    return "\n".join(lines)
