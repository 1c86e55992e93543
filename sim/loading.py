"""From a scenario file to a validated :class:`~sim.scenario.Scenario`, or to every problem.

The pipeline: read YAML safely with positions (``sim/yamlio.py``) -> resolve ``extends:``
(merged by id) -> apply ``--set path=value`` overrides -> validate types (pydantic) -> check
semantics (``check_scenario``) -> check cited fact ids against the fact base. Every problem is
translated into ``file:line:column: path: message (expected ...); did you mean ...`` and all of
them are raised together in one :class:`~sim.errors.ScenarioError`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from .distributions import DIST_NAMES, Choice, Cited, Fixed
from .errors import Path, Position, Problem, ScenarioError, did_you_mean, dotted
from .facts import fact_ids, read_fact_base
from .ids import ID_EXPECTED, ID_RE
from .scenario import Scenario, check_scenario
from .tactics import REGISTRY
from .yamlio import Document, dump_yaml, read_yaml_file, read_yaml_text

MAX_EXTENDS_DEPTH = 16


@dataclass(frozen=True)
class Loaded:
    """A validated scenario and where it came from."""

    scenario: Scenario
    path: str | None
    files: tuple[str, ...]
    overrides: tuple[str, ...]
    sha256: str
    warnings: tuple[Problem, ...] = ()
    facts: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Raw documents: extends and overrides
# ---------------------------------------------------------------------------------------------


@dataclass
class Raw:
    """Plain data with the position of every value and key."""

    data: Any
    positions: dict[Path, Position]
    key_positions: dict[Path, Position]

    def where(self, path: Path, *, key: bool = False) -> Position | None:
        """The position of ``path``'s key (or value), else of its nearest ancestor."""
        p = tuple(path)
        if key and p in self.key_positions:
            return self.key_positions[p]
        while True:
            if p in self.positions:
                return self.positions[p]
            if not p:
                return None
            p = p[:-1]


def _from_document(doc: Document) -> Raw:
    return Raw(doc.data, dict(doc.positions), dict(doc.key_positions))


def _subtree(positions: dict[Path, Position], prefix: Path) -> dict[Path, Position]:
    n = len(prefix)
    return {p: pos for p, pos in positions.items() if p[:n] == prefix}


def _merge(base: Raw, child: Raw, prefix: Path = ()) -> None:
    """Merge ``child``'s mapping at ``prefix`` into ``base`` in place: by key, recursively;
    lists, numbers (bare, cited or distributions) and text replace; ``null`` removes the key."""
    b = _get(base.data, prefix)
    c = _get(child.data, prefix)
    for key, value in c.items():
        path = prefix + (key,)
        if value is None:
            b.pop(key, None)
            _drop(base, path)
        elif isinstance(value, dict) and isinstance(b.get(key), dict) and not _is_number(value):
            if path in child.key_positions:
                base.key_positions[path] = child.key_positions[path]
            _merge(base, child, path)
        else:
            b[key] = copy.deepcopy(value)
            _drop(base, path)
            base.positions.update(_subtree(child.positions, path))
            base.key_positions.update(_subtree(child.key_positions, path))


def _is_number(value: dict[Any, Any]) -> bool:
    """A cited number or a distribution replaces the field it overrides; it never merges."""
    return "value" in value or "dist" in value


def _drop(raw: Raw, path: Path) -> None:
    for d in (raw.positions, raw.key_positions):
        for p in list(_subtree(d, path)):
            del d[p]


def _get(data: Any, path: Path) -> Any:
    for k in path:
        data = data[k]
    return data


