"""Text made by a forked process, on the machine's other core, while this one makes its own.

Rendering observations as TriG is pure Python: it holds the GIL, so a thread cannot share the
work, but a second process can. A forked child starts with everything already in memory (the
cube is not pickled), writes its text into an unlinked temporary file beside the output and
sends back only the number of triples it wrote; the parent, when done with its own part, copies
that file's bytes after its own. The result is the text one process would have written.

A kill leaves nothing behind: the file has no name, and a child whose parent is gone stops at
its next batch. An error in the child is raised in the parent as it was raised there.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO

BATCH = 1 << 22  # characters written (or handed to the writer) at once


def batches(pieces: Iterable[tuple[str, int]], counted: list[int]) -> Iterator[bytes]:
    """The text of `pieces` as UTF-8 in batches of about `BATCH` characters; adds the triples
    of every piece to `counted[0]`."""
    batch: list[str] = []
    size = 0
    for text, triples in pieces:
        batch.append(text)
        size += len(text)
        counted[0] += triples
        if size >= BATCH:
            yield "".join(batch).encode("utf-8")
            batch, size = [], 0
    yield "".join(batch).encode("utf-8")


class ForkedText:
    """`make()`'s text, made in a forked child while the `with` block runs.

        with ForkedText(lambda: cube.render(second_half), folder) as forked:
            ...  # write the first half
            triples = forked.copy_to(write)  # then the second

    Fork it before starting threads: the child gets only the forking thread.
    """

    def __init__(self, make: Callable[[], Iterable[tuple[str, int]]], folder: Path) -> None:
        self._make = make
        self._folder = folder

    def __enter__(self) -> ForkedText:
        self._file = tempfile.TemporaryFile(dir=self._folder)
        context = multiprocessing.get_context("fork")
        self._result, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=self._child, args=(sender, os.getpid()), name="mdo-text", daemon=True)
        try:
            self._process.start()
        finally:
            sender.close()
        return self

    def _child(self, sender: Connection, parent: int) -> None:
        try:
            counted = [0]
            with open(self._file.fileno(), "wb", closefd=False) as out:
                for data in batches(self._make(), counted):
                    if os.getppid() != parent:
                        os._exit(1)  # the parent was killed: nobody will read this text
                    out.write(data)
            sender.send(counted[0])
        except BaseException as error:
            try:
                sender.send(error)
            except Exception:  # an error that does not pickle: its traceback as text
                sender.send(RuntimeError("".join(traceback.format_exception(error))))

    def copy_to(self, write: Callable[[bytes], object]) -> int:
        """Wait for the child, hand its text to `write` in batches; return its number of triples."""
        try:
            result = self._result.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(f"the process making part of the text stopped (exit code {self._process.exitcode})") from None
        if isinstance(result, BaseException):
            raise result
        self._file.seek(0)
        while data := self._file.read(BATCH):
            write(data)
        return int(result)

    def __exit__(self, *exc: object) -> None:
        if self._process.is_alive() and exc[0] is not None:
            self._process.kill()
        self._process.join()
        self._result.close()
        self._file.close()
