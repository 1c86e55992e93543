"""Global sensitivity: which uncertain inputs move P(deal) and each issue's P(settled)?

A scenario's uncertain inputs are its fields that are distributions (an elasticity that no
source gives, a pressure's size, a start round that is a choice). A what-if changes one of
them at a time; a global sensitivity analysis moves all of them across their ranges at once
and ranks them by how much the outcome moves, including through interactions. negsim uses
SALib, the standard implementation of the two usual methods:

- **Morris screening** (elementary effects; Morris 1991, with Campolongo et al.'s mu*): r
  trajectories through a grid of ``levels`` values per input, each changing one input at a
  time, so r x (k + 1) scenarios for k inputs. mu* (the mean absolute effect of moving an
  input across about two thirds of its range) ranks importance; sigma (their spread) flags
  interactions and non-linearity. Cheap: the default.
- **Sobol indices** (Saltelli's sampling, ``calc_second_order=False``): N x (k + 2)
  scenarios. S1 is the share of the outcome's variance due to an input alone, ST including
  all its interactions; both with bootstrap 95% intervals.

**Each sample point is a scenario.** The sampled inputs are *fixed* at the sampled values
(the distribution replaced by that number, as ``--set PATH=value`` would), and the scenario
is played by :func:`~sim.montecarlo.simulate` with its remaining randomness (which events
happen, any field that is not an input) drawn as usual. Every point uses the same seed, so
run k of every point draws the same remaining numbers (common random numbers): differences
between points come from the inputs, not from Monte Carlo noise between independent samples.
The outputs are P(deal by the deadline) and each issue's P(settled by the deadline), over
``runs`` runs a point.

**Ranges.** An input's range is its distribution's support (a choice: its smallest to its
largest value), or for a normal its mean +- 3 sd; both clipped into the field's domain (a
position within its issue's scale, a probability within [0, 1], ...). Round numbers are
rounded to whole rounds.

SALib is an optional extra (``pip install 'negsim[sensitivity]'``), imported only here.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from .distributions import Fixed, Normal, is_random
from .loading import Loaded, load_scenario
from .montecarlo import simulate
from .random_ import normalise_seed
from .scenario import Scenario
from .sources import parameter_sources
from .tipping import PARAM_TYPES, describe_param, field_domain, resolve_field

if TYPE_CHECKING:
    from matplotlib.figure import Figure

F64 = NDArray[np.float64]

METHODS = ("morris", "sobol")
#: Default samples: Morris trajectories, Sobol base samples (a power of 2).
DEFAULT_SAMPLES = {"morris": 4, "sobol": 64}
DEFAULT_RUNS = 200
MORRIS_LEVELS = 4
RESAMPLES = 1000  # bootstrap resamples of the confidence intervals

SALIB_MISSING = "negsim sensitivity needs SALib: pip install 'negsim[sensitivity]'"
TABLE_FILE = "sensitivity.csv"
POINTS_FILE = "points.csv"
CHART_FILE = "tornado.png"


class SALibMissing(ImportError):
    """SALib is not installed; the message says how to install it."""


def import_salib() -> tuple[Any, Any, Any, Any]:
    """SALib's Morris and Sobol samplers and analysers, or :class:`SALibMissing`."""
    # By name: SALib ships no type information, and a missing SALib is an ordinary outcome.
    names = ("SALib.sample.morris", "SALib.analyze.morris", "SALib.sample.sobol",
             "SALib.analyze.sobol")
    try:
        a, b, c, d = (importlib.import_module(n) for n in names)
    except ImportError:
        raise SALibMissing(SALIB_MISSING) from None
    return a, b, c, d


class SensitivityError(ValueError):
    """Invalid input (a method, a sample count): one line for the user."""


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """One uncertain input: the field, its distribution and the range it is sampled over."""

    path: str
    label: str
    current: str  # the distribution, as written: triangular(2, 4.5, 8)
    low: float
    high: float
    integer: bool

    def range_text(self) -> str:
        return f"{self.low:g} .. {self.high:g}"


