"""`mdo serve` end to end: one shared read-only store, real figures.

The server runs as a user starts it (`mdo serve --query-workers 3`, a subprocess on a free
loopback port): the one end-to-end test of the command line. The store is built once beside
the data file; every query worker opens that same folder read-only instead of loading its own copy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from endpoint.store import LoadedStore, ensure_store, is_current, store_dir_for
from endpoint_fixtures.live import TLS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from servers import tree  # noqa: E402
from virtuoso import free_port  # noqa: E402

B = "https://data.monitordigitaleoverheid.nl"
ACTIVE_DIGIDS_2019 = f"""
PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>
SELECT ?waarde WHERE {{
  ?obs mdo:indicator <{B}/id/indicator/digid-actieve-digids> ; mdo:jaar <{B}/id/jaar/2019> ;
       mdo:editie <{B}/id/editie/2024> ; mdo:uitsplitsing <{B}/id/uitsplitsing/totaal> ; mdo:waarde ?waarde .
}}"""


def descendants(pid: int) -> list[int]:
    """The process ids below `pid` (Linux /proc), as the bench finds a server's processes."""
    return tree(pid)[1:]


def opens(pid: int, folder: Path) -> bool:
    """Does process `pid` hold a file of `folder` open?"""
    try:
        return any(os.readlink(fd).startswith(str(folder) + "/") for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(built_trig: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, int]]:
    data = tmp_path_factory.mktemp("served") / "mdo.trig"
    data.write_bytes(built_trig.read_bytes())
    port = free_port()
    log_path = data.with_name("server.log")
    log = log_path.open("wb")  # a file, not a pipe: a full pipe would block the server's logging
    process = subprocess.Popen([str(Path(sys.executable).with_name("mdo")), "serve", "--data", str(data), "--port", str(port),
                                "--query-workers", "3", "--store", "disk"], cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {log_path.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=5, verify=TLS).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer within 120 s")
            time.sleep(0.2)
        yield url, data, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        log.close()


def test_mdo_serve_answers_with_the_real_figure(server: tuple[str, Path, int]) -> None:
    url, _, _ = server
    for _ in range(6):  # several queries, so several query workers are likely asked
        response = httpx.post(url + "/sparql", data={"query": ACTIVE_DIGIDS_2019},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30, verify=TLS)
        assert response.status_code == 200, response.text
        bindings = response.json()["results"]["bindings"]
        assert [b["waarde"]["value"] for b in bindings] == ["15023119"]


def test_query_workers_share_one_store_beside_the_data(server: tuple[str, Path, int]) -> None:
    _, data, pid = server
    folder = store_dir_for(data)
    assert folder == data.with_name("mdo.trig.oxigraph") and is_current(data, folder)
    assert not [p for p in data.parent.iterdir() if p.is_dir() and p != folder]  # no second copy
    holders = [p for p in descendants(pid) if opens(p, folder)]
    assert len(holders) >= 3  # the three query workers (--query-workers 3) of the one web process


def test_store_is_built_once_and_rebuilt_when_the_data_changes(built_trig: Path, tmp_path: Path) -> None:
    data = tmp_path / "mdo.trig"
    data.write_bytes(built_trig.read_bytes())
    first = LoadedStore.load(data)
    stamp = (first.directory / "SOURCE").stat().st_mtime_ns
    assert first.quads > 1000 and LoadedStore.load(data).quads == first.quads
    assert (first.directory / "SOURCE").stat().st_mtime_ns == stamp  # opened, not rebuilt
    data.write_bytes(built_trig.read_bytes() + b"\n<urn:x:s> <urn:x:p> <urn:x:o> .\n")
    assert not is_current(data, first.directory)
    assert ensure_store(data) == first.directory and LoadedStore.load(data).quads == first.quads + 1


def test_the_summary_is_counted_once_per_version_of_the_data(built_trig: Path, tmp_path: Path) -> None:
    """The home page's counts come from the summary made with the store, not from a count per request."""
    data = tmp_path / "mdo.trig"
    data.write_bytes(built_trig.read_bytes())
    on_disk = LoadedStore.load(data)
    assert (on_disk.directory / "SUMMARY.json").is_file()
    assert on_disk.summary == LoadedStore.in_memory(data).summary  # both stores, the same figures
    graphs = {row["name"]: row["quads"] for row in on_disk.summary["graphs"]}
    assert sum(graphs.values()) == on_disk.quads and "urn:x:g" not in graphs
    data.write_bytes(built_trig.read_bytes() + b"\n<urn:x:g> { <urn:x:s> <urn:x:p> <urn:x:o> . }\n")
    changed = LoadedStore.load(data)
    assert {row["name"]: row["quads"] for row in changed.summary["graphs"]} == {**graphs, "urn:x:g": 1}
    (changed.directory / "SUMMARY.json").unlink()  # a store an older mdo built, without a summary
    assert not is_current(data, changed.directory)
    assert LoadedStore.load(data).summary == changed.summary

