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
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path

import anyio.to_thread
import pyoxigraph as ox

from .results import Boolean, Failure, Graph, Outcome, QueryJob, Solutions

READY = "ready"
START_TIMEOUT = 60.0


class QueryTimeout(TimeoutError):
    """The query ran longer than the endpoint allows; its worker was stopped."""


class PoolBusy(TimeoutError):
    """Every worker stayed busy for the whole timeout; the query was not started."""


def execute(store: ox.Store, job: QueryJob) -> Outcome:
    """Run one query and collect at most `job.max_rows` rows (plus one, to detect a cut)."""
    options: dict[str, object] = {}
    if job.default_graphs is None and job.named_graphs is None:
        options["use_default_graph_as_union"] = True
    else:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs or ()]
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or ()]
    try:
        result = store.query(job.query, base_iri=job.base_iri, **options)  # type: ignore[arg-type]
        if isinstance(result, ox.QueryBoolean):
            return Boolean(bool(result))
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows: list[list[object]] = []
            for solution in result:
                if len(rows) == job.max_rows:
                    return Solutions(names, rows, truncated=True, limit=job.max_rows)  # type: ignore[arg-type]
                rows.append([solution[name] for name in names])
            return Solutions(names, rows, limit=job.max_rows)  # type: ignore[arg-type]
        triples: list[ox.Triple] = []
        seen: set[ox.Triple] = set()
        for triple in result:
            if triple in seen:
                continue
            if len(triples) == job.max_rows:
                return Graph(triples, truncated=True, limit=job.max_rows)
            seen.add(triple)
            triples.append(triple)
        return Graph(triples, limit=job.max_rows)
    except SyntaxError as error:
        return Failure(f"Syntax error: {error}", 400)
    except (ValueError, TypeError) as error:
        return Failure(str(error), 400)
    except OSError as error:
        return Failure(f"Query evaluation failed: {error}", 500)


def worker_main(conn: Connection, store_dir: str) -> None:
    """The loop of a spawned worker: open the store read-only, then answer jobs forever."""
    serve_jobs(conn, ox.Store.read_only(store_dir))


def serve_jobs(conn: Connection, store: ox.Store) -> None:
    """Say ready, then answer jobs until the parent closes the pipe."""
    conn.send(READY)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(execute(store, job))


class Worker:
    """One worker process and the parent's end of its pipe.

    `source` is the folder of an on-disk store (the worker is a new process that opens it) or
    an in-memory store (the worker is forked from this process and inherits it).
    """

    def __init__(self, source: Path | ox.Store) -> None:
        parent, child = socket.socketpair()
        self.process: subprocess.Popen[bytes] | None = None
        self.pid: int
        try:
            if isinstance(source, ox.Store):
                self.pid = _fork_worker(source, parent, child)
            else:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "endpoint.pool", str(source), str(child.fileno())],
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

    def wait_ready(self) -> None:
        if not self.ready:
            if not self.conn.poll(START_TIMEOUT) or self.conn.recv() != READY:
                raise RuntimeError("a query worker did not start")
            self.ready = True

    def call(self, job: QueryJob, timeout: float) -> Outcome:
        """Send a job and wait for its outcome (blocking: run this in a thread)."""
        self.wait_ready()
        self.conn.send(job)
        if not self.conn.poll(timeout):
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")
        outcome: Outcome = self.conn.recv()
        return outcome

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


def _fork_worker(store: ox.Store, parent: socket.socket, child: socket.socket) -> int:
    """Fork a worker that answers jobs over `child` from the inherited in-memory `store`.

    The child keeps only its end of the pipe open (so it sees the parent go, and holds no
    listening socket of the web server), takes the default signal handlers, and never returns
    into the parent's code: it leaves with `os._exit`.
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
        serve_jobs(Connection(child.detach()), store)
    finally:
        os._exit(0)


class QueryPool:
    """A fixed number of workers over one store; `await pool.run(job)` answers or raises."""

    def __init__(self, source: Path | ox.Store, size: int, timeout: float) -> None:
        self.source = source
        self.size = size
        self.timeout = timeout
        self._idle: asyncio.Queue[Worker] | None = None
        self._all: set[Worker] = set()

    def start(self) -> None:
        """Start the workers and wait until each has opened the store."""
        self._idle = asyncio.Queue()
        workers = [Worker(self.source) for _ in range(self.size)]
        for worker in workers:
            worker.wait_ready()
            self._all.add(worker)
            self._idle.put_nowait(worker)

    def _replace(self, worker: Worker) -> Worker:
        """Kill `worker` and start another in its place.

        If the new one cannot be started (fork or exec refused), the killed one is handed
        back: its next job fails at once with a closed pipe and triggers another attempt.
        """
        worker.kill()
        self._all.discard(worker)
        try:
            fresh = Worker(self.source)
        except OSError:
            return worker
        self._all.add(fresh)
        return fresh

    async def run(self, job: QueryJob) -> Outcome:
        assert self._idle is not None, "QueryPool.start() was not called"
        try:
            worker = await asyncio.wait_for(self._idle.get(), self.timeout)
        except asyncio.TimeoutError:
            raise PoolBusy(f"all {self.size} query workers stayed busy for {self.timeout:g} s") from None
        try:
            return await anyio.to_thread.run_sync(worker.call, job, self.timeout)
        except QueryTimeout:
            worker = await anyio.to_thread.run_sync(self._replace, worker)
            raise
        except (EOFError, OSError, RuntimeError) as error:
            worker = await anyio.to_thread.run_sync(self._replace, worker)
            return Failure(f"the query worker failed: {error!r}", 500)
        finally:
            self._idle.put_nowait(worker)

    def pids(self) -> list[int]:
        """The process ids of the workers (for monitoring and tests)."""
        return sorted(worker.pid for worker in self._all)

    def close(self) -> None:
        for worker in list(self._all):
            worker.kill()
        self._all.clear()


if __name__ == "__main__":
    worker_main(Connection(int(sys.argv[2])), sys.argv[1])
