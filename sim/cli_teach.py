"""The teaching layer's commands: ``negsim brief``, ``negsim play`` and ``negsim debrief``.

Plain functions with typer annotations, so ``sim/cli.py`` registers them as they are::

    from .cli_teach import brief, debrief, play
    app.command("brief")(brief)
    app.command("play")(play)
    app.command("debrief")(debrief)

and tests call them through a small typer app. Until they are registered, ``python -m
sim.cli_teach brief|play|debrief ...`` runs them. Like every negsim command, a mistake of the
user (an invalid scenario, an unknown party, a bad offers or deals file) prints one line per
problem to stderr and exits with status 2, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from .cli_common import SetOption, err, fail, load


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        fail(f"{path}: cannot read the {what}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        fail(f"{path}: the {what} is not UTF-8 text")


def _write(path: Path, text: str) -> None:
    from .rundir import write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        fail(f"{path}: cannot write: {exc.strerror or exc}")


# ---------------------------------------------------------------------------------------------
# negsim brief
# ---------------------------------------------------------------------------------------------


def brief(
    file: Annotated[Path, typer.Argument(help="The scenario file.")],
    party: Annotated[str, typer.Option("--party", "-p", help="The party whose brief to write.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the Markdown here, not stdout.")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(min=0, help="Seed of the estimates of the others' positions (default: the "
                     "scenario's). Use one seed for a whole class: the briefs then agree."),
    ] = None,
    set_: SetOption = None,
) -> None:
    """Write one party's confidential role brief (Markdown): the situation, its own ideals,
    red lines, priorities, tactic advice and pressures, and only estimates of the others'."""
    from .brief import UnknownParty, role_brief

    loaded = load(file, set_)
    try:
        text = role_brief(loaded.scenario, party, seed)
    except UnknownParty as exc:
        fail(f"--party {party}: {exc}")
    if out is None:
        typer.echo(text, nl=False)
    else:
        _write(out, text)
        err(f"wrote {out}")


# ---------------------------------------------------------------------------------------------
# negsim play
# ---------------------------------------------------------------------------------------------


def _line_ask(lines: Iterator[str]) -> Callable[[str], str]:
    """An ``ask`` that answers each prompt with the next line (echoed after the prompt, so
    the transcript reads as a session) and raises EOFError when the lines run out."""

    def ask(prompt: str) -> str:
        try:
            line = next(lines)
        except StopIteration:
            typer.echo(prompt + "(end of input)")
            raise EOFError from None
        line = line.rstrip("\r\n")
        typer.echo(prompt + line)
        return line

    return ask


def _keep_suggestion(prompt: str) -> str:
    """The ``ask`` of a CSV offers file: a prompt without a row keeps the suggestion."""
    typer.echo(prompt)
    return ""


def _stdin_lines() -> Iterator[str]:
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        yield line


def play(
    file: Annotated[Path, typer.Argument(help="The scenario file.")],
    as_: Annotated[str, typer.Option("--as", help="The party you play.")],
    offers: Annotated[
        Path | None,
        typer.Option(
            "--offers",
            help="Answers from a file: CSV with a header 'round,issue,value' (a row per offer; "
            "prompts without a row keep the suggestion), or one line per prompt (a blank "
            "line keeps the suggestion). Without it, answers come from the terminal, or "
            "from standard input when it is a pipe.",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(min=0, help="Seed of the Monte Carlo comparison (default: the scenario's)."),
    ] = None,
    runs: Annotated[
        int, typer.Option(min=0, help="Monte Carlo runs of the engine in your seat (0: none).")
    ] = 1000,
    set_: SetOption = None,
) -> None:
    """Play one party against the engine's tactics, round by round; at the end, your deal
    against the zones, the engine in your seat, and its Monte Carlo distribution."""
    from .brief import UnknownParty, check_party
    from .play import OffersFileError, play_game, read_offers

    loaded = load(file, set_)
    s = loaded.scenario
    try:
        check_party(s, as_)
    except UnknownParty as exc:
        fail(f"--as {as_}: {exc}")
    scripted = None
    ask: Callable[[str], str] = input  # a terminal: the person types
    if offers is not None:
        try:
            parsed = read_offers(_read_text(offers, "offers file"), s, as_, str(offers))
        except OffersFileError as exc:
            for p in exc.problems:
                err(p)
            fail(f"{offers}: {len(exc.problems)} problem"
                  f"{'s' if len(exc.problems) != 1 else ''}; nothing was played.")
        if isinstance(parsed, dict):
            scripted, ask = parsed, _keep_suggestion
        else:
            ask = _line_ask(iter(parsed))
    elif not sys.stdin.isatty():
        ask = _line_ask(_stdin_lines())
    play_game(s, as_, ask, typer.echo, scripted=scripted, runs=runs, seed=seed)


# ---------------------------------------------------------------------------------------------
# negsim debrief
# ---------------------------------------------------------------------------------------------


def debrief(
    file: Annotated[Path, typer.Argument(help="The scenario file the class played.")],
    deals: Annotated[
        Path,
        typer.Argument(help="The class's deals: CSV with 'team', then one column per issue "
                       "(the agreed value or level name; blank = no agreement)."),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder for debrief.png, debrief.txt and debrief.csv "
                     "(default: runs/debrief-<deals>-<time>)."),
    ] = None,
    runs: Annotated[
        int, typer.Option(min=0, help="Monte Carlo runs of the engine (0: none).")
    ] = 2000,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Seed of the runs (default: the scenario's).")
    ] = None,
    set_: SetOption = None,
) -> None:
    """Set the class's deals against the zones (at the means, at the deadline) and the
    engine's outcomes: red lines broken, value left on the table; a table and a figure."""
    from .debrief import DealsError, debrief_figure, debrief_rows, format_debrief, read_deals
    from .plot import save_figure
    from .rundir import csv_text

    loaded = load(file, set_)
    s = loaded.scenario
    try:
        teams, notes = read_deals(_read_text(deals, "deals file"), s, str(deals))
    except DealsError as exc:
        for p in exc.problems:
            err(p)
        fail(f"{deals}: {len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}; "
              "nothing was run.")
    for note in notes:
        err(f"note: {note}")
    from .debrief import debrief as run_debrief

    result = run_debrief(s, teams, runs, seed)
    text = format_debrief(result)
    typer.echo(text)
    if out is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path("runs") / f"debrief-{deals.stem}-{stamp}"
    rows, columns = debrief_rows(result)
    _write(out / "debrief.txt", text + "\n")
    _write(out / "debrief.csv", csv_text(rows, columns))
    try:
        save_figure(debrief_figure(result), out / "debrief.png")
    except OSError as exc:
        fail(f"{out / 'debrief.png'}: cannot write: {exc.strerror or exc}")
    typer.echo(f"\nwrote {out / 'debrief.png'}, debrief.txt and debrief.csv")
