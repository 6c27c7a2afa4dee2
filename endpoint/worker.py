"""A query worker: one process that answers queries over the store, sealed and capped.

`python -m endpoint.worker STORE FD MEMORY` is a worker over an on-disk store; over an in-memory
store a worker is forked instead (`_fork_worker`). `Worker` is the parent's handle on one: it
starts the process, sends a job, and kills the process when a query runs past its time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

import anyio.to_thread
import pyoxigraph as ox

from endpoint.results import Boolean, Failure, Graph, Outcome, QueryJob, Solutions
from endpoint.safety import Analysis, QueryRefused, QueryUnreadable, analyse
from endpoint.sandbox import SandboxError, limit_memory, seal_network

READY = "ready"
START_TIMEOUT = 60.0
GENERAL_NICE = 10


class QueryTimeout(TimeoutError):
    """The query ran longer than the endpoint allows; its worker was stopped."""


class PoolBusy(TimeoutError):
    """Every worker stayed busy for the whole timeout; the query was not started."""


def _timed_out(timeout: float) -> QueryTimeout:
    return QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")

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
                row = list(solution)  # its values in the order of `names`, as oxigraph keeps them
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
                    [sys.executable, "-m", "endpoint.worker", str(source), str(child.fileno()), str(memory_bytes)],
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
            raise _timed_out(timeout)
        return self._outcome()

    async def ask(self, job: QueryJob, timeout: float) -> Outcome:
        """`call` on the event loop: the pipe is watched by the loop itself, not by a thread.

        Every query pays this hand-over, and a thread's (to the thread, and back through the
        loop's wake-up pipe) was one of the larger parts of the web process's work per small
        query. The answer is read once the pipe has something: the worker sends it whole
        right away, so the read waits only for bytes already on their way. A worker that is
        not ready yet (a replacement still starting) is waited for in a thread, as before.
        """
        if not self.ready:
            return await anyio.to_thread.run_sync(self.call, job, timeout)
        self.conn.send(job)
        loop = asyncio.get_running_loop()
        answered = loop.create_future()
        descriptor = self.conn.fileno()
        loop.add_reader(descriptor, lambda: answered.done() or answered.set_result(None))
        try:
            await asyncio.wait_for(answered, timeout)
        except asyncio.TimeoutError:
            raise _timed_out(timeout) from None
        finally:
            loop.remove_reader(descriptor)
            os.set_blocking(descriptor, True)  # uvloop makes a watched descriptor non-blocking
        return self._outcome()

    def _outcome(self) -> Outcome:
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



if __name__ == "__main__":
    worker_main(Connection(int(sys.argv[2])), sys.argv[1], int(sys.argv[3]))