def _resolve(path: FsPath, source: str, chain: tuple[FsPath, ...]) -> tuple[Raw, list[str]]:
    """Read ``path`` and, recursively, the files it extends; merged, with their file names."""
    doc = read_yaml_file(path, source=source)
    raw = _from_document(doc)
    if raw.data is None:
        raise ScenarioError(
            [
                Problem(
                    "the file is empty",
                    (),
                    Position(source, 1, 1),
                    expected="a scenario mapping (title, rounds, issues, ...)",
                )
            ]
        )
    if not isinstance(raw.data, dict):
        raise ScenarioError(
            [
                Problem(
                    "a scenario file must be a mapping",
                    (),
                    raw.where(()),
                    expected="keys such as title, rounds, issues, parties",
                )
            ]
        )
    parent = raw.data.pop("extends", None)
    if parent is None:
        return raw, [source]
    pos = raw.where(("extends",))
    if not isinstance(parent, str):
        raise ScenarioError(
            [
                Problem(
                    "extends names one scenario file",
                    ("extends",),
                    pos,
                    expected="a relative path, as base.yaml",
                )
            ]
        )
    target = (path.parent / parent).resolve()
    if target in chain or target == path.resolve():
        raise ScenarioError(
            [Problem(f"'{parent}' extends itself through a cycle", ("extends",), pos)]
        )
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            [
                Problem(
                    "too many levels of extends",
                    ("extends",),
                    pos,
                    expected=f"at most {MAX_EXTENDS_DEPTH}",
                )
            ]
        )
    if not target.is_file():
        hint = did_you_mean(parent, [p.name for p in path.parent.glob("*.yaml")])
        raise ScenarioError(
            [Problem(f"cannot extend '{parent}': no such file", ("extends",), pos, hint=hint)]
        )
    base_source = str(FsPath(source).parent / parent)
    base, files = _resolve(target, base_source, chain + (path.resolve(),))
    _merge(base, raw)
    return base, files + [source]


def _apply_override(raw: Raw, text: str) -> None:
    """``--set a.b.c=value``: the value is YAML (a number, text, a mapping such as
    ``{dist: normal, mean: 1, sd: 0.2}``, or ``null`` to remove the field)."""
    where = Position(f"--set {text}", 1, 1)
    if "=" not in text:
        raise ScenarioError(
            [
                Problem(
                    "an override is path=value",
                    (),
                    where,
                    expected="for example parties.russia.capability=1.5",
                )
            ]
        )
    dotted_path, _, value_text = text.partition("=")
    parts: list[str | int] = []
    for word in dotted_path.strip().split("."):
        parts.append(int(word) if word.isdigit() else word)
    if not dotted_path.strip() or any(s == "" for s in parts):
        raise ScenarioError([Problem("empty segment in the path", (), where)])
    doc = read_yaml_text(value_text, source=f"--set {text}")
    node: Any = raw.data
    for k, seg in enumerate(parts[:-1]):
        here = tuple(parts[:k])
        ok = (isinstance(node, dict) and seg in node) or (
            isinstance(node, list) and isinstance(seg, int) and seg < len(node)
        )
        if not ok:
            known = [str(x) for x in node] if isinstance(node, dict) else []
            raise ScenarioError(
                [
                    Problem(
                        f"no field '{seg}' at {dotted(here) or 'the top level'}",
                        tuple(parts[: k + 1]),
                        where,
                        hint=did_you_mean(str(seg), known),
                    )
                ]
            )
        node = node[seg]
    last = parts[-1]
    if not isinstance(node, dict | list):
        raise ScenarioError(
            [Problem(f"{dotted(parts[:-1])} holds a value, not fields", tuple(parts), where)]
        )
    path = tuple(parts)
    _drop(raw, path)
    if isinstance(node, list):
        if not isinstance(last, int) or last >= len(node):
            raise ScenarioError([Problem("no such list item", path, where)])
        node[last] = doc.data
    elif doc.data is None:
        node.pop(last, None)
        return
    else:
        node[last] = doc.data
    col = len(dotted_path) + 2
    for p, pos in doc.positions.items():
        raw.positions[path + p] = Position(pos.file, pos.line, pos.column + col - 1)
    for p, pos in doc.key_positions.items():
        raw.key_positions[path + p] = Position(pos.file, pos.line, pos.column + col - 1)


# ---------------------------------------------------------------------------------------------
# Translating pydantic's errors into problems a person can act on
# ---------------------------------------------------------------------------------------------

_TYPE_WORDS = {
    "float_type": "a number",
    "int_type": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "dict_type": "a mapping",
    "list_type": "a list",
    "date_type": "a date (YYYY-MM-DD)",
    "int_from_float": "a whole number",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()} (unquoted yes/no/on/off/true/false)"
    if isinstance(value, str):
        return f"the text '{value}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return f"{type(value).__name__} {value!r}"


