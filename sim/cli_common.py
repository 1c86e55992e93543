"""What every command shares: the ``--set`` option, error lines, loading a scenario.

Invalid input never shows a traceback: every problem is printed as
``file:line:column: path: message`` on stderr and the command exits with status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from .errors import ScenarioError
from .loading import Loaded, load_scenario

SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a field: dotted.path=value (YAML value); repeatable.",
                 metavar="PATH=VALUE"),
]


def err(text: str) -> None:
    """One line on stderr."""
    typer.echo(text, err=True)


def fail(text: str, code: int = 2) -> NoReturn:
    """Say what is wrong and exit (status 2: bad input)."""
    err(text)
    raise typer.Exit(code)


def report_problems(exc: ScenarioError, what: str) -> NoReturn:
    """Every problem of ``exc``, then a count, then exit 2."""
    for p in exc.problems:
        err(str(p))
    n = sum(p.severity == "error" for p in exc.problems)
    fail(f"{what}: {n} problem{'s' if n != 1 else ''}; nothing was run.")


def load(path: Path, overrides: list[str] | None = None) -> Loaded:
    """Load and validate a scenario, printing its warnings; on problems, print them, exit 2."""
    try:
        loaded = load_scenario(path, overrides or ())
    except ScenarioError as exc:
        report_problems(exc, str(path))
    except OSError as exc:
        fail(f"{path}: cannot read: {exc.strerror or exc}")
    for w in loaded.warnings:
        err(str(w))
    return loaded
