"""Check a large TriG of the converter in chunks, in worker processes (see `shapes.blocks`)."""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pyoxigraph as ox

from converter.rdf.formats import rdf_format
from converter.rdf.vocab import MDO, QB
from shapes import blocks
from shapes.check import ValidateError, ValidationResult, Violation, check_store, report_order

CHUNK_BYTES = 100 * 2**20
"""A TriG of the converter larger than this is checked in chunks of about this size, so that each
worker's store stays well within memory (docs/BENCHMARKS.md has what a chunk takes)."""

def validate_in_chunks(
    path: Path, shapes_dir: Path, names: tuple[str, ...], workers: int | None, chunk_bytes: int
) -> tuple[ValidationResult | None, str]:
    """Check a large TriG of the converter in chunks; (None, why) when it cannot be cut.

    Each chunk is the context plus all observations of some indicators (see `shapes.blocks`
    for why that checks each observation exactly as one store would). The context alone is
    checked with every shape by a worker that starts as soon as the context is read, while
    the rest is still being cut. The chunk files are written beside the data file, so the
    disk rather than memory holds them.
    """
    with _scratch_folder(path.parent) as name:
        started: list[_Worker] = []
        try:
            return _check_in_chunks(path, Path(name), started, shapes_dir, names, workers, chunk_bytes), ""
        except (blocks.LayoutError, _Refused, OSError) as error:
            # one store then checks the file as it is, and names its own errors (a worker
            # that fails, though, raises ValidateError: that is not the file's fault)
            return None, f"not cut into chunks: {error}"
        finally:
            for worker in started:
                worker.stop()


def _check_in_chunks(
    path: Path, tmp: Path, started: list[_Worker], shapes_dir: Path, names: tuple[str, ...], workers: int | None,
    chunk_bytes: int,
) -> ValidationResult | None:
    """The work of `_validate_in_chunks`, with the workers it starts put in `started`."""
    planned = workers or min(len(os.sched_getaffinity(0)), 4)
    chunks = blocks.cut(
        path, tmp, chunk_bytes,
        on_context=lambda context, count: started.append(
            _Worker(tmp, "context", [([context], None)], shapes_dir, names, split=_ContextSplit(tmp, count), units=path)
        ),
        processes=planned,
    )
    if chunks is None:
        return None
    split = _ContextSplit(tmp, chunks.count)
    if not started[0].wait_for(split.ready):
        started[0].results()  # raises why the context job ended early: _Refused or ValidateError
        raise ValidateError("the validation worker of the context ended without splitting it")
    why = split.facts().why_not(chunks)
    if why:
        raise _Refused(why)
    processes = min(planned, len(chunks.chunks))
    largest_first = sorted(chunks.chunks, key=lambda chunk: chunk.stat().st_size, reverse=True)
    tasks: list[Task] = [(split.parts(chunks.number(chunk)), chunk) for chunk in largest_first]
    for number in range(processes):  # each takes the next chunk no other has taken: none idles
        started.append(_Worker(tmp, str(number), tasks, shapes_dir, names))
    done = [result for worker in started for result in worker.results()]
    return ValidationResult(
        conforms=all(conforms for conforms, _, _ in done),
        violations=sorted(dict.fromkeys(v for _, found, _ in done for v in found), key=report_order),
        triples=sum(triples for _, _, triples in done),  # no quad is in two parts: `_ContextFacts.why_not`
        mode=f"{len(chunks.chunks)} chunks of observations, {processes} processes",
    )


SCRATCH_PREFIX = ".mdo-validate-"
_LOCK = "in-use"


