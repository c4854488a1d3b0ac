"""numba's disk cache: per user, private, never inside the installed package (issue 22)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mentormatch
from mentormatch._jit import cache_dir, is_private

PACKAGE = Path(mentormatch.__file__).parent
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")

KERNEL = textwrap.dedent(
    """
    import numpy as np
    from mentormatch._jit import njit

    @njit(nogil=True)
    def total(a):
        s = 0.0
        for v in a:
            s += v
        return s
    """
)
RUN = textwrap.dedent(
    """
    import sys, json
    sys.path.insert(0, sys.argv[1])
    import numpy as np
    import kernel_mod
    assert kernel_mod.total(np.arange(4.0)) == 6.0
    st = kernel_mod.total.stats
    print(json.dumps({"path": st.cache_path, "hits": sum(st.cache_hits.values()),
                      "misses": sum(st.cache_misses.values())}))
    """
)


def run_kernel(tmp_path: Path, env: dict[str, str]) -> dict:
    import json

    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "kernel_mod.py").write_text(KERNEL)
    full = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "MENTORMATCH_"))}
    full.update(env)
    out = subprocess.run(
        [sys.executable, "-c", RUN, str(src)],
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def cache_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.suffix in (".nbi", ".nbc")}


@POSIX
def test_kernels_are_cached_in_a_private_per_user_directory(tmp_path):
    home = tmp_path / "xdg"
    source_dir = tmp_path / "src"
    first = run_kernel(tmp_path, {"XDG_CACHE_HOME": str(home)})
    root = home / "mentormatch" / "numba"
    assert Path(first["path"]).parent == root
    assert first["hits"] == 0
    files = cache_files(root)
    assert files and not cache_files(source_dir)  # nothing next to the source
    for d in (home, home / "mentormatch", root, Path(first["path"])):
        st = os.lstat(d)
        assert st.st_uid == os.geteuid()
        assert stat.S_IMODE(st.st_mode) == 0o700, (d, oct(st.st_mode))
    second = run_kernel(tmp_path, {"XDG_CACHE_HOME": str(home)})
    assert second["hits"] == 1 and second["misses"] == 0  # loaded back: the cache works


@POSIX
def test_a_cache_directory_others_can_write_is_never_used(tmp_path):
    shared = tmp_path / "shared"
    run_kernel(tmp_path, {"MENTORMATCH_CACHE_DIR": str(shared)})
    assert cache_files(shared)
    shared.chmod(0o777)  # another user could now plant code
    assert not is_private(shared)
    before = {p: p.stat().st_mtime_ns for p in cache_files(shared)}
    got = run_kernel(tmp_path, {"MENTORMATCH_CACHE_DIR": str(shared)})
    assert got["path"] == "" or got["path"] is None or got["hits"] == 0
    assert got["hits"] == 0  # compiled, not loaded
    assert {p: p.stat().st_mtime_ns for p in cache_files(shared)} == before


@POSIX
def test_links_group_writable_parents_and_other_owners_are_refused(tmp_path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert is_private(real)
    assert not is_private(link)
    open_parent = tmp_path / "open"
    open_parent.mkdir()
    open_parent.chmod(0o775)  # group may rename what is inside
    inside = open_parent / "c"
    inside.mkdir(mode=0o700)
    assert not is_private(inside)
    open_parent.chmod(0o1777)  # sticky, as /tmp: entries stay their owner's
    assert is_private(inside)
    if os.geteuid() == 0:  # root can hand the directory to someone else
        os.chown(real, 65534, 65534)
        assert not is_private(real)
    monkeypatch.setenv("MENTORMATCH_CACHE_DIR", str(link))
    assert cache_dir() is None
    monkeypatch.setenv("MENTORMATCH_CACHE_DIR", "")
    assert cache_dir() is None  # turned off
    monkeypatch.setenv("MENTORMATCH_CACHE_DIR", "relative/dir")
    assert cache_dir() is None


def test_cache_directory_follows_the_environment_without_changing_it(tmp_path, monkeypatch):
    monkeypatch.delenv("MENTORMATCH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    env = dict(os.environ)
    if sys.platform not in ("win32", "darwin"):
        assert cache_dir() == tmp_path / "x" / "mentormatch" / "numba"
    assert dict(os.environ) == env


def test_every_kernel_of_the_library_uses_the_private_cache():
    """No numba.njit/jit with cache=True anywhere in the package: only _jit.njit."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name == "_jit.py":
            continue
        if re.search(r"cache\s*=\s*True", text) or re.search(r"\bnb\.n?jit\(|numba\.n?jit\(", text):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []
