"""The lesson notebooks: committed clean, and each runs top to bottom in a fresh kernel.

Why this shape. A notebook that only runs on its author's machine teaches nothing, so every
notebook is executed here with ``nbclient`` in a ``python3`` kernel, in the fast mode
(``NEGSIM_FAST=1`` lowers the Monte Carlo run counts), with deprecation warnings turned into
errors inside the kernel (a first cell is added before running; the committed file does not
carry it). The committed files carry no outputs and no execution counts, so diffs stay
readable and nobody reads stale numbers.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the dev extras install nbformat")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = [
    "01_zones_and_red_lines.ipynb",
    "02_pressure_opens_a_red_line.ipynb",
    "03_abu_dhabi_what_ifs.ipynb",
    "04_build_your_own.ipynb",
]
#: Deprecation warnings are errors inside the kernel, as they are in the test suite.
STRICT_WARNINGS = (
    "import warnings\n"
    "warnings.filterwarnings('error', category=DeprecationWarning)\n"
    "warnings.filterwarnings('error', category=PendingDeprecationWarning)"
)
#: Seconds one notebook may take in the fast mode (all four take about 35 s together).
BUDGET = 45


def test_the_four_lessons_are_there() -> None:
    assert set(EXPECTED) <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a lesson runs code"
    for k, cell in enumerate(code):
        assert cell.get("outputs") == [], f"code cell {k} has outputs"
        assert cell.get("execution_count") is None, f"code cell {k} has an execution count"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Answer key" in text and "Exercise" in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_runs_top_to_bottom_in_fast_mode(path: Path) -> None:
    nbclient = pytest.importorskip("nbclient", reason="the dev extras install nbclient")
    pytest.importorskip("ipykernel", reason="the dev extras install ipykernel")
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(STRICT_WARNINGS))
    env = {**os.environ, "NEGSIM_FAST": "1"}
    env.pop("MPLBACKEND", None)  # the kernel picks its inline backend
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=120, allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute(env=env)  # raises CellExecutionError, naming the cell, on any error
    elapsed = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    stderr = [o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert not any("Warning" in s for s in stderr), stderr
    assert elapsed < BUDGET, f"{path.name} took {elapsed:.0f} s in the fast mode"
