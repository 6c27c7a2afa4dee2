"""A validation worker: `python -m converter.validate_worker JOB` checks the chunks of one job.

`converter.validate` starts these for a file it cuts into chunks. The job file (a pickle the
parent wrote) names the context, the chunks and the shapes; the results go to the file it
names, as a pickled list of (conforms, violations, triples) per chunk.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

from converter.validate import check_job


def main(job_file: Path) -> None:
    job = pickle.loads(job_file.read_bytes())
    results = check_job(job["context"], job["chunks"], job["shapes_dir"], job["names"])
    job["out"].write_bytes(pickle.dumps(results))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
