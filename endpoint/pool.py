"""Run queries in worker processes, so that a runaway query can be stopped for real.

pyoxigraph cannot cancel a running query from Python, and a thread stuck in Rust cannot be
interrupted. So each query runs in a worker process; when a query exceeds the timeout its
worker is killed and replaced, the request gets an error, and the other workers keep
answering. The event loop watches the workers' pipes (`Worker.ask`); starting and killing
workers, which block, happen in threads.

A worker gets its data one of two ways. Over an on-disk store (the default) it is a fresh
Python process that opens the store read-only: any number of workers share one copy, and
scans read through RocksDB. Over an in-memory store it is forked from the process that loaded
it and inherits the store: scans run faster (docs/BENCHMARKS.md), and the pages a query only reads
stay shared with the parent (copy-on-write).

Before a worker answers anything it is sealed (`sandbox.py`): it cannot open a socket, and its
memory is capped. Each query is checked in the worker before the store sees it (`safety.py`),
so even the check's own cost falls under the worker's time and memory caps.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import OrderedDict
from functools import partial
from pathlib import Path

import anyio.to_thread
import pyoxigraph as ox

from endpoint.results import Failure, Outcome, QueryJob
from endpoint.worker import PoolBusy, QueryTimeout, Worker, _lower_priority

__all__ = ["LONG_MEMORY", "PoolBusy", "QueryPool", "QueryTimeout"]

LONG_MEMORY = 1024


def _digest(query: str) -> bytes:
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest()


def _hand_back(lane: asyncio.Queue[Worker], killed: Worker, replacing: asyncio.Future[Worker]) -> None:
    """Give `lane` the worker a background `_replace` made, or the killed one if it failed.

    As in `_replace` itself: a killed worker fails its next job at once and is replaced then,
    so an unexpected error costs one request, never a worker of the lane.
    """
    if replacing.cancelled():
        return  # the loop is closing
    lane.put_nowait(killed if replacing.exception() is not None else replacing.result())


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
        free: Worker | None = worker
        try:
            outcome = await worker.ask(job, timeout)
            if isinstance(outcome, Failure) and outcome.fatal:
                free = await anyio.to_thread.run_sync(self._replace, worker, general)
            return outcome
        except QueryTimeout:
            free = await anyio.to_thread.run_sync(self._replace, worker, general)
            raise
        except (EOFError, OSError, RuntimeError) as error:
            failure = await anyio.to_thread.run_sync(worker.failure, error)
            free = await anyio.to_thread.run_sync(self._replace, worker, general)
            return failure
        except asyncio.CancelledError:
            # The request was dropped while its query ran: the worker still owes an answer that
            # nobody will read. It is replaced, in the background, before another query could
            # be handed that answer; the lane gets the new worker when it is ready.
            free = None
            replacing = asyncio.get_running_loop().run_in_executor(None, self._replace, worker, general)
            replacing.add_done_callback(partial(_hand_back, lane, worker))
            raise
        finally:
            if free is not None:
                lane.put_nowait(free)

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


