"""Compare two run directories A and B: how much B changes P(deal), each issue's P(settled) and
its median settlement, with 95% bootstrap confidence intervals.

Why paired. negsim draws every uncertain field from common random numbers: a field's draw
depends only on the seed, the run's index and the field's path. Two run directories made with
the same seed therefore play run k of A and run k of B on the same draws wherever the two
scenarios agree, and the difference B - A is measured run by run, without the noise of two
independent samples. When both have the same seed and the same run indices, the bootstrap
resamples run *indices* and takes each resampled run from both A and B (a paired bootstrap);
otherwise A and B are resampled independently.

The bootstrap uses a fixed seed, so the same two run directories always give the same table.
Resample indices are drawn a chunk of replicates at a time and every statistic is computed for
the whole chunk in numpy; there is no Python loop over replicates.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .loading import Loaded
from .plot import (
    F64,
    I64,
    OKABE_ITO,
    IssueMeta,
    RunData,
    deal_curve,
    new_figure,
    one_line,
    title_width,
    wrap,
)
from .report import text_table

#: Differences are drawn in black: blue and vermillion are A's and B's own colours.
DIFF_COLOUR = OKABE_ITO["black"]
#: The bootstrap's seed: fixed, so a comparison is reproducible.
BOOT_SEED = 20260204
#: Replicates by default.
N_BOOT = 2000
#: About this many float cells per chunk of replicates (bounds memory).
CELLS_PER_CHUNK = 4_000_000


@dataclass(frozen=True)
class Diff:
    """One measure in A and in B, the difference B - A and its confidence interval."""

    key: str  # "deal", "settled:<issue>", "median:<issue>"
    measure: str  # in words
    kind: str  # "probability" or "median"
    issue: str | None
    a: float
    b: float
    diff: float
    lo: float
    hi: float

    @property
    def excludes_zero(self) -> bool:
        """The interval lies wholly on one side of 0."""
        return (self.lo > 0 or self.hi < 0) and math.isfinite(self.lo) and math.isfinite(self.hi)


@dataclass(frozen=True)
class Comparison:
    """Everything a comparison found, and how."""

    a: RunData
    b: RunData
    rows: list[Diff]
    paired: bool
    n_boot: int
    seed: int
    level: float
    notes: list[str] = field(default_factory=list)


def _sorted_runs(run: RunData) -> tuple[I64, I64, I64, F64]:
    """Run indices, deal rounds, settled rounds and values, in run-index order."""
    r = run.runs
    order = np.argsort(r.run, kind="stable")
    return r.run[order], r.deal_round[order], r.settled_round[order], r.value[order]


def is_paired(a: RunData, b: RunData) -> bool:
    """Same seed and the same run indices: run k of A and run k of B share their draws."""
    if a.seed is None or a.seed != b.seed:
        return False
    ra, rb = np.sort(a.runs.run), np.sort(b.runs.run)
    return len(ra) > 0 and ra.shape == rb.shape and bool(np.array_equal(ra, rb))


def _chunks(n_boot: int, width: int) -> Iterator[int]:
    size = max(1, CELLS_PER_CHUNK // max(width, 1))
    done = 0
    while done < n_boot:
        c = min(size, n_boot - done)
        yield c
        done += c


def _stats(deal: F64, settled: F64, value: F64, idx: I64) -> tuple[F64, F64, F64]:
    """For every replicate (row of ``idx``): P(deal), P(settled) per issue, median settlement
    per issue (NaN where no resampled run settled)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: no settled run
        return (deal[idx].mean(axis=1), settled[idx].mean(axis=1),
                np.nanmedian(value[idx], axis=1))


