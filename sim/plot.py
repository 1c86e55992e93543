"""Figures of a run directory: zone ladders, zone weather, deal curves, settlements, blockers,
strain, and the zone ladder animated over the rounds.

Why this shape. Every figure is computed in two steps: a pure ``*_data`` function turns the run
directory into exactly the numbers that are drawn (so tests check what is plotted, not pixels),
and a drawing function puts them on a :class:`matplotlib.figure.Figure`. Figures are built
without pyplot (``Figure`` plus an Agg canvas), so importing this module never changes a
notebook's backend, and nothing here calls ``show()``.

Colours are Okabe-Ito (safe for the common colour-vision deficiencies): each party keeps one
colour in every figure, the zone is always bluish green, settlements black. Titles, axis labels
and tick names come from the scenario's own labels, units and ordinal levels; long text is
wrapped and every figure uses constrained layout, so nothing overlaps at the default size.

A run directory is read with the ``csv`` module (no pandas) by :meth:`RunData.load`; the
scenario file named in its manifest is reloaded for labels, scales and levels. If that file is
gone, the figures still draw, with ids for labels and scales taken from the data.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import NDArray

from .errors import ScenarioError
from .loading import Loaded, load_scenario
from .rundir import atomic_path, csv_text, write_atomic

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B8 = NDArray[np.bool_]

# ---------------------------------------------------------------------------------------------
# Palette (Okabe & Ito, "Color Universal Design", 2008)
# ---------------------------------------------------------------------------------------------

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: Party colours in file order; bluish green is kept for zones, yellow comes last (weak on white).
PARTY_COLOURS: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["orange"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
)
ZONE_COLOUR = OKABE_ITO["bluish_green"]
SETTLED_COLOUR = OKABE_ITO["black"]
#: Line colours of compared scenarios (A, B, ...).
SERIES_COLOURS: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
)
HEATMAP = "cividis"  # perceptually uniform and readable with any colour vision
SOFT_DASH = (0, (1.6, 1.2))  # the dash pattern of a soft red line

#: Figure kinds that render to a PNG (``animation`` renders a GIF).
KINDS = ("ladder", "weather", "deal", "settlements", "blockers", "strain")
ALL_KINDS = (*KINDS, "animation")


class RunDirError(Exception):
    """A path that is not a readable run directory; the message is one line for the user."""


# ---------------------------------------------------------------------------------------------
# Reading a run directory
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One CSV file of a run directory: its columns as lists of cells (text as written)."""

    columns: dict[str, list[str]]

    @classmethod
    def read(cls, path: Path) -> Table:
        """Read ``path``, skipping the ``# key value`` header lines before the column names."""
        try:
            with open(path, encoding="utf-8", newline="") as f:
                lines = f.readlines()
        except OSError as exc:
            raise RunDirError(f"{path}: cannot read: {exc.strerror or exc}") from None
        k = 0
        while k < len(lines) and lines[k].startswith("#"):
            k += 1
        rows = list(csv.reader(lines[k:]))
        if not rows:
            raise RunDirError(f"{path}: no header line")
        header = rows[0]
        cols: dict[str, list[str]] = {h: [] for h in header}
        for row in rows[1:]:
            if not row:
                continue
            if len(row) != len(header):
                raise RunDirError(f"{path}: a row has {len(row)} cells, the header {len(header)}")
            for h, cell in zip(header, row, strict=True):
                cols[h].append(cell)
        return cls(cols)

    def __len__(self) -> int:
        """The number of data rows."""
        return len(next(iter(self.columns.values()), []))

    def has(self, name: str) -> bool:
        """Whether the file has a column ``name``."""
        return name in self.columns

    def text(self, name: str) -> list[str]:
        """A column as written."""
        try:
            return self.columns[name]
        except KeyError:
            raise RunDirError(f"a column '{name}' is missing") from None

    def num(self, name: str) -> F64:
        """A numeric column; blank cells are NaN."""
        return np.array([float(c) if c else math.nan for c in self.text(name)], dtype=np.float64)

    def ints(self, name: str, missing: int = 0) -> I64:
        """An integer column; blank cells are ``missing``."""
        return np.array([int(c) if c else missing for c in self.text(name)], dtype=np.int64)

    def yes(self, name: str) -> B8:
        """A yes/no column."""
        return np.array([c == "yes" for c in self.text(name)], dtype=np.bool_)

    def mask(self, **equal: str | int) -> B8:
        """Rows whose columns equal the given values (compared as text)."""
        m = np.ones(len(self), dtype=np.bool_)
        for k, v in equal.items():
            m &= np.array([c == str(v) for c in self.text(k)], dtype=np.bool_)
        return m


@dataclass(frozen=True)
class Runs:
    """``runs.csv`` as arrays: one row per run; rounds are 0 where nothing settled."""

    run: I64  # (R,)
    seed: I64  # (R,)
    deal_round: I64  # (R,) 0 = no deal by T
    settled_round: I64  # (R, I) 0 = not settled by T
    value: F64  # (R, I) NaN = not settled
    issues: tuple[str, ...]

    def column(self, issue: str) -> int:
        """The column of ``issue`` in ``settled_round`` and ``value``."""
        return self.issues.index(issue)


@dataclass(frozen=True)
class IssueMeta:
    """What a figure needs of an issue: its label, unit, scale and level names."""

    id: str
    label: str
    unit: str
    lo: float
    hi: float
    levels: tuple[str, ...] | None = None
    points: dict[float, str] = field(default_factory=dict)
    core: bool = True

    @property
    def ordinal(self) -> bool:
        """Whether the issue has named levels 0..k-1."""
        return self.levels is not None

    @property
    def width(self) -> float:
        """The scale's width (ordinal: k-1)."""
        return self.hi - self.lo

    def describe(self, x: float) -> str:
        """A value in words: its level, its named point, or the number with its unit."""
        if self.levels is not None:
            k = int(round(x))
            if abs(k - x) < 1e-9 and 0 <= k < len(self.levels):
                return self.levels[k]
            lo = min(max(int(math.floor(x)), 0), len(self.levels) - 2)
            return f"{x:.2f} (between {self.levels[lo]} and {self.levels[lo + 1]})"
        for point, name in self.points.items():
            if abs(point - x) <= 1e-9 * self.width:
                return name
        return f"{x:.4g} {self.unit}".strip()

    @property
    def unit_label(self) -> str:
        """The x-axis label of a continuous issue (its unit), empty for an ordinal one."""
        if self.ordinal:
            return ""
        return self.unit or "scale value"


@dataclass(frozen=True)
class PartyMeta:
    """A party's id, display name and colour (fixed across all figures)."""

    id: str
    name: str
    colour: str


REQUIRED = ("manifest.json", "runs.csv", "rounds.csv", "blockers.csv", "strain.csv",
            "settlements.csv")


