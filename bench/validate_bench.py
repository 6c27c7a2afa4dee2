"""Time `shapes.validate.validate` on synthetic cubes (or a given one), to tune the shapes.

    .venv/bin/python bench/validate_bench.py                 # 1000, 10000 and 100000 observations
    .venv/bin/python bench/validate_bench.py -n 5000 -n 50000
    .venv/bin/python bench/validate_bench.py --real dist/mdo.trig
    .venv/bin/python bench/validate_bench.py -n 0 --real /tmp/cube.trig   # only a cube made earlier

Each cube is the real converter's build of synthetic editions (`bench/synthetic.py`), written
to a temporary TriG file and validated from that path, so the figures include loading. Every
synthetic cube is valid: a run whose result does not conform is an error (the shapes or the
converter are wrong). `bench/run.py` measures validation at scale beside the other steps.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from shapes.validate import ValidationResult, format_report, validate  # noqa: E402
from synthetic import Plan, write_cube  # noqa: E402


def _run(label: str, path: Path, observations: int | None) -> tuple[str, int | None, float, ValidationResult]:
    start = time.perf_counter()
    result = validate(path)
    seconds = time.perf_counter() - start
    if observations is not None and not result.conforms:
        print(format_report(result), file=sys.stderr)
        raise SystemExit(f"{label}: the synthetic cube does not conform; fix the generator or the shapes")
    return label, observations, seconds, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, action="append", help="observations (repeatable)")
    parser.add_argument("--real", type=Path, help="also time a built cube, e.g. dist/mdo.trig")
    args = parser.parse_args(argv)
    sizes = [n for n in (args.n or [1000, 10000, 100000]) if n > 0]  # -n 0: only --real
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"cube-{n}.trig"
            observations = write_cube(Plan.for_size(n), path, Path(tmp) / f"editions-{n}")
            rows.append(_run(f"synthetic {n}", path, observations))
    if args.real:
        rows.append(_run(f"real {args.real}", args.real, None))
    print(f"{'cube':<32} {'observations':>12} {'triples':>10} {'seconds':>8} {'obs/s':>8}  result")
    for label, n, seconds, result in rows:
        rate = f"{n / seconds:,.0f}" if n else "-"
        verdict = "conforms" if result.conforms else f"{len(result.violations)} violations"
        print(f"{label:<32} {n if n is not None else '-':>12} {result.triples:>10,} {seconds:>8.2f} {rate:>8}  {verdict} ({result.mode})")
    # ru_maxrss is in KiB on Linux; the peak of the whole run, so of the largest cube above (without
    # the worker processes of a cube checked in chunks: bench/run.py sums those)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
