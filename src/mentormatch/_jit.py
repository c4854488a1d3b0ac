"""numba's disk cache for mentormatch's kernels, in a private per-user directory.

``numba.njit(cache=True)`` keeps compiled code next to the source, in the
installed package's ``__pycache__`` (or in a directory ``NUMBA_CACHE_DIR``
names), and loads it back without asking who wrote it: the cache files are
pickles. A package installed in a shared environment would then run code that
any user able to write there left behind. :func:`njit` compiles the same way but
keeps the cache in :func:`cache_dir`:

* ``MENTORMATCH_CACHE_DIR`` when set (an empty value turns the disk cache off);
  else the user's cache directory: ``%LOCALAPPDATA%\\mentormatch\\numba`` on
  Windows, ``~/Library/Caches/mentormatch/numba`` on macOS,
  ``$XDG_CACHE_HOME/mentormatch/numba`` (``~/.cache/...``) elsewhere;
* created owner-only (``0700``); on POSIX it is used only when it, and every
  directory of its cache subdirectories, is a real directory (no symbolic link)
  owned by the user and writable by no one else, and every directory above it is
  owned by the user or root and writable by no one else (or sticky, as ``/tmp``).
  Otherwise nothing is cached on disk: each process compiles again (slower, never
  wrong) and nothing is said (no logging).

The environment is only read, never set, and nothing happens at import: the
directory is looked at when a kernel is first compiled. numba's own settings
(``NUMBA_CACHE_DIR``, ``NUMBA_DISABLE_JIT``...) keep their meaning for every other
library; only mentormatch's kernels are cached here (``NUMBA_CACHE_LOCATOR_CLASSES``,
a deliberate choice of locators for every numba cache, applies to them too). The
directory is given to numba the way its own locators are (``numba.core.caching``:
a ``_CacheLocator`` subclass, listed by the ``FunctionCache`` set on the
dispatcher as ``enable_caching()`` does); these are numba internals, so a numba
version without them compiles the kernels with no disk cache rather than failing.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "is_private", "njit"]

_ENV = "MENTORMATCH_CACHE_DIR"


def _default_base() -> Path | None:
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return Path(local) / "mentormatch" if local else None
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "mentormatch"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".cache"
    return root / "mentormatch"


def cache_dir() -> Path | None:
    """The directory mentormatch's compiled kernels are cached in, or ``None`` (no disk cache).

    Created (owner-only) when missing; ``None`` when it cannot be, or when it is not
    private to this user (see the module docstring).
    """
    given = os.environ.get(_ENV)
    if given is not None:
        if not given.strip():
            return None
        path = Path(given).expanduser()
    else:
        try:
            base = _default_base()
        except (RuntimeError, KeyError):  # no home directory
            return None
        if base is None:
            return None
        path = base / "numba"
    if not path.is_absolute():
        return None
    try:
        _make_private(path)
    except OSError:
        return None
    return path if is_private(path) else None


def _make_private(path: Path) -> None:
    """Create ``path`` and its missing parents one by one, each owner-only."""
    missing = []
    p = path
    while not os.path.lexists(p):
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for p in reversed(missing):
        os.mkdir(p, 0o700)


def is_private(path: Path) -> bool:
    """Whether cached code in ``path`` can only have been written by this user (or root).

    ``path`` must be a directory, not a symbolic link, owned by this user and
    writable by no one else; every directory above it (links resolved) must be
    owned by this user or root and writable by no one else unless sticky. Always
    true on Windows (the user's profile is private by its access lists).
    """
    if sys.platform == "win32":
        return path.is_dir()
    uid = os.geteuid()
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid or st.st_mode & 0o022:
        return False
    try:
        parent = path.parent.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    for p in (parent, *parent.parents):
        try:
            st = os.stat(p)
        except OSError:
            return False
        if st.st_uid not in (uid, 0):
            return False
        if st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX:
            return False
    return True


def njit(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``numba.njit(**options)`` with the disk cache in :func:`cache_dir` (``cache=`` is not taken).

    The returned dispatcher is numba's; only where its cache lives differs.
    """
    import numba

    if "cache" in options:
        raise TypeError("mentormatch._jit.njit chooses the cache itself: leave out cache=")

    def decorate(func: Callable[..., Any]) -> Any:
        dispatcher = numba.njit(**options)(func)
        _enable_cache(dispatcher)
        return dispatcher

    return decorate


def _enable_cache(dispatcher: Any) -> None:
    """Give ``dispatcher`` a disk cache in the private directory (none when there is none)."""
    directory = cache_dir()
    if directory is None:
        return
    try:
        cache_class = _cache_class()
        dispatcher._cache = cache_class(dispatcher.py_func)  # what enable_caching() does
    except (ImportError, AttributeError, RuntimeError, OSError, TypeError):
        return  # this numba cannot: compile without a disk cache


_CACHE_CLASS: list[Any] = []


def _cache_class() -> Any:
    """A ``FunctionCache`` whose only locator is the private directory (built once)."""
    if _CACHE_CLASS:
        return _CACHE_CLASS[0]
    from numba.core import caching

    class PrivateLocator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
        """Caches a kernel under :func:`cache_dir`, in a subdirectory per source directory."""

        def __init__(self, py_func: Any, py_file: str) -> None:
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            root = cache_dir()
            if root is None:
                raise OSError("no private cache directory")
            self._cache_path = str(root / self.get_suitable_cache_subpath(py_file))

        def get_cache_path(self) -> str:
            return self._cache_path

        def ensure_cache_path(self) -> None:
            path = Path(self._cache_path)
            _make_private(path)
            if not is_private(path):
                raise OSError(f"{path} is not private to this user")
            super().ensure_cache_path()

        @classmethod
        def from_function(cls, py_func: Any, py_file: str) -> Any:
            if not os.path.exists(py_file):
                return None
            try:
                self = cls(py_func, py_file)
                self.ensure_cache_path()
            except OSError:
                return None
            return self

    class PrivateCacheImpl(caching.CompileResultCacheImpl):
        _locator_classes = [PrivateLocator]  # noqa: RUF012 (numba reads a list)

    class PrivateFunctionCache(caching.FunctionCache):
        _impl_class = PrivateCacheImpl

    _CACHE_CLASS.append(PrivateFunctionCache)
    return PrivateFunctionCache