@dataclass(frozen=True)
class RunData:
    """A run directory, read: the manifest, each CSV file, and the scenario's labels."""

    path: Path
    manifest: dict[str, Any]
    title: str
    n: int  # runs completed
    T: int
    issues: tuple[IssueMeta, ...]
    parties: tuple[PartyMeta, ...]
    dates: tuple[str, ...]  # per round t = 1..T ("" without a timeline)
    runs: Runs
    rounds: Table
    blockers: Table
    strain: Table
    settlements: Table
    zones: Table
    positions: Table
    loaded: Loaded | None = None
    notes: tuple[str, ...] = ()

    @classmethod
    def load(cls, run_dir: str | Path, scenario: str | Path | None = None) -> RunData:
        """Read ``run_dir``; reload its scenario (``scenario``, else the manifest's path, looked
        up from the working directory and from the run directory's parents) for labels.

        Raises :class:`RunDirError` with a one-line message if ``run_dir`` is not a run
        directory."""
        path = Path(run_dir)
        if not path.exists():
            raise RunDirError(f"{path}: no such directory")
        if not path.is_dir():
            raise RunDirError(f"{path}: not a directory (expected a run directory)")
        missing = [f for f in REQUIRED if not (path / f).is_file()]
        if "manifest.json" in missing:
            raise RunDirError(f"{path}: not a run directory (no manifest.json)")
        if missing:
            raise RunDirError(f"{path}: incomplete run directory (missing {', '.join(missing)})")
        try:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RunDirError(f"{path}/manifest.json: unreadable: {exc}") from None
        if not isinstance(manifest, dict):
            raise RunDirError(f"{path}/manifest.json: not a negsim manifest")
        notes: list[str] = []
        loaded = _find_scenario(path, manifest, scenario, notes)
        rounds = Table.read(path / "rounds.csv")
        settlements = Table.read(path / "settlements.csv")
        blockers = Table.read(path / "blockers.csv")
        strain = Table.read(path / "strain.csv")
        zones, positions = _at_means_tables(path, loaded, notes)
        issue_ids = tuple(settlements.text("issue"))
        party_ids = tuple(dict.fromkeys(strain.text("party")))
        if loaded is not None and (
            tuple(loaded.scenario.issues) != issue_ids
            or tuple(loaded.scenario.parties) != party_ids
        ):
            notes.append("the scenario's issues or parties differ from the run's; labels are ids")
            loaded = None
        runs = _read_runs(path / "runs.csv", issue_ids)
        r = rounds.ints("round")
        T = int(manifest.get("rounds") or (r.max() if len(r) else 0))
        dates = ["" for _ in range(T)]
        for t, d in zip(r, rounds.text("date"), strict=True):
            if 1 <= t <= T:
                dates[t - 1] = d
        issues = _issue_meta(issue_ids, loaded, settlements, positions, runs)
        parties = tuple(
            PartyMeta(p, loaded.scenario.parties[p].name if loaded else p,
                      PARTY_COLOURS[k % len(PARTY_COLOURS)])
            for k, p in enumerate(party_ids)
        )
        scen = manifest.get("scenario") or {}
        title = (loaded.scenario.title if loaded else None) or scen.get("title") or path.name
        n = int(manifest.get("runs_completed") or len(runs.run))
        return cls(path, manifest, str(title), n, T, issues, parties, tuple(dates), runs, rounds,
                   blockers, strain, settlements, zones, positions, loaded, tuple(notes))

    # ---- lookups -----------------------------------------------------------------------------
    def issue(self, id_: str) -> IssueMeta:
        """The issue ``id_``."""
        return next(i for i in self.issues if i.id == id_)

    def party(self, id_: str) -> PartyMeta:
        """The party ``id_``."""
        return next(p for p in self.parties if p.id == id_)

    def round_label(self, t: int) -> str:
        """``round 5 (2026-03-12)``, or ``round 5`` without a timeline."""
        d = self.dates[t - 1] if 1 <= t <= len(self.dates) else ""
        return f"round {t} ({d})" if d else f"round {t}"

    @property
    def seed(self) -> int | None:
        """The run's seed, from the manifest."""
        s = self.manifest.get("seed")
        return int(s) if isinstance(s, int) else None

    @property
    def partial(self) -> bool:
        """Whether the run was interrupted (only the finished runs are in the files)."""
        return self.manifest.get("status") == "partial"


def _candidates(run_dir: Path, rel: str) -> list[Path]:
    """Where a relative scenario path may be: from the working directory, or from any parent
    of the run directory (runs/x/ was usually made from the project's root)."""
    p = Path(rel)
    if p.is_absolute():
        return [p]
    out = [Path.cwd() / p]
    out += [parent / p for parent in run_dir.resolve().parents]
    return out


def _find_scenario(run_dir: Path, manifest: dict[str, Any], explicit: str | Path | None,
                   notes: list[str]) -> Loaded | None:
    """The scenario the run was made from, reloaded with its overrides, or None (with a note)."""
    scen = manifest.get("scenario") or {}
    overrides = [str(o) for o in manifest.get("overrides") or []]
    rel = scen.get("path")
    found: list[Path] = []
    if explicit is not None:
        found = [Path(explicit)]
    elif isinstance(rel, str):
        found = [c for c in _candidates(run_dir, rel) if c.is_file()]
    if not found:
        notes.append(f"scenario file {rel!r} not found; labels are ids and scales come from data")
        return None
    last: Loaded | None = None
    for cand in found:
        try:
            loaded = load_scenario(cand, overrides)
        except (ScenarioError, OSError):
            continue
        if loaded.sha256 == scen.get("sha256"):
            return loaded
        last = last or loaded
    if last is None:
        notes.append(f"scenario file {found[0]} no longer loads; labels are ids")
    else:
        notes.append(f"scenario file {last.path} changed since the run; labels from its "
                     "current version")
    return last


def _at_means_tables(path: Path, loaded: Loaded | None, notes: list[str]) -> tuple[Table, Table]:
    """``zones_at_means.csv`` and ``positions_at_means.csv``; recomputed from the scenario for
    run directories written before the positions file existed."""
    zf, pf = path / "zones_at_means.csv", path / "positions_at_means.csv"
    if zf.is_file() and pf.is_file():
        return Table.read(zf), Table.read(pf)
    if loaded is None:
        raise RunDirError(f"{path}: no positions_at_means.csv, and the scenario is not found")
    from .report import POSITION_COLUMNS, ZONE_COLUMNS, at_means
    zones, positions = at_means(loaded.scenario)
    notes.append("the zone table at the means was recomputed from the scenario")

    def table(rows: list[dict[str, Any]], columns: Sequence[str]) -> Table:
        text = csv_text(rows, columns)
        with tempfile.TemporaryDirectory() as d:
            f = Path(d) / "t.csv"
            f.write_text(text, encoding="utf-8")
            return Table.read(f)

    return table(zones, ZONE_COLUMNS), table(positions, POSITION_COLUMNS)


