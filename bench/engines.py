"""The engines the benchmark serves one TriG file from, side by side, and how each gets it into its store.

- `mdo`: `mdo serve` on the store `--store auto` picks for the file (memory up to 64 MB, disk above);
- `mdo-other`: `mdo serve` on the other one (`--store disk` or `--store memory`);
- `oxigraph`: Oxigraph server, the same engine as `mdo serve` behind its own HTTP server (PyPI
  `oxigraph`, the CLI of the pyoxigraph version installed: the `bench` extra of pyproject.toml),
  filled by `oxigraph load` and compacted by `oxigraph optimize` as `mdo serve` compacts its store;
- `virtuoso`: OpenLink Virtuoso 7.2 (Debian, `.ci/install-virtuoso.sh`) filled by its bulk loader,
  started as the publish tests start it (`bench/virtuoso.py`);
- `rdflib`: rdflib-endpoint in `bench/.venv` (slow: only on request, up to `--peer-max`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from paths import B, PEER_PACKAGE, PEER_VENV, ROOT
from servers import Server, resident_mb
import virtuoso

ENGINES = ("mdo", "mdo-other", "oxigraph", "virtuoso", "rdflib")
DEFAULT_ENGINES = ("mdo", "mdo-other", "oxigraph", "virtuoso")
SHORT = {"mdo": "mdo", "mdo-other": "mdo, other store", "oxigraph": "Oxigraph server", "virtuoso": "Virtuoso",
         "rdflib": "rdflib-endpoint"}


def oxigraph_cli() -> Path | None:
    """The `oxigraph` CLI of this venv (the `bench` extra), else one on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = beside if beside.exists() else shutil.which("oxigraph")
    return Path(found) if found else None


def missing(key: str) -> str:
    """Why an engine cannot run here ("" when it can)."""
    if key == "oxigraph" and oxigraph_cli() is None:
        return "no oxigraph CLI: .venv/bin/pip install -e '.[bench]'"
    if key == "virtuoso" and virtuoso.VIRTUOSO is None:
        return virtuoso.MISSING
    return ""


def versions(keys: list[str]) -> dict[str, str]:
    """What each engine is, for the report; the Oxigraph CLI must be the pyoxigraph release series."""
    import importlib.metadata

    pyoxigraph = importlib.metadata.version("pyoxigraph")
    found = {"mdo": f"mdo serve (pyoxigraph {pyoxigraph})", "mdo-other": f"mdo serve (pyoxigraph {pyoxigraph})"}
    if "oxigraph" in keys and oxigraph_cli():
        said = subprocess.run([str(oxigraph_cli()), "--version"], capture_output=True, text=True).stdout.split()
        cli = said[-1] if said else "?"
        if cli.split(".")[:2] != pyoxigraph.split(".")[:2]:
            raise SystemExit(f"the oxigraph CLI is {cli}, pyoxigraph is {pyoxigraph}: install the same release series")
        found["oxigraph"] = f"Oxigraph server {cli}"
    if "virtuoso" in keys:
        found["virtuoso"] = f"Virtuoso {virtuoso.version()}"
    if "rdflib" in keys:
        found["rdflib"] = ensure_peer_venv()
    return {k: v for k, v in found.items() if k in keys}


def label(key: str, cube: Path) -> str:
    """The column heading: which store `mdo serve` used is decided by the file's size."""
    from endpoint.store import in_memory_for

    default = "memory" if in_memory_for(cube) else "disk"
    other = "disk" if default == "memory" else "memory"
    return {"mdo": f"mdo ({default}, default)", "mdo-other": f"mdo ({other})"}.get(key, SHORT[key])


