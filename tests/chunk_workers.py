"""`chunks._Worker` in the test process, for the tests of the chunked validation's decisions.

Each chunked validation starts three Python processes (the context's worker and two for the
chunks), which take seconds, where the shapes on the data take a fraction of one: a test of what
the cut decides (a chunk, or one store and why) runs the same `check_job` on the same tasks here.
`tests/test_shape_cases_in_chunks.py` holds the two to the same report, and
`tests/test_validate_chunks.py` keeps the processes' own behaviour (results, refusals, failures,
clean-up, orphans) on real processes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shapes import chunks
from shapes.blocks import LayoutError
from shapes.validate import ValidateError, Violation


class InProcessWorker:
    """`chunks._Worker` in this process: the same `check_job` on the same tasks, without the process."""

    def __init__(self, folder: Path, name: str, tasks: list[chunks.Task], shapes_dir: Path, names: tuple[str, ...],
                 split: chunks._ContextSplit | None = None, units: Path | None = None) -> None:
        try:
            self.done: list[tuple[bool, list[Violation], int]] | str = chunks.check_job(tasks, shapes_dir, names, split, units)
        except (LayoutError, ValidateError) as error:  # what `shapes.worker` reports as refused
            self.done = str(error)

    def wait_for(self, path: Path) -> bool:
        return path.exists()

    def results(self) -> list[tuple[bool, list[Violation], int]]:
        if isinstance(self.done, str):
            raise chunks._Refused(self.done)
        return self.done

    def stop(self) -> None:
        pass


def in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the chunked validation run its workers in this process for the rest of the test."""
    monkeypatch.setattr(chunks, "_Worker", InProcessWorker)