def _read_runs(path: Path, issues: tuple[str, ...]) -> Runs:
    t = Table.read(path)
    n = len(t)
    settled = np.zeros((n, len(issues)), dtype=np.int64)
    value = np.full((n, len(issues)), math.nan)
    for b, i in enumerate(issues):
        settled[:, b] = t.ints(f"{i}_round")
        value[:, b] = t.num(f"{i}_value")
    return Runs(t.ints("run"), t.ints("seed"), t.ints("deal_round"), settled, value, issues)


def _issue_meta(ids: tuple[str, ...], loaded: Loaded | None, settlements: Table,
                positions: Table, runs: Runs) -> tuple[IssueMeta, ...]:
    out = []
    labels = dict(zip(ids, settlements.text("label"), strict=True))
    units = dict(zip(ids, settlements.text("unit"), strict=True))
    cores = dict(zip(ids, settlements.yes("core").tolist(), strict=True))
    for k, i in enumerate(ids):
        if loaded is not None:
            iss = loaded.scenario.issues[i]
            lo, hi = iss.bounds
            out.append(IssueMeta(i, iss.label, iss.unit, lo, hi,
                                 tuple(iss.levels) if iss.levels else None, dict(iss.points),
                                 iss.core))
            continue
        m = positions.mask(issue=i)
        vals = np.concatenate([positions.num(c)[m] for c in ("ideal", "red_line", "a_lo", "a_hi")]
                              + [runs.value[:, k]])
        vals = vals[np.isfinite(vals)]
        lo, hi = (float(vals.min()), float(vals.max())) if len(vals) else (0.0, 1.0)
        if hi <= lo:
            lo, hi = lo - 1, hi + 1
        out.append(IssueMeta(i, labels[i] or i, units[i], lo, hi, None, {}, cores[i]))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def new_figure(width: float, height: float) -> Figure:
    """A pyplot-free figure with an Agg canvas and constrained layout."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def wrap(text: str, width: int, max_lines: int | None = None) -> str:
    """Wrap each line of ``text`` to ``width`` characters; with ``max_lines``, keep that many
    lines and end the last with an ellipsis."""
    lines: list[str] = []
    for para in text.split("\n"):
        lines += textwrap.wrap(para, width, break_long_words=False) or [""]
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = textwrap.shorten(lines[-1] + " ...", width, placeholder=" ...")
    return "\n".join(lines)


def one_line(text: str, width: int) -> str:
    """``text`` on one line of at most ``width`` characters (cut at a word, with ...)."""
    return textwrap.shorten(text, width, placeholder=" ...") if len(text) > width else text


def title_width(fig_width: float, fontsize: float = 11.5) -> int:
    """About how many characters of a ``fontsize`` title fit across ``fig_width`` inches."""
    return max(30, int(fig_width * 72 / (0.56 * fontsize)) - 4)


def png_bytes(fig: Figure, dpi: float = 100) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def save_figure(fig: Figure, path: Path, dpi: float = 100) -> Path:
    """Save ``fig`` as PNG to ``path`` atomically; returns ``path``."""
    write_atomic(path, png_bytes(fig, dpi))
    return path


def _round_ticks(ax: Axes, run: RunData, rounds: Sequence[int], dates: bool = True) -> None:
    """Round numbers on the x axis (about ten ticks), with dates under them if there are."""
    step = max(1, math.ceil(len(rounds) / 10))
    ticks = [t for k, t in enumerate(rounds) if k % step == 0]
    ax.set_xticks(ticks)
    has_dates = dates and any(run.dates)
    ax.set_xticklabels([f"{t}\n{_short_date(run.dates[t - 1])}" if has_dates else str(t)
                        for t in ticks], fontsize=8)
    ax.set_xlabel("round" + (" (start date)" if has_dates else ""))


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _short_date(iso: str) -> str:
    """``2026-03-12`` as ``12 Mar``; other text unchanged."""
    try:
        y, m, d = (int(x) for x in iso.split("-"))
        return f"{d} {MONTHS[m - 1]}"
    except (ValueError, IndexError):
        return iso


def _level_ticks(ax: Axes, issue: IssueMeta, width: int = 16, fontsize: float = 8) -> None:
    assert issue.levels is not None
    ax.set_xticks(range(len(issue.levels)))
    ax.set_xticklabels([wrap(v, width) for v in issue.levels], fontsize=fontsize)


def _percent_formatter(top: float) -> Callable[[float, Any], str]:
    """Tick labels in percent, with a decimal when the axis ends below 5%."""
    digits = 0 if top >= 0.05 else 1
    return lambda v, _pos: f"{v:.{digits}%}"


def _scale_limits(issue: IssueMeta) -> tuple[float, float]:
    pad = 0.3 if issue.ordinal else 0.03 * issue.width
    return issue.lo - pad, issue.hi + pad


def _fnum(x: float) -> str:
    return f"{x:.4g}"


def describe_zone(issue: IssueMeta, lo: float, hi: float) -> str:
    """A zone in words: the levels it holds (ordinal), else ``[lo, hi] unit``."""
    if issue.levels is not None:
        tol = 1e-9 * issue.width
        held = [v for k, v in enumerate(issue.levels) if lo - tol <= k <= hi + tol]
        if not held:
            return "no level"
        return held[0] if len(held) == 1 else f"{held[0]} .. {held[-1]}"
    if hi - lo <= 1e-9 * issue.width:
        return issue.describe(lo)
    return f"[{_fnum(lo)}, {_fnum(hi)}]" + (f" {issue.unit}" if issue.unit else "")


# ---------------------------------------------------------------------------------------------
# Zone ladder
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LadderBar:
    """One party's acceptable set on one issue at one round (the scenario at its means)."""

    party: str
    lo: float
    hi: float
    ideal: float
    red_line: float
    hard: bool
    offer: float
    blocker: bool
    gap: float


@dataclass(frozen=True)
class LadderPanel:
    """One issue at one round: the parties' sets, the zone, and the outcome so far."""

    issue: str
    round: int
    bars: tuple[LadderBar, ...]
    open: bool
    zone: tuple[float, float] | None
    settled_round: int | None
    value: float | None
    nash: float | None  # only when open and not settled


