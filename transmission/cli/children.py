"""Child processes a command runs and must not leave behind: each in its own process group,
stopped with everything it started (Voila's kernels run in sessions of their own)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil


@dataclass(frozen=True)
class Child:
    """A process started in a new session (its own process group), and its name for messages."""

    name: str
    process: subprocess.Popen[bytes]

    @classmethod
    def start(
        cls, name: str, argv: Sequence[str], *, env: dict[str, str], cwd: str | None = None
    ) -> Child:
        # A new session: a terminal's Ctrl-C reaches only this command, which stops the
        # children in order (Voila's kernels before the engine they watch is gone).
        process = subprocess.Popen(list(argv), env=env, cwd=cwd, start_new_session=True)
        return cls(name, process)

    @property
    def returncode(self) -> int | None:
        return self.process.poll()


def stop_all(children: Sequence[Child], timeout: float = 15.0) -> None:
    """SIGTERM each child's process group, wait up to `timeout`, then SIGKILL what is left,
    descendants in other groups (kernels) included."""
    import psutil  # the [monitor] extra's: the CLI must start without it

    family = [proc for child in children for proc in _family(child.process.pid)]
    for child in children:
        _signal_group(child.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(max(0.1, deadline - time.monotonic()))
    # Descendants are found again: a kernel may have started after the first look.
    family += [p for child in children for p in _family(child.process.pid) if p not in family]
    _gone, alive = psutil.wait_procs(family, timeout=max(0.1, deadline - time.monotonic()))
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    for child in children:
        if child.process.poll() is None:
            _signal_group(child.process.pid, signal.SIGKILL)
        child.process.wait()
    psutil.wait_procs(alive, timeout=5)


def _family(pid: int) -> list[psutil.Process]:
    """The process and every descendant still running."""
    import psutil

    try:
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.Error:
        return []


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


@contextlib.contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt as SIGINT does, so one `finally` stops the children;
    the previous handlers come back after."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def signals_ignored() -> Iterator[None]:
    """Neither SIGTERM nor SIGINT cuts the clean-up short (it ends in SIGKILL anyway)."""
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
