"""Read scenario YAML safely, keeping the line and column of every value.

Scenario files are written by hand, so a later stage must be able to say
``file:line:col: path.to.field: message``; this module therefore returns, next to the plain
Python data, the position of every value and every mapping key, keyed by its path.

Hostile input is refused quickly and in bounded memory, in three steps:

1. the size (a file's ``os.stat`` size, before reading a byte) against ``max_bytes``;
2. one pass over the parser's event stream, which is iterative, counting nesting depth,
   aliases and values, where every alias counts the full size and depth of the value it
   repeats, so an alias bomb ("billion laughs", merge-key bombs) is refused before any node
   tree is built;
3. only then is the node tree composed and turned into Python values, with safe scalar
   resolution and no tag outside plain YAML (nothing is ever constructed from a tag).

Numbers are also refused past 4300 characters (Python's own limit on reading an integer): a
long YAML 1.1 base-60 number such as ``1:2:3:...`` costs PyYAML's resolver ~60 bytes a part and
its constructor quadratic time, so a plain value that starts with a long run of number
characters is refused in the event pass, before anything resolves it.

Every problem is raised as :class:`~sim.errors.ScenarioError`; no ``yaml.YAMLError``,
``RecursionError``, ``MemoryError`` or ``UnicodeError`` escapes.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import yaml
from yaml.constructor import SafeConstructor
from yaml.error import MarkedYAMLError
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    ScalarEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from .errors import Path, Position, Problem, ScenarioError, did_you_mean

__all__ = ["LIMITS", "Document", "dump_yaml", "read_yaml_file", "read_yaml_text"]

LIMITS: dict[str, int] = {
    # Largest input accepted, in bytes of UTF-8 text.
    "max_bytes": 16 * 2**20,
    # Deepest nesting of lists and mappings, counted after aliases are expanded.
    "max_depth": 64,
    # Most alias uses (``*name``) in one file.
    "max_aliases": 100,
    # Most values (scalars, lists, mappings, keys included), each alias counting every value it
    # repeats.
    "max_nodes": 2_000_000,
}
"""Default limits on the input; pass ``limits={...}`` to override some of them. Do not mutate."""

_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)

_YAML: Final = "tag:yaml.org,2002:"
_STR: Final = _YAML + "str"
_INT: Final = _YAML + "int"
_FLOAT: Final = _YAML + "float"
_TIMESTAMP: Final = _YAML + "timestamp"
_SEQ: Final = _YAML + "seq"
_MAP: Final = _YAML + "map"
_MERGE: Final = _YAML + "merge"
_VALUE: Final = _YAML + "value"
_SCALAR_TAGS: Final = frozenset({_STR, _INT, _FLOAT, _YAML + "bool", _YAML + "null", _TIMESTAMP})
_STANDARD_TAGS: Final = _SCALAR_TAGS | {_SEQ, _MAP}

_MAX_NUMBER_CHARS: Final = 4300
_NUMBER_CHARS: Final = "-+0123456789_:."

# Characters YAML (and so both PyYAML's reader and libyaml's) refuses in a stream.
_NON_PRINTABLE: Final = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


class _Mark(Protocol):
    """Where PyYAML or libyaml saw something: 0-based line and column, character index."""

    index: int
    line: int
    column: int


_INVALID: Final = object()
"""Stands for a value that could not be built; a problem has been recorded for it."""


@dataclass(frozen=True)
class Document:
    """One YAML document as plain Python data, with where each value and key was written.

    ``positions`` maps the path of every value (root ``()``, mapping keys, list indexes as
    ``int``) to its position; ``key_positions`` maps the same path to the key that introduces
    it. A path holds a mapping key itself when it is a ``str`` or ``int``, and the key's text as
    written otherwise (a ``float`` key). A file with no document (empty, or only comments) has
    ``data`` None and no positions.
    Values repeated by an alias carry the positions of the anchored original.
    """

    data: Any
    positions: dict[Path, Position]
    key_positions: dict[Path, Position]


def read_yaml_text(
    text: str | bytes, source: str, *, limits: Mapping[str, int] | None = None
) -> Document:
    """Read one YAML document from ``text``; ``source`` names it in every problem reported."""
    limit = _limits(limits)
    if isinstance(text, bytes):
        _check_size(len(text), source, limit)
        text = _decode(text, source)
    else:
        _check_size(len(text), source, limit)  # a character is at least one byte
        _check_size(len(text.encode("utf-8", "surrogatepass")), source, limit)
    return _read(text, source, limit)


def read_yaml_file(
    path: str | os.PathLike[str],
    *,
    source: str | None = None,
    limits: Mapping[str, int] | None = None,
) -> Document:
    """Read one YAML document from a file, refusing a file too large before reading a byte.

    ``source`` names the file in problems and defaults to ``path`` as given.
    """
    limit = _limits(limits)
    name = str(path) if source is None else source
    start = Position(name, 1, 1)
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise _refuse(start, "this is a directory, not a file", expected="a YAML file")
        _check_size(info.st_size, name, limit)
        with open(path, "rb") as stream:
            # Bounded even where the size said nothing (a pipe, /dev/zero, a growing file).
            data = stream.read(limit["max_bytes"] + 1)
    except FileNotFoundError:
        raise _refuse(start, "file not found", hint=_similar_file(path)) from None
    except PermissionError:
        raise _refuse(start, "the file cannot be read: permission denied") from None
    except OSError as error:
        raise _refuse(start, f"the file cannot be read: {error.strerror or error}") from None
    return read_yaml_text(data, name, limits=limit)


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, but text holding U+0085 (NEL) is double-quoted, where it is
    escaped: PyYAML writes it raw in other styles, and it then reads back as a space."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    """Text in the dumper's usual style, double-quoted when it holds U+0085."""
    return dumper.represent_scalar(_STR, text, style='"' if "\x85" in text else None)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """Write plain data as block-style YAML, keeping mapping order, that reads back equal."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
    )


def _read(text: str, source: str, limit: Mapping[str, int]) -> Document:
    """Check the text within the limits, then build the document, translating every failure."""
    bad = _NON_PRINTABLE.search(text)
    if bad:
        raise _refuse(
            _position_in(text, bad.start(), source),
            f"character U+{ord(bad.group()):04X} is not allowed in YAML text",
            hint="remove it; a file holding it is often not a text file at all",
        )
    builder = _Builder(source)
    try:
        _EventCheck(source, limit).run(text)
        root = yaml.compose(text, Loader=_LOADER)
        data = None if root is None else builder.value(root, ())
    except MarkedYAMLError as error:
        raise ScenarioError([_syntax_problem(error, text, source)]) from None
    except yaml.YAMLError as error:
        raise _refuse(Position(source, 1, 1), f"YAML error: {error}") from None
    except RecursionError:
        raise _refuse(Position(source, 1, 1), "too deeply nested to read") from None
    except MemoryError:
        raise _refuse(Position(source, 1, 1), "too large to read in memory") from None
    if builder.problems:
        raise ScenarioError(builder.sorted_problems())
    return Document(data, builder.positions, builder.key_positions)


class _EventCheck:
    """One pass over the event stream enforcing the limits before any node tree is built.

    An alias counts the values and nesting of what it repeats, so the totals are those of the
    fully expanded document.
    """

    def __init__(self, source: str, limit: Mapping[str, int]) -> None:
        self.source = source
        self.limit = limit
        self.documents = 0
        self.aliases = 0
        self.nodes = 0
        self.anchor_lines: dict[str, int] = {}
        # Expanded size of each finished anchored value: (values, nesting levels).
        self.anchor_sizes: dict[str, tuple[int, int]] = {}
        # Each open list or mapping: its anchor, values so far, nesting levels so far.
        self.open: list[tuple[str | None, int, int]] = []

    def run(self, text: str) -> None:
        """Go through every event of ``text``, raising at the first limit passed."""
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    raise _refuse(
                        self._at(event),
                        "more than one YAML document in the file",
                        hint="a scenario is one document: remove the second '---' "
                        "(or the '...') and what follows, or split the file",
                    )
            elif isinstance(event, AliasEvent):
                self._alias(event)
            elif isinstance(event, ScalarEvent | CollectionStartEvent):
                self._node(event)
            elif isinstance(event, CollectionEndEvent):
                anchor, nodes, levels = self.open.pop()
                if anchor is not None:
                    self.anchor_sizes[anchor] = (nodes, levels)
                self._add_to_parent(nodes, levels)

    def _node(self, event: ScalarEvent | CollectionStartEvent) -> None:
        """A scalar, or the start of a list or mapping."""
        self._count(1, event)
        if event.anchor is not None:
            first = self.anchor_lines.get(event.anchor)
            if first is not None:
                raise _refuse(
                    self._at(event),
                    f"anchor '&{_show(event.anchor)}' is defined twice",
                    hint=f"it was first given at line {first}; use another name",
                )
            self.anchor_lines[event.anchor] = self._at(event).line
        if isinstance(event, ScalarEvent):
            leading = len(event.value) - len(event.value.lstrip(_NUMBER_CHARS))
            if event.implicit[0] and leading > _MAX_NUMBER_CHARS:
                raise _refuse(self._at(event), _too_long(event.value))
            if event.anchor is not None:
                self.anchor_sizes[event.anchor] = (1, 0)
            self._add_to_parent(1, 0)
            return
        if len(self.open) + 1 > self.limit["max_depth"]:
            raise _refuse(
                self._at(event),
                f"too deeply nested: more than {self.limit['max_depth']} levels",
                expected="a scenario file, which needs fewer than 10",
            )
        self.open.append((event.anchor, 1, 1))

    def _alias(self, event: AliasEvent) -> None:
        """A use of ``*name``: counted, and sized as the whole value it repeats."""
        name = event.anchor or ""
        self.aliases += 1
        if self.aliases > self.limit["max_aliases"]:
            raise _refuse(
                self._at(event),
                f"too many aliases: more than {self.limit['max_aliases']}",
                expected="a scenario file, which needs few or none",
            )
        if name not in self.anchor_lines:
            raise _refuse(
                self._at(event),
                f"unknown alias '*{_show(name)}'",
                hint=f"an alias repeats a value marked '&{_show(name)}' earlier in the file",
            )
        size = self.anchor_sizes.get(name)
        if size is None:
            raise _refuse(
                self._at(event),
                f"alias '*{_show(name)}' is used inside the value it repeats",
                hint="a value cannot contain itself",
            )
        nodes, levels = size
        self._count(nodes, event)
        if len(self.open) + levels > self.limit["max_depth"]:
            raise _refuse(
                self._at(event),
                f"too deeply nested: more than {self.limit['max_depth']} levels "
                "once aliases are expanded",
                expected="a scenario file, which needs fewer than 10",
            )
        self._add_to_parent(nodes, levels)

    def _count(self, nodes: int, event: Event) -> None:
        """Add ``nodes`` values to the document's total, refusing past the limit."""
        self.nodes += nodes
        if self.nodes > self.limit["max_nodes"]:
            raise _refuse(
                self._at(event),
                f"too many values: more than {self.limit['max_nodes']:,} once aliases are expanded",
                expected="a scenario file, which has a few thousand at most",
            )

    def _add_to_parent(self, nodes: int, levels: int) -> None:
        """Account a finished child of ``nodes`` values and ``levels`` nesting to its parent."""
        if self.open:
            anchor, parent_nodes, parent_levels = self.open[-1]
            self.open[-1] = (anchor, parent_nodes + nodes, max(parent_levels, levels + 1))

    def _at(self, event: Event) -> Position:
        return _position(self.source, event.start_mark)