def zone_ladder_data(run: RunData, t: int) -> list[LadderPanel]:
    """The ladder at round ``t``: every issue's stakeholders' sets, from
    ``positions_at_means.csv``, and its zone and outcome, from ``zones_at_means.csv``."""
    if not 1 <= t <= run.T:
        raise ValueError(f"round {t} is outside 1..{run.T}")
    pos, zon = run.positions, run.zones
    panels = []
    for issue in run.issues:
        m = np.flatnonzero(pos.mask(round=t, issue=issue.id))
        cols = {c: pos.num(c)[m] for c in ("a_lo", "a_hi", "ideal", "red_line", "offer", "gap")}
        hard, blocker = pos.yes("hard")[m], pos.yes("blocker")[m]
        parties = [pos.text("party")[k] for k in m]
        bars = tuple(
            LadderBar(p, float(cols["a_lo"][j]), float(cols["a_hi"][j]),
                      float(cols["ideal"][j]), float(cols["red_line"][j]), bool(hard[j]),
                      float(cols["offer"][j]), bool(blocker[j]), float(cols["gap"][j]))
            for j, p in enumerate(parties)
        )
        z = np.flatnonzero(zon.mask(round=t, issue=issue.id))
        if len(z) != 1:
            raise RunDirError(f"zones_at_means.csv: no single row for round {t}, issue {issue.id}")
        k = int(z[0])
        open_ = bool(zon.yes("open")[k])
        lo, hi = float(zon.num("lo")[k]), float(zon.num("hi")[k])
        sr = int(zon.ints("settled_round")[k])
        value = float(zon.num("value")[k])
        nash = float(zon.num("nash")[k])
        settled = sr > 0 and math.isfinite(value)
        panels.append(LadderPanel(
            issue.id, t, bars, open_, (lo, hi) if open_ else None,
            sr if settled else None, value if settled else None,
            nash if open_ and not settled and math.isfinite(nash) else None,
        ))
    return panels


def _ladder_status(run: RunData, issue: IssueMeta, p: LadderPanel) -> str:
    """One line on the panel: the settlement, else the zone, else who blocks it."""
    if p.value is not None:
        return f"settled in round {p.settled_round}: {issue.describe(p.value)}"
    if p.zone is not None:
        return "zone: " + describe_zone(issue, *p.zone)
    blockers = [run.party(b.party).name for b in p.bars if b.blocker]
    return "closed" + (f"; blocked by {', '.join(blockers)}" if blockers else "")


def _shade_zone(ax: Axes, issue: IssueMeta, zone: tuple[float, float], line_width: float
                ) -> None:
    """The zone as a shaded band, or as a thick line when it is a single point."""
    lo, hi = zone
    if hi - lo > 1e-9 * issue.width:
        ax.axvspan(lo, hi, color=ZONE_COLOUR, alpha=0.22, lw=0, gid=f"zone:{issue.id}")
    else:
        ax.axvline(lo, color=ZONE_COLOUR, alpha=0.6, lw=line_width, gid=f"zone:{issue.id}")


def _draw_ladder_content(ax: Axes, run: RunData, issue: IssueMeta, p: LadderPanel) -> None:
    """The data of one issue at one round: sets, ideals, red lines, offers, zone, outcome."""
    n = len(p.bars)
    ys = np.arange(n)[::-1].astype(float)  # first party on top
    if p.zone is not None:
        _shade_zone(ax, issue, p.zone, line_width=5)
    for y, b in zip(ys, p.bars, strict=True):
        c = run.party(b.party).colour
        ax.barh(y, b.hi - b.lo, left=b.lo, height=0.46, color=c, alpha=0.3, edgecolor=c,
                lw=1.0, hatch="////" if b.blocker else None, gid=f"bar:{issue.id}:{b.party}")
        ax.plot([b.red_line, b.red_line], [y - 0.34, y + 0.34], color=c, lw=2.6,
                ls="-" if b.hard else SOFT_DASH, solid_capstyle="butt",
                gid=f"red_line:{issue.id}:{b.party}")
        ax.plot([b.ideal], [y], marker="o", ms=7, color=c, mec="white", mew=0.8, ls="none",
                gid=f"ideal:{issue.id}:{b.party}")
        ax.plot([b.offer], [y + 0.36], marker="v", ms=5.5, color=c, ls="none",
                gid=f"offer:{issue.id}:{b.party}")
    if p.value is not None:
        ax.axvline(p.value, color=SETTLED_COLOUR, lw=2, gid=f"settled:{issue.id}")
    if p.nash is not None:
        ax.axvline(p.nash, color=SETTLED_COLOUR, lw=1.3, ls=(0, (1, 1.5)), gid=f"nash:{issue.id}")


def _bold_blockers(ax: Axes, p: LadderPanel, all_bold: bool = False) -> None:
    for tick, b in zip(ax.get_yticklabels(), p.bars, strict=True):
        tick.set_fontweight("bold" if b.blocker or all_bold else "normal")


def _draw_ladder_panel(ax: Axes, run: RunData, issue: IssueMeta, p: LadderPanel,
                       show_names: bool, level_wrap: int, all_bold: bool = False) -> None:
    """One issue at one round, with its axes. ``all_bold`` sets every name in bold (to lay out
    a figure whose blockers change from frame to frame)."""
    _draw_ladder_content(ax, run, issue, p)
    n = len(p.bars)
    ax.set_ylim(-0.65, n - 0.35)
    ax.set_yticks(np.arange(n)[::-1].astype(float))
    if show_names:
        ax.set_yticklabels([wrap(run.party(b.party).name, 22) for b in p.bars], fontsize=8.5)
        _bold_blockers(ax, p, all_bold)
    else:
        ax.tick_params(axis="y", labelleft=False)
    ax.set_xlim(*_scale_limits(issue))
    if issue.ordinal:
        _level_ticks(ax, issue, level_wrap)
    else:
        ax.set_xlabel(issue.unit_label, fontsize=8.5)
        ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)


