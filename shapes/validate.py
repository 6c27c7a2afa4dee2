"""`validate()`: the validation stage's entry, one store or chunks, and the report for the terminal."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from rdflib import Dataset, Graph

from shapes.check import SHAPE_FILES, SHAPES_DIR, ValidateError, ValidationResult, Violation, check_store, load_store, short, show
from shapes.chunks import CHUNK_BYTES, validate_in_chunks

__all__ = ["SHAPE_FILES", "ValidateError", "ValidationResult", "Violation", "format_report", "validate"]


def validate(
    data: Graph | Dataset | Path | str,
    *,
    shapes: Sequence[str] | None = None,
    shapes_dir: Path = SHAPES_DIR,
    workers: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> ValidationResult:
    """Validate `data` (a graph, a dataset or an RDF file) against the project's shapes.

    For a dataset or a TriG / N-Quads file the union of all graphs is validated. `shapes`
    selects shape files by stem (default: all of `SHAPE_FILES`) in `shapes_dir` (default: this folder). A TriG file the converter
    wrote that is larger than `chunk_bytes` is checked in chunks (`shapes.blocks`), by
    `workers` processes at once (default: the number of CPUs, at most 4): the same results
    as one store, in a fraction of the memory. Everything else is checked in one store.
    """
    start = time.perf_counter()
    names = tuple(shapes or SHAPE_FILES)
    note = ""
    if isinstance(data, (str, Path)) and Path(data).suffix.lower() == ".trig" and Path(data).is_file():
        chunked, note = validate_in_chunks(Path(data), shapes_dir, names, workers, chunk_bytes)
        if chunked is not None:
            return replace(chunked, seconds=time.perf_counter() - start)
    store = load_store(data)
    conforms, violations = check_store(store, shapes_dir, names)
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
        lines.append(f"  shape   {short(first.shape)}")
        for violation in violations[:limit_per_rule]:
            lines.append(f"  - focus   {show(violation.focus_node)}")
            if violation.value is not None and violation.value != violation.focus_node:
                lines.append(f"    value   {show(violation.value)}")
            if violation.path is not None:
                lines.append(f"    path    {short(violation.path)}")
            if violation.place is not None:
                lines.append(f"    source  {violation.place}")
            lines.append(f"    {violation.message}")
        if len(violations) > limit_per_rule:
            lines.append(f"  ... and {len(violations) - limit_per_rule} more")
    return "\n".join(lines)

