"""``negsim tip`` and ``negsim sensitivity``: what would it take, as a threshold and as a ranking.

Plain functions with typer ``Annotated`` options; ``sim/cli.py`` registers them with
``app.command("tip")(tip)`` and ``app.command("sensitivity")(sensitivity)``. Like the other
commands they never show a traceback for invalid input: every problem is printed on one line
to stderr and the exit status is 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .cli_common import SetOption, err, fail, load, report_problems
from .errors import ScenarioError

TARGET_HELP = (
    "The outcome: zone:ISSUE@ROUND (the zone open at ROUND, at the means), "
    "open:ISSUE@ROUND>=P, settled:ISSUE@ROUND>=P, deal>=P or deal@ROUND>=P (Monte Carlo; "
    "the round defaults to the deadline, P to 0.5). Quote it: a shell reads > as a redirection."
)


def tip(
    file: Annotated[Path, typer.Argument(help="The scenario file.")],
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            metavar="PATH",
            help="The numeric field to vary (dotted path, as for --set); repeat it to move "
            "several fields together to the same value.",
        ),
    ],
    target: Annotated[str, typer.Option("--target", metavar="TARGET", help=TARGET_HELP)],
    lo: Annotated[
        float | None,
        typer.Option("--lo", help="Lower end of the bracket (default: from the field's domain)."),
    ] = None,
    hi: Annotated[
        float | None,
        typer.Option("--hi", help="Upper end of the bracket (default: from the field's domain)."),
    ] = None,
    runs: Annotated[
        int, typer.Option(min=1, help="Monte Carlo runs per tried value (Monte Carlo targets).")
    ] = 1000,
    seed: Annotated[
        int | None,
        typer.Option(min=0, help="Seed of every evaluation (default: the scenario's)."),
    ] = None,
    tol: Annotated[
        float | None,
        typer.Option(
            help="Stop bisecting at this width (default: 1e-5 of the bracket at the means, "
            "1e-3 in Monte Carlo; rounds: 1)."
        ),
    ] = None,
    scan: Annotated[
        int, typer.Option(min=2, help="Evenly spaced values tried across the bracket first.")
    ] = 5,
    set_: SetOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No line per evaluation.")] = False,
) -> None:
    """Find the value of a parameter at which an outcome flips (a tipping point), by
    bracketing and bisection with the same random numbers at every value."""
    from .tipping import Point, TipError, find_tipping_point, pct

    def on_eval(p: Point) -> None:
        if not quiet:
            shown = pct(p.p) if p.p is not None else ("open" if p.hit else "closed")
            err(f"  tried {p.x:.10g}: {shown}")

    try:
        result = find_tipping_point(file, vary, target, lo=lo, hi=hi, runs=runs, seed=seed,
                                    tol=tol, scan=scan, overrides=set_ or (), on_eval=on_eval)
    except TipError as exc:
        for line in exc.problems:
            err(line)
        fail(f"{file}: {len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}; "
              "nothing was run.")
    except ScenarioError as exc:
        report_problems(exc, str(file))
    except OSError as exc:
        fail(f"{file}: cannot read: {exc.strerror or exc}")
    typer.echo(result.message())


def sensitivity(
    file: Annotated[Path, typer.Argument(help="The scenario file.")],
    method: Annotated[
        str, typer.Option("--method", metavar="morris|sobol", help="Morris screening (fast) or "
                          "Sobol indices.")
    ] = "morris",
    runs: Annotated[int, typer.Option(min=1, help="Monte Carlo runs per sample point.")] = 200,
    samples: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Morris trajectories (default 4) or Sobol base samples (a power of 2, "
            "default 64).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(min=0, help="Seed of every point and of the sample (default: the "
                     "scenario's)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder for the table, the sample and the chart "
                     "(default: sensitivity/<scenario>-<method>)."),
    ] = None,
    set_: SetOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Rank the scenario's uncertain inputs by their influence on P(deal) and on each issue's
    P(settled) (SALib: Morris or Sobol); write a CSV table and a tornado chart."""
    from .sensitivity import (
        METHODS,
        SALibMissing,
        SensitivityError,
        import_salib,
        run_sensitivity,
        write_outputs,
    )

    try:
        import_salib()
    except SALibMissing as exc:
        fail(str(exc))
    if method not in METHODS:
        fail(f"--method: '{method}' is not one of: {', '.join(METHODS)}")
    loaded = load(file, set_)
    from tqdm import tqdm

    bar = tqdm(total=None, unit="point", disable=quiet or None, file=sys.stderr,
               desc=f"{file.stem} ({method})", dynamic_ncols=True)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(1)

    try:
        result = run_sensitivity(loaded, method=method, runs=runs, samples=samples, seed=seed,
                                 progress=progress)
    except SensitivityError as exc:
        fail(str(exc))
    finally:
        bar.close()
    folder = out if out is not None else Path("sensitivity") / f"{file.stem}-{method}"
    typer.echo(result.summary())
    try:
        written = write_outputs(result, folder)
    except OSError as exc:
        fail(f"{folder}: cannot write: {exc.strerror or exc}")
    typer.echo(f"\nwrote {folder}/ ({', '.join(p.name for p in written)})")
