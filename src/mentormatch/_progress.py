"""Progress reporting for long runs: silent by default, a bar on request.

Functions that can take long accept ``progress``: ``False`` (default, silent),
``True`` (a tqdm bar on stderr; in Jupyter a notebook widget when ``ipywidgets`` is
installed, else the same text bar, quietly) or a callable
``progress(stage: str, fraction: float)`` that receives each stage's name and
the overall fraction done in [0, 1].
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["ProgressLike", "Reporter"]

ProgressLike = bool | Callable[[str, float], None] | None


class Reporter:
    """Forward stage updates to a callable or a tqdm bar; no-op when disabled."""

    def __init__(self, progress: ProgressLike, *, total_label: str = "mentormatch") -> None:
        self._callback: Callable[[str, float], None] | None = None
        self._bar: Any = None
        if callable(progress):
            self._callback = progress
        elif progress:
            self._bar = _bar_class()(total=100, desc=total_label, unit="%", leave=False)

    def __call__(self, stage: str, fraction: float) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        if self._callback is not None:
            self._callback(stage, fraction)
        if self._bar is not None:
            self._bar.set_description_str(stage)
            self._bar.n = round(100 * fraction)
            self._bar.refresh()

    def sub(self, start: float, end: float) -> Callable[[str, float], None]:
        """A callback mapping a sub-task's [0, 1] onto [start, end] of the whole."""

        def report(stage: str, fraction: float) -> None:
            self(stage, start + (end - start) * min(max(fraction, 0.0), 1.0))

        return report

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _bar_class() -> Any:
    """tqdm's notebook widget inside a Jupyter kernel with ``ipywidgets``, else its text bar.

    ``tqdm.auto`` makes the same choice but warns "IProgress not found" in a kernel
    without ``ipywidgets``; a progress bar is no reason to warn a coordinator.
    """
    # tqdm.autonotebook's own test for a notebook kernel (qtconsole/Spyder get text).
    if "ipykernel.zmqshell" in sys.modules and "QT_API" not in os.environ:
        try:
            import ipywidgets  # noqa: F401  (tqdm's widget needs it)
            from tqdm.notebook import tqdm as notebook_tqdm
        except ImportError:
            pass
        else:
            return notebook_tqdm
    from tqdm.std import tqdm  # deferred: no import cost when silent

    return tqdm
