"""sim/html_report.py: one self-contained, escaped HTML file with every figure and table."""

from __future__ import annotations

import base64
import csv
import io
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image as mpimg
import pytest
import typer

from sim.cli_views import report as report_command
from sim.compare import run_scenario
from sim.html_report import write_report
from sim.loading import load_scenario
from sim.plot import KINDS, RunData
from sim.sources import parameter_sources

PNG = b"\x89PNG\r\n\x1a\n"

#: A small scenario whose texts carry markup that must come out escaped, with cited and
#: assumed numbers (the fact base is written beside it).
SCENARIO = """\
title: "Fixture <script>alert('x')</script> & sale"
description: "A <b>bold</b> claim & more"
rounds: 5
seed: 1
fact_base: facts
issues:
  price:
    label: Price <in EUR>
    unit: EUR
    scale: [0, 100]
  terms:
    label: Terms
    levels: [strict, "fair & square", loose]
parties:
  seller:
    name: Seller & Sons
    stakes:
      price:
        ideal: {value: 80, source: ["notes#1"]}
        red_line: {dist: uniform, low: 40, high: 55, assumption: "Guess <unsure> & rough"}
      terms: {ideal: 0, red_line: 2, assumption: "Flexible on terms"}
  buyer:
    name: Buyer
    stakes:
      price:
        ideal: {value: 20, assumption: "Opening bid"}
        red_line: {value: 50, assumption: "Budget"}
        hard: true
      terms: {ideal: 2, red_line: 1, assumption: "Wants loose terms"}
"""

FACTS = """\
# Notes

- key: notes

## Facts

1. The seller said <80> is "fair" & final.
"""


class Collector(HTMLParser):
    """Every tag with its attributes, and the text of the whole page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("report")
    scenario = base / "sale.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    facts = base / "facts"
    facts.mkdir()
    (facts / "notes.md").write_text(FACTS, encoding="utf-8")
    out = base / "run"
    run_scenario(load_scenario(scenario), out, 300, 3)
    return out


@pytest.fixture(scope="module")
def page(run_dir: Path) -> tuple[str, Collector]:
    path = write_report(run_dir, dpi=50)
    assert path == run_dir / "report.html"
    text = path.read_text(encoding="utf-8")
    parser = Collector()
    parser.feed(text)
    return text, parser


def test_every_figure_is_an_embedded_png(page: tuple[str, Collector]) -> None:
    _, parser = page
    images = [attrs for tag, attrs in parser.tags if tag == "img"]
    assert len(images) == len(KINDS)
    for attrs in images:
        src = attrs["src"] or ""
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix)
        data = base64.b64decode(src[len(prefix):], validate=True)
        assert data.startswith(PNG)
        pixels = mpimg.imread(io.BytesIO(data), format="png")
        assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    figures = {attrs.get("id") for tag, attrs in parser.tags if tag == "figure"}
    assert figures == {f"fig-{k}" for k in KINDS}


def test_self_contained(page: tuple[str, Collector]) -> None:
    text, parser = page
    for tag, attrs in parser.tags:
        assert tag not in ("script", "link", "iframe", "object", "embed")
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not value.startswith(("http:", "https:", "//", "file:")), (tag, value)
            if name in attrs and name == "href":
                assert value.startswith("#")  # links only within the page
    assert "@import" not in text and "url(" not in text


def test_text_is_escaped(page: tuple[str, Collector]) -> None:
    text, parser = page
    assert "<script>alert" not in text and "<b>bold</b>" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; sale" in text
    assert "Guess &lt;unsure&gt; &amp; rough" in text
    page_text = "".join(parser.text)
    assert "Fixture <script>alert('x')</script> & sale" in page_text
    assert 'The seller said <80> is "fair" & final.' in page_text


def test_zone_table_has_every_round_and_issue(page: tuple[str, Collector],
                                              run_dir: Path) -> None:
    text, parser = page
    block = text[text.index('<div id="zone-table">'):]
    block = block[:block.index("</div>")]
    with open(run_dir / "zones_at_means.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert block.count("<details") == 5  # one per round
    assert block.count("<tr>") == len(rows) + 5  # a header row per round
    assert block.count("Price &lt;in EUR&gt;") == 5
    assert "closed" in block or "zone" in text


def test_sources_table_lists_every_number(page: tuple[str, Collector], run_dir: Path) -> None:
    text, _ = page
    block = text[text.index('<table id="sources">'):]
    block = block[:block.index("</table>")]
    run = RunData.load(run_dir)
    assert run.loaded is not None
    rows = parameter_sources(run.loaded.scenario)
    assert block.count("<tr>") == len(rows) + 1
    for r in rows:
        assert r.dotted in block
    assert "parties.seller.stakes.price.ideal" in block and "notes#1" in block
    assert '<span class="cited">cited</span>' in block
    assert '<span class="assumption">assumption</span>' in block


def test_summary_and_settlements(page: tuple[str, Collector]) -> None:
    text, _ = page
    assert "P(deal by round 5)" in text
    block = text[text.index('<table id="settlements">'):]
    assert block[:block.index("</table>")].count("<tr>") == 3


def test_report_command(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    # The figures are checked above; here only the command's wiring, so skip drawing them.
    monkeypatch.setattr("sim.html_report._figure", lambda kind, run, dpi: "")
    target = tmp_path / "deep" / "r.html"
    report_command(run_dir, target)
    assert capsys.readouterr().out.strip() == str(target)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]
    with pytest.raises(typer.Exit) as info:
        report_command(tmp_path / "missing")
    assert info.value.exit_code == 2
    err = capsys.readouterr().err
    assert err.strip() == f"{tmp_path / 'missing'}: no such directory"
