"""Hand memory freed by Python and numpy back to the operating system.

glibc's allocator keeps most of what a program frees for its next allocations: after a replay's
preparation has computed and dropped some 150 MB of columns and intermediates, the process
holds on to ~90 MB it no longer uses, and its resident size then grows from there. `malloc_trim`
returns the free pages (it is what Dask's documentation advises for such "unmanaged memory").
Elsewhere than on glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None  # musl has none
    except OSError:
        return None


def release_freed_memory() -> bool:
    """Return freed heap pages to the system; True if any were (glibc only, a few ms)."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