@contextmanager
def _scratch_folder(beside: Path) -> Iterator[str]:
    """A folder for the chunks in `beside` (so the disk, not memory, holds them), removed after.

    The folder holds a lock (`flock` on its `in-use` file) for as long as this validation runs.
    The kernel releases it when the process dies, even by SIGKILL or the OOM killer, so the next
    validation in the same folder removes what a killed one left behind: at 1M observations that
    is 1.4 GB of chunks, hidden in `dist/`. If `beside` is not writable, the system's temp folder
    serves (and its own cleaning).
    """
    try:
        _remove_abandoned(beside)
        folder = tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=beside)
    except OSError:
        folder = tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX.lstrip("."))
    with folder as name, open(Path(name) / (_LOCK + ".new"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(lock.name, Path(name) / _LOCK)  # under its name only once it is held
        yield name


def _remove_abandoned(beside: Path) -> None:
    """Remove the scratch folders in `beside` whose validation no longer runs (their lock is free).

    A folder without a lock file is left alone: it may be one that is being made right now.
    """
    for folder in beside.glob(SCRATCH_PREFIX + "*"):
        try:
            with open(folder / _LOCK, "r") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # no lock file, or a validation holds it
            continue
        shutil.rmtree(folder, ignore_errors=True)


class _Refused(Exception):
    """The file cannot be checked in chunks: a chunk or the context is not laid out as the
    converter writes it or cannot be read, or the context does not let indicators decide."""


@dataclass(frozen=True)
class _ContextFacts:
    """What the parent needs to know of the context to decide whether the cut is exact; the
    context worker, which loads the context anyway, reads them."""

    slices: bool
    indicator_datasets: frozenset[str]  # the data sets with mdo:indicator as a dimension
    subjects: tuple[str, ...]  # the IRIs the context describes

    @classmethod
    def of(cls, context: ox.Store) -> _ContextFacts:
        prefixes = f"PREFIX qb: <{QB}> PREFIX mdo: <{MDO}>\n"
        slices = "ASK { { ?s qb:slice|qb:observation ?o } UNION { ?s a qb:Slice } }"
        datasets = """SELECT DISTINCT ?dataset WHERE { ?dataset qb:structure/qb:component ?c .
            { ?c qb:dimension mdo:indicator } UNION { ?c qb:componentProperty mdo:indicator . mdo:indicator a qb:DimensionProperty } }"""
        subjects = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER isIRI(?s) }"

        def column(query: str) -> list[str]:
            return [row[0].value for row in context.query(prefixes + query, use_default_graph_as_union=True)]  # type: ignore[union-attr]

        return cls(
            slices=bool(context.query(prefixes + slices, use_default_graph_as_union=True)),
            indicator_datasets=frozenset(column(datasets)),
            subjects=tuple(column(subjects)),
        )

    def why_not(self, chunks: blocks.Chunks) -> str:
        """Why cutting by indicator would not check the file exactly as one store; "" if it would."""
        if self.slices:
            return "the data has slices, and IC-18 compares them with observations"
        others = sorted(chunks.datasets - self.indicator_datasets)
        if others:
            return f"mdo:indicator is not a dimension of <{others[0]}>, so duplicates could fall in different chunks"
        for subject in self.subjects:
            if hash(f"<{subject}>".encode()) in chunks.subjects:
                return f"<{subject}> is described both among the observations and outside them"
        return ""


ChunkResult = tuple[bool, list[Violation], int]
"""What a worker reports of a task: the verdict, the violations and the quads checked."""

Task = tuple[list[Path], Path | None]
"""A worker's task: the context files to load, and the chunk to check with them (None: none)."""


@dataclass(frozen=True)
class _ContextSplit:
    """The context cut by indicator, so that a chunk loads only the descriptions of its own.

    With 50,000 indicators the context is a fifth of each chunk's store, and loading it again
    for every chunk cost more than a second each. The context worker writes, from the context
    it loads anyway: `context-common.nq` (all but the indicators' descriptions) and per chunk k
    `context-indicators-k.nq` (the quads whose subject is a `mdo:Indicator` of chunk k, by the
    `blocks.chunk_of` of its IRI; a quad whose object is a blank node stays common, as blank
    nodes do not cross files), and the `_ContextFacts`, then `context-split.ready`.
    shapes/README.md states the rule that keeps this exact: a shape on observations reads the
    descriptions of their own indicators only.
    """

    folder: Path
    count: int

    @property
    def ready(self) -> Path:
        return self.folder / "context-split.ready"

    def facts(self) -> _ContextFacts:
        facts: _ContextFacts = pickle.loads((self.folder / "context-facts.pickle").read_bytes())
        return facts

    def parts(self, number: int) -> list[Path]:
        return [self.folder / "context-common.nq", self.folder / f"context-indicators-{number}.nq"]

    def write(self, context: ox.Store) -> None:
        query = f"SELECT DISTINCT ?s WHERE {{ ?s a <{MDO.Indicator}> FILTER isIRI(?s) }}"
        indicators = {subject for (subject,) in context.query(query, use_default_graph_as_union=True)}  # type: ignore[misc]
        common: list[ox.Quad] = []
        own: list[list[ox.Quad]] = [[] for _ in range(self.count)]
        for quad in context:
            subject = quad.subject
            if subject in indicators and not isinstance(quad.object, ox.BlankNode):
                own[blocks.chunk_of(f"<{subject.value}>".encode(), self.count)].append(quad)
            else:
                common.append(quad)
        ox.serialize(common, output=str(self.parts(0)[0]), format=ox.RdfFormat.N_QUADS)
        for number, quads in enumerate(own):
            ox.serialize(quads, output=str(self.parts(number)[1]), format=ox.RdfFormat.N_QUADS)
        (self.folder / "context-facts.pickle").write_bytes(pickle.dumps(_ContextFacts.of(context)))
        self.ready.touch()


class _Worker:
    """A `python -m shapes.worker` process running `check_job` on some tasks.

    Processes of their own, not a multiprocessing pool: a pool that spawns re-imports the
    caller's main module, and one that forks copies whatever threads and locks the caller holds.
    The worker reads its stdin until it closes and then exits, so it does not outlive this
    process, however that ends.
    """

    def __init__(
        self, folder: Path, name: str, tasks: list[Task], shapes_dir: Path, names: tuple[str, ...],
        split: _ContextSplit | None = None, units: Path | None = None,
    ) -> None:
        self.out, self.log = folder / f"result-{name}.pickle", folder / f"worker-{name}.log"
        job = folder / f"job-{name}.pickle"
        job.write_bytes(pickle.dumps(
            {"tasks": tasks, "split": split, "units": units, "shapes_dir": shapes_dir, "names": names, "out": self.out}
        ))
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "shapes.worker", str(job)],
                stdin=subprocess.PIPE, stdout=log, stderr=log, env=_worker_environment(),
            )

    def wait_for(self, path: Path) -> bool:
        """Wait until this worker writes `path`; False if it ends without doing so."""
        while not path.exists():
            if self.process.poll() is not None:
                return path.exists()
            time.sleep(0.01)
        return True

    def results(self) -> list[tuple[bool, list[Violation], int]]:
        if self.process.wait() != 0:
            output = self.log.read_text(encoding="utf-8", errors="replace").strip()
            raise ValidateError(f"a validation worker failed (exit {self.process.returncode}): {output[-2000:]}")
        results: list[tuple[bool, list[Violation], int]] | dict[str, str] = pickle.loads(self.out.read_bytes())
        if isinstance(results, dict):
            raise _Refused(results["refused"])
        return results

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()


