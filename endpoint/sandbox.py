"""Seal a query worker: no network, and a memory cap, whatever query it runs.

`seal_network` installs a seccomp filter (Linux) that makes `socket`, `socketpair`, `connect`
and `io_uring_setup` fail with EPERM in this process and all its threads, for good. A worker
talks to its parent over a socket it inherited, already connected, so it loses nothing it
needs; but no query can open a connection: pyoxigraph evaluates `SERVICE <url>` by opening one,
and that call now fails, whatever text got the SERVICE past the parse check in `safety.py`.
io_uring is closed too, as it can open and connect sockets without those system calls. Calls of
another ABI (x32, or 32-bit calls on a 64-bit kernel) kill the process, so none goes around
the filter.

Why seccomp and not a network namespace: it needs no user namespaces (which hardened systems
turn off for unprivileged users), and it also keeps Unix sockets closed, which a namespace
without interfaces would leave reachable on the file system.

Where the filter cannot be installed (not Linux, an architecture not in `_ARCHES`, a kernel
without seccomp) `seal_network` raises `SandboxError`, and the endpoint refuses to start.

`limit_memory` caps the process's data segment (RLIMIT_DATA: heap and private writable
mappings, not the read-only files RocksDB reads) at its current size plus a budget. An
allocation past it fails: Python raises MemoryError, Rust aborts the process (SIGABRT), and the
pool answers with a clear error and starts a fresh worker.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import struct

# (AUDIT_ARCH, seccomp syscall number, the numbers to refuse) per machine.
_ARCHES = {
    "x86_64": (0xC000003E, 317, {"socket": 41, "socketpair": 53, "connect": 42, "io_uring_setup": 425}),
    "aarch64": (0xC00000B7, 277, {"socket": 198, "socketpair": 199, "connect": 203, "io_uring_setup": 425}),
}
_X32_BIT = 0x40000000

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1


class SandboxError(RuntimeError):
    """The worker could not be sealed off from the network; it must not serve queries."""


def _instruction(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _program(arch: int, refused: list[int]) -> bytes:
    """BPF: wrong ABI -> kill; a refused call -> EPERM; anything else -> allow."""
    body = [
        _instruction(_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        _instruction(_JEQ_K, 1, 0, arch),
        _instruction(_RET_K, 0, 0, _RET_KILL_PROCESS),
        _instruction(_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        _instruction(_JGE_K, 0, 1, _X32_BIT),
        _instruction(_RET_K, 0, 0, _RET_KILL_PROCESS),
    ]
    for index, number in enumerate(refused):
        to_refusal = len(refused) - index  # over the remaining checks and the ALLOW
        body.append(_instruction(_JEQ_K, to_refusal, 0, number))
    body.append(_instruction(_RET_K, 0, 0, _RET_ALLOW))
    body.append(_instruction(_RET_K, 0, 0, _RET_ERRNO | errno.EPERM))
    return b"".join(body)


def seal_network() -> None:
    """Make every socket-opening call fail in this process, its threads and its children."""
    machine = platform.machine()
    if os.uname().sysname != "Linux" or machine not in _ARCHES:
        raise SandboxError(f"no seccomp filter for {os.uname().sysname} on {machine!r}")
    arch, seccomp_nr, calls = _ARCHES[machine]
    code = _program(arch, list(calls.values()))
    filters = ctypes.create_string_buffer(code, len(code))

    class _Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    program = _Program(len(code) // 8, ctypes.addressof(filters))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxError(f"prctl(NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}")
    if libc.syscall(seccomp_nr, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(program)) != 0:
        raise SandboxError(f"seccomp: {os.strerror(ctypes.get_errno())}")


def data_size() -> int:
    """The process's data segment now (VmData, bytes): what RLIMIT_DATA counts."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    raise SandboxError("no VmData in /proc/self/status")


def limit_memory(budget_bytes: int) -> int:
    """Cap the data segment at its current size plus `budget_bytes`; return the cap."""
    cap = data_size() + budget_bytes
    resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
    return cap
