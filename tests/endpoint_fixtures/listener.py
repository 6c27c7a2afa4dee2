"""A TCP listener on loopback that counts the connections made to it: the witness that a query
never reaches out (SERVICE), for the protocol and attack tests."""

from __future__ import annotations

import socket
import threading
import time


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
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        time.sleep(0.3)  # a connection in flight would arrive by now
        self._stop.set()
        self._thread.join()
        self.sock.close()
