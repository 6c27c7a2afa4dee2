"""Run queries in worker processes, so that a runaway query can be stopped for real.

pyoxigraph cannot cancel a running query from Python, and a thread stuck in Rust cannot be
interrupted. So each query runs in a worker process; when a query exceeds the timeout its
worker is killed and replaced, the request gets an error, and the other workers keep
answering. Waiting happens in threads, never on the event loop.

A worker gets its data one of two ways. Over an on-disk store (the default) it is a fresh
Python process that opens the store read-only: any number of workers share one copy, and
scans read through RocksDB. Over an in-memory store it is forked from the process that loaded
it and inherits the store: scans run about five times faster, and the pages a query only reads
stay shared with the parent (copy-on-write).

Before a worker answers anything it is sealed (`sandbox.py`): it cannot open a socket, and its
memory is capped. Each query is checked in the worker before the store sees it (`safety.py`),
so even the check's own cost falls under the worker's time and memory caps.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from multiprocessing.connection import Connection
from pathlib import Path

import anyio.to_thread
import pyoxigraph as ox

from .results import Boolean, Failure, Graph, Outcome, QueryJob, Solutions
from .safety import Analysis, QueryRefused, QueryUnreadable, analyse
from .sandbox import SandboxError, limit_memory, seal_network

READY = "ready"
START_TIMEOUT = 60.0
GENERAL_NICE = 10
LONG_MEMORY = 1024


class QueryTimeout(TimeoutError):
    """The query ran longer than the endpoint allows; its worker was stopped."""


class PoolBusy(TimeoutError):
    """Every worker stayed busy for the whole timeout; the query was not started."""


def _term_bytes(term: object) -> int:
    """About the bytes a term takes in a result: its text, its datatype or language."""
    if isinstance(term, ox.Literal):
        return len(term.value) + (len(term.language) if term.language else len(term.datatype.value))
    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return len(term.value)
    if isinstance(term, ox.Triple):
        return sum(_term_bytes(t) for t in (term.subject, term.predicate, term.object))
    return 0


def _dataset(job: QueryJob, analysis: Analysis) -> dict[str, object]:
    """The store options for the query's dataset (SPARQL 1.1 Protocol section 2.1.4).

    `default-graph-uri` / `named-graph-uri` win over FROM / FROM NAMED; a query with neither
    gets the store's FROM handling, and one without any dataset the union of all graphs.
    """
    if job.default_graphs is not None or job.named_graphs is not None:
        return {"default_graph": [ox.NamedNode(g) for g in job.default_graphs or ()],
                "named_graphs": [ox.NamedNode(g) for g in job.named_graphs or ()]}
    if analysis.has_dataset:
        return {}
    return {"use_default_graph_as_union": True}


def _syntax_failure(job: QueryJob, unreadable: QueryUnreadable) -> Failure:
    """The 400 for a query rdflib could not read: pyoxigraph's own message if it finds an error.

    The query runs on an empty store, never on the data: it was not checked.
    """
    try:
        ox.Store().query(job.query, base_iri=job.base_iri)
    except SyntaxError as error:
        return Failure(f"Syntax error: {error}", 400)
    except Exception:  # noqa: BLE001 - any other failure: the query is refused all the same
        pass
    return Failure(f"Query refused: this endpoint reads queries as standard SPARQL 1.1 and could not: {unreadable}",
                   400)


def execute(store: ox.Store, job: QueryJob) -> Outcome:
    """Check, then run one query; collect at most `job.max_rows` rows and `job.max_bytes` bytes.

    A result over either cap is cut at the last whole row below it, and says by which.
    """
    try:
        analysis = analyse(job.query)
    except QueryRefused as refused:
        return Failure(str(refused), 400)
    except QueryUnreadable as unreadable:
        return _syntax_failure(job, unreadable)
    caps = {"limit": job.max_rows, "byte_limit": job.max_bytes}
    try:
        result = store.query(job.query, base_iri=job.base_iri, **_dataset(job, analysis))  # type: ignore[arg-type]
        if isinstance(result, ox.QueryBoolean):
            return Boolean(bool(result))
        size = 0
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows: list[list[object]] = []
            for solution in result:
                if len(rows) == job.max_rows:
                    return Solutions(names, rows, truncated=True, cut="rows", **caps)  # type: ignore[arg-type]
                row = [solution[name] for name in names]
                size += sum(_term_bytes(term) for term in row)
                if size > job.max_bytes:
                    return Solutions(names, rows, truncated=True, cut="bytes", **caps)  # type: ignore[arg-type]
                rows.append(row)
            return Solutions(names, rows, **caps)  # type: ignore[arg-type]
        triples: list[ox.Triple] = []
        seen: set[ox.Triple] = set()
        for triple in result:
            if triple in seen:
                continue
            if len(triples) == job.max_rows:
                return Graph(triples, truncated=True, cut="rows", **caps)
            size += _term_bytes(triple)
            if size > job.max_bytes:
                return Graph(triples, truncated=True, cut="bytes", **caps)
            seen.add(triple)
            triples.append(triple)
        return Graph(triples, **caps)
    except MemoryError:
        return Failure("memory", 503, fatal=True)
    except SyntaxError as error:
        return Failure(f"Syntax error: {error}", 400)
    except (ValueError, TypeError) as error:
        return Failure(str(error), 400)
    except OSError as error:
        return Failure(f"Query evaluation failed: {error}", 500)


def worker_main(conn: Connection, store_dir: str, memory_bytes: int) -> None:
    """The loop of a spawned worker: seal it, open the store read-only, then answer jobs forever."""
    try:
        seal_network()
        store = ox.Store.read_only(store_dir)
    except (SandboxError, OSError) as error:
        conn.send(("failed", str(error)))
        return
    serve_jobs(conn, store, memory_bytes)


def serve_jobs(conn: Connection, store: ox.Store, memory_bytes: int) -> None:
    """Cap the memory, say ready, then answer jobs until the parent closes the pipe.

    A first parse warms rdflib's parser up (its first run costs tens of milliseconds more)
    before the worker counts as ready and before the memory cap is measured from its size.
    """
    analyse("ASK {}")
    limit_memory(memory_bytes)
    conn.send(READY)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        except MemoryError:
            conn.send(Failure("memory", 503, fatal=True))
            continue
        conn.send(execute(store, job))


def memory_failure(memory_bytes: int) -> Failure:
    """The answer for a query that hit its worker's memory cap."""
    return Failure(f"Query stopped: it needed more than the {memory_bytes // 2**20} MB of memory a query may use "
                   "here. Narrow the query or add a LIMIT.", 503, fatal=True)