def _worker_environment() -> dict[str, str]:
    """This environment, with this package importable however it was installed or run."""
    root = str(Path(__file__).resolve().parent.parent)
    paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def check_job(
    tasks: list[Task], shapes_dir: Path, names: tuple[str, ...], split: _ContextSplit | None = None,
    units: Path | None = None, fork: bool = False,
) -> list[tuple[bool, list[Violation], int]]:
    """In a worker process: per task, its verdict, violations and quads (a chunk's own, or the context's).

    A task without a chunk checks the context alone with every shape; first it writes `split`
    from it and checks the lines of `units`, the file being cut, against the grammar of the
    converter's units (`blocks.check_units`: LayoutError if they do not follow it, and the
    caller then checks the file in one store). A chunk is loaded with its context into a store
    of its own and checked with the shapes on the observations only, as the other shapes see
    nothing but the context (codes, structure, catalogue). (Removing a chunk from a store to
    reuse its context does not pay: Oxigraph keeps removed quads until it is dropped.) The
    workers of one file share its list of chunks, and each checks those it claims first
    (`_claim`). With `fork` (a worker process, `shapes.worker`), each chunk is checked in a
    child of its own (`_in_child`).
    """
    results = []
    for contexts, chunk in tasks:
        if chunk is None:
            results.append(_check_context(contexts, shapes_dir, names, split, units))
        elif _claim(chunk):  # else another worker has it
            check = partial(_check_chunk, contexts, chunk, shapes_dir, names)
            results.append(_in_child(check) if fork else check())
    return results


