"""A validation worker: `python -m shapes.worker JOB` checks the chunks of one job.

`shapes.validate` starts these for a file it cuts into chunks. The job file (a pickle the
parent wrote) names the tasks (context files and a chunk), the shapes and, for the context
job, where to write the context cut by indicator; the results go to the file it
names, as a pickled list of (conforms, violations, triples) per chunk, or {"refused": why}
when a chunk is not laid out as the converter writes it.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from pathlib import Path

from shapes.blocks import LayoutError
from shapes.check import ValidateError
from shapes.chunks import check_job


def main(job_file: Path) -> None:
    threading.Thread(target=_exit_when_orphaned, daemon=True).start()
    job = pickle.loads(job_file.read_bytes())
    try:
        results: object = check_job(job["tasks"], job["shapes_dir"], job["names"], job["split"], job["units"], fork=True)
    except (LayoutError, ValidateError) as error:
        results = {"refused": str(error)}  # the parent then checks the file in one store
    job["out"].write_bytes(pickle.dumps(results))


def _exit_when_orphaned() -> None:
    """The parent holds our stdin open while it waits; when it ends, so do we. (os.read, not
    sys.stdin: a daemon thread blocked in a buffered read aborts the interpreter's shutdown.)"""
    while os.read(0, 65536):
        pass
    os._exit(3)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
