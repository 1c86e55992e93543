"""Tests for sim.yamlio: positions, the messages a person reads, and refusal of hostile input.

Every test runs with the pure-Python parser and, where installed, with libyaml, since either
may be the one a user has.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import yamlio
from sim.errors import Position, ScenarioError
from sim.yamlio import LIMITS, dump_yaml, read_yaml_file, read_yaml_text

ROOT = Path(__file__).resolve().parents[1]

LOADERS = [pytest.param("SafeLoader", id="pure")]
if hasattr(yaml, "CSafeLoader"):
    LOADERS.append(pytest.param("CSafeLoader", id="libyaml"))


@pytest.fixture(autouse=True, params=LOADERS)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with one of the parsers; returns its name for subprocesses."""
    name: str = request.param
    monkeypatch.setattr(yamlio, "_LOADER", getattr(yaml, name))
    return name


def problems(text: str | bytes, **kwargs: Any) -> list[str]:
    """The lines a user sees for ``text``, which must be refused."""
    with pytest.raises(ScenarioError) as caught:
        read_yaml_text(text, "s.yaml", **kwargs)
    return str(caught.value).splitlines()


def doc(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# --- reading and positions -------------------------------------------------------------------

SCENARIO = doc(
    """
    # a small scenario
    title: Black Sea talks
    date: 2026-02-06
    parties:
      russia:
        capability: 0.7
        red_lines:
          - no_nato
          - {issue: crimea, min: 0.9}
      ukraine: {capability: 0.5, active: yes}
    """
)


def test_reads_plain_values() -> None:
    data = read_yaml_text(SCENARIO, "s.yaml").data
    assert data == {
        "title": "Black Sea talks",
        "date": datetime.date(2026, 2, 6),
        "parties": {
            "russia": {
                "capability": 0.7,
                "red_lines": ["no_nato", {"issue": "crimea", "min": 0.9}],
            },
            "ukraine": {"capability": 0.5, "active": True},  # YAML 1.1 'yes', kept as read
        },
    }
    assert list(data) == ["title", "date", "parties"]


def test_positions_of_nested_values_and_list_items() -> None:
    document = read_yaml_text(SCENARIO, "s.yaml")

    def at(line: int, column: int) -> Position:
        return Position("s.yaml", line, column)

    pos = document.positions
    assert pos[()] == at(2, 1)
    assert pos[("title",)] == at(2, 8)
    assert pos[("parties", "russia")] == at(6, 5)
    assert pos[("parties", "russia", "capability")] == at(6, 17)
    assert pos[("parties", "russia", "red_lines", 0)] == at(8, 9)
    assert pos[("parties", "russia", "red_lines", 1)] == at(9, 9)
    assert pos[("parties", "russia", "red_lines", 1, "min")] == at(9, 30)
    assert pos[("parties", "ukraine", "active")] == at(10, 38)

    keys = document.key_positions
    assert keys[("parties", "russia", "capability")] == at(6, 5)
    assert keys[("parties", "russia", "red_lines", 1, "min")] == at(9, 25)
    assert keys[("parties", "ukraine")] == at(10, 3)
    assert () not in keys


def test_positions_count_characters_not_bytes() -> None:
    document = read_yaml_text("é: [ä, {ö: 1}]\n", "s.yaml")
    assert document.positions[("é", 1, "ö")] == Position("s.yaml", 1, 12)


def test_timestamps() -> None:
    data = read_yaml_text("a: 2026-02-06\nb: 2026-02-06 10:30:00\n", "s.yaml").data
    assert data == {"a": datetime.date(2026, 2, 6), "b": datetime.datetime(2026, 2, 6, 10, 30)}
    assert problems("a: 2026-02-30\n") == [
        "s.yaml:1:4: a: '2026-02-30' is not a valid date: day is out of range for month"
    ]


def test_aliases_are_expanded_as_independent_copies() -> None:
    document = read_yaml_text("base: &b [1, 2]\ncopy: *b\n", "s.yaml")
    assert document.data == {"base": [1, 2], "copy": [1, 2]}
    assert document.data["base"] is not document.data["copy"]
    assert document.positions[("copy", 1)] == document.positions[("base", 1)]


def test_empty_document_is_none() -> None:
    for text in ["", "# only a comment\n"]:
        document = read_yaml_text(text, "s.yaml")
        assert document.data is None
        assert document.positions == {}
    assert read_yaml_text("---\n", "s.yaml").data is None


def test_bytes_are_read_as_utf8_with_or_without_bom() -> None:
    assert read_yaml_text("a: é\n".encode(), "s.yaml").data == {"a": "é"}
    assert read_yaml_text(b"\xef\xbb\xbfa: 1\n", "s.yaml").data == {"a": 1}


def test_not_utf8_points_at_the_byte() -> None:
    assert problems(b"a: 1\nb: caf\xe9\n") == [
        "s.yaml:2:7: not UTF-8 text: byte 0xe9 cannot be read (expected a text file saved "
        "as UTF-8); save the file as UTF-8"
    ]


def test_control_character_refused_with_position() -> None:
    assert problems("a: 1\nb: x\x00y\n") == [
        "s.yaml:2:5: character U+0000 is not allowed in YAML text; remove it; a file holding "
        "it is often not a text file at all"
    ]


# --- problems in the content -----------------------------------------------------------------


def test_all_duplicate_keys_reported_at_the_second_with_the_first_line() -> None:
    text = doc(
        """
        parties:
          russia: {capability: 0.7}
          ukraine: {capability: 0.5}
          russia: {capability: 0.9}
        issues:
          crimea: 1
          crimea: 2
        """
    )
    assert problems(text) == [
        "s.yaml:4:3: parties.russia: duplicate key 'russia'; it was first given at line 2",
        "s.yaml:7:3: issues.crimea: duplicate key 'crimea'; it was first given at line 6",
    ]


def test_duplicate_inside_an_aliased_value_is_reported_once() -> None:
    assert problems("a: &m {k: 1, k: 2}\nb: *m\nc: *m\n") == [
        "s.yaml:1:14: a.k: duplicate key 'k'; it was first given at line 1"
    ]


def test_keys_read_as_boolean_or_null() -> None:
    assert problems("no: 1\nyes: 2\n~: 3\n'off': 4\n") == [
        "s.yaml:1:1: no: key 'no' was read as a boolean; quote it ('no') if you meant the name",
        "s.yaml:2:1: yes: key 'yes' was read as a boolean; quote it ('yes') if you meant the name",
        "s.yaml:3:1: ~: key '~' was read as null; quote it ('~') if you meant the name",
    ]


def test_number_keys_are_kept() -> None:
    document = read_yaml_text("2026: a\n0.5: b\n", "s.yaml")
    assert document.data == {2026: "a", 0.5: "b"}
    assert document.positions[(2026,)] == Position("s.yaml", 1, 7)
    assert document.positions[("0.5",)] == Position("s.yaml", 2, 6)


def test_complex_key_refused() -> None:
    assert problems("? [a, b]\n: 1\n") == [
        "s.yaml:1:3: a list cannot be a key (expected a name or a number)"
    ]


@pytest.mark.parametrize("written", [".nan", ".NaN", ".inf", "-.inf", "+.INF", "1.0e+400"])
def test_nan_and_infinity_refused(written: str) -> None:
    assert problems(f"stakes:\n  x: {written}\n") == [
        f"s.yaml:2:6: stakes.x: '{written}' is not a number here (expected a finite number)"
    ]


def test_unknown_tag_refused_and_nothing_executed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "ran"
    text = doc(
        f"""
        a: !!python/object/apply:os.system ["echo hi"]
        b: !!python/object/apply:os.system ["touch {marker}"]
        """
    )
    assert problems(text) == [
        "s.yaml:1:4: a: unsupported YAML tag '!!python/object/apply:os.system' "
        "(expected plain YAML values)",
        "s.yaml:2:4: b: unsupported YAML tag '!!python/object/apply:os.system' "
        "(expected plain YAML values)",
    ]
    assert not marker.exists()
    assert "hi" not in capfd.readouterr().out


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("!foo x", "!foo"),
        ("!!binary aGk=", "!!binary"),
        ("!!set {a, b}", "!!set"),
        ("!!omap [a: 1]", "!!omap"),
        ("!<tag:example.com,2000:x> 1", "!<tag:example.com,2000:x>"),
    ],
)
def test_other_tags_refused(value: str, shown: str) -> None:
    assert problems(f"a: {value}\n") == [
        f"s.yaml:1:4: a: unsupported YAML tag '{shown}' (expected plain YAML values)"
    ]


