"""A small HTTP load generator, used only when wrk cannot be installed.

It drives the same requests as the wrk script (a JSON list of method, path, headers
and body, sent in turn) from worker processes, each with a few threads holding one
connection each, and prints the same summary line as the wrk script::

    python -m bench.loadgen --port 8000 --spec spec.json --connections 16 --duration 10

Python spends far more CPU per request than wrk, and that CPU is taken from the
server on the same machine, so its numbers are lower than wrk's would be.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import sys
import threading
import time


def _thread(port: int, spec: list[dict], start: int, deadline: float, out: list) -> None:
    connection = None
    index = start
    while time.perf_counter() < deadline:
        item = spec[index % len(spec)]
        index += 1
        began = time.perf_counter()
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            body = item.get("body")
            connection.request(
                item["method"],
                item["path"],
                body=body.encode() if body else None,
                headers=item.get("headers", {}),
            )
            response = connection.getresponse()
            response.read()
            status = response.status
            if response.will_close:
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException):
            status = 0
            if connection is not None:
                connection.close()
            connection = None
        out.append((time.perf_counter() - began, status))
    if connection is not None:
        connection.close()


def _process(args: tuple) -> list[tuple[float, int]]:
    port, spec, threads, offset, deadline_in = args
    deadline = time.perf_counter() + deadline_in
    results: list[tuple[float, int]] = []
    workers = [
        threading.Thread(target=_thread, args=(port, spec, (offset + i) * 7919, deadline, results))
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def run(port: int, spec: list[dict], connections: int, duration: float, processes: int) -> dict:
    processes = max(1, min(processes, connections))
    share = [connections // processes + (i < connections % processes) for i in range(processes)]
    jobs = [(port, spec, share[i], sum(share[:i]), duration) for i in range(processes)]
    began = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.map(_process, jobs)
    elapsed = time.perf_counter() - began
    samples = [sample for part in parts for sample in part]
    latencies = sorted(seconds * 1e6 for seconds, _status in samples)
    bad = sum(1 for _seconds, status in samples if not 200 <= status < 400)
    return {
        "requests": len(samples),
        "duration_us": int(min(elapsed, duration) * 1e6),
        "p50_us": percentile(latencies, 0.50),
        "p95_us": percentile(latencies, 0.95),
        "p99_us": percentile(latencies, 0.99),
        "mean_us": sum(latencies) / len(latencies) if latencies else 0.0,
        "max_us": latencies[-1] if latencies else 0.0,
        "errors_connect": sum(1 for _seconds, status in samples if status == 0),
        "errors_status": bad,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spec", required=True, help="JSON file: a list of requests")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    with open(args.spec) as handle:
        spec = json.load(handle)
    summary = run(args.port, spec, args.connections, args.duration, args.processes)
    print("BENCH_JSON " + json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
