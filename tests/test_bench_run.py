"""`bench/run.py` end to end at a tiny size, with `mdo serve`, Oxigraph server and Virtuoso.

The report must have a row per query and a column per engine, every engine must answer every
query, and the rows the table gives must be the rows Oxigraph gives in-process on the same file.
Skipped, with the reason, where virtuoso-t or the oxigraph CLI is not installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from clients import bench_queries  # noqa: E402
from engines import missing  # noqa: E402

SIZE = "200"
ENGINES = ("mdo", "oxigraph", "virtuoso")
HEADINGS = ["mdo (memory, default)", "Oxigraph server", "Virtuoso"]


def _table(report: str, heading: str) -> list[list[str]]:
    """The cells of the first table after the `## heading...` line of the report.

    Headings end in the number of observations the build made, which the synthetic plan only
    approximates (its cells without a figure are no observations), so they are matched by start.
    """
    lines = report.split(f"\n## {heading}", 1)[1].splitlines()[1:]
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    reasons = [m for key in ENGINES if (m := missing(key))]
    if reasons:
        pytest.skip("; ".join(reasons))
    work = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--sizes", SIZE,
                           "--engines", ",".join(ENGINES), "--requests", "1", "--workdir", str(work),
                           "--out", str(work / "report.md")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return (work / "report.md").read_text(encoding="utf-8"), work


@pytest.mark.slow
def test_a_row_per_query_and_a_column_per_engine(run: tuple[str, Path]) -> None:
    report, work = run
    table = _table(report, "Query latency, ")
    header, body = table[0], table[2:]
    assert header == ["query", "rows", *HEADINGS, "mdo / Oxigraph server, 1 client", "mdo / Virtuoso, 1 client"]
    queries = bench_queries(SIZE)
    assert [row[0] for row in body] == [name for name, _ in queries]
    for row in body:
        if row[0].startswith("page:"):  # pages are mdo's own: the peers have none
            assert row[2] != "-" and row[3:5] == ["-", "-"], row
        else:
            assert all(cell.endswith("ms") for cell in row[2:5]), row  # each engine answered, 1 and 4 clients

    store = ox.Store()
    store.bulk_load(path=str(work / f"cube-{SIZE}.trig"), format=ox.RdfFormat.TRIG)
    rows = {row[0]: row[1] for row in body}
    for name, text in queries:
        if not text.startswith("/"):
            assert rows[name] == f"{len(list(store.query(text, use_default_graph_as_union=True))):,}", name


@pytest.mark.slow
def test_loads_and_portability_are_reported(run: tuple[str, Path]) -> None:
    report, work = run
    loads = {row[1]: row for row in _table(report, "Loading and serving, per engine")[2:]}
    assert sorted(loads) == sorted(HEADINGS)
    assert loads["Oxigraph server"][3].startswith("oxigraph load ") and loads["Virtuoso"][3] == "ld_dir + rdf_loader_run + checkpoint"
    assert all(row[2].endswith(" s") for row in loads.values())  # a load time each
    targets = {row[1]: row for row in _table(report, "Targets")[2:]}
    assert targets["every example query: the same rows on Oxigraph server and Virtuoso"][2:] == ["same", "met"]
    kept = json.loads((work / "results.json").read_text(encoding="utf-8"))
    assert list(kept) == [SIZE] and sorted(kept[SIZE]["engines"]) == sorted(ENGINES)
