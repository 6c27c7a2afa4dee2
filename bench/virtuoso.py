"""A throw-away OpenLink Virtuoso on loopback, for the `mdo publish` tests and the benchmark.

One place for how this project runs Virtuoso 7.2 (Debian `virtuoso-opensource`, installed by
`.ci/install-virtuoso.sh`): its own ini and database folder, free loopback ports, never the
system service. The publish tests write to it over the Graph Store Protocol with a writer user
(`Instance.writer`); the benchmark fills it with the bulk loader (`Instance.bulk_load`).
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import httpx

from paths import tls

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")
MISSING = "virtuoso-t not installed (.ci/install-virtuoso.sh)"

INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
NumberOfBuffers    = {buffers}
MaxDirtyBuffers    = {dirty_buffers}
MaxQueryMem        = {query_mem}
DirsAllowed        = {dirs_allowed}
CheckpointInterval = 60

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {dir}
ServerThreads        = 4
MaxClientConnections = 4

[SPARQL]
ResultSetMaxRows      = {max_rows}
MaxQueryExecutionTime = {max_seconds}
"""


@dataclass(frozen=True)
class Settings:
    """The ini's knobs. The defaults suit the tests' small cube; `BENCH` suits a million figures."""

    buffers: int = 10000  # 8 KB pages: 80 MB
    dirty_buffers: int = 6000
    query_mem: str = "256M"
    max_rows: int = 10000  # the same cap as `mdo serve` (endpoint/app.py, max_rows)
    max_seconds: int = 60  # beyond it Virtuoso answers what it has (an "anytime" result)


# The stock virtuoso.ini's values "if there is 4 GB system memory free": the 1M cube's 20 M quads
# fit its buffers, so Virtuoso is measured on its data in memory, like Oxigraph in the page cache.
BENCH = Settings(buffers=340000, dirty_buffers=250000, query_mem="2G")


@dataclass(frozen=True)
class Virtuoso:
    """The publish tests' handle: where to write and read, and as whom."""

    base: str  # http://127.0.0.1:{port}
    user: str
    password: str

    @property
    def store_url(self) -> str:
        return f"{self.base}/sparql-graph-crud-auth"

    @property
    def query_url(self) -> str:
        return f"{self.base}/sparql"

    def count(self, graph: str) -> int:
        return self._count(f"GRAPH <{graph}> {{ ?s ?p ?o }}")

    def has(self, pattern: str) -> bool:
        """Whether a graph pattern matches. (Virtuoso 7.2 answers ASK as a one-row table, so COUNT it.)"""
        return self._count(pattern) > 0

    def _count(self, pattern: str) -> int:
        response = httpx.get(self.query_url, params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}",
                                                     "format": "text/csv"}, timeout=60, verify=tls())
        response.raise_for_status()
        return int(response.text.split()[1])


def comparable(value: str) -> object:
    """A result value as both stores mean it: numbers by value (Virtuoso writes `22.0` for `22`)."""
    try:
        return Decimal(value)
    except InvalidOperation:
        return value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Instance:
    """One virtuoso-t process on its own database folder; start it again on the same folder to
    serve what was loaded before (new ports each time, the ini written anew)."""

    def __init__(self, folder: Path, settings: Settings = Settings(), allowed: tuple[Path, ...] = ()) -> None:
        if VIRTUOSO is None:
            raise RuntimeError(MISSING)
        self.folder = folder
        self.settings = settings
        self.allowed = allowed  # folders the bulk loader may read
        self.dba_password = "dba"  # the new database's; `writer` replaces it
        self.process: subprocess.Popen[bytes] | None = None
        self.sql_port = self.http_port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, timeout: float = 90.0) -> None:
        """Start virtuoso-t in the foreground of its own session and wait until /sparql answers."""
        assert VIRTUOSO is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sql_port, self.http_port = free_port(), free_port()
        dirs = ", ".join([".", *(str(p) for p in self.allowed)])
        s = self.settings
        (self.folder / "virtuoso.ini").write_text(INI.format(
            dir=self.folder, sql_port=self.sql_port, http_port=self.http_port, buffers=s.buffers,
            dirty_buffers=s.dirty_buffers, query_mem=s.query_mem, dirs_allowed=dirs, max_rows=s.max_rows,
            max_seconds=s.max_seconds), encoding="utf-8")
        with (self.folder / "stdout.log").open("ab") as log:
            self.process = subprocess.Popen([VIRTUOSO, "+configfile", str(self.folder / "virtuoso.ini"), "+foreground"],
                                            cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                tail = (self.folder / "stdout.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}:\n{tail}")
            try:
                if httpx.get(f"{self.base}/sparql", params={"query": "ASK {}"}, timeout=5, verify=tls()).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Virtuoso did not answer on {self.base} within {timeout:g} s")
            time.sleep(0.1)

    def isql(self, sql: str, timeout: float = 60.0) -> str:
        """Run SQL as dba; an error of Virtuoso's is raised, not printed and passed over."""
        if ISQL is None:
            raise RuntimeError("isql-vt is missing although virtuoso-t is installed")
        result = subprocess.run([ISQL, f"127.0.0.1:{self.sql_port}", "dba", self.dba_password, f"exec={sql}"],
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0 or "*** Error" in result.stdout + result.stderr:
            raise RuntimeError(f"isql {sql!r}: {result.stdout}{result.stderr}")
        return result.stdout

    def writer(self) -> Virtuoso:
        """A user that may write through the authenticated Graph Store; then no default dba password."""
        user, password, dba = "mdo", secrets.token_hex(8), secrets.token_hex(8)
        self.isql(f"DB.DBA.USER_CREATE('{user}', '{password}'); GRANT SPARQL_UPDATE TO \"{user}\";")
        self.isql(f"USER_PASSWORD_SET('dba', '{dba}');")
        self.dba_password = dba
        return Virtuoso(self.base, user, password)

    def bulk_load(self, path: Path, timeout: float = 3600.0) -> float:
        """Load an RDF file (TriG: its named graphs) with Virtuoso's bulk loader; return the seconds,
        the checkpoint that makes it durable included.

        The loader (`ld_dir`, `rdf_loader_run`) is the way Virtuoso's documentation gives for
        large files: it skips the per-triple transaction log that the Graph Store Protocol pays.
        """
        path = path.resolve()
        start = time.perf_counter()
        self.isql(f"ld_dir('{path.parent}', '{path.name}', 'urn:mdo:default');", timeout)
        self.isql("rdf_loader_run();", timeout)
        self.isql("checkpoint;", timeout)
        seconds = time.perf_counter() - start
        errors = self.isql("SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;")
        if path.name in errors:
            raise RuntimeError(f"Virtuoso could not load {path}: {errors}")
        return seconds

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def version() -> str:
    """What `virtuoso-t -?` says of itself, e.g. "Virtuoso Open Source Edition (Column Store) (multi threaded) Version 7.2.5.3..."."""
    if VIRTUOSO is None:
        return "not installed"
    done = subprocess.run([VIRTUOSO, "-?"], capture_output=True, text=True)
    lines = [line.strip() for line in (done.stdout + done.stderr).splitlines() if "Version" in line]
    return lines[0] if lines else "virtuoso-t"