class _Builder:
    """Turns a composed node tree into plain values, recording positions and problems."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.positions: dict[Path, Position] = {}
        self.key_positions: dict[Path, Position] = {}
        self.problems: list[Problem] = []
        self._constructor = SafeConstructor()
        self._resolve: Callable[[type[Node], str, tuple[bool, bool]], str] = Resolver().resolve

    def value(self, node: Node, path: Path) -> Any:
        """The Python value of ``node`` found at ``path``; ``_INVALID`` after a problem."""
        self.positions[path] = self._at(node)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                return self._bad_tag(node, path)
            return [self.value(item, (*path, index)) for index, item in enumerate(node.value)]
        if isinstance(node, MappingNode) and node.tag == _MAP:
            return self._mapping(node, path)
        return self._bad_tag(node, path)

    def sorted_problems(self) -> list[Problem]:
        """Problems in file order, each once (a value repeated by aliases is checked each time)."""
        unique: dict[tuple[Position | None, str], Problem] = {}
        for problem in self.problems:
            unique.setdefault((problem.position, problem.message), problem)
        return sorted(
            unique.values(),
            key=lambda p: (p.position.line, p.position.column) if p.position else (0, 0),
        )

    def _scalar(self, node: ScalarNode, path: Path) -> Any:
        tag, text = node.tag, node.value
        if tag not in _SCALAR_TAGS:
            return self._bad_tag(node, path)
        if tag == _STR:
            return text
        if tag in (_INT, _FLOAT) and len(text) > _MAX_NUMBER_CHARS:
            return self._problem(node, path, _too_long(text))
        # An explicit tag must agree with how the text reads, or the constructor would fail.
        if self._resolve(ScalarNode, text, (True, False)) != tag:
            return self._problem(node, path, f"'{_show(text)}' cannot be read as {_show_tag(tag)}")
        try:
            value = SafeConstructor.yaml_constructors[tag](self._constructor, node)
        except ValueError as error:
            kind = "date" if tag == _TIMESTAMP else "number"
            return self._problem(node, path, f"'{_show(text)}' is not a valid {kind}: {error}")
        if isinstance(value, float) and not math.isfinite(value):
            return self._problem(
                node, path, f"'{_show(text)}' is not a number here", expected="a finite number"
            )
        return value

    def _mapping(self, node: MappingNode, path: Path) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        first_lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self._problem(
                    key_node,
                    path,
                    "merge keys (<<) are not supported",
                    hint="write the fields out, or use 'extends:' to build on another "
                    "scenario file",
                )
                continue
            if not isinstance(key_node, ScalarNode):
                kind = "list" if isinstance(key_node, SequenceNode) else "mapping"
                self._problem(
                    key_node, path, f"a {kind} cannot be a key", expected="a name or a number"
                )
                continue
            text = key_node.value
            key = self._scalar(key_node, (*path, text))
            if key is _INVALID:
                continue
            if isinstance(key, bool) or not isinstance(key, str | int | float):
                self._problem(
                    key_node,
                    (*path, text),
                    f"key '{_show(text)}' was read as {_describe(key)}",
                    hint=f"quote it ('{_show(text)}') if you meant the name",
                )
                continue
            where: Path = (*path, key if isinstance(key, str | int) else text)
            if key in first_lines:
                self._problem(
                    key_node,
                    where,
                    f"duplicate key '{_show(text)}'",
                    hint=f"it was first given at line {first_lines[key]}",
                )
                self.value(value_node, where)  # still checked, for the problems inside
                continue
            first_lines[key] = self._at(key_node).line
            self.key_positions[where] = self._at(key_node)
            out[key] = self.value(value_node, where)
        return out

    def _bad_tag(self, node: Node, path: Path) -> Any:
        shown = _show_tag(node.tag)
        if node.tag in _STANDARD_TAGS:
            kind = {ScalarNode: "single value", SequenceNode: "list"}.get(type(node), "mapping")
            return self._problem(node, path, f"the YAML tag '{shown}' does not fit a {kind}")
        hint = None
        if node.tag == _VALUE:
            hint = f"quote it ('{_show(node.value)}') if you meant the text"
        return self._problem(
            node,
            path,
            f"unsupported YAML tag '{shown}'",
            expected="plain YAML values",
            hint=hint,
        )

    def _problem(
        self,
        node: Node,
        path: Path,
        message: str,
        *,
        expected: str | None = None,
        hint: str | None = None,
    ) -> Any:
        """Record a problem at ``node`` and return ``_INVALID`` to stand for its value."""
        self.problems.append(Problem(message, path, self._at(node), expected, hint))
        return _INVALID

    def _at(self, node: Node) -> Position:
        return _position(self.source, node.start_mark)


def _limits(limits: Mapping[str, int] | None) -> dict[str, int]:
    """The defaults with ``limits`` laid over them; an unknown name is a programming error."""
    unknown = set(limits or ()) - set(LIMITS)
    if unknown:
        raise ValueError(f"unknown YAML limit(s): {', '.join(sorted(unknown))}")
    return {**LIMITS, **(limits or {})}


def _check_size(size: int, source: str, limit: Mapping[str, int]) -> None:
    if size > limit["max_bytes"]:
        raise _refuse(
            Position(source, 1, 1),
            f"too large: {_bytes(size)}, more than the limit of {_bytes(limit['max_bytes'])}",
            expected="a scenario file, which is a few KiB",
        )


def _decode(data: bytes, source: str) -> str:
    """UTF-8 text (a byte-order mark is dropped), or a problem at the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = data[: error.start].decode("utf-8-sig")
        raise _refuse(
            _position_in(before, len(before), source),
            f"not UTF-8 text: byte 0x{data[error.start]:02x} cannot be read",
            expected="a text file saved as UTF-8",
            hint="save the file as UTF-8",
        ) from None


