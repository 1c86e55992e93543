"""Problems found in a scenario file, reported to a person as ``file:line:col: path: message``.

Every stage of loading (YAML reading, schema validation, semantic checks, overrides) reports
:class:`Problem` records and raises one :class:`ScenarioError` holding all of them, so the user
sees every mistake in a file at once and never a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    """Where a value stands: a file (or ``--set``) and a 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        if self.file.startswith("--set "):  # a command-line override, not a file
            return f"--set '{self.file[6:]}' (column {self.column})"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, said so that a person can act on it."""

    message: str
    path: Path = ()
    position: Position | None = None
    expected: str | None = None
    hint: str | None = None
    severity: str = "error"  # "error" or "warning"

    @property
    def dotted(self) -> str:
        return dotted(self.path)

    def __str__(self) -> str:
        where = f"{self.position}: " if self.position else ""
        what = f"{self.dotted}: " if self.path else ""
        text = f"{where}{what}{self.message}"
        if self.expected:
            text += f" (expected {self.expected})"
        if self.hint:
            text += f"; {self.hint}"
        if self.severity != "error":
            text = f"{text} [{self.severity}]"
        return text


@dataclass
class ScenarioError(Exception):
    """Raised with every problem found; ``str()`` gives one line per problem."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def dotted(path: Sequence[str | int]) -> str:
    """``("parties", "russia", "stakes")`` -> ``parties.russia.stakes``; list items as ``[i]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean 'x'?" hint for a likely typo, or None when nothing is close."""
    close = difflib.get_close_matches(str(word), sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