def short_label(s: Scenario, path: str) -> str:
    """A field path said briefly for a chart: ``ukraine donetsk elasticity``,
    ``tariff_bill_india magnitude``, ``offensive_gains shift (ukraine donetsk)``,
    ``leverage india->russia``."""
    p = path.split(".")
    if p[0] == "parties" and len(p) >= 5 and p[2] == "stakes":
        return f"{p[1]} {p[3]} {' '.join(p[4:])}"
    if p[0] == "parties" and len(p) >= 3:
        return " ".join(p[1:])
    if p[0] == "pressures" and len(p) == 5 and p[2] == "effects" and p[3].isdigit():
        pr = s.pressures.get(p[1])
        k = int(p[3])
        if pr is not None and k < len(pr.effects):
            eff = pr.effects[k]
            return f"{p[1]} {p[4]} ({eff.party} {eff.issue})"
        return f"{p[1]} effect {k + 1} {p[4]}"
    if p[0] == "pressures" and len(p) >= 3:
        return " ".join(p[1:])
    if p[0] == "leverage" and len(p) == 3:
        return f"leverage {p[1]}->{p[2]}"
    return path


def uncertain_inputs(s: Scenario) -> list[Input]:
    """Every field of the scenario that is a distribution, in file order, with its range."""
    out: list[Input] = []
    for row in parameter_sources(s):
        path = ".".join(str(seg) for seg in row.path)  # as --set writes it: effects.0.shift
        ref = resolve_field(s, path)
        v = ref.value
        if not isinstance(v, PARAM_TYPES) or not is_random(v):
            continue
        d_lo, d_hi = field_domain(s, ref.path)
        if isinstance(v, Normal):
            low, high = v.mean_ - 3 * v.sd, v.mean_ + 3 * v.sd
        else:
            low, high = v.support()
        low, high = max(low, d_lo), min(high, d_hi)
        if ref.integer:
            low, high = float(math.ceil(low)), float(math.floor(high))
        if not low < high:
            continue  # nothing to vary once clipped
        out.append(Input(path, short_label(s, path), describe_param(v), low, high, ref.integer))
    return out


def with_fixed(s: Scenario, values: dict[str, float], inputs: Sequence[Input]) -> Scenario:
    """The scenario with each input fixed at its value (a copy; the distribution replaced by
    the number, as ``--set PATH=value`` does, without reparsing the file)."""
    by_path = {i.path: i for i in inputs}
    out: Any = s
    for path, x in values.items():
        v = float(round(x)) if by_path[path].integer else float(x)
        out = _set(out, resolve_field(s, path).path, Fixed(value=v))
    assert isinstance(out, Scenario)
    return out


def _set(node: Any, path: tuple[str | int, ...], value: Any) -> Any:
    if not path:
        return value
    seg, rest = path[0], path[1:]
    if isinstance(node, BaseModel):
        return node.model_copy(update={str(seg): _set(getattr(node, str(seg)), rest, value)})
    if isinstance(node, dict):
        key = next(k for k in node if str(k) == str(seg))
        return {**node, key: _set(node[key], rest, value)}
    if isinstance(node, list):
        assert isinstance(seg, int)
        new = list(node)
        new[seg] = _set(node[seg], rest, value)
        return new
    raise TypeError(f"cannot set {seg!r} in {type(node).__name__}")


