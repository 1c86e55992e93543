"""``negsim sweep``: the scenario on a grid of variants, one row per variant in ``sweep.csv``.

A plain function with typer ``Annotated`` options; ``sim/cli.py`` registers it with
``app.command()(sweep)``. Like the other commands it never shows a traceback for invalid
input: every problem is printed and the exit status is 2. Ctrl-C keeps the finished cells and
exits with 130; running the same command again resumes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_common import err, fail
from .errors import ScenarioError
from .sweep import (
    CELLS_FILE,
    MANIFEST_FILE,
    TABLE_FILE,
    Cell,
    DaskMissing,
    SchedulerUnreachable,
    import_dask,
    plan_cells,
    run_sweep,
)

VARY_HELP = (
    "A field and its values: dotted.path=v1,v2,... (YAML values) or dotted.path=start:stop:step "
    "(numbers, stop included when a step lands on it); repeatable: the grid is the product."
)


def default_out(file: Path, vary: list[str], seed: int | None, runs: int) -> Path:
    """``sweeps/<scenario>-<hash>``: the same command gives the same folder, so running it
    again resumes (a timestamp would start over)."""
    digest = hashlib.sha256(
        json.dumps([file.resolve().as_posix(), vary, seed, runs]).encode()
    ).hexdigest()[:10]
    return Path("sweeps") / f"{file.stem}-{digest}"


def _pct(x: Any) -> str:
    return "" if x is None else f"{x:.1%}"


def sweep(
    file: Annotated[Path, typer.Argument(help="The scenario file.")],
    vary: Annotated[list[str], typer.Option("--vary", help=VARY_HELP, metavar="PATH=V1,V2,...")],
    runs: Annotated[int, typer.Option(min=1, help="Monte Carlo runs per cell.")] = 10_000,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0, help="Random seed of every cell (default: the scenario's, else fresh; recorded)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Sweep folder (default: sweeps/<scenario>-<hash of the command>).",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Local worker processes (one cell each at a time).")
    ] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Run the cells on this Dask scheduler (needs the dask extra).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No line per cell.")] = False,
) -> None:
    """Run the scenario on a grid of variants (every --vary combination, plus the baseline)
    with the same seed, and write one row per variant to sweep.csv; rerun to resume."""
    if scheduler is not None and workers != 1:
        fail("use --workers for local processes or --scheduler for a Dask cluster, not both", 2)
    if scheduler is not None:
        try:
            import_dask()
        except DaskMissing as exc:
            fail(str(exc), 2)
    try:
        plan = plan_cells(file, vary)
    except ScenarioError as exc:
        errors = [p for p in exc.problems if p.severity == "error"]
        for p in exc.problems:
            err(str(p))
        n = len(errors)
        fail(f"{file}: {n} problem{'s' if n != 1 else ''}; nothing was run.", 2)
    for w in plan.warnings:
        err(str(w))
    if out is None:
        out = default_out(file, vary, seed, runs)
    shape = " x ".join(str(len(v.values)) for v in plan.varies)
    n_cells = len(plan.cells)
    where = f"on {scheduler}" if scheduler else f"{workers} worker{'s' if workers > 1 else ''}"
    err(f"sweep: {n_cells} cells (baseline + {shape}) x {runs:,} runs, {where} -> {out}/")

    def on_cell(cell: Cell, result: dict[str, Any], seconds: float | None) -> None:
        if quiet:
            return
        n = max(int(result["runs"]), 1)
        took = f" in {seconds:.1f} s" if seconds is not None else ""
        err(f"  {cell.label()}: P(deal) {result['deal'][-1] / n:.1%}{took}")

    try:
        result = run_sweep(
            plan,
            runs,
            seed,
            out=out,
            workers=workers,
            scheduler=scheduler,
            on_cell=on_cell,
            log=err,
        )
    except DaskMissing as exc:
        fail(str(exc), 2)
    except SchedulerUnreachable as exc:
        fail(str(exc), 2)
    except OSError as exc:
        fail(f"{out}: cannot write the sweep folder: {exc.strerror or exc}", 2)
    except Exception as exc:  # a cell failed (a bug, or a worker without negsim)
        fail(f"sweep stopped: a cell failed: {type(exc).__name__}: {exc}", 1)

    from .report import text_table

    header = ["cell", *(v.path for v in plan.varies), "P(deal)", "half by round"]
    texts = {c.index: dict(c.texts) for c in plan.cells}
    body = [
        [
            str(r["cell"]),
            *(texts[r["cell"]].get(v.path, "-") for v in plan.varies),
            _pct(r["p_deal"]),
            str(r["deal_median_round"] or "-"),
        ]
        for r in result.rows
    ]
    typer.echo(
        f"{plan.baseline.loaded.scenario.title}: {runs:,} runs a cell, seed "
        f"{result.seed}" + (" (PARTIAL: interrupted)" if result.interrupted else "")
    )
    typer.echo("\n".join(text_table(header, body, right=frozenset({0, len(header) - 2}))))
    typer.echo(f"\nwrote {out}/ ({TABLE_FILE}, {CELLS_FILE}, {MANIFEST_FILE})")
    if result.interrupted:
        err(
            f"interrupted: kept the {len(result.rows)} of {n_cells} cells that finished; the "
            "manifest says status partial; run the same command again to resume"
        )
        raise typer.Exit(130)
