"""Validate a cube against the SHACL shapes in `shapes/` and report what is wrong, and where.

`validate()` loads the data into an in-memory Oxigraph store (the union of all its graphs is
what is checked) and runs pySHACL over it with the shapes from `settings.shapes_dir`:
`datacube.ttl` (Data Cube IC-1 to IC-21), `domain.ttl` (the rules of docs/MODEL.md) and
`catalogue.ttl` (DCAT-AP 3.0 / DCAT-AP-NL 3.0). pySHACL runs its SPARQL constraints on Oxigraph,
so the set-level queries of the shapes (one per data set, not one per observation) stay fast.

Each violation names its focus node, the rule it breaks (the shape's `rdfs:label`, e.g.
"IC-12 No duplicate observations", and the section it cites), the message, the severity and,
for an observation or source cell, the place in the source text it was read from
(`prov:wasDerivedFrom` a `mdo:Broncel` with `mdo:bestand` and `mdo:regel`).
"""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from pyshacl.graph_abstraction import OxigraphDataGraph
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from . import blocks
from .model import Place
from .settings import Settings, load_settings

DCTERMS = Namespace("http://purl.org/dc/terms/")
MDO = Namespace("https://data.monitordigitaleoverheid.nl/def/mdo#")
MDOSH = Namespace("https://data.monitordigitaleoverheid.nl/def/shapes#")
PROV = Namespace("http://www.w3.org/ns/prov#")
QB = Namespace("http://purl.org/linked-data/cube#")

SHAPE_FILES = ("datacube", "domain", "catalogue")
"""The shape files under `shapes/`, by stem; `validate(shapes=...)` takes a subset."""

_FORMATS = {
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
}

_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


