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
    return known


_announced: set[int] = set()


def announce(client: Any) -> None:
    """Print the cluster's dashboard link, once per client."""
    if id(client) not in _announced:
        _announced.add(id(client))
        print(f"Dask dashboard: {client.dashboard_link}", file=sys.stderr)


def share(client: Any, data: Any) -> Any:
    """`data` on every worker, once (a future that tasks take in its place)."""
    return client.scatter(data, broadcast=True, hash=False)


def _homes(workers: list[str], groups: list[str]) -> list[list[str] | None]:
    """A worker for each task: whole groups to the least loaded worker, biggest group first."""
    if len(workers) < 2:
        return [None] * len(groups)
    sizes: dict[str, int] = {}
    for group in groups:
        sizes[group] = sizes.get(group, 0) + 1
    load = dict.fromkeys(workers, 0)
    home: dict[str, str] = {}
    for group in sorted(sizes, key=lambda g: -sizes[g]):
        worker = min(load, key=lambda w: load[w])
        home[group] = worker
        load[worker] += sizes[group]
    return [[home[group]] for group in groups]


@atexit.register
def close_clients() -> None:
    """Close the clients (and LocalClusters) this module made."""
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
    groups: list[str] | None = None,
) -> Iterator[tuple[str, Any]]:
    """Yield (key, result) as each task `function(shared, *args)` completes on the cluster.

    `shared` (the bars, or a future of them from `share`) goes to every worker once
    (`scatter(broadcast=True)`), not with each task. Tasks of one group (one feature
    configuration) prefer one worker, which then computes the group's features once; the
    preference is loose, so an idle worker steals and a dead worker's tasks go elsewhere
    (Dask reschedules them); a task that raises is retried.
    """
    from distributed import Future, as_completed

    if not tasks:
        return
    owned = not isinstance(shared, Future)
    handle = share(client, shared) if owned else shared
    homes = _homes(list(client.scheduler_info()["workers"]), groups or [k for k, _ in tasks])
    futures = {
        client.submit(
            function, handle, *args, key=key, retries=RETRIES, pure=False,
            **({} if home is None else {"workers": home, "allow_other_workers": True}),
        ): key
        for (key, args), home in zip(tasks, homes, strict=True)
    }  # fmt: skip
    try:
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        client.cancel(list(futures))
        if owned:
            client.cancel([handle])