# ---------------------------------------------------------------------------------------------
# The analysis
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sensitivity:
    """The result: inputs, outputs, the sample, and the indices of each output."""

    method: str
    title: str
    deadline: str  # "round 29 (2026-12-25)"
    inputs: tuple[Input, ...]
    outputs: tuple[str, ...]  # "deal", then each issue id
    runs: int
    samples: int  # trajectories (Morris) or base samples (Sobol)
    seed: int
    X: F64  # (points, inputs): the sampled values
    Y: F64  # (points, outputs): P(deal) and each issue's P(settled)
    indices: dict[str, dict[str, F64]]  # output -> index name -> (inputs,)

    @property
    def points(self) -> int:
        return int(self.X.shape[0])

    @property
    def key(self) -> str:
        """The index that ranks: mu* (Morris) or ST (Sobol)."""
        return "mu_star" if self.method == "morris" else "ST"

    def output_label(self, output: str) -> str:
        if output == "deal":
            return f"P(deal by {self.deadline})"
        return f"P({output} settled by {self.deadline})"

    def constant(self, output: str) -> bool:
        """True if the output is the same at every sample point: no input moves it."""
        y = self.Y[:, self.outputs.index(output)]
        return bool(np.all(y == y[0]))

    def ranking(self, output: str = "deal") -> list[int]:
        """Input indices, most influential first (ties by file order)."""
        v = self.indices[output][self.key]
        return sorted(range(len(self.inputs)), key=lambda j: (-_nz(v[j]), j))

    def columns(self) -> list[str]:
        idx = (["mu_star", "mu_star_conf", "sigma", "mu"] if self.method == "morris"
               else ["S1", "S1_conf", "ST", "ST_conf"])
        return ["output", "rank", "input", "label", "distribution", "low", "high", *idx]

    def rows(self) -> list[dict[str, Any]]:
        """One row per (output, input), ranked within each output (the CSV file)."""
        out = []
        for o in self.outputs:
            for rank, j in enumerate(self.ranking(o), start=1):
                i = self.inputs[j]
                row: dict[str, Any] = {"output": o, "rank": rank, "input": i.path,
                                       "label": i.label, "distribution": i.current,
                                       "low": i.low, "high": i.high}
                for name, values in self.indices[o].items():
                    row[name] = float(values[j])
                out.append(row)
        return out

    def heading(self) -> str:
        if self.method == "morris":
            what = (f"Morris screening: {self.samples} trajectories x {len(self.inputs) + 1} "
                    f"points = {self.points} scenarios")
        else:
            what = (f"Sobol indices (Saltelli sampling): {self.samples} x "
                    f"{len(self.inputs) + 2} = {self.points} scenarios")
        return (f"{self.title}\n{what}, {self.runs:,} runs each, seed {self.seed} (common "
                f"random numbers); {len(self.inputs)} uncertain inputs")

    def table(self, output: str = "deal") -> str:
        """The ranked table of one output, as text."""
        from .report import text_table

        if self.method == "morris":
            header = ["rank", "input", "range", "mu*", "+-95%", "sigma"]
            names = ["mu_star", "mu_star_conf", "sigma"]
        else:
            header = ["rank", "input", "range", "S1", "+-95%", "ST", "+-95%"]
            names = ["S1", "S1_conf", "ST", "ST_conf"]
        ix = self.indices[output]
        body = [[str(r), self.inputs[j].label, self.inputs[j].range_text(),
                 *(f"{_nz(ix[n][j]):.3f}" for n in names)]
                for r, j in enumerate(self.ranking(output), start=1)]
        right = frozenset({0, *range(3, len(header))})
        return "\n".join(text_table(header, body, right=right))

    def summary(self) -> str:
        """The whole text output: the heading, P(deal)'s table, one line per issue."""
        lines = [self.heading(), ""]
        lines.append(f"{self.output_label('deal')}: {self._spread('deal')}")
        if self.constant("deal"):
            lines.append("  the same at every point: no uncertain input moves it")
        else:
            lines.append(self.table("deal"))
        if self.method == "morris":
            lines.append("  mu*: mean absolute elementary effect, the change in the probability "
                         "per whole range of the input (measured over steps of 2/3 of it);\n"
                         "  sigma: the spread of those effects (interactions, non-linearity)")
        else:
            lines.append("  S1: share of the variance due to the input alone; ST: with its "
                         "interactions")
        lines.append("")
        lines.append("Each issue's P(settled by the deadline): the most influential input")
        for o in self.outputs[1:]:
            if self.constant(o):
                lines.append(f"  {o}: {pct(self.Y[0, self.outputs.index(o)])} at every point "
                             "(no input moves it)")
                continue
            j = self.ranking(o)[0]
            v = _nz(self.indices[o][self.key][j])
            name = "mu*" if self.method == "morris" else "ST"
            lines.append(f"  {o}: {self.inputs[j].label} ({name} {v:.3f}); "
                         f"{self._spread(o)}")
        return "\n".join(lines)

    def _spread(self, output: str) -> str:
        y = self.Y[:, self.outputs.index(output)]
        return f"{pct(float(y.min()))} to {pct(float(y.max()))} across the points"


def pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def _nz(x: Any) -> float:
    """A SALib index as a float (masked or NaN -> 0)."""
    v = float(np.ma.filled(np.ma.asarray(x, dtype=float), 0.0))
    return v if math.isfinite(v) else 0.0


