"""The servers the benchmark measures, started as processes on a free loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paths import ROOT, JSON_RESULTS, tls
from virtuoso import free_port


# --- servers --------------------------------------------------------------------------------------


def tree(pid: int) -> list[int]:
    found, todo = [pid], [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def resident_mb(pid: int) -> float:
    """Summed RSS in MB of a process and everything below it, from /proc/PID/statm.

    Cheap enough to sample every 0.1 s beside a measured step: reading smaps_rollup (for PSS,
    `memory`) walks the page tables of each process under its memory lock, and sampled that
    often it slowed the validation it measured by about a tenth.
    """
    pages = 0
    for p in tree(pid):
        try:
            pages += int(Path(f"/proc/{p}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory(pid: int) -> tuple[float, float]:
    """(summed RSS, summed PSS) in MB of a process and everything below it."""
    rss = pss = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024


@dataclass
class Server:
    """A SPARQL server in a process of its own session (stopped with everything it started)."""

    name: str
    command: list[str]
    path: str = "/sparql"
    pages: bool = True  # serves `mdo serve`'s pages too
    load: dict[str, Any] = field(default_factory=dict)  # how its data got into its store: engines.py
    url: str = ""
    process: subprocess.Popen[bytes] | None = None
    started_seconds: float = 0.0
    peak: list[float] = field(default_factory=lambda: [0.0, 0.0])
    _sampling: bool = False

    def start(self, timeout: float) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}{self.path}"
        command = [part.replace("{port}", str(port)) for part in self.command]
        begin = time.perf_counter()
        self.process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._start_sampling()
        import httpx

        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            try:
                if httpx.get(self.url, params={"query": "ASK {}"}, headers={"Accept": JSON_RESULTS}, timeout=5,
                             verify=tls()).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - begin > timeout:
                self.stop()
                raise RuntimeError(f"{self.name} did not answer within {timeout:g} s")
            time.sleep(0.25)
        self.started_seconds = time.perf_counter() - begin

    def _start_sampling(self) -> None:
        self._sampling = True
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while self._sampling and self.process is not None and self.process.poll() is None:
            rss, pss = memory(self.process.pid)
            self.peak = [max(self.peak[0], rss), max(self.peak[1], pss)]
            time.sleep(0.25)

    def stop(self) -> None:
        self._sampling = False
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
