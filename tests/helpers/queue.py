"""Running the task queue in tests, the way `huey_consumer` runs it beside the shop.

The suite keeps the queue in memory (huey's MemoryStorage, see tests/conftest.py)
whatever REDIS_URL says, and nothing runs inside a request: tasks wait on the
queue until something runs them.

- `run_queue(app)` runs every task waiting, as a consumer would, and lets a
  task's error fail the test (a consumer would only log it).
- Every test app's client runs the queue after each response (`QueueRunningClient`),
  so a test that expects the email a request asked for finds it after the request,
  as a shopper would a moment later. `app.test_client(run_queue=False)` leaves the
  queue alone, to see what the request did by itself.
- The CLI runner does the same after each command.
- `QueueWorker` runs the queue from a thread beside a live server.
"""

from __future__ import annotations

import logging
import threading
from contextlib import nullcontext

from flask.testing import FlaskClient, FlaskCliRunner

from shop.tasks import huey

logger = logging.getLogger(__name__)


def run_queue(app=None, *, limit: int = 1000) -> int:
    """Run the tasks waiting on the queue (and any they queue) in `app`'s context, or
    with no app context at all when `app` is None (as in a consumer process).
    Returns how many ran."""
    ran = 0
    with app.app_context() if app is not None else nullcontext():
        while ran < limit:
            task = huey.dequeue()
            if task is None:
                break
            if not huey.ready_to_run(task):
                huey.add_schedule(task)  # for later, as the consumer does
                continue
            task.execute()
            ran += 1
    return ran


class QueueRunningClient(FlaskClient):
    """A test client that runs the task queue after every response."""

    def __init__(self, *args, run_queue: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.runs_queue = run_queue

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if self.runs_queue:
            run_queue(self.application)
        return response


class QueueRunningCliRunner(FlaskCliRunner):
    """A CLI runner that runs the task queue after every command."""

    def invoke(self, *args, **kwargs):
        result = super().invoke(*args, **kwargs)
        run_queue(self.app)
        return result


class QueueWorker:
    """A thread that runs the queue every `interval` seconds for `app`, beside a live server."""

    def __init__(self, app, interval: float = 0.05):
        self.app = app
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._work, name="task queue", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                run_queue(self.app)
            except Exception:
                logger.exception("A queued task failed")

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)