def timed_process(command: list[str], timeout: float) -> dict[str, Any]:
    """Run a command to its end; its seconds and the peak RSS of its process tree, sampled every 0.1 s."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0.0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], resident_mb(process.pid))
            time.sleep(0.1)

    threading.Thread(target=sample, daemon=True).start()
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise RuntimeError(f"{' '.join(command[:2])} did not finish within {timeout:g} s") from None
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed: {stderr.decode(errors='replace')[-500:]}")
    return {"seconds": time.perf_counter() - start, "peak_mb": peak[0]}


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


# --- the servers ------------------------------------------------------------------------------------


def mdo_server(path: Path, in_memory: bool, query_workers: int = 2) -> Server:
    code = (f"from pathlib import Path; from endpoint.server import serve; serve(Path({str(path)!r}), base_iri={B!r}, "
            f"queries_dir=Path({str(ROOT / 'queries')!r}), port={{port}}, query_workers={query_workers}, "
            f"query_timeout=60, in_memory={in_memory})")
    return Server(f"mdo serve --store {'memory' if in_memory else 'disk'}", [sys.executable, "-c", code])


def oxigraph_server(cube: Path, folder: Path, timeout: float) -> Server:
    """Oxigraph server on its own store of `cube`, loaded and compacted here (both timed)."""
    cli = str(oxigraph_cli())
    shutil.rmtree(folder, ignore_errors=True)
    print(f"  oxigraph load {cube.name} ...", file=sys.stderr, flush=True)
    loaded = timed_process([cli, "load", "--location", str(folder), "--file", str(cube)], timeout)
    optimized = timed_process([cli, "optimize", "--location", str(folder)], timeout)
    load = {"seconds": loaded["seconds"] + optimized["seconds"], "peak_mb": max(loaded["peak_mb"], optimized["peak_mb"]),
            "store_mb": folder_mb(folder),
            "how": f"oxigraph load {loaded['seconds']:.1f} s + optimize {optimized['seconds']:.1f} s"}
    return Server("Oxigraph server", [cli, "serve-read-only", "--location", str(folder), "--bind", "127.0.0.1:{port}",
                                      "--union-default-graph", "--timeout-s", "60"],
                  path="/query", pages=False, load=load)


class VirtuosoServer(Server):
    """Virtuoso on its own database folder: bulk loaded at the first start, served as it is after."""

    def __init__(self, cube: Path, folder: Path) -> None:
        super().__init__("Virtuoso", [], pages=False)
        shutil.rmtree(folder, ignore_errors=True)
        self.cube = cube
        self.instance = virtuoso.Instance(folder, virtuoso.BENCH, allowed=(cube.resolve().parent,))

    def start(self, timeout: float) -> None:
        begin = time.perf_counter()
        self.instance.start(min(timeout, 300.0))
        self.process, self.url = self.instance.process, f"{self.instance.base}/sparql"
        self.started_seconds = time.perf_counter() - begin
        self._start_sampling()
        if not self.load:
            print(f"  virtuoso bulk load {self.cube.name} ...", file=sys.stderr, flush=True)
            seconds = self.instance.bulk_load(self.cube, timeout)
            self.load = {"seconds": seconds, "peak_mb": self.peak[0],
                         "store_mb": folder_mb(self.instance.folder), "how": "ld_dir + rdf_loader_run + checkpoint"}

    def stop(self) -> None:
        self._sampling = False
        self.instance.stop()


def peer_server(path: Path) -> Server:
    return Server("rdflib-endpoint", [str(PEER_VENV / "bin" / "rdflib-endpoint"), "serve", str(path),
                                      "--host", "127.0.0.1", "--port", "{port}"], path="/", pages=False)


def ensure_peer_venv() -> str:
    """bench/.venv with rdflib-endpoint (its own venv: it pins an rdflib of its own)."""
    if not (PEER_VENV / "bin" / "rdflib-endpoint").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", PEER_PACKAGE], check=True)
    done = subprocess.run([str(PEER_VENV / "bin" / "python"), "-c",
                           "import importlib.metadata as m; print(m.version('rdflib-endpoint'), m.version('rdflib'))"],
                          capture_output=True, text=True, check=True)
    endpoint_version, rdflib_version = done.stdout.split()
    return f"rdflib-endpoint {endpoint_version} (rdflib {rdflib_version}, in-memory store)"


def oxigraph_folder(cube: Path, work: Path) -> Path:
    return work / f"{cube.stem}.oxigraph-cli"


def virtuoso_folder(cube: Path, work: Path) -> Path:
    return work / f"{cube.stem}.virtuoso"


def server_for(key: str, cube: Path, work: Path, timeout: float) -> Server:
    from endpoint.store import in_memory_for

    default = in_memory_for(cube)
    if key in ("mdo", "mdo-other"):
        return mdo_server(cube, in_memory=default if key == "mdo" else not default)
    if key == "oxigraph":
        return oxigraph_server(cube, oxigraph_folder(cube, work), timeout)
    if key == "virtuoso":
        return VirtuosoServer(cube, virtuoso_folder(cube, work))
    if key == "rdflib":
        return peer_server(cube)
    raise SystemExit(f"unknown engine {key!r}: one of {', '.join(ENGINES)}")


# --- plans ----------------------------------------------------------------------------------------

def explain(folder: Path, query: str, timeout: float) -> str:
    """Oxigraph's plan of `query` on the CLI's store, with rows and seconds per step
    (`oxigraph query --explain-file --stats`; pyoxigraph 0.5 has no explain of its own).
    Run with the server stopped: the CLI opens the store for writing."""
    cli = oxigraph_cli()
    if cli is None or not folder.is_dir():
        return "(no plan: Oxigraph server was not run at this size)"
    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan.json"
        try:
            subprocess.run([str(cli), "query", "--location", str(folder), "--query", query, "--union-default-graph",
                            "--explain-file", str(plan), "--stats", "--results-file", str(Path(tmp) / "rows.json")],
                           capture_output=True, timeout=timeout, check=True)
        except subprocess.TimeoutExpired:
            return f"(no plan: the query did not finish within {timeout:g} s under `oxigraph query --explain`)"
        except subprocess.CalledProcessError as error:
            return f"(no plan: {error.stderr.decode(errors='replace').strip()[:200]})"
        tree = json.loads(plan.read_text(encoding="utf-8"))["plan"]
    from converter.rdf.vocab import PREFIXES

    lines: list[str] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        name = node["name"]
        for prefix, namespace in PREFIXES.items():  # IRIs as the queries write them
            name = re.sub(f"<{re.escape(str(namespace))}([^>]*)>", prefix + r":\1", name)
        name = name.replace(f"<{B}/", "<")
        lines.append(f"{'  ' * depth}{name}  [{node.get('number of results', '?'):,} rows, "
                     f"{node.get('duration in seconds', 0) * 1000:,.1f} ms]")
        for child in node.get("children", []):
            walk(child, depth + 1)

    walk(tree, 0)
    return "\n".join(lines)