def bootstrap(a: tuple[F64, F64, F64], b: tuple[F64, F64, F64], paired: bool, n_boot: int,
              seed: int) -> tuple[F64, F64, F64]:
    """Replicates of B - A for (P(deal), P(settled) per issue, median per issue).

    ``a`` and ``b`` are (deal indicator (R,), settled indicator (R, I), value (R, I) with NaN
    where not settled). Paired: one index draw serves both (rows must be aligned by run)."""
    rng = np.random.default_rng(seed)
    na, nb = len(a[0]), len(b[0])
    n_issues = a[1].shape[1]
    d_deal = np.empty(n_boot)
    d_set = np.empty((n_boot, n_issues))
    d_med = np.empty((n_boot, n_issues))
    k = 0
    for c in _chunks(n_boot, (na + nb) * max(n_issues, 1)):
        ia = rng.integers(0, na, size=(c, na))
        ib = ia if paired else rng.integers(0, nb, size=(c, nb))
        sa, sb = _stats(*a, ia), _stats(*b, ib)
        d_deal[k:k + c] = sb[0] - sa[0]
        d_set[k:k + c] = sb[1] - sa[1]
        d_med[k:k + c] = sb[2] - sa[2]
        k += c
    return d_deal, d_set, d_med


def _interval(reps: F64, level: float) -> tuple[F64, F64]:
    """Percentile interval of replicates along axis 0 (NaN replicates ignored)."""
    alpha = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanpercentile(reps, 100 * alpha, axis=0)
        hi = np.nanpercentile(reps, 100 * (1 - alpha), axis=0)
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)


def _median(v: F64) -> F64:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmedian(v, axis=0), dtype=np.float64)


def compare_runs(a: RunData, b: RunData, *, n_boot: int = N_BOOT, seed: int = BOOT_SEED,
                 level: float = 0.95) -> Comparison:
    """B - A for P(deal by the last round), and per issue (those both have, in A's order)
    P(settled by the last round) and the median settled value, with bootstrap intervals."""
    notes: list[str] = []
    ids_b = {i.id for i in b.issues}
    issues = [i for i in a.issues if i.id in ids_b]
    only = sorted({i.id for i in a.issues} ^ ids_b)
    if only:
        notes.append(f"issues in only one of A and B are left out: {', '.join(only)}")
    if a.T != b.T:
        notes.append(f"A has {a.T} rounds and B {b.T}: P(deal) is by each one's last round")
    paired = is_paired(a, b)
    cols_a = [a.runs.column(i.id) for i in issues]
    cols_b = [b.runs.column(i.id) for i in issues]

    def arrays(run: RunData, cols: list[int]) -> tuple[F64, F64, F64]:
        _, deal, settled, value = _sorted_runs(run)
        return ((deal > 0).astype(np.float64), (settled[:, cols] > 0).astype(np.float64),
                value[:, cols])

    xa, xb = arrays(a, cols_a), arrays(b, cols_b)
    if len(xa[0]) == 0 or len(xb[0]) == 0:
        raise ValueError("a run directory without runs cannot be compared")
    d_deal, d_set, d_med = bootstrap(xa, xb, paired, n_boot, seed)
    lo_d, hi_d = _interval(d_deal[:, None], level)
    lo_s, hi_s = _interval(d_set, level)
    lo_m, hi_m = _interval(d_med, level)
    pa, pb = float(xa[0].mean()), float(xb[0].mean())
    rows = [Diff("deal", "P(deal by the last round)", "probability", None, pa, pb, pb - pa,
                 float(lo_d[0]), float(hi_d[0]))]
    sa, sb = xa[1].mean(axis=0), xb[1].mean(axis=0)
    ma, mb = _median(xa[2]), _median(xb[2])
    for k, issue in enumerate(issues):
        rows.append(Diff(f"settled:{issue.id}", f"{issue.id}: P(settled)", "probability",
                         issue.id, float(sa[k]), float(sb[k]), float(sb[k] - sa[k]),
                         float(lo_s[k]), float(hi_s[k])))
    for k, issue in enumerate(issues):
        diff = float(mb[k] - ma[k])
        ok = math.isfinite(diff)
        rows.append(Diff(f"median:{issue.id}", f"{issue.id}: median settlement", "median",
                         issue.id, float(ma[k]), float(mb[k]), diff,
                         float(lo_m[k]) if ok else math.nan, float(hi_m[k]) if ok else math.nan))
    return Comparison(a, b, rows, paired, n_boot, seed, level, notes)