def test_standard_tags_accepted_when_they_fit() -> None:
    text = "a: !!str 12\nb: !!int '12'\nc: !!float 1.5\nd: !!map {x: 1}\ne: !!seq [1]\n"
    data = read_yaml_text(text, "s.yaml").data
    assert data == {"a": "12", "b": 12, "c": 1.5, "d": {"x": 1}, "e": [1]}
    assert problems("a: !!int abc\nb: !!map [1]\n") == [
        "s.yaml:1:4: a: 'abc' cannot be read as !!int",
        "s.yaml:2:4: b: the YAML tag '!!map' does not fit a list",
    ]


def test_merge_key_refused() -> None:
    text = "base: &b {x: 1}\nnew:\n  <<: *b\n  y: 2\n"
    assert problems(text) == [
        "s.yaml:3:3: new: merge keys (<<) are not supported; write the fields out, or use "
        "'extends:' to build on another scenario file"
    ]


def test_syntax_error_has_line_and_column() -> None:
    (line,) = problems("title: x\nparties: [a,\n  b: c\n")
    assert line.startswith("s.yaml:4:1: YAML syntax error: ")
    assert line.endswith("while parsing a flow sequence that starts at line 2, column 10")
    assert problems("a: b: c\n") == [
        "s.yaml:1:5: YAML syntax error: mapping values are not allowed "
        + ("here" if yamlio._LOADER is yaml.SafeLoader else "in this context")
        + "; put quotes around a value that holds ': '"
    ]


