"""The visual layer's commands: ``negsim plot``, ``negsim compare`` and ``negsim report``.

Plain functions with typer annotations, so ``sim/cli.py`` registers them as they are::

    from .cli_views import compare, plot, report
    app.command("plot")(plot)
    app.command("compare")(compare)
    app.command("report")(report)

and tests call them directly. Like every negsim command, a mistake of the user (a missing
directory, a folder that is not a run directory, an unknown kind, an invalid scenario) prints a
clear message to stderr and exits with status 2, never a traceback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from .cli_common import err, fail
from .plot import ALL_KINDS, KINDS, RunData, RunDirError

#: Output formats of the static kinds (by the file's suffix).
FORMATS = (".png", ".svg", ".pdf")


def _load_run(path: Path) -> RunData:
    try:
        run = RunData.load(path)
    except RunDirError as exc:
        fail(str(exc))
    for note in run.notes:
        err(f"{path}: note: {note}")
    return run


def _write_figure(fig: object, out: Path) -> None:
    """Save a static figure in the format its suffix names, atomically."""
    import io

    from matplotlib.figure import Figure

    from .rundir import write_atomic

    assert isinstance(fig, Figure)
    buf = io.BytesIO()
    fig.savefig(buf, format=out.suffix[1:], dpi=100)
    write_atomic(out, buf.getvalue())


def plot(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (from negsim run).")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            "-k",
            help="ladder, weather, deal, settlements, blockers, strain, animation, or all "
            "(every static kind).",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o",
            help="Output file (.png, .svg or .pdf; .gif for animation). Default: "
            "RUN_DIR/<kind>.png (.gif).",
        ),
    ] = None,
    round_: Annotated[
        list[int] | None,
        typer.Option(
            "--round", "-r", min=1,
            help="ladder: the round(s) to show, side by side (default: the last); animation: "
            "the frames (default: every round).",
        ),
    ] = None,
) -> None:
    """Draw one figure of a run directory and print the path written."""
    from .plot import render, zone_animation

    if kind not in (*ALL_KINDS, "all"):
        fail(f"--kind {kind}: unknown kind; choose one of {', '.join(ALL_KINDS)}, all")
    if round_ and kind not in ("ladder", "animation"):
        fail(f"--round applies to --kind ladder and animation, not {kind}")
    if kind == "all" and out is not None:
        fail("--kind all writes RUN_DIR/<kind>.png for every kind; leave out --out")
    suffix = ".gif" if kind == "animation" else ".png"
    if out is not None:
        if kind == "animation" and out.suffix.lower() != ".gif":
            fail(f"--out {out}: an animation is written as .gif")
        if kind != "animation" and out.suffix.lower() not in FORMATS:
            fail(f"--out {out}: write a figure as {', '.join(FORMATS)}")
    run = _load_run(run_dir)
    if round_ and max(round_) > run.T:
        fail(f"--round {max(round_)}: the run has {run.T} rounds")
    kinds = list(KINDS) if kind == "all" else [kind]
    for k in kinds:
        target = out if out is not None else run_dir / f"{k}{suffix}"
        try:
            if k == "animation":
                zone_animation(run, target, rounds=round_ or None)
            else:
                _write_figure(render(run, k, round_ or None), target)
        except OSError as exc:
            fail(f"{target}: cannot write: {exc.strerror or exc}")
        typer.echo(str(target))


def compare(
    a: Annotated[Path, typer.Argument(help="A: a scenario file or a run directory.")],
    b: Annotated[Path, typer.Argument(help="B: a scenario file or a run directory.")],
    runs: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Runs for each scenario file (default: as many as the other side's run "
            "directory, else 2000).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Seed for the scenario files (default: the other side's run directory's, "
            "else A's scenario seed, else fresh). Both sides share it: common random numbers.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o",
            help="Folder for a/ and b/ (run directories of scenario files), compare.txt and "
            "compare.png. Default: runs/compare-<A>-vs-<B>-<time>.",
        ),
    ] = None,
    set_a: Annotated[
        list[str] | None,
        typer.Option("--set-a", help="Override a field of scenario A: path=value; repeatable.",
                     metavar="PATH=VALUE"),
    ] = None,
    set_b: Annotated[
        list[str] | None,
        typer.Option("--set-b", help="Override a field of scenario B: path=value; repeatable.",
                     metavar="PATH=VALUE"),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes per run.")] = 1,
    boot: Annotated[int, typer.Option(min=100, help="Bootstrap resamples.")] = 2000,
) -> None:
    """Compare B with A: the change in P(deal), in each issue's P(settled) and median
    settlement, with 95% bootstrap intervals (paired when both share seed and runs)."""
    from .compare import compare_runs, comparison_figure, format_comparison, run_scenario
    from .errors import ScenarioError
    from .loading import load_scenario
    from .random_ import normalise_seed
    from .rundir import write_atomic

    for name, path, sets in (("A", a, set_a), ("B", b, set_b)):
        if not path.exists():
            fail(f"{name} {path}: no such file or directory")
        if path.is_dir() and sets:
            fail(f"--set-{name.lower()}: {path} is a run directory; overrides apply to a "
                  "scenario file")
    dirs = {name: _load_run(p) for name, p in (("A", a), ("B", b)) if p.is_dir()}
    if out is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path("runs") / f"compare-{a.stem or a.name}-vs-{b.stem or b.name}-{stamp}"
    loaded = {}
    for name, path, sets in (("A", a, set_a), ("B", b, set_b)):
        if name in dirs:
            continue
        try:
            loaded[name] = load_scenario(path, sets or ())
        except ScenarioError as exc:
            for problem in exc.problems:
                err(str(problem))
            n = sum(p.severity == "error" for p in exc.problems)
            fail(f"{path}: {n} problem{'s' if n != 1 else ''}; nothing was run.")
        except OSError as exc:
            fail(f"{path}: cannot read: {exc.strerror or exc}")
        for w in loaded[name].warnings:
            err(str(w))
    if loaded:
        other = next(iter(dirs.values()), None)
        if seed is None:
            seed = (other.seed if other is not None and other.seed is not None
                    else next(iter(loaded.values())).scenario.seed)
        seed = normalise_seed(seed)
        n_runs = runs or (other.n if other is not None else 2000)
        for name, lo in loaded.items():
            target = out / name.lower()
            err(f"running {name}: {lo.path} ({n_runs:,} runs, seed {seed}) into {target}")
            try:
                _, interrupted = run_scenario(lo, target, n_runs, seed, workers)
            except OSError as exc:
                fail(f"{target}: cannot write the run directory: {exc.strerror or exc}")
            if interrupted:
                err(f"interrupted: {target} keeps the runs that finished (status partial)")
                raise typer.Exit(130)
            dirs[name] = _load_run(target)
    elif runs is not None or seed is not None:
        err("note: --runs and --seed apply to scenario files; A and B are run directories")
    try:
        comparison = compare_runs(dirs["A"], dirs["B"], n_boot=boot)
    except ValueError as exc:
        fail(f"cannot compare: {exc}")
    text = format_comparison(comparison)
    typer.echo(text)
    try:
        write_atomic(out / "compare.txt", text + "\n")
        _write_figure(comparison_figure(comparison), out / "compare.png")
    except OSError as exc:
        fail(f"{out}: cannot write: {exc.strerror or exc}")
    typer.echo(f"\nwrote {out / 'compare.txt'} and {out / 'compare.png'}")


def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (from negsim run).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="The HTML file (default: RUN_DIR/report.html)."),
    ] = None,
) -> None:
    """Write one self-contained HTML report of a run directory (figures embedded; opens
    offline) and print its path."""
    from .html_report import write_report

    run = _load_run(run_dir)
    try:
        path = write_report(run_dir, out, run=run)
    except OSError as exc:
        fail(f"{out or run_dir / 'report.html'}: cannot write: {exc.strerror or exc}")
    typer.echo(str(path))
