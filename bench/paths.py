"""Where the benchmark runs and what it talks to: one place for the constants every bench module uses.

Importing it also puts the repository root first on `sys.path`, so the bench runs the checkout's
code even where the project is not installed.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

B = "https://data.monitordigitaleoverheid.nl"
PEER_VENV = BENCH / ".venv"
PEER_PACKAGE = "rdflib-endpoint[cli]==0.6.3"
JSON_RESULTS = "application/sparql-results+json"


@cache
def tls() -> Any:
    """One TLS context (`verify=`) for every HTTP client the bench makes. httpx builds one per
    client by default, reading the CA bundle each time: tens of milliseconds, more than a query of
    a small cube takes, and five clients per query, engine and client count."""
    import httpx

    return httpx.create_ssl_context()


REPORT = ROOT / "docs" / "BENCHMARKS.md"


def command_line(script: str, argv: list[str] | None) -> str:
    """How `bench/<script>` was run, as its section names it (without `--write`, which only says
    where the section went)."""
    args = sys.argv[1:] if argv is None else argv
    return " ".join([".venv/bin/python", f"bench/{script}", *(arg for arg in args if arg != "--write")])


def put_section(start: str, end: str, text: str, write: bool) -> None:
    """Print a section; with `write`, put it into the report too (`write_section`)."""
    print(text)
    if write:
        write_section(REPORT, start, end, text)


def write_section(path: Path, start: str, end: str, text: str) -> None:
    """Put `text` (a section from its `start` marker to its `end` marker) into the report at
    `path`, in place of the section with the same markers, or at its end. The scripts that measure
    one thing apart (`runaways.py`, `build_stages.py`, `shape_costs.py`, `lookup_cost.py`) write this way, and
    `report.kept_section` keeps their sections when `run.py` rewrites the rest."""
    old = path.read_text(encoding="utf-8")
    if start in old and end in old:
        new = old[:old.index(start)] + text.rstrip("\n") + old[old.index(end) + len(end):]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new, encoding="utf-8")
