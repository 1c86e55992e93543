"""The ``negsim`` command: a thin shell over the library.

Invalid input never shows a traceback: every problem is printed as
``file:line:column: path: message`` and the exit status is 2. Ctrl-C during a run keeps what
finished and exits with 130.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from . import __version__
from .cli_common import SetOption, err, load
from .errors import ScenarioError
from .loading import load_scenario
from .scenario import Scenario

app = typer.Typer(
    name="negsim",
    help="Negotiation scenario simulator: issue-zones, red lines, pressure, Monte Carlo.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
list_app = typer.Typer(help="List the building blocks negsim knows.", no_args_is_help=True)
app.add_typer(list_app, name="list")

def _version(value: bool) -> None:
    if value:
        typer.echo(f"negsim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """negsim: where could these parties agree, and what would it take?"""


def describe(s: Scenario) -> str:
    """A short summary of a valid scenario."""
    core = [i for i, issue in s.issues.items() if issue.core]
    lines = [
        f"{s.title}" + (f" (as of {s.as_of.isoformat()})" if s.as_of else ""),
        f"  parties   {len(s.parties)}: {', '.join(s.parties)}",
        f"  actors    {len(s.actors)}: {', '.join(s.actors) or '-'}",
        f"  issues    {len(s.issues)} ({len(core)} core): {', '.join(s.issues)}",
        f"  pressures {len(s.pressures)}: {', '.join(s.pressures) or '-'}",
        f"  rounds    {s.rounds}"
        + (
            f", from {s.timeline.start.isoformat()} every {s.timeline.days_per_round} days"
            if s.timeline
            else ""
        ),
    ]
    return "\n".join(lines)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
    set_: SetOption = None,
) -> None:
    """Check scenario files and print a summary of each, or every problem found."""
    failed = 0
    for f in files:
        try:
            loaded = load_scenario(f, set_ or ())
        except ScenarioError as exc:
            failed += 1
            for p in exc.problems:
                err(str(p))
            n = sum(p.severity == "error" for p in exc.problems)
            err(f"{f}: {n} problem{'s' if n != 1 else ''}")
            continue
        for w in loaded.warnings:
            err(str(w))
        typer.echo(f"{f}: valid")
        typer.echo(describe(loaded.scenario))
    if failed:
        raise typer.Exit(2)


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here, not stdout.")] = None,
) -> None:
    """Write the JSON Schema of scenario files (for editors: completion and checks)."""
    from .schema import schema_text

    text = schema_text()
    if out is None:
        typer.echo(text, nl=False)
    else:
        from .rundir import write_atomic

        write_atomic(out, text)
        err(f"wrote {out}")


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="The scenario file.")],
    runs: Annotated[int, typer.Option(min=1, help="Monte Carlo runs.")] = 10_000,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Random seed (default: the scenario's, else fresh).")
    ] = None,
    rounds: Annotated[int | None, typer.Option(min=1, help="Override the deadline T.")] = None,
    set_: SetOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Run directory (default: runs/<scenario>-<time>)."),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    batch: Annotated[
        int | None,
        typer.Option(min=1, help="Runs per batch (changes speed and memory, never results)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Play the scenario's Monte Carlo runs, write a run directory, print a summary."""
    from tqdm import tqdm

    from .montecarlo import simulate
    from .random_ import normalise_seed
    from .rundir import RunWriter

    overrides = list(set_ or []) + ([f"rounds={rounds}"] if rounds else [])
    loaded = load(file, overrides)
    s = loaded.scenario
    seed = normalise_seed(seed if seed is not None else s.seed)
    if out is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path("runs") / f"{file.stem}-{stamp}"
    try:
        writer = RunWriter(out, loaded, seed, runs, workers, batch)
    except OSError as exc:
        err(f"{out}: cannot write the run directory: {exc.strerror or exc}")
        raise typer.Exit(2) from None
    bar = tqdm(
        total=runs,
        unit="run",
        disable=quiet or None,
        file=sys.stderr,
        desc=file.stem,
        dynamic_ncols=True,
    )
    try:
        outcome = simulate(
            s, runs, seed, batch=batch, workers=workers, on_batch=writer.add, progress=bar.update
        )
    finally:
        bar.close()
    summary = writer.finish(outcome)
    typer.echo(summary)
    typer.echo(
        f"\nwrote {out}/ (manifest.json, runs.csv, rounds.csv, blockers.csv, "
        "strain.csv, settlements.csv, zones_at_means.txt)"
    )
    if outcome.interrupted:
        err(
            f"interrupted: kept the {outcome.completed:,} runs that finished; the manifest "
            "says status partial"
        )
        raise typer.Exit(130)