# ---------------------------------------------------------------------------------------------
# As text
# ---------------------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x:.1%}"


def _pp(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{100 * x:+.1f}"


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    return "0" if x == 0 else f"{x:+.3g}"


def _unit(issue: IssueMeta) -> str:
    return "levels" if issue.ordinal else issue.unit


def _value(issue: IssueMeta, x: float) -> str:
    return "-" if not math.isfinite(x) else one_line(issue.describe(x), 34)


def _source(run: RunData) -> str:
    seed = f", seed {run.seed}" if run.seed is not None else ""
    partial = " (PARTIAL)" if run.partial else ""
    sets = "".join(f" --set {o}" for o in run.manifest.get("overrides") or [])
    return f"{run.path}: {run.title}{sets} ({run.n:,} runs{seed}){partial}"


def format_comparison(c: Comparison) -> str:
    """The comparison as text: probabilities, then median settlements; A, B, B - A and its
    interval, one line per measure; ``*`` marks an interval that excludes 0."""
    how = (f"paired bootstrap over {c.a.n:,} common runs (same seed {c.a.seed})" if c.paired
           else "independent bootstrap (different seeds or runs: not paired)")
    level = f"{c.level:.0%}"
    lines = [f"A  {_source(c.a)}", f"B  {_source(c.b)}",
             f"B - A with {level} intervals: {how}, {c.n_boot:,} resamples, bootstrap seed "
             f"{c.seed}", ""]
    cells = []
    for r in c.rows:
        if r.kind != "probability":
            continue
        label = (f"P(deal by round {c.a.T})" if r.key == "deal" and c.a.T == c.b.T
                 else "P(deal by the last round)" if r.key == "deal"
                 else f"P({r.issue} settled)")
        interval = "-" if not math.isfinite(r.lo) else f"[{_pp(r.lo)}, {_pp(r.hi)}]"
        cells.append([label, _pct(r.a), _pct(r.b), _pp(r.diff), interval,
                      "*" if r.excludes_zero else ""])
    lines += text_table(["probability", "A", "B", "B - A (pp)", f"{level} interval", ""], cells,
                        right=frozenset({1, 2, 3}))
    lines.append("")
    cells = []
    for r in c.rows:
        if r.kind != "median":
            continue
        assert r.issue is not None
        issue = c.a.issue(r.issue)
        interval = "-" if not math.isfinite(r.lo) else f"[{_num(r.lo)}, {_num(r.hi)}]"
        cells.append([r.issue, _value(issue, r.a), _value(issue, r.b), _num(r.diff), interval,
                      _unit(issue), "*" if r.excludes_zero else ""])
    lines += text_table(["median settlement", "A", "B", "B - A", f"{level} interval", "unit",
                         ""], cells, right=frozenset({3}))
    lines.append("")
    lines.append("pp: percentage points. *: the interval excludes 0. A median is over the runs "
                 "in which the issue settled.")
    lines += [f"note: {n}" for n in c.notes]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# As a figure
# ---------------------------------------------------------------------------------------------


def _dot_intervals(ax: Axes, labels: list[str], diffs: F64, lo: F64, hi: F64, colour: str,
                   gid: str, least: float) -> None:
    """Dots at the differences, bars over their intervals, a line at 0; the x range is at
    least +-``least`` so that tiny differences do not look large."""
    y = np.arange(len(labels))
    ax.axvline(0, color="#555555", lw=1)
    ok = np.isfinite(diffs)
    ax.hlines(y[ok], lo[ok], hi[ok], color=colour, lw=2.2, gid=f"{gid}:intervals")
    ax.plot(diffs[ok], y[ok], "o", color=colour, ms=6, gid=f"{gid}:points")
    for k in np.flatnonzero(~ok):
        ax.text(0, y[k], " no settled run in A or B", va="center", fontsize=8, color="#555555")
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8.5)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    finite = np.concatenate([v[np.isfinite(v)] for v in (diffs, lo, hi)] + [np.zeros(1)])
    reach = max(least, float(np.abs(finite).max()) * 1.08)
    ax.set_xlim(min(-least, float(finite.min()) - 0.04 * reach),
                max(least, float(finite.max()) + 0.04 * reach))
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)


