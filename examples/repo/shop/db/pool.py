"""A small blocking connection pool in front of psycopg (example repository for the demo)."""

from __future__ import annotations

import contextlib
import queue
import time
from collections.abc import Iterator

import psycopg


class PoolTimeout(RuntimeError):
    """No connection became free within the pool's timeout."""


class Pool:
    def __init__(self, dsn: str, size: int = 10, timeout: float = 5.0) -> None:
        self.dsn = dsn
        self.size = size
        self.timeout = timeout
        self._free: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue(maxsize=size)

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.dsn, connect_timeout=self.timeout)

    def acquire(self) -> psycopg.Connection:
        started = time.monotonic()
        try:
            return self._free.get_nowait()
        except queue.Empty:
            pass
        try:
            conn = self._connect()
        except psycopg.OperationalError as exc:
            waited_ms = int((time.monotonic() - started) * 1000)
            raise PoolTimeout(
                f"no connection available after {waited_ms}ms "
                f"(pool size {self.size}, waiting {self._free.qsize()})"
            ) from exc
        return conn

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        conn = self.acquire()
        try:
            yield conn
        finally:
            self._free.put_nowait(conn)
