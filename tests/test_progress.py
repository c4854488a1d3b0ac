"""Progress bars: a callable gets every stage; ``True`` draws a bar and never warns."""

from __future__ import annotations

import builtins
import sys
import types
import warnings

import pytest

import mentormatch as mm
from mentormatch._progress import Reporter, _bar_class


def test_callable_receives_stages_in_order() -> None:
    seen: list[tuple[str, float]] = []
    apps = mm.datasets.make_cohort(n_mentors=8, n_mentees=8, policy="amcto", seed=1)
    mm.match(apps, "amcto", progress=lambda stage, f: seen.append((stage, f)))
    fractions = [f for _, f in seen]
    assert seen and fractions == sorted(fractions) and fractions[-1] == 1.0


def _fake_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend to run inside a Jupyter kernel, as tqdm.autonotebook tests for one."""
    shell = types.SimpleNamespace(config={"IPKernelApp": {}})
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", types.ModuleType("ipykernel.zmqshell"))
    monkeypatch.delenv("QT_API", raising=False)


def test_kernel_without_ipywidgets_falls_back_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    # tqdm.auto warns "IProgress not found. Please update jupyter and ipywidgets." here.
    _fake_kernel(monkeypatch)
    real_import = builtins.__import__

    def no_widgets(name: str, *args: object, **kwargs: object) -> object:
        if name == "ipywidgets" or name.startswith("ipywidgets."):
            raise ImportError("no ipywidgets")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.delitem(sys.modules, "ipywidgets", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_widgets)
    from tqdm.std import tqdm

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _bar_class() is tqdm
        with Reporter(True) as report:
            report("scoring", 0.5)
    assert [str(w.message) for w in caught] == []


def test_terminal_gets_the_text_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "ipykernel.zmqshell", raising=False)
    from tqdm.std import tqdm

    assert _bar_class() is tqdm