class ValidateError(ValueError):
    """The data or the shapes cannot be read; the message names the file."""


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result, tied to the rule it breaks and the source it came from."""

    focus_node: Node
    rule: str  # the shape's label, e.g. "IC-12 No duplicate observations"
    rule_source: str | None  # the section the rule cites, e.g. https://www.w3.org/TR/vocab-data-cube/#ic-12
    shape: Node  # the source shape, e.g. mdosh:IC-12
    message: str
    severity: str  # "Violation" | "Warning" | "Info"
    value: Node | None = None  # sh:value: for a rule on a data set, the observation at fault
    path: Node | None = None  # sh:resultPath
    place: Place | None = None  # where the observation or cell at fault is printed

    @property
    def node(self) -> Node:
        """The node at fault: the value when a data-set rule names one, else the focus node."""
        if isinstance(self.value, (URIRef, BNode)) and self.value != self.focus_node:
            return self.value
        return self.focus_node


@dataclass(frozen=True)
class ValidationResult:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    triples: int = 0  # quads loaded (the union of all graphs is validated)
    seconds: float = 0.0
    mode: str = "one store"  # or "N chunks of observations, P processes" (see validate())


CHUNK_BYTES = 100 * 2**20
"""About 70,000 observations of the converter's TriG: a chunk's store then takes about 0.7 GB."""


def validate(
    data: Graph | Dataset | Path | str,
    *,
    shapes: Sequence[str] | None = None,
    settings: Settings | None = None,
    workers: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> ValidationResult:
    """Validate `data` (a graph, a dataset or an RDF file) against the project's shapes.

    For a dataset or a TriG / N-Quads file the union of all graphs is validated. `shapes`
    selects shape files by stem (default: all of `SHAPE_FILES`). A TriG file the converter
    wrote that is larger than `chunk_bytes` is checked in chunks (`converter.blocks`), by
    `workers` processes at once (default: the number of CPUs, at most 4): the same results
    as one store, in a fraction of the memory. Everything else is checked in one store.
    """
    start = time.perf_counter()
    settings = settings or load_settings()
    names = tuple(shapes or SHAPE_FILES)
    note = ""
    if isinstance(data, (str, Path)) and Path(data).suffix.lower() == ".trig" and Path(data).is_file():
        chunked, note = _validate_in_chunks(Path(data), settings.shapes_dir, names, workers, chunk_bytes)
        if chunked is not None:
            return replace(chunked, seconds=time.perf_counter() - start)
    store = _load_store(data)
    conforms, violations = _check(store, settings.shapes_dir, names)
    return ValidationResult(
        conforms=conforms,
        violations=violations,
        triples=len(store),
        seconds=time.perf_counter() - start,
        mode=f"one store ({note})" if note else "one store",
    )


def format_report(result: ValidationResult, *, limit_per_rule: int = 20) -> str:
    """A readable report for the terminal: per rule, each violation with its focus and source."""
    how = f" ({result.mode})" if result.mode != "one store" else ""
    if not result.violations:
        return f"Conforms: {result.triples:,} triples checked in {result.seconds:.1f} s{how}."
    by_rule: dict[str, list[Violation]] = defaultdict(list)
    for violation in result.violations:
        by_rule[violation.rule].append(violation)
    verdict = "Does not conform" if not result.conforms else "Conforms, with remarks"
    lines = [
        f"{verdict}: {len(result.violations)} result(s) under {len(by_rule)} rule(s); "
        f"{result.triples:,} triples checked in {result.seconds:.1f} s{how}.",
    ]
    for rule, violations in by_rule.items():
        first = violations[0]
        lines += ["", f"{rule}  [{first.severity}, {len(violations)}]"]
        if first.rule_source:
            lines.append(f"  rule    {first.rule_source}")
        lines.append(f"  shape   {_short(first.shape)}")
        for violation in violations[:limit_per_rule]:
            lines.append(f"  - focus   {_show(violation.focus_node)}")
            if violation.value is not None and violation.value != violation.focus_node:
                lines.append(f"    value   {_show(violation.value)}")
            if violation.path is not None:
                lines.append(f"    path    {_short(violation.path)}")
            if violation.place is not None:
                lines.append(f"    source  {violation.place}")
            lines.append(f"    {violation.message}")
        if len(violations) > limit_per_rule:
            lines.append(f"  ... and {len(violations) - limit_per_rule} more")
    return "\n".join(lines)


class _StoreGraph(OxigraphDataGraph):  # type: ignore[misc]
    """pySHACL's view of the Oxigraph store, with two fixes for pySHACL 0.40's Oxigraph backend.

    - Its `len()` runs a COUNT over the whole store, and pySHACL takes `len()` (through
      truthiness) several times for every result it reports: with many violations on a large
      cube that dominated the run. Here the size is counted once.
    - Walking a property from a literal raises in Oxigraph; in RDF a literal simply has no
      properties. (The shapes avoid literal focus nodes; this is a second line.)
    """

    def __init__(self, store: ox.Store) -> None:
        super().__init__(store)
        self._size = len(store)

    def __len__(self, context: Graph | None = None) -> int:
        return self._size if context is None else int(super().__len__(context))

    def __bool__(self) -> bool:
        return True

    def objects(self, subject=None, predicate=None, unique=False):  # type: ignore[no-untyped-def,override]
        if isinstance(subject, Literal):
            return
        yield from super().objects(subject, predicate, unique=unique)


def _check(
    store: ox.Store, shapes_dir: Path, names: tuple[str, ...], observations_only: bool = False
) -> tuple[bool, list[Violation]]:
    """Run pySHACL with the named shape files over `store`; its verdict and violations.

    `observations_only`: only the shapes on the observations (see `_observation_shapes`).
    """
    shapes_graph = _instantiate_templates(_shapes_graph(shapes_dir, names), store)
    if observations_only:
        _keep_only_observation_shapes(shapes_graph)
    conforms, report, _ = pyshacl.validate(
        _StoreGraph(store),
        shacl_graph=shapes_graph,
        inference="none",
        advanced=False,
        inplace=True,
        allow_infos=True,
    )
    violations = _violations(report, shapes_graph, store)
    return bool(conforms) and not any(v.severity == "Violation" for v in violations), violations


# --- In chunks -------------------------------------------------------------------------------


def _validate_in_chunks(
    path: Path, shapes_dir: Path, names: tuple[str, ...], workers: int | None, chunk_bytes: int
) -> tuple[ValidationResult | None, str]:
    """Check a large TriG of the converter in chunks; (None, why) when it cannot be cut.

    Each chunk is the context plus all observations of some indicators (see `converter.blocks`
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
        violations=sorted(dict.fromkeys(v for _, found, _ in done for v in found), key=_order),
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
    """A `python -m converter.validate_worker` process running `check_job` on some tasks.

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
                [sys.executable, "-m", "converter.validate_worker", str(job)],
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
    units: Path | None = None,
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
    (`_claim`).
    """
    results = []
    for contexts, chunk in tasks:
        if chunk is None:
            results.append(_check_context(contexts, shapes_dir, names, split, units))
        elif _claim(chunk):  # else another worker has it
            results.append(_check_chunk(contexts, chunk, shapes_dir, names))
    return results


def _check_context(
    contexts: list[Path], shapes_dir: Path, names: tuple[str, ...], split: _ContextSplit | None, units: Path | None
) -> tuple[bool, list[Violation], int]:
    store = _store_of(contexts)
    if split is not None:
        split.write(store)
    if units is not None:
        blocks.check_units(units)
    return (*_check(store, shapes_dir, names), len(store))


def _check_chunk(
    contexts: list[Path], chunk: Path, shapes_dir: Path, names: tuple[str, ...]
) -> tuple[bool, list[Violation], int]:
    store = _store_of(contexts)
    context_size = len(store)
    _load_part(store, chunk)
    return (*_check(store, shapes_dir, names, observations_only=True), len(store) - context_size)


def _store_of(parts: list[Path]) -> ox.Store:
    store = ox.Store()
    for part in parts:
        _load_part(store, part)
    return store


def _claim(chunk: Path) -> bool:
    """Take `chunk` for this worker; False if another took it first (a file only one can create)."""
    try:
        os.close(os.open(chunk.with_suffix(".claimed"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _load_part(store: ox.Store, part: Path) -> None:
    """Load a context or chunk file, naming it on an error."""
    try:
        store.load(path=str(part), format=_FORMATS[part.suffix])
    except (OSError, SyntaxError) as error:
        raise ValidateError(f"{part}: {error}") from error


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target)


def _observation_shapes(shapes: Graph) -> set[Node]:
    """The shapes on observations: those on `qb:DataSet` (rules over a data set's observations)
    and on the nodes `qb:Observation` and `mdo:OntbrekendCijfer` (rules for every unit a chunk
    holds, an observation or a cell without a figure), as shapes/README.md has it.

    Every other shape targets codes, the structure or the catalogue, none of which a chunk
    adds to, and no shape of those reaches an observation (`tests/test_validate_chunks.py`
    checks that a cut file gives the results of one store).
    """
    units = set(shapes.subjects(SH.targetNode, QB.Observation)) | set(shapes.subjects(SH.targetNode, MDO.OntbrekendCijfer))
    return set(shapes.subjects(SH.targetClass, QB.DataSet)) | units


def _keep_only_observation_shapes(shapes: Graph) -> None:
    keep = _observation_shapes(shapes)
    for target in _TARGETS:
        for shape in list(shapes.subjects(target, None)):
            if shape not in keep:
                shapes.remove((shape, target, None))


# --- Loading ---------------------------------------------------------------------------------


def _load_store(data: Graph | Dataset | Path | str) -> ox.Store:
    store = ox.Store()
    if isinstance(data, (str, Path)):
        path = Path(data)
        fmt = _FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ValidateError(f"{path}: unknown RDF file type {path.suffix!r} (expected one of {', '.join(_FORMATS)})")
        try:
            store.bulk_load(path=str(path), format=fmt)
        except (OSError, SyntaxError) as error:
            raise ValidateError(f"{path}: {error}") from error
    elif isinstance(data, (Dataset, ConjunctiveGraph)):
        store.bulk_load(data.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    elif isinstance(data, Graph):
        store.bulk_load(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    else:
        raise TypeError(f"validate() takes an rdflib Graph or Dataset or a file path, not {type(data).__name__}")
    return store


@lru_cache(maxsize=8)
def _parsed_shapes(path: Path, mtime: float) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as error:  # rdflib raises several parser errors; name the file
        raise ValidateError(f"{path}: {error}") from error
    return graph


def _shapes_graph(shapes_dir: Path, names: tuple[str, ...]) -> Graph:
    graph = Graph()
    for name in names:
        path = shapes_dir / f"{name}.ttl"
        if not path.is_file():
            raise ValidateError(f"{path}: no such shapes file (known: {', '.join(SHAPE_FILES)})")
        parsed = _parsed_shapes(path, path.stat().st_mtime)
        graph += parsed
        for prefix, namespace in parsed.namespaces():
            graph.bind(prefix, namespace, override=False)
    return graph


def _instantiate_templates(shapes: Graph, store: ox.Store) -> Graph:
    """Add the SPARQL constraints a template shape makes for the properties in the data.

    SPARQL cannot take a property path from a variable (IC-20, IC-21), and a query over a fixed
    list of properties is several times faster on a large cube than one that joins them from
    the structure (IC-11 to IC-14). So a shape may carry a query in `mdosh:selectTemplate`
    and, in `mdosh:templateParameterQuery`, the query for its parameters, run on the data:

    - solutions of `?p`: one constraint per property, with `$p` replaced by its IRI;
    - solutions of `?structure ?p`: one constraint per data structure, with `$structure`
      replaced by its IRI, `$patterns` by `; <p1> ?key1 ; <p2> ?key2 ...` over its properties
      and `$keys` by `?key1 ?key2 ...` (IC-12 groups observations on their dimension values).

    The message in `mdosh:messageTemplate` gets the same replacements. Nothing in the data to
    instantiate for: no constraint, as the rule then has nothing to check.
    """
    prefixes = _sparql_prefixes(shapes)
    for shape, query in list(shapes.subject_objects(MDOSH.templateParameterQuery)):
        select = str(shapes.value(shape, MDOSH.selectTemplate))
        message = shapes.value(shape, MDOSH.messageTemplate)
        solutions = store.query(prefixes + str(query), use_default_graph_as_union=True)
        names = [variable.value for variable in solutions.variables]  # type: ignore[union-attr]
        if names not in (["p"], ["structure", "p"]):
            raise ValidateError(f"{_short(shape)}: a template parameter query selects ?p or ?structure ?p, not {names}")
        grouped: dict[str, list[str]] = defaultdict(list)  # a property, or a structure with its properties
        for solution in solutions:  # type: ignore[union-attr]
            values = [term.value if isinstance(term, ox.NamedNode) else None for term in solution]
            if None not in values:  # a blank node or literal is not a property to instantiate for
                grouped[values[0]].extend(values[1:])  # type: ignore[arg-type]
        for key, properties in grouped.items():
            replacements = (
                {"$structure": key, "$patterns": " ".join(f"; <{p}> ?key{i}" for i, p in enumerate(properties)),
                 "$keys": " ".join(f"?key{i}" for i in range(len(properties)))}
                if names == ["structure", "p"] else {"$p": key}
            )
            constraint = BNode()
            shapes.add((shape, SH.sparql, constraint))
            shapes.add((constraint, SH.select, Literal(_replace(select, replacements))))
            if message is not None:
                shapes.add((constraint, SH.message, Literal(_replace(str(message), replacements), lang=message.language)))
            shapes.add((constraint, SH.prefixes, MDOSH.datacube))
    return shapes


def _replace(text: str, replacements: dict[str, str]) -> str:
    """`text` with each `$name` of `replacements` replaced (longest name first)."""
    for name in sorted(replacements, key=len, reverse=True):
        text = text.replace(name, replacements[name])
    return text


def _sparql_prefixes(shapes: Graph) -> str:
    lines = []
    for declaration in shapes.objects(None, SH.declare):
        prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
        if prefix is not None and namespace is not None:
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines))) + "\n"


# --- Reading the report ----------------------------------------------------------------------


def _violations(report: Graph, shapes: Graph, store: ox.Store) -> list[Violation]:
    rows = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        shape = report.value(result, SH.sourceShape)
        message = report.value(result, SH.resultMessage)
        rows.append(
            (
                report.value(result, SH.focusNode),
                shape,
                str(message) if message is not None else "",
                _SEVERITIES.get(report.value(result, SH.resultSeverity), "Violation"),
                report.value(result, SH.value),
                report.value(result, SH.resultPath),
            )
        )
    places = _places(store, {n for row in rows for n in (row[0], row[4]) if isinstance(n, URIRef)})
    violations = []
    for focus, shape, message, severity, value, path in rows:
        rule, source = _rule(shapes, shape)
        place = places.get(value) if value is not None else None
        violations.append(
            Violation(
                focus_node=focus,
                rule=rule,
                rule_source=source,
                shape=shape,
                message=message,
                severity=severity,
                value=value,
                path=path if isinstance(path, URIRef) else None,
                place=place or places.get(focus),
            )
        )
    return sorted(dict.fromkeys(violations), key=_order)  # each result once, as from chunks


def _order(v: Violation) -> tuple[tuple[int, int], str, str, str, str]:
    return (_rule_order(v.rule), v.rule, str(v.focus_node), str(v.value), str(v.path))


def _rule(shapes: Graph, shape: Node | None) -> tuple[str, str | None]:
    """The rule a shape enforces: its label and cited section, else those of its node shape."""
    candidates = [shape, *shapes.subjects(SH.property, shape)] if shape is not None else []
    for candidate in candidates:
        label = shapes.value(candidate, RDFS.label)
        if label is not None:
            source = shapes.value(candidate, DCTERMS.source)
            return str(label), str(source) if source is not None else None
    return (_short(shape) if shape is not None else "(unknown shape)"), None


def _rule_order(rule: str) -> tuple[int, int]:
    """IC-n rules first in their number order, then the rest."""
    if rule.startswith("IC-"):
        number = rule[3:].split(" ", 1)[0]
        return (0, int(number)) if number.isdigit() else (0, 99)
    if rule.startswith("MDO-"):
        number = rule[4:].split(" ", 1)[0]
        return (1, int(number)) if number.isdigit() else (1, 99)
    return (2, 0)


def _places(store: ox.Store, nodes: Iterable[URIRef]) -> dict[Node, Place]:
    """The source place of each node that is an observation (via its cell) or a source cell."""
    nodes = sorted(nodes)
    if not nodes:
        return {}
    places: dict[Node, Place] = {}
    for chunk in (nodes[i : i + 500] for i in range(0, len(nodes), 500)):
        values = " ".join(f"<{node}>" for node in chunk)
        query = f"""
            SELECT ?node (SAMPLE(?file) AS ?f) (SAMPLE(?line) AS ?l) WHERE {{
              VALUES ?node {{ {values} }}
              {{ ?node <{PROV.wasDerivedFrom}> ?cell . ?cell <{MDO.bestand}> ?file ; <{MDO.regel}> ?line }}
              UNION {{ ?node <{MDO.bestand}> ?file ; <{MDO.regel}> ?line }}
            }} GROUP BY ?node"""
        for node, file, line in store.query(query, use_default_graph_as_union=True):  # type: ignore[misc]
            if file is None or line is None:
                continue
            try:
                number = int(line.value)
            except ValueError:
                continue
            places[URIRef(node.value)] = Place(file.value, number)
    return places


def _short(node: Node | None) -> str:
    if node is None:
        return "-"
    text = str(node)
    if text.startswith(str(MDOSH)):
        return "mdosh:" + text[len(str(MDOSH)) :]
    return _show(node)


def _show(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal) and node.datatype in (None, XSD.string):
        return Literal(str(node), lang=node.language).n3()
    return node.n3() if hasattr(node, "n3") else str(node)
