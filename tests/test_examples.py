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
    """Regenerating the example data (deterministic by seed) gives the committed files."""
    import mentormatch as mm

    apps = mm.datasets.make_cohort(n_mentors=70, n_mentees=90, policy="amcto", seed=2026)
    committed = mm.read_applications(EXAMPLES / "data" / "applications.csv", policy="amcto")
    assert list(committed["id"]) == list(apps["id"])
    result = mm.match(committed, "amcto")
    pairs = (EXAMPLES / "data" / "pairs.csv").read_text().splitlines()[1:]
    assert len(pairs) == len(result.pairs)
    assert [line.split(",")[:2] for line in pairs] == result.pairs[
        ["mentee_id", "mentor_id"]
    ].values.tolist()


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