def _ladder_legend(fig: Figure | SubFigure) -> None:
    grey = "#555555"
    handles = [
        Patch(facecolor=grey, alpha=0.3, edgecolor=grey, label="acceptable set"),
        Line2D([], [], marker="o", color=grey, ls="none", ms=7, label="ideal"),
        Line2D([], [], color=grey, lw=2.6, label="hard red line"),
        Line2D([], [], color=grey, lw=2.6, ls=SOFT_DASH, label="soft red line"),
        Line2D([], [], marker="v", color=grey, ls="none", ms=5.5, label="offer"),
        Patch(facecolor="white", edgecolor=grey, hatch="////",
              label="blocker (name in bold)"),
        Patch(facecolor=ZONE_COLOUR, alpha=0.22, label="zone (overlap)"),
        Line2D([], [], color=SETTLED_COLOUR, lw=2, label="settlement"),
        Line2D([], [], color=SETTLED_COLOUR, lw=1.3, ls=(0, (1, 1.5)), label="Nash point"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=5, fontsize=8.5,
               frameon=False)


def _ladder_size(run: RunData, ncols: int) -> tuple[float, float, list[float]]:
    """Figure width and height (inches) and each issue row's height."""
    heights = []
    for issue in run.issues:
        n = int(run.positions.mask(round=1, issue=issue.id).sum())
        extra = 1.3 if issue.ordinal else 1.15
        heights.append(0.32 * max(n, 1) + extra + (0.2 if ncols > 1 else 0))
    return 3.6 + 5.0 * ncols, sum(heights) + 1.5, heights


@dataclass
class _Ladder:
    """A drawn ladder: its axes and status lines (issue x round), for redrawing frames."""

    axes: list[list[Axes]]
    status: list[list[Any]]
    title: Any
    rounds: list[int]


def _ladder_title(run: RunData, rounds: Sequence[int], width: float) -> str:
    when = (run.round_label(rounds[0]) if len(rounds) == 1
            else "rounds " + ", ".join(map(str, rounds)))
    return wrap(f"{run.title}\nZone ladder of the scenario at its means, {when}",
                title_width(width))


def _ladder_status_line(run: RunData, issue: IssueMeta, p: LadderPanel, ncols: int) -> str:
    status = _ladder_status(run, issue, p)
    if ncols == 1:
        return one_line(status, 88)
    return run.round_label(p.round) + "\n" + one_line(status, 60)


def _draw_ladder(fig: Figure, run: RunData, rounds: Sequence[int],
                 all_bold: bool = False) -> _Ladder:
    """One grid of axes, issues down and rounds across, so every column lines up. Each row's
    first axes carries the issue's label as its title, padded to leave room for the status
    lines (round, zone or outcome) written just above every axes."""
    ncols = len(rounds)
    width, _, heights = _ladder_size(run, ncols)
    data = {t: zone_ladder_data(run, t) for t in rounds}
    n_status = 1 if ncols == 1 else 2
    gs = fig.add_gridspec(len(run.issues), ncols,
                          height_ratios=[max(len(data[rounds[0]][k].bars), 1) + 0.4
                                         for k in range(len(run.issues))])
    panel_w = (width - 1.8) / ncols
    grid: list[list[Axes]] = []
    status: list[list[Any]] = []
    for row, issue in enumerate(run.issues):
        label = issue.label + ("" if issue.core else " (not core: a deal does not need it)")
        level_wrap = max(8, int(12.5 * panel_w / len(issue.levels or [1])))
        axes: list[Axes] = []
        texts: list[Any] = []
        for col, t in enumerate(rounds):
            ax = fig.add_subplot(gs[row, col], sharey=axes[0] if axes else None)
            p = data[t][row]
            _draw_ladder_panel(ax, run, issue, p, col == 0, level_wrap, all_bold)
            ax.set_title(one_line(label, title_width(width, 10)) if col == 0 else "",
                         loc="left", fontsize=10, fontweight="bold", pad=6 + 10.5 * n_status)
            texts.append(ax.annotate(_ladder_status_line(run, issue, p, ncols), (0, 1),
                                     xycoords="axes fraction", xytext=(0, 3),
                                     textcoords="offset points", va="bottom", ha="left",
                                     fontsize=8.5, color="#333333"))
            axes.append(ax)
        grid.append(axes)
        status.append(texts)
    title = fig.suptitle(_ladder_title(run, rounds, width), fontsize=11.5)
    _ladder_legend(fig)
    return _Ladder(grid, status, title, list(rounds))


def zone_ladder(run: RunData, round: int | Sequence[int] | None = None, *,
                fig: Figure | None = None) -> Figure:
    """Each issue's stakeholders' acceptable sets on the issue's scale, at one round or, given
    several rounds, as small multiples side by side (default: the last round).

    Bars are acceptable sets (hatched, name in bold: a blocker); dots ideals; solid ticks hard
    red lines, dashed ticks soft ones; triangles offers; the shaded band the zone; a black line
    the settlement; a dotted line the Nash point of an open, unsettled zone."""
    rounds = [run.T] if round is None else [round] if isinstance(round, int) else list(round)
    if not rounds:
        raise ValueError("zone_ladder needs at least one round")
    for t in rounds:
        if not 1 <= t <= run.T:
            raise ValueError(f"round {t} is outside 1..{run.T}")
    w, h, _ = _ladder_size(run, len(rounds))
    fig = fig or new_figure(w, h)
    _draw_ladder(fig, run, rounds)
    return fig


# ---------------------------------------------------------------------------------------------
# Zone weather
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeatherData:
    """Per issue (rows, file order) and round (columns): P(zone open), P(settled by t);
    per round: P(deal by t). Straight from ``rounds.csv``."""

    issues: tuple[str, ...]
    rounds: I64
    p_open: F64  # (I, T)
    p_settled: F64  # (I, T)
    p_deal: F64  # (T,)


def zone_weather_data(run: RunData) -> WeatherData:
    """Pivot ``rounds.csv`` into issue x round arrays."""
    r = run.rounds
    t = r.ints("round")
    issues = tuple(i.id for i in run.issues)
    p_open = np.full((len(issues), run.T), math.nan)
    p_settled = np.full((len(issues), run.T), math.nan)
    p_deal = np.full(run.T, math.nan)
    ids = r.text("issue")
    po, ps, pd = r.num("p_open"), r.num("p_settled"), r.num("p_deal")
    index = {i: k for k, i in enumerate(issues)}
    for j in range(len(r)):
        k, c = index[ids[j]], t[j] - 1
        p_open[k, c], p_settled[k, c], p_deal[c] = po[j], ps[j], pd[j]
    return WeatherData(issues, np.arange(1, run.T + 1, dtype=np.int64), p_open, p_settled,
                       p_deal)


def zone_weather(run: RunData, *, fig: Figure | None = None) -> Figure:
    """Heatmaps over issues and rounds of P(zone open) and P(settled by round), with a strip
    of P(deal by round) under them: where and when agreement is possible, and when it lands."""
    d = zone_weather_data(run)
    n_i = len(d.issues)
    width = max(9.0, 4.5 + 0.22 * run.T)
    fig = fig or new_figure(width, 2.3 + 0.42 * (2 * n_i + 1.3))
    axes = fig.subplots(3, 1, sharex=True, height_ratios=[n_i, n_i, 1.3])
    edges_x = np.arange(run.T + 1) + 0.5
    names = [wrap(run.issue(i).label, 34, 2) for i in d.issues]
    mesh = None
    for ax, arr, what in ((axes[0], d.p_open, "P(zone open)"),
                          (axes[1], d.p_settled, "P(settled by round)")):
        mesh = ax.pcolormesh(edges_x, np.arange(n_i + 1), arr, cmap=HEATMAP, vmin=0, vmax=1,
                             edgecolors="white", linewidth=0.4, gid=f"weather:{what}")
        ax.set_yticks(np.arange(n_i) + 0.5)
        ax.set_yticklabels(names, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(what, loc="left", fontsize=10)
    axes[2].pcolormesh(edges_x, [0, 1], d.p_deal[None, :], cmap=HEATMAP, vmin=0, vmax=1,
                       gid="weather:P(deal by round)")
    axes[2].set_yticks([0.5])
    axes[2].set_yticklabels(["P(deal by round)"], fontsize=8.5, fontweight="bold")
    for t in range(run.T):
        axes[2].text(t + 1, 0.5, f"{d.p_deal[t]:.0%}", ha="center", va="center", fontsize=6.5,
                     color="white" if d.p_deal[t] < 0.55 else "black")
    _round_ticks(axes[2], run, list(range(1, run.T + 1)))
    assert mesh is not None
    cb = fig.colorbar(mesh, ax=list(axes), shrink=0.6, pad=0.01)
    cb.set_label("probability over runs")
    fig.suptitle(wrap(f"{run.title}\nZone weather over {run.n:,} runs: where a zone is open, "
                      "and what has settled, round by round", title_width(width)), fontsize=11.5)
    return fig


# ---------------------------------------------------------------------------------------------
# Deal curve
# ---------------------------------------------------------------------------------------------


def wilson(p: F64 | float, n: int, z: float = 1.959963984540054) -> tuple[F64, F64]:
    """The Wilson score interval of a proportion ``p`` observed in ``n`` runs (95% by default).

    Unlike p +- z sqrt(p(1-p)/n) it stays inside [0, 1] and does not collapse at 0 or 1."""
    p_arr = np.asarray(p, dtype=np.float64)
    if n <= 0:
        return np.zeros_like(p_arr), np.ones_like(p_arr)
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p_arr + z2 / (2 * n)) / denom
    half = z / denom * np.sqrt(np.clip(p_arr * (1 - p_arr), 0, None) / n + z2 / (4 * n * n))
    # The interval always holds p; the min/max only undo rounding at p = 0 or 1.
    lo = np.minimum(np.clip(centre - half, 0, 1), p_arr)
    hi = np.maximum(np.clip(centre + half, 0, 1), p_arr)
    return lo, hi


@dataclass(frozen=True)
class DealCurve:
    """P(deal by round) of one run directory with its 95% Wilson band."""

    label: str
    rounds: I64
    p: F64
    lo: F64
    hi: F64
    n: int


def deal_curve_data(run: RunData, label: str | None = None) -> DealCurve:
    """``p_deal`` of ``rounds.csv`` per round, with a Wilson band over ``n`` runs."""
    d = zone_weather_data(run)
    lo, hi = wilson(d.p_deal, run.n)
    return DealCurve(label or run.title, d.rounds, d.p_deal, lo, hi, run.n)


def deal_curve(runs: RunData | Sequence[RunData], labels: Sequence[str] | None = None, *,
               ax: Axes | None = None) -> Figure:
    """P(deal by round), one line per run directory, each with its 95% confidence band."""
    items = [runs] if isinstance(runs, RunData) else list(runs)
    if labels is not None and len(labels) != len(items):
        raise ValueError("one label per run directory")
    curves = [deal_curve_data(r, labels[k] if labels else None) for k, r in enumerate(items)]
    own = ax is None
    if ax is None:
        fig = new_figure(9, 5.2)
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure(root=True)  # type: ignore[assignment]
    for k, c in enumerate(curves):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        if len(c.rounds) > 1:
            ax.fill_between(c.rounds, c.lo, c.hi, color=colour, alpha=0.18, lw=0,
                            gid=f"deal_band:{k}")
        else:  # one round: the band has no width, so draw it as an interval
            ax.vlines(c.rounds, c.lo, c.hi, color=colour, alpha=0.5, lw=6,
                      gid=f"deal_band:{k}")
        lo, hi = float(c.lo[-1]), float(c.hi[-1])
        label = c.label if len(curves) > 1 else "P(deal by round)"
        ax.plot(c.rounds, c.p, color=colour, lw=2, marker="o", ms=3,
                label=wrap(f"{label} ({c.n:,} runs): {c.p[-1]:.1%} [{lo:.1%}, {hi:.1%}] by "
                           f"round {int(c.rounds[-1])}", 80), gid=f"deal_curve:{k}")
    top = max(0.05, min(1.0, max(float(np.nanmax(c.hi)) for c in curves) * 1.1))
    ax.set_ylim(0, top)
    ax.yaxis.set_major_formatter(_percent_formatter(top))
    ax.set_ylabel("P(deal by round)")
    ax.grid(color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    _round_ticks(ax, items[0], list(range(1, items[0].T + 1)))
    ax.set_xlim(0.5, max(r.T for r in items) + 0.5)
    ax.legend(loc="upper left", fontsize=8.5, frameon=False)
    ax.set_title("P(deal by round), with 95% Wilson bands", loc="left", fontsize=10)
    if len(items) == 1 and isinstance(fig, Figure) and own:
        fig.suptitle(wrap(items[0].title, title_width(fig.get_figwidth())), fontsize=11.5)
    assert isinstance(fig, Figure)
    return fig


# ---------------------------------------------------------------------------------------------
# Settlement distributions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettlementPanel:
    """One issue: the settled values over runs as a histogram (share of all runs per bin), and
    the analytic references at the means at the last round."""

    issue: str
    values: F64  # settled runs' values
    p_settled: float
    edges: F64  # bin edges (ordinal: level +- 0.5)
    share: F64  # per bin: settled runs in the bin / all runs
    zone: tuple[float, float] | None  # at the means, round T
    nash: float | None
    at_means: float | None  # the settlement at the means, if any
    red_lines: tuple[tuple[str, float, bool], ...]  # (party, red line at T, hard)


def settlement_data(run: RunData, bins: int = 40) -> list[SettlementPanel]:
    """Histograms from ``runs.csv``; zone, Nash point and red lines at round T from the
    at-the-means tables."""
    out = []
    n = max(run.n, 1)
    last = zone_ladder_data(run, run.T)
    for b, issue in enumerate(run.issues):
        v = run.runs.value[:, b]
        v = v[np.isfinite(v)]
        if issue.levels is not None:
            edges = np.arange(len(issue.levels) + 1, dtype=np.float64) - 0.5
        else:
            edges = np.linspace(issue.lo, issue.hi, bins + 1)
        counts, _ = np.histogram(np.clip(v, edges[0], edges[-1]), bins=edges)
        ladder = last[b]
        z = np.flatnonzero(run.zones.mask(round=run.T, issue=issue.id))[0]
        nash = float(run.zones.num("nash")[z])
        out.append(SettlementPanel(
            issue.id, v, len(v) / n, edges, counts / n, ladder.zone,
            nash if ladder.zone is not None and math.isfinite(nash) else None,
            ladder.value,
            tuple((bar.party, bar.red_line, bar.hard) for bar in ladder.bars),
        ))
    return out


def settlement_distributions(run: RunData, *, fig: Figure | None = None) -> Figure:
    """Per issue, how often each settlement value occurs over the runs, against the zone at the
    means at the deadline, its Nash point and every party's red line there."""
    data = settlement_data(run)
    ncols = 2 if len(data) > 1 else 1
    nrows = math.ceil(len(data) / ncols)
    width = 6.2 * ncols if ncols > 1 else 8.0
    fig = fig or new_figure(width, 2.9 * nrows + 1.9)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for k, p in enumerate(data):
        ax = axes[k // ncols, k % ncols]
        issue = run.issue(p.issue)
        if p.zone is not None:
            _shade_zone(ax, issue, p.zone, line_width=4)
        widths = np.diff(p.edges) * (0.5 if issue.ordinal else 1.0)
        centres = (p.edges[:-1] + p.edges[1:]) / 2
        ax.bar(centres, p.share, width=widths, color="#666666", alpha=0.85,
               gid=f"hist:{issue.id}")
        n_r = len(p.red_lines)
        band = 0.075  # each party's marker row at the top, so equal red lines stay visible
        highest = max(float(p.share.max()) if len(p.share) else 0.0, 0.0)
        if highest == 0:
            ax.text(0.5, 0.4, "no run settled this issue", transform=ax.transAxes,
                    ha="center", fontsize=9, color="#555555")
        highest = min(1.0, max(highest * 1.12, 0.1))
        top = highest / (1 - band * n_r)
        for j, (party, r, hard) in enumerate(p.red_lines):
            c = run.party(party).colour
            ax.axvline(r, color=c, lw=1.6, ls="-" if hard else SOFT_DASH, zorder=3,
                       gid=f"red_line:{issue.id}:{party}")
            ax.plot([r], [1 - band * (j + 0.5)], marker="v", ms=7, mew=1.5, color=c,
                    mfc=c if hard else "white", transform=ax.get_xaxis_transform(), zorder=4,
                    clip_on=False, ls="none")
        if p.nash is not None:
            ax.axvline(p.nash, color=SETTLED_COLOUR, lw=1.3, ls=(0, (1, 1.5)),
                       gid=f"nash:{issue.id}")
        ax.set_ylim(0, top)
        ax.set_yticks([v for v in ax.get_yticks() if 0 <= v <= highest + 1e-9])
        ax.yaxis.set_major_formatter(_percent_formatter(highest))
        ax.set_ylabel("share of runs", fontsize=8.5)
        ax.set_xlim(*_scale_limits(issue))
        if issue.ordinal:
            _level_ticks(ax, issue, 18 if ncols == 2 else 24, 7.5)
        else:
            ax.set_xlabel(issue.unit_label, fontsize=8.5)
        ax.tick_params(labelsize=8)
        med = float(np.median(p.values)) if len(p.values) else math.nan
        sub = f"P(settled) {p.p_settled:.1%}" + (
            f"; median {issue.describe(med)}" if math.isfinite(med) else "")
        ax.set_title(wrap(issue.label, 58, 2) + "\n" + wrap(sub, 66, 1), loc="left",
                     fontsize=9)
    for k in range(len(data), nrows * ncols):
        axes[k // ncols, k % ncols].set_visible(False)
    handles: list[Any] = [
        Patch(facecolor="#666666", label="settled runs"),
        Patch(facecolor=ZONE_COLOUR, alpha=0.22, label=f"zone at the means, round {run.T}"),
        Line2D([], [], color=SETTLED_COLOUR, lw=1.3, ls=(0, (1, 1.5)), label="Nash point"),
        Line2D([], [], color="#555555", lw=1.6, marker="v", ms=7, label="hard red line"),
        Line2D([], [], color="#555555", lw=1.6, ls=SOFT_DASH, marker="v", ms=7, mfc="white",
               mew=1.5, label="soft red line"),
    ]
    handles += [Line2D([], [], color=p.colour, lw=3, label=wrap(p.name, 30))
                for p in run.parties]
    fig.legend(handles=handles, loc="outside lower center",
               ncols=min(5 if ncols > 1 else 4, len(handles)), fontsize=8.5, frameon=False)
    fig.suptitle(wrap(f"{run.title}\nSettlements over {run.n:,} runs; zone, Nash point and red "
                      f"lines of the scenario at its means, {run.round_label(run.T)}",
                      title_width(width)), fontsize=11.5)
    return fig


# ---------------------------------------------------------------------------------------------
# Blockers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockerData:
    """Per issue (rows) and party (columns): the mean over rounds of P(blocker), that is the
    share of (run, round) pairs in which the party blocks the issue; NaN where it holds no
    stake."""

    issues: tuple[str, ...]
    parties: tuple[str, ...]
    share: F64  # (I, P)


def blocker_data(run: RunData) -> BlockerData:
    """Average ``p_blocker`` of ``blockers.csv`` over the rounds."""
    t = run.blockers
    issues = tuple(i.id for i in run.issues)
    parties = tuple(p.id for p in run.parties)
    total = np.zeros((len(issues), len(parties)))
    count = np.zeros((len(issues), len(parties)))
    ii, pp, pb = t.text("issue"), t.text("party"), t.num("p_blocker")
    iindex = {i: k for k, i in enumerate(issues)}
    pindex = {p: k for k, p in enumerate(parties)}
    for j in range(len(t)):
        a, b = iindex[ii[j]], pindex[pp[j]]
        total[a, b] += pb[j]
        count[a, b] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(count > 0, total / np.maximum(count, 1), math.nan)
    return BlockerData(issues, parties, share)


def blocker_chart(run: RunData, *, ax: Axes | None = None) -> Figure:
    """A heatmap of how often each party blocks each issue (share of run-rounds), annotated."""
    d = blocker_data(run)
    n_i, n_p = d.share.shape
    if ax is None:
        fig = new_figure(max(7.5, 4.2 + 1.55 * n_p), 1.9 + 0.5 * n_i)
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure(root=True)  # type: ignore[assignment]
    masked = np.ma.masked_invalid(d.share)
    mesh = ax.pcolormesh(np.arange(n_p + 1), np.arange(n_i + 1), masked, cmap=HEATMAP,
                         vmin=0, vmax=1, gid="blockers")
    ax.set_facecolor("#eeeeee")
    for a in range(n_i):
        for b in range(n_p):
            v = d.share[a, b]
            text = "no stake" if not math.isfinite(v) else f"{v:.0%}"
            colour = "#777777" if not math.isfinite(v) else ("white" if v < 0.55 else "black")
            ax.text(b + 0.5, a + 0.5, text, ha="center", va="center", fontsize=8.5, color=colour)
    ax.set_xticks(np.arange(n_p) + 0.5)
    ax.set_xticklabels([wrap(run.party(p).name, 16) for p in d.parties], fontsize=8.5)
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(n_i) + 0.5)
    ax.set_yticklabels([wrap(run.issue(i).label, 40, 2) for i in d.issues], fontsize=8.5)
    ax.invert_yaxis()
    ax.tick_params(length=0)
    assert isinstance(fig, Figure)
    cb = fig.colorbar(mesh, ax=ax, shrink=0.8, pad=0.02)
    cb.set_label("share of (run, round) pairs in which it blocks")
    cb.ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    fig.suptitle(wrap(f"{run.title}\nWho blocks what: the share of runs and rounds in which "
                      "each party's set misses the points most parties accept",
                      title_width(fig.get_figwidth(), 11)), fontsize=11)
    return fig


# ---------------------------------------------------------------------------------------------
# Strain
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StrainFan:
    """One party's strain quantiles per round (from ``strain.csv``)."""

    party: str
    rounds: I64
    q05: F64
    q25: F64
    q50: F64
    q75: F64
    q95: F64


def strain_data(run: RunData) -> list[StrainFan]:
    """Each party's strain quantiles by round."""
    t = run.strain
    out = []
    for p in run.parties:
        m = t.mask(party=p.id)
        order = np.argsort(t.ints("round")[m], kind="stable")
        q = {c: t.num(f"strain_{c}")[m][order] for c in ("q05", "q25", "q50", "q75", "q95")}
        out.append(StrainFan(p.id, t.ints("round")[m][order], q["q05"], q["q25"], q["q50"],
                             q["q75"], q["q95"]))
    return out


def strain_fans(run: RunData, *, fig: Figure | None = None) -> Figure:
    """Each party's strain over the rounds as a fan: 5-95% and 25-75% of runs, and the median.

    Panels share the y axis, so parties' strains compare at a glance."""
    fans = strain_data(run)
    ncols = 2 if len(fans) > 1 else 1
    nrows = math.ceil(len(fans) / ncols)
    width = 5.6 * ncols
    fig = fig or new_figure(width, 2.6 * nrows + 1.3)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
    for k, f in enumerate(fans):
        ax = axes[k // ncols, k % ncols]
        c = run.party(f.party).colour
        ax.fill_between(f.rounds, f.q05, f.q95, color=c, alpha=0.18, lw=0,
                        gid=f"strain_90:{f.party}")
        ax.fill_between(f.rounds, f.q25, f.q75, color=c, alpha=0.38, lw=0,
                        gid=f"strain_50:{f.party}")
        ax.plot(f.rounds, f.q50, color=c, lw=2, gid=f"strain_median:{f.party}")
        if len(f.q95) and np.nanmax(f.q95) == 0:
            ax.text(0.5, 0.55, "no strain in any run", transform=ax.transAxes, ha="center",
                    fontsize=9, color="#555555")
        ax.set_title(wrap(run.party(f.party).name, 50), loc="left", fontsize=10)
        ax.grid(color="#dddddd", lw=0.6)
        ax.set_axisbelow(True)
        if k % ncols == 0:
            ax.set_ylabel("strain (model units)", fontsize=8.5)
        if k // ncols == nrows - 1 or k + ncols >= len(fans):
            _round_ticks(ax, run, list(range(1, run.T + 1)))
            ax.xaxis.set_tick_params(labelbottom=True)
    for k in range(len(fans), nrows * ncols):
        axes[k // ncols, k % ncols].set_visible(False)
    grey = "#555555"
    fig.legend(handles=[Patch(facecolor=grey, alpha=0.18, label="5-95% of runs"),
                        Patch(facecolor=grey, alpha=0.38, label="25-75% of runs"),
                        Line2D([], [], color=grey, lw=2, label="median")],
               loc="outside lower center", ncols=3, fontsize=8.5, frameon=False)
    fig.suptitle(wrap(f"{run.title}\nStrain by round over {run.n:,} runs",
                      title_width(width)), fontsize=11.5)
    return fig


# ---------------------------------------------------------------------------------------------
# Animation
# ---------------------------------------------------------------------------------------------


def zone_animation(run: RunData, path: str | Path, *, rounds: Sequence[int] | None = None,
                   fps: int = 1, dpi: float = 72) -> Path:
    """The zone ladder round by round as an animated GIF at ``path`` (written atomically).

    The layout is computed once (with every name in bold, the widest case) and then frozen,
    so the panels stay put from frame to frame and each frame only redraws the panels."""
    from matplotlib.animation import PillowWriter

    frames = list(rounds) if rounds is not None else list(range(1, run.T + 1))
    if not frames:
        raise ValueError("no rounds to animate")
    for t in frames:
        if not 1 <= t <= run.T:
            raise ValueError(f"round {t} is outside 1..{run.T}")
    w, h, _ = _ladder_size(run, 1)
    fig = new_figure(w, h)
    fig.set_dpi(dpi)
    ladder = _draw_ladder(fig, run, [frames[0]], all_bold=True)
    fig.draw_without_rendering()  # lay out once, then keep every position
    fig.set_layout_engine("none")

    def draw(t: int) -> None:
        panels = zone_ladder_data(run, t)
        for row, issue in enumerate(run.issues):
            ax, p = ladder.axes[row][0], panels[row]
            for artist in [*ax.patches, *ax.lines, *ax.collections]:
                artist.remove()
            ax.containers.clear()
            _draw_ladder_content(ax, run, issue, p)
            _bold_blockers(ax, p)
            ladder.status[row][0].set_text(_ladder_status_line(run, issue, p, 1))
        ladder.title.set_text(_ladder_title(run, [t], w))

    out = Path(path)
    with atomic_path(out, suffix=".gif") as tmp:
        writer = PillowWriter(fps=fps)
        with writer.saving(fig, str(tmp), dpi):
            for t in frames:
                draw(t)
                writer.grab_frame()
    return out


# ---------------------------------------------------------------------------------------------
# By name
# ---------------------------------------------------------------------------------------------


def render(run: RunData, kind: str, rounds: Sequence[int] | None = None) -> Figure:
    """The figure of ``kind`` (one of :data:`KINDS`); ``rounds`` only matter for the ladder."""
    makers: dict[str, Callable[[RunData], Figure]] = {
        "ladder": lambda r: zone_ladder(r, list(rounds) if rounds else None),
        "weather": zone_weather,
        "deal": deal_curve,
        "settlements": settlement_distributions,
        "blockers": blocker_chart,
        "strain": strain_fans,
    }
    if kind not in makers:
        raise ValueError(f"unknown kind '{kind}' (one of {', '.join(ALL_KINDS)})")
    return makers[kind](run)
