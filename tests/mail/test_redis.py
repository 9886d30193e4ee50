"""Redis going away and coming back, with a real redis-server and a real huey consumer:
the shop keeps taking orders, what could not be queued is kept in the database, and
it goes out once Redis is back, without restarting anything."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from huey.consumer import Consumer, Scheduler

from shop import queue
from shop.tasks import huey
from tests.helpers.checkout import make_products
from tests.helpers.mail import email_events, outbox, pay
from tests.smtp import free_port

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed: the Redis outage test needs one"
)


class RedisServer:
    """redis-server on 127.0.0.1:`port`, keeping nothing on disk (a restart forgets all)."""

    def __init__(self, port: int, folder):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self._folder = folder
        self._process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self._process = subprocess.Popen(  # noqa: S603 - redis-server found on PATH
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self._folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None


class EverySecond(Scheduler):
    periodic_task_seconds = 1  # the sweep every second instead of every minute


class QuietConsumer(Consumer):
    """huey's consumer, its periodic tasks every second, started without taking over
    the test process's signal handlers."""

    scheduler_class = EverySecond

    def start(self) -> None:
        self.scheduler.start()
        for _worker, thread in self.worker_threads:
            thread.start()


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(free_port(), tmp_path)
    yield server.start()
    server.stop()


def test_orders_paid_while_redis_is_down_are_confirmed_once_it_is_back(
    mail_app, smtp_server, redis_server, monkeypatch
):
    # The queue as production has it: in Redis, through queue._make_huey().
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    monkeypatch.setattr(huey, "storage", queue._make_huey().storage)
    monkeypatch.setattr(queue, "_worker_app", mail_app)  # the app the consumer made
    cream = make_products(mail_app).cream
    consumer = QuietConsumer(huey, workers=1, initial_delay=0.05, max_delay=0.2)
    consumer.start()
    try:
        # Shoppers' browsers; the consumer does the work, not the test client.
        first = pay(mail_app, mail_app.test_client(run_queue=False), cream, "first@example.com")
        assert smtp_server.wait_for(1, timeout=15)[0].rcpt_tos == ["first@example.com"]

        redis_server.stop()
        started = time.monotonic()
        second = pay(mail_app, mail_app.test_client(run_queue=False), cream, "second@example.com")
        assert time.monotonic() - started < 10  # the shop is not held up by Redis
        assert second.response.status_code == 303
        time.sleep(2)  # the consumer keeps trying Redis meanwhile
        assert len(smtp_server.messages) == 1
        kept = [email for email in outbox(mail_app) if email.recipient == "second@example.com"]
        assert [email.status for email in kept] == ["queued"]  # kept in the database

        redis_server.start()  # empty: whatever Redis held is gone
        (_, mail) = smtp_server.wait_for(2, timeout=30)
    finally:
        consumer.stop(graceful=True)

    assert mail.rcpt_tos == ["second@example.com"]
    assert mail.message["Message-ID"] == kept[0].message_id
    assert email_events(mail_app, second.order_id) == ["email_queued", "email_sent"]
    assert email_events(mail_app, first.order_id) == ["email_queued", "email_sent"]
    assert len(smtp_server.messages) == 2