def run_sensitivity(
    file: str | Path | Loaded,
    *,
    method: str = "morris",
    runs: int = DEFAULT_RUNS,
    samples: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    levels: int = MORRIS_LEVELS,
    progress: Callable[[int, int], None] | None = None,
) -> Sensitivity:
    """Sample the uncertain inputs with SALib, play each point with ``runs`` runs (the same
    seed at every point) and analyse P(deal) and each issue's P(settled) by the deadline.

    Raises :class:`SALibMissing` without SALib, :class:`SensitivityError` for a bad method or
    sample count, :class:`~sim.errors.ScenarioError` for an invalid scenario.
    """
    if method not in METHODS:
        raise SensitivityError(f"--method: '{method}' is not one of: {', '.join(METHODS)}")
    m_sample, m_analyze, s_sample, s_analyze = import_salib()
    n = DEFAULT_SAMPLES[method] if samples is None else samples
    if method == "sobol" and (n < 2 or n & (n - 1)):
        raise SensitivityError(f"--samples: Sobol sampling needs a power of 2 (such as 64), "
                               f"not {n}")
    if method == "morris" and n < 2:
        raise SensitivityError(f"--samples: Morris needs at least 2 trajectories, not {n}")
    if runs < 1:
        raise SensitivityError(f"--runs: at least 1, not {runs}")
    loaded = file if isinstance(file, Loaded) else load_scenario(file, overrides)
    s = loaded.scenario
    inputs = uncertain_inputs(s)
    if not inputs:
        raise SensitivityError("the scenario has no uncertain input (no field is a "
                               "distribution): there is nothing to rank")
    seed_v = normalise_seed(seed if seed is not None else s.seed)
    salib_seed = seed_v % 2**32
    problem = {"num_vars": len(inputs), "names": [i.path for i in inputs],
               "bounds": [[i.low, i.high] for i in inputs]}
    if method == "morris":
        X = np.asarray(m_sample.sample(problem, N=n, num_levels=levels, seed=salib_seed),
                       dtype=float)
    else:
        X = np.asarray(s_sample.sample(problem, n, calc_second_order=False, seed=salib_seed),
                       dtype=float)
    issues = list(s.issues)
    order = sorted(issues)
    outputs = ("deal", *issues)
    Y = np.zeros((len(X), len(outputs)))
    for k, row in enumerate(X):
        variant = with_fixed(s, {i.path: float(x) for i, x in zip(inputs, row, strict=True)},
                             inputs)
        outcome = simulate(variant, runs, seed_v)
        if outcome.interrupted:
            raise KeyboardInterrupt
        agg = outcome.aggregate
        Y[k, 0] = agg.deal[-1] / agg.runs
        for c, issue in enumerate(issues, start=1):
            Y[k, c] = agg.settled[-1, order.index(issue)] / agg.runs
        if progress is not None:
            progress(k + 1, len(X))
    indices: dict[str, dict[str, F64]] = {}
    zeros = np.zeros(len(inputs))
    for c, o in enumerate(outputs):
        y = Y[:, c]
        if np.all(y == y[0]):
            names = (("mu_star", "mu_star_conf", "sigma", "mu") if method == "morris"
                     else ("S1", "S1_conf", "ST", "ST_conf"))
            indices[o] = {name: zeros.copy() for name in names}
            continue
        if method == "morris":
            r = m_analyze.analyze(problem, X, y, num_levels=levels, num_resamples=RESAMPLES,
                                  conf_level=0.95, seed=salib_seed, print_to_console=False)
            indices[o] = {name: np.array([_nz(v) for v in r[name]])
                          for name in ("mu_star", "mu_star_conf", "sigma", "mu")}
        else:
            r = s_analyze.analyze(problem, y, calc_second_order=False,
                                  num_resamples=RESAMPLES, conf_level=0.95, seed=salib_seed,
                                  print_to_console=False)
            indices[o] = {name: np.array([_nz(v) for v in r[name]])
                          for name in ("S1", "S1_conf", "ST", "ST_conf")}
    return Sensitivity(method, s.title, s.round_label(s.rounds), tuple(inputs), outputs, runs,
                       n, seed_v, X, Y, indices)


# ---------------------------------------------------------------------------------------------
# Output: the tornado chart and the files
# ---------------------------------------------------------------------------------------------