def test_tab_indentation_hint() -> None:
    (line,) = problems("a:\n\tb: 1\n")
    assert line.startswith("s.yaml:2:1: YAML syntax error: found character")
    assert line.endswith("; indent with spaces: YAML does not allow tabs there")


def test_more_than_one_document() -> None:
    assert problems("a: 1\n---\nb: 2\n") == [
        "s.yaml:2:1: more than one YAML document in the file; a scenario is one document: "
        "remove the second '---' (or the '...') and what follows, or split the file"
    ]


def test_alias_mistakes() -> None:
    assert problems("a: *x\n") == [
        "s.yaml:1:4: unknown alias '*x'; an alias repeats a value marked '&x' earlier in the file"
    ]
    assert problems("a: &x [1, *x]\n") == [
        "s.yaml:1:11: alias '*x' is used inside the value it repeats; a value cannot contain itself"
    ]
    assert problems("a: &x 1\nb: &x 2\n") == [
        "s.yaml:2:4: anchor '&x' is defined twice; it was first given at line 1; use another name"
    ]


# --- limits ----------------------------------------------------------------------------------


def test_limits_are_documented_values() -> None:
    assert LIMITS == {
        "max_bytes": 16 * 2**20,
        "max_depth": 64,
        "max_aliases": 100,
        "max_nodes": 2_000_000,
    }
    with pytest.raises(ValueError, match="max_bites"):
        read_yaml_text("a: 1", "s.yaml", limits={"max_bites": 1})


def test_depth_limit() -> None:
    inside = "[" * 64 + "]" * 64
    assert read_yaml_text(inside, "s.yaml").data is not None
    assert problems("[" * 65 + "]" * 65) == [
        "s.yaml:1:65: too deeply nested: more than 64 levels (expected a scenario file, "
        "which needs fewer than 10)"
    ]


def test_depth_counts_alias_expansion() -> None:
    text = "a: &a " + "[" * 40 + "]" * 40 + "\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n"
    assert problems(text) == [
        "s.yaml:2:34: too deeply nested: more than 64 levels once aliases are expanded "
        "(expected a scenario file, which needs fewer than 10)"
    ]