def _lookup(data: Any, loc: Sequence[str | int]) -> tuple[Path, Any, bool]:
    """Follow pydantic's ``loc`` through the raw data, skipping union tags and other labels
    that are not keys; returns the path, the value there, and whether it was found."""
    path: list[str | int] = []
    node = data
    found = True
    for seg in loc:
        if seg == "[key]":
            path.append(seg)
            continue
        if isinstance(node, dict) and seg in node:
            node = node[seg]
            path.append(seg)
        elif isinstance(node, dict) and isinstance(seg, str) and _float_key(node, seg):
            node = node[_float_key(node, seg)]
            path.append(seg)
        elif isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
            node = node[seg]
            path.append(seg)
        elif isinstance(node, dict) and isinstance(seg, str) and seg in DIST_NAMES + ("fixed",):
            continue  # a union tag
        elif isinstance(seg, str) and ("[" in seg or "function" in seg or seg.startswith("tagged")):
            continue
        else:
            path.append(seg)
            found = False
            node = None
    return tuple(path), node, found


def _float_key(node: dict[Any, Any], seg: str) -> Any:
    for k in node:
        if str(k) == seg:
            return k
    return None


def _model_at(path: Path, data: Any) -> type[BaseModel] | None:
    """The model class that governs the mapping at ``path`` (for listing its fields)."""
    cls: Any = Scenario
    node = data
    rest = list(path)
    while rest:
        seg = rest.pop(0)
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            return None
        f = cls.model_fields.get(str(seg))
        if f is None:
            return None
        node = node.get(seg) if isinstance(node, dict) else None
        ann = f.annotation
        while True:
            ann = _unwrap(ann)
            origin = typing.get_origin(ann)
            if origin in (dict, list) and rest:
                seg2 = rest.pop(0)
                node = (
                    node.get(seg2)
                    if isinstance(node, dict)
                    else node[seg2]
                    if isinstance(node, list) and isinstance(seg2, int) and seg2 < len(node)
                    else None
                )
                ann = typing.get_args(ann)[-1]
                continue
            break
        if _is_param(ann):
            if isinstance(node, dict) and node.get("dist") in DIST_NAMES:
                from . import distributions as d

                cls = {
                    "normal": d.Normal,
                    "uniform": d.Uniform,
                    "triangular": d.Triangular,
                    "beta": d.Beta,
                    "choice": d.Choice,
                }[node["dist"]]
            else:
                cls = Fixed
        else:
            cls = ann
    return cls if isinstance(cls, type) and issubclass(cls, BaseModel) else None


def _unwrap(ann: Any) -> Any:
    """Strip Optional and Annotated wrappers that are not a Param union."""
    while True:
        if typing.get_origin(ann) is typing.Annotated and not _is_param(ann):
            ann = typing.get_args(ann)[0]
            continue
        if typing.get_origin(ann) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            if len(args) == 1:
                ann = args[0]
                continue
        return ann


def _is_param(ann: Any) -> bool:
    text = repr(ann)
    return "Fixed" in text and ("Normal" in text or "Choice" in text)


def _fields(cls: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in cls.model_fields.items()]


