"""Write files and folders so that a reader never sees half of one: write aside, then rename."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


def _read_umask() -> int:
    """The process's umask, read once (setting it to read it would race with other threads)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


@contextmanager
def atomic_open(path: Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary sibling of `path`; rename it over `path` only if the block succeeds."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:  # name the file the user asked for, not the temporary one
        raise OSError(error.errno, error.strerror, str(path)) from error
    binary = "b" in mode
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # as open() would make it: mkstemp's 0600 would hide a published dump
        handle = os.fdopen(fd, mode, encoding=None if binary else encoding, newline=None if binary else "")
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    try:
        with handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


# -- a folder replaced as a whole -----------------------------------------------------------------
_STAGING, _OLD = "staging", "old"
_RENAME_EXCHANGE = 2  # renameat2(2) flag, Linux 3.15+
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _sibling(target: Path, kind: str) -> Path:
    return target.parent / f".{target.name}.{kind}-{os.getpid()}-{os.urandom(4).hex()}"


def _owner_alive(path: Path) -> bool:
    """Is the process that made this staging or old folder (its pid is in the name) still running?"""
    try:
        pid = int(path.name.rsplit("-", 2)[-2])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(target: Path) -> None:
    """Undo what an interrupted swap left: restore the old folder if the new one never arrived,
    and remove staging and old folders whose process has gone."""
    if not target.parent.is_dir():
        return
    for kind in (_OLD, _STAGING):
        for leftover in sorted(target.parent.glob(f".{target.name}.{kind}-*")):
            if _owner_alive(leftover):
                continue  # a build running now
            if kind == _OLD and not target.exists():
                os.rename(leftover, target)
            else:
                shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A fresh hidden sibling of `target` to fill; when the block succeeds it replaces `target`.

    Readers of `target` see the old folder whole or the new one whole: the swap is one atomic
    rename where the system has one (renameat2), else two renames that `clean_leftovers` can
    undo after a kill. If the block fails, the staging folder is removed and `target` is untouched.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(target)
    staging, old = _sibling(target, _STAGING), _sibling(target, _OLD)
    staging.mkdir()
    try:
        yield staging
        if not target.exists():
            os.rename(staging, target)
        elif _exchange(staging, target):
            shutil.rmtree(staging, ignore_errors=True)  # now holds the old folder
        else:
            os.rename(target, old)
            os.rename(staging, target)
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        if old.exists() and not target.exists():
            os.rename(old, target)
        shutil.rmtree(staging, ignore_errors=True)
        raise