def _in_child(check: Callable[[], ChunkResult]) -> ChunkResult:
    """`check()` in a forked child, which hands its result over and ends without freeing its store.

    Freeing an Oxigraph store of a chunk (a million quads, each in several indexes) costs about
    a tenth of loading it, on the critical path of every chunk; the kernel drops a process's
    pages at once. The child starts from this process, so the shapes it has prepared for an
    earlier chunk are ready. A ValidateError in the child is raised here, as without the child;
    any other failure ends this process too, with the child's traceback in its log.
    """
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child ends in os._exit, which coverage does not see
        os.close(read)
        status = 0
        try:
            answer: object = check()
        except ValidateError as error:
            answer = error
        except BaseException:
            traceback.print_exc()
            answer, status = None, 1
        with os.fdopen(write, "wb") as out:
            pickle.dump(answer, out)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as source:
        data = source.read()
    _, status = os.waitpid(child, 0)
    if status != 0 or not data:
        raise ChildProcessError(f"the process checking a chunk failed (wait status {status})")
    answer = pickle.loads(data)
    if isinstance(answer, ValidateError):
        raise answer
    return answer  # type: ignore[no-any-return]


def _check_context(
    contexts: list[Path], shapes_dir: Path, names: tuple[str, ...], split: _ContextSplit | None, units: Path | None
) -> tuple[bool, list[Violation], int]:
    store = _store_of(contexts)
    if split is not None:
        split.write(store)
    if units is not None:
        blocks.check_units(units)
    return (*check_store(store, shapes_dir, names), len(store))


def _check_chunk(contexts: list[Path], chunk: Path, shapes_dir: Path, names: tuple[str, ...]) -> ChunkResult:
    store = _store_of(contexts)
    context_size = len(store)
    dropped = _load_chunk(store, chunk)
    size = len(store)
    return (*check_store(store, shapes_dir, names, observations_only=True, size=size), size - context_size + dropped)


def _load_chunk(store: ox.Store, chunk: Path) -> int:
    """Load a chunk without its cells' descriptions (`blocks.without_descriptions`); the triples left out."""
    try:
        text, dropped = blocks.without_descriptions(chunk.read_bytes())
        store.load(text, format=ox.RdfFormat.TRIG)
    except (OSError, SyntaxError) as error:  # the caller then checks the file in one store, which names the line
        raise ValidateError(f"{chunk}: {error}") from error
    return dropped


def _store_of(parts: list[Path]) -> ox.Store:
    """A store of the parts of the context, naming a part on an error."""
    store = ox.Store()
    for part in parts:
        try:
            store.load(path=str(part), format=rdf_format(part))
        except (OSError, SyntaxError) as error:
            raise ValidateError(f"{part}: {error}") from error
    return store


def _claim(chunk: Path) -> bool:
    """Take `chunk` for this worker; False if another took it first (a file only one can create)."""
    try:
        os.close(os.open(chunk.with_suffix(".claimed"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True