def _translate(err: Any, raw: Raw) -> Problem:
    loc = err["loc"]
    kind = err["type"]
    path, value, found = _lookup(raw.data, loc)
    clean = tuple(p for p in path if p != "[key]")
    if kind == "extra_forbidden":
        parent = _model_at(clean[:-1], raw.data)
        names = _fields(parent) if parent else []
        field_name = str(clean[-1])
        hint = did_you_mean(field_name, names)
        if parent is Fixed and field_name in ("mean", "sd", "low", "high", "mode", "values"):
            hint = "a distribution needs 'dist:' (normal, uniform, triangular, beta or choice)"
        return Problem(
            f"unknown field '{field_name}'",
            clean,
            raw.where(clean, key=True),
            expected=f"one of: {', '.join(names)}" if names else None,
            hint=hint,
        )
    if kind == "missing":
        return Problem(f"missing required field '{clean[-1]}'", clean, raw.where(clean[:-1]))
    pos = raw.where(clean, key="[key]" in path)
    if "[key]" in path:
        return Problem(
            f"'{clean[-1]}' is not a valid id",
            clean,
            pos,
            expected=ID_EXPECTED,
            hint=_id_hint(clean[-1]),
        )
    if kind in _TYPE_WORDS:
        hint = None
        if isinstance(value, str) and _numeric(value) and kind in ("float_type", "int_type"):
            hint = "remove the quotes to give a number"
        if isinstance(value, bool) and kind == "string_type":
            hint = f"quote it ('{str(value).lower()}') if you meant text"
        return Problem(
            f"expected {_TYPE_WORDS[kind]}, got {_describe(value)}", clean, pos, hint=hint
        )
    if kind == "finite_number":
        return Problem("not a finite number", clean, pos, expected="a finite number")
    if kind == "string_pattern_mismatch":
        pattern = str(err.get("ctx", {}).get("pattern", ""))
        if "#" in pattern:
            return Problem(
                f"'{value}' is not a fact id",
                clean,
                pos,
                expected="<source key>#<fact number>, as stratfor_2026-02#7",
            )
        return Problem(
            f"'{value}' is not a valid id", clean, pos, expected=ID_EXPECTED, hint=_id_hint(value)
        )
    if kind == "literal_error":
        return Problem(err["msg"], clean, pos)
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return Problem(msg[0].lower() + msg[1:] if msg else kind, clean, pos)


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _id_hint(value: Any) -> str | None:
    if isinstance(value, bool):
        return f"quote it ('{str(value).lower()}') if you meant the id"
    text = str(value)
    fixed = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in text)
    if fixed and not fixed[0].isalpha():
        fixed = "x" + fixed
    return f"try '{fixed}'" if fixed != text and ID_RE.match(fixed) else None


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def _validate(raw: Raw, base_dir: FsPath | None) -> tuple[Scenario, list[Problem], dict[str, str]]:
    problems: list[Problem] = []
    try:
        scenario = Scenario.model_validate(raw.data)
    except ValidationError as exc:
        problems = [_translate(e, raw) for e in exc.errors()]
        partial = _partial(raw, exc)
        if partial is None:
            raise ScenarioError(problems) from None
        scenario = partial
        dropped = _dropped_ids(exc)
    else:
        dropped = set()
    tactic_names = list(REGISTRY)
    for p in check_scenario(scenario, tactic_names, dropped=dropped):
        problems.append(_place(p, raw))
    facts: dict[str, str] = {}
    fact_problems, facts = _check_facts(scenario, raw, base_dir)
    problems.extend(fact_problems)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ScenarioError(_sorted(problems))
    return scenario, _sorted(problems), facts


def _place(p: Problem, raw: Raw) -> Problem:
    return Problem(p.message, p.path, raw.where(p.path), p.expected, p.hint, p.severity)


def _sorted(problems: list[Problem]) -> list[Problem]:
    def key(p: Problem) -> tuple[str, int, int]:
        pos = p.position
        return (pos.file, pos.line, pos.column) if pos else ("", 0, 0)

    return sorted(problems, key=key)


_COLLECTIONS = ("issues", "parties", "actors", "pressures", "leverage")


def _dropped_ids(exc: ValidationError) -> set[str]:
    return {
        str(e["loc"][1]) for e in exc.errors() if len(e["loc"]) >= 2 and e["loc"][0] in _COLLECTIONS
    }


def _partial(raw: Raw, exc: ValidationError) -> Scenario | None:
    """The scenario without the entities that failed, so that semantic checks can still run
    and report their problems alongside the type errors (None if the rest fails too)."""
    data = copy.deepcopy(raw.data) if isinstance(raw.data, dict) else None
    if data is None:
        return None
    for e in exc.errors():
        loc = e["loc"]
        if len(loc) >= 2 and loc[0] in _COLLECTIONS and isinstance(data.get(loc[0]), dict):
            data[loc[0]].pop(loc[1], None)
    try:
        return Scenario.model_validate(data)
    except ValidationError:
        return None


