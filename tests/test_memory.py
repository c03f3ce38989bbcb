"""Freed memory goes back to the system when asked (glibc)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from transmission.memory import _libc, release_freed_memory

SCRIPT = textwrap.dedent(
    """
    from pathlib import Path
    from transmission.memory import release_freed_memory

    def rss_mb():
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

    # 200 MB in 64 kB blocks (under glibc's mmap threshold: they live in the heap), then a
    # block after them, so freeing them leaves a hole glibc does not give back by itself.
    blocks = [bytearray(64 * 1024) for _ in range(3200)]
    pin = bytearray(64 * 1024)
    held = rss_mb()
    del blocks
    freed = rss_mb()
    released = release_freed_memory()
    print(held, freed, rss_mb(), released)
    """
)


@pytest.mark.skipif(_libc() is None, reason="malloc_trim is glibc's")
def test_freed_heap_memory_goes_back_to_the_system():
    # A process of its own: the test runner's heap is not ours to measure.
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    held, freed, after, released = float(out[0]), float(out[1]), float(out[2]), out[3]
    assert released == "True"
    assert freed > held - 50, "glibc gave the hole back by itself: the test shows nothing"
    assert after < freed - 150


def test_release_is_safe_to_call_anywhere():
    assert isinstance(release_freed_memory(), bool)
