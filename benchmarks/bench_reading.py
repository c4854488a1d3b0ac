"""Benchmark: reading a staff export (``read_applications``), CSV and xlsx.

A synthetic AMCTO cohort written as a coordinator's export would be (lists as
``;``-separated text, Windows-1252 and ``;`` for the CSV, as Excel writes them in
French-Canadian locales), then read and validated. Printed, not asserted.

    python -m pytest benchmarks/bench_reading.py -m slow -s -p no:xdist   # 20,000 rows
    python benchmarks/bench_reading.py 20000
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

import mentormatch as mm


def export(n: int, folder: Path) -> tuple[Path, Path]:
    apps = mm.datasets.make_cohort(n_mentors=n // 2, n_mentees=n - n // 2, policy="amcto", seed=1)
    out = apps.copy()
    for col in out.columns:
        if out[col].map(lambda v: isinstance(v, list)).any():
            out[col] = out[col].map(lambda v: "; ".join(v) if isinstance(v, list) else v)
    csv_path, xlsx_path = folder / "applications.csv", folder / "applications.xlsx"
    out.to_csv(csv_path, sep=";", index=False, encoding="cp1252", errors="replace")
    out.to_excel(xlsx_path, index=False, sheet_name="applications")
    return csv_path, xlsx_path


def run(n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, xlsx_path = export(n, Path(tmp))
        times = {}
        for name, path in (("csv", csv_path), ("xlsx", xlsx_path)):
            t0 = time.perf_counter()
            apps = mm.read_applications(path, policy="amcto")
            times[name] = time.perf_counter() - t0
            assert len(apps) == n
            assert isinstance(apps, pd.DataFrame)
    print(
        f"\nread_applications {n:,} rows: CSV (cp1252, ';') {times['csv']:.2f} s | "
        f"xlsx {times['xlsx']:.2f} s"
    )
    return times


@pytest.mark.benchmark
def test_reading_small() -> None:
    run(500)


@pytest.mark.benchmark
@pytest.mark.slow
def test_reading_20000() -> None:
    run(20_000)


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["20000"]:
        run(int(arg))