def _syntax_problem(error: MarkedYAMLError, text: str, source: str) -> Problem:
    """A parser's complaint, at its mark, with a hint for the usual slips."""
    mark = error.problem_mark or error.context_mark
    hints = []
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        hints.append("indent with spaces: YAML does not allow tabs there")
    if error.problem and "mapping values are not allowed" in error.problem:
        hints.append("put quotes around a value that holds ': '")
    at = _position(source, mark)
    if error.context and error.context_mark is not None:
        start = _position(source, error.context_mark)
        if start != at:
            hints.append(f"{error.context} that starts at line {start.line}, column {start.column}")
    return Problem(
        f"YAML syntax error: {error.problem or error.context}",
        position=at,
        hint="; ".join(hints) or None,
    )


def _similar_file(path: str | os.PathLike[str]) -> str | None:
    """A "did you mean" hint naming a YAML file beside a missing one."""
    folder, name = os.path.split(os.fspath(path))
    try:
        names = [entry for entry in os.listdir(folder or ".") if entry.endswith((".yaml", ".yml"))]
    except OSError:
        return None
    return did_you_mean(name, names)


def _refuse(
    position: Position, message: str, *, expected: str | None = None, hint: str | None = None
) -> ScenarioError:
    return ScenarioError([Problem(message, (), position, expected, hint)])


