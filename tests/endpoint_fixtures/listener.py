"""A TCP listener on loopback that counts the connections made to it: the witness that a query
never reaches out (SERVICE), for the protocol and attack tests."""

from __future__ import annotations

import socket
import threading


class Listener:
    """Accepts and counts connections on a free loopback port until `close()`."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._count_one()
            except OSError:  # the accept timed out: look at the stop flag again
                continue

    def _count_one(self) -> None:
        conn, _ = self.sock.accept()
        self.connections += 1
        conn.close()

    def close(self) -> None:
        """Stop, then count the connections still waiting to be accepted; safe to call twice.

        No wait for stragglers is needed: a client's connect() returns only once the kernel has
        queued the connection here, and the tests close only after the query that could have
        connected has been answered.
        """
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join()
        self.sock.setblocking(False)
        while True:
            try:
                self._count_one()
            except BlockingIOError:  # none left in the queue
                break
        self.sock.close()