def _check_facts(
    s: Scenario, raw: Raw, base_dir: FsPath | None
) -> tuple[list[Problem], dict[str, str]]:
    cited = list(cited_facts(s))
    if not cited:
        return [], {}
    if s.fact_base is None or base_dir is None:
        p = cited[0][0]
        return [
            Problem(
                "this scenario cites facts but names no fact base",
                p,
                raw.where(p),
                hint="add 'fact_base: ../seeds' (relative to the scenario file)",
            )
        ], {}
    folder = base_dir / s.fact_base
    if not folder.is_dir():
        return [
            Problem(
                f"fact base folder '{s.fact_base}' not found",
                ("fact_base",),
                raw.where(("fact_base",)),
            )
        ], {}
    facts = fact_ids(read_fact_base(folder))
    out = []
    for path, fid in cited:
        if fid not in facts:
            out.append(
                Problem(
                    f"cites '{fid}', which is not in the fact base",
                    path,
                    raw.where(path),
                    hint=did_you_mean(fid, facts),
                )
            )
    return out, facts


def cited_facts(s: Scenario) -> list[tuple[Path, str]]:
    """Every (path, fact id) cited anywhere in the scenario, in file order."""
    out: list[tuple[Path, str]] = []
    stack: list[tuple[Path, Any]] = [((), scenario_data(s))]
    while stack:
        path, obj = stack.pop()
        if isinstance(obj, dict):
            items = list(obj.items())
        elif isinstance(obj, list):
            items = list(enumerate(obj))
        else:
            continue
        for k, v in reversed(items):
            if k == "source" and isinstance(v, list) and isinstance(obj, dict):
                out.extend(((*path, "source", j), fid) for j, fid in enumerate(v))
            else:
                stack.append(((*path, k), v))
    return out


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def load_scenario(path: str | FsPath, overrides: Sequence[str] = ()) -> Loaded:
    """Load, resolve, override and validate a scenario file; raise ScenarioError on problems."""
    fs = FsPath(path)
    raw, files = _resolve(fs, str(path), ())
    for text in overrides:
        _apply_override(raw, text)
    scenario, warnings, facts = _validate(raw, fs.parent)
    return Loaded(
        scenario,
        str(path),
        tuple(files),
        tuple(overrides),
        scenario_sha256(scenario),
        tuple(warnings),
        facts,
    )


def load_scenario_text(
    text: str,
    source: str = "<scenario>",
    overrides: Sequence[str] = (),
    base_dir: str | FsPath | None = None,
) -> Loaded:
    """The same, from a string (notebooks and tests); ``extends:`` is not available here."""
    doc = read_yaml_text(text, source)
    raw = _from_document(doc)
    if not isinstance(raw.data, dict):
        raise ScenarioError([Problem("a scenario must be a mapping", (), raw.where(()))])
    if "extends" in raw.data:
        raise ScenarioError(
            [
                Problem(
                    "extends needs a file; use load_scenario", ("extends",), raw.where(("extends",))
                )
            ]
        )
    for o in overrides:
        _apply_override(raw, o)
    scenario, warnings, facts = _validate(raw, FsPath(base_dir) if base_dir else None)
    return Loaded(
        scenario,
        None,
        (source,),
        tuple(overrides),
        scenario_sha256(scenario),
        tuple(warnings),
        facts,
    )


def scenario_data(s: Scenario) -> dict[str, Any]:
    """The scenario as plain YAML-ready data (uncited numbers bare, defaults kept)."""
    data: dict[str, Any] = s.model_dump(mode="python", exclude_none=True, by_alias=True)
    return data


def dump_scenario(s: Scenario) -> str:
    """YAML text that loads back to an equal scenario."""
    return dump_yaml(scenario_data(s))


def scenario_sha256(s: Scenario) -> str:
    """A hash of the resolved scenario's content (after extends and overrides)."""
    text = json.dumps(
        s.model_dump(mode="json", exclude_none=True, by_alias=True),
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def file_sha256(path: str | FsPath) -> str:
    return hashlib.sha256(FsPath(path).read_bytes()).hexdigest()


__all__ = [
    "Cited",
    "Choice",
    "Loaded",
    "dump_scenario",
    "file_sha256",
    "load_scenario",
    "load_scenario_text",
    "scenario_data",
    "scenario_sha256",
]
