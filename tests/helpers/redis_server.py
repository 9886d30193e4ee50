"""A real redis-server of a test's own, on a free port, that the test can stop and start
again (tests of the page cache and of Redis outages)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis

REDIS_SERVER = "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of our own on 127.0.0.1:`port`, that a test can stop and start."""

    def __init__(self, folder, keep_data: bool = False):
        self.port = free_port()
        self.folder = folder
        self.keep_data = keep_data  # written to disk at once and read back on start
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        persistence = ["--appendonly", "yes", "--appendfsync", "always"]
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own arguments
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + (persistence if self.keep_data else ["--appendonly", "no"])
            + ["--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = self.client()
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

    def keys(self, pattern: str) -> list[bytes]:
        return self.client().keys(pattern)


def skip_without_redis_server() -> None:
    if not shutil.which(REDIS_SERVER):
        pytest.skip(f"{REDIS_SERVER} not found: this test needs a real Redis")


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of this test's own, stopped after it."""
    skip_without_redis_server()
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()