def test_alias_limit() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    assert problems(text) == [
        "s.yaml:2:405: too many aliases: more than 100 (expected a scenario file, which needs "
        "few or none)"
    ]


def test_node_limit_counts_values_and_alias_expansions() -> None:
    flat = "[" + ", ".join(["1"] * 1000) + "]"
    assert problems(flat, limits={"max_nodes": 999}) == [
        "s.yaml:1:2996: too many values: more than 999 once aliases are expanded (expected a "
        "scenario file, which has a few thousand at most)"
    ]
    aliased = "a: &a [" + ", ".join(["1"] * 100) + "]\nb: [*a, *a]\n"
    assert read_yaml_text(aliased, "s.yaml", limits={"max_nodes": 310})
    (line,) = problems(aliased, limits={"max_nodes": 300})
    assert line.startswith("s.yaml:2:9: too many values: more than 300")


def test_size_limit_on_text() -> None:
    assert problems("a: 12345678\n", limits={"max_bytes": 10}) == [
        "s.yaml:1:1: too large: 12 bytes, more than the limit of 10 bytes (expected a "
        "scenario file, which is a few KiB)"
    ]
    assert problems("é" * 6, limits={"max_bytes": 10})[0].startswith(
        "s.yaml:1:1: too large: 12 bytes"
    )


def test_very_long_numbers_refused() -> None:
    sexagesimal = ":".join(["1"] * 3000)
    assert problems(f"a: {sexagesimal}\n") == [
        "s.yaml:1:4: '1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1…' is too long to be a number"
    ]
    assert problems(f"a: !!int '{sexagesimal}'\n") == [
        "s.yaml:1:4: a: '1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1…' is too long to be a number"
    ]
    assert read_yaml_text(f"a: '{sexagesimal}'\n", "s.yaml").data == {"a": sexagesimal}
    assert read_yaml_text("a: 1:30\n", "s.yaml").data == {"a": 90}


# --- files -----------------------------------------------------------------------------------


def test_read_file_source_defaults_to_the_path(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("a: [1, 2]\n", encoding="utf-8")
    document = read_yaml_file(path)
    assert document.data == {"a": [1, 2]}
    assert document.positions[("a", 1)] == Position(str(path), 1, 8)
    assert read_yaml_file(path, source="given.yaml").positions[()].file == "given.yaml"


def test_missing_file_suggests_a_neighbour(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text("a: 1\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        read_yaml_file(tmp_path / "scenaro.yaml", source="scenaro.yaml")
    assert str(caught.value) == "scenaro.yaml:1:1: file not found; did you mean 'scenario.yaml'?"


def test_directory_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        read_yaml_file(tmp_path, source="dir")
    assert str(caught.value) == "dir:1:1: this is a directory, not a file (expected a YAML file)"


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes("title: Café\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as caught:
        read_yaml_file(path, source="s.yaml")
    assert str(caught.value).startswith("s.yaml:1:11: not UTF-8 text: byte 0xe9")


def test_large_file_refused_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as stream:
        stream.seek(100 * 2**20)
        stream.write(b"a")

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(yamlio, "open", no_open, raising=False)
    with pytest.raises(ScenarioError) as caught:
        read_yaml_file(path, source="big.yaml")
    assert str(caught.value) == (
        "big.yaml:1:1: too large: 100 MiB, more than the limit of 16 MiB (expected a scenario "
        "file, which is a few KiB)"
    )


# --- hostile input, measured in a fresh interpreter ------------------------------------------

BILLION_LAUGHS = "\n".join(
    ['l0: &l0 "lol"']
    + [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 10)]
)
MERGE_BOMB = "\n".join(
    ["m0: &m0 {a: 1, b: 2, c: 3}"]
    + [
        f"m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * 10) + f"], k{i}: 1}}"
        for i in range(1, 10)
    ]
)

