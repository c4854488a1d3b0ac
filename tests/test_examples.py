"""Every example runs: examples/*.py, the coordinator's notebook, and the example data is current."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if p.name != "make_example_data.py")


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_example_script_runs(script: Path, tmp_path: Path) -> None:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Traceback" not in out.stderr


def test_bundled_example_data_matches_examples_folder() -> None:
    from mentormatch.datasets import EXAMPLE_FILES, example_path

    for name in EXAMPLE_FILES:
        assert filecmp.cmp(EXAMPLES / "data" / name, example_path(name), shallow=False), name


def test_example_data_is_reproducible(tmp_path: Path) -> None:
    """examples/make_example_data.py (deterministic by seed) writes exactly the committed files.

    CSVs byte for byte; the workbook cell for cell (an .xlsx also stores the
    time it was written).
    """
    import pandas as pd

    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "make_example_data.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    committed = EXAMPLES / "data"
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in committed.iterdir())
    for name in written:
        if name.endswith(".csv"):
            assert filecmp.cmp(tmp_path / name, committed / name, shallow=False), name
        else:
            new = pd.read_excel(tmp_path / name, sheet_name=None, dtype=object)
            old = pd.read_excel(committed / name, sheet_name=None, dtype=object)
            assert new.keys() == old.keys(), name
            for sheet in new:
                pd.testing.assert_frame_equal(new[sheet], old[sheet], obj=f"{name}:{sheet}")


def test_coordinator_notebook_runs() -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    path = EXAMPLES / "coordinator.ipynb"
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}
    )
    client.execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
