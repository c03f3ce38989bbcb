"""HTTP load on loopback: wrk when it is installed (Debian's `wrk`), else Python processes.

Both report requests/s and the p50/p99 latency in ms over a fixed duration, with a fixed number
of keep-alive connections.
"""

from __future__ import annotations

import multiprocessing
import re
import shutil
import subprocess
import time
from typing import Any
from urllib.parse import urlsplit

CONNECTIONS = 8
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def load(url: str, seconds: float, connections: int = CONNECTIONS) -> dict[str, Any]:
    """Hammer GET `url` for `seconds`; returns rps, p50_ms, p99_ms, requests, errors, tool."""
    if shutil.which("wrk"):
        return _wrk(url, seconds, connections)
    return _python(url, seconds, connections)


def _wrk(url: str, seconds: float, connections: int) -> dict[str, Any]:
    duration = f"{max(1, round(seconds))}s"
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}", "--latency", url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    percent = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, flags=re.MULTILINE))
    if not rps or not total or set(percent) != {"50", "99"}:
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    return {
        "rps": float(rps.group(1)),
        "p50_ms": _ms(percent["50"]),
        "p99_ms": _ms(percent["99"]),
        "requests": int(total.group(1)),
        "errors": int(errors.group(1)) if errors else 0,
        "tool": f"wrk -t1 -c{connections}",
    }


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * _UNITS[unit]


def _worker(url: str, seconds: float, out: Any) -> None:
    import http.client

    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    latencies: list[float] = []
    errors = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        started = time.perf_counter()
        connection.request("GET", target)
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1e3)
        errors += response.status != 200
    out.put((latencies, errors))


def _python(url: str, seconds: float, connections: int) -> dict[str, Any]:
    import numpy as np

    queue: Any = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_worker, args=(url, seconds, queue))
        for _ in range(connections)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=seconds + 60) for _ in workers]
    for worker in workers:
        worker.join()
    latencies = np.concatenate([np.asarray(r[0]) for r in results])
    return {
        "rps": len(latencies) / seconds,
        "p50_ms": float(np.percentile(latencies, 50)),
        "p99_ms": float(np.percentile(latencies, 99)),
        "requests": len(latencies),
        "errors": sum(r[1] for r in results),
        "tool": f"python, {connections} processes",
    }
