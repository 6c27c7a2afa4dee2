"""`mdo build` as one function, for the command line and the benchmark alike.

Extract the editions, make the cube, write the dumps (and, into `dist/`, the catalogue, the
tidy CSV and the quality report). A large build makes millions of small objects that live
until the end; Python's cyclic garbage collector would walk all of them again and again
(a large share of a big build's time, docs/BENCHMARKS.md), so it is paused for the build. Reference
counting still frees everything that is dropped; the build makes no cycles worth collecting.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from converter.atomic import atomic_open, staged_folder
from converter.rdf.cube import build_cube
from converter.rdf.dumps import check_format, write_all, write_dump, write_graph
from converter.extraction.extract import extract
from converter.rdf.iris import Iris
from converter.extraction.quality import quality_report, write_table_accounts
from converter.registry import Registry
from converter.extraction.tidy import write_rejects, write_tidy
from converter.rdf.vocab import PREFIXES


@dataclass(frozen=True)
class Built:
    quads: int
    observations: int  # figures: the data set's qb:Observations
    missing: int  # printed cells without a figure (mdo:OntbrekendCijfer), not observations
    written: list[Path]
    seconds: float
    findings: int = 0  # in the quality report
    unread: int = 0  # lines of figures no reader took in (only with allow_unread)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for a batch job.

    Not collected at the end: the batch's objects are still referenced then, so a collection
    would walk millions of them for nothing; the collector frees what becomes garbage later.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build(data_dir: Path, dist_dir: Path, *, base_iri: str, ontology_dir: Path, out: Path | None = None,
          allow_unread: bool = False) -> Built:
    """Build the dataset of the editions in `data_dir` into `out` (one file, format by extension)
    or, without it, into `dist_dir`; IRIs are minted under `base_iri`, the vocabulary is read
    from `ontology_dir`.

    `dist_dir` is written as a new folder beside it and swapped in when every file is complete, so it
    is all old or all new whatever stops the build. Raises `dumps.UnknownFormat` for an extension
    the project does not write, before any work, and `RegistryError` or an extraction error for
    bad input.
    """
    started = time.perf_counter()
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    if out is not None:
        check_format(out)
    with paused_gc():
        registry = Registry(data_dir)
        extraction = extract(registry, allow_unread=allow_unread)
        cube = build_cube(registry, extraction, base_iri, ontology_dir)
        if out is not None:
            quads = write_dump(cube, out, prefixes)
            written = [out]
        else:
            dist = dist_dir
            with staged_folder(dist) as staging:
                written, quads = write_all(cube, staging, prefixes)
                write_graph(cube, str(Iris(base_iri).graph("catalogus")), staging / "catalogus.ttl", prefixes)
                write_tidy(extraction.observations, staging / "observations.csv")
                write_rejects(extraction.rejects, staging / "observations-rejects.csv")
                with atomic_open(staging / "quality.md") as handle:
                    handle.write(quality_report(extraction, registry))
                write_table_accounts(extraction, staging / "quality-tables.csv")
                written += [staging / "catalogus.ttl", staging / "observations.csv", staging / "quality.md",
                            staging / "quality-tables.csv"]
            written = [dist / path.name for path in written]
    return Built(quads, extraction.figures, extraction.missing, written, time.perf_counter() - started, len(extraction.findings),
                 sum(f.kind == "unread-line" for f in extraction.findings))