def tornado(result: Sensitivity, output: str = "deal", top: int = 20) -> Figure:
    """A ranked horizontal bar chart of the inputs' influence on ``output`` (most influential
    on top): mu* with its 95% interval and sigma (Morris), or ST and S1 with theirs (Sobol).
    Colours from the Okabe-Ito palette; no pyplot."""
    from .plot import OKABE_ITO, new_figure, title_width, wrap

    order = result.ranking(output)[:top]
    k = len(order)
    fig = new_figure(8.5, 1.6 + 0.34 * k)
    ax = fig.add_subplot()
    ix = result.indices[output]
    y = np.arange(k)[::-1]
    labels = [f"{result.inputs[j].label}  [{result.inputs[j].range_text()}]" for j in order]
    blue, orange, black = OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["black"]
    if result.method == "morris":
        mu = np.array([ix["mu_star"][j] for j in order])
        conf = np.array([ix["mu_star_conf"][j] for j in order])
        sigma = np.array([ix["sigma"][j] for j in order])
        ax.barh(y, mu, height=0.6, color=blue, label="mu*: mean |effect| (95% interval)")
        ax.errorbar(mu, y, xerr=conf, fmt="none", ecolor=black, elinewidth=1, capsize=2.5)
        ax.plot(sigma, y, "D", color=OKABE_ITO["vermillion"], markersize=5,
                label="sigma: spread of the effects (interactions)")
        what = f"mu* ({result.samples} trajectories)"
        xlabel = (f"change in {result.output_label(output)} per whole range of the input "
                  "(mean absolute elementary effect)")
    else:
        st = np.array([ix["ST"][j] for j in order])
        s1 = np.array([ix["S1"][j] for j in order])
        ax.barh(y, st, height=0.7, color=blue, label="ST: total effect, with interactions")
        ax.errorbar(st, y, xerr=[ix["ST_conf"][j] for j in order], fmt="none", ecolor=black,
                    elinewidth=1, capsize=2.5)
        ax.barh(y, np.maximum(s1, 0), height=0.35, color=orange, label="S1: the input alone")
        what = f"Sobol ST and S1 ({result.samples} base samples)"
        xlabel = f"share of the variance of {result.output_label(output)}"
    ax.set_yticks(y, labels, fontsize=8.5)
    ax.set_xlim(left=0)
    ax.axvline(0, color=black, linewidth=0.8)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel(wrap(xlabel, 80), fontsize=9)
    ax.legend(loc="lower right", fontsize=8, frameon=True)
    more = f"; the top {k} of {len(result.inputs)}" if k < len(result.inputs) else ""
    title = (f"What moves {result.output_label(output)}? {what}, {result.runs:,} runs a "
             f"point{more}")
    fig.suptitle(wrap(f"{result.title}\n{title}", title_width(8.5, 10)), fontsize=10, x=0.01,
                 ha="left")
    return fig


def write_outputs(result: Sensitivity, out: Path, dpi: float = 110) -> list[Path]:
    """Write ``sensitivity.csv`` (the ranked indices of every output), ``points.csv`` (the
    sample and its outputs) and ``tornado.png`` (P(deal)) into ``out``; returns the paths."""
    from . import __version__
    from .plot import save_figure
    from .rundir import csv_text, write_atomic

    out.mkdir(parents=True, exist_ok=True)
    header = [f"negsim {__version__}", f"method {result.method}", f"samples {result.samples}",
              f"runs {result.runs}", f"seed {result.seed}"]
    table = out / TABLE_FILE
    write_atomic(table, csv_text(result.rows(), result.columns(), header))
    cols = [*(i.path for i in result.inputs), *(f"p_{o}" for o in result.outputs)]
    rows = [dict(zip(cols, [*x, *y], strict=True)) for x, y in
            zip(result.X.tolist(), result.Y.tolist(), strict=True)]
    points = out / POINTS_FILE
    write_atomic(points, csv_text(rows, cols, header))
    chart = save_figure(tornado(result), out / CHART_FILE, dpi)
    return [table, points, chart]


__all__ = [
    "CHART_FILE",
    "Input",
    "SALIB_MISSING",
    "SALibMissing",
    "Sensitivity",
    "SensitivityError",
    "run_sensitivity",
    "short_label",
    "tornado",
    "uncertain_inputs",
    "with_fixed",
    "write_outputs",
]
