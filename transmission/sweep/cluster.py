"""Dask underneath a sweep: which cluster, the bars sent once, points submitted and gathered.

With no client: the scheduler at TRANSMISSION_DASK_ADDRESS when set, else one LocalCluster of
processes (a worker a core, one thread each: the engine is pure Python), made on first use and
kept for the session.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

ADDRESS_ENV = "TRANSMISSION_DASK_ADDRESS"
RETRIES = 3  # a point whose task fails (its worker died, say) is run again this many times

_local: dict[str, Any] = {}


def machine_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def get_client(client: Any = None, *, workers: int | None = None) -> Any:
    """A `distributed.Client`: the one given, one on the address given (or in
    TRANSMISSION_DASK_ADDRESS), or the session's LocalCluster."""
    from distributed import Client, LocalCluster

    if isinstance(client, Client):
        return client
    address = client if isinstance(client, str) else os.environ.get(ADDRESS_ENV)
    if client is not None and not isinstance(client, str):
        raise TypeError(f"client must be a distributed.Client or an address, got {client!r}")
    if address:
        known = _local.get(address)
        if known is None or known.status != "running":
            known = _local[address] = Client(address, timeout="10s")
            _announce(known)
        return known
    count = workers or machine_workers()
    key = f"local:{count}"
    known = _local.get(key)
    if known is None or known.status != "running":
        cluster = LocalCluster(
            n_workers=count,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: others on this machine may hold 8787
            silence_logs=logging.ERROR,
        )
        known = _local[key] = Client(cluster)
        _announce(known)
    return known


def _announce(client: Any) -> None:
    print(f"Dask dashboard: {client.dashboard_link}", file=sys.stderr)


@atexit.register
def _close_local() -> None:
    for client in list(_local.values()):
        cluster = getattr(client, "cluster", None)
        try:
            client.close()
            if cluster is not None:
                cluster.close()
        except Exception:
            pass
    _local.clear()


def run_all(
    client: Any,
    function: Callable[..., Any],
    shared: Any,
    tasks: list[tuple[str, tuple[Any, ...]]],
) -> Iterator[tuple[str, Any]]:
    """Yield (key, result) as each task `function(shared, *args)` completes on the cluster.

    `shared` (the bars) goes to every worker once (`scatter(broadcast=True)`), not with each
    task. A task whose worker dies is rescheduled by Dask; one that raises is retried.
    """
    from distributed import as_completed

    if not tasks:
        return
    handle = client.scatter(shared, broadcast=True, hash=False)
    futures = {
        client.submit(function, handle, *args, key=key, retries=RETRIES, pure=False): key
        for key, args in tasks
    }
    try:
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        client.cancel(list(futures))
        client.cancel([handle])
