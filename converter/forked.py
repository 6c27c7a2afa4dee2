"""Work done in a forked process, on the machine's other core, while this one does its own.

The converter's work is pure Python: it holds the GIL, so a thread cannot share it, but a
second process can. A forked child starts with everything already in memory (nothing is
pickled on the way in); what it returns is pickled back, so it should be compact. Used where a
large build splits its work in two, when a core is free for it (`spare_core`): the editions to
extract, the small graphs of the cube, the observations to render.

A kill leaves nothing running: the child is killed when its parent dies. An error in the child
is raised in the parent as it was raised there.
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1  # prctl(2), Linux


def spare_core() -> bool:
    """Is a core free for a second process? Yes if the load average of the last minute (which
    counts this process's own work) leaves a whole core over.

    On a machine busy with other work, a second process only takes its share of the same cores
    and adds costs of its own (pickling, pages copied on write): the build is then faster in
    one process (docs/BENCHMARKS.md, "Build stages").
    """
    return os.getloadavg()[0] < len(os.sched_getaffinity(0)) - 1


def split_at(split_from: int | None, default: int) -> float:
    """The size of work from which a second process takes part of it: `split_from` if given
    (tests force it), else `default` when a core is free for it (`spare_core`), else never."""
    if split_from is not None:
        return split_from
    return default if spare_core() else math.inf


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux); else leave it be."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


class Forked(Generic[T]):
    """`work()` run in a forked child while the `with` block runs; `result()` waits for it.

        with Forked(lambda: extract_some(editions)) as other:
            mine = extract_some(my_editions)
            theirs = other.result()

    Fork before starting threads: the child gets only the forking thread. Leaving the block
    without `result()` (by an error) kills the child.
    """

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._taken = False

    def __enter__(self) -> Forked[T]:
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=self._child, args=(sender, os.getpid()), name="mdo-forked", daemon=True)
        try:
            self._process.start()
        finally:
            sender.close()
        return self

    def _child(self, sender: Connection, parent: int) -> None:
        _die_with(parent)
        try:
            outcome: object = self._work()
        except BaseException as error:
            outcome = _Raised(_portable(error))
        try:
            sender.send(outcome)
        except Exception as error:  # a result that does not pickle
            sender.send(_Raised(_portable(RuntimeError(f"the forked process's result could not be sent back: {error!r}"))))

    def result(self) -> T:
        """What `work()` returned in the child; raises what it raised."""
        try:
            outcome = self._receiver.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(f"the forked process stopped without a result (exit code {self._process.exitcode})") from None
        self._taken = True
        if isinstance(outcome, _Raised):
            raise outcome.error
        return outcome  # type: ignore[no-any-return]

    def __exit__(self, *exc: object) -> None:
        if not self._taken and self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._receiver.close()


def _portable(error: BaseException) -> BaseException:
    """The error itself if it comes through pickling whole, else a RuntimeError with its traceback."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError("in the forked process:\n" + "".join(traceback.format_exception(error)))


class _Raised:
    """An error raised in the child, sent back to be raised in the parent."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