HOSTILE = {
    "billion laughs": (f"text = {BILLION_LAUGHS!r}", "too many values: more than 2,000,000"),
    "merge-key bomb": (f"text = {MERGE_BOMB!r}", "too many values: more than 2,000,000"),
    "10,000 nesting levels": ("text = '[' * 10_000", "too deeply nested: more than 64 levels"),
    "a million-part base-60 number": (
        "text = 'a: ' + ':'.join(['1'] * 1_000_000)",
        "is too long to be a number",
    ),
    "ten thousand aliases": (
        "text = 'a: &a 1\\nb: [' + ', '.join(['*a'] * 10_000) + ']'",
        "too many aliases: more than 100",
    ),
}


def measure(loader: str, setup: str, call: str) -> dict[str, Any]:
    """Run ``call`` after ``setup`` in a new interpreter; its problems, seconds and peak KiB."""
    code = textwrap.dedent(
        f"""
        import json, resource, time
        import yaml
        from sim import yamlio
        from sim.errors import ScenarioError
        yamlio._LOADER = getattr(yaml, {loader!r})
        {setup}

        def peak_kib():
            # The peak resident size since the reset below (VmHWM); a forked child's
            # ru_maxrss would carry the parent's high-water mark.
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # reset the peak to the current resident size
        except OSError:
            pass
        before = peak_kib()
        start = time.perf_counter()
        try:
            {call}
            problems = "accepted"
        except ScenarioError as error:
            problems = str(error)
        seconds = time.perf_counter() - start
        peak = peak_kib()
        print(json.dumps({{
            "problems": problems, "seconds": seconds, "peak_kib": peak, "before_kib": before,
        }}))
        """
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    peak, grown = result["peak_kib"] / 1024, (result["peak_kib"] - result["before_kib"]) / 1024
    print(f"{call}: {result['seconds']:.3f} s, peak {peak:.0f} MiB (+{grown:.0f} MiB in the call)")
    return result


def assert_refused_quickly(result: dict[str, Any], message: str, seconds: float = 1.0) -> None:
    assert message in result["problems"]
    assert result["seconds"] < seconds
    assert result["peak_kib"] < 200 * 1024  # KiB: the whole process's peak during the call


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_refused_quickly_in_little_memory(loader: str, name: str) -> None:
    setup, message = HOSTILE[name]
    # The pure-Python scanner (the fallback when libyaml is missing) alone takes about 3 s to
    # read a 2 MB scalar, before negsim sees it; the default libyaml parser meets 1 s.
    limit = 10.0 if loader == "SafeLoader" and "base-60" in name else 1.0
    result = measure(loader, setup, "yamlio.read_yaml_text(text, 'hostile.yaml')")
    assert_refused_quickly(result, message, limit)


def test_hostile_100mb_file_refused_quickly_in_little_memory(loader: str, tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as stream:
        stream.seek(100 * 2**20)
        stream.write(b"a")
    result = measure(loader, f"path = {str(path)!r}", "yamlio.read_yaml_file(path)")
    assert_refused_quickly(result, "too large: 100 MiB, more than the limit of 16 MiB")


# --- writing ---------------------------------------------------------------------------------


def test_dump_is_block_style_in_order_and_reads_back() -> None:
    data = {
        "title": "Black Sea talks – round 2",
        "date": datetime.date(2026, 2, 6),
        "parties": {
            "ukraine": {"capability": 0.5, "red_lines": ["crimea", "nato"]},
            "russia": {"capability": 0.7, "weights": [1, 2.5, -3]},
        },
        "tricky": ["no", "yes", "~", "null", "1.0", "2026-02-06", "", " padded ", "a: b", "#x"],
        "multiline": "first line\nsecond line\n",
        "empty": {},
        "none": None,
        "flags": [True, False],
    }
    text = dump_yaml(data)
    assert text.startswith("title: Black Sea talks – round 2\ndate: 2026-02-06\nparties:\n")
    assert "{" not in text.split("empty:")[0]
    assert read_yaml_text(text, "dumped.yaml").data == data


keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
nested = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=25,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(nested)
def test_dump_then_read_gives_back_the_data(data: Any) -> None:
    assert read_yaml_text(dump_yaml(data), "dumped.yaml").data == data