def comparison_figure(c: Comparison) -> Figure:
    """Deal curves of A and B with their bands, and dot-and-interval charts of the
    differences: probabilities in percentage points, median shifts as % of each scale."""
    probs = [r for r in c.rows if r.kind == "probability"]
    meds = [r for r in c.rows if r.kind == "median"]
    n = max(len(probs), len(meds))
    width = 13.0
    fig = new_figure(width, 4.6 + 0.34 * n + 1.2)
    gs = fig.add_gridspec(2, 2, height_ratios=[4.2, 0.34 * n + 1.0])
    deal_curve([c.a, c.b], [f"A: {c.a.title}", f"B: {c.b.title}"],
               ax=fig.add_subplot(gs[0, :]))

    def label(r: Diff) -> str:
        if r.issue is None:
            return "P(deal)"
        return wrap(c.a.issue(r.issue).label, 34, 2)

    dd = difference_data(c)

    def column(rows: list[Diff], k: int) -> F64:
        return np.array([dd[r.key][k] for r in rows], dtype=np.float64)

    ax1 = fig.add_subplot(gs[1, 0])
    _dot_intervals(ax1, [label(r) for r in probs], column(probs, 0), column(probs, 1),
                   column(probs, 2), DIFF_COLOUR, "probability", 2.0)
    ax1.axhline(0.5, color="#999999", lw=0.8)  # P(deal) above, the issues below
    ax1.set_xlabel("B - A, percentage points")
    ax1.set_title("P(deal) and P(settled by the last round)", loc="left", fontsize=10)
    ax2 = fig.add_subplot(gs[1, 1])
    _dot_intervals(ax2, [label(r) for r in meds], column(meds, 0), column(meds, 1),
                   column(meds, 2), DIFF_COLOUR, "median", 2.0)
    ax2.set_xlabel("B - A, % of the issue's scale (ordinal: of its range of levels)",
                   fontsize=9)
    ax2.set_title("Median settlement", loc="left", fontsize=10)
    how = "paired" if c.paired else "independent"
    fig.suptitle(wrap(f"B vs A: {c.b.title}\nvs {c.a.title}\n{c.level:.0%} {how} bootstrap "
                      f"intervals, {c.n_boot:,} resamples", title_width(width)),
                 fontsize=11.5)
    return fig


def difference_data(c: Comparison) -> dict[str, tuple[float, float, float]]:
    """What the dot-and-interval charts draw, by key: (difference, low, high), probabilities in
    percentage points and medians in % of the scale."""
    out = {}
    for r in c.rows:
        scale = 100.0 if r.kind == "probability" else 100.0 / c.a.issue(str(r.issue)).width
        out[r.key] = (r.diff * scale, r.lo * scale, r.hi * scale)
    return out


def run_scenario(loaded: Loaded, out: Path, runs: int, seed: int, workers: int = 1
                 ) -> tuple[Path, bool]:
    """Play ``runs`` runs of a loaded scenario with ``seed`` and write a run directory at
    ``out``; returns ``out`` and whether the run was interrupted (Ctrl-C: the finished runs
    are kept and the manifest says partial)."""
    from .montecarlo import simulate
    from .rundir import RunWriter

    writer = RunWriter(out, loaded, seed, runs, workers, None)
    try:
        outcome = simulate(loaded.scenario, runs, seed, workers=workers, on_batch=writer.add)
    except BaseException:
        writer.abort()
        raise
    writer.finish(outcome)
    return out, outcome.interrupted