@app.command()
def zones(
    file: Annotated[Path, typer.Argument(help="The scenario file.")],
    round_: Annotated[
        list[int] | None, typer.Option("--round", "-r", min=1, help="Only these rounds.")
    ] = None,
    set_: SetOption = None,
    csv: Annotated[bool, typer.Option("--csv", help="CSV instead of the text table.")] = False,
) -> None:
    """Print the round-by-round zone table of the scenario at its means."""
    from .report import ZONE_COLUMNS, format_zone_table, zone_table
    from .rundir import csv_text

    loaded = load(file, set_)
    s = loaded.scenario
    if round_ and max(round_) > s.rounds:
        err(f"--round {max(round_)}: the scenario has {s.rounds} rounds")
        raise typer.Exit(2)
    table = zone_table(s, round_ or None)
    if csv:
        typer.echo(csv_text(table, ZONE_COLUMNS), nl=False)
    else:
        typer.echo(f"{s.title}: zones at the means (every distribution at its mean)\n")
        typer.echo(format_zone_table(s, table))


@app.command()
def sources(
    file: Annotated[Path, typer.Argument(help="The scenario file.")],
    set_: SetOption = None,
    unsourced_only: Annotated[bool, typer.Option("--unsourced", help="Only the flagged "
                                                 "numbers.")] = False,
) -> None:
    """List every number of the scenario with the facts it cites or its stated assumption;
    flag numbers that have neither (exit status 1 if any)."""
    from .sources import parameter_sources

    loaded = load(file, set_)
    rows = parameter_sources(loaded.scenario)
    flagged = [r for r in rows if r.status == "unsourced"]
    for r in flagged if unsourced_only else rows:
        typer.echo(f"{r.dotted} = {r.value}")
        if r.status == "cited":
            for fid in r.facts:
                typer.echo(f"    {fid}: {loaded.facts.get(fid, '(fact text not found)')}")
        elif r.status == "assumption":
            typer.echo(f"    assumption: {r.assumption}")
        else:
            typer.echo("    UNSOURCED: neither cited nor marked as an assumption")
    cited = sum(r.status == "cited" for r in rows)
    typer.echo(f"\n{len(rows)} numbers: {cited} cited, {len(rows) - cited - len(flagged)} "
               f"assumptions, {len(flagged)} unsourced")
    if flagged:
        raise typer.Exit(1)


@app.command()
def gap(
    file: Annotated[Path, typer.Argument(help="The scenario file.")],
    round_: Annotated[int | None, typer.Option("--round", "-r", min=1, help="The round "
                                               "(default: the deadline).")] = None,
    set_: SetOption = None,
) -> None:
    """What would it take: for each closed zone (at the means), the smallest move of red
    lines that opens it, who must make it and how far, or the hard red lines in the way."""
    from .concessions import format_concessions, minimal_concessions

    loaded = load(file, set_)
    s = loaded.scenario
    if round_ is not None and round_ > s.rounds:
        err(f"--round {round_}: the scenario has {s.rounds} rounds")
        raise typer.Exit(2)
    typer.echo(format_concessions(s, minimal_concessions(s, round_)))


@list_app.command("tactics")
def list_tactics(
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable.")] = False,
) -> None:
    """The concession tactics a party can use (``tactic: {name: ...}``)."""
    from .tactics import REGISTRY

    if json_:
        typer.echo(
            json.dumps(
                {
                    n: {"citation": t.citation, "doc": (t.__doc__ or "").strip(), **t.metadata}
                    for n, t in REGISTRY.items()
                },
                indent=2,
            )
        )
        return
    for name, t in REGISTRY.items():
        doc = " ".join((t.__doc__ or "").split())
        typer.echo(f"{name:<11} {doc}")
        typer.echo(
            f"{'':<11} family: {t.metadata['family']}; default beta "
            f"{t.default_beta:g}; source: {t.citation}"
        )


from .cli_sweep import sweep as sweep_command  # noqa: E402
from .cli_teach import brief, debrief, play  # noqa: E402
from .cli_views import compare, plot, report  # noqa: E402
from .cli_whatif import sensitivity, tip  # noqa: E402

app.command("sweep")(sweep_command)
app.command("plot")(plot)
app.command("compare")(compare)
app.command("report")(report)
app.command("brief")(brief)
app.command("play")(play)
app.command("debrief")(debrief)
app.command("tip")(tip)
app.command("sensitivity")(sensitivity)


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:
        err("interrupted")
        sys.exit(130)
