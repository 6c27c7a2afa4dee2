"""The tree shows the flow: each stage imports only itself and earlier stages, no module imports
itself back through others, and no module grows past what a reader takes in at once.

The stages, in the order data flows through them (docs/ARCHITECTURE.md explains each):
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("converter", "shapes", "endpoint", "mdo")
MAX_LINES = 400

STAGES: tuple[tuple[str, ...], ...] = (
    ("converter", "converter.atomic", "converter.forked", "converter.model", "converter.numbers"),  # plain data, figures, safe writing, a second process
    ("converter.registry",),  # the curated indicators and editions
    ("converter.readers",),  # source text -> tables, each row with its place
    ("converter.extraction",),  # tables -> tidy observations, findings, the quality report
    ("converter.curation",),  # proposals for labels the registry does not know, new editions
    ("converter.rdf",),  # observations -> RDF: the cube, the catalogue, the dumps
    ("converter.build", "converter.publish"),  # the whole build; a built dump into a triple store
    ("shapes",),  # the validation stage: SHACL files and the code that applies them
    ("endpoint",),  # serving: SPARQL, pages, downloads
    ("mdo",),  # the command line and the settings, on top
)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _stage(module: str) -> int | None:
    """The stage of the most specific entry that names `module` or a package above it.

    Most specific, so that `converter` (stage 0) holds only what no later stage names, and a
    backward import between two stages inside `converter/` is caught like any other.
    """
    named = [(len(prefix), rank) for rank, prefixes in enumerate(STAGES) for prefix in prefixes
             if module == prefix or module.startswith(prefix + ".")]
    return max(named)[1] if named else None


def _imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules `module` imports anywhere in its text (typing-only imports included)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {module: _imports(module, path, known) for module, path in known.items()}


def test_every_module_belongs_to_a_stage() -> None:
    assert [m for m in _modules() if _stage(m) is None] == []


def test_the_stages_inside_converter_are_told_apart() -> None:
    """A reader importing the RDF stage must count as backward, not as two modules of `converter`."""
    assert _stage("converter.numbers") == 0
    assert _stage("converter.readers.markdown_tsv") == 2
    assert _stage("converter.rdf.trig") == 5
    assert _stage("converter.build") == 6
    assert _stage("elsewhere") is None


def test_no_stage_imports_a_later_one() -> None:
    backwards = [f"{module} imports {target}" for module, targets in _graph().items() for target in targets
                 if (_stage(target) or 0) > (_stage(module) or 0)]
    assert backwards == []


def test_no_import_cycle() -> None:
    graph = {m: {t for t in targets if not t == m.rpartition(".")[0] and not m.startswith(t + ".")}
             for m, targets in _graph().items()}  # a package's __init__ is not a cycle with its modules
    cycles = []
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join(trail[trail.index(target):] + [target]))
            elif target not in state:
                visit(target, trail + [target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_module_over_the_limit() -> None:
    """The packages, the tests (their helpers too) and the benchmark."""
    paths = [*_modules().values(), *(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]
    long = {str(path.relative_to(ROOT)): n for path in paths
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