class Worker:
    """One worker process and the parent's end of its pipe.

    `source` is the folder of an on-disk store (the worker is a new process that opens it) or
    an in-memory store (the worker is forked from this process and inherits it).
    """

    def __init__(self, source: Path | ox.Store, memory_bytes: int) -> None:
        parent, child = socket.socketpair()
        self.process: subprocess.Popen[bytes] | None = None
        self.pid: int
        self.memory_bytes = memory_bytes
        try:
            if isinstance(source, ox.Store):
                self.pid = _fork_worker(source, parent, child, memory_bytes)
            else:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "endpoint.pool", str(source), str(child.fileno()), str(memory_bytes)],
                    pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL,
                )
                self.pid = self.process.pid
        except BaseException:
            parent.close()
            child.close()
            raise
        child.close()
        self.conn = Connection(parent.detach())
        self.ready = False
        self._reaped = False
        self._status: int | None = None

    def wait_ready(self) -> None:
        """Wait until the worker is sealed and has its store; RuntimeError (with its reason) if not."""
        if not self.ready:
            if not self.conn.poll(START_TIMEOUT):
                raise RuntimeError("a query worker did not start")
            message = self.conn.recv()
            if message != READY:
                raise RuntimeError(f"a query worker could not start: {message[1] if isinstance(message, tuple) else message}")
            self.ready = True

    def call(self, job: QueryJob, timeout: float) -> Outcome:
        """Send a job and wait for its outcome (blocking: run this in a thread)."""
        self.wait_ready()
        self.conn.send(job)
        if not self.conn.poll(timeout):
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")
        outcome: Outcome = self.conn.recv()
        if isinstance(outcome, Failure) and outcome.fatal:
            return memory_failure(self.memory_bytes)
        return outcome

    def failure(self, error: BaseException) -> Failure:
        """What to answer when the worker died under a query: its memory cap, or a crash."""
        status = self._exit_status()
        if status == -signal.SIGABRT:  # Rust aborts when an allocation fails
            return memory_failure(self.memory_bytes)
        return Failure(f"the query worker failed ({_describe(status)}): {error!r}", 500)

    def _exit_status(self, wait: float = 2.0) -> int | None:
        """The worker's exit status as `Popen.returncode` gives it (minus a signal), once it is gone."""
        if self.process is not None:
            try:
                return self.process.wait(wait)
            except subprocess.TimeoutExpired:
                return None
        deadline = time.monotonic() + wait
        while not self._reaped:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return None
            if pid:
                self._reaped = True
                self._status = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            elif time.monotonic() > deadline:
                return None
            else:
                time.sleep(0.01)
        return self._status

    def kill(self) -> None:
        """Stop the process and reap it; safe to call again (a reaped pid may be reused)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(5)
        elif not self._reaped:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self._reaped = True
        self.conn.close()


def _lower_priority(worker: Worker) -> None:
    """Give a general-lane worker a lower CPU priority than the short lane and the web server."""
    try:
        os.setpriority(os.PRIO_PROCESS, worker.pid, GENERAL_NICE)
    except OSError:
        pass  # a worker that is gone already: its next job replaces it


def _digest(query: str) -> bytes:
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest()


def _describe(status: int | None) -> str:
    if status is None:
        return "still running"
    if status < 0:
        return f"killed by {signal.Signals(-status).name}"
    return f"exit status {status}"


def _fork_worker(store: ox.Store, parent: socket.socket, child: socket.socket, memory_bytes: int) -> int:
    """Fork a worker that answers jobs over `child` from the inherited in-memory `store`.

    The child keeps only its end of the pipe open (so it sees the parent go, and holds no
    listening socket of the web server), takes the default signal handlers, seals itself off
    from the network, and never returns into the parent's code: it leaves with `os._exit`.
    """
    pid = os.fork()
    if pid:
        return pid
    try:
        keep = child.fileno()
        signal.set_wakeup_fd(-1)
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_DFL)
        for fd in [int(name) for name in os.listdir("/proc/self/fd")]:  # the open ones, not up to the limit
            if fd > 2 and fd != keep:
                try:
                    os.close(fd)
                except OSError:
                    pass  # the directory's own fd, closed when listing ended
        parent.detach()
        conn = Connection(child.detach())
        try:
            seal_network()
        except SandboxError as error:
            conn.send(("failed", str(error)))
        else:
            serve_jobs(conn, store, memory_bytes)
    finally:
        os._exit(0)


class QueryPool:
    """Workers over one store in two lanes; `await pool.run(job)` answers or raises.

    Fair scheduling, so that cheap queries are answered while expensive ones run:

    - The general lane (`size` workers) runs a query for up to `timeout` seconds.
    - The short lane (`short_size` workers) runs a query for up to `short_budget` seconds.
    - A query takes an idle general worker if there is one. If all are busy it takes whichever
      worker of either lane frees first. On the short lane, a query that outlasts the short
      budget is stopped (its worker killed and replaced) and waits for the general lane.

    So runaway queries can hold at most the general lane; on the short lane each can take only
    its short budget, once. A cheap query waits at most for that, not for a runaway's timeout.
    The price: a long query that meets a full general lane runs its first `short_budget` twice.

    A query text that outlasted the short budget or the timeout before is remembered (the last
    `LONG_MEMORY` of them) and skips the short lane: a client that sends its runaway again
    takes the short lane's time only once. (A client that changes the text each time still
    takes it each time, for `short_budget` seconds a query.)

    Two more things keep the short lane quick on a machine with few cores. The general lane's
    workers run at a lower CPU priority (nice `GENERAL_NICE`), so runaways there yield the CPU
    to a cheap query. And one spare worker is kept started: a killed worker is replaced by it
    at once, instead of waiting for a new process to import its libraries and open the store.
    """

    def __init__(self, source: Path | ox.Store, size: int, timeout: float, *, short_size: int = 1,
                 short_budget: float = 0.25, memory_bytes: int = 1024 * 2**20) -> None:
        self.source = source
        self.size = size
        self.short_size = short_size
        self.timeout = timeout
        self.short_budget = min(short_budget, timeout)
        self.memory_bytes = memory_bytes
        self._general: asyncio.Queue[Worker] | None = None
        self._short: asyncio.Queue[Worker] | None = None
        self._all: set[Worker] = set()
        self._spare: Worker | None = None
        self._spare_lock = threading.Lock()
        self._long: OrderedDict[bytes, None] = OrderedDict()  # digests of texts known to outlast the short budget

    def start(self) -> None:
        """Start the workers and the spare, and wait until each is sealed and has opened the store."""
        self._general, self._short = asyncio.Queue(), asyncio.Queue()
        workers = [Worker(self.source, self.memory_bytes) for _ in range(self.size + self.short_size + 1)]
        self._all.update(workers)
        for worker in workers:
            worker.wait_ready()
        self._spare = workers.pop()
        for index, worker in enumerate(workers):
            if index < self.size:
                _lower_priority(worker)
                self._general.put_nowait(worker)
            else:
                self._short.put_nowait(worker)

    def _replace(self, worker: Worker, general: bool) -> Worker:
        """Kill `worker` and put the spare (or a new worker) in its place, ready to answer.

        If no new worker can be started (fork or exec refused), the killed one is handed
        back: its next job fails at once with a closed pipe and triggers another attempt.
        """
        worker.kill()
        self._all.discard(worker)
        with self._spare_lock:
            fresh, self._spare = self._spare, None
            try:
                if fresh is None:
                    fresh = Worker(self.source, self.memory_bytes)
                    self._all.add(fresh)
                self._spare = Worker(self.source, self.memory_bytes)  # starts while `fresh` works
                self._all.add(self._spare)
            except OSError:
                if fresh is None:
                    return worker
        try:
            fresh.wait_ready()
        except (RuntimeError, EOFError, OSError):
            pass  # its first job fails and replaces it again
        if general:
            _lower_priority(fresh)
        return fresh

    def _remember_long(self, query: str) -> None:
        key = _digest(query)
        self._long[key] = None
        self._long.move_to_end(key)
        while len(self._long) > LONG_MEMORY:
            self._long.popitem(last=False)

    async def _wait_general(self, deadline: float) -> Worker:
        assert self._general is not None
        try:
            return await asyncio.wait_for(self._general.get(), max(0.0, deadline - asyncio.get_running_loop().time()))
        except asyncio.TimeoutError:
            raise PoolBusy(f"all {self.size} query workers for long queries stayed busy for "
                           f"{self.timeout:g} s") from None

    async def _next_worker(self, deadline: float, known_long: bool) -> tuple[Worker, bool]:
        """An idle worker, general first; else the first of either lane to free. (worker, is_short)."""
        assert self._general is not None and self._short is not None, "QueryPool.start() was not called"
        if not self._general.empty():
            return self._general.get_nowait(), False
        if known_long or not self.short_size:
            return await self._wait_general(deadline), False
        if not self._short.empty():
            return self._short.get_nowait(), True
        general = asyncio.ensure_future(self._general.get())
        short = asyncio.ensure_future(self._short.get())
        loop = asyncio.get_running_loop()
        await asyncio.wait({general, short}, timeout=max(0.0, deadline - loop.time()),
                           return_when=asyncio.FIRST_COMPLETED)
        for waiting in (general, short):
            waiting.cancel()  # a get that was cancelled leaves its item in the queue
        got_general = general.done() and not general.cancelled()
        got_short = short.done() and not short.cancelled()
        if got_general and got_short:
            self._short.put_nowait(short.result())
        if got_general:
            return general.result(), False
        if got_short:
            return short.result(), True
        raise PoolBusy(f"all {self.size + self.short_size} query workers stayed busy for {self.timeout:g} s")

    async def _call(self, worker: Worker, job: QueryJob, timeout: float, lane: asyncio.Queue[Worker]) -> Outcome:
        """Run `job` on `worker`, replace the worker if it timed out, died or hit its cap; free it."""
        general = lane is self._general
        try:
            outcome = await anyio.to_thread.run_sync(worker.call, job, timeout)
            if isinstance(outcome, Failure) and outcome.fatal:
                worker = await anyio.to_thread.run_sync(self._replace, worker, general)
            return outcome
        except QueryTimeout:
            worker = await anyio.to_thread.run_sync(self._replace, worker, general)
            raise
        except (EOFError, OSError, RuntimeError) as error:
            failure = await anyio.to_thread.run_sync(worker.failure, error)
            worker = await anyio.to_thread.run_sync(self._replace, worker, general)
            return failure
        finally:
            lane.put_nowait(worker)

    async def run(self, job: QueryJob) -> Outcome:
        assert self._general is not None and self._short is not None, "QueryPool.start() was not called"
        deadline = asyncio.get_running_loop().time() + self.timeout
        worker, short = await self._next_worker(deadline, _digest(job.query) in self._long)
        if short:
            try:
                return await self._call(worker, job, self.short_budget, self._short)
            except QueryTimeout:
                self._remember_long(job.query)  # a long query: it waits for the general lane
            worker = await self._wait_general(deadline)
        try:
            return await self._call(worker, job, self.timeout, self._general)
        except QueryTimeout:
            self._remember_long(job.query)
            raise

    def pids(self) -> list[int]:
        """The process ids of the workers, the spare included (for monitoring and tests)."""
        return sorted(worker.pid for worker in self._all)

    def close(self) -> None:
        for worker in list(self._all):
            worker.kill()
        self._all.clear()


if __name__ == "__main__":
    worker_main(Connection(int(sys.argv[2])), sys.argv[1], int(sys.argv[3]))