def _position(source: str, mark: _Mark | None) -> Position:
    """A 1-based position from a PyYAML or libyaml mark (0-based); the start if there is none."""
    if mark is None:
        return Position(source, 1, 1)
    return Position(source, mark.line + 1, mark.column + 1)


def _position_in(text: str, index: int, source: str) -> Position:
    """The 1-based position of character ``index`` of ``text``."""
    line_start = text.rfind("\n", 0, index) + 1
    return Position(source, text.count("\n", 0, index) + 1, index - line_start + 1)


def _too_long(text: str) -> str:
    """The message for a number too long to read safely."""
    return f"'{_show(text)}' is too long to be a number"


def _show(text: str, width: int = 40) -> str:
    """``text`` cut short enough to quote in a message."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _show_tag(tag: str) -> str:
    """A tag as it is written in YAML: ``!!int``, ``!local``, or ``!<full:uri>``."""
    if tag.startswith(_YAML):
        return "!!" + _show(tag[len(_YAML) :])
    return _show(tag) if tag.startswith("!") else f"!<{_show(tag)}>"


def _describe(value: Any) -> str:
    """What a key that is not a name or number was read as, for the message."""
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, datetime.datetime):
        return "a date and time"
    return "a date"


def _bytes(size: int) -> str:
    if size >= 2**20:
        return f"{size / 2**20:.3g} MiB"
    if size >= 2**10:
        return f"{size / 2**10:.3g} KiB"
    return f"{size} bytes"
